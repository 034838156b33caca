"""Simulated user edits of a label map: ``simulate_user_edit(label, rng) -> (edited, kind)``.

Each kind is what a retoucher does on the mask layers: grow, shrink or move a part;
redraw the mouth open, closed or smiling; add or remove glasses or a hat; make the
hair longer or shorter; paint a round-brush stroke of some class. Removed pixels
take the classes around them (as a person paints the surroundings over a part).
The edit always changes at least one pixel. Input and output are uint8 HxW, 0..18.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from maskgan.core.masks import dilate
from maskgan.data.synthetic_draw import (
    Canvas,
    Frame,
    Part,
    draw_glasses,
    draw_hat,
    draw_mouth,
    draw_stroke,
    ellipse,
    sample_glasses,
    sample_hat,
    sample_mouth,
)
from maskgan.data.synthetic_raster import bounding_box, fill_from_neighbours, shift
from maskgan.labels import check_label_map

# Parts a user grows, shrinks or moves, and the classes a part may spread over.
EDITABLE_PARTS: dict[tuple[int, ...], tuple[int, ...]] = {
    (Part.L_EYE,): (Part.SKIN, Part.EYE_G),
    (Part.R_EYE,): (Part.SKIN, Part.EYE_G),
    (Part.L_EYE, Part.R_EYE): (Part.SKIN, Part.EYE_G),
    (Part.L_BROW, Part.R_BROW): (Part.SKIN, Part.EYE_G),
    (Part.NOSE,): (Part.SKIN,),
    (Part.U_LIP, Part.L_LIP): (Part.SKIN,),
    (Part.MOUTH,): (Part.U_LIP, Part.L_LIP),
    (Part.L_EAR, Part.R_EAR): (Part.BACKGROUND, Part.HAIR),
    (Part.HAIR,): (Part.BACKGROUND, Part.CLOTH, Part.NECK, Part.SKIN),
    (Part.CLOTH,): (Part.BACKGROUND, Part.NECK),
    (Part.NECK,): (Part.BACKGROUND,),
    (Part.SKIN,): (Part.BACKGROUND, Part.HAIR),
    (Part.EYE_G,): (Part.SKIN, Part.NOSE, Part.BACKGROUND),
    (Part.HAT,): (Part.HAIR, Part.BACKGROUND, Part.SKIN),
    (Part.NECK_L,): (Part.NECK, Part.CLOTH),
}
BIG_PARTS = {(Part.HAIR,), (Part.CLOTH,), (Part.NECK,), (Part.SKIN,), (Part.HAT,)}
BRUSH_CLASSES = (Part.SKIN, Part.HAIR, Part.BACKGROUND, Part.CLOTH, Part.HAT, Part.NECK, Part.NOSE, Part.EYE_G)
BRUSH_P = (0.25, 0.3, 0.15, 0.1, 0.05, 0.05, 0.05, 0.05)
EYES = (Part.L_EYE, Part.R_EYE)
MOUTH_PARTS = (Part.MOUTH, Part.U_LIP, Part.L_LIP)


def _mask(label: np.ndarray, classes) -> np.ndarray:
    return np.isin(label, classes)


def _centroid(mask: np.ndarray) -> tuple[float, float] | None:
    ys, xs = np.nonzero(mask)
    return (float(xs.mean()), float(ys.mean())) if xs.size else None


def _face_frame(label: np.ndarray) -> Frame | None:
    """The face frame of sample_layout, estimated from the skin's extent and the eye line."""
    box = bounding_box(label == Part.SKIN)
    if box is None:
        return None
    half_w = (box[1].stop - box[1].start) / 2
    cx, cy = (box[1].start + box[1].stop) / 2, (box[0].start + box[0].stop) / 2
    left, right = _centroid(label == Part.R_EYE), _centroid(label == Part.L_EYE)  # image left, image right
    angle = 0.0
    if left and right:
        angle = math.atan2(right[1] - left[1], right[0] - left[0])
        cx, cy = (left[0] + right[0]) / 2, (left[1] + right[1]) / 2 + 0.05 * 1.3 * half_w
    return Frame(cx, cy, half_w, 1.3 * half_w, angle)


