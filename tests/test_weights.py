import json
import os
import pickle
from pathlib import Path

import pytest
import torch
from helpers import tiny_generator
from safetensors import safe_open
from safetensors.torch import save_file

from maskgan.networks.generator import Generator, GeneratorConfig
from maskgan.official_import import (
    OfficialImportError,
    import_official,
    infer_config,
    official_key_map,
)
from maskgan.weights import WeightsError, load_bundle, read_card, save_bundle, update_card
from maskgan_cli.main import main


def official_state_dict(config: GeneratorConfig, seed: int = 0) -> dict:
    """A random state_dict laid out exactly as the official GlobalGenerator's."""
    torch.manual_seed(seed)
    ours = Generator(config).state_dict()
    reverse = {v: k for k, v in official_key_map(config).items()}
    official = {}
    for key, tensor in ours.items():
        prefix, _, leaf = key.rpartition(".")
        official[f"{reverse[prefix]}.{leaf}"] = torch.randn_like(tensor)
    first_block = 4 + 3 * config.n_downsample
    channels = config.ngf * 2**config.n_downsample
    for k in range(config.n_blocks):
        for j in (0, 1):
            official[f"model.{first_block + k}.conv_block.{j}.norm.running_mean"] = torch.zeros(channels)
            official[f"model.{first_block + k}.conv_block.{j}.norm.running_var"] = torch.ones(channels)
    return official


@pytest.mark.parametrize("ngf,n_down,n_blocks", [(8, 3, 1), (16, 3, 3), (8, 5, 6), (4, 4, 2)])
def test_import_infers_the_configuration(tmp_path, ngf, n_down, n_blocks):
    config = GeneratorConfig(ngf=ngf, n_downsample=n_down, n_blocks=n_blocks)
    state = official_state_dict(config)
    assert infer_config(state) == config
    torch.save({"state_dict": state}, tmp_path / "g.pth")
    import_official(tmp_path / "g.pth", tmp_path / "g.safetensors")
    generator = load_bundle(tmp_path / "g.safetensors").generator
    assert generator.config == config
    first_conv = state["model.1.weight"]
    assert torch.equal(generator.input_conv.conv.weight, first_conv)
    height, width = 32 * 2 ** max(0, n_down - 4), 48 * 2 ** max(0, n_down - 4)
    with torch.no_grad():
        out = generator(
            torch.zeros(1, 19, height, width), torch.zeros(1, 19, height, width), torch.zeros(1, 3, height, width)
        )
    assert out.shape == (1, 3, height, width)


class Exploit:
    """Unpickling this runs a shell command that creates ``marker``."""

    marker = None

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    Exploit.marker = marker
    with open(tmp_path / "evil_legacy.pth", "wb") as handle:
        pickle.dump({"state_dict": Exploit()}, handle, protocol=2)
    torch.save({"model": Exploit()}, tmp_path / "evil_zip.pth")
    for name in ("evil_legacy.pth", "evil_zip.pth"):
        with pytest.raises(OfficialImportError) as info:
            import_official(tmp_path / name, tmp_path / "out.safetensors")
        message = str(info.value)
        assert "GLOBAL posix.system" in message or "GLOBAL nt.system" in message
        assert (
            "maskgan refuses to unpickle them, because unpickling arbitrary objects can run arbitrary code" in message
        )
        assert "re-save only its tensors" in message
    assert not marker.exists()
    assert not (tmp_path / "out.safetensors").exists()


