"""`maskgan train`: train MaskGAN (stages 1a, 1b and EBST), resume, and export the result as a bundle.

  maskgan train --config FILE.toml --run DIR [--resume] [--data SPEC] [--set K=V ...] [--steps N]
  maskgan train run ...            the same
  maskgan train export RUN OUT.safetensors [--checkpoint FILE]

Under torchrun (``torchrun --nproc_per_node=N -m maskgan_cli.torchrun -- --config ...``) every
process runs the same command; docs/training.md has the details.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from maskgan_cli.errors import CommandError


def _run_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--config", help="TOML config, or a built-in one: tiny, cpu_demo, demo, paper (default: built-in defaults)"
    )
    options.add_argument("--run", type=Path, help="run folder (config, metrics, samples, checkpoints); required")
    options.add_argument(
        "--resume", action="store_true", help="continue the run folder from its latest checkpoint, with its config.toml"
    )
    options.add_argument("--data", help="set data.spec: 'synthetic' or 'celebamask:PATH'")
    options.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a config key, e.g. model.generator.ngf=16 (repeatable)",
    )
    options.add_argument(
        "--steps", type=int, metavar="N", help="stop after global step N (default: the end of the schedule)"
    )
    return options


def add_commands(subparsers) -> None:
    options = _run_options()
    train = subparsers.add_parser(
        "train",
        parents=[options],
        help="train MaskGAN, or export a run (see docs/training.md)",
        description="Train MaskGAN: MaskVAE, Dense Mapping Network, then EBST.",
    )
    train.set_defaults(func=_run)
    sub = train.add_subparsers(dest="train_command", metavar="{run,export}")
    run = sub.add_parser("run", parents=[options], help="train (the same as plain `maskgan train`)")
    run.set_defaults(func=_run)
    export = sub.add_parser("export", help="write a run's weights as a bundle with its model card")
    export.add_argument("run_folder", type=Path, help="the run folder")
    export.add_argument("output", type=Path, help="the bundle to write (NAME.safetensors, plus NAME.json)")
    export.add_argument("--checkpoint", type=Path, help="export this checkpoint instead of the latest")
    export.set_defaults(func=_export)


def _command_line(args) -> str:
    """The command as it reproduces this session (launcher included under torchrun)."""
    parts = ["maskgan", "train"]
    for flag, value in (("--config", args.config), ("--run", args.run), ("--data", args.data), ("--steps", args.steps)):
        if value is not None:
            parts += [flag, str(value)]
    parts += [item for override in args.set for item in ("--set", override)]
    parts += ["--resume"] if args.resume else []
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        local = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
        # "--": torchrun would read our --run as an abbreviation of its own --run-path
        parts = [
            "torchrun",
            f"--nnodes={world // local}",
            f"--nproc_per_node={local}",
            "-m",
            "maskgan_cli.torchrun",
            "--",
        ] + parts[2:]
    return shlex.join(parts)


def _run(args) -> int:
    from maskgan.train.checkpoint import CheckpointError
    from maskgan.train.config import load_config
    from maskgan.train.trainer import TrainingError, run_training

    if args.run is None:
        raise CommandError("--run DIR is required: the folder for this run's config, metrics, samples and checkpoints")
    config_path = args.config
    if args.resume:
        if config_path is not None:
            raise CommandError(
                "--resume continues with the run's own config.toml; drop --config (use --set to change keys)"
            )
        config_path = args.run / "config.toml"
        if not config_path.exists():
            raise CommandError(f"nothing to resume: {config_path} does not exist")
    overrides = list(args.set) + ([f"data.spec={args.data}"] if args.data else [])
    try:
        config = load_config(config_path, overrides)
        run_training(config, args.run, resume=args.resume, stop_at=args.steps, command=_command_line(args))
    except (ValueError, TrainingError, CheckpointError) as error:
        raise CommandError(str(error)) from error
    return 0


def _export(args) -> int:
    from maskgan.train.checkpoint import CheckpointError
    from maskgan.train.export import export_run

    try:
        card = export_run(args.run_folder, args.output, args.checkpoint)
    except (ValueError, CheckpointError) as error:
        raise CommandError(str(error)) from error
    print(f"wrote {args.output} ({card['name']}, step {card['steps']})")
    return 0
