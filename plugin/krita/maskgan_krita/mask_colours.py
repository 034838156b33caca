"""Reading a colour mask someone painted: its label map, or a message that says what is wrong and what to do (pure).

A colour counts as a class when it lies within the colour tolerance of the class's
palette colour, or of a blend of two classes painted in the mask (soft edges); see
``maskgan.labels.color_to_label``. When some do not, the message names how many
pixels are off, the commonest off colours with their nearest class and distance,
and the two remedies: repaint, or raise the tolerance setting to the smallest value
that accepts them, when the setting's range has one.
"""

from __future__ import annotations

import math

import numpy as np

from . import pixels
from .guard import PluginError
from .settings import TOLERANCE_RANGE
from .vendor_path import labels

SHOWN = 4  # off colours named in the message; the rest are counted


def read_label(rgba: np.ndarray, tolerance: float, where: str) -> np.ndarray:
    """Label map of the colour mask layer ``rgba``; PluginError("<where> has N pixels off the palette…") otherwise."""
    try:
        return pixels.colour_layer_to_label(rgba, tolerance)
    except labels().MaskColorError as error:
        needed = tolerance_needed(rgba, tolerance)
        raise PluginError(f"{where} has " + off_palette(error.offending, error.total, tolerance, needed)) from error


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
    """"N pixels off the palette, in K colours: …. <remedies>." from MaskColorError's offending
    [(rgb, pixel count)], commonest first."""
    table = labels()
    nearest, distances = table.nearest_palette(np.array([rgb for rgb, _ in offending[:SHOWN]], np.float64))
    shown = [f"RGB{tuple(rgb)} x{count} (nearest {table.CLASS_NAMES[index]}, distance {distance:.1f})"
             for (rgb, count), index, distance in zip(offending[:SHOWN], nearest, distances)]
    more = f" and {len(offending) - SHOWN} more" if len(offending) > SHOWN else ""
    text = (f"{total} {_plural(total, 'pixel')} off the palette, in {len(offending)} {_plural(len(offending), 'colour')}: "
            f"{', '.join(shown)}{more}. Repaint them with a hard brush in the palette colours")
    if needed is None:
        return text + f": no Colour tolerance up to {TOLERANCE_RANGE[1]} accepts them all."
    return text + f", or raise Colour tolerance (now {tolerance:g}) to at least {needed}."


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"
