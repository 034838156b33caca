"""Crop, resample and paste-back math: boxes, borders, exact untouched pixels, the 64 MP guard."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

from maskgan.core.framing import Framing, measure_framing
from maskgan.core.photo_checks import check_photo
from maskgan.infer import crop


def test_face_box_is_a_square_around_both_masks_with_margin():
    source = np.zeros((100, 200), np.uint8)
    edited = source.copy()
    source[20:40, 50:90] = 1  # 20 tall, 40 wide
    edited[45:50, 60:70] = 13  # the edit reaches lower
    box = crop.face_box(source, edited, margin=0.25)
    # rows 20..50 and columns 50..90: the longer side (40) grown by 25% on each side
    assert box == crop.Box(x0=40, y0=5, side=60)


def test_face_box_needs_a_face():
    blank = np.zeros((10, 10), np.uint8)
    with pytest.raises(ValueError, match="all background: there is no face to edit"):
        crop.face_box(blank, blank)


def test_crop_pads_past_the_border_by_edge_replication():
    image = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    box = crop.Box(-2, -1, 6)
    padded = crop._pad_to_box(image, box)
    assert padded.shape == (6, 6, 3)
    assert np.array_equal(padded[1:5, 2:6], image[:, :4])
    assert np.array_equal(padded[0, 0], image[0, 0]) and np.array_equal(padded[5, 5], image[3, 3])
    assert box.clipped(4, 5) == (0, 0, 4, 4)


def test_change_alpha_is_one_on_the_change_and_exactly_zero_far_away():
    source = np.zeros((60, 60), np.uint8)
    edited = source.copy()
    edited[30, 30] = 5
    alpha = crop.change_alpha(source, edited, grow=2, feather=4)
    assert alpha[28:33, 28:33].min() == 1.0
    assert alpha.max() == 1.0 and 0 < alpha[30, 38] < 1
    distance = np.maximum(np.abs(np.arange(60)[:, None] - 30), np.abs(np.arange(60)[None] - 30))
    assert (alpha[distance > 2 + 2 * 4] == 0).all()


def test_change_alpha_leaves_the_features_the_edit_does_not_involve():
    """Glasses drawn around an eye: skin and glasses pixels near them blend, the eye keeps the photo."""
    source = np.ones((60, 60), np.uint8)  # skin
    source[28:33, 28:33] = 4  # an eye
    edited = source.copy()
    edited[24:37, 24:37] = 3  # a lens around it
    edited[28:33, 28:33] = 4  # the eye on top, unchanged
    alpha = crop.change_alpha(source, edited, grow=2, feather=4)
    assert (alpha[28:33, 28:33] == 0).all()  # the eye is not involved: the photo stays
    assert (alpha[24:28, 24:37] == 1).all()  # the changed lens
    assert alpha[22, 30] == 1.0 and 0 < alpha[19, 30] < 1  # skin around it blends: skin is involved
    with_hair, with_mouth = source.copy(), source.copy()
    with_hair[40:, :] = 13
    with_mouth[40:, :] = 10
    # uninvolved large regions keep the soft band (a hard edge would show a seam); small features keep the photo
    assert (
        crop.change_alpha(with_hair, np.where(edited == 3, 3, with_hair), grow=2, feather=4)[40:43, 24:37] > 0
    ).all()
    assert (
        crop.change_alpha(with_mouth, np.where(edited == 3, 3, with_mouth), grow=2, feather=4)[40:43, 24:37] == 0
    ).all()


def test_composite_keeps_untouched_bytes_and_layer_transparent():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    generated = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    alpha = np.zeros((20, 30), np.float32)
    alpha[5:10, 5:10] = 1.0
    alpha[10, 5:10] = 0.5
    blended, layer = crop.composite(photo, generated, alpha)
    untouched = alpha == 0
    assert np.array_equal(blended[untouched], photo[untouched])
    assert (layer[untouched] == 0).all()
    assert np.array_equal(blended[5:10, 5:10], generated[5:10, 5:10])
    assert (layer[5:10, 5:10, 3] == 255).all() and (layer[10, 5:10, 3] == 128).all()


def test_photo_checks_name_the_problem():
    with pytest.raises(ValueError, match="must be uint8 HxWx3 RGB"):
        check_photo(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="masks must have the photo's size 4x3, got 5x3"):
        check_photo(np.zeros((3, 4, 3), np.uint8), np.zeros((3, 5), np.uint8))
    huge = np.lib.stride_tricks.as_strided(np.zeros(3, np.uint8), shape=(9000, 8000, 3), strides=(0, 0, 1))
    with pytest.raises(ValueError, match="72.0 megapixels; the limit is 64"):
        check_photo(huge)


def test_paste_back_on_the_change_window_equals_the_whole_box():
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)  # non-square, the box leaves it on the left
    source = np.zeros((300, 500), np.uint8)
    source[40:260, 0:200] = 1
    edited = source.copy()
    edited[100:120, 60:90] = 10
    box = crop.face_box(source, edited)
    assert box.x0 < 0
    generated = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    blended, layer = crop.paste_back(photo, source, edited, box, generated, grow=3, feather=5)
    # the same over the whole clipped box, the straightforward way
    x0, y0, x1, y1 = box.clipped(300, 500)
    alpha = crop.change_alpha(source[y0:y1, x0:x1], edited[y0:y1, x0:x1], 3, 5)
    full = np.zeros((300, 500), np.float32)
    full[y0:y1, x0:x1] = alpha
    assert np.array_equal(layer[..., 3], np.rint(full * 255).astype(np.uint8))
    assert np.array_equal(blended[full == 0], photo[full == 0]) and (layer[full == 0] == 0).all()
    upscaled = np.array(Image.fromarray(generated).resize((box.side, box.side), Image.BICUBIC))
    expected = upscaled[y0 - box.y0 : y1 - box.y0, x0 - box.x0 : x1 - box.x0]
    opaque = full[y0:y1, x0:x1] == 1
    assert opaque.any() and np.array_equal(layer[y0:y1, x0:x1][opaque, :3], expected[opaque])
    assert np.array_equal(blended[y0:y1, x0:x1][opaque], expected[opaque])


def test_paste_back_without_a_change_is_the_photo():
    photo = np.full((20, 30, 3), 7, np.uint8)
    mask = np.ones((20, 30), np.uint8)
    blended, layer = crop.paste_back(photo, mask, mask, crop.Box(0, 0, 30), np.zeros((32, 32, 3), np.uint8), 2, 4)
    assert np.array_equal(blended, photo) and not layer.any()


def test_window_labels_keep_classes_and_place_the_square():
    square = np.array([[1, 2], [3, 4]], np.uint8)
    box = crop.Box(-2, 0, 8)  # the square covers photo columns -2..5, rows 0..7
    labels = crop.window_labels(square, box, (0, 0, 6, 8))
    assert labels.shape == (8, 6)
    assert np.array_equal(labels[:4, :2], np.full((4, 2), 1)) and np.array_equal(labels[:4, 2:], np.full((4, 4), 2))
    assert np.array_equal(labels[4:, :2], np.full((4, 2), 3)) and np.array_equal(labels[4:, 2:], np.full((4, 4), 4))


def test_crop_of_a_non_square_photo_is_a_full_square_at_model_size():
    image = np.zeros((500, 300, 3), np.uint8)
    image[:, 299] = 200  # the right-most column is replicated past the border
    mask = np.zeros((500, 300), np.uint8)
    mask[380:500, 200:300] = 1
    box = crop.face_box(mask, mask)
    assert box.x0 + box.side > 300 and box.y0 + box.side > 500
    square = crop.crop_image(image, box, 64)
    assert square.shape == (64, 64, 3)
    assert (square[:, -3:] == 200).all()
    assert set(np.unique(crop.crop_mask(mask, box, 64))) == {0, 1}


def test_framed_box_puts_the_face_where_the_model_learnt_it():
    source = np.zeros((400, 400), np.uint8)
    source[100:180, 150:230] = 1  # skin: 80 px square, centre (190, 140)
    source[60:100, 140:240] = 13  # hair does not count towards the framing
    edited = source.copy()
    edited[150:160, 180:200] = 11  # the edit stays inside the framed box
    framing = Framing(face_side=0.4, center_x=0.5, center_y=0.6)
    box = crop.face_box(source, edited, framing=framing)
    assert box == crop.Box(x0=190 - 100, y0=140 - 120, side=200)


def test_framed_box_grows_to_hold_every_changed_pixel():
    source = np.zeros((400, 400), np.uint8)
    source[100:180, 150:230] = 1
    edited = source.copy()
    edited[300:330, 170:210] = 13  # hair drawn far below the framed box (which ends at y 220)
    box = crop.face_box(source, edited, framing=Framing(0.4, 0.5, 0.6))
    x0, y0, x1, y1 = box.corners()
    assert (x0, y0) <= (150, 20) and y1 >= 330 and x1 >= 230 and box.side == 330 - 20


def test_measure_framing_takes_medians_over_faces_and_refuses_none():
    maps = []
    for top in (10, 20, 30):
        label = np.zeros((100, 100), np.uint8)
        label[top : top + 40, 30:70] = 1
        maps.append(label)
    maps.append(np.zeros((100, 100), np.uint8))  # no face: skipped
    assert measure_framing(maps) == Framing(face_side=0.4, center_x=0.5, center_y=0.4)
    with pytest.raises(ValueError, match="none of the label maps shows a face"):
        measure_framing([np.zeros((8, 8), np.uint8)])


def test_photo_detail_returns_away_from_the_change_on_enlarged_output_only():
    rng = np.random.default_rng(0)
    photo = np.clip(128 + rng.normal(0, 20, (40, 40, 3)), 0, 255).astype(np.uint8)  # grain around grey
    flat = np.full((40, 40, 3), 128, np.uint8)  # what an enlarged generator output looks like: no grain
    changed = np.zeros((40, 40), bool)
    changed[15:25, 15:25] = True
    detailed = crop.with_photo_detail(flat, photo, changed, scale=3.0)
    assert np.array_equal(detailed[12:28, 12:28], flat[12:28, 12:28])  # the change and 3 px around it stay as drawn
    far = np.ones((40, 40), bool)
    far[12:28, 12:28] = False
    assert detailed[far].std() > 10  # the grain is back
    high_pass = photo.astype(float) - np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(1.5)), float)
    assert np.abs(detailed[far] - np.clip(np.rint(128 + high_pass[far]), 0, 255)).max() <= 1
    assert np.array_equal(crop.with_photo_detail(flat, photo, changed, scale=1.0), flat)  # drawn at photo scale
