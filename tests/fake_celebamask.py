"""A tiny CelebAMask-HQ in exactly the official layout, for tests.

make_source(root, {idx: orig_idx}, ...)  mapping file, photos and default part masks
write_photo / write_part                 single files, for items a test shapes itself
DEFAULT_PARTS (at 32 px)                 overlapping rectangles whose merge a test can read off
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_DIR = "CelebA-HQ-img"
MASK_DIR = "CelebAMask-HQ-mask-anno"
MAPPING_FILE = "CelebA-HQ-to-CelebA-mapping.txt"


def _rect(size: int, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[top:bottom, left:right] = True
    return mask


# Rectangles on a 32 px grid, listed deliberately out of the official order.
# Expected merge (later class wins): hair(13) over skin(1) in rows 4-5, nose(2) over
# skin, l_eye(4) over eye_g(3), neck(17) over neck_l(16) in columns 8-15.
DEFAULT_PARTS = {
    "hair": _rect(32, 0, 6, 0, 32),
    "neck": _rect(32, 28, 32, 8, 32),
    "skin": _rect(32, 4, 28, 4, 28),
    "neck_l": _rect(32, 28, 32, 0, 16),
    "nose": _rect(32, 10, 14, 10, 14),
    "l_eye": _rect(32, 7, 9, 7, 10),
    "eye_g": _rect(32, 6, 10, 6, 20),
}


def photo(idx: int, size: int) -> np.ndarray:
    """Four flat quadrants whose colours depend on idx (flat areas survive JPEG almost exactly)."""
    image = np.empty((size, size, 3), np.uint8)
    half = size // 2
    image[:half, :half] = (200, 30, 30)
    image[:half, half:] = (30, 200, 30)
    image[half:, :half] = (30, 30, 200)
    image[half:, half:] = (idx % 256, 128, 64)
    return image


def write_photo(root: Path, idx: int, size: int = 64) -> Path:
    path = root / IMAGE_DIR / f"{idx}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(photo(idx, size)).save(path, quality=98)
    return path


def write_part(root: Path, idx: int, part: str, mask: np.ndarray, mode: str = "L", folder: str | None = None) -> Path:
    """A part file as the dataset ships it: 0/255, greyscale ('L') or 'RGB'."""
    folder = str(idx // 2000) if folder is None else folder
    path = root / MASK_DIR / folder / f"{idx:05d}_{part}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.where(mask, 255, 0).astype(np.uint8)
    if mode == "RGB":
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    Image.fromarray(pixels).save(path)
    return path


def write_mapping(root: Path, orig: dict[int, int]) -> Path:
    path = root / MAPPING_FILE
    root.mkdir(parents=True, exist_ok=True)
    rows = [f"{'idx':<12}{'orig_idx':<12}orig_file"]
    rows += [f"{idx:<12}{o:<12}{o + 1:06d}.jpg" for idx, o in orig.items()]
    path.write_text("\n".join(rows) + "\n")
    return path


def make_source(
    root: Path, orig: dict[int, int], image_size: int = 64, parts: dict | None = None, part_mode: str = "L"
) -> Path:
    """Mapping rows for ``orig`` (idx -> orig_idx, in the given order), a photo and the parts of each."""
    parts = DEFAULT_PARTS if parts is None else parts
    (root / MASK_DIR).mkdir(parents=True, exist_ok=True)
    write_mapping(root, orig)
    for idx in orig:
        write_photo(root, idx, image_size)
        for name, mask in parts.items():
            write_part(root, idx, name, mask, part_mode)
    return root
