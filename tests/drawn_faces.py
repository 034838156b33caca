"""Faces drawn as polygons with known geometry, for the alignment tests (test_align*.py)."""

import numpy as np
from PIL import Image, ImageDraw

from maskgan.labels import PALETTE, class_index

# canonical face (pixels at scale 1, origin at the face's centre); left and right as seen in the image
EYES = ((-30.0, -15.0), (30.0, -15.0))  # the image-left eye is the person's right eye (r_eye)
MOUTH_CENTRE, MOUTH_HALF_WIDTH = (0.0, 45.0), 25.0
CANONICAL_SIDE = 240.0  # 2 * max(2 * |eye_to_eye| = 120, 1.8 * |eye_to_mouth| = 108)
CANONICAL_CENTRE = (0.0, -9.0)  # eye_avg + 0.1 * eye_to_mouth


def _ellipse(centre, radii, start=0.0, stop=2 * np.pi, n=64):
    t = np.linspace(start, stop, n)
    return np.stack([centre[0] + radii[0] * np.cos(t), centre[1] + radii[1] * np.sin(t)], 1)


def similarity(angle: float, scale: float, shift):
    """Canonical -> photo: turn by ``angle`` degrees (clockwise on screen), scale, then shift."""
    a = np.radians(angle)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * scale
    return lambda points: np.asarray(points, float) @ rotation.T + np.asarray(shift, float)


def draw_face(mask: np.ndarray, angle=0.0, scale=1.0, shift=(200, 200)) -> None:
    """Draw a face into a label map in place (polygons: skin, hair, brows, eyes, nose, lips)."""
    to_photo = similarity(angle, scale, shift)
    canvas = Image.fromarray(mask)
    draw = ImageDraw.Draw(canvas)
    shapes = [
        ("hair", _ellipse((0, -20), (80, 95))),
        ("skin", _ellipse((0, 10), (70, 95))),
        ("r_brow", _ellipse((-30, -32), (15, 4))),
        ("l_brow", _ellipse((30, -32), (15, 4))),
        ("r_eye", _ellipse(EYES[0], (12, 6))),
        ("l_eye", _ellipse(EYES[1], (12, 6))),
        ("nose", np.array([(0, -8), (-10, 22), (10, 22)], float)),
        ("u_lip", _ellipse(MOUTH_CENTRE, (MOUTH_HALF_WIDTH, 8), np.pi, 2 * np.pi)),
        ("l_lip", _ellipse(MOUTH_CENTRE, (MOUTH_HALF_WIDTH, 9), 0, np.pi)),
    ]
    for key, polygon in shapes:
        draw.polygon([tuple(p) for p in to_photo(polygon)], fill=class_index(key))
    mask[...] = np.asarray(canvas)


def face_photo(mask: np.ndarray, seed: int = 0) -> np.ndarray:
    """A textured photo of a label map: its palette colours, a gradient and noise (so resampling shows)."""
    rng = np.random.default_rng(seed)
    height, width = mask.shape
    gradient = np.linspace(0, 60, width)[None, :, None] + np.linspace(0, 40, height)[:, None, None]
    noisy = PALETTE[mask].astype(float) * 0.7 + gradient + rng.normal(0, 6, (height, width, 3))
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
