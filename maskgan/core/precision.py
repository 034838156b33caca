"""Device and numeric fast-path selection, and how the generator is laid out for it.

'auto' picks CUDA when present, else the CPU; bf16 weights and channels_last
tensors when the hardware runs bf16 natively (CUDA, or a CPU with AMX or
AVX-512-BF16), else float32. Either can be forced; forced bf16 on other CPUs is
correct but slower. bf16 stays within 40 dB PSNR of fp32 (tests/test_precision.py).

The bf16 path casts the weights once (``prepare``), not on every call as autocast
does: autocast re-cast all 90 M weights per forward (a third of its time on the CPU)
and kept the fp32 weights beside the bf16 copies.
"""

from __future__ import annotations

from pathlib import Path

import torch

from maskgan.core.prepacked import prepack_convolutions

PRECISIONS = ("auto", "fp32", "bf16")
DEVICES = ("auto", "cpu", "cuda")
NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo names


def cpuinfo_has_native_bf16(cpuinfo: str) -> bool:
    """Whether a /proc/cpuinfo text lists a CPU flag for native bf16 arithmetic."""
    flags = set(cpuinfo.split())
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def cpu_has_native_bf16() -> bool:
    # torch's own probes work on every OS; /proc/cpuinfo covers torch builds without them.
    probes = [getattr(torch.cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
    if all(probes):
        return any(probe() for probe in probes)
    try:
        return cpuinfo_has_native_bf16(Path("/proc/cpuinfo").read_text())
    except OSError:
        return False


def choose_device(requested: str = "auto") -> str:
    if requested not in DEVICES:
        raise ValueError(f"unknown device {requested!r}; use one of {', '.join(DEVICES)}")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but PyTorch sees no CUDA GPU here; use --device cpu or auto")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def choose_precision(requested: str, device: str) -> str:
    if requested not in PRECISIONS:
        raise ValueError(f"unknown precision {requested!r}; use one of {', '.join(PRECISIONS)}")
    if requested != "auto":
        return requested
    return "bf16" if device == "cuda" or cpu_has_native_bf16() else "fp32"


def memory_format(precision: str) -> torch.memory_format:
    """channels_last on the fast path: oneDNN and cuDNN run bf16 convolutions fastest in NHWC."""
    return torch.channels_last if precision == "bf16" else torch.contiguous_format


def compute_dtype(precision: str) -> torch.dtype:
    """The dtype of the weights and activations of a precision."""
    return torch.bfloat16 if precision == "bf16" else torch.float32


def prepare(network: torch.nn.Module, device: str, precision: str) -> torch.nn.Module:
    """``network`` itself moved to ``device``, cast to the precision's dtype and memory format, in eval mode, its
    convolutions prepacked for oneDNN on the CPU where that runs faster (maskgan.core.prepacked).

    In place: the float32 weights are dropped when cast, so only one copy is ever resident.
    """
    network = network.to(device, compute_dtype(precision), memory_format=memory_format(precision)).eval()
    if device == "cpu":
        prepack_convolutions(network, precision)
    return network


def as_input(tensor: torch.Tensor, device: str, precision: str) -> torch.Tensor:
    """A float input tensor in the layout and dtype a network ``prepare``d for this precision takes."""
    return tensor.to(device, compute_dtype(precision), memory_format=memory_format(precision))
