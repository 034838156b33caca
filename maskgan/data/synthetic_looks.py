"""Faces of the synthetic world that wear a part: the candidates of the built-in looks of weights trained on it.

Only weights trained on this world know its faces' styles, so only they have
built-in looks; ``Editor.load`` hands them ``wearers`` as their look book's
candidate source (maskgan.infer.looks ranks the candidates with the weights).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from maskgan.data.sources import TRAIN_SEED_BASE
from maskgan.data.synthetic import sample_label, sample_photo
from maskgan.labels import CLASS_NAMES

# A face must show the part with at least this share of its pixels (about the smallest
# earring the world draws) to serve as its look.
LOOK_MIN_SHARE = 0.0005
# Looks are searched among this many training faces; every part the world draws
# appears in well over the candidates a look book asks for.
LOOK_SEARCH_SPAN = 20_000


@lru_cache(maxsize=64)
def wearers(part: int, count: int, size: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """(image, label map) of the first ``count`` training faces that show ``part``, at ``size`` pixels."""
    found = []
    for seed in range(TRAIN_SEED_BASE, TRAIN_SEED_BASE + LOOK_SEARCH_SPAN):
        if np.count_nonzero(sample_label(seed, size) == part) >= LOOK_MIN_SHARE * size * size:
            found.append(sample_photo(seed, size))
            if len(found) == count:
                return tuple(found)
    raise ValueError(
        f"the synthetic world draws {CLASS_NAMES[part].lower()} on only {len(found)} of its first "
        f"{LOOK_SEARCH_SPAN:,} faces; give a reference photo instead"
    )
