"""Fixtures shared by the whole suite."""

import os
from pathlib import Path

import pytest
import torch

from maskgan.networks.generator import Generator, GeneratorConfig

REPO = Path(__file__).resolve().parents[1]


def reference_path() -> Path:
    """The official generator fixture: $MASKGAN_REFERENCE_DIR, else shared/reference beside the repository."""
    folder = Path(os.environ.get("MASKGAN_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
    return folder / "official_maskgan_small.pt"


@pytest.fixture(scope="session")
def official_reference() -> dict:
    path = reference_path()
    if not path.exists():
        pytest.fail(f"the official MaskGAN reference fixture is missing: looked for {path} (set MASKGAN_REFERENCE_DIR)")
    return torch.load(path, weights_only=True)


def tiny_generator(seed: int = 0, **overrides) -> Generator:
    """A small random generator for fast tests."""
    torch.manual_seed(seed)
    config = dict(ngf=8, n_downsample=3, n_blocks=1)
    config.update(overrides)
    return Generator(GeneratorConfig(**config)).eval()
