"""Conversions between uint8 HxWx3 images and float (C, H, W) tensors, in the two ranges the library uses.

* the model's range [-1, 1], as the official ``(x/255 - 0.5)/0.5``: what the generator,
  the parser and the training data see;
* levels 0..255 as floats: what the photo routes compute on (blurs, fills, warps).
"""

from __future__ import annotations

import numpy as np
import torch


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 (..., H, W, C) -> float32 (..., C, H, W) in [-1, 1], on the tensor's device."""
    return images.movedim(-1, -3).float().div(127.5).sub(1.0)


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 HxWx3 -> float32 (3,H,W) in [-1, 1]."""
    return to_model_range(torch.tensor(np.ascontiguousarray(image)))


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    """float (3,H,W) in [-1, 1] -> uint8 HxWx3, as the official ``uint8((x + 1) * 127.5)`` after clamping."""
    x = tensor.detach().float().clamp(-1.0, 1.0).add(1.0).mul(127.5)
    return x.to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def image_to_levels(image: np.ndarray) -> torch.Tensor:
    """uint8 HxWxC -> float32 (C, H, W) in 0..255."""
    return torch.from_numpy(np.array(image, dtype=np.float32)).permute(2, 0, 1)  # a copy: inputs may be read-only


def levels_to_image(x: torch.Tensor) -> np.ndarray:
    """float (C, H, W) in 0..255 -> uint8 HxWxC, rounded and clipped."""
    return x.round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()
