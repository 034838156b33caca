"""The bundled demo sample: a synthetic portrait in a non-square photo, and an edit of its mask.

Built deterministically from the synthetic world's held-out (test) seeds, so it
ships as code, not as files, and its exact ground truth is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maskgan.data.sources import SEED_BASES
from maskgan.data.synthetic import render, sample_layout, sample_streams, sample_style
from maskgan.data.synthetic_edit import add_glasses

DEMO_SEED = SEED_BASES["test"] + 1  # a face without glasses
RENDER_SIZE = 352
PHOTO_COLUMNS = slice(32, 320)  # a 352x288 portrait crop: real photos are rarely square


@dataclass
class DemoSample:
    image: np.ndarray  # uint8 HxWx3
    source_mask: np.ndarray  # uint8 HxW
    edited_mask: np.ndarray  # uint8 HxW: the same face with glasses added
    ground_truth: np.ndarray  # uint8 HxWx3: the exact rendering of the edited mask


def demo_sample() -> DemoSample:
    layout_rng, style_rng, edit_rng = sample_streams(DEMO_SEED)
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
