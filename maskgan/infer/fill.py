"""Appearance from the photo: a region painted as a class that the photo shows nearby is filled with
that class's own colour, shading and grain.

Two layers, as a retoucher's frequency separation:
  * low frequencies (colour and shading): a push-pull fill from the class's pixels
    around the hole, which meets them with no step and carries their gradients in;
  * high frequencies (pores, strands, grain): the photo's own high-pass of the
    class, copied block by block from the nearest place where a block of the hole
    fits inside the class (texture by offset copy).
"""

from __future__ import annotations

import numpy as np
import torch

from maskgan.core.masks import dilate
from maskgan.core.tensors import image_to_levels, levels_to_image
from maskgan.imageio import luma
from maskgan.infer.field_ops import gaussian_blur, masked_blur, push_pull
from maskgan.labels import class_index

MIN_DONORS = 12  # fewer photo pixels of a class than this cannot tell its look
OUTLIER_SPREADS = 3.0  # donors further than this many median deviations from the class's brightness are left out
OUTLIER_FLOOR = 4.0  # ... where a deviation counts as at least this many levels
GRAIN_LIMIT = 2.5  # copied grain is clipped to this many of the class's own median absolute grain
DIRECTIONS = 16  # offsets tried per ring when looking for texture
# classes of one material: a thin one takes its colour from the other's inside (both lips, both brows, both eyes)
_TWINS = (("u_lip", "l_lip"), ("l_brow", "r_brow"), ("l_eye", "r_eye"), ("l_ear", "r_ear"))
MATERIALS = {class_index(key): tuple(class_index(k) for k in twins) for twins in _TWINS for key in twins}


def donors(labels: np.ndarray, cls: int, hole: np.ndarray, image: np.ndarray | None = None) -> np.ndarray:
    """Pixels of class ``cls`` outside the hole, away from its edges (mixed colours) when enough remain,
    and, given the ``image``, without outliers in brightness (a mouth corner's shadow parsed as lip)."""
    own = (labels == cls) & ~hole
    inner = own & ~dilate(~own, 1)
    if np.count_nonzero(inner) < MIN_DONORS:  # a thin part (a parsed upper lip): its twin's inside, if it has one
        same = np.isin(labels, MATERIALS.get(cls, (cls,))) & ~hole
        inner = same & ~dilate(~same, 1)
    chosen = inner if np.count_nonzero(inner) >= MIN_DONORS else own
    if image is not None and np.count_nonzero(chosen) >= MIN_DONORS:
        brightness = luma(image.astype(np.float32))
        values = brightness[chosen]
        median = np.median(values)
        spread = max(OUTLIER_FLOOR, np.median(np.abs(values - median)))
        typical = chosen & (np.abs(brightness - median) <= OUTLIER_SPREADS * spread)
        if np.count_nonzero(typical) >= MIN_DONORS:
            return typical
    return chosen


def can_fill(labels: np.ndarray, cls: int, hole: np.ndarray) -> bool:
    return np.count_nonzero(donors(labels, cls, hole)) >= MIN_DONORS


def _block_offsets(hole: np.ndarray, known: np.ndarray, block: int) -> list[tuple[slice, slice, int, int]]:
    """(rows, cols, dy, dx) per block of the hole: where to copy its texture from (nearest offset that fits)."""
    height, width = hole.shape
    angles = np.linspace(0, 2 * np.pi, DIRECTIONS, endpoint=False)
    rings = range(block, max(height, width), max(2, block // 2))
    plans = []
    for y0 in range(0, height, block):
        for x0 in range(0, width, block):
            rows, cols = slice(y0, min(y0 + block, height)), slice(x0, min(x0 + block, width))
            ys, xs = np.nonzero(hole[rows, cols])
            if not ys.size:
                continue
            ys, xs = ys + y0, xs + x0
            best, best_share = (0, 0), -1.0
            for radius in rings:
                for angle in angles:
                    dy, dx = int(round(radius * np.sin(angle))), int(round(radius * np.cos(angle)))
                    ty, tx = ys + dy, xs + dx
                    inside = (ty >= 0) & (ty < height) & (tx >= 0) & (tx < width)
                    share = np.count_nonzero(known[ty[inside], tx[inside]]) / ys.size
                    if share > best_share:
                        best, best_share = (dy, dx), share
                if best_share >= 0.9:
                    break
            plans.append((rows, cols, *best))
    return plans


def fill_class(
    image: np.ndarray, labels: np.ndarray, hole: np.ndarray, cls: int, grain_sigma: float, block: int
) -> np.ndarray:
    """uint8 HxWx3: ``image`` with the ``hole`` filled as class ``cls`` from the image's own pixels of it.

    ``labels`` is the image's label map; ``grain_sigma`` (pixels) splits shading from
    grain; ``block`` is the side of the texture blocks.
    """
    known = donors(labels, cls, hole, image)
    if np.count_nonzero(known) < MIN_DONORS:
        raise ValueError(f"class {cls} has only {np.count_nonzero(known)} pixels to copy from")
    x = image_to_levels(image)
    known_t = torch.from_numpy(known)
    low = push_pull(x, known_t)
    smooth = masked_blur(x, known_t.float(), grain_sigma)
    grain = torch.where(known_t[None], x - smooth, torch.zeros_like(x))
    limit = GRAIN_LIMIT * float((x - smooth)[:, known_t].abs().median())
    grain = grain.clamp(-limit, limit)
    texture = torch.zeros_like(x)
    thick = (known & ~dilate(~known, block // 4)).any()  # thin classes (a lip's line) have no grain to copy
    for rows, cols, dy, dx in _block_offsets(hole, known, block) if thick else ():
        src_rows = slice(rows.start + dy, rows.stop + dy)
        src_cols = slice(cols.start + dx, cols.stop + dx)
        patch = _window(grain, src_rows, src_cols)
        texture[:, rows, cols] = patch
    # the hole's edge as soft as a photographed edge: the fill fades out over about a grain's width
    hole_t = torch.from_numpy(hole).float()[None]
    coverage = torch.maximum(hole_t, gaussian_blur(hole_t, 0.6 * grain_sigma))
    return levels_to_image(x + coverage * (low + texture - x))


def _window(x: torch.Tensor, rows: slice, cols: slice) -> torch.Tensor:
    """x[:, rows, cols] with zeros where the slices leave x."""
    height, width = x.shape[-2:]
    out = torch.zeros(x.shape[0], rows.stop - rows.start, cols.stop - cols.start)
    r0, r1 = max(rows.start, 0), min(rows.stop, height)
    c0, c1 = max(cols.start, 0), min(cols.stop, width)
    if r0 < r1 and c0 < c1:
        out[:, r0 - rows.start : r1 - rows.start, c0 - cols.start : c1 - cols.start] = x[:, r0:r1, c0:c1]
    return out
