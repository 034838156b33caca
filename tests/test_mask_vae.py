"""MaskVAE: shapes, latent-space helpers, input checks, and that it learns."""

import dataclasses
import json

import pytest
import torch

from maskgan.labels import NUM_CLASSES, one_hot
from maskgan.networks.losses import kl_loss, mask_reconstruction_loss
from maskgan.networks.mask_vae import MaskVAE, MaskVAEConfig, resize_labels

SIZE = 32


def tiny_vae(seed: int = 0, **overrides) -> MaskVAE:
    torch.manual_seed(seed)
    config = dict(resolution=SIZE, latent_dim=16, base_channels=8, max_channels=16, bottleneck=4)
    config.update(overrides)
    return MaskVAE(MaskVAEConfig(**config)).eval()


def random_masks(batch: int, seed: int = 0, size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """Blocky label maps (so that they are learnable) and their one-hot."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.randint(0, NUM_CLASSES, (batch, size // 8, size // 8), generator=g)
    labels = coarse.repeat_interleave(8, 1).repeat_interleave(8, 2)
    return labels, one_hot(labels)


def decoded_mean(vae: MaskVAE, onehot: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return vae.decode(vae.encode(onehot)[0]).argmax(1)


def test_forward_shapes_and_eval_uses_the_mean():
    vae = tiny_vae()
    _, onehot = random_masks(2)
    logits, mu, logvar = vae(onehot)
    assert logits.shape == (2, NUM_CLASSES, SIZE, SIZE)
    assert mu.shape == logvar.shape == (2, 16)
    assert torch.equal(vae(onehot)[0], logits)  # eval: z = mu, deterministic
    vae.train()
    assert not torch.equal(vae(onehot)[0], logits)  # training: z is sampled


@pytest.mark.parametrize("resolution", [48, 64, 80])
def test_other_resolutions_keep_their_size(resolution):
    vae = tiny_vae(resolution=resolution)
    logits, _, _ = vae(random_masks(1, size=resolution)[1])
    assert logits.shape == (1, NUM_CLASSES, resolution, resolution)


def test_reparameterize_is_mu_plus_sigma_noise():
    mu, logvar = torch.randn(4, 16), torch.randn(4, 16)
    z1 = MaskVAE.reparameterize(mu, logvar, torch.Generator().manual_seed(5))
    z2 = MaskVAE.reparameterize(mu, logvar, torch.Generator().manual_seed(5))
    assert torch.equal(z1, z2)
    eps = (z1 - mu) / torch.exp(0.5 * logvar)
    assert torch.allclose(eps, torch.randn(4, 16, generator=torch.Generator().manual_seed(5)), atol=1e-5)


def test_interpolate_between_a_mask_and_itself_is_constant():
    vae = tiny_vae()
    _, onehot = random_masks(1)
    maps = vae.interpolate(onehot[0], onehot[0], steps=5)
    assert maps.shape == (5, SIZE, SIZE) and maps.dtype == torch.int64
    assert all(torch.equal(maps[0], m) for m in maps)


def test_interpolate_ends_are_the_two_reconstructions():
    vae = tiny_vae()
    _, onehot = random_masks(2)
    maps = vae.interpolate(onehot[:1], onehot[1:], steps=4)
    assert maps.shape == (4, SIZE, SIZE)
    assert int(maps.min()) >= 0 and int(maps.max()) < NUM_CLASSES
    assert torch.equal(maps[0], decoded_mean(vae, onehot[:1])[0])
    assert torch.equal(maps[-1], decoded_mean(vae, onehot[1:])[0])
    with pytest.raises(ValueError, match="at least 2 steps"):
        vae.interpolate(onehot[:1], onehot[1:], steps=1)


def test_extrapolate_alpha_zero_is_the_source_reconstruction():
    vae = tiny_vae()
    _, onehot = random_masks(2)
    maps = vae.extrapolate(onehot[0], onehot[1], alpha=0.0)
    assert maps.shape == (1, SIZE, SIZE)
    assert torch.equal(maps[0], decoded_mean(vae, onehot[:1])[0])
    several = vae.extrapolate(onehot[0], onehot[1], alpha=[0.0, 0.5, 1.0])
    assert several.shape == (3, SIZE, SIZE)
    # alpha = -1 lands exactly on the other mask's latent
    assert torch.equal(vae.extrapolate(onehot[0], onehot[1], alpha=-1.0)[0], decoded_mean(vae, onehot[1:])[0])


def test_sample_near_is_seeded_and_scale_zero_is_the_reconstruction():
    vae = tiny_vae()
    _, onehot = random_masks(1)
    first = vae.sample_near(onehot, n=3, scale=2.0, generator=torch.Generator().manual_seed(1))
    again = vae.sample_near(onehot, n=3, scale=2.0, generator=torch.Generator().manual_seed(1))
    other = vae.sample_near(onehot, n=3, scale=2.0, generator=torch.Generator().manual_seed(2))
    assert first.shape == (3, SIZE, SIZE)
    assert torch.equal(first, again) and not torch.equal(first, other)
    still = vae.sample_near(onehot, n=2, scale=0.0, generator=torch.Generator().manual_seed(1))
    assert all(torch.equal(m, decoded_mean(vae, onehot)[0]) for m in still)


def test_wrong_input_size_names_the_resize_helper():
    vae = tiny_vae()
    with pytest.raises(ValueError, match="resize_labels"):
        vae.encode(random_masks(1, size=64)[1])
    with pytest.raises(ValueError, match="one mask"):
        vae.interpolate(random_masks(2)[1], random_masks(1)[1], steps=3)
    with pytest.raises(ValueError, match="latents must be"):
        vae.decode(torch.zeros(1, 5))


def test_resolution_must_be_a_multiple_of_16():
    with pytest.raises(ValueError, match="multiple of 16"):
        tiny_vae(resolution=40)


def test_resize_labels_is_nearest_neighbour():
    labels = torch.randint(0, NUM_CLASSES, (2, 16, 16))
    up = resize_labels(labels, 32)
    assert up.dtype == labels.dtype
    assert torch.equal(up, labels.repeat_interleave(2, 1).repeat_interleave(2, 2))
    assert torch.equal(resize_labels(up, 16), labels)
    assert resize_labels(labels, 16) is labels


def test_config_round_trips_through_json():
    vae = tiny_vae()
    config = json.loads(json.dumps(dataclasses.asdict(vae.config)))
    rebuilt = MaskVAE(MaskVAEConfig(**config))
    rebuilt.load_state_dict(vae.state_dict())  # same architecture, same keys and shapes


def test_a_few_steps_lower_the_training_loss():
    vae = tiny_vae().train()
    g = torch.Generator().manual_seed(3)
    labels = torch.randint(0, NUM_CLASSES, (4, 2, 2), generator=g).repeat_interleave(16, 1).repeat_interleave(16, 2)
    onehot = one_hot(labels)
    optimizer = torch.optim.Adam(vae.parameters(), lr=3e-3)

    def loss_now() -> torch.Tensor:
        logits, mu, logvar = vae(onehot)
        return mask_reconstruction_loss(logits, labels) + 1e-3 * kl_loss(mu, logvar)

    start = loss_now().item()
    for _ in range(20):
        optimizer.zero_grad()
        loss_now().backward()
        optimizer.step()
    assert loss_now().item() < 0.9 * start
