"""Small float operations on (C, H, W) tensors shared by the photo routes: blur, resampling, masked fills.

Everything here is pure torch on the CPU-sized windows around an edit; none of it
knows about classes or routes.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import torch
import torch.nn.functional as F


@contextmanager
def one_thread():
    """Run torch on one thread inside: the routes' thousands of small-tensor ops pay more in thread
    hand-offs than they gain (on a busy 2-core machine a warp took 4 s on two threads, 0.3 s on one)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _blur_rows(x: torch.Tensor, kernel: torch.Tensor, radius: int) -> torch.Tensor:
    """Each row of (C, H, W) convolved with ``kernel``, edges replicated (conv1d: the fast path for small kernels)."""
    channels, height, width = x.shape
    rows = F.pad(x.reshape(channels * height, 1, width), (radius, radius), mode="replicate")
    return F.conv1d(rows, kernel.view(1, 1, -1)).reshape(channels, height, width)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """(C, H, W) blurred with a separable Gaussian of ``sigma`` pixels, edges replicated; sigma <= 0 returns x."""
    if sigma <= 0:
        return x
    radius = max(1, int(math.ceil(3 * sigma)))
    taps = torch.arange(-radius, radius + 1, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = kernel / kernel.sum()
    along_x = _blur_along_last(x, kernel, radius)
    return _blur_along_last(along_x.transpose(1, 2).contiguous(), kernel, radius).transpose(1, 2).contiguous()


def _blur_along_last(x: torch.Tensor, kernel: torch.Tensor, radius: int) -> torch.Tensor:
    # replicate padding needs the pad below the side: wider kernels clamp their indices instead
    return _blur_rows(x, kernel, radius) if radius < x.shape[2] else _clamped(x, kernel, radius)


def _clamped(x: torch.Tensor, kernel: torch.Tensor, radius: int) -> torch.Tensor:
    """``x`` convolved along its last axis with edges replicated however wide the kernel (index clamping)."""
    width = x.shape[-1]
    index = (torch.arange(width)[:, None] + torch.arange(-radius, radius + 1)[None, :]).clamp(0, width - 1)
    return (x[..., index] * kernel).sum(-1)


def masked_blur(x: torch.Tensor, weight: torch.Tensor, sigma: float) -> torch.Tensor:
    """Normalised convolution: the Gaussian mean of ``x`` over pixels where ``weight`` (H, W) is set; 0 where none are near."""
    blurred_weight = gaussian_blur(weight[None], sigma)
    return gaussian_blur(x * weight, sigma) / blurred_weight.clamp_min(1e-6)


def resize(x: torch.Tensor, height: int, width: int, mode: str = "bilinear") -> torch.Tensor:
    """(C, h, w) resampled to (C, height, width); 'area' when shrinking keeps soft masks soft."""
    if x.shape[-2:] == (height, width):
        return x
    if mode == "area":
        return F.interpolate(x[None], size=(height, width), mode="area")[0]
    return F.interpolate(x[None], size=(height, width), mode=mode, align_corners=True)[0]


def identity_grid(height: int, width: int) -> torch.Tensor:
    """(2, H, W) pixel coordinates (x, y) of every pixel."""
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32), indexing="ij"
    )
    return torch.stack([xs, ys])


def sample(x: torch.Tensor, coords: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """(C, H, W) values of ``x`` (C, h, w) at pixel coordinates ``coords`` (2, H, W) = (x, y); edges replicated."""
    height, width = x.shape[-2:]
    gx = coords[0] * (2.0 / max(width - 1, 1)) - 1.0
    gy = coords[1] * (2.0 / max(height - 1, 1)) - 1.0
    grid = torch.stack([gx, gy], dim=-1)[None]
    return F.grid_sample(x[None], grid, mode=mode, padding_mode="border", align_corners=True)[0]


def push_pull(values: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """(C, H, W): ``values`` where ``known`` (H, W bool), elsewhere a smooth fill from the known values around.

    The membrane-like fill of a pyramid: known pixels are averaged down to coarse
    levels, and each level fills its gaps from the next coarser one, bilinearly, so the
    fill meets its known border with no step and follows its shading.
    """
    weight = known.to(values.dtype)[None]
    levels = [(values * weight, weight)]
    while max(levels[-1][1].shape[-2:]) > 1:
        v, w = levels[-1]
        levels.append((F.avg_pool2d(v[None], 2, ceil_mode=True)[0], F.avg_pool2d(w[None], 2, ceil_mode=True)[0]))
    v, w = levels[-1]
    filled = v / w.clamp_min(1e-8)
    for v, w in reversed(levels[:-1]):
        coarse = F.interpolate(filled[None], size=v.shape[-2:], mode="bilinear", align_corners=False)[0]
        mean = v / w.clamp_min(1e-8)
        trust = w.clamp(0, 1)
        filled = trust * mean + (1 - trust) * coarse
    return torch.where(known[None], values, filled)
