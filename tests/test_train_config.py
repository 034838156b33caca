"""Training config: TOML round trip, unknown keys, overrides, validation, schedule, and the CLI's errors."""

import math

import pytest

from maskgan.train.config import BUILTIN_CONFIGS, ConfigError, config_from_toml, load_config, parse_override, to_toml
from maskgan.train.schedule import lr_factor, network_steps, stage_at
from maskgan_cli.main import main


@pytest.mark.parametrize("name", sorted(p.stem for p in BUILTIN_CONFIGS.glob("*.toml")))
def test_builtin_configs_load_and_round_trip_through_toml(name):
    config = load_config(name)
    assert config_from_toml(to_toml(config), "round trip") == config


def test_builtin_configs_exist():
    assert {"tiny", "cpu_demo", "demo", "paper"} <= {p.stem for p in BUILTIN_CONFIGS.glob("*.toml")}


def test_unknown_key_names_the_key_and_the_valid_ones(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model.generator]\nngff = 16\n")
    with pytest.raises(
        ConfigError,
        match=r"unknown config key 'model.generator.ngff'; valid keys in \[model.generator\]: "
        r"label_nc, n_blocks, n_downsample, ngf, output_nc, spatial_style",
    ):
        load_config(path)
    with pytest.raises(
        ConfigError, match=r"unknown config key 'optimizer'; valid keys at the top level: data, ebst, log"
    ):
        config_from_toml("[optimizer]\nlr = 1.0\n", "x")


def test_wrong_types_and_sections_are_named():
    with pytest.raises(ConfigError, match=r"'data.size' must be a int, got 'big'"):
        config_from_toml('[data]\nsize = "big"\n', "x")
    with pytest.raises(ConfigError, match=r"'run.deterministic' must be a bool, got 1"):
        config_from_toml("[run]\ndeterministic = 1\n", "x")
    with pytest.raises(ConfigError, match=r"'model' is a section"):
        config_from_toml("model = 3\n", "x")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        config_from_toml("[data\n", "x")


def test_overrides_parse_toml_values_and_bare_strings():
    config = load_config(
        "tiny",
        [
            "model.generator.ngf=16",
            "data.spec=celebamask:/data/prepared",
            "loss.l1=0",
            "run.deterministic=false",
            'run.device="cpu"',
        ],
    )
    assert config.model.generator.ngf == 16
    assert config.data.spec == "celebamask:/data/prepared"
    assert config.loss.l1 == 0.0 and isinstance(config.loss.l1, float)
    assert config.run.deterministic is False
    assert parse_override("a.b.c = 3") == {"a": {"b": {"c": 3}}}
    with pytest.raises(ConfigError, match="must look like section.key=value"):
        parse_override("model.generator.ngf")
    with pytest.raises(ConfigError, match="unknown config key 'model.generator.width'"):
        load_config(None, ["model.generator.width=3"])


@pytest.mark.parametrize(
    "override, message",
    [
        ("data.size=40", "data.size 40 does not fit the generator: H and W must be multiples of 16"),
        ("data.batch_size=1", "data.batch_size must be >= 2"),
        ("loss.perceptual=nan", "loss.perceptual must be a number >= 0, got nan"),
        ("loss.gan_mode=wgan", "loss.gan_mode must be one of lsgan, hinge"),
        ("run.device=tpu", "run.device must be one of auto, cpu, cuda"),
        ("ebst.alpha_max=0.05", "need 0 <= ebst.alpha_min <= ebst.alpha_max"),
        ("schedule.mask_vae_steps=0", "schedule.mask_vae_steps must be > 0 when schedule.ebst_steps > 0"),
    ],
)
def test_values_that_would_fail_mid_training_are_refused_up_front(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config("tiny", [override])


def test_stages_follow_each_other_and_lr_decays_linearly_to_zero():
    schedule = load_config(
        None, ["schedule.mask_vae_steps=2", "schedule.dmn_steps=3", "schedule.ebst_steps=5"]
    ).schedule
    assert [stage_at(schedule, s) for s in range(10)] == ["mask_vae"] * 2 + ["dmn"] * 3 + ["ebst"] * 5
    with pytest.raises(ValueError, match="past the schedule's 10 steps"):
        stage_at(schedule, 10)
    assert network_steps(schedule, "generator") == 8 and network_steps(schedule, "generator", 4) == 2
    assert network_steps(schedule, "blender", 4) == 0 and network_steps(schedule, "mask_vae", 9) == 2
    factor = lr_factor(schedule, "generator")  # 8 steps, the last half decaying
    assert [factor(k) for k in range(9)] == [1, 1, 1, 1, 1, 0.75, 0.5, 0.25, 0]
    assert math.isclose(lr_factor(schedule, "blender")(3), 0.8)  # 5 steps, decaying from 2.5: (5 - 3) / 2.5


def test_cli_reports_config_and_data_errors_in_one_line(tmp_path, capsys):
    assert main(["train", "--config", "tiny", "--run", str(tmp_path / "r"), "--set", "model.generator.ngff=1"]) == 2
    assert "maskgan train: error: unknown config key 'model.generator.ngff'" in capsys.readouterr().err
    missing = tmp_path / "no_such_folder"
    assert main(["train", "--config", "tiny", "--run", str(tmp_path / "r"), "--data", f"celebamask:{missing}"]) == 2
    err = capsys.readouterr().err
    assert f"no folder at {missing}" in err and "maskgan data prepare-celebamask" in err
    assert main(["train", "--config", "no_such_config", "--run", str(tmp_path / "r")]) == 2
    assert "no config file at no_such_config (built-in configs: cpu_demo, demo, paper, tiny)" in capsys.readouterr().err
    assert main(["train", "--config", "tiny"]) == 2
    assert "--run DIR is required" in capsys.readouterr().err
    assert main(["train", "--run", str(tmp_path / "r"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
