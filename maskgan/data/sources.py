"""Datasets that yield the item format of maskgan.data.items, chosen by a data spec string.

  open_dataset('synthetic', size, split)        -> SyntheticFaceDataset (image, label, edited_label, edited_image)
  open_dataset('celebamask:PATH', size, split)  -> PreparedCelebAMaskDataset (image, label)

Synthetic item i is face number ``seed_base + i`` (maskgan.data.synthetic.sample): it
depends on nothing else (no global RNG, no worker id), so any DataLoader worker
layout, order or repetition gives the same bytes.

Each split of the synthetic world owns a fixed range of SPLIT_SPAN face seeds:
  train  TRAIN_SEED_BASE = 0           faces 0 .. 9,999,999
  val    VAL_SEED_BASE   = 10,000,000  validation during training
  test   EVAL_SEED_BASE  = 20,000,000  the held-out benchmark set
A dataset never reaches past its range, so the benchmark faces are never trained on.
"""

from __future__ import annotations

from torch.utils.data import Dataset

from maskgan.data.items import make_item
from maskgan.data.synthetic import SyntheticSample, sample, sample_photo

SPLIT_SPAN = 10_000_000
TRAIN_SEED_BASE = 0
VAL_SEED_BASE = TRAIN_SEED_BASE + SPLIT_SPAN
EVAL_SEED_BASE = VAL_SEED_BASE + SPLIT_SPAN
SEED_BASES = {"train": TRAIN_SEED_BASE, "val": VAL_SEED_BASE, "test": EVAL_SEED_BASE}
DEFAULT_LENGTHS = {"train": SPLIT_SPAN, "val": 500, "test": 1000}


class SyntheticFaceDataset(Dataset):
    """``length`` synthetic faces from seed ``seed_base`` on, at ``size`` pixels."""

    def __init__(self, length: int, size: int = 256, seed_base: int = TRAIN_SEED_BASE, with_edit: bool = True):
        if length < 0 or seed_base < 0:
            raise ValueError(f"length and seed_base must be non-negative, got {length} and {seed_base}")
        self.length, self.size, self.seed_base, self.with_edit = length, size, seed_base, with_edit

    def __len__(self) -> int:
        return self.length

    def _seed(self, index: int) -> int:
        if not 0 <= index < self.length:
            raise IndexError(f"item {index} is outside this dataset of {self.length} synthetic faces")
        return self.seed_base + index

    def sample(self, index: int) -> SyntheticSample:
        """The raw numpy sample behind item ``index`` (with its edit kind and style)."""
        return sample(self._seed(index), self.size)

    def __getitem__(self, index: int) -> dict:
        if not self.with_edit:  # half the work: no edit to simulate and render
            return make_item(*sample_photo(self._seed(index), self.size))
        face = self.sample(index)
        return make_item(face.image, face.label, face.edited_label, face.edited_image)


def open_dataset(spec: str, size: int, split: str = "train", **options) -> Dataset:
    """The dataset a data spec names, at ``size`` pixels, for ``split`` ('train', 'val' or 'test').

    'synthetic' takes the options ``length`` (default DEFAULT_LENGTHS[split]) and
    ``with_edit`` (default True); 'celebamask:PATH' (a folder made by
    `maskgan data prepare-celebamask`) passes its options to PreparedCelebAMaskDataset.
    """
    if spec == "synthetic":
        if split not in SEED_BASES:
            raise ValueError(f"unknown split {split!r} of the synthetic world; use one of: {', '.join(SEED_BASES)}")
        unknown = set(options) - {"length", "with_edit"}
        if unknown:
            raise ValueError(
                f"the synthetic source takes the options length and with_edit, not {', '.join(sorted(unknown))}"
            )
        length = options.get("length", DEFAULT_LENGTHS[split])
        if not 0 <= length <= SPLIT_SPAN:
            raise ValueError(
                f"a synthetic {split} set holds at most {SPLIT_SPAN:,} faces (its seed range), got length {length}"
            )
        return SyntheticFaceDataset(length, size, SEED_BASES[split], options.get("with_edit", True))
    if spec.startswith("celebamask:"):
        root = spec.split(":", 1)[1]
        if not root:
            raise ValueError("'celebamask:' needs the prepared folder after the colon, as in celebamask:data/celeba")
        from maskgan.data.celebamask_hq import PreparedCelebAMaskDataset

        return PreparedCelebAMaskDataset(root, split=split, size=size, **options)
    raise ValueError(
        f"unknown data source {spec!r}: use 'synthetic' (procedural faces) or 'celebamask:PATH' "
        "(a folder made by `maskgan data prepare-celebamask`)"
    )
