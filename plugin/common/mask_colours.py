"""Reading a colour mask someone painted: its label map, or a message that says what is wrong and what to do (pure).

A colour counts as a class when it lies within the colour tolerance of the class's
palette colour, or of a blend of two classes painted in the mask (soft edges); see
``maskgan.labels.color_to_label``. When some do not, the message names how many
pixels are off, the commonest off colours with their nearest class and distance,
and the two remedies: repaint, or raise the tolerance setting to the smallest value
that accepts them, when the setting's range has one.

A blend is believable only as a thin edge: a blend pixel further than EDGE pixels from
every pixel painted in a class's own colour (the inside of a patch of flat pink, say,
which lies near the blend of Right eye and Upper lip) counts as off the palette.
A large mask is read band by band (``ColourMask``), each band a short piece of work, to
the same label map the whole would give.
"""

from __future__ import annotations

import math

import numpy as np

from . import pixels
from .bands import Rect, run_now
from .errors import PluginError
from .label_table import labels
from .options import TOLERANCE_RANGE

SHOWN = 4  # off colours named in the message; the rest are counted


EDGE = 8  # px: how far a blend of two classes may reach from pixels painted in a class's own colour


def read_label(rgba: np.ndarray, tolerance: float, where: str) -> np.ndarray:
    """Label map of the colour mask layer ``rgba``; PluginError("<where> has N pixels off the palette…") otherwise."""
    mask = ColourMask(rgba.shape[0], rgba.shape[1], tolerance, where)
    mask.add(0, rgba)
    return mask.label()


def read_label_steps(rgba: np.ndarray, tolerance: float, where: str):
    """Generator: read_label's label map, read band by band (a step per band)."""
    mask = ColourMask(rgba.shape[0], rgba.shape[1], tolerance, where)
    for band in Rect(0, 0, rgba.shape[1], rgba.shape[0]).bands():
        mask.add(band.y, rgba[band.y : band.bottom])
        yield
    return (yield from mask.label_steps())


def _packed(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]


def _unpacked(packed: np.ndarray) -> np.ndarray:
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(np.uint8)


class ColourMask:
    """A colour mask layer read band by band: ``add`` each band (top row, RGBA), then ``label()``."""

    def __init__(self, height: int, width: int, tolerance: float, where: str):
        self.shape, self.tolerance, self.where = (height, width), tolerance, where
        self._bands = []  # (top, rows, band's colours (packed, sorted), each pixel's index into them, their counts)

    def add(self, top: int, rgba: np.ndarray) -> None:
        colours, inverse, counts = np.unique(
            _packed(pixels.mask_colours(rgba)).ravel(), return_inverse=True, return_counts=True
        )
        self._bands.append((top, rgba.shape[0], colours, inverse.astype(np.int32), counts))

    def label(self) -> np.ndarray:
        return run_now(self.label_steps())

    def label_steps(self):
        """Generator: the label map, worked out band by band (yielding after each band: a large mask's label
        is a few short pieces of work); PluginError names colours off the palette and blends away from an edge."""
        table = labels()
        colours = np.unique(np.concatenate([band[2] for band in self._bands]))
        counts = np.zeros(len(colours), np.int64)
        index = np.empty(self.shape, np.int32)  # each pixel's colour, as an index into ``colours``
        for top, rows, band_colours, inverse, band_counts in self._bands:
            where = np.searchsorted(colours, band_colours)
            counts[where] += band_counts
            index[top : top + rows] = where[inverse].reshape(rows, -1)
            yield
        rgb = _unpacked(colours)
        try:
            classes = table.color_to_label(rgb[None], self.tolerance)[0]  # one pixel per colour: same classes
        except table.MaskColorError as error:
            found = {tuple(colour): i for i, colour in enumerate(rgb.tolist())}
            offending = sorted(
                ((tuple(c), int(counts[found[tuple(c)]])) for c, _ in error.offending), key=lambda entry: -entry[1]
            )
            opaque = np.concatenate([rgb, np.full((len(rgb), 1), 255, np.uint8)], axis=1)
            needed = tolerance_needed(opaque[None], self.tolerance)
            raise PluginError(
                f"{self.where} has " + off_palette(offending, sum(n for _, n in offending), self.tolerance, needed)
            ) from error
        _, distances = table.nearest_palette(rgb.astype(np.float64))
        blend = distances > self.tolerance
        if blend.any():
            yield from self._refuse_wide_blends(index, blend, rgb, distances)
        label = np.empty(self.shape, np.uint8)
        classes = classes.astype(np.uint8)
        for top, bottom in _row_bands(self.shape):
            label[top:bottom] = classes[index[top:bottom]]
            yield
        return label

    def _refuse_wide_blends(self, index, blend_colour, rgb, distances):
        """Generator (a band per step): PluginError when blend pixels lie further than EDGE from every pixel of a
        class's own colour."""
        wide = np.zeros(self.shape, bool)
        for top, bottom in _row_bands(self.shape):
            above, below = max(top - EDGE, 0), min(bottom + EDGE, self.shape[0])  # the rows a dilation reaches from
            blend = blend_colour[index[above:below]]
            wide[top:bottom] = (blend & ~dilate(~blend, EDGE))[top - above : top - above + bottom - top]
            yield
        if not wide.any():
            return
        colours, counts = np.unique(index[wide], return_counts=True)
        order = np.argsort(-counts, kind="stable")
        offending = [(tuple(int(v) for v in rgb[colours[i]]), int(counts[i])) for i in order]
        needed = int(math.ceil(distances[colours].max()))  # as a class's own colour, a larger tolerance reads them
        needed = max(needed, math.floor(self.tolerance) + 1)
        text = off_palette(
            offending, int(counts.sum()), self.tolerance, needed if needed <= TOLERANCE_RANGE[1] else None
        )
        raise PluginError(
            f"{self.where} has "
            + text.replace(
                " off the palette,",
                f" off the palette (an area of a colour between two classes, more than {EDGE} px "
                "from either: a blend only counts at an edge),",
                1,
            )
        )


