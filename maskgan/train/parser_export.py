"""A trained parser -> a parser bundle (maskgan.weights) with its model card.

The card says how the weights were made and how well they parse: data, sizes,
steps, training wall time, the run's config, the validation IoU per class at each
training size, the command lines that trained the run and the command that trains
the same weights again. Its ``resolution`` and ``native_sizes`` tell the learned
parser at which size to parse a photo (maskgan.parsing.learned.working_size).
"""

from __future__ import annotations

import shlex
from dataclasses import asdict
from pathlib import Path

from maskgan import __version__
from maskgan.networks.parser_unet import ParserUNet
from maskgan.train.parser_training import NORM_ITEMS, ParserTrainer, option_arguments
from maskgan.weights import save_bundle


def parser_card(trainer: ParserTrainer, validation: dict, output: Path) -> dict:
    config, run_dir = trainer.config, trainer.run_dir
    sizes = sorted(set(config.sizes))
    commands = run_dir / "commands.txt"
    reproduce = [
        "maskgan",
        "train-parser",
        "--run",
        f"{run_dir}-again",
        *option_arguments(asdict(config)),
        "--output",
        str(output),
    ]
    card = {
        "name": f"MaskGAN face parser trained on {config.data} ({'/'.join(map(str, sizes))} px, "
        f"base channels {config.base_channels})",
        "resolution": sizes[-1],
        "training_data": config.data,
        "steps": trainer.step,
        "train_seconds": round(trainer.elapsed, 1),
        "validation": validation,
        "norm_statistics": f"batch-norm statistics measured at each training size over the first {NORM_ITEMS} "
        "training items, after training",
        "class_weights": None
        if trainer.class_weights is None
        else [round(w, 4) for w in trainer.class_weights.tolist()],
        "command": commands.read_text().splitlines() if commands.exists() else [],
        "reproduce": shlex.join(reproduce) + ("" if trainer.step == config.steps else f" --stop-at {trainer.step}"),
        "train_config": asdict(config),
        "maskgan_version": __version__,
    }
    if len(sizes) > 1:  # trained on several sizes: parse photos at their own size within that range
        card["native_sizes"] = [sizes[0], sizes[-1]]
    return card


def export_parser(trainer: ParserTrainer, network: ParserUNet, validation: dict, output: str | Path) -> dict:
    """Write ``network`` (trainer.inference_network()) and its card to ``output`` (NAME.safetensors + NAME.json)."""
    output = Path(output)
    return save_bundle(output, {"parser": network.eval()}, parser_card(trainer, validation, output))
