"""loss.edit_region_l1: the edit's L1 over its region only, each item weighted alike."""

import pytest
import torch

from maskgan.train.stages import edit_region_l1


def _labels(size=32):
    return torch.zeros(2, size, size, dtype=torch.long)


def test_only_the_dilated_changed_pixels_count():
    label = _labels()
    edited = label.clone()
    edited[:, 10, 10] = 5  # radius 1 at 32 px: the region is the 3x3 square around (10, 10)
    real = torch.zeros(2, 3, 32, 32)
    fake = real.clone()
    fake[:, :, 9:12, 9:12] = 0.5  # inside the region
    assert edit_region_l1(fake, real, label, edited).item() == pytest.approx(0.5)
    fake[:, :, 20:, 20:] = 1.0  # outside it: ignored
    assert edit_region_l1(fake, real, label, edited).item() == pytest.approx(0.5)
    fake[:, :, 8, 8] = 1.0  # one pixel beyond the dilation: still ignored
    assert edit_region_l1(fake, real, label, edited).item() == pytest.approx(0.5)


def test_a_small_edit_weighs_as_much_as_a_large_one():
    label = _labels()
    edited = label.clone()
    edited[0, 10, 10] = 5  # one pixel changed
    edited[1, 4:28, 4:28] = 13  # most of the image changed
    real = torch.zeros(2, 3, 32, 32)
    fake = real.clone()
    fake[0] = 0.8  # the small edit wrong by 0.8 everywhere
    fake[1] = 0.2  # the large one by 0.2
    assert edit_region_l1(fake, real, label, edited).item() == pytest.approx(0.5)


def test_items_without_a_change_are_left_out_and_a_batch_without_any_gives_zero():
    label = _labels()
    edited = label.clone()
    edited[1, 0:4, 0:4] = 2
    real = torch.zeros(2, 3, 32, 32)
    fake = torch.full_like(real, 0.3)
    fake[0] = 0.9  # item 0 has no edit: its error is not counted
    assert edit_region_l1(fake, real, label, edited).item() == pytest.approx(0.3)
    assert edit_region_l1(fake, real, label, label).item() == 0.0


def test_the_gradient_reaches_only_the_region():
    label = _labels()
    edited = label.clone()
    edited[:, 16, 16] = 4
    fake = torch.zeros(2, 3, 32, 32, requires_grad=True)
    edit_region_l1(fake, torch.ones(2, 3, 32, 32), label, edited).backward()
    touched = fake.grad.abs().sum(dim=(0, 1)) > 0
    assert touched[15:18, 15:18].all() and touched.sum().item() == 9
