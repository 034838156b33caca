"""The folder that `maskgan data prepare-celebamask` writes, and the Dataset that reads it.

Layout (other tools rely on it; change FORMAT_VERSION if it ever changes):

  OUTPUT/{train,val,test}/images/{idx}.jpg   RGB, size x size, JPEG quality 95
  OUTPUT/{train,val,test}/labels/{idx}.png   single-channel uint8 label map 0..18, size x size
  OUTPUT/manifest.json                       written last: {format, format_version, size,
                                             source, limit, counts: {split: n}, failures: [{idx, reason}]}

``idx`` is the CelebA-HQ image number (0..29999), without zero padding.
Every file is written to a temporary name and moved into place, so a file under
its final name is always complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from PIL import Image
from torch.utils.data import Dataset

from maskgan.core.atomic_files import write_atomically
from maskgan.data.items import make_item

SPLITS = ("train", "val", "test")
MANIFEST_NAME = "manifest.json"
FORMAT_NAME = "maskgan-celebamask-hq"
FORMAT_VERSION = 1
JPEG_QUALITY = 95


class CelebAMaskError(ValueError):
    """A CelebAMask-HQ source folder or prepared folder cannot be used; the text says why and what to do."""


def item_paths(output: Path, split: str, idx: int) -> tuple[Path, Path]:
    """(image path, label path) of item ``idx`` in ``split`` of a prepared folder."""
    folder = Path(output) / split
    return folder / "images" / f"{idx}.jpg", folder / "labels" / f"{idx}.png"


def save_jpeg(path: Path, image: Image.Image) -> None:
    write_atomically(path, lambda tmp: image.save(tmp, format="JPEG", quality=JPEG_QUALITY))


def write_manifest(output: Path, manifest: dict) -> None:
    text = json.dumps({"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **manifest}, indent=1)
    write_atomically(Path(output) / MANIFEST_NAME, lambda tmp: tmp.write_text(text + "\n"))


def read_manifest(root: Path) -> dict:
    path = Path(root) / MANIFEST_NAME
    if not path.is_file():
        raise CelebAMaskError(
            f"{root} has no {MANIFEST_NAME}: it is not a folder made by "
            f"`maskgan data prepare-celebamask`, or that run has not finished (run it again; it resumes)"
        )
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CelebAMaskError(f"cannot read {path} ({error}); run `maskgan data prepare-celebamask` again") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise CelebAMaskError(f"{path} is not a manifest of a prepared CelebAMask-HQ folder")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CelebAMaskError(
            f"{path} has format version {manifest.get('format_version')!r}, this version reads "
            f"{FORMAT_VERSION}; prepare the dataset again into a new folder"
        )
    return manifest


def _numbered_files(folder: Path, suffix: str) -> set[int]:
    # Only digit names: temporary files of an interrupted run start with '.'.
    return {int(p.stem) for p in folder.glob(f"*{suffix}") if p.stem.isdigit()}


class PreparedCelebAMaskDataset(Dataset):
    """One split of a prepared folder as items of maskgan.data.items (``image``, ``label``).

    ``size`` None serves the prepared size; another size resizes on the fly
    (LANCZOS for images, NEAREST for label maps).
    """

    def __init__(self, root: str | os.PathLike, split: str = "train", size: int | None = None):
        self.root = Path(root)
        if split not in SPLITS:
            raise CelebAMaskError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
        manifest = read_manifest(self.root)
        self.split = split
        self.prepared_size = int(manifest["size"])
        if size is not None and size < 1:
            raise CelebAMaskError(f"size must be a positive number of pixels, got {size}")
        self.size = self.prepared_size if size is None else int(size)
        image_dir, label_dir = (p.parent for p in item_paths(self.root, split, 0))
        if not label_dir.is_dir() or not image_dir.is_dir():
            raise CelebAMaskError(
                f"{self.root} has no split {split!r} (expected {image_dir} and {label_dir}); prepare the dataset again"
            )
        labels, images = _numbered_files(label_dir, ".png"), _numbered_files(image_dir, ".jpg")
        unpaired = sorted(labels ^ images)
        if unpaired:
            raise CelebAMaskError(
                f"split {split!r} of {self.root} has {len(unpaired)} items with only an image or only a "
                f"label (e.g. item {unpaired[0]}); run `maskgan data prepare-celebamask` again to complete them"
            )
        if not labels:
            raise CelebAMaskError(
                f"split {split!r} of {self.root} holds no items; prepare more images (a larger --limit, or none)"
            )
        self.indices = sorted(labels)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self.indices):
            raise IndexError(f"item {index} out of range 0..{len(self.indices) - 1}")
        image_path, label_path = item_paths(self.root, self.split, self.indices[index])
        with Image.open(image_path) as image_file, Image.open(label_path) as label_file:
            image, label = image_file.convert("RGB"), label_file.convert("L")
        if self.size != self.prepared_size:
            image = image.resize((self.size, self.size), Image.LANCZOS)
            label = label.resize((self.size, self.size), Image.NEAREST)
        return make_item(np.asarray(image), np.asarray(label))
