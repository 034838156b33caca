"""Image and mask metrics of the exact-ground-truth benchmark, over a whole image or a region.

  psnr(a, b, region=None)             dB, over the region's pixels and all channels (peak 255)
  ssim(a, b, region=None)             Gaussian-window SSIM (Wang et al. 2004), mean of the SSIM map over the region
  miou(predicted, target, region=None) mean IoU over the classes present in either label map (inside the region);
                                      maskgan.core.iou.IoUCounter pools it over a set
  pixel_accuracy(predicted, target, region=None)  share of the pixels where the label maps agree
  edit_region(label, edited, radius)  where an edit is judged: the changed mask pixels dilated by ``radius``
  outline_contrast(image, part, radius) how much a part stands out from what lies next to it (a frame from the skin)

Images are uint8 (or float in 0..255) HxWx3 (or HxW) arrays of equal shape; regions
are boolean HxW masks. An empty region is an error: there is nothing to measure.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from maskgan.core.iou import IoUCounter
from maskgan.core.masks import dilate
from maskgan.imageio import luma

PEAK = 255.0
# Identical images have infinite PSNR; they score this instead, so that means over a set stay finite.
PSNR_CAP_DB = 100.0
# SSIM constants of Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03.
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_C1 = (0.01 * PEAK) ** 2
SSIM_C2 = (0.03 * PEAK) ** 2


def edit_radius(size: int) -> int:
    """Dilation of the edit region at ``size`` px: 1/32 of the side (3 px at 96, 8 at 256).

    In the synthetic world it holds 98% (96 px) to 99% (256 px) of the squared pixel
    difference between a photo and the exact ground truth of its edit (docs/benchmarks.md).
    """
    return max(1, round(size / 32))


def edit_region(label: np.ndarray, edited_label: np.ndarray, radius: int) -> np.ndarray:
    """bool HxW: the pixels whose class the edit changed, dilated by ``radius`` pixels (square window)."""
    if label.shape != edited_label.shape:
        raise ValueError(f"the label maps differ in size: {label.shape} vs {edited_label.shape}")
    if radius < 0:
        raise ValueError(f"the dilation radius must be >= 0 pixels, got {radius}")
    changed = label != edited_label
    if not changed.any():
        raise ValueError("the two label maps are identical: an edit must change at least one pixel")
    return dilate(changed, radius)


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the images differ in shape: {a.shape} vs {b.shape}")
    if a.ndim not in (2, 3):
        raise ValueError(f"images must be HxW or HxWxC arrays, got shape {a.shape}")
    return a, b


def _check_region(region, shape: tuple[int, ...]) -> np.ndarray | None:
    if region is None:
        return None
    region = np.asarray(region, bool)
    if region.shape != shape[:2]:
        raise ValueError(f"the region is {region.shape[1]}x{region.shape[0]}, the images {shape[1]}x{shape[0]}")
    if not region.any():
        raise ValueError("the region is empty: there are no pixels to measure")
    return region


def psnr(a, b, region=None) -> float:
    """Peak signal-to-noise ratio in dB (peak 255) over ``region`` (default: every pixel); capped at PSNR_CAP_DB."""
    a, b = _pair(a, b)
    region = _check_region(region, a.shape)
    squared = (a - b) ** 2
    mse = float((squared if region is None else squared[region]).mean())
    if mse == 0:
        return PSNR_CAP_DB
    return min(PSNR_CAP_DB, 10 * math.log10(PEAK**2 / mse))


def outline_radius(size: int) -> int:
    """The outline width that ``outline_contrast`` judges at ``size`` px: about a glasses frame's (2 px at 192)."""
    return max(1, round(size / 96))


