"""The shared plug-in package's pixels.py: flattening, mask layers and label maps."""

import numpy as np
import pytest

from maskgan.labels import DEFAULT_COLOR_TOLERANCE, PALETTE, MaskColorError
from maskgan_plugin_common import pixels


def test_flatten_on_white():
    rgba = np.array([[[200, 100, 0, 255], [200, 100, 0, 0], [0, 0, 0, 128]]], np.uint8)
    assert pixels.flatten_on_white(rgba).tolist() == [[[200, 100, 0], [255, 255, 255], [127, 127, 127]]]


def test_colour_layer_transparent_is_background_and_edges_snap():
    label = np.array([[1, 1, 13, 13]], np.uint8)
    layer = pixels.label_to_colour_layer(label)
    layer[0, 1, :3] = (PALETTE[1] * 0.7 + PALETTE[13] * 0.3).astype(np.uint8)  # soft brush edge
    layer[0, 3, 3] = 0  # erased
    assert pixels.colour_layer_to_label(layer, DEFAULT_COLOR_TOLERANCE).tolist() == [[1, 1, 13, 0]]
    layer[0, 0, :3] = (128, 128, 128)
    with pytest.raises(MaskColorError, match="RGB\\(128, 128, 128\\) x1"):
        pixels.colour_layer_to_label(layer, DEFAULT_COLOR_TOLERANCE)


def test_class_layers_round_trip_later_class_wins():
    label = np.array([[0, 1, 2], [13, 17, 18]], np.uint8)
    alphas = {c: pixels.label_to_class_layer(label, c)[..., 3] for c in range(19)}
    assert np.array_equal(pixels.class_layers_to_label(alphas), label)
    alphas[1] = np.full((2, 3), 255, np.uint8)  # skin painted everywhere: later classes stay on top
    assert pixels.class_layers_to_label(alphas).tolist() == [[1, 1, 2], [13, 17, 18]]
