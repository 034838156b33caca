"""CelebA-HQ alignment (maskgan.infer.align, maskgan.infer.face_points) on faces drawn with known geometry.

A face is drawn as polygons in canonical coordinates, then turned, scaled and
shifted by a known similarity, so the square the alignment should find is known
exactly; landmarks come from the mask alone (no parsing extra needed).
"""

import numpy as np
import pytest
from drawn_faces import (
    CANONICAL_CENTRE,
    CANONICAL_SIDE,
    EYES,
    MOUTH_CENTRE,
    MOUTH_HALF_WIDTH,
    draw_face,
    face_photo,
    similarity,
)
from PIL import Image, ImageFilter

from maskgan.infer import align, crop
from maskgan.infer.face_points import MASK, FacePoints, NoFace, mask_faces, points_from_mask
from maskgan.labels import class_index


def expected_square(angle, scale, shift) -> align.AlignedSquare:
    to_photo = similarity(angle, scale, shift)
    a = np.radians(angle)
    half = CANONICAL_SIDE / 2 * scale
    return align.AlignedSquare(tuple(to_photo([CANONICAL_CENTRE])[0]), (half * np.cos(a), half * np.sin(a)))


def _angle_difference(a, b):
    return abs((a - b + 180) % 360 - 180)


def test_the_square_follows_celebahq_formula():
    mouth = [
        (MOUTH_CENTRE[0] - MOUTH_HALF_WIDTH, MOUTH_CENTRE[1]),
        (MOUTH_CENTRE[0] + MOUTH_HALF_WIDTH, MOUTH_CENTRE[1]),
    ]
    square = align.AlignedSquare.from_landmarks([EYES[0], EYES[1], (0, 20), *mouth])
    assert square.center == pytest.approx(CANONICAL_CENTRE)
    assert square.half_axis == pytest.approx((CANONICAL_SIDE / 2, 0))
    # a face whose mouth is far below its eyes: the half side follows 1.8 * |eye_to_mouth|
    long = align.AlignedSquare.from_landmarks([(-10, 0), (10, 0), (0, 30), (-8, 100), (8, 100)])
    assert long.side == pytest.approx(2 * 1.8 * 100)
    # a head leaning: the axis is eye_to_eye - rot90(eye_to_mouth), normalised
    lean = align.AlignedSquare.from_landmarks([(0, 0), (60, 10), (30, 30), (15, 60), (45, 65)])
    e2e, e2m = np.array([60, 10]), np.array([30, 62.5]) - np.array([30, 5])
    axis = e2e - np.array([-e2m[1], e2m[0]])
    assert np.array(lean.half_axis) / np.hypot(*lean.half_axis) == pytest.approx(axis / np.hypot(*axis))


def test_degenerate_landmarks_are_refused():
    with pytest.raises(ValueError, match="do not define a face"):
        align.AlignedSquare.from_landmarks([(5, 5)] * 5)


@pytest.mark.parametrize("angle", [-45, -30, -10, 0, 17, 45])
@pytest.mark.parametrize("scale", [0.6, 1.4])
def test_the_transform_of_a_turned_scaled_shifted_face_is_recovered(angle, scale):
    shift = (310, 260)
    mask = np.zeros((560, 640), np.uint8)
    draw_face(mask, angle, scale, shift)
    found = points_from_mask(mask)
    square = align.AlignedSquare.from_landmarks(found.points)
    truth = expected_square(angle, scale, shift)
    assert found.source == MASK
    assert _angle_difference(square.angle, angle) < 1.0
    assert square.side == pytest.approx(truth.side, rel=0.02)
    assert np.hypot(*np.subtract(square.center, truth.center)) < 0.02 * truth.side


@pytest.mark.parametrize("angle", [-45, 45])
def test_the_crop_of_a_tilted_face_is_upright_with_the_eyes_in_place(angle):
    mask = np.zeros((500, 500), np.uint8)
    draw_face(mask, angle, 1.0, (250, 250))
    aligned = align.align_face(face_photo(mask), mask, size=240, source="mask")
    # in the crop the face is canonical: eyes at x = 120 -+ 30, y = 120 - 6 (the centre is 0.1 eye_to_mouth below)
    for key, x in (("r_eye", 90), ("l_eye", 150)):
        rows, cols = np.nonzero(aligned.mask == class_index(key))
        assert abs(cols.mean() + 0.5 - x) < 2.5 and abs(rows.mean() + 0.5 - 114) < 2.5
    assert set(np.unique(aligned.mask)) <= set(np.unique(mask))  # nearest neighbour: no class invented


