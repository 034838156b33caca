"""How each changed region of an edit is made: from the photo itself where it can be, by the generator
where nothing else can explain it.

Routes, in the order they are tried (``plan_photo_routes``):
  moved        the photo's own pixels moved by a smooth, fold-free field from the
               source mask's shapes to the edited mask's (warp.py): bigger eyes, fuller
               lips, a hairline up or down, raised brows, a slimmer jaw;
  transferred  what the move leaves unexplained but the photo shows nearby (skin where
               hair was, lips where teeth were): filled
               with that class's own colour, shading and grain (fill.py); and worn parts
               the photo lacks (a hat, a necklace) from a reference photo's own pixels of
               them, when one is given (reference_parts.py);
  drawn        new eyeglasses, drawn crisp at the photo's resolution (glasses.py);
  generated    the rest (a hat without a reference, a class the photo does not show near the edit):
               the generator, as the paper does, feathered in by the Editor.

Methods: ``auto`` (the default) takes the first route that applies to each region;
``generate`` sends every changed pixel to the generator (the paper's behaviour);
``photo`` uses only the photo routes and refuses, by name, what only the generator
could draw. Everything happens in a window around the change: every pixel outside
it keeps its bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import torch

from maskgan.core.framing import FACE_CLASSES
from maskgan.core.masks import box_sum, dilate, mask_bounds
from maskgan.core.tensors import image_to_levels, levels_to_image
from maskgan.imageio import luma
from maskgan.infer import fill, glasses, reference_parts
from maskgan.infer.field_ops import gaussian_blur, one_thread
from maskgan.infer.looks import WORN_PARTS, added_parts, check_reference_wears
from maskgan.infer.warp import FOLD_LIMIT, Field, register
from maskgan.labels import CLASS_KEYS, CLASS_NAMES, class_index


class Method(str, Enum):
    """How an edit makes its changed regions (a str, so that it compares equal to its wire name)."""

    AUTO = "auto"  # the photo's own pixels where they can make a region, the generator for the rest
    GENERATE = "generate"  # the generator for every changed pixel (the paper's behaviour)
    PHOTO = "photo"  # never the generator; refuses what only it could draw


METHODS = tuple(method.value for method in Method)
ROUTES = ("moved", "transferred", "drawn", "generated")
EYE_G, MOUTH, U_LIP, L_LIP = (class_index(k) for k in ("eye_g", "mouth", "u_lip", "l_lip"))
LIP_LINE_STRENGTH = 0.8  # how far the line where closed lips meet goes toward the mouth's shadow
# parts that grow, shrink or move as a whole (warp._part_affine), not only at their rims
COMPACT_PARTS = tuple(
    class_index(k) for k in ("nose", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear", "mouth", "u_lip", "l_lip")
)
REACH_SHARE = 0.12  # the warp reaches at least this share of the face's side around a change
GRAIN_SHARE = 0.01  # grain finer than this share of the face's side is copied as texture
BLOCK_SHARE = 0.08  # texture blocks, as a share of the face's side
FRINGE_SHARE = 0.015  # the width, as a share of the face's side, of a removed part's fringe around it
STROKE_PIXELS = 5  # slivers with fewer residual pixels in their 5x5 neighbourhood are specks, not strokes
REFERENCE = "the reference face"  # what EditResult.looks says of parts drawn or transferred from a reference
SLIVER_SHARE = 0.01  # what the move misses by less than this share of the face's side is left as moved


def check_method(method: Method | str) -> Method:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return Method(method)


@dataclass
class RoutePlan:
    """The photo routes' part of an edit: the photo with them applied, what is left for the generator, and a tally."""

    image: np.ndarray  # uint8 HxWx3, the photo with the moved, transferred and drawn regions (the photo itself if none)
    generate: np.ndarray  # bool HxW: changed pixels only the generator can make
    routes: dict[str, dict[str, int]] = field(default_factory=dict)  # route -> {class key: pixels}
    window: tuple[int, int, int, int] | None = None  # (x0, y0, x1, y1) the photo routes worked in
    looks: dict[str, str] = field(default_factory=dict)  # added part key -> "the reference face" when it drew them


def _tally(routes: dict, route: str, labels: np.ndarray) -> None:
    classes, counts = np.unique(labels, return_counts=True)
    for cls, count in zip(classes, counts):
        routes.setdefault(route, {})
        routes[route][CLASS_KEYS[cls]] = routes[route].get(CLASS_KEYS[cls], 0) + int(count)


def _face_side(source: np.ndarray) -> int:
    face = np.isin(source, FACE_CLASSES)
    if not face.any():
        return max(source.shape)
    x0, y0, x1, y1 = mask_bounds(face)
    return max(x1 - x0, y1 - y0)


