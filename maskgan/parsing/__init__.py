"""Face parsing: a photo in, a label map in the official 19 classes out.

Two parsers share one interface (``Parser.parse``):

* ``learned``: a UNet compatible with the official face_parsing network
  (``maskgan.parsing.learned``), with imported official weights or weights we
  trained (``maskgan train-parser``); the shipped one is trained on the
  synthetic face world and is meant for synthetic faces and the benchmark.
* ``landmarks``: face landmarks and a person mask from models that ship inside
  PyPI packages (``pip install .[parsing]``), for real photos when no learned
  weights for photos are at hand (``maskgan.parsing.landmarks``).

``load_parser("auto")`` picks the best one available: learned weights that were
given, else the landmark parser when its extra is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

PARSER_KINDS = ("auto", "learned", "landmarks")


class ParserError(ValueError):
    """The photo cannot be parsed (no face, bad face index, parser unavailable); the message says what to do."""


@dataclass(frozen=True)
class FaceBox:
    """A face found in the photo, in pixels of the photo (right and bottom exclusive)."""

    left: int
    top: int
    right: int
    bottom: int
    score: float = 1.0

    @property
    def area(self) -> int:
        return max(0, self.right - self.left) * max(0, self.bottom - self.top)

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.right, self.bottom]


@dataclass
class ParseResult:
    labels: np.ndarray  # HxW uint8, the photo's size, official class ids (0 = background)
    parser: str  # which parser made it, e.g. "landmarks" or "learned (MaskGAN parser trained on synthetic)"
    faces: list[FaceBox]  # every face found, largest first
    face_index: int  # the one parsed (index into faces)
    unseen: tuple[str, ...] = ()  # class keys this parser never produces: the user paints them
    notes: list[str] = field(default_factory=list)  # anything the user should know (e.g. "2 faces found")

    def summary(self) -> dict:
        """Everything but the labels, as plain types: the daemon's `parse` result and what `maskgan parse` prints."""
        return {
            "parser": self.parser,
            "faces": [box.as_list() for box in self.faces],
            "face": self.face_index,
            "unseen": list(self.unseen),
            "notes": list(self.notes),
        }


class Parser(Protocol):
    name: str
    unseen: tuple[str, ...]

    def parse(self, image: np.ndarray, face: int = 0) -> ParseResult:
        """Parse face number ``face`` (0 = the largest) of an HxWx3 uint8 RGB photo."""


def load_parser(kind: str = "auto", weights: str | Path | None = None, device: str = "cpu") -> Parser:
    """The parser of that kind; ``weights`` is a learned-parser bundle (``learned`` without one uses the shipped
    synthetic-world parser). ParserError says what is missing when the kind cannot run here."""
    if kind not in PARSER_KINDS:
        raise ParserError(f"unknown parser {kind!r}; choose one of {', '.join(PARSER_KINDS)}")
    if kind == "learned" or (kind == "auto" and weights is not None):
        from maskgan.parsing.learned import LearnedParser

        return LearnedParser.from_bundle(weights, device=device)
    if weights is not None:
        raise ParserError("--parser-weights is for the learned parser; drop it or use --parser learned")
    from maskgan.parsing.landmarks import LandmarkParser, landmarks_available

    problem = landmarks_available()
    if problem:
        if kind == "landmarks":
            raise ParserError(problem)
        raise ParserError(
            f"no parser for photos is available: {problem}; or pass learned parser weights "
            "(`maskgan weights import-official-parser` makes them from the official face_parsing checkpoint)"
        )
    return LandmarkParser()
