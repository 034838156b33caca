"""The styles of the photos being edited, kept between edits.

Every edit of a photo encodes the same style: the style encoder sees only the photo and its source mask (cropped
to the model's square), never the edited mask. A retoucher edits one photo many times in a row, so the style of
the last few (photo, source mask) crops is kept, keyed by a digest of their bytes: another photo, another source
mask or another framing of the face gives another key, and so a fresh encoding.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import torch

STYLES_KEPT = 8  # a few photos open side by side; each style is one (P,) float32 vector (64 KB official-size)


def style_key(source_crop: np.ndarray, image_crop: np.ndarray) -> bytes:
    """A digest of a source mask crop and its photo crop: equal exactly when both arrays are (shape and bytes)."""
    digest = hashlib.blake2b(digest_size=20)
    for array in (source_crop, image_crop):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    return digest.digest()


class StyleCache:
    """The styles of the last STYLES_KEPT (source mask crop, photo crop) pairs, least recently used dropped first."""

    def __init__(self, kept: int = STYLES_KEPT):
        self.kept = kept
        self._styles: OrderedDict[bytes, torch.Tensor] = OrderedDict()

    def __len__(self) -> int:
        return len(self._styles)

    def styles(self, source_crops, image_crops, encode) -> torch.Tensor:
        """(B, P) styles of the pairs; ``encode(indices)`` gives the (len(indices), P) styles of those not kept."""
        keys = [style_key(s, i) for s, i in zip(source_crops, image_crops)]
        missing = [index for index, key in enumerate(keys) if key not in self._styles]
        first_of = {}  # one encoding per distinct pair, even when a batch repeats a photo
        for index in missing:
            first_of.setdefault(keys[index], index)
        if first_of:
            for key, style in zip(first_of, encode(list(first_of.values()))):
                self._styles[key] = style
        for key in keys:
            self._styles.move_to_end(key)
        styles = torch.stack([self._styles[key] for key in keys])
        while len(self._styles) > self.kept:
            self._styles.popitem(last=False)
        return styles
