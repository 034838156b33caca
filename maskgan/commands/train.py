"""`maskgan train`: train MaskGAN, resume, and export the result as a weights bundle."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from maskgan.cli import CommandError


def add_commands(subparsers) -> None:
    train = subparsers.add_parser("train", help="train the generator (see docs/training.md)")
    train.add_argument("--config", type=Path, help="TOML config (default: built-in defaults)")
    train.add_argument("--run", type=Path, required=True, help="run folder (config, metrics, samples, checkpoints)")
    train.add_argument("--resume", action="store_true", help="continue from the run folder's latest checkpoint")
    train.add_argument("--data", help="override data.spec: 'synthetic' or 'celebamask:PATH'")
    train.add_argument("--steps", type=int, help="override run.steps (total steps, counting resumed ones)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key, e.g. model.generator.ngf=16")
    train.add_argument("--export", type=Path, metavar="OUT.safetensors", help="after training, write the weights bundle here")
    train.set_defaults(func=_train)


def _train(args) -> int:
    from maskgan.train.config import ConfigError, load_config
    from maskgan.train.export import export_bundle
    from maskgan.train.trainer import Trainer, TrainingError

    overrides = list(args.set)
    if args.data:
        overrides.append(f'data.spec="{args.data}"')
    if args.steps is not None:
        overrides.append(f"run.steps={args.steps}")
    if args.resume and args.config is None and (args.run / "config.toml").exists():
        args.config = args.run / "config.toml"
    try:
        config = load_config(args.config, overrides)
        trainer = Trainer(config, args.run)
        if args.resume:
            trainer.load_checkpoint()
            print(f"resuming {args.run} at step {trainer.step}")
        trainer.fit()
    except (ConfigError, TrainingError, ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if args.export:
        command = "maskgan " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        export_bundle(trainer, args.export, command)
        print(f"wrote {args.export}")
    return 0
