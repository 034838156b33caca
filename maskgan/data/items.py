"""The one item format every dataset yields, so the trainer never cares where data came from.

An item is a dict of tensors:
  image          float32 (3,H,W) in [-1, 1]     the photo
  label          int64   (H,W), 0..18           its label map
  edited_label   int64   (H,W)                  a simulated user edit of ``label`` (optional)
  edited_image   float32 (3,H,W) in [-1, 1]     exact ground truth of that edit (synthetic only)
Keys that a source cannot provide are absent, never filled with placeholders.
"""

from __future__ import annotations

import numpy as np
import torch


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 HxWx3 -> float32 (3,H,W) in [-1, 1], as the official ``(x/255 - 0.5)/0.5``."""
    return torch.tensor(np.ascontiguousarray(image)).permute(2, 0, 1).float().div(127.5).sub(1.0)


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    """float (3,H,W) in [-1, 1] -> uint8 HxWx3, as the official ``uint8((x + 1) * 127.5)`` after clamping."""
    x = tensor.detach().float().clamp(-1.0, 1.0).add(1.0).mul(127.5)
    return x.to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def make_item(
    image: np.ndarray,
    label: np.ndarray,
    edited_label: np.ndarray | None = None,
    edited_image: np.ndarray | None = None,
) -> dict[str, torch.Tensor]:
    item = {"image": image_to_tensor(image), "label": torch.from_numpy(label.astype(np.int64))}
    if edited_label is not None:
        item["edited_label"] = torch.from_numpy(edited_label.astype(np.int64))
    if edited_image is not None:
        item["edited_image"] = image_to_tensor(edited_image)
    return item