def _part_radius(rng: np.random.Generator, size: int, part: tuple[int, ...]) -> int:
    top = size / 40 if part in BIG_PARTS else size / 100
    return max(1, round(rng.uniform(0.3, 1.0) * top))


def _choose_part(label: np.ndarray, rng: np.random.Generator, movable: bool = False) -> tuple[int, ...] | None:
    """A part present in ``label`` (the face itself does not move: its features would be left behind)."""
    present = set(np.unique(label).tolist())
    parts = [p for p in EDITABLE_PARTS if all(c in present for c in p) and not (movable and p == (Part.SKIN,))]
    return parts[rng.integers(len(parts))] if parts else None


def grow_part(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    part = _choose_part(label, rng)
    if part is None:
        return label
    out = label.copy()
    radius = _part_radius(rng, label.shape[0], part)
    for cls in part:
        grown = dilate(label == cls, radius) & _mask(label, EDITABLE_PARTS[part])
        out[grown & (out == label)] = cls
    return out


def shrink_part(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pull a part back from the classes around it, which fill the gap (features inside
    the part, such as the eyes in the skin, neither shrink it nor spread)."""
    part = _choose_part(label, rng)
    if part is None:
        return label
    around = _mask(label, EDITABLE_PARTS[part])
    removed = _mask(label, part) & dilate(around, _part_radius(rng, label.shape[0], part))
    return fill_from_neighbours(label, removed, donors=around)


def move_part(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    part = _choose_part(label, rng, movable=True)
    if part is None:
        return label
    size = label.shape[0]
    region = _mask(label, part)
    reach = max(2, round(size / (20 if part in BIG_PARTS else 40)))
    dy, dx = (int(v) for v in rng.integers(-reach, reach + 1, 2))
    if dy == 0 and dx == 0:
        dx = reach
    out = fill_from_neighbours(label, region, donors=_mask(label, EDITABLE_PARTS[part]))
    may_cover = _mask(out, EDITABLE_PARTS[part] + part)
    for cls in part:
        out[shift(label == cls, dy, dx) & may_cover] = cls
    return out


def mouth_shape(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Redraw the mouth open, closed or smiling, at its place and width."""
    region = _mask(label, MOUTH_PARTS)
    centre, face = _centroid(region), _face_frame(label)
    if centre is None or face is None:
        return label
    ys, xs = np.nonzero(region)
    cos, sin = math.cos(face.angle), math.sin(face.angle)
    half_w = float(np.abs((xs - centre[0]) * cos + (ys - centre[1]) * sin).max()) + 0.5
    now_open = bool((label == Part.MOUTH).any())
    state = str(rng.choice(["closed", "smile"] if now_open else ["open", "smile"]))
    out = fill_from_neighbours(label, region, donors=~region)
    width = half_w * rng.uniform(0.9, 1.15)
    mouth, _ = sample_mouth(rng, state)
    draw_mouth(Canvas(out), Frame(centre[0], centre[1], width, width, face.angle), mouth, over=(Part.SKIN,))
    return out


def add_glasses(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    left, right = _centroid(label == Part.R_EYE), _centroid(label == Part.L_EYE)  # image left, image right
    if not (left and right) or (label == Part.EYE_G).any():
        return label
    half = math.hypot(right[0] - left[0], right[1] - left[1]) / 2
    angle = math.atan2(right[1] - left[1], right[0] - left[0])
    frame = Frame((left[0] + right[0]) / 2, (left[1] + right[1]) / 2, half, half, angle)
    out = label.copy()
    glasses = sample_glasses(rng, reach=rng.uniform(2.2, 2.7))
    draw_glasses(Canvas(out), frame, glasses, over=(Part.BACKGROUND, Part.SKIN, Part.NOSE))
    return out


def remove_glasses(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    glasses = label == Part.EYE_G
    # the eyes and brows behind the lenses stay as they are and must not spread
    return fill_from_neighbours(label, glasses, donors=~glasses & ~_mask(label, EYES + (Part.L_BROW, Part.R_BROW)))


def add_hat(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    face = _face_frame(label)
    if face is None or (label == Part.HAT).any():
        return label
    out = label.copy()
    draw_hat(Canvas(out), face, sample_hat(rng))
    return out


def remove_hat(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Take the hat off: the head underneath becomes hair (skin on a bald head), the rest
    takes the surrounding classes."""
    hat = label == Part.HAT
    if not hat.any():
        return label
    out = fill_from_neighbours(label, hat, donors=~hat)
    face = _face_frame(label)
    if face is not None:
        canvas = Canvas(out)
        found = canvas.coords(face, (-1.2, 1.2, -1.3, 0.0))
        if found is not None:
            box, u, v = found
            head = ellipse(0.0, -0.08, 1.1, 1.08).inside(u, v) & hat[box]
            canvas.fill(box, head, Part.HAIR if (label == Part.HAIR).any() else Part.SKIN, None)
    return out


def hair_longer(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Let the hair fall further down over the background, the neck and the clothes."""
    hair = label == Part.HAIR
    if not hair.any():
        return label
    length = max(2, round(label.shape[0] * rng.uniform(0.04, 0.15)))
    fallen = np.zeros_like(hair)
    for d in range(1, length + 1):
        fallen |= shift(hair, d, 0)
    out = label.copy()
    out[fallen & _mask(label, (Part.BACKGROUND, Part.NECK, Part.CLOTH, Part.NECK_L))] = Part.HAIR
    return out


def hair_shorter(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cut the hair at a height between its top and its lowest strand."""
    hair = label == Part.HAIR
    rows = np.flatnonzero(hair.any(1))
    if rows.size < 4:
        return label
    cut = int(rng.integers(rows[0] + (rows[-1] - rows[0]) // 3, rows[-1]))
    removed = hair.copy()
    removed[: cut + 1] = False
    # what the cut hair hung over: the backdrop, or the clothes
    return fill_from_neighbours(label, removed, donors=_mask(label, (Part.BACKGROUND, Part.CLOTH)))


def brush_stroke(label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A round-brush stroke of a class, starting on the head or near it."""
    size = label.shape[0]
    head = _mask(label, (Part.SKIN, Part.HAIR, Part.HAT, Part.NECK))
    ys, xs = np.nonzero(head)
    if xs.size:
        pick = rng.integers(xs.size)
        start = np.array([xs[pick], ys[pick]], np.float64)
    else:
        start = rng.uniform(0.3, 0.7, 2) * size
    steps = rng.normal(0.0, size * 0.06, (int(rng.integers(1, 4)), 2))
    points = np.vstack([start, start + np.cumsum(steps, axis=0)])
    cls = int(rng.choice(BRUSH_CLASSES, p=BRUSH_P))
    x, y = (int(np.clip(round(v), 0, size - 1)) for v in start)
    if label[y, x] == cls:  # a stroke of the class already under the brush would often change nothing
        cls = int(Part.SKIN) if cls != Part.SKIN else int(Part.HAIR)
    out = label.copy()
    draw_stroke(Canvas(out), points, rng.uniform(0.008, 0.03) * size + 1.0, cls)  # covers ``start``'s pixel
    return out


EDITS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "grow_part": grow_part,
    "shrink_part": shrink_part,
    "move_part": move_part,
    "mouth_shape": mouth_shape,
    "add_glasses": add_glasses,
    "remove_glasses": remove_glasses,
    "add_hat": add_hat,
    "remove_hat": remove_hat,
    "hair_longer": hair_longer,
    "hair_shorter": hair_shorter,
    "brush_stroke": brush_stroke,
}
EDIT_KINDS = tuple(EDITS)
EDIT_P = np.array([0.14, 0.12, 0.12, 0.14, 0.06, 0.06, 0.05, 0.05, 0.08, 0.08, 0.10])


def simulate_user_edit(label: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A realistic edit of ``label`` and its kind (one of EDIT_KINDS); never a no-op.

    Kinds that do not apply (removing glasses nobody wears) or happen to change nothing
    are redrawn; a brush stroke, which always changes the pixel it starts on, ends the
    search.
    """
    label = check_label_map(label)
    for _ in range(8):
        kind = str(rng.choice(EDIT_KINDS, p=EDIT_P))
        edited = EDITS[kind](label, rng)
        if (edited != label).any():
            return edited, kind
    return brush_stroke(label, rng), "brush_stroke"
