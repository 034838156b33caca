"""Retoucher edits of a real photo's parsed mask, sized relative to the face box.

Each edit is ``edit(labels, step) -> edited`` on a uint8 label map with ``step`` in
pixels; RETOUCH_EDITS gives the step of each as a share of the face box's side.
They paint what a retoucher would paint on the mask layers: glasses on, the
hairline up or down, shorter hair, fuller lips, a closed mouth, bigger eyes, a
slimmer jaw, raised brows. Used by the real-photo benchmarks and tests.
"""

from __future__ import annotations

import numpy as np

from maskgan.core.masks import dilate
from maskgan.labels import class_index

BACKGROUND, SKIN, NOSE, EYE_G, HAIR, NECK = (
    class_index(k) for k in ("background", "skin", "nose", "eye_g", "hair", "neck")
)
MOUTH, U_LIP, L_LIP = (class_index(k) for k in ("mouth", "u_lip", "l_lip"))
EYES = (class_index("l_eye"), class_index("r_eye"))
BROWS = (class_index("l_brow"), class_index("r_brow"))


def _rows(labels: np.ndarray) -> np.ndarray:
    return np.arange(labels.shape[0])[:, None]


def _cols(labels: np.ndarray) -> np.ndarray:
    return np.arange(labels.shape[1])[None, :]


def glasses_on(labels: np.ndarray, step: int) -> np.ndarray:
    """Solid lenses around both eyes (the eyes stay on top), a bridge and temples to the face's sides.

    ``step`` is the frame's half-thickness for bridge and temples.
    """
    centres = []
    for eye in EYES:
        ys, xs = np.nonzero(labels == eye)
        centres.append((ys.mean(), xs.mean(), xs.max() - xs.min() + 1))
    (ly, lx, lw), (ry, rx, rw) = sorted(centres, key=lambda c: c[1])
    distance = rx - lx
    half_w, half_h = 0.36 * distance, 0.24 * distance
    rows, cols = _rows(labels), _cols(labels)
    glasses = np.zeros(labels.shape, bool)
    for cy, cx in ((ly, lx), (ry, rx)):
        glasses |= ((cols - cx) / half_w) ** 4 + ((rows - cy) / half_h) ** 4 <= 1
    eye_row = (ly + ry) / 2
    bridge = (np.abs(rows - (eye_row - 0.3 * half_h)) <= step) & (cols > lx + 0.9 * half_w) & (cols < rx - 0.9 * half_w)
    face = np.isin(labels, (SKIN, NOSE))
    face_cols = np.nonzero(face[int(eye_row)])[0]
    temples = (np.abs(rows - (eye_row - 0.4 * half_h)) <= step) & (
        ((cols >= face_cols.min()) & (cols < lx - 0.9 * half_w))
        | ((cols <= face_cols.max()) & (cols > rx + 0.9 * half_w))
    )
    edited = labels.copy()
    edited[(glasses | bridge | temples) & np.isin(labels, (SKIN, NOSE, BACKGROUND, HAIR))] = EYE_G
    return edited


def hairline_up(labels: np.ndarray, step: int) -> np.ndarray:
    """The forehead ``step`` pixels taller: hair just above the forehead's skin becomes skin."""
    skin = labels == SKIN
    brow_top = np.nonzero(np.isin(labels, BROWS))[0].min()
    forehead = skin & (_rows(labels) < brow_top)
    reach = np.zeros_like(skin)
    for k in range(1, step + 1):
        reach[:-k] |= forehead[k:]  # pixels up to step above forehead skin
    edited = labels.copy()
    edited[reach & (labels == HAIR)] = SKIN
    return edited


def hairline_down(labels: np.ndarray, step: int) -> np.ndarray:
    """Hair grown ``step`` pixels down over the forehead's skin (above the brows)."""
    brow_top = np.nonzero(np.isin(labels, BROWS))[0].min()
    edited = labels.copy()
    forehead = (labels == SKIN) & (_rows(labels) < brow_top - 2)
    hair = labels == HAIR
    below = np.zeros_like(hair)
    below[step:] = hair[:-step]  # hair moved down, so it only grows downwards
    edited[forehead & (below | dilate(hair, 1))] = HAIR
    return edited