def test_malformed_checkpoints_get_named_errors(tmp_path):
    config = GeneratorConfig(ngf=8, n_downsample=3, n_blocks=1)
    good = official_state_dict(config)
    torch.save(good, tmp_path / "good.pth")
    data = (tmp_path / "good.pth").read_bytes()
    (tmp_path / "truncated.pth").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.pth").write_text("hello")
    cases = {
        "truncated.pth": "is not a readable PyTorch checkpoint",
        "text.pth": "is not a readable PyTorch checkpoint",
        "missing.pth": "no such file",
    }
    for name, message in cases.items():
        with pytest.raises(OfficialImportError, match=message):
            import_official(tmp_path / name, tmp_path / "o.safetensors")

    broken = dict(good)
    del broken["enc_style.sft1.SFT_scale_conv1.weight"]
    broken["model.99.weight"] = torch.zeros(1)
    broken["model.7.bias"] = torch.zeros(5)
    torch.save(broken, tmp_path / "broken.pth")
    with pytest.raises(OfficialImportError) as info:
        import_official(tmp_path / "broken.pth", tmp_path / "o.safetensors")
    message = str(info.value)
    assert "missing tensors: enc_style.sft1.SFT_scale_conv1.weight" in message
    assert "unexpected tensors: model.99.weight" in message
    assert "wrong shapes: model.7.bias (5,) (expected (32,))" in message

    torch.save({"a": 1}, tmp_path / "notstate.pth")
    with pytest.raises(OfficialImportError, match="does not hold a state_dict"):
        import_official(tmp_path / "notstate.pth", tmp_path / "o.safetensors")
    torch.save({"model.1.weight": torch.zeros(8)}, tmp_path / "flat.pth")
    with pytest.raises(OfficialImportError, match=r"model.1.weight has shape \(8,\), expected \(ngf, 19, 7, 7\)"):
        import_official(tmp_path / "flat.pth", tmp_path / "o.safetensors")
    torch.save({"x.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(
        OfficialImportError, match="not an official MaskGAN GlobalGenerator state_dict: missing 'model.1.weight'"
    ):
        import_official(tmp_path / "other.pth", tmp_path / "o.safetensors")


def test_bundle_round_trip_is_bit_exact_and_card_reads_alone(tmp_path):
    generator = tiny_generator(seed=3)
    card = save_bundle(tmp_path / "w.safetensors", {"generator": generator}, {"name": "tiny", "resolution": 64})
    assert read_card(tmp_path / "w.safetensors") == card
    assert json.loads((tmp_path / "w.json").read_text()) == card
    loaded = load_bundle(tmp_path / "w.safetensors").generator
    for (key, a), (_, b) in zip(generator.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), key
    assert card["networks"]["generator"]["parameters"] == sum(p.numel() for p in generator.parameters())


def bundle_tensors(path) -> dict:
    with safe_open(str(path), "pt") as handle:
        return {key: handle.get_tensor(key) for key in handle.keys()}


def test_bad_bundles_get_named_errors(tmp_path):
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(WeightsError, match="is not a maskgan safetensors bundle"):
        load_bundle(tmp_path / "junk.safetensors")
    save_file({"a": torch.zeros(1)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(WeightsError, match="has no model card"):
        read_card(tmp_path / "plain.safetensors")
    with pytest.raises(WeightsError, match="no weights file at"):
        load_bundle(tmp_path / "absent.safetensors")

    card = save_bundle(tmp_path / "w.safetensors", {"generator": tiny_generator()}, {"name": "tiny"})
    data = (tmp_path / "w.safetensors").read_bytes()
    (tmp_path / "truncated.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="is not a maskgan safetensors bundle"):
        load_bundle(tmp_path / "truncated.safetensors")

    tensors = bundle_tensors(tmp_path / "w.safetensors")
    tensors["generator.output_conv.conv.bias"] = torch.zeros(7)
    del tensors["generator.input_conv.conv.weight"]
    tensors["blender.weight"] = torch.zeros(1)
    save_file(tensors, str(tmp_path / "bad.safetensors"), metadata={"maskgan_card": json.dumps(card)})
    with pytest.raises(WeightsError) as info:
        load_bundle(tmp_path / "bad.safetensors")
    assert "missing generator.input_conv.conv.weight" in str(info.value)
    assert "wrong shapes generator.output_conv.conv.bias (7,) (expected (3,))" in str(info.value)
    del tensors["generator.output_conv.conv.bias"]

    tensors = bundle_tensors(tmp_path / "w.safetensors")
    tensors["generator.output_conv.conv.bias"][0] += 1
    save_file(tensors, str(tmp_path / "edited.safetensors"), metadata={"maskgan_card": json.dumps(card)})
    with pytest.raises(WeightsError, match="the tensors do not match the card's tensors_sha256"):
        load_bundle(tmp_path / "edited.safetensors")

    tensors = bundle_tensors(tmp_path / "w.safetensors")
    save_file(
        {**tensors, "stray.x": torch.zeros(1)},
        str(tmp_path / "stray.safetensors"),
        metadata={"maskgan_card": json.dumps(card)},
    )
    with pytest.raises(WeightsError, match="tensors of no network in the card: stray.x"):
        load_bundle(tmp_path / "stray.safetensors")

    save_file(
        tensors,
        str(tmp_path / "future.safetensors"),
        metadata={"maskgan_card": json.dumps({**card, "format": "maskgan-bundle/9"})},
    )
    with pytest.raises(WeightsError, match="is in bundle format 'maskgan-bundle/9'; this version of maskgan reads"):
        read_card(tmp_path / "future.safetensors")


def test_update_card_adds_fields_and_keeps_the_tensors(tmp_path):
    path = tmp_path / "w.safetensors"
    card = save_bundle(path, {"generator": tiny_generator(seed=4)}, {"name": "tiny", "resolution": 64})
    before = bundle_tensors(path)
    updated = update_card(
        path, {"evaluation": {"synthetic_64px": {"scores": {"edit": {"psnr": 30.5}}}}, "name": "renamed"}
    )
    assert updated == {
        **card,
        "evaluation": {"synthetic_64px": {"scores": {"edit": {"psnr": 30.5}}}},
        "name": "renamed",
    }
    assert read_card(path) == updated and json.loads((tmp_path / "w.json").read_text()) == updated
    after = bundle_tensors(path)
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    assert load_bundle(path).card["tensors_sha256"] == card["tensors_sha256"]


def test_update_card_refuses_tensor_fields_and_corrupt_files(tmp_path):
    path = tmp_path / "w.safetensors"
    card = save_bundle(path, {"generator": tiny_generator(seed=4)}, {"name": "tiny"})
    with pytest.raises(WeightsError, match="networks, tensors_sha256 describe the tensors and cannot be set"):
        update_card(path, {"tensors_sha256": "0" * 64, "networks": {}})
    tensors = bundle_tensors(path)
    tensors["generator.output_conv.conv.bias"][0] += 1
    save_file(tensors, str(tmp_path / "edited.safetensors"), metadata={"maskgan_card": json.dumps(card)})
    edited = (tmp_path / "edited.safetensors").read_bytes()
    with pytest.raises(WeightsError, match="do not match the card's tensors_sha256; .* its card is left as it is"):
        update_card(tmp_path / "edited.safetensors", {"note": "x"})
    assert (tmp_path / "edited.safetensors").read_bytes() == edited
    assert read_card(path) == card


def test_failed_save_leaves_the_previous_bundle_intact(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    first = save_bundle(path, {"generator": tiny_generator(seed=1)}, {"name": "first"})
    before = path.read_bytes()

    write_bytes = Path.write_bytes

    def fail_halfway(self, data):
        write_bytes(self, data[:100])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", fail_halfway)
    with pytest.raises(OSError, match="disk full"):
        save_bundle(path, {"generator": tiny_generator(seed=2)}, {"name": "second"})
    assert path.read_bytes() == before
    assert read_card(path) == first
    assert json.loads((tmp_path / "w.json").read_text())["name"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json", "w.safetensors"]


def test_bundle_files_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        save_bundle(tmp_path / "w.safetensors", {"generator": tiny_generator()}, {"name": "tiny"})
    finally:
        os.umask(previous)
    assert (tmp_path / "w.safetensors").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "w.json").stat().st_mode & 0o777 == 0o644


def test_cli_import_and_info(tmp_path, capsys, official_reference):
    torch.save(official_reference["state_dict"], tmp_path / "latest_net_G.pth")
    out = tmp_path / "official.safetensors"
    assert main(["weights", "import-official", str(tmp_path / "latest_net_G.pth"), str(out)]) == 0
    assert "ngf=8, n_downsample=4, n_blocks=2, 1,388,003 parameters" in capsys.readouterr().out
    assert main(["weights", "info", str(out)]) == 0
    assert "generator: 1,388,003 parameters" in capsys.readouterr().out
    assert main(["weights", "import-official", str(tmp_path / "nope.pth"), str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["weights", "import-official", str(tmp_path / "latest_net_G.pth"), str(tmp_path / "x.pt")]) == 2
    assert "must end in .safetensors" in capsys.readouterr().err
    assert main(["weights", "info", str(tmp_path / "absent.safetensors")]) == 2
    assert "no weights file at" in capsys.readouterr().err


def test_cli_info_counts_the_demo_configuration(capsys):
    assert main(["weights", "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "parameter counts, demo configuration:"
    assert lines[1].split() == ["generator", "89,702,595"]
    assert [line.split()[0] for line in lines[2:]] == ["mask_vae", "blender", "discriminator"]
