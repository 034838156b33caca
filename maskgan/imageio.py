"""Reading and writing images and masks as the boundary arrays (uint8 HxWxC, uint8 HxW labels)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from maskgan.core.atomic_files import write_atomically
from maskgan.labels import DEFAULT_COLOR_TOLERANCE, check_label_map, color_to_label, label_to_color


def _open(path: str | os.PathLike) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"cannot read {path} as an image ({error})") from error
    return image


WIDE_GREY_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")  # 16-bit grey PNGs, TIFFs; PIL's convert("RGB") clips them


def load_rgb(path: str | os.PathLike) -> np.ndarray:
    """uint8 HxWx3 RGB of an image file (alpha is dropped, greyscale expanded, 16-bit grey scaled to 8 bits)."""
    image = _open(path)
    if image.mode in WIDE_GREY_MODES:
        grey = np.asarray(image).astype(np.int64)
        if image.mode == "I" and grey.max(initial=0) <= 255:  # 32-bit container holding 8-bit values
            grey8 = grey.clip(0, 255).astype(np.uint8)
        else:
            grey8 = ((grey.clip(0, 65535) + 128) // 257).astype(np.uint8)  # 0..65535 onto 0..255, rounded
        return np.repeat(grey8[..., None], 3, axis=2)
    return np.asarray(image.convert("RGB"))


def load_mask(path: str | os.PathLike, tolerance: float = DEFAULT_COLOR_TOLERANCE) -> np.ndarray:
    """Label map (uint8 HxW, 0..18) of a mask file.

    A single-channel file ('L', 'P' without palette meaning, 'I') holds class indices;
    an RGB(A) file is a colour mask in the official palette.
    """
    image = _open(path)
    if image.mode in ("L", "I", "I;16"):
        try:
            return check_label_map(np.asarray(image).astype(np.int64))
        except ValueError as error:
            raise ValueError(f"{path}: single-channel mask is not a label map: {error}") from error
    try:
        return color_to_label(np.asarray(image.convert("RGB")), tolerance)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def save_png(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write uint8 HxW, HxWx3 or HxWx4 as PNG atomically (no half-written file on failure)."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"save_png expects uint8, got {array.dtype}")
    write_atomically(path, lambda tmp: Image.fromarray(array).save(tmp, format="PNG"))


def save_mask(path: str | os.PathLike, label: np.ndarray, colour: bool = True) -> None:
    """Write a label map as a colour mask (official palette) or as a single-channel PNG."""
    save_png(path, label_to_color(label) if colour else check_label_map(label))


LUMA = np.array((0.299, 0.587, 0.114), np.float32)  # ITU-R BT.601


def luma(rgb) -> np.ndarray:
    """Brightness (0..255 for uint8 input) of RGB pixels: any array whose last axis holds R, G, B."""
    return np.asarray(rgb, np.float32) @ LUMA