def _half_thickness(mask: np.ndarray) -> int:
    """Largest r such that a (2r+1)-square fits inside ``mask`` somewhere (binary search)."""
    low, high = 0, max(mask.shape)
    while low < high:
        mid = (low + high + 1) // 2
        if (~dilate(~mask, mid)).any():
            low = mid
        else:
            high = mid - 1
    return low


def _window(changed: np.ndarray, reach: int) -> tuple[int, int, int, int]:
    height, width = changed.shape
    x0, y0, x1, y1 = mask_bounds(changed)
    return max(0, x0 - reach), max(0, y0 - reach), min(width, x1 + reach), min(height, y1 + reach)


def _without_slivers(residual: np.ndarray, moved: np.ndarray, edited: np.ndarray, radius: int) -> np.ndarray:
    """The residual without the slivers along edges the move already put within ``radius`` of where they belong.

    A slivered residual pixel (thinner than a ``radius`` square opening keeps) whose
    edited class lies within ``radius`` in the moved labels is the parse's ragged edge
    or the warp's last pixel, and a stray speck is the parse's noise: both keep the
    moved photo. Thin strokes painted away from their class stay in the residual.
    """
    thick = dilate(~dilate(~residual, radius), radius) & residual
    misplaced = np.zeros_like(residual)
    for cls in np.unique(edited[residual & ~thick]):
        misplaced |= dilate(moved == cls, radius) & (edited == cls)
    strokes = residual & ~thick & ~misplaced
    strokes &= box_sum(strokes, 2) >= STROKE_PIXELS  # a painted line, not a stray speck of the parse
    return thick | strokes


def _lip_line(
    image: np.ndarray, labels: np.ndarray, filled: np.ndarray, mouth_pixels: np.ndarray, grain: float
) -> np.ndarray:
    """``image`` with the shadowed line where closed lips meet, along the filled part of their shared edge.

    Lips transferred over teeth (a mouth closed) would otherwise meet as one flat
    pink area: the line is drawn in the darkest tenth of the photo's own mouth
    interior (or the lips' colour at a third of its brightness where the photo
    shows none), softly, a grain wide.
    """
    upper, lower = labels == U_LIP, labels == L_LIP
    meeting = np.zeros_like(upper)
    meeting[:-1] = upper[:-1] & lower[1:]  # upper-lip pixels just above lower-lip ones
    meeting &= dilate(filled, 1)
    if not meeting.any():
        return image
    if len(mouth_pixels) >= fill.MIN_DONORS:
        brightness = luma(mouth_pixels.astype(np.float32))
        shade = mouth_pixels[brightness <= np.percentile(brightness, 10)].mean(0)
    else:
        shade = image[upper | lower].mean(0) / 3
    x = image_to_levels(image)
    strength = gaussian_blur(torch.from_numpy(meeting).float()[None], 0.6 * grain).clamp(0, 1) * LIP_LINE_STRENGTH
    line = torch.tensor(shade, dtype=torch.float32).view(3, 1, 1)
    return levels_to_image(x + strength * (line - x))


def _unfolded(warp: Field) -> Field | None:
    """``warp``, or the largest share of it (down to a quarter) that does not fold the photo; None if none."""
    for factor in (1.0, 0.75, 0.5, 0.25):
        scaled = warp.scaled(factor)
        if scaled.min_jacobian() > FOLD_LIMIT:
            return scaled
    return None


def _warp_target(source: np.ndarray, edited: np.ndarray, added: set[int]) -> tuple[np.ndarray, list[int]]:
    """(the edited mask as the warp should reach it, the classes that take part).

    Body classes of the source take part, and may shrink to nothing (teeth behind
    closed lips); worn parts only where both masks show them (a reshaped hat), since
    new glasses cannot come from moving skin and removed ones must not be squeezed
    away; a part the edit adds (``added``: a parse's stray glasses pixels around bare
    eyes do not make it worn) takes no part either. Pixels of other classes keep the
    source's class in the target.
    """
    present_source, present_edited = set(np.unique(source).tolist()), set(np.unique(edited).tolist())
    classes = sorted(c for c in present_source if c not in WORN_PARTS or (c in present_edited and c not in added))
    outside = ~np.isin(edited, classes) | ~np.isin(source, classes)
    target = np.where(outside, source, edited)
    return target, classes


def plan_photo_routes(
    image: np.ndarray, source: np.ndarray, edited: np.ndarray, method: Method | str, reference=None
) -> RoutePlan:
    """The photo routes of one edit (photo-sized uint8 image, label maps); see the module's docstring.

    ``reference`` (a looks.Reference or None): a face whose own pixels of the worn
    parts the edit adds are fitted to the painted shapes, and whose glasses give new
    glasses their frame colour.
    """
    method = check_method(method)
    with one_thread():
        return _plan(image, source, edited, method, reference)


