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

COMMAND_MODULES = (
    "maskgan.commands.data",
    "maskgan.commands.install",
    "maskgan.commands.weights",
    "maskgan.commands.train",
    "maskgan.commands.daemon",
    "maskgan.commands.edit",
    "maskgan.commands.demo",
    "maskgan.commands.batch",
    "maskgan.commands.parse",
    "maskgan.commands.align",
    "maskgan.commands.train_parser",
    "maskgan.commands.eval",
)


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit code 2, no traceback."""


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
