"""Where the face sits in a model's training images: measured by training's export, read by inference's crop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maskgan.core.masks import mask_bounds
from maskgan.labels import class_index

# the face proper: what decides the framing (not hair, hat, glasses, neck or cloth, which edits add and remove)
FACE_CLASSES = tuple(
    class_index(key)
    for key in ("skin", "nose", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear", "mouth", "u_lip", "l_lip")
)


@dataclass(frozen=True)
class Framing:
    """Where the face sits in a model's training images, as fractions of the image side.

    ``face_side`` is the longer side of the face's bounding box (FACE_CLASSES),
    ``center_x``/``center_y`` its centre. A crop framed the same way shows the
    generator faces at the scale and place it learnt them; a looser crop makes
    it draw smaller faces than it knows and blurs every edit.
    """

    face_side: float
    center_x: float
    center_y: float

    @classmethod
    def from_card(cls, card: dict) -> "Framing | None":
        entry = card.get("framing")
        return cls(float(entry["face_side"]), float(entry["center_x"]), float(entry["center_y"])) if entry else None

    def as_dict(self) -> dict:
        return {"face_side": self.face_side, "center_x": self.center_x, "center_y": self.center_y}


def measure_framing(labels) -> Framing:
    """The median framing of label maps (the training data's), from those that show a face."""
    sides, centers_x, centers_y = [], [], []
    for label in labels:
        face = np.isin(label, FACE_CLASSES)
        if not face.any():
            continue
        x0, y0, x1, y1 = mask_bounds(face)
        size = max(label.shape)
        sides.append(max(x1 - x0, y1 - y0) / size)
        centers_x.append((x0 + x1) / 2 / label.shape[1])
        centers_y.append((y0 + y1) / 2 / label.shape[0])
    if not sides:
        raise ValueError("none of the label maps shows a face (skin, eyes, nose, mouth...): cannot measure the framing")
    return Framing(*(round(float(np.median(values)), 4) for values in (sides, centers_x, centers_y)))
