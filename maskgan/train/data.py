"""Training data: the dataset named by the config, and a batch stream that resumes at any step.

The global stream of items is the concatenation of per-epoch shuffles of the
dataset (epoch e shuffled by numpy's SeedSequence of (seed, e)). Each step takes
the next ``world_size * batch_size`` positions; rank r takes its ``batch_size``
slice (a DistributedSampler that also resumes mid-epoch). The only state is the
position in that stream, which the checkpoint stores, so a resumed run sees the
same batches as an uninterrupted one, and a run resumed with another number of
processes goes on without repeating items.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler, default_collate

from maskgan.data.sources import open_dataset
from maskgan.train.config import DataConfig


class DataError(ValueError):
    """The training data cannot be opened; the message says why and what to do."""


def open_training_data(config: DataConfig, split: str = "train", **options) -> Dataset:
    """The dataset of ``config.spec`` at ``config.size``; ``options`` go to maskgan.data.sources.open_dataset."""
    spec = config.spec
    if spec.startswith("celebamask:"):
        folder = Path(spec.split(":", 1)[1])
        if not folder.is_dir():
            raise DataError(
                f"data.spec {spec!r}: no folder at {folder}. Prepare CelebAMask-HQ first with "
                f"`maskgan data prepare-celebamask CelebAMask-HQ/ {folder} --size {config.size}`, "
                "or train on 'synthetic'"
            )
    try:
        dataset = open_dataset(spec, config.size, split, **options)
    except (ValueError, FileNotFoundError, ImportError) as error:
        raise DataError(f"cannot open data.spec {spec!r} ({split} split): {error}") from error
    if len(dataset) == 0:
        raise DataError(f"data.spec {spec!r} has no items in its {split} split")
    return dataset


class StepBatchSampler(Sampler[list[int]]):
    """Endless batches of dataset indices for one rank, starting at stream ``position``."""

    def __init__(self, length: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1, position: int = 0):
        self.length, self.batch_size, self.seed = length, batch_size, seed
        self.rank, self.world_size, self.position = rank, world_size, position
        self._epoch, self._order = -1, np.empty(0, np.int64)

    @property
    def step_size(self) -> int:
        """Stream positions consumed by one step of all ranks."""
        return self.batch_size * self.world_size

    def _index(self, position: int) -> int:
        epoch, offset = divmod(position, self.length)
        if epoch != self._epoch:
            self._epoch = epoch
            self._order = np.random.default_rng([self.seed, epoch]).permutation(self.length)
        return int(self._order[offset])

    def __iter__(self) -> Iterator[list[int]]:
        position = self.position
        while True:
            first = position + self.rank * self.batch_size
            yield [self._index(p) for p in range(first, first + self.batch_size)]
            position += self.step_size

    def state_dict(self, steps_done: int) -> dict:
        """The stream position after ``steps_done`` more steps (the loader prefetches ahead of the trainer)."""
        return {"position": self.position + steps_done * self.step_size, "seed": self.seed}


def batch_loader(dataset: Dataset, sampler: StepBatchSampler, num_workers: int, pin_memory: bool) -> DataLoader:
    # A private generator for the workers' base seed: a DataLoader without one draws it
    # from the global RNG each time it starts, which would make a resumed run diverge.
    generator = torch.Generator().manual_seed(sampler.seed * 7919 + sampler.position + sampler.rank)
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        num_workers=num_workers,
        pin_memory=pin_memory,
        generator=generator,
    )


def fixed_batch(config: DataConfig, rows: int) -> dict[str, torch.Tensor]:
    """The first ``rows`` validation items, collated: the faces every sample grid shows."""
    dataset = open_training_data(config, "val")
    return default_collate([dataset[i] for i in range(min(rows, len(dataset)))])
