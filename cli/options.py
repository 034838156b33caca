"""Option types shared by the commands: the CLI takes what the daemon takes, and says so before any work."""

from __future__ import annotations

import argparse


def ranged(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``, else a one-line usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def protocol_option(parser, flag: str, arg, help: str, default=None) -> None:
    """``flag`` taking what the daemon takes for ``arg`` (a maskgan_client.protocol.Arg): its range or choices,
    and its default unless ``default`` is given; the help ends with them."""
    default = arg.default if default is None else default
    if arg.choices:
        parser.add_argument(flag, default=default, choices=list(arg.choices), help=help)
    else:
        parser.add_argument(
            flag,
            type=ranged(arg.low, arg.high),
            default=default,
            help=f"{help}, {arg.low}..{arg.high} (default {default})",
        )


# maskgan.core.precision's DEVICES and PRECISIONS, written here so that `maskgan --help` need not import torch
# (tests/test_protocol.py checks that they agree)
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")


def device_option(parser) -> None:
    parser.add_argument("--device", default="auto", choices=DEVICES)


def precision_option(parser, help: str | None = None) -> None:
    parser.add_argument("--precision", default="auto", choices=PRECISIONS, help=help)
