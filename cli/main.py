"""`maskgan` command line: one entry point, one sub-command module per feature.

Each module in COMMAND_MODULES has ``add_commands(subparsers)``, which registers its
sub-commands and sets ``func`` (called with the parsed arguments, returns an exit
code). Modules import torch and other heavy libraries inside their functions so
that ``maskgan --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from maskgan import __version__
from maskgan_cli.errors import CommandError

COMMAND_MODULES = (
    "maskgan_cli.commands.data",
    "maskgan_cli.commands.install",
    "maskgan_cli.commands.weights",
    "maskgan_cli.commands.train",
    "maskgan_cli.commands.daemon",
    "maskgan_cli.commands.edit",
    "maskgan_cli.commands.style_copy",
    "maskgan_cli.commands.variants",
    "maskgan_cli.commands.interpolate",
    "maskgan_cli.commands.demo",
    "maskgan_cli.commands.batch",
    "maskgan_cli.commands.parse",
    "maskgan_cli.commands.align",
    "maskgan_cli.commands.train_parser",
    "maskgan_cli.commands.eval",
    "maskgan_cli.commands.bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maskgan",
        description="Edit faces through semantic masks (MaskGAN), from the command line, "
        "a local daemon, or editor plug-ins.",
    )
    parser.add_argument("--version", action="version", version=f"maskgan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as error:
        print(f"maskgan {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"maskgan {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