def shorter_hair(labels: np.ndarray, step: int) -> np.ndarray:
    """The top ``step`` rows of the hair cut off: background where they were."""
    hair_rows = np.nonzero((labels == HAIR).any(1))[0]
    edited = labels.copy()
    edited[(labels == HAIR) & (_rows(labels) < hair_rows.min() + step)] = BACKGROUND
    return edited


def fuller_lips(labels: np.ndarray, step: int) -> np.ndarray:
    """Both lips grown by ``step`` pixels into the skin around them."""
    lips = np.isin(labels, (U_LIP, L_LIP))
    grown = dilate(lips, step) & (labels == SKIN)
    middle = np.nonzero(np.isin(labels, (U_LIP, MOUTH, L_LIP)))[0].mean()
    edited = labels.copy()
    edited[grown & (_rows(labels) < middle)] = U_LIP
    edited[grown & (_rows(labels) >= middle)] = L_LIP
    return edited


def closed_mouth(labels: np.ndarray, step: int) -> np.ndarray:
    """The open mouth (teeth) painted over by the lips, meeting in its middle."""
    mouth = labels == MOUTH
    middle = np.nonzero(mouth)[0].mean()
    edited = labels.copy()
    edited[mouth & (_rows(labels) < middle)] = U_LIP
    edited[mouth & (_rows(labels) >= middle)] = L_LIP
    return edited


def bigger_eyes(labels: np.ndarray, step: int) -> np.ndarray:
    """Both eyes scaled up about their centres, their half-height ``step`` pixels taller, over the skin around them."""
    edited = labels.copy()
    rows, cols = np.nonzero(np.ones(labels.shape, bool))
    for eye in EYES:
        ys, xs = np.nonzero(labels == eye)
        cy, cx = ys.mean(), xs.mean()
        factor = 1 + step / max(1.0, (ys.max() - ys.min() + 1) / 2)
        inside = (
            labels[
                np.clip(np.rint(cy + (rows - cy) / factor).astype(int), 0, labels.shape[0] - 1),
                np.clip(np.rint(cx + (cols - cx) / factor).astype(int), 0, labels.shape[1] - 1),
            ]
            == eye
        )
        grown = inside.reshape(labels.shape) & np.isin(labels, (SKIN, eye))
        edited[grown] = eye
    return edited


def slimmer_jaw(labels: np.ndarray, step: int) -> np.ndarray:
    """The face's sides below the nose moved ``step`` pixels in: what lies beside the jaw takes their place."""
    nose_bottom = np.nonzero((labels == NOSE).any(1))[0].max()
    edited = labels.copy()
    for row in range(nose_bottom, labels.shape[0]):
        cols = np.nonzero(labels[row] == SKIN)[0]
        if cols.size < 4 * step:
            continue
        left, right = cols.min(), cols.max()
        edited[row, left : left + step] = labels[row, max(0, left - 1)]
        edited[row, right - step + 1 : right + 1] = labels[row, min(labels.shape[1] - 1, right + 1)]
    return edited


def raised_brows(labels: np.ndarray, step: int) -> np.ndarray:
    """Both brows moved ``step`` pixels up; skin where they were."""
    edited = labels.copy()
    for brow in BROWS:
        mask = labels == brow
        edited[mask] = SKIN
        moved = np.zeros_like(mask)
        moved[:-step] = mask[step:]
        edited[moved & np.isin(labels, (SKIN, brow))] = brow
    return edited


RETOUCH_EDITS = (  # name, edit, step as a share of the face box's side
    ("glasses on", glasses_on, 0.012),
    ("hairline up", hairline_up, 0.08),
    ("hairline down", hairline_down, 0.08),
    ("shorter hair", shorter_hair, 0.2),
    ("fuller lips", fuller_lips, 0.03),
    ("closed mouth", closed_mouth, 0.0),
    ("bigger eyes", bigger_eyes, 0.01),
    ("slimmer jaw", slimmer_jaw, 0.04),
    ("raised brows", raised_brows, 0.05),
)
