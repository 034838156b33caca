"""The training loop: stages in order, console progress, metrics, sample grids, checkpoints, resume.

Run folder (written by rank 0 only):
  config.toml                 the full config of the run (every default spelled out)
  commands.txt                each command line that trained this run, one per session
  metrics.jsonl               one line per log.every steps: step, stage, each loss term
                              (mean over the steps since the line before and over the
                              replicas), learning rates, seconds (training wall time so far)
  samples/step_XXXXXX.png     sample grids (see sample_grid.py)
  checkpoints/step_XXXXXX.pt  + checkpoints/latest (see checkpoint.py)

A checkpoint holds networks, optimisers, schedules, the step, the data stream
position, and every replica's random state, so that a resumed run continues exactly
as an uninterrupted one. A loss that is not finite stops training before any weight
is updated with it; the checkpoints on disk are then all from earlier steps.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from maskgan.imageio import save_png
from maskgan.networks.perceptual import PerceptualLoss
from maskgan.progress import Progress
from maskgan.train.checkpoint import (
    capture_rng,
    checkpoint_name,
    latest_checkpoint,
    load_checkpoint,
    restore_rng,
    save_checkpoint,
)
from maskgan.train.config import TrainConfig, to_toml
from maskgan.train.data import StepBatchSampler, batch_loader, fixed_batch, open_training_data
from maskgan.train.distributed import DistContext, autocast, gather_objects, mean_over_replicas, setup, teardown
from maskgan.train.models import TrainingModels, load_initial_weights
from maskgan.train.run_folder import prepare_run_folder
from maskgan.train.sample_grid import sample_grid
from maskgan.train.schedule import TRAINED_IN, stage_at
from maskgan.train.stages import StageLosses


class TrainingError(RuntimeError):
    """Training cannot go on; the message says why and what is on disk."""


def stream_seed(*keys: int) -> int:
    """A well-mixed 63-bit seed for a tuple of keys (seed, rank, stream, step)."""
    return int(np.random.SeedSequence(list(keys)).generate_state(1, np.uint64)[0] >> np.uint64(1))


def trained_networks(stage: str) -> list[str]:
    return [name for name, stages in TRAINED_IN.items() if stage in stages]


class MetricsWindow:
    """Sums of loss values since the last metrics line."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0
        self.started = time.monotonic()

    def add(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + value
        self.count += 1

    def means(self) -> dict[str, float]:
        return {name: total / self.count for name, total in self.sums.items()}


class Trainer:
    def __init__(
        self, config: TrainConfig, run_dir: Path, context: DistContext | None = None, dataset: Dataset | None = None
    ):
        self.config = config
        self.run_dir = Path(run_dir)
        self.context = context or setup(config.run)
        self.dataset = dataset if dataset is not None else open_training_data(config.data)
        self.models = TrainingModels(config, self.context)
        self.rng = torch.Generator()
        self._seed_random_streams(step=0)
        weights = config.loss.perceptual_weights
        perceptual = PerceptualLoss.from_weights(weights) if weights else PerceptualLoss.offline()
        self.losses = StageLosses(
            self.models.networks,
            config.loss,
            config.ebst,
            perceptual.to(self.context.device),
            self.rng,
            autocast=lambda: autocast(self.context, config.run.precision),
        )
        self.step = 0
        self.position = 0  # of the data stream (data.py), over all replicas
        self.elapsed = 0.0  # training wall time, over all sessions
        self.learning_rates: dict[str, float] = {}
        self._sample_batch: dict[str, torch.Tensor] | None = None

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    @property
    def networks(self) -> dict[str, torch.nn.Module]:
        return self.models.networks

    def _seed_random_streams(self, step: int) -> None:
        """Per-process random streams (replicas draw different EBST alphas and noise): ours, torch's, numpy's, Python's."""
        seed, rank = self.config.run.seed, self.context.rank
        self.rng.manual_seed(stream_seed(seed, rank, 0, step))
        torch.manual_seed(stream_seed(seed, rank, 1, step))
        np.random.seed(stream_seed(seed, rank, 2, step) % 2**32)
        random.seed(stream_seed(seed, rank, 3, step))

    # --- checkpoints -------------------------------------------------------------------
    def save(self) -> Path:
        """Write a checkpoint of this step (every replica must call it: it gathers their random states)."""
        rng = gather_objects(capture_rng(self.rng, self.context.device), self.context)
        path = self.checkpoint_dir / checkpoint_name(self.step)
        if self.context.is_main:
            state = {
                "step": self.step,
                "elapsed_seconds": self.elapsed,
                "sampler": {"position": self.position},
                "rng": rng,
                "config": to_toml(self.config),
                **self.models.state_dict(),
            }
            save_checkpoint(self.checkpoint_dir, state, self.config.log.keep)
        return path

    def start_from_weights(self, path: str) -> None:
        """Fine-tuning: a fresh run's networks start from a weights bundle (every replica loads the same file)."""
        schedule = self.config.schedule
        load_initial_weights(
            self.networks, path, need_mask_vae=schedule.ebst_steps > 0 and schedule.mask_vae_steps == 0
        )
        self.say(f"starting from the weights in {path}")

    def resume(self, path: Path | None = None) -> None:
        """Continue from ``path``, or from the run's latest checkpoint."""
        path = path or latest_checkpoint(self.checkpoint_dir)
        if path is None:
            raise TrainingError(f"nothing to resume in {self.run_dir}: no checkpoints/latest")
        state = load_checkpoint(path)
        try:
            self.models.load_state_dict(state)
        except (KeyError, RuntimeError, ValueError) as error:
            raise TrainingError(f"{path} does not fit this config's networks: {error}") from None
        self.step, self.position, self.elapsed = state["step"], state["sampler"]["position"], state["elapsed_seconds"]
        rank, world = self.context.rank, self.context.world_size
        if len(state["rng"]) == world:
            restore_rng(state["rng"][rank], self.rng, self.context.device)
        else:  # another number of replicas: fresh per-process streams, still reproducible
            self._seed_random_streams(self.step)
            self.say(
                f"{path} was written by {len(state['rng'])} processes, this run has {world}: "
                "random streams restart from the seed (the run is no longer bit-identical to an uninterrupted one)"
            )

    # --- one step -------------------------------------------------------------------------
    def _finite_means(self, terms: dict[str, torch.Tensor], stage: str) -> dict[str, float]:
        stacked = torch.stack([value.detach().float() for value in terms.values()])
        values = dict(zip(terms, mean_over_replicas(stacked, self.context).tolist()))
        for name, value in values.items():
            if not math.isfinite(value):
                latest = latest_checkpoint(self.checkpoint_dir)
                kept = f"the last good checkpoint is {latest}" if latest else "no checkpoint had been written yet"
                raise TrainingError(
                    f"loss term '{name}' is {value} at step {self.step + 1} (stage {stage}); training stopped "
                    f"before updating any weight with it, and {kept}. Lower optim.lr or that term's weight, "
                    "check the data, then resume"
                )
        return values

    def train_step(self, batch: dict[str, torch.Tensor], stage: str) -> dict[str, float]:
        """One optimisation step of ``stage``; returns each loss term's value (mean over replicas)."""
        device = self.context.device
        batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
        self.models.zero_grad()
        losses = self.losses(stage, batch)
        values = self._finite_means(losses.named(), stage)
        self.learning_rates = self.models.learning_rates(trained_networks(stage))  # those this step uses
        sum(losses.generator.values()).backward()
        self.models.step([name for name in trained_networks(stage) if name != "discriminator"])
        if losses.discriminator:
            # the generator's backward went through the discriminator too: drop those gradients
            self.models.optimizers["discriminator"].zero_grad(set_to_none=True)
            sum(losses.discriminator.values()).backward()
            self.models.step(["discriminator"])
        self.step += 1
        self.position += self.config.data.batch_size * self.context.world_size
        return values

    # --- output -----------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if self.context.is_main:
            print(text, file=sys.stderr)

    def write_samples(self, stage: str) -> Path:
        if self._sample_batch is None:
            batch = fixed_batch(self.config.data, self.config.log.sample_rows)
            self._sample_batch = {key: value.to(self.context.device) for key, value in batch.items()}
        with autocast(self.context, self.config.run.precision):
            grid = sample_grid(self.networks, self._sample_batch, stage, self.config.ebst)
        path = self.run_dir / "samples" / f"step_{self.step:06d}.png"
        save_png(path, grid)
        return path

    def _prepare_run_folder(self, command: str) -> None:
        prepare_run_folder(self.run_dir, "config.toml", to_toml(self.config), command, self.step)

    def _write_metrics(self, window: MetricsWindow, stage: str) -> None:
        record = {
            "step": self.step,
            "stage": stage,
            **window.means(),
            **self.learning_rates,
            "seconds": round(self.elapsed, 3),
            "seconds_per_step": round((time.monotonic() - window.started) / window.count, 4),
        }
        with open(self.run_dir / "metrics.jsonl", "a") as handle:
            handle.write(json.dumps(record) + "\n")

    # --- the loop ---------------------------------------------------------------------------
    def fit(self, stop_at: int | None = None, command: str = "") -> None:
        """Train from the current step to ``stop_at`` (default: the end of the schedule)."""
        schedule, log, main = self.config.schedule, self.config.log, self.context.is_main
        total = schedule.total_steps
        stop = total if stop_at is None else min(stop_at, total)
        if self.step >= stop:
            self.say(f"{self.run_dir} is already at step {self.step}; nothing to train up to step {stop}")
            return
        if main:
            self._prepare_run_folder(command)
        sampler = StepBatchSampler(
            len(self.dataset),
            self.config.data.batch_size,
            self.config.run.seed,
            self.context.rank,
            self.context.world_size,
            self.position,
        )
        batches = iter(
            batch_loader(self.dataset, sampler, self.config.data.num_workers, self.context.device.type == "cuda")
        )
        progress = Progress(stop, "train", start=self.step) if main else None
        window, session_start, elapsed_before = MetricsWindow(), time.monotonic(), self.elapsed
        try:
            while self.step < stop:
                stage = stage_at(schedule, self.step)
                values = self.train_step(next(batches), stage)
                self.elapsed = elapsed_before + time.monotonic() - session_start
                window.add(values)
                stage_ends = self.step in (stop, total) or stage_at(schedule, self.step) != stage
                if main:
                    if progress.desc != f"train {stage}":
                        progress.desc = f"train {stage}"
                        progress.fields.clear()  # the previous stage's terms
                    progress.update(1, **values)
                    if self.step % log.every == 0 or stage_ends:
                        self._write_metrics(window, stage)
                    if self.step % log.sample_every == 0 or self.step == stop:
                        self.write_samples(stage)
                if self.step % log.every == 0 or stage_ends:
                    window = MetricsWindow()
                if self.step % log.checkpoint_every == 0 or self.step == stop:
                    self.save()
        finally:
            del batches  # stops the DataLoader's workers now, also after an error
            if progress is not None:
                progress.close()


def run_training(
    config: TrainConfig, run_dir: Path, *, resume: bool = False, stop_at: int | None = None, command: str = ""
) -> Trainer:
    """Set up this process (torchrun-aware), train, and leave the process group."""
    context = setup(config.run)
    try:
        trainer = Trainer(config, run_dir, context)
        if resume:
            trainer.resume()
            trainer.say(f"resuming {run_dir} at step {trainer.step}")
        elif latest_checkpoint(trainer.checkpoint_dir) is not None:
            raise TrainingError(
                f"{run_dir} already holds a training run; pass --resume to continue it, or choose another --run folder"
            )
        elif config.run.init_weights:
            trainer.start_from_weights(config.run.init_weights)
        trainer.fit(stop_at, command)
        return trainer
    finally:
        teardown(context)
