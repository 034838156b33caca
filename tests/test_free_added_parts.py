"""loss.free_added_parts: the edit's regression terms leave alone the parts the source mask lacks."""

import torch

from maskgan.train.stages import free_added_parts

GLASSES, HAT, SKIN = 3, 14, 1


def test_only_pixels_of_classes_absent_from_the_source_take_the_generated_values():
    label = torch.full((2, 8, 8), SKIN, dtype=torch.long)
    label[0, 0, 0] = GLASSES  # item 0 already wears glasses somewhere: their colour is in its photo
    edited = label.clone()
    edited[:, 2, 2:5] = GLASSES  # both items get new glasses pixels
    edited[1, 6, 6] = HAT  # item 1 also gets a hat pixel
    real, fake = torch.zeros(2, 3, 8, 8), torch.ones(2, 3, 8, 8)
    target = free_added_parts(fake, real, label, edited)
    freed = torch.zeros(2, 8, 8, dtype=torch.bool)
    freed[1, 2, 2:5] = freed[1, 6, 6] = True
    assert torch.equal(target, torch.where(freed.unsqueeze(1), fake, real))


def test_freed_pixels_carry_no_gradient():
    label = torch.full((1, 8, 8), SKIN, dtype=torch.long)
    edited = label.clone()
    edited[0, 4, 4] = HAT
    fake = torch.rand(1, 3, 8, 8, requires_grad=True)
    target = free_added_parts(fake, torch.zeros(1, 3, 8, 8), label, edited)
    (fake - target).abs().sum().backward()
    assert torch.all(fake.grad[0, :, 4, 4] == 0)
    assert torch.all(fake.grad[0, :, 0, 0] == 1)  # elsewhere the L1 still pulls towards the truth