def test_photo_crop_paste_back_leaves_untouched_pixels_byte_identical():
    mask = np.zeros((300, 420), np.uint8)
    draw_face(mask, 25, 0.8, (210, 150))
    photo = face_photo(mask)
    aligned = align.align_face(photo, mask, size=128, source="mask")
    edited_crop = aligned.image.copy()
    edited_crop[85:101, 46:82] = (250, 20, 20)  # a red bar over the mouth (at y 93, x 64 -+ 13 in the crop)
    blended, layer = align.paste_crop(photo, aligned.square, edited_crop)
    untouched = layer[..., 3] == 0
    assert untouched.mean() > 0.9
    assert np.array_equal(blended[untouched], photo[untouched])
    assert np.all(layer[untouched] == 0)
    # the bar arrives where the mouth is in the photo, red
    bar = (blended[..., 0].astype(int) - blended[..., 1] > 150) & (layer[..., 3] == 255)
    mouth = np.isin(mask, [class_index("u_lip"), class_index("l_lip")])
    assert bar.sum() > 200 and (bar & mouth).sum() > 0.5 * mouth.sum()


def test_the_inverse_transform_puts_the_crop_back_where_it_came_from():
    mask = np.zeros((400, 400), np.uint8)
    draw_face(mask, -33, 1.1, (200, 210))
    photo = np.asarray(Image.fromarray(face_photo(mask)).filter(ImageFilter.GaussianBlur(3)))
    aligned = align.align_face(photo, mask, size=512, source="mask")
    everything = np.ones((512, 512), bool)
    blended, layer = align.paste_crop(photo, aligned.square, aligned.image, changed=everything, feather=0)
    pasted = layer[..., 3] == 255
    assert pasted.sum() > 0.95 * aligned.square.side**2 - 4 * aligned.square.side  # the square, less its edge
    assert np.abs(blended[pasted].astype(int) - photo[pasted]).mean() < 2.0


def test_a_face_at_the_photos_border_is_padded_by_reflection_fading_to_the_median():
    mask = np.zeros((400, 300), np.uint8)
    draw_face(mask, 0, 1.0, (20, 200))  # the face's centre 20 px from the left edge: most of the square is outside
    photo = face_photo(mask)
    aligned = align.align_face(photo, mask, size=240, source="mask")
    assert aligned.square.corners()[0] < -80
    # crop column 93 is the photo's left edge; left of it the photo is mirrored, blurred, and faded to its median
    image, median = aligned.image.astype(float), np.median(photo.reshape(-1, 3), 0)
    grain = [np.abs(np.diff(image[:, c : c + 10], axis=0)).mean() for c in (0, 130)]
    fade = [np.abs(image[:, c : c + 10] - median).mean() for c in (0, 80)]
    assert grain[0] < 0.2 * grain[1]  # the photo's noise is blurred away out there
    assert fade[0] < 0.5 * fade[1]  # and the colour nears the median the further out
    assert aligned.image[:, 20:].any()  # no black band where the photo ends
    edited_crop = aligned.image.copy()
    edited_crop[100:140, 20:220] = 0
    blended, layer = align.paste_crop(photo, aligned.square, edited_crop)
    assert np.array_equal(blended[layer[..., 3] == 0], photo[layer[..., 3] == 0])


def test_a_small_face_in_a_24_megapixel_photo():
    mask = np.zeros((4000, 6000), np.uint8)
    draw_face(mask, -20, 0.4, (4500, 1200))  # a face about 60 px wide
    photo = np.full((4000, 6000, 3), 90, np.uint8)
    photo[1000:1400, 4300:4700] = face_photo(mask[1000:1400, 4300:4700])
    aligned = align.align_face(photo, mask, size=512, source="mask")
    assert aligned.square.side == pytest.approx(0.4 * CANONICAL_SIDE, rel=0.02)
    assert _angle_difference(aligned.square.angle, -20) < 1.0
    changed = np.zeros((512, 512), bool)
    changed[300:400, 150:360] = True
    blended, layer = align.paste_crop(photo, aligned.square, aligned.image, changed=changed)
    rows, cols = np.nonzero(layer[..., 3])
    x0, y0, x1, y1 = aligned.square.corners()
    assert x0 <= cols.min() and cols.max() < x1 and y0 <= rows.min() and rows.max() < y1
    assert np.array_equal(blended[:900], photo[:900]) and np.array_equal(blended[:, :4200], photo[:, :4200])


