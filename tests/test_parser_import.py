"""`maskgan weights import-official-parser`, parser bundles, and the errors between the two kinds of bundle."""

import hashlib
import json
import os
import pickle

import pytest
import torch
from helpers import tiny_generator
from official_unet import official_forward, official_state_dict

from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig
from maskgan.official_import import OfficialImportError, import_official_parser, infer_parser_config
from maskgan.weights import WeightsError, load_bundle, load_parser_bundle, read_card, save_bundle
from maskgan_cli.main import main


@pytest.mark.parametrize("feature_scale", [4, 16])
def test_import_round_trip_is_bit_exact_and_parses_like_the_official_code(tmp_path, feature_scale):
    state = official_state_dict(feature_scale, seed=2)
    torch.save(state, tmp_path / "model.pth")
    card = import_official_parser(tmp_path / "model.pth", tmp_path / "parser.safetensors")
    assert infer_parser_config(state) == ParserUNetConfig(base_channels=64 // feature_scale)
    assert card["networks"]["parser"]["config"] == {
        "base_channels": 64 // feature_scale,
        "in_channels": 3,
        "num_classes": 19,
        "norm_sizes": [],
    }
    assert card["resolution"] == 512
    assert card["source"]["sha256"] == hashlib.sha256((tmp_path / "model.pth").read_bytes()).hexdigest()
    assert json.loads((tmp_path / "parser.json").read_text()) == card

    parser = load_parser_bundle(tmp_path / "parser.safetensors").parser
    assert not parser.training
    for key, tensor in parser.state_dict().items():
        assert torch.equal(tensor, state[key]), key
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(parser(x), official_forward(state, x), atol=1e-5, rtol=0)


def test_data_parallel_prefix_and_state_dict_entry_are_accepted(tmp_path):
    state = official_state_dict(16)
    torch.save({"state_dict": {f"module.{key}": tensor for key, tensor in state.items()}}, tmp_path / "dp.pth")
    import_official_parser(tmp_path / "dp.pth", tmp_path / "dp.safetensors")
    parser = load_parser_bundle(tmp_path / "dp.safetensors").parser
    assert torch.equal(parser.final.weight, state["final.weight"])


class Exploit:
    """Unpickling this would run a shell command that creates ``marker``."""

    marker = None

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickles_with_code_are_refused_and_never_run(tmp_path):
    Exploit.marker = tmp_path / "pwned"
    with open(tmp_path / "evil.pth", "wb") as handle:
        pickle.dump({"conv1.conv1.0.weight": Exploit()}, handle, protocol=2)
    with pytest.raises(OfficialImportError) as info:
        import_official_parser(tmp_path / "evil.pth", tmp_path / "out.safetensors")
    assert "maskgan refuses to unpickle them, because unpickling arbitrary objects can run arbitrary code" in str(
        info.value
    )
    assert not Exploit.marker.exists()
    assert not (tmp_path / "out.safetensors").exists()


def test_checkpoints_that_do_not_fit_get_named_errors(tmp_path):
    good = official_state_dict(16)
    broken = dict(good)
    del broken["up_concat2.up.bias"]
    broken["center.conv2.0.weight"] = torch.zeros(64, 64, 1, 1)
    broken["extra.weight"] = torch.zeros(1)
    torch.save(broken, tmp_path / "broken.pth")
    with pytest.raises(OfficialImportError) as info:
        import_official_parser(tmp_path / "broken.pth", tmp_path / "o.safetensors")
    message = str(info.value)
    assert "does not fit a face_parsing unet with base channels 4 (feature_scale 16)" in message
    assert "missing up_concat2.up.bias" in message
    assert "unexpected extra.weight" in message
    assert "wrong shapes center.conv2.0.weight (64, 64, 1, 1) (expected (64, 64, 3, 3))" in message

    generator = {f"model.1.{leaf}": torch.zeros(4) for leaf in ("weight", "bias")}
    torch.save(generator, tmp_path / "latest_net_G.pth")
    with pytest.raises(
        OfficialImportError, match="not an official face_parsing unet state_dict: missing 'conv1.conv1.0.weight'"
    ):
        import_official_parser(tmp_path / "latest_net_G.pth", tmp_path / "o.safetensors")
    torch.save(
        {"conv1.conv1.0.weight": torch.zeros(4), "final.weight": torch.zeros(19, 4, 1, 1)}, tmp_path / "flat.pth"
    )
    with pytest.raises(OfficialImportError, match=r"conv1.conv1.0.weight has shape \(4,\)"):
        import_official_parser(tmp_path / "flat.pth", tmp_path / "o.safetensors")
    assert not (tmp_path / "o.safetensors").exists()


def test_cli_import_and_its_errors(tmp_path, capsys):
    torch.save(official_state_dict(16), tmp_path / "model.pth")
    out = tmp_path / "parser.safetensors"
    assert main(["weights", "import-official-parser", str(tmp_path / "model.pth"), str(out)]) == 0
    assert f"(base channels 4, 122,551 parameters); use it with --parser-weights {out}" in capsys.readouterr().out
    assert main(["weights", "info", str(out)]) == 0
    assert 'parser: 122,551 parameters, config {"base_channels": 4' in capsys.readouterr().out

    assert main(["weights", "import-official-parser", str(tmp_path / "model.pth"), str(tmp_path / "p.pt")]) == 2
    assert "the output must end in .safetensors, got p.pt" in capsys.readouterr().err
    assert main(["weights", "import-official-parser", str(tmp_path / "nope.pth"), str(out)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_bundle_of_one_kind_is_refused_where_the_other_is_expected(tmp_path):
    torch.manual_seed(0)
    parser_path, generator_path = tmp_path / "parser.safetensors", tmp_path / "editing.safetensors"
    save_bundle(parser_path, {"parser": ParserUNet(ParserUNetConfig(base_channels=4))}, {"name": "p", "resolution": 64})
    save_bundle(generator_path, {"generator": tiny_generator()}, {"name": "g", "resolution": 64})

    with pytest.raises(WeightsError) as info:
        load_bundle(parser_path)
    assert str(info.value) == (
        f"{parser_path} is a face-parser bundle, not editing weights: pass it as --parser-weights "
        "(`maskgan parse`, `maskgan daemon start`), and give --weights a generator bundle"
    )
    with pytest.raises(WeightsError) as info:
        load_parser_bundle(generator_path)
    assert str(info.value).startswith(
        f"{generator_path} holds editing weights (generator), not a face parser: "
        "pass it as --weights, and give --parser-weights a parser bundle"
    )
    with pytest.raises(WeightsError, match="a parser bundle holds the parser alone, got parser, generator"):
        save_bundle(
            tmp_path / "both.safetensors",
            {"parser": ParserUNet(ParserUNetConfig(base_channels=4)), "generator": tiny_generator()},
            {},
        )
    with pytest.raises(WeightsError, match="a bundle needs a generator"):
        save_bundle(tmp_path / "none.safetensors", {}, {})
    assert read_card(parser_path)["networks"]["parser"]["parameters"] == 122_551
    assert load_bundle(generator_path).generator is not None  # editing bundles load as before
