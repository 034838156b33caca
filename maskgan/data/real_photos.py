"""The real-photo sample: scikit-image's astronaut (Eileen Collins, NASA, public domain; 512x512 RGB).

It is read from the installed scikit-image (the `parsing` extra), so no photo of
unknown licence lives in this repository and nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from maskgan.core.extras import PARSING_INSTALL
from maskgan.imageio import load_rgb


def astronaut_path() -> Path:
    """Path of astronaut.png inside the installed scikit-image; FileNotFoundError naming the install command."""
    spec = importlib.util.find_spec("skimage")  # finds the files without importing scikit-image itself
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "data" / "astronaut.png"
        if path.is_file():
            return path
    where = f"not in {', '.join(folders)}" if folders else "scikit-image is not installed"
    raise FileNotFoundError(
        f"the real-photo sample astronaut.png comes with scikit-image ({where}); install the `parsing` extra: "
        f"{PARSING_INSTALL}"
    )


def load_astronaut() -> np.ndarray:
    """uint8 512x512x3 RGB of the astronaut photo."""
    return load_rgb(astronaut_path())
