"""The daemon's face parser: chosen at start (kind and weights), loaded on the first `parse` request.

Loading is lazy because the landmark parser's models and a learned parser's
weights cost start-up time that editing never needs. A parser that cannot load
(extra not installed, bad weights) is remembered as such, so every `parse`
request gets the same clear 'unsupported' answer instead of a retry each time.
"""

from __future__ import annotations

from pathlib import Path

from maskgan.parsing import Parser, ParserError, load_parser
from maskgan.weights import WeightsError
from maskgan_daemon.ops import OpError


class ParserSlot:
    def __init__(self, kind: str = "auto", weights: Path | None = None, device: str = "cpu"):
        self.kind = kind
        self.weights = weights
        self.device = device
        self._parser: Parser | None = None
        self._problem: str | None = None

    def describe(self) -> dict:
        """What hello reports: the configured kind, the weights file, and the loaded parser's name once known."""
        return {
            "kind": self.kind,
            "weights": str(self.weights) if self.weights else None,
            "name": self._parser.name if self._parser else None,
            "problem": self._problem,
        }

    def get(self) -> Parser:
        if self._parser is None and self._problem is None:
            try:
                self._parser = load_parser(self.kind, self.weights, device=self.device)
            except (ParserError, WeightsError, FileNotFoundError) as error:
                self._problem = str(error)
        if self._parser is None:
            raise OpError(
                "unsupported",
                f"face parsing is not available: {self._problem}. "
                "Import a colour mask (official palette) for the photo instead",
            )
        return self._parser
