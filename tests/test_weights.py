import json
import os
import pickle

import pytest
import torch

from conftest import tiny_generator
from maskgan.cli import main
from maskgan.networks.generator import Generator, GeneratorConfig
from maskgan.official_import import (
    OfficialImportError,
    import_official,
    infer_config,
    official_key_map,
)
from maskgan.weights import WeightsError, load_bundle, read_card, save_bundle


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


@pytest.mark.parametrize("ngf,n_down,n_blocks", [(8, 3, 1), (8, 4, 3), (16, 5, 6), (4, 4, 2)])
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
        out = generator(torch.zeros(1, 19, height, width), torch.zeros(1, 19, height, width), torch.zeros(1, 3, height, width))
    assert out.shape == (1, 3, height, width)


class Exploit:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    exploit = Exploit()
    Exploit.marker = marker
    with open(tmp_path / "evil.pth", "wb") as handle:
        pickle.dump({"state_dict": exploit}, handle)
    torch.save({"model": exploit}, tmp_path / "evil_zip.pth")
    for name in ("evil.pth", "evil_zip.pth"):
        with pytest.raises(OfficialImportError, match="refuses because it can run arbitrary code"):
            import_official(tmp_path / name, tmp_path / "out.safetensors")
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
    torch.save({"x.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(OfficialImportError, match="not an official MaskGAN GlobalGenerator state_dict: missing 'model.1.weight'"):
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


def test_bad_bundles_get_named_errors(tmp_path):
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(WeightsError, match="is not a maskgan safetensors bundle"):
        load_bundle(tmp_path / "junk.safetensors")
    from safetensors.torch import save_file

    save_file({"a": torch.zeros(1)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(WeightsError, match="has no model card"):
        read_card(tmp_path / "plain.safetensors")
    with pytest.raises(WeightsError, match="no weights file at"):
        load_bundle(tmp_path / "absent.safetensors")

    card = save_bundle(tmp_path / "w.safetensors", {"generator": tiny_generator()}, {"name": "tiny"})
    tensors = {}
    from safetensors import safe_open

    with safe_open(str(tmp_path / "w.safetensors"), "pt") as handle:
        for key in handle.keys():
            tensors[key] = handle.get_tensor(key)
    tensors["generator.output_conv.conv.bias"] = torch.zeros(7)
    del tensors["generator.input_conv.conv.weight"]
    save_file(tensors, str(tmp_path / "bad.safetensors"), metadata={"maskgan_card": json.dumps(card)})
    with pytest.raises(WeightsError) as info:
        load_bundle(tmp_path / "bad.safetensors")
    assert "missing generator.input_conv.conv.weight" in str(info.value)
    assert "wrong shapes generator.output_conv.conv.bias (7,) (expected (3,))" in str(info.value)


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
