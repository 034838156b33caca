"""The five landmarks of CelebA (eyes, nose tip, mouth corners) from a face's parts, in the order
maskgan.infer.align wants. Both sources of landmarks use it: the face mesh (maskgan.parsing.landmarks)
and a mask's classes (maskgan.infer.face_points)."""

from __future__ import annotations

import numpy as np

CORNER_TOLERANCE = 1.0  # pixels within this distance of the extreme along the eye line make a mouth corner


def from_parts(left_eye: np.ndarray, right_eye: np.ndarray, nose_tip: np.ndarray, mouth: np.ndarray) -> np.ndarray:
    """(5, 2) CelebA landmarks from the two eye centres (image sides), the nose tip and the points of the mouth:
    its corners are the points furthest out along the eye line (mean of those within CORNER_TOLERANCE)."""
    along = right_eye - left_eye
    along = along / max(np.hypot(*along), 1e-9)
    position = mouth @ along
    left = mouth[position <= position.min() + CORNER_TOLERANCE].mean(0)
    right = mouth[position >= position.max() - CORNER_TOLERANCE].mean(0)
    return np.stack([left_eye, right_eye, nose_tip, left, right]).astype(np.float64)
