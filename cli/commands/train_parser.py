"""`maskgan train-parser`: train the face-parsing UNet, resume it, validate it and export it as a parser bundle.

  maskgan train-parser --run DIR [--data SPEC] [--sizes 96,128,...] [--steps N] [...] [--output BUNDLE]
  maskgan train-parser --run DIR --resume [--stop-at N] [--output BUNDLE]

Every training setting is an option named after its field of
maskgan.train.parser_training.ParserTrainConfig; docs/training.md lists them.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from maskgan_cli.errors import CommandError


def _sizes(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes are whole pixel counts separated by commas, like 96,256; got {text!r}"
        ) from None


# one option per field of ParserTrainConfig, (type, help); tests check the names and the defaults in the help
OPTIONS = {
    "data": (
        str,
        "'synthetic' or 'celebamask:PATH', a folder made by `maskgan data prepare-celebamask` (default synthetic)",
    ),
    "sizes": (
        _sizes,
        "training sizes in pixels, multiples of 16, comma-separated; step k trains at the k-th, "
        "cycling (default 96,96,96,256)",
    ),
    "base_channels": (int, "UNet width: channels of its first level; the official parser has 16 (default 8)"),
    "batch_size": (int, "images per step (default 8)"),
    "steps": (int, "length of the learning-rate schedule in steps (default 2400)"),
    "lr": (float, "peak learning rate of the one-cycle schedule, Adam (default 0.01)"),
    "class_weighting": (
        str,
        "sqrt_inverse (weigh thin classes up in the cross-entropy) or none (default sqrt_inverse)",
    ),
    "seed": (int, "initial weights and data order (default 0)"),
    "val_images": (int, "val-split images per size for the IoU at the end (default 100)"),
    "log_every": (int, "steps per metrics.jsonl line (default 10)"),
    "checkpoint_every": (int, "steps per checkpoint (default 250)"),
    "keep": (int, "checkpoints kept (default 2)"),
    "num_workers": (int, "DataLoader worker processes (default 1)"),
    "threads": (int, "CPU threads; 0: PyTorch's default (default 0)"),
    "device": (str, "auto (CUDA when present), cpu or cuda (default auto)"),
}
CHOICES = {"class_weighting": ("none", "sqrt_inverse"), "device": ("auto", "cpu", "cuda")}


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')}"


def add_commands(subparsers) -> None:
    command = subparsers.add_parser(
        "train-parser",
        help="train the face parser (the learned parser of `maskgan parse`)",
        description="Train the face-parsing UNet on the synthetic world or a prepared CelebAMask-HQ folder.",
    )
    command.add_argument("--run", type=Path, help="run folder (config, metrics, checkpoints, val.json); required")
    command.add_argument("--resume", action="store_true", help="continue the run folder from its latest checkpoint")
    command.add_argument("--stop-at", type=int, metavar="N", help="stop after step N (--resume goes on later)")
    command.add_argument(
        "--output",
        type=Path,
        metavar="BUNDLE",
        help="write the parser bundle (.safetensors, card beside it as .json) at the end",
    )
    for name, (kind, text) in OPTIONS.items():
        command.add_argument(_flag(name), type=kind, choices=CHOICES.get(name), help=text)
    command.set_defaults(func=_train_parser)


def _given(args) -> dict:
    return {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}


def _command_line(args, given: dict) -> str:
    from maskgan.train.parser_training import option_arguments

    parts = ["maskgan", "train-parser", "--run", str(args.run), *option_arguments(given)]
    parts += ["--resume"] if args.resume else []
    parts += ["--stop-at", str(args.stop_at)] if args.stop_at is not None else []
    parts += ["--output", str(args.output)] if args.output else []
    return shlex.join(parts)


def _config(args, given: dict):
    from dataclasses import replace

    from maskgan.train.parser_training import RUN_SETTINGS, ParserTrainConfig, check_fresh, config_from_json

    if not args.resume:
        check_fresh(args.run)
        config = ParserTrainConfig(**given)
        config.validate()
        return config
    path = args.run / "config.json"
    if not path.exists():
        raise CommandError(f"nothing to resume: {path} does not exist")
    fixed = [_flag(name) for name in given if name not in RUN_SETTINGS]
    if fixed:
        raise CommandError(
            f"--resume continues with the run's own config.json; drop {', '.join(fixed)} (only "
            f"{', '.join(map(_flag, RUN_SETTINGS))} may change on resume)"
        )
    return replace(config_from_json(path.read_text(), str(path)), **given)


def _train_parser(args) -> int:
    from maskgan.train.checkpoint import CheckpointError
    from maskgan.train.parser_export import export_parser
    from maskgan.train.parser_training import ParserTrainer
    from maskgan.train.trainer import TrainingError

    if args.run is None:
        raise CommandError("--run DIR is required: the folder for this run's config, metrics and checkpoints")
    if args.output is not None and args.output.suffix != ".safetensors":
        raise CommandError(f"--output must end in .safetensors, got {args.output.name}")
    if args.stop_at is not None and args.stop_at < 1:
        raise CommandError(f"--stop-at must be >= 1, got {args.stop_at}")
    given = _given(args)
    try:
        config = _config(args, given)
        trainer = ParserTrainer(config, args.run)
        if args.resume:
            trainer.resume()
        trainer.fit(args.stop_at, _command_line(args, given))
        if trainer.step < config.steps and args.output is None:
            print(f"stopped at step {trainer.step} of {config.steps}; `--resume` goes on")
            return 0
        network = trainer.inference_network()
        validation = trainer.validate(network)
        for size, result in validation.items():
            print(f"val mIoU at {size} px: {result['miou']:.4f} ({result['images']} images)")
        if args.output is not None:
            card = export_parser(trainer, network, validation, args.output)
            print(f"wrote {args.output} ({card['name']}, step {card['steps']})")
    except (ValueError, TrainingError, CheckpointError) as error:
        raise CommandError(str(error)) from error
    return 0
