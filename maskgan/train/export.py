"""A run folder's checkpoint -> the weights bundle the product loads, with its model card.

The bundle holds each network of generator, mask_vae and blender that the run has
trained for at least one step or started from (a fine-tuning run's run.init_weights
bundle: a generator fine-tuned alone keeps that bundle's MaskVAE and blender); the
discriminator is for training only. The card records how the weights were made: data, steps, wall time, the run's full config
(TOML text), the command lines that trained it, the command that reproduces it, the
last logged metrics of each stage, and the framing of the training faces (where the
face sits in the image), which the Editor's crop copies.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from maskgan import __version__
from maskgan.core.framing import Framing, measure_framing
from maskgan.data.sources import open_dataset
from maskgan.train.checkpoint import latest_checkpoint, load_checkpoint
from maskgan.train.config import config_from_toml
from maskgan.train.models import build_networks
from maskgan.train.schedule import network_steps, stage_at
from maskgan.weights import WeightsError, read_card, save_bundle

SHIPPED = ("generator", "mask_vae", "blender")


class ExportError(ValueError):
    """The run cannot be exported (yet); the message says why."""


def _metrics_per_stage(run_dir: Path, step: int) -> dict[str, dict]:
    """The last metrics line of each stage, up to ``step``."""
    path = run_dir / "metrics.jsonl"
    last: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["step"] <= step:
                last[record["stage"]] = record
    return last


FRAMING_SAMPLES = 256


def training_framing(config) -> Framing:
    """Where faces sit in the run's training images (median of the first FRAMING_SAMPLES), for the Editor's crop."""
    dataset = open_dataset(config.data.spec, config.data.size, "train")
    count = min(FRAMING_SAMPLES, len(dataset))
    return measure_framing(dataset[i]["label"].numpy() for i in range(count))


def _init_card(init_weights: str) -> dict | None:
    """The card of the bundle a fine-tuning run started from; None for a run from random weights."""
    if not init_weights:
        return None
    try:
        return read_card(init_weights)
    except (WeightsError, FileNotFoundError) as error:
        raise ExportError(
            f"the run started from run.init_weights {init_weights}, which cannot be read now ({error}); "
            "put that bundle back to export the networks it gave the run"
        ) from None


# What a lineage entry keeps of an ancestor's card: enough to train it again and to know what it was.
LINEAGE_FIELDS = (
    "name",
    "resolution",
    "training_data",
    "steps",
    "network_steps",
    "processes",
    "train_seconds",
    "command",
    "reproduce",
    "train_config",
    "tensors_sha256",
)


def _lineage(init_card: dict, init_path: str) -> list[dict]:
    """The ancestors of a run that started from ``init_card``, oldest first, the start bundle last."""
    own = {field: init_card[field] for field in LINEAGE_FIELDS if field in init_card}
    return [*init_card.get("lineage", []), {"path": init_path, **own}]


def export_run(run_dir: str | Path, output: str | Path, checkpoint: str | Path | None = None) -> dict:
    """Write the bundle of ``checkpoint`` (default: the run's latest) to ``output``; returns its card."""
    run_dir = Path(run_dir)
    path = Path(checkpoint) if checkpoint else latest_checkpoint(run_dir / "checkpoints")
    if path is None:
        raise ExportError(f"{run_dir} has no checkpoint to export (no checkpoints/latest)")
    state = load_checkpoint(path)
    config = config_from_toml(state["config"], f"the config inside {path}")
    step = state["step"]
    steps = {name: network_steps(config.schedule, name, step) for name in SHIPPED}
    init_card = _init_card(config.run.init_weights)
    started_from = set(init_card["networks"]) if init_card else set()
    shipped = [name for name in SHIPPED if steps[name] or name in started_from]
    if "generator" not in shipped:  # a MaskVAE fine-tuning ships the generator it started from
        raise ExportError(
            f"{path} is from step {step}, before the generator's first training step "
            f"(step {config.schedule.mask_vae_steps + 1}); train further, then export"
        )
    networks = build_networks(config)
    for name in shipped:
        networks[name].load_state_dict(state["networks"][name])
    processes = len(state["rng"])
    launcher = f"torchrun --nproc_per_node={processes} -m maskgan_cli.torchrun --" if processes > 1 else "maskgan train"
    commands = run_dir / "commands.txt"
    card = {
        "name": f"MaskGAN trained on {config.data.spec} ({config.data.size} px, generator ngf {config.model.generator.ngf})",
        "resolution": config.data.size,
        "training_data": config.data.spec,
        "steps": step,
        "stage": stage_at(config.schedule, step - 1),
        "network_steps": {name: count for name, count in steps.items() if count},
        "processes": processes,
        "train_seconds": round(state["elapsed_seconds"], 1),
        "metrics": _metrics_per_stage(run_dir, step),
        "command": commands.read_text().splitlines() if commands.exists() else [],
        "reproduce": f"write train_config to config.toml, then: {launcher} --config config.toml "
        f"--run {shlex.quote(str(run_dir))}-again --steps {step}",
        "train_config": state["config"],
        "maskgan_version": __version__,
        "framing": training_framing(config).as_dict(),
    }
    if init_card:
        card["init_weights"] = {"path": config.run.init_weights, "tensors_sha256": init_card["tensors_sha256"]}
        card["lineage"] = _lineage(init_card, config.run.init_weights)
    return save_bundle(output, {name: networks[name].eval() for name in shipped}, card)
