"""Installed weights and the settings file: `maskgan weights list|use`, imports into the weights folder, and
`maskgan daemon start` loading the chosen weights and parser."""

import json

import pytest
import torch

from maskgan.infer.weights_path import DEFAULT_WEIGHTS
from maskgan.user_config import ConfigError, config_path, read_daemon_settings, weights_dir, write_daemon_setting
from maskgan_cli.main import main


@pytest.fixture
def user(tmp_path, monkeypatch):
    """Empty settings and weights folders for one test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def official_pth(tmp_path, official_reference):
    """A checkpoint in the official format: the shared reference's small generator, as latest_net_G.pth."""
    path = tmp_path / "latest_net_G.pth"
    torch.save(official_reference["state_dict"], path)
    return path


@pytest.fixture
def parser_pth(tmp_path):
    """A checkpoint in the official face_parsing format (random weights, base channels 4)."""
    from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig

    path = tmp_path / "model.pth"
    torch.manual_seed(0)
    torch.save(ParserUNet(ParserUNetConfig(base_channels=4)).state_dict(), path)
    return path


def _listing(capsys) -> dict:
    capsys.readouterr()
    assert main(["weights", "list", "--json"]) == 0
    return {row["name"]: row for row in json.loads(capsys.readouterr().out)["weights"]}


def test_fresh_user_has_the_demo_weights_and_the_landmark_parser_in_use(user, capsys):
    rows = _listing(capsys)
    assert set(rows) == {"demo", "landmarks"}
    assert rows["demo"]["in_use"] and rows["landmarks"]["in_use"] and not rows["demo"]["aligned"]
    assert rows["demo"]["path"] == str(DEFAULT_WEIGHTS)
    assert main(["weights", "list"]) == 0
    text = capsys.readouterr().out
    assert (
        "* demo" in text
        and "* landmarks" in text
        and f"settings: {user / 'config' / 'maskgan' / 'config.toml'}" in text
    )


def test_import_official_into_the_weights_folder_and_use_it(user, official_pth, parser_pth, capsys):
    assert main(["weights", "import-official", str(official_pth), "--use"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "step 1/4: reading the checkpoint",
        "step 2/4: converting its tensors",
        "step 3/4: fingerprinting the checkpoint",
        "step 4/4: writing the bundle",
    ]
    assert f"-> {weights_dir() / 'official.safetensors'}" in out and "the daemon will use official" in out
    assert read_daemon_settings() == {"weights": "official"}
    rows = _listing(capsys)
    assert rows["official"]["in_use"] and rows["official"]["aligned"] and not rows["demo"]["in_use"]
    assert rows["official"]["training_data"] == "CelebAMask-HQ (by the MaskGAN authors)"

    assert main(["weights", "import-official-parser", str(parser_pth), "--use"]) == 0
    capsys.readouterr()
    assert read_daemon_settings() == {"weights": "official", "parser_weights": "official-parser"}
    rows = _listing(capsys)
    assert rows["official-parser"]["kind"] == "face parser" and rows["official-parser"]["in_use"]

    assert main(["weights", "use", "demo"]) == 0 and main(["weights", "use", "landmarks"]) == 0
    assert read_daemon_settings() == {"weights": "demo", "parser_weights": "landmarks"}


def test_use_takes_a_path_and_tells_kinds_apart(user, official_pth, tmp_path, capsys):
    bundle = tmp_path / "mine.safetensors"
    assert main(["weights", "import-official", str(official_pth), str(bundle)]) == 0
    assert not weights_dir().exists()  # an explicit output stays where it was asked
    assert main(["weights", "use", str(bundle)]) == 0
    assert read_daemon_settings() == {"weights": str(bundle.resolve())}
    rows = _listing(capsys)
    assert rows["mine"]["in_use"] and rows["mine"]["path"] == str(bundle.resolve())


def test_use_refuses_what_is_not_installed(user, capsys):
    assert main(["weights", "use", "offical"]) == 2
    assert "cannot use offical: not a name from `maskgan weights list`, nor a bundle" in capsys.readouterr().err
    assert not config_path().exists()


def test_a_broken_settings_file_is_named_with_what_is_wrong(user, capsys):
    config_path().parent.mkdir(parents=True)
    config_path().write_text('[daemon]\nweight = "official"\n')
    with pytest.raises(ConfigError, match=r"config.toml: unknown key 'weight' in \[daemon\]; known keys: weights"):
        read_daemon_settings()
    assert main(["weights", "list"]) == 2
    assert "unknown key 'weight'" in capsys.readouterr().err
    config_path().write_text("[daemon]\nweights = 3\n")
    with pytest.raises(ConfigError, match="weights must be a non-empty string"):
        read_daemon_settings()


def test_settings_survive_names_with_quotes_and_accents(user):
    write_daemon_setting("weights", '/tmp/Zoë "best" \\ weights.safetensors')
    write_daemon_setting("parser_weights", "official-parser")
    assert read_daemon_settings() == {
        "weights": '/tmp/Zoë "best" \\ weights.safetensors',
        "parser_weights": "official-parser",
    }
    write_daemon_setting("weights", None)
    assert read_daemon_settings() == {"parser_weights": "official-parser"}


def test_daemon_start_loads_the_chosen_weights_and_parser(tmp_path, official_pth, parser_pth):
    import os
    import subprocess
    import sys

    from daemon_process import DaemonProcess

    from maskgan_client import Client

    process = DaemonProcess(tmp_path / "d", None)  # no --weights: the settings decide
    for command in (["import-official", str(official_pth)], ["import-official-parser", str(parser_pth)]):
        subprocess.run(
            [sys.executable, "-m", "maskgan_cli", "weights", *command, "--use"],
            env=process.env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    process.start()
    try:
        with Client(process.endpoint, timeout=10) as client:
            hello = client.hello()
        assert hello["model"]["name"] == "official MaskGAN generator (latest_net_G.pth)"
        assert hello["parser"]["weights"] == os.path.join(
            process.env["XDG_DATA_HOME"], "maskgan", "weights", "official-parser.safetensors"
        )
    finally:
        process.stop()
    # a choice that is gone is a clear error at start, naming the settings file
    os.remove(os.path.join(process.env["XDG_DATA_HOME"], "maskgan", "weights", "official.safetensors"))
    failed = subprocess.run(process.command, env=process.env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 2
    assert "no editing weights named 'official'" in failed.stderr and "config.toml" in failed.stderr


def test_an_import_cannot_take_a_built_in_name(user, official_pth, capsys):
    assert main(["weights", "import-official", str(official_pth), "--name", "demo"]) == 2
    assert "--name demo is the built-in demo's; choose another name" in capsys.readouterr().err
    assert main(["weights", "import-official", str(official_pth), "--name", "../x"]) == 2
    assert "--name must be a plain file name" in capsys.readouterr().err
