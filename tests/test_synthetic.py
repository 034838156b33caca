"""The synthetic face world: determinism, class coverage, render locality, simulated edits."""

import numpy as np
import pytest

from maskgan.core.masks import dilate
from maskgan.data.synthetic import (
    EDIT_KINDS,
    influence_radius,
    render,
    sample,
    sample_layout,
    sample_streams,
    sample_style,
    simulate_user_edit,
)
from maskgan.data.synthetic_draw import Part
from maskgan.data.synthetic_edit import EDITS
from maskgan.data.synthetic_raster import box_blur, fill_from_neighbours
from maskgan.labels import NUM_CLASSES

SIZE = 64


@pytest.fixture(scope="module")
def layouts() -> list[np.ndarray]:
    return [sample_layout(np.random.default_rng(seed), SIZE) for seed in range(200)]


def test_same_seed_same_bytes_and_different_seeds_differ():
    a, b, c = sample(7, SIZE), sample(7, SIZE), sample(8, SIZE)
    for field in ("image", "label", "edited_label", "edited_image"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes(), field
    assert a.edit_kind == b.edit_kind
    assert a.image.tobytes() != c.image.tobytes()
    assert a.label.tobytes() != c.label.tobytes()


def test_sample_shapes_and_dtypes():
    face = sample(3, SIZE)
    assert face.image.shape == face.edited_image.shape == (SIZE, SIZE, 3)
    assert face.label.shape == face.edited_label.shape == (SIZE, SIZE)
    assert {a.dtype for a in (face.image, face.label, face.edited_label, face.edited_image)} == {np.dtype(np.uint8)}
    assert face.edit_kind in EDIT_KINDS


def test_layouts_use_all_classes_and_every_face_has_its_core_parts(layouts):
    seen = set()
    core = {Part.SKIN, Part.NOSE, Part.L_EYE, Part.R_EYE, Part.U_LIP, Part.L_LIP, Part.NECK}
    for seed, label in enumerate(layouts):
        assert label.dtype == np.uint8 and label.shape == (SIZE, SIZE)
        assert label.max() < NUM_CLASSES
        present = set(np.unique(label).tolist())
        assert core <= present, f"layout {seed} lacks {sorted(core - present)}"
        seen |= present
    assert seen == set(range(NUM_CLASSES))


def test_layout_is_left_right_plausible(layouts):
    """l_* parts (the person's left) on the image's right of their r_* twins, the face above the clothes."""
    compared = 0
    for label in layouts[:40]:
        for left, right in ((Part.L_EYE, Part.R_EYE), (Part.L_BROW, Part.R_BROW), (Part.L_EAR, Part.R_EAR)):
            xs_left, xs_right = np.nonzero(label == left)[1], np.nonzero(label == right)[1]
            if xs_left.size and xs_right.size:  # hair or a hat may hide a part
                assert xs_left.mean() > xs_right.mean()
                compared += 1
        assert np.nonzero(label == Part.SKIN)[0].mean() < np.nonzero(label == Part.CLOTH)[0].mean()
    assert compared > 80


def test_render_is_pure_and_does_not_touch_its_inputs():
    rng = np.random.default_rng(1)
    label, style = sample_layout(rng, SIZE), sample_style(rng)
    label_before, colours_before = label.copy(), style.colors.copy()
    first = render(label, style)
    assert render(label.copy(), style).tobytes() == first.tobytes()
    assert np.array_equal(label, label_before) and np.array_equal(style.colors, colours_before)


def test_render_textures_regions_instead_of_flat_fills():
    face = sample(5, 128)
    skin = face.image[face.label == Part.SKIN].astype(int)
    assert skin.std(axis=0).min() > 2.0  # shading and noise vary a class's colour


@pytest.mark.parametrize("size", [64, 96])
def test_rerendering_an_edit_changes_pixels_only_near_it(size):
    for seed in range(12):
        face = sample(seed, size)
        changed = face.label != face.edited_label
        near = dilate(changed, influence_radius(size))
        differs = (face.image != face.edited_image).any(-1)
        assert not (differs & ~near).any(), f"seed {seed} ({face.edit_kind}) changed pixels far from the edit"
        assert differs.any(), f"seed {seed}: the edit is invisible"


def test_a_painted_square_is_local_too():
    rng = np.random.default_rng(4)
    label, style = sample_layout(rng, 96), sample_style(rng)
    edited = label.copy()
    edited[40:50, 10:20] = Part.HAIR
    changed = edited != label
    differs = (render(label, style) != render(edited, style)).any(-1)
    assert not (differs & ~dilate(changed, influence_radius(96))).any()


def test_simulated_edits_always_change_the_mask(layouts):
    for seed, label in enumerate(layouts[:60]):
        edited, kind = simulate_user_edit(label, np.random.default_rng(seed))
        assert kind in EDIT_KINDS
        assert edited.dtype == np.uint8 and edited.shape == label.shape and edited.max() < NUM_CLASSES
        assert (edited != label).any(), f"layout {seed}: {kind} changed nothing"


def test_every_edit_kind_applies_to_some_layout(layouts):
    for kind, edit in EDITS.items():
        changed = [(edit(label, np.random.default_rng(i)) != label).any() for i, label in enumerate(layouts[:80])]
        assert any(changed), f"{kind} never changed any of 80 layouts"


def test_edit_kinds_do_what_they_say(layouts):
    def count(label, cls):
        return int((label == cls).sum())

    with_glasses = next(lab for lab in layouts if (lab == Part.EYE_G).any())
    removed = EDITS["remove_glasses"](with_glasses, np.random.default_rng(0))
    assert count(removed, Part.EYE_G) == 0
    eyes = np.isin(with_glasses, (Part.L_EYE, Part.R_EYE))
    assert np.array_equal(removed[eyes], with_glasses[eyes])  # the eyes behind the lenses stay

    bare = next(lab for lab in layouts if not (lab == Part.HAT).any())
    assert count(EDITS["add_hat"](bare, np.random.default_rng(0)), Part.HAT) > 0
    with_hat = next(lab for lab in layouts if (lab == Part.HAT).any())
    assert count(EDITS["remove_hat"](with_hat, np.random.default_rng(0)), Part.HAT) == 0
    assert count(EDITS["hair_longer"](bare, np.random.default_rng(0)), Part.HAIR) > count(bare, Part.HAIR)
    assert count(EDITS["hair_shorter"](bare, np.random.default_rng(0)), Part.HAIR) < count(bare, Part.HAIR)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="at least 32x32"):
        sample_layout(np.random.default_rng(0), 16)
    with pytest.raises(ValueError, match="must be 2-D"):
        render(np.zeros((8, 8, 3), np.uint8), sample_style(np.random.default_rng(0)))
    with pytest.raises(ValueError, match="non-negative integer"):
        sample_streams(-1)


def test_box_blur_matches_a_direct_window_mean():
    field = np.random.default_rng(0).random((20, 17)).astype(np.float32)
    radius = 3
    padded = np.pad(field, radius, mode="edge")
    direct = np.mean([padded[dy : dy + 20, dx : dx + 17] for dy in range(7) for dx in range(7)], axis=0)
    np.testing.assert_allclose(box_blur(field, radius), direct, atol=1e-5)


def test_fill_from_neighbours_takes_the_surrounding_class_and_respects_donors():
    label = np.zeros((9, 9), np.uint8)
    label[:, 5:] = 2
    label[3:6, 3:6] = 7
    hole = label == 7
    filled = fill_from_neighbours(label, hole)
    assert set(filled[hole].tolist()) == {0, 2}
    only_zero = fill_from_neighbours(label, hole, donors=label == 0)
    assert set(only_zero[hole].tolist()) == {0}
    assert np.array_equal(only_zero[~hole], label[~hole])
