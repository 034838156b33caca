"""Rectangles of a document, the part of a photo an edit needs, and a photo's fingerprint (pure: no Krita, no Qt).

A 24 MP photo is 96 MB of pixels: reading it whole stalls Krita for seconds. An edit
only needs the face's window, which every client computes alike (maskgan_client.regions).
Work is done in bands (maskgan_plugin_common.bands), one band per turn of Krita's event loop.
"""

from __future__ import annotations

import numpy as np

from maskgan_client.regions import grow_to_face_window
from maskgan_plugin_common.bands import Rect

BLOCK = 64  # side of the fingerprint's blocks (px)


def face_region(masks: Rect, width: int, height: int) -> Rect:
    """The part of a ``width`` x ``height`` document an edit sends: the face window around ``masks`` (the bounds
    of the masks' non-background pixels)."""
    x0, y0, x1, y1 = grow_to_face_window(
        None if masks.empty else (masks.x, masks.y, masks.right, masks.bottom), width, height
    )
    return Rect(x0, y0, x1 - x0, y1 - y0)


def block_sums(rgb: np.ndarray, origin: tuple[int, int] = (0, 0)) -> tuple[tuple[int, int], np.ndarray]:
    """((first block column, first block row), rows x cols x 3 channel sums) of the BLOCK x BLOCK blocks of the
    document's grid that lie wholly in ``rgb``, a part of the photo whose top-left corner is at ``origin``.
    A brush stroke changes the sums of the blocks it touches."""
    x0, y0 = origin
    height, width = rgb.shape[:2]
    col, row = -(-x0 // BLOCK), -(-y0 // BLOCK)
    left, top = col * BLOCK - x0, row * BLOCK - y0
    cols, rows = max((width - left) // BLOCK, 0), max((height - top) // BLOCK, 0)
    part = rgb[top : top + rows * BLOCK, left : left + cols * BLOCK]
    return (col, row), part.reshape(rows, BLOCK, cols, BLOCK, 3).sum((1, 3), dtype=np.uint32)


def changed_blocks(before: tuple, after: tuple) -> int:
    """How many blocks differ between ``before`` (block_sums of the photo as it was) and ``after`` (block_sums of a
    part of it as it is now) where both have them."""
    (col0, row0), old = before
    (col, row), new = after
    dc, dr = col - col0, row - row0
    rows, cols = min(new.shape[0], old.shape[0] - dr), min(new.shape[1], old.shape[1] - dc)
    if dr < 0 or dc < 0 or rows <= 0 or cols <= 0:
        return 0
    return int((old[dr : dr + rows, dc : dc + cols] != new[:rows, :cols]).any(axis=2).sum())
