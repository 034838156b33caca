"""A worn part the photo lacks (a hat, a necklace, earrings) taken from a reference photo that wears it:
the reference's own pixels of the part, fitted to the painted shape.

The reference's part is cut out around its bounding box, scaled onto the painted
part's bounding box, bent onto the painted shape by the same fold-free warp that
moves the photo's own parts (warp.py). Only the painted pixels take it, with a
half-pixel soft edge. Its brightness is left as photographed: the two faces' skin
differs in tone as much as in light, so it cannot tell the light apart.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from maskgan.core.masks import mask_bounds
from maskgan.core.tensors import image_to_levels, levels_to_image
from maskgan.infer.field_ops import gaussian_blur, push_pull
from maskgan.infer.warp import register


def fit_part(image: np.ndarray, painted: np.ndarray, reference, part: int) -> np.ndarray:
    """uint8 HxWx3: ``image`` with the ``painted`` pixels showing the reference's ``part``."""
    rx0, ry0, rx1, ry1 = mask_bounds(reference.mask == part)
    px0, py0, px1, py1 = mask_bounds(painted)
    width, height = px1 - px0, py1 - py0
    ref_image = np.asarray(Image.fromarray(reference.image[ry0:ry1, rx0:rx1]).resize((width, height), Image.BICUBIC))
    ref_part = np.asarray(
        Image.fromarray((reference.mask[ry0:ry1, rx0:rx1] == part).astype(np.uint8)).resize(
            (width, height), Image.NEAREST
        )
    )
    target = painted[py0:py1, px0:px1].astype(np.uint8)
    field = register(ref_part, target, [0, 1], parts=(1,))
    # where the bent part misses the painted shape, the nearest of its own pixels fill in
    covered = torch.from_numpy(field.apply_labels(ref_part) == 1)
    fitted = push_pull(image_to_levels(field.apply(ref_image)), covered)
    out = image_to_levels(image)
    window = out[:, py0:py1, px0:px1]
    cover = torch.from_numpy(target).float()[None]
    cover = torch.maximum(cover, 0.5 * gaussian_blur(cover, 0.5))
    out[:, py0:py1, px0:px1] = window + cover * (fitted - window)
    return levels_to_image(out)
