"""Our generator, loaded through the official-import path, reproduces the official MaskGAN outputs."""

import torch

from maskgan.core.precision import prepare
from maskgan.core.prepacked import PrepackedConv2d
from maskgan.official_import import import_official
from maskgan.weights import load_bundle


def test_official_outputs_reproduced_through_import(official_reference, tmp_path):
    checkpoint = tmp_path / "latest_net_G.pth"
    torch.save(official_reference["state_dict"], checkpoint)
    card = import_official(checkpoint, tmp_path / "official.safetensors")
    config = card["networks"]["generator"]["config"]
    assert (config["ngf"], config["n_downsample"], config["n_blocks"]) == (8, 4, 2)
    assert card["networks"]["generator"]["parameters"] == official_reference["config"]["num_parameters"]

    generator = load_bundle(tmp_path / "official.safetensors").generator
    inputs = official_reference["inputs"]
    with torch.no_grad():
        style = generator.style_params(inputs["input_label_ref_onehot"], inputs["image_ref"])
        output = generator(inputs["input_label_onehot"], inputs["input_label_ref_onehot"], inputs["image_ref"])
    expected_style = official_reference["intermediates"]["adain_params"].flatten(1)
    assert (style - expected_style).abs().max().item() <= 1e-5
    assert output.shape == official_reference["output"].shape
    assert (output - official_reference["output"]).abs().max().item() <= 1e-5

    # as the Editor runs it in fp32 on the CPU: every convolution prepacked for oneDNN, whose kernels sum in
    # another order (8e-5 here: a hundredth of an 8-bit level)
    prepared = prepare(load_bundle(tmp_path / "official.safetensors").generator, "cpu", "fp32")
    assert any(isinstance(layer, PrepackedConv2d) for layer in prepared.modules())
    with torch.no_grad():
        output = prepared(inputs["input_label_onehot"], inputs["input_label_ref_onehot"], inputs["image_ref"])
    assert (output - official_reference["output"]).abs().max().item() <= 2e-4

    # in float64 the two implementations agree to rounding, far below float32 noise
    generator = generator.double()
    with torch.no_grad():
        output64 = generator(
            *(inputs[k].double() for k in ("input_label_onehot", "input_label_ref_onehot", "image_ref"))
        )
    assert (output64 - official_reference["intermediates"]["output_float64"]).abs().max().item() <= 1e-10


def test_one_hot_of_fixture_labels_matches_official(official_reference):
    from maskgan.labels import one_hot

    inputs = official_reference["inputs"]
    assert torch.equal(one_hot(inputs["label"]), inputs["input_label_onehot"])
    assert torch.equal(one_hot(inputs["label_ref"]), inputs["input_label_ref_onehot"])
