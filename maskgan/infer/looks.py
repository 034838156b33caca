"""Looks of added parts: how a part that the photo lacks (new glasses, a hat) is drawn.

The style encoder pools the whole reference photo into one AdaIN vector, so a
photo without glasses says nothing about glasses: the generator draws new ones in
the average of every pair it was trained on, a faint grey blur. A look is a
reference face that wears the part: the added part's pixels are rendered in that
face's style, everything else in the photo's own (the official behaviour).

Where the looks come from:
  * a reference photo and its mask, given by the user (any weights);
  * look k >= 1: a candidate face that wears the part, from the candidate source
    the look book is given: for weights trained on the synthetic world, the faces
    of its training split (maskgan.data.synthetic_looks; procedural, nothing to
    download), handed over by Editor.load; other weights have none.
    The first LOOK_CANDIDATES such faces are ranked by how faithfully the weights
    draw the part on the face itself (Editor._part_clarity: a frame kept apart from
    its lenses, a hat kept its colour), since a look the weights reproduce faintly
    gives faint new glasses; look 1 is the most faithful, and each next look the most
    faithful of those whose colour differs from all before it (distinct_first);
  * look 0: none, the photo's own style for every part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from maskgan.labels import CLASS_NAMES, class_index

AUTO_LOOK = -1  # look 1 for weights trained on the synthetic world, else look 0
MAX_LOOK = 16
LOOK_CANDIDATES = 2 * MAX_LOOK
# Only what a person wears takes a look: nothing in a photo without glasses tells
# their colour, while new brows, lips or hair follow the person's own colouring,
# which the photo's style holds.
WORN_PARTS = tuple(class_index(key) for key in ("eye_g", "hat", "ear_r", "neck_l", "cloth"))
# A part counts as added when the source crop shows less than this share of what
# the edited crop shows: a parser's stray pixels (the learned parser marks some
# glasses around the bare eyes of the demo photo) say nothing about its look, while
# a part already worn and reshaped keeps the photo's style.
ADDED_SHARE = 1 / 3
REFERENCE_MIN_PIXELS = 4  # a reference face must show a part with at least this many pixels to serve as its look
DISTINCT_COLOUR = 40.0  # RGB distance of a part's mean colour from every better-ranked look, for a look to lead


@dataclass(frozen=True, eq=False)
class Reference:
    """A face whose style draws added parts: uint8 HxWx3 image and HxW label map of the same size."""

    image: np.ndarray
    mask: np.ndarray


def check_look(look: int) -> int:
    if isinstance(look, bool) or not isinstance(look, (int, np.integer)) or not AUTO_LOOK <= look <= MAX_LOOK:
        raise ValueError(
            f"look must be an integer from 0 (the photo's own style) to {MAX_LOOK}, "
            f"or {AUTO_LOOK} (automatic), got {look!r}"
        )
    return int(look)


def added_parts(source_crop: np.ndarray, edited_crop: np.ndarray) -> list[int]:
    """Worn parts the edited crop draws that the source crop lacks (so the photo cannot tell their look)."""
    parts = []
    for part in WORN_PARTS:
        drawn = np.count_nonzero(edited_crop == part)
        if drawn and np.count_nonzero(source_crop == part) < ADDED_SHARE * drawn:
            parts.append(part)
    return parts


def part_names(parts) -> str:
    return ", ".join(CLASS_NAMES[p].lower() for p in parts)


def check_reference_wears(reference_mask: np.ndarray, parts: list[int]) -> None:
    missing = [p for p in parts if np.count_nonzero(reference_mask == p) < REFERENCE_MIN_PIXELS]
    if missing:
        raise ValueError(
            f"the reference face shows no {part_names(missing)}, which the edit adds: give a reference "
            f"that wears every added part, or leave the reference out to use the built-in looks"
        )


def _colour(reference: Reference, part: int) -> np.ndarray:
    return reference.image[reference.mask == part].astype(np.float32).mean(axis=0)


def distinct_first(ranked: list[Reference], part: int) -> list[Reference]:
    """``ranked`` reordered so that each look's part differs in mean colour by DISTINCT_COLOUR from every look
    before it, while such a candidate remains (best-ranked first); the near-duplicates follow in rank order.
    A docker offering look 1 and look 2 should offer two looks, not one twice."""
    chosen, rest = [], []
    for reference in ranked:
        colour = _colour(reference, part)
        if all(np.linalg.norm(colour - _colour(c, part)) >= DISTINCT_COLOUR for c in chosen):
            chosen.append(reference)
        else:
            rest.append(reference)
    return chosen + rest


# candidates(part, count, size): (image, label map) of ``count`` faces that show ``part``, at ``size`` pixels
CandidateSource = Callable[[int, int, int], Sequence[tuple[np.ndarray, np.ndarray]]]


class LookBook:
    """The built-in looks of one model: per part, the faces ``candidates`` gives, ranked by
    ``clarity(references, part)`` (a score each)."""

    def __init__(self, size: int, clarity: Callable[[list[Reference], int], list[float]], candidates: CandidateSource):
        self.size = size
        self.clarity = clarity
        self.candidates = candidates
        self._ranked: dict[int, list[Reference]] = {}

    def look(self, part: int, look: int) -> Reference:
        """Look ``look`` (1..MAX_LOOK) of ``part``: the look-th most faithfully drawn candidate face."""
        if not 1 <= look <= MAX_LOOK:
            raise ValueError(f"built-in looks are numbered 1 to {MAX_LOOK}, got {look}")
        if part not in self._ranked:
            candidates = [Reference(image, mask) for image, mask in self.candidates(part, LOOK_CANDIDATES, self.size)]
            scores = self.clarity(candidates, part)
            self._ranked[part] = distinct_first([candidates[i] for i in np.argsort(scores, kind="stable")[::-1]], part)
        return self._ranked[part][look - 1]

    def ranked(self, part: int) -> bool:
        """Whether ``part``'s looks are ranked already (else the first ``look`` of it renders every candidate)."""
        return part in self._ranked
