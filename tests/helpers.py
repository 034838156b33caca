"""Plain helpers shared by test modules (fixtures live in conftest.py).

A separate module because ``from conftest import ...`` is ambiguous once
tests/in_krita/ has a conftest.py of its own.
"""

import os
from pathlib import Path

import torch

from maskgan.networks.generator import Generator, GeneratorConfig

REPO = Path(__file__).resolve().parents[1]


def reference_path() -> Path:
    """The repository's copy of the official generator fixture (made by tests/fixtures/make_official_fixture.py)."""
    return REPO / "tests" / "fixtures" / "official_maskgan_small.pt"


def tiny_generator(seed: int = 0, **overrides) -> Generator:
    """A small random generator for fast tests."""
    torch.manual_seed(seed)
    config = dict(ngf=8, n_downsample=3, n_blocks=1)
    config.update(overrides)
    return Generator(GeneratorConfig(**config)).eval()


def synthetic_photo(seed: int = 3, size: int = 96, canvas=(120, 160), offset=(10, 30)):
    """A synthetic face pasted into a larger, non-square photo: (image, source mask, edited mask)."""
    import numpy as np

    from maskgan.data.synthetic import sample

    face = sample(seed, size)
    image = np.full(canvas + (3,), 60, np.uint8)
    source = np.zeros(canvas, np.uint8)
    y, x = offset
    image[y : y + size, x : x + size] = face.image
    source[y : y + size, x : x + size] = face.label
    edited = source.copy()
    edited[y : y + size, x : x + size] = face.edited_label
    return image, source, edited


def require_parsing_extra() -> None:
    """Skip the calling test when the `parsing` extra is missing; fail instead when MASKGAN_REQUIRE_PARSING=1 (CI)."""
    import pytest

    from maskgan.parsing.landmarks import landmarks_available

    problems = [problem for problem in (landmarks_available(), _dlib_problem(), _sample_problem()) if problem]
    if not problems:
        return
    message = "the `parsing` extra is not installed: " + "; ".join(problems)  # each names the install command
    if os.environ.get("MASKGAN_REQUIRE_PARSING") == "1":
        pytest.fail(f"MASKGAN_REQUIRE_PARSING=1 but {message}")
    pytest.skip(message)


def _dlib_problem():
    from maskgan.parsing.identity import FaceEmbedder, IdentityError

    try:
        FaceEmbedder()
    except IdentityError as error:
        return str(error)
    return None


def _sample_problem():
    from maskgan.data.real_photos import astronaut_path

    try:
        astronaut_path()
    except FileNotFoundError as error:
        return str(error)
    return None


def assert_equal_up_to_batching(actual, expected, max_levels: int = 8, max_share: float = 0.002) -> None:
    """Images equal but for float rounding: the daemon runs same-size edits through one forward, whose
    convolutions sum in another order than a forward over one image, so a handful of pixels may differ
    by a few levels (more with random weights, whose normalisations amplify small differences)."""
    import numpy as np

    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    difference = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    differing = (difference > 0).any(axis=-1).mean()
    assert difference.max() <= max_levels and differing <= max_share, (
        f"max difference {difference.max()} levels, {100 * differing:.3f}% of the pixels differ"
    )
