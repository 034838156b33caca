"""Picture grids of benchmark edits: one row per triple, captioned tiles (maskgan.data.preview's layout).

Tiles are enlarged by a whole factor (nearest neighbour, so every model pixel stays
visible as it is) until they are at least MIN_TILE pixels wide, which keeps the
captions legible at the bundles' 96 px.
"""

from __future__ import annotations

import math

import numpy as np

from maskgan.data.preview import contact_sheet
from maskgan.eval.synthetic import Example
from maskgan.labels import label_to_color

MIN_TILE = 192


def enlarge(tile: np.ndarray, factor: int) -> np.ndarray:
    """The tile with every pixel repeated ``factor`` x ``factor`` times."""
    return tile.repeat(factor, axis=0).repeat(factor, axis=1)


def tile_factor(size: int) -> int:
    return max(1, math.ceil(MIN_TILE / size))


def grid_rows(rows: list[list[tuple[str, np.ndarray]]]) -> np.ndarray:
    """uint8 sheet of one row of (caption, uint8 HxWx3) tiles per entry, all tiles enlarged alike."""
    factor = tile_factor(rows[0][0][1].shape[1])
    return contact_sheet([[(caption, enlarge(tile, factor)) for caption, tile in row] for row in rows], per_row=1)


def edit_grid(examples: list[Example]) -> np.ndarray:
    """photo | source mask | edited mask | result | ground truth, one row per example."""
    if not examples:
        raise ValueError("a grid needs at least one example")
    rows = []
    for example in examples:
        face = example.face
        tiles = (
            face.image,
            label_to_color(face.label),
            label_to_color(face.edited_label),
            example.result,
            face.edited_image,
        )
        captions = (f"#{len(rows)} photo", "source mask", f"edit: {face.edit_kind}", "result", "ground truth")
        rows.append(list(zip(captions, tiles)))
    return grid_rows(rows)
