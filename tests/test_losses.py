"""Training losses and the perceptual loss: values on known inputs, gradients, weights loading."""

import math

import pytest
import torch
from safetensors.torch import save_file

from maskgan.networks.losses import GANLoss, feature_matching_loss, kl_loss, mask_reconstruction_loss, multiscale_l1
from maskgan.networks.perceptual import PerceptualLoss, VGG19Features
from maskgan.weights import WeightsError


def outputs(*prediction_values: float) -> list[list[torch.Tensor]]:
    """Discriminator-shaped outputs: one scale per value, each with a garbage feature and a constant prediction."""
    return [[torch.randn(1, 4, 5, 5), torch.full((1, 1, 3, 3), v)] for v in prediction_values]


# --- adversarial -----------------------------------------------------------------------
def test_lsgan_is_the_squared_distance_to_the_target():
    loss = GANLoss("lsgan")
    assert loss(outputs(1.0, 1.0), target_is_real=True).item() == 0.0
    assert loss(outputs(0.0, 0.0), target_is_real=False).item() == 0.0
    assert loss(outputs(1.0, 1.0), target_is_real=False).item() == pytest.approx(1.0)
    assert loss(outputs(0.5), target_is_real=True, for_discriminator=False).item() == pytest.approx(0.25)
    # averaged over scales
    assert loss(outputs(1.0, 0.0), target_is_real=True).item() == pytest.approx(0.5)


def test_hinge_values_for_discriminator_and_generator():
    loss = GANLoss("hinge")
    assert loss(outputs(2.0), target_is_real=True).item() == 0.0  # beyond the margin
    assert loss(outputs(-0.5), target_is_real=True).item() == pytest.approx(1.5)
    assert loss(outputs(0.5), target_is_real=False).item() == pytest.approx(1.5)
    assert loss(outputs(-3.0), target_is_real=False).item() == 0.0
    assert loss(outputs(0.5, 1.5), target_is_real=True, for_discriminator=False).item() == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="target_is_real=True"):
        loss(outputs(0.5), target_is_real=False, for_discriminator=False)


def test_gan_loss_rejects_unknown_mode_and_empty_outputs():
    with pytest.raises(ValueError, match="lsgan, hinge"):
        GANLoss("wgan")
    with pytest.raises(ValueError, match="non-empty"):
        GANLoss()([], target_is_real=True)


# --- feature matching --------------------------------------------------------------------
def features(offset: float, requires_grad: bool = False) -> list[list[torch.Tensor]]:
    """2 scales of (2 intermediate features + prediction), all entries ``offset``."""
    return [[torch.full((1, 2, 4, 4), offset, requires_grad=requires_grad) for _ in range(3)] for _ in range(2)]


def test_feature_matching_zero_for_identical_features():
    assert feature_matching_loss(features(0.3), features(0.3)).item() == 0.0


def test_feature_matching_uses_pix2pixhd_weights_and_detaches_real():
    fake, real = features(0.5, requires_grad=True), features(0.0, requires_grad=True)
    loss = feature_matching_loss(fake, real)
    # 2 scales x 2 intermediate features, each weighted 4/2 * 1/2 = 1, L1 of 0.5: total 2.0
    assert loss.item() == pytest.approx(2.0)
    loss.backward()
    assert fake[0][0].grad is not None and real[0][0].grad is None
    assert fake[0][-1].grad is None  # the prediction map takes no part


def test_feature_matching_rejects_mismatched_structures():
    with pytest.raises(ValueError, match="differ"):
        feature_matching_loss(features(0.0), features(0.0)[:1])


# --- VAE terms ------------------------------------------------------------------------------
def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(4, 8)
    assert kl_loss(zeros, zeros).item() == 0.0
    assert kl_loss(torch.ones(2, 3), torch.zeros(2, 3)).item() == pytest.approx(1.5)  # 0.5 * sum(mu^2)
    assert kl_loss(zeros, torch.full((4, 8), -1.0)).item() > 0


def test_mask_reconstruction_cross_entropy():
    labels = torch.randint(0, 19, (2, 8, 8))
    confident = torch.nn.functional.one_hot(labels, 19).permute(0, 3, 1, 2).float() * 50
    assert mask_reconstruction_loss(confident, labels).item() < 1e-6
    assert mask_reconstruction_loss(torch.zeros(2, 19, 8, 8), labels).item() == pytest.approx(math.log(19))
    assert mask_reconstruction_loss(confident, labels[:, None]).item() < 1e-6  # (B,1,H,W) labels too
    with pytest.raises(ValueError, match="do not match"):
        mask_reconstruction_loss(confident, labels[:, :4])


