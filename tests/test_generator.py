import pytest
import torch
from helpers import tiny_generator

from maskgan.labels import one_hot
from maskgan.networks.generator import Generator, GeneratorConfig


def random_inputs(batch, height, width, seed=0):
    g = torch.Generator().manual_seed(seed)
    label = torch.randint(0, 19, (batch, height, width), generator=g)
    ref = torch.randint(0, 19, (batch, height, width), generator=g)
    image = torch.rand(batch, 3, height, width, generator=g) * 2 - 1
    return one_hot(label), one_hot(ref), image


def test_demo_configuration_has_the_official_parameter_count():
    with torch.device("meta"):
        generator = Generator(GeneratorConfig())
    assert sum(p.numel() for p in generator.parameters()) == 89_702_595
    assert generator.num_style_params == 16384


@pytest.mark.parametrize("height,width", [(64, 96), (32, 48), (80, 32)])
def test_non_square_sizes_keep_their_shape(height, width):
    generator = tiny_generator(n_downsample=4)
    with torch.no_grad():
        out = generator(*random_inputs(2, height, width))
    assert out.shape == (2, 3, height, width)
    assert out.abs().max() <= 1.0


@pytest.mark.parametrize("height,width", [(40, 64), (16, 16), (64, 24), (48, 8)])
def test_invalid_sizes_are_refused(height, width):
    with pytest.raises(ValueError, match=f"H and W must be multiples of 16 and at least 32, got {height}x{width}"):
        tiny_generator(n_downsample=4)(*random_inputs(1, height, width))


def test_size_rule_follows_the_number_of_downsamplings():
    # 3 halvings: multiples of 8 run and keep their size; 5 halvings need 2x2 at the 1/32 bottleneck
    with torch.no_grad():
        assert tiny_generator(n_downsample=3)(*random_inputs(1, 40, 56)).shape == (1, 3, 40, 56)
    with pytest.raises(ValueError, match="H and W must be multiples of 32 and at least 64, got 32x64"):
        tiny_generator(n_downsample=5)(*random_inputs(1, 32, 64))


def test_wrong_input_shapes_are_named():
    generator = tiny_generator()
    label, ref, image = random_inputs(2, 32, 32)
    with pytest.raises(ValueError, match=r"label_onehot must be \(B,19,H,W\), got \(2, 18, 32, 32\)"):
        generator(label[:, :18], ref, image)
    with pytest.raises(ValueError, match=r"ref_image must be \(B,3,H,W\), got \(2, 4, 32, 32\)"):
        generator(label, ref, torch.cat([image, image[:, :1]], 1))
    with pytest.raises(ValueError, match="ref_label_onehot and ref_image must have the same batch size and H, W"):
        generator(label, ref[:1], image)
    style = generator.style_params(ref, image)
    with pytest.raises(ValueError, match=rf"style must be \(B, {generator.num_style_params}\) with B = 2"):
        generator.render(label, style[:1])


def test_forward_is_render_of_style_params_and_style_follows_reference():
    generator = tiny_generator()
    label, ref, image = random_inputs(2, 32, 32)
    with torch.no_grad():
        style = generator.style_params(ref, image)
        assert style.shape == (2, generator.num_style_params)
        assert torch.equal(generator(label, ref, image), generator.render(label, style))
        swapped = generator.render(label, style.flip(0))
        assert not torch.allclose(swapped, generator.render(label, style))


def test_plain_style_encoder_ignores_the_reference_mask():
    generator = tiny_generator(spatial_style=False)
    assert generator.label_encoder is None
    label, ref, image = random_inputs(1, 32, 32)
    other_ref = random_inputs(1, 32, 32, seed=5)[1]
    with torch.no_grad():
        assert torch.equal(generator(label, ref, image), generator(label, other_ref, image))
    spatial = tiny_generator()
    with torch.no_grad():
        assert not torch.equal(spatial(label, ref, image), spatial(label, other_ref, image))
