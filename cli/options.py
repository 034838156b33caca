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
