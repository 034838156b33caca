"""Sample grids: what the networks make of a fixed set of validation faces, one row per face.

Columns by stage:
  mask_vae   source mask | MaskVAE reconstruction
  dmn        source image | source mask | target mask | generated | ground truth (when the item has one)
  ebst       the dmn columns, then inter mask | outer mask | blend of their renderings
The target mask is the item's edited mask where it has one, else its own mask.
EBST columns use the middle of the configured alpha range, so grids of a run compare.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from maskgan.core.tensors import tensor_to_image
from maskgan.labels import label_to_color, one_hot
from maskgan.networks.mask_vae import resize_labels
from maskgan.train.config import EBSTConfig
from maskgan.train.stages import ebst_masks


def _masks(labels: Tensor) -> list[np.ndarray]:
    return [label_to_color(label.cpu().numpy()) for label in labels]


def _images(images: Tensor) -> list[np.ndarray]:
    return [tensor_to_image(image) for image in images]


@torch.no_grad()
def sample_grid(networks: dict[str, nn.Module], batch: dict[str, Tensor], stage: str, ebst: EBSTConfig) -> np.ndarray:
    """uint8 (rows*H, columns*W, 3) grid of ``batch`` (already on the networks' device)."""
    label, image = batch["label"], batch["image"]
    size = label.shape[-1]
    if stage == "mask_vae":
        vae = networks["mask_vae"]
        mu, _ = vae.encode(one_hot(resize_labels(label, vae.config.resolution)))
        columns = [_masks(label), _masks(resize_labels(vae.decode(mu).argmax(1), size))]
    else:
        generator = networks["generator"]
        source = one_hot(label)
        style = generator.style_params(source, image)
        target = batch.get("edited_label", label)
        columns = [_images(image), _masks(label), _masks(target), _images(generator.render(one_hot(target), style))]
        if "edited_image" in batch:
            columns.append(_images(batch["edited_image"]))
        if stage == "ebst":
            alpha = torch.full((label.shape[0],), (ebst.alpha_min + ebst.alpha_max) / 2, device=label.device)
            inter, outer = ebst_masks(networks["mask_vae"], label, alpha)
            both = generator.render(one_hot(torch.cat([inter, outer])), style.repeat(2, 1)).float()
            mask_input = source if networks["blender"].config.mask_channels else None
            blended, _ = networks["blender"](*both.chunk(2), mask_input)
            columns += [_masks(inter), _masks(outer), _images(blended)]
    rows = [np.concatenate(row, axis=1) for row in zip(*columns)]
    return np.concatenate(rows, axis=0)
