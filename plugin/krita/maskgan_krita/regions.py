"""Rectangles of a document, the part of a photo an edit needs, and a photo's fingerprint (pure: no Krita, no Qt).

A 24 MP photo is 96 MB of pixels: reading it whole stalls Krita for seconds. An edit
only needs the face: the non-background pixels of the masks, grown by FACE_MARGIN of
their larger side (the engine's square crop around the face, placed as in its training
images, reaches at most about 0.72 of the face's side past it), clipped to the document.
Work is done in bands of about BAND_PIXELS, one band per turn of Krita's event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FACE_MARGIN = 0.75
BAND_PIXELS = 1 << 17  # 128 K pixels: a band is read and converted in a few tens of milliseconds on a busy CPU
BLOCK = 64  # side of the fingerprint's blocks (px)


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    width: int
    height: int

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def union(self, other: "Rect") -> "Rect":
        if self.empty:
            return other
        if other.empty:
            return self
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Rect(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def clip(self, width: int, height: int) -> "Rect":
        x, y = max(self.x, 0), max(self.y, 0)
        return Rect(x, y, max(min(self.right, width) - x, 0), max(min(self.bottom, height) - y, 0))

    def bands(self, pixels: int = BAND_PIXELS, rows_multiple: int = 1):
        """Horizontal bands (Rects) covering this one, each of about ``pixels`` pixels and a multiple of
        ``rows_multiple`` rows high (but the last)."""
        rows = max(1, pixels // max(self.width, 1) // rows_multiple) * rows_multiple
        for top in range(self.y, self.bottom, rows):
            yield Rect(self.x, top, self.width, min(rows, self.bottom - top))


def run_now(steps):
    """Run a generator of steps (work that yields after each band) to its end, without handing control back;
    its value."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def face_region(masks: Rect, width: int, height: int) -> Rect:
    """The part of a ``width`` x ``height`` document an edit sends: ``masks`` (the bounds of the masks'
    non-background pixels) grown by FACE_MARGIN of its larger side, clipped to the document."""
    if masks.empty:
        return Rect(0, 0, width, height)
    grow = int(np.ceil(max(masks.width, masks.height) * FACE_MARGIN))
    return Rect(masks.x - grow, masks.y - grow, masks.width + 2 * grow, masks.height + 2 * grow).clip(width, height)


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
