"""A procedural world of stylised portraits with exact ground truth for mask edits.

  sample_layout(rng, size=256)    -> uint8 (size, size) label map, classes 0..18 (maskgan.labels order)
  sample_style(rng)               -> Style, the appearance code
  render(label, style)            -> uint8 (H, W, 3); a pure function: same inputs, same bytes
  simulate_user_edit(label, rng)  -> (edited label map, kind in EDIT_KINDS); always changes something
  sample(seed, size=256)          -> SyntheticSample with all of the above for face number ``seed``
  sample_photo(seed, size=256)    -> (image, label) of face number ``seed`` alone, without the edit

Rendering reads nothing further than ``influence_radius(size)`` pixels around a
pixel, and its noise depends only on the style's seed and the pixel position, so
re-rendering an edited label map in the same style changes the image only near
the edit: that re-render is the exact ground truth of the edit.

The pieces live in synthetic_layout (geometry), synthetic_style (appearance),
synthetic_render (the camera), synthetic_edit (user edits), synthetic_draw (shared
part drawing) and synthetic_raster (numpy filters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maskgan.data.synthetic_edit import EDIT_KINDS, simulate_user_edit
from maskgan.data.synthetic_layout import sample_layout
from maskgan.data.synthetic_render import influence_radius, render
from maskgan.data.synthetic_style import Style, sample_style

__all__ = [
    "EDIT_KINDS",
    "Style",
    "SyntheticSample",
    "influence_radius",
    "render",
    "sample",
    "sample_label",
    "sample_layout",
    "sample_photo",
    "sample_style",
    "simulate_user_edit",
]


@dataclass(frozen=True, eq=False)
class SyntheticSample:
    image: np.ndarray  # uint8 (size, size, 3)
    label: np.ndarray  # uint8 (size, size), 0..18
    edited_label: np.ndarray  # uint8 (size, size): a simulated user edit of ``label``
    edited_image: np.ndarray  # uint8 (size, size, 3): ``edited_label`` rendered in ``style``
    edit_kind: str  # one of EDIT_KINDS
    style: Style


def sample_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Independent (layout, style, edit) generators of face number ``seed``."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"a synthetic face seed must be a non-negative integer, got {seed!r}")
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3))


def sample(seed: int, size: int = 256) -> SyntheticSample:
    """Face number ``seed`` at ``size`` pixels, with a simulated edit and its ground truth."""
    layout_rng, style_rng, edit_rng = sample_streams(seed)
    label = sample_layout(layout_rng, size)
    style = sample_style(style_rng)
    edited, kind = simulate_user_edit(label, edit_rng)
    return SyntheticSample(render(label, style), label, edited, render(edited, style), kind, style)


def sample_label(seed: int, size: int = 256) -> np.ndarray:
    """The label map of face number ``seed``, without rendering it (cheap: for searching faces by their parts)."""
    return sample_layout(sample_streams(seed)[0], size)


def sample_photo(seed: int, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(image, label) of face number ``seed``: the bytes of ``sample(seed, size)``, without rendering an edit."""
    _, style_rng, _ = sample_streams(seed)
    label = sample_label(seed, size)
    return render(label, sample_style(style_rng)), label