def _plan(image: np.ndarray, source: np.ndarray, edited: np.ndarray, method: Method, reference) -> RoutePlan:
    changed = source != edited
    if method is Method.GENERATE or not changed.any():
        routes = {}
        if changed.any():
            _tally(routes, "generated", edited[changed])
        return RoutePlan(image, changed, routes)
    face_side = _face_side(source)
    cx0, cy0, cx1, cy1 = mask_bounds(changed)
    reach = max(4, round(REACH_SHARE * face_side), 2 * _half_thickness(changed[cy0:cy1, cx0:cx1]))
    x0, y0, x1, y1 = window = _window(changed, reach)
    src, edt, photo = source[y0:y1, x0:x1], edited[y0:y1, x0:x1], image[y0:y1, x0:x1]
    added = set(added_parts(src, edt))
    if reference is not None and added:
        check_reference_wears(reference.mask, sorted(added))
    target, classes = _warp_target(src, edt, added)
    moved_labels, result = src, photo
    if (target != src).any():
        warp = _unfolded(register(src, target, classes, COMPACT_PARTS))
        if warp is not None:
            moved_labels, result = warp.apply_labels(src), warp.apply(photo)
    routes: dict[str, dict[str, int]] = {}
    window_changed = changed[y0:y1, x0:x1]
    _tally(routes, "moved", edt[window_changed & (moved_labels == edt)])
    # what the move missed; slivers thinner than the parse's own ragged edges keep the moved photo
    residual = _without_slivers(moved_labels != edt, moved_labels, edt, max(1, round(SLIVER_SHARE * face_side)))
    generate = np.zeros_like(residual)
    grain, block = max(1.0, GRAIN_SHARE * face_side), max(8, round(BLOCK_SHARE * face_side))
    fringe_width = max(1, round(FRINGE_SHARE * face_side))
    shown = moved_labels  # what each pixel of ``result`` shows now: fills copy only from what they fill with
    for cls in np.unique(edt[residual]):
        hole = residual & (edt == cls)
        if cls == EYE_G and cls in added:
            look = glasses_look_of(reference) or glasses.GlassesLook()
            result = glasses.draw_glasses(result, edt, edt == EYE_G, look)
            _tally(routes, "drawn", edt[edt == EYE_G])
        elif cls in added and _wears(reference, cls):
            result = reference_parts.fit_part(result, edt == cls, reference, int(cls))
            _tally(routes, "transferred", edt[edt == cls])
        elif cls not in added and fill.can_fill(shown, cls, hole):
            # the class's own pixels along the hole carry the fringe of what was there (a parse stops short of
            # soft hair): they are refilled too, from cleaner ones further in
            grown = hole | (dilate(hole, fringe_width) & (shown == cls) & (edt == cls))
            refilled = grown if fill.can_fill(shown, cls, grown) else hole
            result = fill.fill_class(result, shown, refilled, int(cls), grain, block)
            shown = np.where(refilled, cls, shown)
            _tally(routes, "transferred", edt[hole])
        else:
            generate |= hole
            _tally(routes, "generated", edt[hole])
    if routes.get("transferred"):
        result = _lip_line(result, edt, residual & ~generate, photo[src == MOUTH], grain)
    if method is Method.PHOTO and generate.any():
        missing = ", ".join(CLASS_NAMES[c].lower() for c in np.unique(edt[generate]))
        raise ValueError(
            f"the photo shows no {missing} near the edit to take it from, and method 'photo' never "
            "generates: use method 'auto' (the generator draws what the photo cannot) or paint "
            "only parts the photo has"
        )
    out, generate_full = image, np.zeros_like(changed)
    generate_full[y0:y1, x0:x1] = generate
    if result is not photo:
        out = image.copy()
        out[y0:y1, x0:x1] = result
    from_reference = {CLASS_KEYS[c]: REFERENCE for c in added if reference is not None and not generate[edt == c].any()}
    return RoutePlan(out, generate_full, routes, window, from_reference)


def _wears(reference, part: int) -> bool:
    return reference is not None and np.count_nonzero(reference.mask == part) >= fill.MIN_DONORS


def glasses_look_of(reference) -> glasses.GlassesLook | None:
    """The look of glasses drawn on the photo, from a reference face that wears glasses (its frame's colour:
    the darkest third of its glasses pixels, where the frame is); None without one."""
    if reference is None:
        return None
    pixels = reference.image[reference.mask == EYE_G]
    if len(pixels) < fill.MIN_DONORS:
        return None
    brightness = luma(pixels.astype(np.float32))
    frame = pixels[brightness <= np.percentile(brightness, 33)]
    return glasses.GlassesLook(frame=tuple(int(v) for v in np.median(frame, axis=0)))
