"""Cheap numpy raster operations for the synthetic face world (scipy-free).

Fields are float32 HxW (or CxHxW), masks bool HxW, label maps uint8 HxW.
Every filter replicates the border and reads only pixels within its radius, so a
pixel's result depends on its neighbourhood alone: this is what keeps a re-render
of an edited layout identical to the original away from the edit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=8)
def pixel_grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Read-only float32 (x, y) pixel-centre coordinates, each HxW."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _box_axis(field: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Mean over 2r+1 samples along ``axis`` (border replicated).

    The window sum is built from power-of-two partial sums (about 2*log2(2r+1) array
    additions): far faster than numpy's sequential cumulative sum.
    """
    n, k = field.shape[axis], 2 * radius + 1
    first = np.take(field, [0], axis=axis)
    last = np.take(field, [n - 1], axis=axis)
    partial = np.concatenate(
        [np.repeat(first, radius, axis=axis), field, np.repeat(last, radius, axis=axis)], axis=axis
    )

    def window(array, start, stop):
        index = [slice(None)] * field.ndim
        index[axis] = slice(start, stop)
        return array[tuple(index)]

    total, offset, span = None, 0, 1  # ``partial`` holds sums of ``span`` consecutive samples
    while True:
        if k & span:
            piece = window(partial, offset, offset + n)
            total = piece.copy() if total is None else total + piece
            offset += span
        if 2 * span > k:
            break
        partial = window(partial, 0, -span) + window(partial, span, None)
        span *= 2
    total *= np.float32(1.0 / k)
    return total


def box_blur(field: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window over the last two axes (HxW, or CxHxW); float32."""
    if radius <= 0:
        return field.astype(np.float32, copy=True)
    return _box_axis(_box_axis(field.astype(np.float32, copy=False), radius, -2), radius, -1)


def smooth(field: np.ndarray, radius: int) -> np.ndarray:
    """Two box blurs: a tent-shaped (near Gaussian) filter reaching 2*radius pixels."""
    return box_blur(box_blur(field, radius), radius)


def block_mean(field: np.ndarray, factor: int) -> np.ndarray:
    """Mean of each factor x factor block of an HxW field (border replicated to whole blocks)."""
    h, w = field.shape
    ph, pw = -h % factor, -w % factor
    if ph or pw:
        field = np.pad(field, ((0, ph), (0, pw)), mode="edge")
    rows = sum(field[i::factor] for i in range(factor))  # strided adds: far faster than reshape + mean
    return sum(rows[:, i::factor] for i in range(factor)) * np.float32(1.0 / (factor * factor))


@lru_cache(maxsize=32)
def _block_weights(n_out: int, factor: int, n_blocks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.clip((np.arange(n_out) + 0.5) / factor - 0.5, 0, n_blocks - 1)
    lower = np.minimum(t.astype(np.int64), n_blocks - 1)
    return lower, np.minimum(lower + 1, n_blocks - 1), (t - lower).astype(np.float32)


def upsample_blocks(small: np.ndarray, factor: int, height: int, width: int) -> np.ndarray:
    """Linear interpolation of per-block values (as from ``block_mean``) back to HxW pixels."""
    lower, upper, f = _block_weights(width, factor, small.shape[1])
    rows = small[:, lower] * (1 - f) + small[:, upper] * f  # (blocks, W): cheap
    lower, upper, f = _block_weights(height, factor, small.shape[0])
    f = f[:, None]
    out = np.take(rows, lower, axis=0)
    out *= 1 - f
    out += np.take(rows, upper, axis=0) * f
    return out


def shift(mask: np.ndarray, dy: int, dx: int, fill: bool = False) -> np.ndarray:
    """``mask`` moved by (dy, dx) pixels; uncovered pixels get ``fill``."""
    h, w = mask.shape
    out = np.full_like(mask, fill)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src_y = slice(max(0, -dy), h - max(0, dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[dst_y, dst_x] = mask[src_y, src_x]
    return out


def bounding_box(mask: np.ndarray, margin: int = 0) -> tuple[slice, slice] | None:
    """Slices covering the set pixels of ``mask`` plus ``margin``, or None when it is empty."""
    rows = np.flatnonzero(mask.any(1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(0))
    h, w = mask.shape
    return (
        slice(max(0, rows[0] - margin), min(h, rows[-1] + margin + 1)),
        slice(max(0, cols[0] - margin), min(w, cols[-1] + margin + 1)),
    )


def fill_from_neighbours(label: np.ndarray, hole: np.ndarray, donors: np.ndarray | None = None) -> np.ndarray:
    """``label`` with the ``hole`` pixels given the class of a nearby donor pixel.

    The hole is filled from its rim inwards, one pixel per round, as a person would
    paint the surrounding classes over a removed part; filled pixels donate in turn.
    ``donors`` (default: everything outside the hole) excludes classes that must not
    spread, such as the eyes behind removed glasses. Hole pixels no donor can reach
    keep their class.
    """
    out = label.copy()
    box = bounding_box(hole, margin=1)
    if box is None:
        return out
    sub, missing = out[box], hole[box].copy()
    known = ~missing if donors is None else donors[box] & ~missing
    while missing.any():
        progressed = False
        for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            take = missing & shift(known, dy, dx)
            if take.any():
                progressed = True
                sub[take] = _shifted_labels(sub, dy, dx)[take]
                missing &= ~take
                known |= take
        if not progressed:
            break
    return out


def _shifted_labels(label: np.ndarray, dy: int, dx: int) -> np.ndarray:
    h, w = label.shape
    out = np.zeros_like(label)
    out[max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] = label[
        max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)
    ]
    return out


@lru_cache(maxsize=32)
def _lattice_weights(n_out: int, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Lattice index and smoothstep weight of the next lattice point, for n_out pixels over ``cells`` cells."""
    t = (np.arange(n_out, dtype=np.float64) + 0.5) * cells / n_out
    index = np.minimum(t.astype(np.int64), cells - 1)
    f = t - index
    return index, (f * f * (3 - 2 * f)).astype(np.float32)


def interpolate_lattice(lattice: np.ndarray, n_out: int, axis: int) -> np.ndarray:
    """Smoothly interpolate a lattice of cells+1 points along ``axis`` to n_out samples."""
    index, f = _lattice_weights(n_out, lattice.shape[axis] - 1)
    shape = [1] * lattice.ndim
    shape[axis] = n_out
    f = f.reshape(shape)
    return np.take(lattice, index, axis=axis) * (1 - f) + np.take(lattice, index + 1, axis=axis) * f


def value_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Smooth noise in about [-1, 1], float32 HxW: a random lattice with ``cells`` cells along the
    longer side, interpolated along each axis in turn (gathers only: multi-threaded BLAS on a
    busy machine is slower than this)."""
    cy = max(1, round(cells * height / max(height, width)))
    cx = max(1, round(cells * width / max(height, width)))
    lattice = rng.uniform(-1.0, 1.0, (cy + 1, cx + 1)).astype(np.float32)
    return interpolate_lattice(interpolate_lattice(lattice, height, 0), width, 1)
