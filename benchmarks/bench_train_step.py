"""Where a training step's time goes: the data loader alone, and train_step on a batch already on the device.

For each batch size it prints the seconds per step of each stage with the batch
held on the device (the networks' own speed), and the loader's samples/s with the
config's workers (how fast the data can come). A run is data-bound where the
loader's samples/s is below batch_size / seconds-per-step.

  python benchmarks/bench_train_step.py --config demo [--set run.device=cuda ...] \
      [--batch-sizes 16,32,64] [--workers 12] [--steps 20] [--loader-batches 30]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from maskgan.train.config import load_config
from maskgan.train.data import StepBatchSampler, batch_loader
from maskgan.train.trainer import Trainer


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds_per_step(trainer: Trainer, batch: dict, stage: str, steps: int) -> float:
    for _ in range(3):  # warm-up: allocator, cuDNN algorithm choice
        trainer.train_step(batch, stage)
    synchronize(trainer.context.device)
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(batch, stage)
    synchronize(trainer.context.device)
    return (time.perf_counter() - start) / steps


def loader_samples_per_second(trainer: Trainer, batches: int) -> float:
    data = trainer.config.data
    sampler = StepBatchSampler(len(trainer.dataset), data.batch_size, seed=0)
    stream = iter(batch_loader(trainer.dataset, sampler, data.num_workers, pin_memory=False))
    next(stream)  # workers started
    start = time.perf_counter()
    for _ in range(batches):
        next(stream)
    return batches * data.batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="demo")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--batch-sizes", default="16,32,64")
    parser.add_argument("--workers", type=int, help="loader workers (default: the config's)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per stage")
    parser.add_argument("--loader-batches", type=int, default=30)
    args = parser.parse_args()

    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        overrides = [*args.set, f"data.batch_size={batch_size}"]
        if args.workers is not None:
            overrides.append(f"data.num_workers={args.workers}")
        config = load_config(args.config, overrides)
        with tempfile.TemporaryDirectory() as run_dir:
            trainer = Trainer(config, Path(run_dir))
            sampler = StepBatchSampler(len(trainer.dataset), batch_size, seed=0)
            batch = next(iter(batch_loader(trainer.dataset, sampler, 0, pin_memory=False)))
            batch = {key: value.to(trainer.context.device) for key, value in batch.items()}
            timings = {
                stage: seconds_per_step(trainer, batch, stage, args.steps) for stage in ("mask_vae", "dmn", "ebst")
            }
            loader = loader_samples_per_second(trainer, args.loader_batches)
        steps = "  ".join(
            f"{stage} {seconds:.4f} s/step ({batch_size / seconds:.0f} samples/s)" for stage, seconds in timings.items()
        )
        print(
            f"batch {batch_size:>3} on {trainer.context.device}: {steps}  |  loader with "
            f"{config.data.num_workers} workers {loader:.0f} samples/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
