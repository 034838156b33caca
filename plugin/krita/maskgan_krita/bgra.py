"""Krita's pixel bytes (pure: no Krita, no Qt): ``pixelData``/``setPixelData`` of an 8-bit RGBA document are BGRA."""

from __future__ import annotations

import numpy as np

from maskgan_plugin_common import pixels


def bgra_to_rgba(data: bytes, width: int, height: int) -> np.ndarray:
    """HxWx4 RGBA array (a copy) from Krita's BGRA bytes."""
    expected = width * height * 4
    if len(data) != expected:
        raise ValueError(f"expected {expected} bytes of 8-bit RGBA pixels for {width}x{height}, got {len(data)}")
    bgra = np.frombuffer(data, np.uint8).reshape(height, width, 4)
    return bgra[..., [2, 1, 0, 3]].copy()


def rgba_to_bgra(rgba: np.ndarray) -> bytes:
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected uint8 HxWx4 RGBA, got {rgba.dtype} {rgba.shape}")
    return np.ascontiguousarray(rgba[..., [2, 1, 0, 3]]).tobytes()


def rgb_to_bgra(rgb: np.ndarray) -> bytes:
    """Opaque BGRA bytes from an HxWx3 RGB array."""
    return rgba_to_bgra(pixels.opaque(rgb))
