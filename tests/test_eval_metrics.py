"""Known answers of the benchmark metrics (maskgan.eval.metrics)."""

import math

import numpy as np
import pytest

from maskgan.eval.metrics import (
    PSNR_CAP_DB,
    SSIM_C1,
    SSIM_C2,
    SSIM_SIGMA,
    SSIM_WINDOW,
    edit_radius,
    edit_region,
    miou,
    outline_contrast,
    pixel_accuracy,
    psnr,
    ssim,
    ssim_map,
)


def textured(seed=0, shape=(40, 48, 3)):
    return np.random.default_rng(seed).integers(30, 220, shape).astype(np.uint8)


def test_psnr_known_answers():
    image = textured()
    assert psnr(image, image) == PSNR_CAP_DB
    # a constant offset of 10 levels: MSE 100
    assert psnr(image, image + 10) == pytest.approx(10 * math.log10(255**2 / 100), abs=1e-12)
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 255.0)) == pytest.approx(0.0)


def test_psnr_over_a_region_sees_only_its_pixels():
    image = textured()
    other = image.copy()
    region = np.zeros(image.shape[:2], bool)
    region[5:15, 10:30] = True
    other[region] += 5  # MSE 25 inside, 0 outside
    assert psnr(image, other, region) == pytest.approx(10 * math.log10(255**2 / 25), abs=1e-12)
    assert psnr(image, other, ~region) == PSNR_CAP_DB
    whole = 10 * math.log10(255**2 / (25 * region.mean()))
    assert psnr(image, other) == pytest.approx(whole, abs=1e-12)


def test_ssim_of_identical_images_is_one():
    image = textured()
    assert ssim(image, image) == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(ssim_map(image, image), 1.0, atol=1e-12)


def test_ssim_of_a_constant_offset_is_the_luminance_term():
    # flat images: the contrast-structure term is (0 + C2) / (0 + C2) = 1, only luminance is left
    a, c = 100.0, 20.0
    expected = (2 * a * (a + c) + SSIM_C1) / (a**2 + (a + c) ** 2 + SSIM_C1)
    assert ssim(np.full((30, 30, 3), a), np.full((30, 30, 3), a + c)) == pytest.approx(expected, abs=1e-12)


def test_ssim_map_matches_the_direct_weighted_statistics_at_an_inner_pixel():
    x, y = textured(1, (32, 32)).astype(float), textured(2, (32, 32)).astype(float)
    offsets = np.arange(SSIM_WINDOW) - SSIM_WINDOW // 2
    g = np.exp(-(offsets**2) / (2 * SSIM_SIGMA**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    r, c, h = 16, 12, SSIM_WINDOW // 2
    px, py = x[r - h : r + h + 1, c - h : c + h + 1], y[r - h : r + h + 1, c - h : c + h + 1]
    mx, my = (w * px).sum(), (w * py).sum()
    vx, vy, cov = (w * (px - mx) ** 2).sum(), (w * (py - my) ** 2).sum(), (w * (px - mx) * (py - my)).sum()
    expected = (2 * mx * my + SSIM_C1) * (2 * cov + SSIM_C2) / ((mx**2 + my**2 + SSIM_C1) * (vx + vy + SSIM_C2))
    assert ssim_map(x, y)[r, c] == pytest.approx(expected, abs=1e-10)


def test_ssim_over_a_region_away_from_the_change_is_one():
    image = textured()
    other = image.copy()
    other[:, :10] = 255 - other[:, :10]  # changed: the left 10 columns
    far = np.zeros(image.shape[:2], bool)
    far[:, 10 + SSIM_WINDOW // 2 :] = True  # beyond the window's reach
    assert ssim(image, other, far) == pytest.approx(1.0, abs=1e-12)
    assert ssim(image, other, ~far) < 0.5


def test_empty_regions_and_mismatched_shapes_are_refused():
    image = textured()
    empty = np.zeros(image.shape[:2], bool)
    for metric in (psnr, ssim):
        with pytest.raises(ValueError, match="the region is empty"):
            metric(image, image, empty)
    with pytest.raises(ValueError, match="the region is empty"):
        miou(image[..., 0], image[..., 0], empty)
    with pytest.raises(ValueError, match=r"differ in shape: \(40, 48, 3\) vs \(40, 40, 3\)"):
        psnr(image, image[:, :40])
    with pytest.raises(ValueError, match="the region is 10x10, the images 48x40"):
        psnr(image, image, np.ones((10, 10), bool))
    with pytest.raises(ValueError, match="SSIM needs images of at least 6x6 pixels, got 5x5"):
        ssim(image[:5, :5], image[:5, :5])


def test_miou_known_answer():
    target = np.array([[0, 0], [1, 1]])
    predicted = np.array([[0, 1], [1, 1]])
    # class 0: 1 / 2; class 1: 2 / 3
    assert miou(predicted, target) == pytest.approx((1 / 2 + 2 / 3) / 2)
    # a class only the prediction has counts 0; classes neither has are left out
    assert miou(np.array([[0, 5], [1, 1]]), target) == pytest.approx((1 / 2 + 1 + 0) / 3)
    # inside a region: only the bottom row, where both agree
    region = np.array([[False, False], [True, True]])
    assert miou(predicted, target, region) == 1.0
    assert pixel_accuracy(predicted, target) == 0.75 and pixel_accuracy(predicted, target, ~region) == 0.5
    with pytest.raises(ValueError, match=r"label maps must be HxW of one size, got \(2, 2\) and \(1, 2\)"):
        miou(predicted, target[:1])


def test_edit_region_dilates_the_changed_pixels():
    label = np.zeros((20, 20), np.uint8)
    edited = label.copy()
    edited[10, 7] = 4
    assert edit_region(label, edited, 0).sum() == 1
    region = edit_region(label, edited, 2)
    assert region.sum() == 25 and region[8:13, 5:10].all()
    with pytest.raises(ValueError, match="the two label maps are identical"):
        edit_region(label, label, 2)
    assert (edit_radius(96), edit_radius(256), edit_radius(16)) == (3, 8, 1)


def test_outline_contrast_measures_a_frame_against_what_lies_on_both_sides_of_it():
    image = np.full((40, 40, 3), 200, np.uint8)  # light skin, inside the frame too
    part = np.zeros((40, 40), bool)
    part[10:30, 10:30] = True
    part[14:26, 14:26] = False  # a square frame 4 px wide
    image[part] = 50  # dark
    # every frame pixel is within 2 px of the outside, and every outside pixel near it is skin: 150 apart
    assert outline_contrast(image, part, 2) == pytest.approx(150, abs=1e-9)
    image[part] = 190  # a frame nearly the skin's colour
    assert outline_contrast(image, part, 2) == pytest.approx(10, abs=1e-9)
    image[14:26, 14:26] = 20  # a dark eye inside: the inner edge now stands out against it
    assert 10 < outline_contrast(image, part, 2) < 170
    with pytest.raises(ValueError, match="no outline to measure"):
        outline_contrast(image, np.zeros((40, 40), bool), 2)
    with pytest.raises(ValueError, match="must be HxWx3 of the part's size"):
        outline_contrast(image[..., 0], part, 2)