def outline_contrast(image, part, radius: int) -> float:
    """Mean brightness difference (luma, 0..255) between a part's outline and what lies next to it.

    The outline is the part's pixels within ``radius`` of the outside; each is
    compared with the mean of the outside pixels within ``radius`` + 1 of it, so a
    frame is judged against the skin beyond it and the eye within it alike. New
    glasses drawn as a faint blur score a few units; a frame that stands out, tens.
    """
    image = np.asarray(image)
    part = np.asarray(part, bool)
    if image.ndim != 3 or image.shape[:2] != part.shape:
        raise ValueError(f"the image must be HxWx3 of the part's size {part.shape}, got {image.shape}")
    outline = part & dilate(~part, radius)
    if not outline.any() or part.all():
        raise ValueError("the part has no outline to measure: it is empty or fills the image")
    brightness = luma(image).astype(np.float64)
    outside = (~part).astype(np.float64)
    neighbours = _window_sum(brightness * outside, radius + 1) / np.maximum(_window_sum(outside, radius + 1), 1)
    return float(np.abs(brightness - neighbours)[outline].mean())


def _window_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum of ``values`` over each (2r+1)^2 window (zero padding)."""
    padded = np.pad(values, radius + 1)
    s = padded.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    return (s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k])[: values.shape[0], : values.shape[1]]


def _gaussian_window() -> torch.Tensor:
    offsets = torch.arange(SSIM_WINDOW, dtype=torch.float64) - SSIM_WINDOW // 2
    weights = torch.exp(-(offsets**2) / (2 * SSIM_SIGMA**2))
    return weights / weights.sum()


def _local_mean(x: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """Gaussian-weighted local means of (C,1,H,W), separable, with reflected borders (every pixel gets a value)."""
    pad = SSIM_WINDOW // 2
    x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    x = F.conv2d(x, window.view(1, 1, 1, -1))
    return F.conv2d(x, window.view(1, 1, -1, 1))


def ssim_map(a, b) -> np.ndarray:
    """float64 HxW SSIM of two images (channels averaged), from 11x11 Gaussian-weighted local statistics."""
    a, b = _pair(a, b)
    if min(a.shape[:2]) <= SSIM_WINDOW // 2:
        raise ValueError(
            f"SSIM needs images of at least {SSIM_WINDOW // 2 + 1}x{SSIM_WINDOW // 2 + 1} pixels, "
            f"got {a.shape[1]}x{a.shape[0]}"
        )
    # (C, 1, H, W): each channel is an image of its own, as in Wang et al.'s per-channel use
    x, y = (torch.from_numpy(v.reshape(v.shape[:2] + (-1,))).permute(2, 0, 1)[:, None] for v in (a, b))
    window = _gaussian_window()
    mu_x, mu_y = _local_mean(x, window), _local_mean(y, window)
    var_x = _local_mean(x * x, window) - mu_x**2
    var_y = _local_mean(y * y, window) - mu_y**2
    cov = _local_mean(x * y, window) - mu_x * mu_y
    numerator = (2 * mu_x * mu_y + SSIM_C1) * (2 * cov + SSIM_C2)
    denominator = (mu_x**2 + mu_y**2 + SSIM_C1) * (var_x + var_y + SSIM_C2)
    return (numerator / denominator).mean(dim=(0, 1)).numpy()


def ssim(a, b, region=None) -> float:
    """Mean SSIM over ``region`` (default: every pixel); 1.0 for identical images."""
    values = ssim_map(a, b)
    region = _check_region(region, values.shape)
    return float(values.mean() if region is None else values[region].mean())


def _label_pair(predicted, target, region) -> tuple[np.ndarray, np.ndarray]:
    """The two label maps' values inside ``region`` (all of them without one), after checking shapes."""
    predicted, target = np.asarray(predicted), np.asarray(target)
    if predicted.shape != target.shape or predicted.ndim != 2:
        raise ValueError(f"label maps must be HxW of one size, got {predicted.shape} and {target.shape}")
    region = _check_region(region, target.shape)
    return (predicted, target) if region is None else (predicted[region], target[region])


def pixel_accuracy(predicted: np.ndarray, target: np.ndarray, region=None) -> float:
    """Share of the pixels (within ``region``) whose labels agree."""
    predicted, target = _label_pair(predicted, target, region)
    return float(np.mean(predicted == target))


def miou(predicted: np.ndarray, target: np.ndarray, region=None) -> float:
    """Mean intersection-over-union over the classes present in either label map (within ``region``).

    A class only one of the two maps has scores 0; a class neither has is left out.
    """
    counter = IoUCounter()
    counter.add(*_label_pair(predicted, target, region))
    return counter.mean()
