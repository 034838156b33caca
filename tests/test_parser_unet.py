"""The face-parsing UNet against the official CelebAMask-HQ face_parsing ``unet``: key layout, shapes, forward."""

import pytest
import torch
from official_unet import official_forward, official_layout, official_state_dict

from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig, norm_layers


@pytest.mark.parametrize("feature_scale", [4, 8, 16])
def test_state_dict_layout_is_the_official_one(feature_scale):
    ours = ParserUNet(ParserUNetConfig(base_channels=64 // feature_scale)).state_dict()
    expected = official_layout(feature_scale)
    assert list(ours) == list(expected)  # same keys, same order
    assert {key: tuple(tensor.shape) for key, tensor in ours.items()} == expected


def test_default_config_is_the_official_network():
    network = ParserUNet()
    official_parameters = sum(
        torch.Size(shape).numel()
        for key, shape in official_layout().items()
        if not key.endswith(("running_mean", "running_var", "num_batches_tracked"))
    )
    assert sum(p.numel() for p in network.parameters()) == official_parameters == 1_944_355


@pytest.mark.parametrize("feature_scale,size", [(4, 64), (8, (48, 80))])
def test_forward_matches_the_official_arithmetic(feature_scale, size):
    state = official_state_dict(feature_scale, seed=feature_scale)
    network = ParserUNet(ParserUNetConfig(base_channels=64 // feature_scale))
    network.load_state_dict(state)
    network.eval()
    height, width = (size, size) if isinstance(size, int) else size
    x = torch.rand(2, 3, height, width, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        ours, theirs = network(x), official_forward(state, x)
    assert ours.shape == (2, 19, height, width)
    scale = theirs.abs().max()
    assert theirs.std() > 0.05  # the random weights give a real signal, not all zeros after the ReLUs
    assert (ours - theirs).abs().max() <= 1e-5 * scale


def test_sizes_and_channels_are_checked():
    network = ParserUNet(ParserUNetConfig(base_channels=4)).eval()
    with pytest.raises(ValueError, match="multiples of 16, got 40x48"):
        network(torch.zeros(1, 3, 40, 48))
    with pytest.raises(ValueError, match=r"image must be \(B,3,H,W\), got \(1, 1, 32, 32\)"):
        network(torch.zeros(1, 1, 32, 32))


def test_sized_batch_norm_uses_the_statistics_of_the_nearest_size():
    """A network with norm_sizes [32, 64] parses like the plain network holding the statistics of that size."""
    plain = ParserUNet(ParserUNetConfig(base_channels=4))
    plain.load_state_dict(official_state_dict(16, seed=3))
    sized = ParserUNet(ParserUNetConfig(base_channels=4, norm_sizes=[32, 64]))
    shared = {k: v for k, v in plain.state_dict().items() if "running_" not in k and "num_batches" not in k}
    assert sized.load_state_dict(shared, strict=False).unexpected_keys == []
    statistics = {}
    generator = torch.Generator().manual_seed(4)
    for size in (32, 64):
        statistics[size] = [
            (
                torch.randn(n.weight.shape, generator=generator) * 0.3,
                torch.rand(n.weight.shape, generator=generator) + 0.5,
            )
            for n in norm_layers(plain)
        ]
        for norm, (mean, var) in zip(norm_layers(sized), statistics[size]):
            norm.set_statistics(size, mean, var)
    assert (
        "conv1.conv1.1.running_mean_64" in sized.state_dict() and "conv1.conv1.1.running_mean" not in sized.state_dict()
    )
    sized.eval()
    plain.eval()
    for size, side in ((32, 32), (64, 64), (64, 80), (32, 16)):  # 80 is nearer 64, 16 nearer 32
        for norm, (mean, var) in zip(norm_layers(plain), statistics[size]):
            norm.running_mean.copy_(mean)
            norm.running_var.copy_(var)
        x = torch.rand(1, 3, side, side, generator=generator) * 2 - 1
        with torch.no_grad():
            assert torch.allclose(sized(x), plain(x), atol=1e-5), (size, side)
