"""Rectangles of an image and the bands that long work is cut into, so that an editor's event loop turns between
them (pure: no editor).

A 24 MP photo is 96 MB of pixels: reading or converting it whole stalls the editor for
seconds. Work that yields after each band of about BAND_PIXELS runs one band per turn.
"""

from __future__ import annotations

from dataclasses import dataclass

BAND_PIXELS = 1 << 17  # 128 K pixels: a band is read and converted in a few tens of milliseconds on a busy CPU


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
