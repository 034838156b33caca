"""Checks of the photos and masks every entry point takes, with errors that say what is wrong."""

from __future__ import annotations

import numpy as np

MAX_PIXELS = 64_000_000


def check_megapixels(height: int, width: int, what: str = "photo") -> None:
    """Raise ValueError when height x width is above the 64 MP limit."""
    if height * width > MAX_PIXELS:
        raise ValueError(
            f"the {what} has {height * width / 1e6:.1f} megapixels; the limit is {MAX_PIXELS / 1e6:.0f}. "
            "Scale it down or crop it around the face first."
        )


def check_photo(image: np.ndarray, *masks: np.ndarray) -> None:
    """Raise ValueError naming the problem unless ``image`` is an RGB photo of at most 64 MP and the masks match its size."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"the photo must be uint8 HxWx3 RGB, got {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    check_megapixels(height, width)
    for mask in masks:
        if mask.shape != (height, width):
            raise ValueError(f"masks must have the photo's size {width}x{height}, got {mask.shape[1]}x{mask.shape[0]}")
