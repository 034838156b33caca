"""The floor's mask operations and tensor conversions (maskgan.core), against plain definitions."""

import numpy as np
import torch

from maskgan.core.masks import box_sum, dilate, mask_bounds
from maskgan.core.tensors import image_to_levels, image_to_tensor, levels_to_image, tensor_to_image, to_model_range


def square_max(mask: np.ndarray, radius: int) -> np.ndarray:
    """The definition: a pixel is set when any pixel within the (2r+1)^2 square around it is."""
    height, width = mask.shape
    out = np.zeros_like(mask, bool)
    for y in range(height):
        for x in range(width):
            out[y, x] = mask[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1].any()
    return out


def test_dilate_grows_by_the_square_up_to_the_borders():
    rng = np.random.default_rng(0)
    for height, width, density, radius in ((1, 1, 0.5, 3), (7, 13, 0.05, 1), (20, 9, 0.02, 4), (16, 16, 0.3, 20)):
        mask = rng.random((height, width)) < density
        assert np.array_equal(dilate(mask, radius), square_max(mask, radius))
    mask = np.zeros((5, 5), bool)
    mask[0, 4] = True  # a corner pixel reaches only into the photo
    assert dilate(mask, 1).sum() == 4


def test_dilate_by_nothing_is_a_boolean_copy():
    labels = np.array([[0, 3], [1, 0]], np.uint8)
    grown = dilate(labels, 0)
    assert grown.dtype == bool and grown.tolist() == [[False, True], [True, False]]
    same = np.array([[True, False]])
    assert dilate(same, 0) is not same


def test_box_sums_count_exactly_and_bounds_end_after_the_last_pixel():
    mask = np.zeros((6, 8), bool)
    mask[1:3, 2:7] = True
    assert box_sum(mask, 1)[2, 3] == 6 and box_sum(mask, 1)[5, 0] == 0 and box_sum(mask, 9).max() == 10
    assert mask_bounds(mask) == (2, 1, 7, 3)


def test_model_range_matches_the_official_normalisation_and_back():
    image = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) * 4
    x = image_to_tensor(image)
    assert x.shape == (3, 4, 5) and x.dtype == torch.float32
    assert torch.allclose(x, torch.from_numpy(image).permute(2, 0, 1).float() / 255 * 2 - 1, atol=1e-6)
    lost = image.astype(int) - tensor_to_image(x)  # the official uint8() truncates: at most one level, never more
    assert lost.min() == 0 and lost.max() == 1
    batch = to_model_range(torch.from_numpy(np.stack([image, 255 - image])))  # the parser's batches: (N, H, W, 3)
    assert batch.shape == (2, 3, 4, 5) and torch.equal(batch[0], x)
    assert tensor_to_image(torch.full((3, 1, 1), 7.0)).tolist() == [[[255, 255, 255]]]  # out of range: clamped


def test_levels_round_and_clip_on_the_way_back():
    image = np.array([[[0, 128, 255]]], np.uint8)
    image.setflags(write=False)  # photos may be read-only: the conversion copies
    x = image_to_levels(image)
    assert x.tolist() == [[[0.0]], [[128.0]], [[255.0]]]
    x[0] = -3.0
    x[1] = 127.6
    x[2] = 300.0
    assert levels_to_image(x).tolist() == [[[0, 128, 255]]]
