"""Conversions between the plug-ins' layers and the arrays the daemon speaks (pure: no editor).

Masks travel as uint8 HxW label maps (0..18); the editable mask lives in the
document either as one colour layer in the official palette or as one paint layer
per class (covered where alpha >= 128; where several cover a pixel the later class
in the official order wins, as in CelebAMask-HQ's merge).
"""

from __future__ import annotations

import numpy as np

from .label_table import labels


def opaque(rgb: np.ndarray) -> np.ndarray:
    """HxWx4 RGBA of an HxWx3 RGB array, opaque."""
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)


def flatten_on_white(rgba: np.ndarray) -> np.ndarray:
    """RGB of a photo layer; transparent parts are composited on white, as the editors show them."""
    alpha = rgba[..., 3:4].astype(np.uint16)
    rgb = rgba[..., :3].astype(np.uint16)
    return ((rgb * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def mask_colours(rgba: np.ndarray) -> np.ndarray:
    """HxWx3 colours a colour mask layer's pixels count as: transparent ones (alpha < 128) are background."""
    rgb = rgba[..., :3].copy()
    rgb[rgba[..., 3] < 128] = labels().PALETTE[0]
    return rgb


def colour_layer_to_label(rgba: np.ndarray, tolerance: float) -> np.ndarray:
    """Label map of a colour mask layer (MaskColorError names colours off the palette)."""
    return labels().color_to_label(mask_colours(rgba), tolerance)


def label_to_colour_layer(label: np.ndarray) -> np.ndarray:
    """RGBA colour mask of a label map: opaque where there is a class, transparent background (so that the
    layer's bounds are the face's)."""
    rgb = labels().label_to_color(label)
    return np.concatenate([rgb, np.where(label > 0, 255, 0).astype(np.uint8)[..., None]], axis=2)


def class_layers_to_label(alphas: dict[int, np.ndarray]) -> np.ndarray:
    """Label map from per-class layers' alpha channels (later class wins)."""
    return labels().layers_to_label(alphas)


def label_to_class_layer(label: np.ndarray, class_index: int) -> np.ndarray:
    """RGBA of one class's layer: its palette colour where the class is, transparent elsewhere."""
    table = labels()
    rgba = np.zeros(label.shape + (4,), np.uint8)
    where = label == class_index
    rgba[where, :3] = table.PALETTE[class_index]
    rgba[where, 3] = 255
    return rgba