def _row_bands(shape: tuple[int, int]):
    """(top, bottom) rows of the bands (bands.Rect.bands) covering a ``shape`` (rows, columns) array."""
    return [(band.y, band.bottom) for band in Rect(0, 0, shape[1], shape[0]).bands()]


# the plug-ins run inside the editors without the library (only labels.py is vendored): a copy of maskgan.core.masks.dilate
def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """``mask`` grown by ``radius`` pixels in every direction (a square of side 2 radius + 1)."""
    out = mask.copy()
    for axis in (0, 1):
        grown = out.copy()
        for shift in range(1, radius + 1):
            ahead = [slice(None)] * 2
            behind = [slice(None)] * 2
            ahead[axis], behind[axis] = slice(shift, None), slice(None, -shift)
            grown[tuple(ahead)] |= out[tuple(behind)]
            grown[tuple(behind)] |= out[tuple(ahead)]
        out = grown
    return out


def tolerance_needed(rgba: np.ndarray, tolerance: float) -> int | None:
    """The smallest whole tolerance above ``tolerance`` within TOLERANCE_RANGE that reads every colour of
    ``rgba``, or None. Acceptance only grows with the tolerance (more colours match a class directly, so
    more classes count as painted and more blends are allowed), so a binary search finds it."""
    table = labels()
    colours = np.unique(pixels.mask_colours(rgba).reshape(-1, 3), axis=0)[None]  # 1xKx3: one pixel per colour

    def reads(value: int) -> bool:
        try:
            table.color_to_label(colours, value)
            return True
        except table.MaskColorError:
            return False

    low, high = math.floor(tolerance) + 1, TOLERANCE_RANGE[1]
    if low > high or not reads(high):
        return None
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if reads(middle) else (middle + 1, high)
    return low


def off_palette(offending: list, total: int, tolerance: float, needed: int | None) -> str:
    """ "N pixels off the palette, in K colours: …. <remedies>." from MaskColorError's offending
    [(rgb, pixel count)], commonest first."""
    table = labels()
    nearest, distances = table.nearest_palette(np.array([rgb for rgb, _ in offending[:SHOWN]], np.float64))
    shown = [
        f"RGB{tuple(rgb)} x{count} (nearest {table.CLASS_NAMES[index]}, distance {distance:.1f})"
        for (rgb, count), index, distance in zip(offending[:SHOWN], nearest, distances)
    ]
    more = f" and {len(offending) - SHOWN} more" if len(offending) > SHOWN else ""
    text = (
        f"{total} {_plural(total, 'pixel')} off the palette, in {len(offending)} {_plural(len(offending), 'colour')}: "
        f"{', '.join(shown)}{more}. Repaint them with a hard brush in the palette colours"
    )
    if needed is None:
        return text + f": no Colour tolerance up to {TOLERANCE_RANGE[1]} accepts them all."
    return text + f", or raise Colour tolerance (now {tolerance:g}) to at least {needed}."


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"
