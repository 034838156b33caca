"""The bundled demo sample: a synthetic portrait in a non-square photo, and an edit of its mask.

``demo_sample()`` builds it deterministically from a held-out (test) seed of the
synthetic face world, so its exact ground truth is known. The same arrays are
committed as PNGs in maskgan/assets/samples/ (photo, colour masks in the official
palette, ground truth), so that `maskgan demo` starts at once and people can try
`maskgan edit` or the Krita plug-in on them. ``python -m maskgan.infer.demo_samples``
rewrites the PNGs; tests/test_edit_cli.py checks they still equal ``demo_sample()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "assets" / "samples"
FILES = {  # DemoSample field -> file name
    "image": "photo.png",
    "source_mask": "photo.mask.png",
    "edited_mask": "photo.edited.png",
    "ground_truth": "photo.edited.truth.png",
}
RENDER_SIZE = 352
PHOTO_COLUMNS = slice(32, 320)  # a 352x288 portrait crop: real photos are rarely square


@dataclass
class DemoSample:
    image: np.ndarray  # uint8 HxWx3
    source_mask: np.ndarray  # uint8 HxW
    edited_mask: np.ndarray  # uint8 HxW: the same face with glasses added
    ground_truth: np.ndarray  # uint8 HxWx3: the exact rendering of the edited mask


def demo_sample() -> DemoSample:
    """Build the sample from the synthetic world (a few seconds)."""
    from maskgan.data.sources import SEED_BASES
    from maskgan.data.synthetic import render, sample_layout, sample_streams, sample_style
    from maskgan.data.synthetic_edit import add_glasses

    seed = SEED_BASES["test"] + 1  # a face without glasses
    layout_rng, style_rng, edit_rng = sample_streams(seed)
    label = sample_layout(layout_rng, RENDER_SIZE)
    style = sample_style(style_rng)
    edited = add_glasses(label, edit_rng)
    crop = (slice(None), PHOTO_COLUMNS)
    return DemoSample(
        image=np.ascontiguousarray(render(label, style)[crop]),
        source_mask=np.ascontiguousarray(label[crop]),
        edited_mask=np.ascontiguousarray(edited[crop]),
        ground_truth=np.ascontiguousarray(render(edited, style)[crop]),
    )


def write_demo_sample(folder: Path = SAMPLES_DIR) -> list[Path]:
    """Write the sample's PNGs into ``folder``; returns their paths."""
    from maskgan.imageio import save_mask, save_png

    sample = demo_sample()
    for field, name in FILES.items():
        array = getattr(sample, field)
        (save_mask if array.ndim == 2 else save_png)(folder / name, array)
    return [folder / name for name in FILES.values()]


def load_demo_sample(folder: Path = SAMPLES_DIR) -> DemoSample:
    """The committed sample, read from its PNGs."""
    from maskgan.imageio import load_mask, load_rgb

    return DemoSample(
        **{field: (load_mask if field.endswith("mask") else load_rgb)(folder / name) for field, name in FILES.items()}
    )


if __name__ == "__main__":
    for path in write_demo_sample():
        print(f"wrote {path}")
