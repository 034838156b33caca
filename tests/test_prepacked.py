"""Prepacked convolutions (maskgan.core.prepacked): the same outputs and state as the plain layers, on every shape."""

import copy

import pytest
import torch
from torch import nn

from maskgan.core.precision import as_input, compute_dtype, memory_format, prepare
from maskgan.core.prepacked import PrepackedConv2d, PrepackedConvTranspose2d, prepack_convolutions


def small_network() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(5, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, stride=2, padding=1),
        nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),
        nn.Conv2d(8, 3, 7),
    )


def plain_and_prepared(precision: str) -> tuple[nn.Module, nn.Module]:
    plain = small_network()
    prepared = prepare(copy.deepcopy(plain), "cpu", precision)
    return plain.to(compute_dtype(precision), memory_format=memory_format(precision)).eval(), prepared


@pytest.mark.parametrize(("precision", "tolerance"), [("fp32", 1e-5), ("bf16", 0.0)])
def test_prepacked_layers_give_the_plain_outputs_on_every_shape_they_see(precision, tolerance):
    plain, prepared = plain_and_prepared(precision)
    kinds = [type(layer) for layer in prepared if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d))]
    # fp32 prepacks every convolution; bf16 only the transposed one (its convolutions gained nothing)
    conv = PrepackedConv2d if precision == "fp32" else nn.Conv2d
    assert kinds == [conv, conv, PrepackedConvTranspose2d, conv]
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for shape in [(1, 5, 32, 32), (2, 5, 24, 40), (1, 5, 32, 32)]:  # a new shape is packed again, and back
            x = as_input(torch.randn(shape, generator=generator), "cpu", precision)
            assert (prepared(x).float() - plain(x).float()).abs().max().item() <= tolerance


def test_prepacking_keeps_the_state_dict_and_leaves_gradients_to_the_plain_call():
    plain, prepared = plain_and_prepared("fp32")
    assert {k: v.tolist() for k, v in prepared.state_dict().items()} == {
        k: v.tolist() for k, v in plain.state_dict().items()
    }
    x = torch.randn(1, 5, 16, 16, requires_grad=True)
    prepared(x).sum().backward()  # the prepacked ops have no backward: a call that needs one runs plainly
    expected = torch.autograd.grad(plain(x).sum(), x)[0]
    assert torch.allclose(x.grad, expected, atol=1e-5)


def test_convolutions_with_padding_by_name_or_reflected_padding_are_left_alone():
    network = nn.Sequential(nn.Conv2d(3, 3, 3, padding="same"), nn.Conv2d(3, 3, 3, padding_mode="reflect"))
    assert prepack_convolutions(network, "fp32") == 0
    assert [type(layer) for layer in network] == [nn.Conv2d, nn.Conv2d]
