"""Datasets yielding the item format of maskgan.data.items, and the fixed seed ranges of the synthetic world.

Synthetic item i is face number ``seed_base + i``: it depends on nothing else
(no global RNG, no worker id), so any DataLoader worker layout gives the same data.
The ranges below never overlap, so the benchmark set is never trained on.
"""

from __future__ import annotations

from torch.utils.data import Dataset

from maskgan.data.items import make_item
from maskgan.data.synthetic import sample

TRAIN_SEED_BASE = 0  # training faces: 0 .. 9,999,999
VAL_SEED_BASE = 10_000_000  # validation during training
EVAL_SEED_BASE = 20_000_000  # held-out benchmark (maskgan eval synthetic)
SEED_BASES = {"train": TRAIN_SEED_BASE, "val": VAL_SEED_BASE, "eval": EVAL_SEED_BASE}


class SyntheticFaceDataset(Dataset):
    def __init__(self, length: int, size: int = 128, seed_base: int = TRAIN_SEED_BASE, with_edit: bool = True):
        self.length, self.size, self.seed_base, self.with_edit = length, size, seed_base, with_edit

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.length:
            raise IndexError(index)
        face = sample(self.seed_base + index, self.size)
        if not self.with_edit:
            return make_item(face.image, face.label)
        return make_item(face.image, face.label, face.edited_label, face.edited_image)


def open_dataset(spec: str, size: int, split: str = "train", length: int = 1_000_000) -> Dataset:
    """'synthetic' or 'celebamask:PATH' (a folder made by `maskgan data prepare-celebamask`)."""
    if spec == "synthetic":
        if split not in SEED_BASES:
            raise ValueError(f"unknown split {split!r} for the synthetic world; use one of {', '.join(SEED_BASES)}")
        return SyntheticFaceDataset(length, size, SEED_BASES[split])
    if spec.startswith("celebamask:"):
        from maskgan.data.celebamask_hq import PreparedCelebAMaskDataset

        return PreparedCelebAMaskDataset(spec.split(":", 1)[1], split=split, size=size)
    raise ValueError(f"unknown data source {spec!r}: use 'synthetic' or 'celebamask:PATH'")
