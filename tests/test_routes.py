"""The photo routes of an edit (maskgan.infer.routes, warp, fill, glasses) on synthetic faces with known classes."""

import numpy as np
import pytest
import torch

from maskgan.core.masks import dilate
from maskgan.data.synthetic import sample_photo
from maskgan.eval.retouch_edits import bigger_eyes, glasses_on, hairline_down, raised_brows
from maskgan.imageio import luma
from maskgan.infer.glasses import glasses_parts
from maskgan.infer.routes import plan_photo_routes
from maskgan.infer.warp import jacobian_determinant, register
from maskgan.labels import class_index

SKIN, HAIR, HAT, EYE_G = (class_index(k) for k in ("skin", "hair", "hat", "eye_g"))
BROWS = (class_index("l_brow"), class_index("r_brow"))
EYES = (class_index("l_eye"), class_index("r_eye"))


@pytest.fixture(scope="module")
def face():
    return sample_photo(70_000_125, 256)  # no glasses, no hat: both can be added


def _outside_window_unchanged(plan, photo) -> bool:
    x0, y0, x1, y1 = plan.window
    outside = np.ones(photo.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    return np.array_equal(plan.image[outside], photo[outside])


def test_the_warp_of_a_growing_disc_is_smooth_fold_free_and_reaches_the_target():
    rows, cols = np.mgrid[:80, :80]
    source = (((rows - 40) ** 2 + (cols - 40) ** 2) <= 12**2).astype(np.uint8)
    target = (((rows - 40) ** 2 + (cols - 40) ** 2) <= 17**2).astype(np.uint8)
    field = register(source, target, [0, 1], parts=(1,))
    assert field.min_jacobian() > 0.1  # no fold, no tear
    assert float(field.magnitude()[0].abs().max()) == 0 and float(field.magnitude()[:, -1].abs().max()) == 0
    moved = field.apply_labels(source)
    assert np.count_nonzero(moved != target) < 0.25 * np.count_nonzero(source != target)


def test_jacobian_determinant_sees_a_fold():
    displacement = torch.zeros(2, 8, 8)
    displacement[0, :, 4:] = -3.0  # columns 4.. sample from 3 to the left: the map runs backwards there
    assert float(jacobian_determinant(displacement).min()) <= 0


def test_raised_brows_move_the_photos_own_brows_and_nothing_outside_the_window(face):
    photo, labels = face
    edited = raised_brows(labels, 4)
    plan = plan_photo_routes(photo, labels, edited, "auto")
    assert set(plan.routes) == {"moved"} and not plan.generate.any()
    assert _outside_window_unchanged(plan, photo)
    new_brow = np.isin(edited, BROWS) & ~np.isin(labels, BROWS)  # where the brows went
    brow_colour = photo[np.isin(labels, BROWS)].mean(0)
    skin_colour = photo[labels == SKIN].mean(0)
    moved_colour = plan.image[new_brow].mean(0)
    # the brow's new place shows the brow, not the skin it was
    assert np.linalg.norm(moved_colour - brow_colour) < 0.5 * np.linalg.norm(skin_colour - brow_colour)


def test_bigger_eyes_keep_the_photos_eye_colours(face):
    photo, labels = face
    plan = plan_photo_routes(photo, labels, bigger_eyes(labels, 3), "auto")
    assert "moved" in plan.routes and "generated" not in plan.routes
    eyes_before = photo[np.isin(labels, EYES)].mean(0)
    eyes_after = plan.image[np.isin(bigger_eyes(labels, 3), EYES)].mean(0)
    assert np.abs(eyes_after - eyes_before).max() < 20


def test_background_painted_where_hair_was_takes_the_photos_background(face):
    photo, labels = face
    edited = labels.copy()
    hair_rows = np.nonzero((labels == HAIR).any(1))[0]
    patch = (labels == HAIR) & (np.arange(256)[:, None] < hair_rows.min() + 12)
    edited[patch] = class_index("background")
    plan = plan_photo_routes(photo, labels, edited, "auto")
    assert not plan.generate.any() and _outside_window_unchanged(plan, photo)
    nearby = photo[dilate(patch, 12) & (labels == 0)].mean(0)  # the backdrop is mottled: compare with its near part
    assert np.abs(plan.image[patch].mean(0) - nearby).max() < 25


def test_new_glasses_are_drawn_as_a_dark_frame_over_the_photos_own_eyes(face):
    photo, labels = face
    edited = glasses_on(labels, 2)
    plan = plan_photo_routes(photo, labels, edited, "auto")
    assert list(plan.routes) == ["drawn"] and plan.routes["drawn"]["eye_g"] == np.count_nonzero(edited == EYE_G)
    frame, lenses = glasses_parts(edited == EYE_G, np.isin(edited, EYES))
    assert frame.any() and lenses.any() and not (frame & lenses).any()
    skin = luma(photo[labels == SKIN]).mean()
    assert np.median(luma(plan.image[frame])) < 0.7 * skin  # a dark frame (a few highlights), of the painted shape
    behind = lenses | np.isin(edited, EYES)
    assert np.abs(plan.image[behind].astype(int) - photo[behind]).mean() < 25  # the eyes behind stay the photo's
    assert _outside_window_unchanged(plan, photo)


def test_method_photo_refuses_what_only_the_generator_can_draw_by_name(face):
    photo, labels = face
    edited = labels.copy()
    edited[:30][labels[:30] == 0] = HAT
    with pytest.raises(ValueError, match="the photo shows no hat near the edit.*method 'auto'"):
        plan_photo_routes(photo, labels, edited, "photo")
    plan = plan_photo_routes(photo, labels, edited, "auto")
    assert plan.generate.any() and plan.routes["generated"]["hat"] > 0


def test_method_generate_leaves_every_changed_pixel_to_the_generator(face):
    photo, labels = face
    edited = hairline_down(labels, 6)
    plan = plan_photo_routes(photo, labels, edited, "generate")
    assert np.array_equal(plan.generate, edited != labels) and plan.image is photo
    assert {route: parts for route, parts in plan.routes.items() if parts} == {
        "generated": {"hair": int((edited != labels).sum())}
    }


def test_an_unknown_method_is_refused(face):
    photo, labels = face
    with pytest.raises(ValueError, match="method must be one of auto, generate, photo, got 'liquify'"):
        plan_photo_routes(photo, labels, labels, "liquify")


def test_the_editor_runs_no_generator_when_the_photo_routes_make_the_whole_edit(face, monkeypatch):
    from maskgan.infer import Editor

    editor = Editor.load(device="cpu", precision="fp32")
    photo, labels = face
    for method in ("style_params", "render", "forward"):
        monkeypatch.setattr(editor.generator, method, lambda *a, **k: pytest.fail("the generator ran"))
    edited = raised_brows(labels, 4)
    result = editor.edit(photo, labels, edited)
    assert result.changed and set(result.routes) == {"moved"}
    differs = (result.image != photo).any(2)
    assert np.array_equal(differs, result.layer[..., 3] == 255) and not result.layer[~differs].any()
    assert np.array_equal(result.layer[differs, :3], result.image[differs])


def test_a_hat_from_a_reference_photo_brings_its_own_pixels_fitted_to_the_painted_shape(face):
    from maskgan.infer.looks import Reference

    photo, labels = face
    wearer_image, wearer_mask = sample_photo(70_000_124, 256)  # wears a hat
    edited = labels.copy()
    painted = np.roll(wearer_mask == HAT, 6, axis=1)  # the hat's shape, somewhat elsewhere on this head
    edited[painted] = HAT
    plan = plan_photo_routes(photo, labels, edited, "photo", Reference(wearer_image, wearer_mask))
    assert plan.routes == {"transferred": {"hat": int(painted.sum())}} and not plan.generate.any()
    hat_colour = wearer_image[wearer_mask == HAT].astype(float).mean(0)
    assert np.abs(plan.image[painted].mean(0) - hat_colour).max() < 30
    assert _outside_window_unchanged(plan, photo)


def test_new_glasses_take_their_frame_colour_from_a_reference_that_wears_glasses(face):
    from maskgan.infer.looks import Reference

    photo, labels = face
    edited = glasses_on(labels, 2)
    wearer_mask = edited.copy()
    wearer_image = photo.copy()
    wearer_image[wearer_mask == EYE_G] = (120, 20, 20)  # a wine-red frame
    frame, _ = glasses_parts(edited == EYE_G, np.isin(edited, EYES))
    plain = plan_photo_routes(photo, labels, edited, "auto").image[frame].astype(float).mean(0)
    with_reference = plan_photo_routes(photo, labels, edited, "auto", Reference(wearer_image, wearer_mask))
    red = with_reference.image[frame].astype(float).mean(0)
    assert red[0] - red[2] > 40 and abs(plain[0] - plain[2]) < 20
    assert with_reference.looks == {"eye_g": "the reference face"}
    with pytest.raises(ValueError, match="the reference face shows no eyeglasses, which the edit adds"):
        plan_photo_routes(photo, labels, edited, "auto", Reference(photo, labels))


def test_a_thin_class_whose_fringe_would_leave_no_pixels_to_copy_is_still_filled():
    # a 3-pixel-wide brow grown by 2 rows: refilling its fringe too would leave it no pixels to copy from
    labels = np.full((40, 60), SKIN, np.uint8)
    labels[18:21, 10:50] = BROWS[0]
    photo = np.full((40, 60, 3), 200, np.uint8)
    photo[labels == BROWS[0]] = (60, 40, 30)
    edited = labels.copy()
    edited[10:12, 10:50] = BROWS[0]  # a second, detached stroke: nothing moves into it
    plan = plan_photo_routes(photo, labels, edited, "auto")
    assert not plan.generate.any()
    assert np.abs(plan.image[10:12, 12:48].mean((0, 1)) - (60, 40, 30)).max() < 30
