"""Contact sheets of training data: ``write_contact_sheet(data_spec, output, count, size, seed)``.

Each sample is a row of captioned tiles: the image, its colour mask (official
palette) and, when the source has them, the edited mask and the ground-truth
edited image. Samples are laid out SAMPLES_PER_ROW to a row.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from maskgan.core.tensors import tensor_to_image
from maskgan.data.sources import SyntheticFaceDataset, open_dataset
from maskgan.imageio import save_png
from maskgan.labels import label_to_color

SAMPLES_PER_ROW = 2
CAPTION_HEIGHT = 14
GAP = 6  # between samples
BACKDROP = (32, 32, 32)


def _tiles(dataset, index: int) -> list[tuple[str, np.ndarray]]:
    """(caption, uint8 HxWx3) tiles of one sample."""
    if isinstance(dataset, SyntheticFaceDataset):
        face = dataset.sample(index)
        return [
            (f"face {dataset.seed_base + index}", face.image),
            ("mask", label_to_color(face.label)),
            (f"edit: {face.edit_kind}", label_to_color(face.edited_label)),
            ("edited (truth)", face.edited_image),
        ]
    item = dataset[index]
    tiles = [(f"item {index}", tensor_to_image(item["image"])), ("mask", label_to_color(item["label"].numpy()))]
    if "edited_label" in item:
        tiles.append(("edited mask", label_to_color(item["edited_label"].numpy())))
    if "edited_image" in item:
        tiles.append(("edited (truth)", tensor_to_image(item["edited_image"])))
    return tiles


def contact_sheet(samples: list[list[tuple[str, np.ndarray]]], per_row: int = SAMPLES_PER_ROW) -> np.ndarray:
    """uint8 sheet of captioned tile rows (all tiles the same size), ``per_row`` samples side by side."""
    tile_h, tile_w = samples[0][0][1].shape[:2]
    per_sample = max(len(tiles) for tiles in samples)
    columns = min(per_row, len(samples))
    rows = -(-len(samples) // columns)
    block_w, block_h = per_sample * tile_w + GAP, tile_h + CAPTION_HEIGHT + GAP
    sheet = Image.new("RGB", (columns * block_w - GAP, rows * block_h - GAP), BACKDROP)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for n, tiles in enumerate(samples):
        left, top = (n % columns) * block_w, (n // columns) * block_h
        for t, (caption, tile) in enumerate(tiles):
            x = left + t * tile_w
            sheet.paste(Image.fromarray(tile), (x, top + CAPTION_HEIGHT))
            draw.text((x + 2, top + 1), caption, fill=(235, 235, 235), font=font)
    return np.asarray(sheet)


def write_contact_sheet(
    data_spec: str, output: str | os.PathLike, count: int = 16, size: int = 256, seed: int = 0
) -> None:
    """Write a PNG of ``count`` samples of ``data_spec`` ('synthetic' or 'celebamask:PATH') from
    sample number ``seed`` on (the synthetic world's face seed, or a prepared item index)."""
    if count < 1:
        raise ValueError(f"a contact sheet needs at least one sample, got count {count}")
    if seed < 0:
        raise ValueError(f"the first sample number must be non-negative, got {seed}")
    dataset = open_dataset(data_spec, size, "train")
    end = min(seed + count, len(dataset))
    if end <= seed:
        raise ValueError(f"{data_spec} has {len(dataset)} items; nothing to show from item {seed} on")
    save_png(output, contact_sheet([_tiles(dataset, i) for i in range(seed, end)]))