def test_multiscale_l1_of_a_constant_offset_is_the_offset():
    image = torch.rand(1, 3, 16, 16)
    assert multiscale_l1(image, image).item() == 0.0
    assert multiscale_l1(image + 0.25, image).item() == pytest.approx(0.25, abs=1e-6)


# --- perceptual -----------------------------------------------------------------------------
def image_pair(size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(2, 3, size, size, generator=g) * 2 - 1, torch.rand(2, 3, size, size, generator=g) * 2 - 1


def check_perceptual_basics(loss: PerceptualLoss) -> None:
    a, b = image_pair()
    assert loss(a, a).item() == 0.0
    fake = a.clone().requires_grad_(True)
    value = loss(fake, b)
    assert value.item() > 0
    value.backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in loss.parameters())


def test_offline_perceptual_loss():
    check_perceptual_basics(PerceptualLoss.offline())


def test_offline_perceptual_loss_is_deterministic_and_leaves_the_global_rng_alone():
    a, b = image_pair()
    before = torch.get_rng_state()
    first, second = PerceptualLoss.offline(seed=0), PerceptualLoss.offline(seed=0)
    assert torch.equal(torch.get_rng_state(), before)
    assert first(a, b).item() == second(a, b).item()
    assert PerceptualLoss.offline(seed=1)(a, b).item() != first(a, b).item()


def test_offline_perceptual_loss_grows_with_the_difference():
    a, b = image_pair()
    loss = PerceptualLoss.offline()
    assert loss(a, a + 0.05 * (b - a)).item() < loss(a, a + 0.5 * (b - a)).item()


def test_perceptual_loss_rejects_bad_images():
    a, b = image_pair()
    loss = PerceptualLoss.offline()
    with pytest.raises(ValueError, match="same shape"):
        loss(a, b[:1])
    with pytest.raises(ValueError, match="at least 32x32"):
        loss(a[..., :16, :16], b[..., :16, :16])


def _saved(state, path):
    torch.save(state, path)
    return path


@pytest.fixture(scope="module")
def vgg_state() -> dict[str, torch.Tensor]:
    """A random VGG19 features state_dict with torchvision's key names."""
    torch.manual_seed(0)
    return {k: v.clone() for k, v in VGG19Features().state_dict().items()}


def test_vgg_weights_load_from_pth_and_safetensors(vgg_state, tmp_path):
    assert "features.28.weight" in vgg_state and "features.0.bias" in vgg_state
    torch.save(vgg_state, tmp_path / "vgg.pth")
    save_file(vgg_state, tmp_path / "vgg.safetensors")
    for name in ("vgg.pth", "vgg.safetensors"):
        loss = PerceptualLoss.from_weights(tmp_path / name)
        assert torch.equal(loss.extractor.features[28].weight, vgg_state["features.28.weight"])
        check_perceptual_basics(loss)


def test_vgg_weights_accept_the_features_module_and_the_full_network_layouts(vgg_state, tmp_path):
    bare = {k.removeprefix("features."): v for k, v in vgg_state.items()}  # vgg19().features.state_dict()
    torch.save(bare, tmp_path / "bare.pth")
    full = {**vgg_state, "features.34.weight": torch.zeros(512, 512, 3, 3), "classifier.0.bias": torch.zeros(4096)}
    torch.save(full, tmp_path / "full.pth")
    a, b = image_pair()
    reference = PerceptualLoss.from_weights(_saved(vgg_state, tmp_path / "ref.pth"))(a, b).item()
    for name in ("bare.pth", "full.pth"):
        assert PerceptualLoss.from_weights(tmp_path / name)(a, b).item() == reference


def test_vgg_weights_with_wrong_keys_name_them(vgg_state, tmp_path):
    state = dict(vgg_state)
    state["features.3.weight"] = state.pop("features.2.weight")
    with pytest.raises(
        WeightsError, match=r"missing keys \['features.2.weight'\].*unexpected keys \['features.3.weight'\]"
    ):
        PerceptualLoss.from_weights(_saved(state, tmp_path / "wrong.pth"))


def test_vgg_weights_with_wrong_shapes_or_format_are_refused(vgg_state, tmp_path):
    state = {**vgg_state, "features.0.weight": torch.zeros(64, 1, 3, 3)}
    with pytest.raises(WeightsError, match=r"features.0.weight \(64, 1, 3, 3\)"):
        PerceptualLoss.from_weights(_saved(state, tmp_path / "shape.pth"))
    with pytest.raises(WeightsError, match=".safetensors or .pth"):
        PerceptualLoss.from_weights(_saved(vgg_state, tmp_path / "vgg.bin"))
    with pytest.raises(WeightsError, match="no VGG19 weights file"):
        PerceptualLoss.from_weights(tmp_path / "absent.pth")
