"""Training of the face-parsing UNet (`maskgan train-parser`): data, loop, checkpoints, resume, validation.

Run folder:
  config.json                 the run's ParserTrainConfig (a resumed run reads it back)
  commands.txt                the command line of each session of the run
  metrics.jsonl               one line per log_every steps: step, loss (mean since the
                              line before), lr, seconds (training wall time so far), seconds_per_step
  checkpoints/step_XXXXXX.pt  + checkpoints/latest (maskgan.train.checkpoint)
  val.json                    IoU per class on the val split at every training size, at the end

Sizes: step k trains on one batch at ``sizes[k % len(sizes)]`` pixels. Synthetic faces
are rendered at that size (so the parser learns the renders it will meet, not resized
ones); prepared CelebAMask-HQ items are resized to it. The data stream and its
resumable position are maskgan.train.data's; nothing in a step is random (no
dropout, no augmentation), so a resumed run is the uninterrupted one step for step.
Loss: per-pixel cross-entropy, optionally weighted per class (``class_weighting =
"sqrt_inverse"``: sqrt(mean frequency / frequency of the class), capped at
MAX_CLASS_WEIGHT, frequencies from the first CLASS_FREQUENCY_ITEMS training items),
which lifts thin classes (brows, lips, earrings, necklaces). Adam with a one-cycle
learning rate (warm-up over the first WARMUP_FRACTION of the steps, cosine down to ~0).

The network trains with plain batch norm. The network that is validated and
exported (``inference_network``) has the trained weights and batch-norm statistics
measured afresh at each training size over the first NORM_ITEMS training items
("precise BN": a cumulative average, not the training's moving one); trained on
several sizes, it keeps one set per size (ParserUNetConfig.norm_sizes).
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from maskgan.core.iou import IoUCounter
from maskgan.core.precision import choose_device
from maskgan.labels import NUM_CLASSES
from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig, check_parser_size, norm_layers
from maskgan.progress import Progress
from maskgan.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from maskgan.train.config import DataConfig
from maskgan.train.data import StepBatchSampler, batch_loader, open_training_data
from maskgan.train.run_folder import prepare_run_folder
from maskgan.train.trainer import MetricsWindow, TrainingError

CLASS_WEIGHTINGS = ("none", "sqrt_inverse")
MAX_CLASS_WEIGHT = 10.0
CLASS_FREQUENCY_ITEMS = 64
WARMUP_FRACTION = 0.15
NORM_ITEMS = 128  # training items per size over which the exported batch-norm statistics are measured
# settings that change how a run trains, never what it computes: a resumed run may change them
RUN_SETTINGS = ("val_images", "log_every", "checkpoint_every", "keep", "num_workers", "threads", "device")


@dataclass
class ParserTrainConfig:
    data: str = "synthetic"  # 'synthetic' or 'celebamask:PATH' (a prepared folder)
    # step k trains at sizes[k % len]: three steps at 96 px (cheap) for each at 256 px (7x the pixels)
    sizes: list[int] = field(default_factory=lambda: [96, 96, 96, 256])
    base_channels: int = 8  # the official parser has 16
    batch_size: int = 8
    steps: int = 2400  # length of the learning-rate schedule
    lr: float = 1e-2  # peak of the one-cycle schedule
    class_weighting: str = "sqrt_inverse"  # or 'none'
    seed: int = 0  # initial weights and data order
    val_images: int = 100  # per size, for the final IoU
    log_every: int = 10
    checkpoint_every: int = 250
    keep: int = 2
    num_workers: int = 1
    threads: int = 0  # CPU threads; 0: PyTorch's default
    device: str = "auto"

    def validate(self) -> None:
        """Raise ParserTrainingError naming the first setting that cannot work."""
        problems = []
        if not self.sizes:
            problems.append("sizes must name at least one size")
        for size in self.sizes:
            try:
                check_parser_size(size, size)
            except ValueError:
                problems.append(f"every size must be a multiple of 16, got {size}")
        if self.class_weighting not in CLASS_WEIGHTINGS:
            problems.append(
                f"class_weighting must be one of {', '.join(CLASS_WEIGHTINGS)}, got {self.class_weighting!r}"
            )
        positive = ("base_channels", "batch_size", "steps", "log_every", "checkpoint_every", "keep")
        problems += [f"{name} must be >= 1, got {getattr(self, name)}" for name in positive if getattr(self, name) < 1]
        if not self.lr > 0:
            problems.append(f"lr must be > 0, got {self.lr}")
        if min(self.val_images, self.num_workers, self.threads) < 0:
            problems.append("val_images, num_workers and threads must be >= 0")
        try:
            choose_device(self.device)
        except ValueError as error:
            problems.append(str(error))
        if problems:
            raise ParserTrainingError(problems[0])


class ParserTrainingError(ValueError):
    """A parser training setting or run folder that cannot be used; the message says what to do."""


def option_arguments(values: dict) -> list[str]:
    """The `maskgan train-parser` options that set ``values`` (field name -> value; each field is its own --flag)."""
    arguments = []
    for name, value in values.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        arguments += [f"--{name.replace('_', '-')}", text]
    return arguments


def config_from_json(text: str, source: str) -> ParserTrainConfig:
    try:
        values = json.loads(text)
    except ValueError as error:
        raise ParserTrainingError(f"{source} is not valid JSON ({error})") from None
    known = {f.name for f in fields(ParserTrainConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParserTrainingError(
            f"{source}: unknown settings {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    config = ParserTrainConfig(**values)
    config.validate()
    return config


# --- data ---------------------------------------------------------------------------------
class MultiSizeDataset(Dataset):
    """Items {image, label} keyed by (size, index): one dataset of the spec per size."""

    def __init__(self, spec: str, sizes: list[int], split: str):
        options = {"with_edit": False} if spec == "synthetic" else {}
        self.datasets = {size: open_training_data(DataConfig(spec=spec, size=size), split, **options) for size in sizes}

    def __len__(self) -> int:
        return len(next(iter(self.datasets.values())))

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        size, index = key
        item = self.datasets[size][index]
        return {"image": item["image"], "label": item["label"]}


class SizedBatches(StepBatchSampler):
    """The batches of the data stream as (size, index) keys: step k (from the stream position) at sizes[k % len(sizes)]."""

    def __init__(self, length: int, batch_size: int, seed: int, sizes: list[int], position: int = 0):
        super().__init__(length, batch_size, seed, position=position)
        self.sizes = sizes

    def __iter__(self):
        for step, batch in enumerate(super().__iter__(), self.position // self.step_size):
            size = self.sizes[step % len(self.sizes)]
            yield [(size, index) for index in batch]


def class_frequencies(dataset: MultiSizeDataset, size: int, items: int = CLASS_FREQUENCY_ITEMS) -> torch.Tensor:
    counts = torch.zeros(NUM_CLASSES, dtype=torch.float64)
    for index in range(min(items, len(dataset))):
        counts += torch.bincount(dataset[size, index]["label"].reshape(-1), minlength=NUM_CLASSES).double()
    return counts / counts.sum()


def sqrt_inverse_weights(frequencies: torch.Tensor) -> torch.Tensor:
    """Per-class loss weights sqrt(mean frequency / frequency), capped; classes never seen get weight 1."""
    present = frequencies > 0
    weights = torch.ones(NUM_CLASSES, dtype=torch.float64)
    weights[present] = (frequencies[present].mean() / frequencies[present]).sqrt().clamp(max=MAX_CLASS_WEIGHT)
    return weights.float()


# --- training -----------------------------------------------------------------------------
class ParserTrainer:
    def __init__(self, config: ParserTrainConfig, run_dir: Path):
        config.validate()
        self.config = config
        self.run_dir = Path(run_dir)
        self.device = torch.device(choose_device(config.device))
        if config.threads:
            torch.set_num_threads(config.threads)
        self.dataset = MultiSizeDataset(config.data, sorted(set(config.sizes)), "train")
        torch.manual_seed(config.seed)
        self.network = ParserUNet(ParserUNetConfig(base_channels=config.base_channels)).to(self.device)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=config.lr)
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=config.lr, total_steps=config.steps, pct_start=WARMUP_FRACTION
        )
        self.class_weights = None
        if config.class_weighting == "sqrt_inverse":
            self.class_weights = sqrt_inverse_weights(class_frequencies(self.dataset, config.sizes[0])).to(self.device)
        self.step, self.elapsed = 0, 0.0

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    @property
    def position(self) -> int:
        """Of the training data stream (maskgan.train.data): items consumed so far."""
        return self.step * self.config.batch_size

    # --- checkpoints ----------------------------------------------------------------------
    def save(self) -> Path:
        state = {
            "step": self.step,
            "elapsed_seconds": self.elapsed,
            "config": json.dumps(asdict(self.config)),
            "network": self.network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
        }
        return save_checkpoint(self.checkpoint_dir, state, self.config.keep)

    def resume(self) -> None:
        path = latest_checkpoint(self.checkpoint_dir)
        if path is None:
            raise ParserTrainingError(f"nothing to resume in {self.run_dir}: no checkpoints/latest")
        state = load_checkpoint(path)
        if "network" not in state:
            raise ParserTrainingError(f"{path} is a checkpoint of `maskgan train`, not of `maskgan train-parser`")
        self.network.load_state_dict(state["network"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.elapsed = state["step"], state["elapsed_seconds"]

    # --- the loop -------------------------------------------------------------------------
    def train_step(self, batch: dict[str, torch.Tensor]) -> float:
        images, labels = batch["image"].to(self.device), batch["label"].to(self.device)
        self.network.train()
        loss = F.cross_entropy(self.network(images), labels, weight=self.class_weights)
        if not math.isfinite(loss.item()):
            latest = latest_checkpoint(self.checkpoint_dir)
            kept = f"the last good checkpoint is {latest}" if latest else "no checkpoint had been written yet"
            raise TrainingError(
                f"the loss is {loss.item()} at step {self.step + 1}; training stopped before updating "
                f"the weights with it, and {kept}. Lower --lr, check the data, then --resume"
            )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return loss.item()

    def fit(self, stop_at: int | None = None, command: str = "") -> None:
        """Train from the current step to ``stop_at`` (default: the end of the schedule)."""
        config = self.config
        stop = config.steps if stop_at is None else min(stop_at, config.steps)
        self._prepare_run_folder(command)  # also for a session that only validates and exports: the card lists it
        if self.step >= stop:
            print(f"{self.run_dir} is already at step {self.step}; nothing to train up to step {stop}", file=sys.stderr)
            return
        sampler = SizedBatches(len(self.dataset), config.batch_size, config.seed, config.sizes, self.position)
        batches = iter(batch_loader(self.dataset, sampler, config.num_workers, self.device.type == "cuda"))
        progress = Progress(stop, "train-parser", start=self.step)
        window, session_start, elapsed_before = MetricsWindow(), time.monotonic(), self.elapsed
        try:
            while self.step < stop:
                learning_rate = self.scheduler.get_last_lr()[0]
                loss = self.train_step(next(batches))
                self.elapsed = elapsed_before + time.monotonic() - session_start
                window.add({"loss": loss})
                progress.update(1, loss=loss)
                if self.step % config.log_every == 0 or self.step == stop:
                    self._write_metrics(window, learning_rate)
                    window = MetricsWindow()
                if self.step % config.checkpoint_every == 0 or self.step == stop:
                    self.save()
        finally:
            del batches  # stops the DataLoader's workers now, also after an error
            progress.close()

    def _prepare_run_folder(self, command: str) -> None:
        prepare_run_folder(
            self.run_dir, "config.json", json.dumps(asdict(self.config), indent=1) + "\n", command, self.step
        )

    def _write_metrics(self, window: MetricsWindow, learning_rate: float) -> None:
        record = {
            "step": self.step,
            **window.means(),
            "lr": learning_rate,
            "seconds": round(self.elapsed, 3),
            "seconds_per_step": round((time.monotonic() - window.started) / window.count, 4),
        }
        with open(self.run_dir / "metrics.jsonl", "a") as handle:
            handle.write(json.dumps(record) + "\n")

    # --- the network to ship ---------------------------------------------------------------
    @torch.no_grad()
    def inference_network(self) -> ParserUNet:
        """The trained weights with batch-norm statistics measured at each training size, in eval mode."""
        sizes = sorted(set(self.config.sizes))
        config = ParserUNetConfig(base_channels=self.config.base_channels, norm_sizes=sizes if len(sizes) > 1 else [])
        network = ParserUNet(config).to(self.device)
        shared = {k: v for k, v in self.network.state_dict().items() if "running_" not in k and "num_batches" not in k}
        network.load_state_dict(shared, strict=False)
        probe = copy.deepcopy(self.network).train()
        sources, targets = norm_layers(probe), norm_layers(network)
        count, batch = min(NORM_ITEMS, len(self.dataset)), self.config.batch_size
        for size in sizes:
            for norm in sources:
                norm.reset_running_stats()
                norm.momentum = None  # a cumulative average over every batch
            for first in range(0, count, batch):
                keys = [(size, i) for i in range(first, min(first + batch, count))]
                probe(torch.stack([self.dataset[key]["image"] for key in keys]).to(self.device))
            for source, target in zip(sources, targets):
                if len(sizes) > 1:
                    target.set_statistics(size, source.running_mean, source.running_var)
                else:
                    target.load_state_dict(source.state_dict())
        return network.eval()

    # --- validation -----------------------------------------------------------------------
    @torch.no_grad()
    def validate(self, network: ParserUNet) -> dict[str, dict]:
        """IoU per class of ``network`` on the first val_images items of the val split, at each training size;
        writes val.json."""
        results = {}
        network.eval()
        for size in sorted(set(self.config.sizes)):
            dataset = MultiSizeDataset(self.config.data, [size], "val")
            counter = IoUCounter()
            keys = [(size, index) for index in range(min(self.config.val_images, len(dataset)))]
            for first in range(0, len(keys), 16):
                items = [dataset[key] for key in keys[first : first + 16]]
                images = torch.stack([item["image"] for item in items]).to(self.device)
                counter.add(network(images).argmax(1), torch.stack([item["label"] for item in items]))
            results[str(size)] = {"images": len(keys), **counter.summary()}
        (self.run_dir / "val.json").write_text(json.dumps(results, indent=1) + "\n")
        return results


def check_fresh(run_dir: Path) -> None:
    if latest_checkpoint(Path(run_dir) / "checkpoints") is not None:
        raise ParserTrainingError(
            f"{run_dir} already holds a training run; pass --resume to continue it, or choose another --run folder"
        )
