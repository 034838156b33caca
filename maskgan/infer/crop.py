"""Face crop, resampling, and feathered paste-back for photos of any size (pure numpy + PIL).

The model sees a square crop around the face (every non-background pixel of
either mask, plus a margin), edge-replicated where the square leaves the photo,
resampled to the model's resolution (photo: bicubic, antialiased when shrinking;
masks: nearest). Only the region the edit changed is pasted back: the
difference of the masks dilated by ``grow`` pixels, feathered over ``feather``
pixels, so every pixel outside it keeps its original value bit for bit and the
layer is fully transparent (RGBA 0) there. Integer box sums keep "outside"
exactly zero (no float residue). The alpha is computed on the window around the
change only, so its cost follows the edit, not the photo's size. Where the model's
output is enlarged, the photo's own fine detail goes back onto it away from the
change (``with_photo_detail``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from maskgan.core.framing import FACE_CLASSES, Framing
from maskgan.core.masks import box_sum, dilate, mask_bounds
from maskgan.labels import class_index

DETAIL_MIN_SCALE = 1.2  # photo pixels per model pixel from which the photo's fine detail is restored


@dataclass(frozen=True)
class Box:
    """A square region of the photo, possibly reaching past its borders: x0, y0, side."""

    x0: int
    y0: int
    side: int

    def clipped(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the part inside the photo."""
        return max(self.x0, 0), max(self.y0, 0), min(self.x0 + self.side, width), min(self.y0 + self.side, height)

    def corners(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the whole square, in photo pixels."""
        return self.x0, self.y0, self.x0 + self.side, self.y0 + self.side


# small features the paste-back keeps as photographed unless the edit involves them (change_alpha)
FEATURE_CLASSES = tuple(
    class_index(key)
    for key in ("nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip", "ear_r", "neck_l")
)
_KEPT_WHEN_UNINVOLVED = np.isin(np.arange(256), FEATURE_CLASSES)


def face_box(
    source_mask: np.ndarray, edited_mask: np.ndarray, margin: float = 0.2, framing: Framing | None = None
) -> Box:
    """The square the model sees.

    With a ``framing``: the face placed as in the model's training images, grown
    where needed to hold every changed pixel. Without one (or without face
    classes in the masks): every non-background pixel of either mask, grown by
    ``margin`` of its side.
    """
    face = np.isin(source_mask, FACE_CLASSES) | np.isin(edited_mask, FACE_CLASSES)
    if framing is not None and face.any():
        x0, y0, x1, y1 = mask_bounds(face)
        side = max(16, int(round(max(x1 - x0, y1 - y0) / framing.face_side)))
        box = Box(
            int(round((x0 + x1) / 2 - framing.center_x * side)),
            int(round((y0 + y1) / 2 - framing.center_y * side)),
            side,
        )
        changed = source_mask != edited_mask
        return _square_holding(box, mask_bounds(changed)) if changed.any() else box
    present = (source_mask > 0) | (edited_mask > 0)
    if not present.any():
        raise ValueError("the masks are all background: there is no face to edit")
    x0, y0, x1, y1 = mask_bounds(present)
    side = int(round(max(y1 - y0, x1 - x0) * (1 + 2 * margin)))
    side = max(side, 16)
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    return Box(int(round(cx - side / 2)), int(round(cy - side / 2)), side)


def _square_holding(box: Box, bounds: tuple[int, int, int, int]) -> Box:
    """``box`` when it holds ``bounds`` (x0, y0, x1, y1), else the smallest square holding both."""
    x0, y0, x1, y1 = bounds
    bx0, by0, bx1, by1 = box.corners()
    if bx0 <= x0 and by0 <= y0 and x1 <= bx1 and y1 <= by1:
        return box
    ux0, uy0, ux1, uy1 = min(bx0, x0), min(by0, y0), max(bx1, x1), max(by1, y1)
    side = max(ux1 - ux0, uy1 - uy0)
    # grow the short direction evenly around the union, so the face stays near its framed place
    return Box(ux0 - (side - (ux1 - ux0)) // 2, uy0 - (side - (uy1 - uy0)) // 2, side)


def _pad_to_box(array: np.ndarray, box: Box) -> np.ndarray:
    """The box's square of ``array``, edge-replicated where the box leaves the photo."""
    height, width = array.shape[:2]
    x0, y0, x1, y1 = box.clipped(height, width)
    inside = array[y0:y1, x0:x1]
    pad = ((y0 - box.y0, box.y0 + box.side - y1), (x0 - box.x0, box.x0 + box.side - x1))
    pad += ((0, 0),) * (array.ndim - 2)
    return np.pad(inside, pad, mode="edge")


def crop_image(image: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The box's square of the photo at size x size (bicubic; PIL widens the kernel when shrinking)."""
    return np.array(Image.fromarray(_pad_to_box(image, box)).resize((size, size), Image.BICUBIC))


def crop_mask(mask: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The box's square of a label map at size x size (nearest: every pixel keeps a valid class)."""
    return np.array(Image.fromarray(_pad_to_box(mask, box)).resize((size, size), Image.NEAREST))


def _resample_window(square: np.ndarray, box: Box, window: tuple[int, int, int, int], resample: int) -> np.ndarray:
    """The photo-pixel window (x0, y0, x1, y1) of ``square`` scaled to the box's side.

    The whole square is scaled, then cut: PIL's ``resize(box=...)`` of a window
    alone differs from that by up to ~20 levels, which would make a pixel's value
    depend on how large the edit around it was.
    """
    x0, y0, x1, y1 = window
    scaled = Image.fromarray(square).resize((box.side, box.side), resample)
    return np.array(scaled.crop((x0 - box.x0, y0 - box.y0, x1 - box.x0, y1 - box.y0)))


def window_image(square: np.ndarray, box: Box, window: tuple[int, int, int, int]) -> np.ndarray:
    """A generated square (any size) back at photo scale, the window (x0, y0, x1, y1) of it (bicubic)."""
    return _resample_window(square, box, window, Image.BICUBIC)


def window_labels(square: np.ndarray, box: Box, window: tuple[int, int, int, int]) -> np.ndarray:
    """A label map of the box's square (any size) back at photo scale, the window of it (nearest)."""
    return _resample_window(square, box, window, Image.NEAREST)


def change_alpha(source_mask: np.ndarray, edited_mask: np.ndarray, grow: int, feather: int) -> np.ndarray:
    """float32 alpha in [0,1]: 1 on the changed pixels dilated by ``grow``, falling to exactly 0 within 2*feather more,
    and 0 on the unchanged pixels of the facial features (FEATURE_CLASSES) that the edit does not involve.

    The classes involved are those the changed pixels had or get. The band around a change
    hides the seam between generated and photographed pixels, but it also reached the
    features the user did not touch: glasses drawn around the eyes regenerated the eyes
    too, in the generator's blurrier rendering. Those features keep the photo; their
    outlines are edges in the photo anyway. Large regions (skin, hair, background,
    clothes) keep the soft band, where a hard edge would show the generator's colour
    mismatch as a seam.
    """
    changed = source_mask != edited_mask
    core = dilate(changed, grow)
    if feather <= 0:
        alpha = core.astype(np.float32)
    else:
        grown = dilate(core, feather)
        alpha = (box_sum(grown, feather) / float((2 * feather + 1) ** 2)).astype(np.float32)
    kept = _KEPT_WHEN_UNINVOLVED.copy()
    kept[source_mask[changed]] = False
    kept[edited_mask[changed]] = False
    alpha[~changed & kept[edited_mask]] = 0.0
    return alpha


def composite(photo: np.ndarray, generated: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(blended RGB, RGBA layer): untouched pixels (alpha 0) keep the photo's bytes; layer is transparent there."""
    a = alpha[..., None]
    blended = np.where(a > 0, np.rint(generated * a + photo * (1 - a)), photo).astype(np.uint8)
    layer = np.zeros(photo.shape[:2] + (4,), np.uint8)
    touched = alpha > 0
    layer[touched, :3] = generated[touched]
    layer[..., 3] = np.rint(alpha * 255).astype(np.uint8)
    layer[layer[..., 3] == 0, :3] = 0
    return blended, layer


def change_window(
    source_mask: np.ndarray, edited_mask: np.ndarray, box: Box, reach: int
) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1): the changed pixels inside the box, grown by ``reach``, within box and photo; None if none changed."""
    height, width = source_mask.shape
    x0, y0, x1, y1 = box.clipped(height, width)
    changed = source_mask[y0:y1, x0:x1] != edited_mask[y0:y1, x0:x1]
    rows, cols = np.nonzero(changed.any(1))[0], np.nonzero(changed.any(0))[0]
    if not rows.size:
        return None
    return (
        max(x0 + cols[0] - reach, x0),
        max(y0 + rows[0] - reach, y0),
        min(x0 + cols[-1] + 1 + reach, x1),
        min(y0 + rows[-1] + 1 + reach, y1),
    )


def paste_back(
    image: np.ndarray,
    source_mask: np.ndarray,
    edited_mask: np.ndarray,
    box: Box,
    generated: np.ndarray,
    grow: int,
    feather: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(blended RGB, RGBA layer), photo-sized, of the generated square (any size) for ``box``."""
    return paste_rendered(
        image,
        source_mask,
        edited_mask,
        box,
        grow,
        feather,
        box.side / generated.shape[0],
        lambda window: window_image(generated, box, window),
    )


def paste_rendered(
    image: np.ndarray,
    source_mask: np.ndarray,
    edited_mask: np.ndarray,
    box: Box,
    grow: int,
    feather: int,
    scale: float,
    render,
    coverage=None,
) -> tuple[np.ndarray, np.ndarray]:
    """(blended RGB, RGBA layer), photo-sized, of generated pixels that ``render(window)`` gives at photo scale.

    ``box`` bounds what was generated, ``scale`` is photo pixels per generated pixel,
    and ``coverage(window)``, when given, says which pixels of the window were
    generated at all (bool; an oriented square covers part of its bounding box).
    The alpha is computed on the change window only; past its edges it is exactly 0
    anyway (the window reaches grow + 2*feather beyond every change), and at the
    edges of what was generated it is cut, since nothing was generated past them.
    """
    height, width = image.shape[:2]
    blended = image.copy()
    layer = np.zeros((height, width, 4), np.uint8)
    window = change_window(source_mask, edited_mask, box, grow + 2 * feather)
    if window is None:
        return blended, layer
    x0, y0, x1, y1 = window
    source, edited, photo = source_mask[y0:y1, x0:x1], edited_mask[y0:y1, x0:x1], image[y0:y1, x0:x1]
    alpha = change_alpha(source, edited, grow, feather)
    if coverage is not None:
        alpha[~coverage(window)] = 0.0
    enlarged = with_photo_detail(render(window), photo, source != edited, scale)
    blended[y0:y1, x0:x1], layer[y0:y1, x0:x1] = composite(photo, enlarged, alpha)
    return blended, layer


def with_photo_detail(enlarged: np.ndarray, photo: np.ndarray, changed: np.ndarray, scale: float) -> np.ndarray:
    """The enlarged generator output plus the photo's detail finer than a model pixel, away from the change.

    Enlarged ``scale`` times, the output has none of the photo's grain, pores or hair
    strands, and the band blended around a change shows as a blur. Frequency separation,
    as retouchers do it by hand: the photo's high-pass (the photo minus a Gaussian blur
    of sigma scale/2) is added to the generated low frequencies. Not on changed pixels,
    whose content is new, nor within ``scale`` pixels of them, where the high-pass holds
    the old outline and would ghost the old shape. Below DETAIL_MIN_SCALE the generator
    drew at about photo resolution and there is no detail to restore.
    """
    if scale < DETAIL_MIN_SCALE:
        return enlarged
    low = np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(scale / 2)), np.float32)
    away = ~dilate(changed, int(np.ceil(scale)))
    detailed = enlarged.astype(np.float32) + (photo.astype(np.float32) - low) * away[..., None]
    return np.clip(np.rint(detailed), 0, 255).astype(np.uint8)
