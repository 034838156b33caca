"""Alpha Blender and multi-scale discriminator: contracts, ranges, structure, input checks."""

import dataclasses
import json

import pytest
import torch
from torch.nn.utils import parametrize

from maskgan.labels import NUM_CLASSES, one_hot
from maskgan.networks.blender import AlphaBlender, BlenderConfig
from maskgan.networks.discriminator import DiscriminatorConfig, MultiscaleDiscriminator


def images(batch: int = 2, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
    b = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
    mask = one_hot(torch.randint(0, NUM_CLASSES, (batch, size, size), generator=g))
    return a, b, mask


def tiny_blender(**overrides) -> AlphaBlender:
    torch.manual_seed(0)
    return AlphaBlender(BlenderConfig(**{"ngf": 8, "n_downsample": 2, **overrides}))


def test_blender_alpha_is_in_unit_range_and_blends_exactly():
    a, b, mask = images()
    with torch.no_grad():
        blended, alpha = tiny_blender()(a, b, mask)
    assert alpha.shape == (2, 1, 32, 32) and blended.shape == a.shape
    assert float(alpha.min()) >= 0.0 and float(alpha.max()) <= 1.0
    assert float(alpha.std()) > 0  # per pixel, not one constant
    assert torch.equal(blended, alpha * a + (1 - alpha) * b)
    assert float(blended.abs().max()) <= 1.0


def test_blender_gradients_reach_every_parameter():
    a, b, mask = images(batch=1)
    blender = tiny_blender()
    blended, _ = blender(a, b, mask)
    blended.sub(a).abs().mean().backward()  # "pick image a everywhere"
    assert all(p.grad is not None for p in blender.parameters())


def test_blender_without_mask_conditioning():
    a, b, mask = images()
    blender = tiny_blender(mask_channels=0)
    blended, alpha = blender(a, b)
    assert alpha.shape == (2, 1, 32, 32)
    with pytest.raises(ValueError, match="without mask conditioning"):
        blender(a, b, mask)


def test_blender_rejects_bad_inputs():
    a, b, mask = images()
    blender = tiny_blender()
    with pytest.raises(ValueError, match="pass mask_onehot"):
        blender(a, b)
    with pytest.raises(ValueError, match="same shape"):
        blender(a, b[:, :, :16], mask)
    with pytest.raises(ValueError, match="multiples of 4"):
        blender(a[..., :30, :30], b[..., :30, :30], mask[..., :30, :30])
    with pytest.raises(ValueError, match="mask_onehot must be"):
        blender(a, b, mask[:, :18])


def tiny_discriminator(**overrides) -> MultiscaleDiscriminator:
    torch.manual_seed(0)
    return MultiscaleDiscriminator(DiscriminatorConfig(**{"ndf": 8, "n_layers": 3, "num_d": 3, **overrides}))


def test_discriminator_returns_every_feature_per_scale():
    discriminator = tiny_discriminator()
    _, image, mask = images(size=64)
    outputs = discriminator(torch.cat([mask, image], 1))
    assert len(outputs) == 3
    for scale in outputs:
        assert len(scale) == 3 + 2  # n_layers stride-2 convs, one stride-1 conv, the prediction
        assert [f.shape[1] for f in scale] == [8, 16, 32, 64, 1]
        assert all(f.shape[0] == 2 for f in scale)
    predictions = [scale[-1] for scale in outputs]
    # each scale sees the input average-pooled by 2 more: coarser prediction maps
    assert predictions[0].shape[-1] > predictions[1].shape[-1] > predictions[2].shape[-1]


def test_discriminator_with_spectral_norm():
    discriminator = tiny_discriminator(spectral_norm=True, num_d=2)
    convs = [m for m in discriminator.modules() if isinstance(m, torch.nn.Conv2d)]
    normalised = [parametrize.is_parametrized(conv, "weight") for conv in convs]
    assert normalised == ([True] * 4 + [False]) * 2  # every conv but each scale's last
    _, image, mask = images()
    outputs = discriminator(torch.cat([mask, image], 1))
    assert len(outputs) == 2 and outputs[0][-1].shape[1] == 1


def test_discriminator_rejects_wrong_channels():
    _, image, _ = images()
    with pytest.raises(ValueError, match="22 channels"):
        tiny_discriminator()(image)


@pytest.mark.parametrize(
    "network, config_class",
    [(tiny_blender, BlenderConfig), (tiny_discriminator, DiscriminatorConfig)],
)
def test_configs_round_trip_through_json(network, config_class):
    original = network()
    config = json.loads(json.dumps(dataclasses.asdict(original.config)))
    type(original)(config_class(**config)).load_state_dict(original.state_dict())
