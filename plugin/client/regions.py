"""The part of a photo an edit needs, and a box reply pasted back into the whole photo (numpy only).

Every client crops the same way: an edit needs only the face, the non-background pixels of
the masks grown by FACE_MARGIN of their larger side (the engine's square crop around the
face, placed as in its training images, reaches at most about 0.72 of the face's side past
them), clipped to the photo. The daemon takes that window as the photo. With ``reply: "box"``
its result carries only the changed box of the window, at ``offset``; ``paste_box`` puts it
back. Boxes are (x0, y0, x1, y1), x1 and y1 exclusive, as the protocol's ``box``.
"""

from __future__ import annotations

import numpy as np

FACE_MARGIN = 0.75
EDIT_GROUP = ("image", "source_mask", "edited_mask")  # the arrays of an edit or variants that share the photo's size


def label_bounds(*labels: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the non-background pixels of same-size label maps together; None when all background."""
    rows = np.logical_or.reduce([label.any(1) for label in labels])
    cols = np.logical_or.reduce([label.any(0) for label in labels])
    ys, xs = np.flatnonzero(rows), np.flatnonzero(cols)
    if not ys.size:
        return None
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def grow_to_face_window(bounds: tuple[int, int, int, int] | None, width: int, height: int) -> tuple[int, int, int, int]:
    """The window of a ``width`` x ``height`` photo an edit sends: the masks' ``bounds`` grown by FACE_MARGIN of their
    larger side, clipped to the photo (all of it without bounds)."""
    if bounds is None:
        return 0, 0, width, height
    x0, y0, x1, y1 = bounds
    grow = int(np.ceil(max(x1 - x0, y1 - y0) * FACE_MARGIN))
    return max(x0 - grow, 0), max(y0 - grow, 0), min(x1 + grow, width), min(y1 + grow, height)


def face_window(source_mask: np.ndarray, edited_mask: np.ndarray) -> tuple[int, int, int, int]:
    """The window (x0, y0, x1, y1) of the photo that an edit of these masks needs."""
    height, width = source_mask.shape
    return grow_to_face_window(label_bounds(source_mask, edited_mask), width, height)


def crop_edit_arrays(arrays: dict, window: tuple[int, int, int, int]) -> dict:
    """The arrays of an edit or variants request with the photo and its masks cut to ``window``; a reference face
    (another photo, whose whole style counts) goes as it is."""
    x0, y0, x1, y1 = window
    return {name: (array[y0:y1, x0:x1] if name in EDIT_GROUP else array) for name, array in arrays.items()}


def changed_box(layers: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of every pixel that one of ``layers`` (n x H x W x 4 RGBA) covers; None when none does.
    An edit changes the photo only where its layer is not transparent (docs/protocol.md), so the box holds every
    changed pixel of the image too."""
    return label_bounds(layers[..., 3].any(axis=0))


def paste_box(canvas: np.ndarray, part: np.ndarray | None, offset) -> np.ndarray:
    """A copy of ``canvas`` (H x W x C, or n x H x W x C) with ``part`` (h x w x C, or n x h x w x C) written at
    ``offset`` [x, y]; the copy alone when ``part`` is None (a box reply without arrays: nothing changed)."""
    return _write(canvas.copy(), part, offset)


def _write(whole: np.ndarray, part: np.ndarray | None, offset) -> np.ndarray:
    if part is not None:
        x, y = offset
        height, width = part.shape[-3:-1]
        whole[..., y : y + height, x : x + width, :] = part
    return whole


def whole_photo_arrays(photo: np.ndarray, result: dict, arrays: dict, window=(0, 0)) -> dict:
    """The photo-sized arrays of a box reply (``image`` and ``layer`` of an edit, ``images`` and ``layers`` of
    variants, as a full reply has them) to a request cut to ``window`` (its x0, y0 first) of ``photo``."""
    offset = result["offset"][0] + window[0], result["offset"][1] + window[1]
    many = (len(result["changed"]),) if isinstance(result["changed"], list) else ()  # variants: n of each
    images = paste_box(np.broadcast_to(photo, many + photo.shape), arrays.get("images" if many else "image"), offset)
    # a fresh zero array is only touched where the box is written, not copied whole
    layers = _write(
        np.zeros(many + photo.shape[:2] + (4,), np.uint8), arrays.get("layers" if many else "layer"), offset
    )
    return {"images": images, "layers": layers} if many else {"image": images, "layer": layers}


class FaceRequest:
    """An ``edit`` or ``variants`` request that sends only the face's window of the photo and asks for only the
    changed box back; ``whole`` gives the reply's arrays at the photo's size. Every client builds its requests so."""

    def __init__(self, op: str, args: dict, arrays: dict):
        self.photo = arrays["image"]
        self.window = face_window(arrays["source_mask"], arrays["edited_mask"])
        self.op, self.args, self.arrays = op, {**args, "reply": "box"}, crop_edit_arrays(arrays, self.window)

    def whole(self, result: dict, arrays: dict) -> dict:
        return whole_photo_arrays(self.photo, result, arrays, self.window)
