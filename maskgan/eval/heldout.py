"""The fixed held-out benchmark set: ``count`` (photo, user-like edit, exact ground truth) triples.

Item i is synthetic face ``EVAL_SEED_BASE + i``, the test split of
maskgan.data.sources: its photo and label map, the edit ``simulate_user_edit``
draws for it (grow, shrink or move a part, redraw the mouth, add or remove
glasses or a hat, longer or shorter hair, a brush stroke) and that edit rendered
in the same style, which is its exact ground truth. Everything follows from the
seed, so the set is the same on every machine and in every run.

Training reads the train split (faces from 0) and validation the val split (from
10,000,000); the test split starts at 20,000,000 and a set never reaches past it,
so no held-out face is trained on or used to choose a checkpoint
(tests/test_eval_synthetic.py checks the trainer's ranges against it).
"""

from __future__ import annotations

from dataclasses import dataclass

from maskgan.data.sources import EVAL_SEED_BASE, SPLIT_SPAN
from maskgan.data.synthetic import SyntheticSample, sample

DEFAULT_COUNT = 500
MIN_SIZE = 32  # the smallest synthetic face the world draws legibly (and the trainer accepts)


@dataclass(frozen=True)
class HeldOutSet:
    """``count`` held-out triples at ``size`` x ``size`` pixels."""

    size: int
    count: int = DEFAULT_COUNT

    def __post_init__(self):
        if not 1 <= self.count <= SPLIT_SPAN:
            raise ValueError(f"the held-out set holds 1 to {SPLIT_SPAN:,} triples (its seed range), got {self.count}")
        if self.size < MIN_SIZE:
            raise ValueError(f"the held-out faces need at least {MIN_SIZE} px, got {self.size}")

    @property
    def seeds(self) -> range:
        """The synthetic face seeds of the set, all inside the test split."""
        return range(EVAL_SEED_BASE, EVAL_SEED_BASE + self.count)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> SyntheticSample:
        if not 0 <= index < self.count:
            raise IndexError(f"triple {index} is outside this held-out set of {self.count}")
        return sample(EVAL_SEED_BASE + index, self.size)
