"""CelebAMask-HQ in its official layout -> a prepared folder (see maskgan.data.celebamask_prepared).

Source layout (as downloaded; we never download it):

  SOURCE/CelebA-HQ-img/{idx}.jpg                                  idx 0..29999, 1024x1024
  SOURCE/CelebAMask-HQ-mask-anno/{idx // 2000}/{idx:05d}_{part}.png  512x512, 0 or 255
  SOURCE/CelebA-HQ-to-CelebA-mapping.txt                          header `idx orig_idx orig_file`

Rules:
  * Parts merge in the order of maskgan.labels.CLASS_KEYS (skin=1 .. cloth=18); where
    parts overlap the later one wins. A pixel of a part file is on when any channel
    is > 127. An absent part file is an absent part; an item with no part file at all
    fails (its mask folder is missing).
  * Split by the original CelebA index, with the thresholds of the official
    CelebAMask-HQ partition: train below 162771, val up to 182637, test above.
  * Any square image size and part size is accepted (the real ones are 1024 and 512).
  * A source that is not in this layout raises CelebAMaskError. A bad item (missing or
    corrupt image, unreadable or wrongly sized part) is logged as a warning, skipped and
    listed in the summary and manifest; it never leaves output files behind.
  * Resumable: an item whose image and label already exist at the requested size is
    skipped; manifest.json is written last.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from maskgan.data.celebamask_prepared import (
    SPLITS,
    CelebAMaskError,
    PreparedCelebAMaskDataset,
    item_paths,
    save_jpeg,
    write_manifest,
)
from maskgan.imageio import save_png
from maskgan.labels import CLASS_KEYS, layers_to_label
from maskgan.progress import Progress

__all__ = [
    "CelebAMaskError",
    "Failure",
    "PrepareSummary",
    "PreparedCelebAMaskDataset",
    "part_path",
    "prepare",
    "read_mapping",
    "split_of",
]

log = logging.getLogger(__name__)

IMAGE_DIR = "CelebA-HQ-img"
MASK_DIR = "CelebAMask-HQ-mask-anno"
MAPPING_FILE = "CelebA-HQ-to-CelebA-mapping.txt"
IMAGES_PER_MASK_FOLDER = 2000
SHOWN_FAILURES = 10  # in the printed summary; the manifest lists them all
PART_KEYS = CLASS_KEYS[1:]  # background has no part file

# Official CelebAMask-HQ partition thresholds on orig_idx (they are CelebA's 1-based
# boundaries applied to the 0-based orig_idx; kept so splits match published results).
FIRST_VAL_ORIG_IDX = 162771
LAST_VAL_ORIG_IDX = 182637

EXPECTED_LAYOUT = (
    f"expected the official CelebAMask-HQ layout: SOURCE/{IMAGE_DIR}/0.jpg ..., "
    f"SOURCE/{MASK_DIR}/0/00000_skin.png ..., SOURCE/{MAPPING_FILE}"
)


def split_of(orig_idx: int) -> str:
    """'train', 'val' or 'test' for an image whose original CelebA index is ``orig_idx``."""
    if orig_idx < FIRST_VAL_ORIG_IDX:
        return "train"
    return "val" if orig_idx <= LAST_VAL_ORIG_IDX else "test"


def part_path(source: Path, idx: int, part: str) -> Path:
    return Path(source) / MASK_DIR / str(idx // IMAGES_PER_MASK_FOLDER) / f"{idx:05d}_{part}.png"


def check_source(source: Path) -> None:
    """Raise CelebAMaskError naming every missing piece of the official layout."""
    source = Path(source)
    if not source.is_dir():
        raise CelebAMaskError(f"source folder {source} does not exist; {EXPECTED_LAYOUT}")
    missing = [
        str(source / name)
        for name, present in (
            (IMAGE_DIR, (source / IMAGE_DIR).is_dir()),
            (MASK_DIR, (source / MASK_DIR).is_dir()),
            (MAPPING_FILE, (source / MAPPING_FILE).is_file()),
        )
        if not present
    ]
    if missing:
        nested = source / "CelebAMask-HQ"
        hint = f" (did you mean SOURCE={nested}?)" if (nested / IMAGE_DIR).is_dir() else ""
        raise CelebAMaskError(f"missing {', '.join(missing)}{hint}; {EXPECTED_LAYOUT}")


def read_mapping(path: Path) -> list[tuple[int, int]]:
    """(idx, orig_idx) rows of CelebA-HQ-to-CelebA-mapping.txt, sorted by idx."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CelebAMaskError(f"cannot read {path} ({error})") from error
    if not lines or lines[0].split()[:2] != ["idx", "orig_idx"]:
        raise CelebAMaskError(
            f"{path} does not start with the header `idx orig_idx orig_file`; is it the mapping file of CelebAMask-HQ?"
        )
    rows: dict[int, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        try:
            idx, orig_idx = int(fields[0]), int(fields[1])
        except (IndexError, ValueError):
            raise CelebAMaskError(
                f"{path} line {number}: expected `idx orig_idx orig_file`, got {line.strip()!r}"
            ) from None
        if idx in rows:
            raise CelebAMaskError(f"{path} line {number}: idx {idx} appears twice")
        rows[idx] = orig_idx
    if not rows:
        raise CelebAMaskError(f"{path} lists no images")
    return sorted(rows.items())


class _ItemFailure(Exception):
    """One item cannot be prepared; the text is the reason shown to the user."""


def _open_image(path: Path, what: str) -> Image.Image:
    if not path.is_file():
        raise _ItemFailure(f"{what} {path} is missing")
    try:
        with Image.open(path) as file:
            file.load()
            return file.copy()
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise _ItemFailure(f"{what} {path} cannot be read ({error})") from None


def _part_on(image: Image.Image) -> np.ndarray:
    """Boolean HxW: pixels where any colour channel is > 127 (alpha ignored)."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    pixels = np.asarray(image)
    return (pixels > 127).any(axis=2) if pixels.ndim == 3 else pixels > 127


def _load_item(source: Path, idx: int) -> tuple[Image.Image, np.ndarray]:
    """The photo and the merged label map (at part size) of item ``idx``."""
    image = _open_image(source / IMAGE_DIR / f"{idx}.jpg", "image")
    if image.width != image.height:
        raise _ItemFailure(f"image {source / IMAGE_DIR / f'{idx}.jpg'} is {image.width}x{image.height}, not square")
    parts: dict[str, np.ndarray] = {}
    first: tuple[Path, tuple[int, int]] | None = None
    for key in PART_KEYS:
        path = part_path(source, idx, key)
        if not path.is_file():
            continue
        part = _open_image(path, "part mask")
        if first is None:
            if part.width != part.height:
                raise _ItemFailure(f"part mask {path} is {part.width}x{part.height}, not square")
            first = (path, part.size)
        elif part.size != first[1]:
            raise _ItemFailure(
                f"part mask {path} is {part.width}x{part.height} but {first[0].name} is "
                f"{first[1][0]}x{first[1][1]}; all part masks of an image must have one size"
            )
        parts[key] = _part_on(part)
    if not parts:
        raise _ItemFailure(f"no part masks found: {part_path(source, idx, '*')}")
    return image.convert("RGB"), layers_to_label(parts)


def _is_done(paths: tuple[Path, Path], size: int) -> bool:
    """Both outputs exist at ``size`` (reads headers only)."""
    for path in paths:
        try:
            with Image.open(path) as file:
                if file.size != (size, size):
                    return False
        except (OSError, ValueError):
            return False
    return True


def _write_item(paths: tuple[Path, Path], image: Image.Image, label: np.ndarray, size: int) -> None:
    image_path, label_path = paths
    if label.shape != (size, size):
        label = np.asarray(Image.fromarray(label).resize((size, size), Image.NEAREST))
    if image.size != (size, size):
        image = image.resize((size, size), Image.LANCZOS)
    save_png(label_path, label)
    save_jpeg(image_path, image)


@dataclass
class Failure:
    idx: int
    reason: str


@dataclass
class PrepareSummary:
    output: Path
    size: int
    written: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    already_done: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    failed: list[Failure] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Items of this run present in the output, per split."""
        return {split: self.written[split] + self.already_done[split] for split in SPLITS}

    def __str__(self) -> str:
        lines = [f"CelebAMask-HQ prepared at {self.size}x{self.size} in {self.output}"]
        for split, count in self.counts().items():
            lines.append(
                f"  {split:5}: {count} items ({self.written[split]} written, {self.already_done[split]} already done)"
            )
        lines.append(f"  failed: {len(self.failed)}")
        lines += [f"    image {f.idx}: {f.reason}" for f in self.failed[:SHOWN_FAILURES]]
        if len(self.failed) > SHOWN_FAILURES:
            lines.append(f"    ... and {len(self.failed) - SHOWN_FAILURES} more, all listed in manifest.json")
        return "\n".join(lines)


def prepare(
    source: str | os.PathLike, output: str | os.PathLike, size: int = 512, limit: int | None = None
) -> PrepareSummary:
    """Prepare the first ``limit`` images (all when None) of CelebAMask-HQ at ``SOURCE`` into ``output``."""
    source, output = Path(source), Path(output)
    if size < 1:
        raise CelebAMaskError(f"size must be a positive number of pixels, got {size}")
    if limit is not None and limit < 1:
        raise CelebAMaskError(f"limit must be at least 1 image, got {limit}")
    check_source(source)
    rows = read_mapping(source / MAPPING_FILE)[:limit]
    if output.exists() and not output.is_dir():
        raise CelebAMaskError(f"output {output} exists and is not a folder; choose a folder")
    for split in SPLITS:
        for path in item_paths(output, split, 0):
            path.parent.mkdir(parents=True, exist_ok=True)

    summary = PrepareSummary(output, size)
    progress = Progress(len(rows), desc="CelebAMask-HQ")
    for idx, orig_idx in rows:
        split = split_of(orig_idx)
        paths = item_paths(output, split, idx)
        if _is_done(paths, size):
            summary.already_done[split] += 1
        else:
            try:
                image, label = _load_item(source, idx)
            except _ItemFailure as failure:
                log.warning("warning: skipped image %d: %s", idx, failure)
                summary.failed.append(Failure(idx, str(failure)))
                for path in paths:  # leftovers of an earlier, interrupted run
                    path.unlink(missing_ok=True)
            else:
                _write_item(paths, image, label, size)
                summary.written[split] += 1
        progress.update(1, failed=len(summary.failed))
    progress.close()

    write_manifest(
        output,
        {
            "size": size,
            "source": str(source.resolve()),
            "limit": limit,
            "counts": summary.counts(),
            "failures": [{"idx": f.idx, "reason": f.reason} for f in summary.failed],
        },
    )
    return summary
