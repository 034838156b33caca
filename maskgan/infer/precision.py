"""Device and numeric fast-path selection.

'auto' picks CUDA when present, else the CPU; bf16 (with channels_last) when the
hardware runs it natively (CUDA, or a CPU with AMX / AVX-512-BF16), else float32.
Either can be forced; forced bf16 on other CPUs is correct but slower.
"""

from __future__ import annotations

from pathlib import Path

import torch

PRECISIONS = ("auto", "fp32", "bf16")
DEVICES = ("auto", "cpu", "cuda")


def cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("amx_bf16", "avx512_bf16"))


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
