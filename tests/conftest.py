"""Fixtures shared by the whole suite."""

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import reference_path, tiny_generator


@pytest.fixture(scope="session", autouse=True)
def own_user_folders(tmp_path_factory):
    """The user's settings file and weights folder (maskgan.user_config) never reach a test: the session has empty ones."""
    folder = tmp_path_factory.mktemp("user")
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CONFIG_HOME", str(folder / "config"))
    patch.setenv("XDG_DATA_HOME", str(folder / "data"))
    yield folder
    patch.undo()


@pytest.fixture(scope="session")
def official_reference() -> dict:
    """The official generator fixture (tests/fixtures/make_official_fixture.py), its one-hot inputs unpacked."""
    fixture = torch.load(reference_path(), weights_only=True)
    inputs = fixture["inputs"]
    for name in ("input_label_onehot", "input_label_ref_onehot"):
        shape = inputs.pop(name + "_shape")
        bits = np.unpackbits(inputs.pop(name + "_bits").numpy(), count=int(np.prod(shape)))
        inputs[name] = torch.from_numpy(bits.reshape(shape).astype(np.float32))
    inputs["label"], inputs["label_ref"] = inputs["label"].float(), inputs["label_ref"].float()
    return fixture


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
    from maskgan_installer.krita_paths import current_python_version, wheel_platform_tags
    from maskgan_installer.vendor import download_wheels

    folder = tmp_path_factory.mktemp("wheels")
    download_wheels(folder, current_python_version(), wheel_platform_tags())
    return folder
