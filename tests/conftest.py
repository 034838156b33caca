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


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A random-weight bundle of the real architecture at 64 px, for engine/daemon tests."""
    from maskgan.weights import save_bundle

    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_bundle(path, {"generator": tiny_generator(seed=1, n_downsample=4)}, {"name": "tiny random", "resolution": 64})
    return path


@pytest.fixture(scope="session")
def wheels(tmp_path_factory):
    """pyzmq/msgpack/numpy wheels for this Python, downloaded once per session (installer and Krita tests)."""
    from maskgan_installer.krita_install import download_wheels
    from maskgan_installer.krita_paths import current_python_version, wheel_platform_tags

    folder = tmp_path_factory.mktemp("wheels")
    download_wheels(folder, current_python_version(), wheel_platform_tags())
    return folder


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
