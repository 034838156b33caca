"""Exact integer operations on boolean masks: bounds, box sums, square dilation."""

from __future__ import annotations

import numpy as np


def mask_bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the set pixels of a non-empty mask (exclusive ends)."""
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def box_sum(mask: np.ndarray, radius: int) -> np.ndarray:
    """Number of set pixels in each (2r+1)^2 window (zero padding), exact integers."""
    padded = np.pad(mask.astype(np.int32), radius + 1)
    s = padded.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    return (s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k])[: mask.shape[0], : mask.shape[1]]


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """bool: the pixels within a (2r+1)^2 square of any set pixel of ``mask`` (a new array; radius <= 0: a copy)."""
    return box_sum(mask, radius) > 0 if radius > 0 else mask.astype(bool)
