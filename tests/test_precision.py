"""Device and fast-path selection, and bf16's accuracy on the official reference inputs."""

import numpy as np
import pytest
import torch

from maskgan.core import precision
from maskgan.core.precision import choose_device, choose_precision, cpuinfo_has_native_bf16
from maskgan.infer import Editor


def test_cpuinfo_flags_for_native_bf16():
    assert cpuinfo_has_native_bf16("flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_tile")
    assert cpuinfo_has_native_bf16("flags : fpu amx_bf16 amx_tile")
    assert not cpuinfo_has_native_bf16("flags : fpu sse2 avx2 avx512f avx512bw")
    assert not cpuinfo_has_native_bf16("")


def test_auto_precision_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert choose_precision("auto", "cpu") == "fp32"
    assert choose_precision("auto", "cuda") == "bf16"
    assert choose_precision("bf16", "cpu") == "bf16"
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert choose_precision("auto", "cpu") == "bf16"
    assert choose_precision("fp32", "cuda") == "fp32"


def test_bad_choices_are_named(monkeypatch):
    with pytest.raises(ValueError, match="unknown precision 'fp16'; use one of auto, fp32, bf16"):
        choose_precision("fp16", "cpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'; use one of auto, cpu, cuda"):
        choose_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device("auto") == "cpu"
    with pytest.raises(ValueError, match="--device cuda was asked for, but PyTorch sees no CUDA GPU here"):
        choose_device("cuda")


def test_bf16_fast_path_is_within_40_db_of_fp32(official_reference, tmp_path):
    from maskgan.official_import import import_official

    torch.save(official_reference["state_dict"], tmp_path / "g.pth")
    import_official(tmp_path / "g.pth", tmp_path / "g.safetensors")
    inputs = official_reference["inputs"]
    outputs = {}
    for name in ("fp32", "bf16"):
        editor = Editor.load(tmp_path / "g.safetensors", device="cpu", precision=name)
        assert editor.precision == name
        outputs[name] = editor.run_generator(
            inputs["input_label_onehot"], inputs["input_label_ref_onehot"], inputs["image_ref"]
        )
    # the fp32 path is the official forward itself
    assert torch.allclose(outputs["fp32"], official_reference["output"], atol=1e-4)
    mse = ((outputs["fp32"] - outputs["bf16"]) / 2).pow(2).mean().item()  # images span 2 in [-1, 1]
    psnr = 10 * np.log10(1.0 / mse)
    assert 40 <= psnr < 200, psnr  # and bf16 really ran: it is not bit-identical
