import numpy as np
import pytest
import torch

from maskgan import labels
from maskgan.labels import (
    CLASS_KEYS,
    NUM_CLASSES,
    PALETTE,
    MaskColorError,
    class_index,
    color_to_label,
    label_to_color,
    label_to_layers,
    layers_to_label,
    one_hot,
)


def all_classes_map(h=38, w=19):
    """A label map holding every class, in stripes, with a few random pixels."""
    rng = np.random.default_rng(3)
    label = (np.arange(w)[None, :].repeat(h, 0) % NUM_CLASSES).astype(np.uint8)
    label[rng.integers(0, h, 20), rng.integers(0, w, 20)] = rng.integers(0, 19, 20)
    return label


def test_official_order_and_palette():
    assert CLASS_KEYS[0] == "background" and CLASS_KEYS[13] == "hair" and CLASS_KEYS[18] == "cloth"
    assert len(CLASS_KEYS) == len(labels.CLASS_NAMES) == NUM_CLASSES == len(PALETTE)
    assert tuple(PALETTE[1]) == (204, 0, 0)
    assert tuple(PALETTE[4]) == (51, 51, 255)
    assert tuple(PALETTE[17]) == (255, 153, 51)
    assert len({tuple(c) for c in PALETTE}) == NUM_CLASSES


def test_class_index_accepts_keys_and_names():
    assert class_index("l_eye") == 4
    assert class_index("Upper lip") == 11
    with pytest.raises(ValueError, match="unknown class 'beard'"):
        class_index("beard")


def test_colour_round_trip_is_exact():
    label = all_classes_map()
    assert np.array_equal(color_to_label(label_to_color(label)), label)


def test_colour_mask_with_alpha_channel():
    label = all_classes_map()
    rgba = np.concatenate([label_to_color(label), np.full(label.shape + (1,), 255, np.uint8)], axis=2)
    assert np.array_equal(color_to_label(rgba), label)


def test_jpeg_like_noise_maps_to_nearest_class():
    label = all_classes_map()
    noisy = label_to_color(label).astype(int) + np.random.default_rng(0).integers(-9, 10, label.shape + (3,))
    assert np.array_equal(color_to_label(np.clip(noisy, 0, 255).astype(np.uint8)), label)


def test_antialiased_edge_goes_to_the_nearer_class():
    skin, hair = PALETTE[1].astype(float), PALETTE[13].astype(float)
    row = np.stack([np.round(skin * (1 - t) + hair * t) for t in (0.0, 0.2, 0.45, 0.55, 0.8, 1.0)])
    mask = row.astype(np.uint8)[None]
    assert color_to_label(mask)[0].tolist() == [1, 1, 1, 13, 13, 13]


def test_far_colours_are_named_with_counts():
    mask = label_to_color(np.ones((4, 5), np.uint8))
    mask[0, :3] = (128, 128, 128)
    mask[3, 4] = (250, 250, 250)
    with pytest.raises(MaskColorError) as info:
        color_to_label(mask)
    message = str(info.value)
    assert "4 pixels in 2 colours" in message
    assert "RGB(128, 128, 128) x3" in message and "RGB(250, 250, 250) x1" in message
    assert info.value.offending[0] == ((128, 128, 128), 3)


def test_colour_mask_shape_errors():
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        color_to_label(np.zeros((4, 4), np.uint8))


def test_label_map_validation():
    with pytest.raises(ValueError, match="found \\[19\\]"):
        label_to_color(np.full((2, 2), 19, np.uint8))
    with pytest.raises(ValueError, match="must be 2-D"):
        label_to_color(np.zeros((1, 2, 2), np.uint8))


def test_one_hot_matches_official_scatter():
    label = torch.from_numpy(all_classes_map()).float()[None, None].repeat(2, 1, 1, 1)
    official = torch.zeros(2, 19, *label.shape[2:]).scatter_(1, label.long(), 1.0)
    assert torch.equal(one_hot(label), official)
    assert torch.equal(one_hot(label[:, 0]), official)


def test_one_hot_numpy_agrees_with_torch():
    label = all_classes_map()
    assert np.array_equal(one_hot(label), one_hot(torch.from_numpy(label)[None]).numpy()[0])
    assert one_hot(label[None]).shape == (1, 19) + label.shape


def test_layers_round_trip_and_later_class_wins():
    label = all_classes_map()
    assert np.array_equal(layers_to_label(label_to_layers(label)), label)

    skin = np.zeros((3, 3), bool)
    skin[:, :] = True
    hair = np.zeros((3, 3), np.uint8)
    hair[0] = 255  # opaque alpha
    hair[1] = 100  # mostly transparent: not covered
    eye = np.zeros((3, 3), bool)
    eye[0, 0] = True
    merged = layers_to_label({"hair": hair, 1: skin, "l_eye": eye})
    assert merged.tolist() == [[13, 13, 13], [1, 1, 1], [1, 1, 1]]


def test_layers_errors():
    with pytest.raises(ValueError, match="differ in size"):
        layers_to_label({1: np.zeros((2, 2), bool), 2: np.zeros((3, 3), bool)})
    with pytest.raises(ValueError, match="no class layers"):
        layers_to_label({})
