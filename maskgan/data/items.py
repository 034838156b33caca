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

from maskgan.core.tensors import image_to_tensor


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