def test_no_face_is_a_clear_error():
    with pytest.raises(NoFace, match="no face found in the mask: it needs the l_eye, r_eye and lip"):
        points_from_mask(np.zeros((64, 64), np.uint8))
    skin_only = np.zeros((64, 64), np.uint8)
    skin_only[10:50, 10:50] = class_index("skin")
    with pytest.raises(NoFace, match="no face found in the mask"):
        align.align_face(np.zeros((64, 64, 3), np.uint8), skin_only, source="mask")


def test_several_faces_are_numbered_largest_first_and_one_is_chosen():
    mask = np.zeros((400, 700), np.uint8)
    draw_face(mask, 10, 0.6, (150, 200))
    draw_face(mask, -15, 1.2, (480, 200))
    assert len(mask_faces(mask)) == 2
    largest, smaller = (align.AlignedSquare.from_landmarks(points_from_mask(mask, n).points) for n in (0, 1))
    assert _angle_difference(largest.angle, -15) < 1 and largest.center[0] > 400
    assert _angle_difference(smaller.angle, 10) < 1 and smaller.center[0] < 300
    with pytest.raises(NoFace, match=r"face 2 asked for, but the mask shows 2 faces \(0 = the largest, up to 1\)"):
        points_from_mask(mask, 2)
    # the Editor's choice: the face nearest the change
    near_small = FacePoints("mask").find(None, mask, near=(150.0, 230.0))
    assert near_small.face == 1 and near_small.faces == 2


def test_weights_trained_on_celebamask_hq_are_aligned_others_not():
    assert align.trained_on_celebahq_crops({"training_data": "CelebAMask-HQ (by the MaskGAN authors)"})
    assert align.trained_on_celebahq_crops({"training_data": "celebamask:data/celeba"})
    assert not align.trained_on_celebahq_crops({"training_data": "synthetic"})
    assert not align.trained_on_celebahq_crops({})


@pytest.fixture(scope="module")
def celebamask_weights(tmp_path_factory):
    from helpers import tiny_generator

    from maskgan.weights import save_bundle

    path = tmp_path_factory.mktemp("weights") / "celebamask.safetensors"
    save_bundle(
        path,
        {"generator": tiny_generator(seed=2, n_downsample=4)},
        {"name": "tiny celebamask", "resolution": 64, "training_data": "celebamask:data/celeba"},
    )
    return path


def test_the_editor_aligns_a_tilted_face_for_celebamask_weights(celebamask_weights, tiny_weights):
    from maskgan.infer import Editor

    mask = np.zeros((360, 420), np.uint8)
    draw_face(mask, 30, 0.9, (220, 180))
    photo = face_photo(mask)
    edited = mask.copy()
    edited[(mask == class_index("hair")) & (np.arange(420)[None, :] < 200)] = class_index("skin")

    editor = Editor.load(celebamask_weights, device="cpu", precision="fp32")
    editor.face_points = FacePoints("mask")  # the synthetic drawing has no face the mesh would find
    frame = editor._frame(photo, mask, edited)
    assert isinstance(frame, align.AlignedSquare) and _angle_difference(frame.angle, 30) < 1
    result = editor.edit(photo, mask, edited, method="generate")
    assert result.alignment.startswith("CelebA-HQ alignment from the mask: ")
    assert "turned +30" in result.alignment or "turned +29" in result.alignment
    assert result.box == frame.corners()
    untouched = result.layer[..., 3] == 0
    assert np.array_equal(result.image[untouched], photo[untouched])
    assert not untouched[edited != mask].any()  # every changed pixel got the edit (the square grew to hold it)

    plain = Editor.load(tiny_weights, device="cpu", precision="fp32")
    assert plain.face_points is None
    result = plain.edit(photo, mask, edited, method="generate")
    assert result.alignment == "" and result.box == crop.face_box(mask, edited).corners()
