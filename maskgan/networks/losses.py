"""Training losses: adversarial (LSGAN or hinge), feature matching, KL, mask reconstruction, multi-scale L1.

Discriminator outputs are lists over scales of lists of features (see
discriminator.py); the adversarial terms use each scale's last feature (the
prediction map) and average over scales, the feature-matching term uses the others.
Every function returns a scalar tensor. The perceptual loss lives in perceptual.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GAN_MODES = ("lsgan", "hinge")


class GANLoss:
    """Adversarial loss over multi-scale discriminator outputs.

    lsgan (pix2pixHD): mean squared distance of the predictions to 1 (real) or 0 (fake),
    for D and G alike. hinge (SPADE): D minimises mean(relu(1 - pred)) on real and
    mean(relu(1 + pred)) on fake; G minimises -mean(pred) (target_is_real must be True).
    """

    def __init__(self, mode: str = "lsgan"):
        if mode not in GAN_MODES:
            raise ValueError(f"unknown GAN loss {mode!r}; use one of {', '.join(GAN_MODES)}")
        self.mode = mode

    def _scale_loss(self, pred: torch.Tensor, target_is_real: bool, for_discriminator: bool) -> torch.Tensor:
        if self.mode == "lsgan":
            return F.mse_loss(pred, torch.full_like(pred, 1.0 if target_is_real else 0.0))
        if for_discriminator:
            return F.relu(1 - pred).mean() if target_is_real else F.relu(1 + pred).mean()
        if not target_is_real:
            raise ValueError("the generator's hinge loss is defined only for target_is_real=True")
        return -pred.mean()

    def __call__(
        self, preds: list[list[torch.Tensor]], target_is_real: bool, for_discriminator: bool = True
    ) -> torch.Tensor:
        if not preds:
            raise ValueError("GANLoss needs the discriminator's outputs: a non-empty list over scales")
        losses = [self._scale_loss(scale[-1], target_is_real, for_discriminator) for scale in preds]
        return torch.stack(losses).mean()


def feature_matching_loss(fake_feats: list[list[torch.Tensor]], real_feats: list[list[torch.Tensor]]) -> torch.Tensor:
    """L1 between the discriminator's intermediate features of fake and real (detached) inputs.

    pix2pixHD weighting: each layer counts 4 / (n_layers + 1) * 1 / num_D, where
    n_layers + 1 is the number of intermediate features per scale (the prediction map
    is left out).
    """
    if len(fake_feats) != len(real_feats) or any(len(f) != len(r) for f, r in zip(fake_feats, real_feats)):
        raise ValueError("fake and real discriminator outputs differ in their number of scales or features")
    if not fake_feats or len(fake_feats[0]) < 2:
        raise ValueError(
            "feature matching needs at least one scale with an intermediate feature besides the prediction"
        )
    weight = 4.0 / (len(fake_feats[0]) - 1) / len(fake_feats)
    total = fake_feats[0][0].new_zeros(())
    for fake_scale, real_scale in zip(fake_feats, real_feats):
        for fake, real in zip(fake_scale[:-1], real_scale[:-1]):
            total = total + weight * F.l1_loss(fake, real.detach())
    return total


def kl_loss(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over latent dimensions, averaged over the batch.

    Summed, not averaged, over dimensions (the textbook ELBO): next to a per-pixel mean
    reconstruction loss it needs a small weight (a beta of about 1e-4..1e-2).
    """
    return -0.5 * torch.mean(torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1))


def mask_reconstruction_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of class logits (B,19,H,W) against label maps (B,H,W) or (B,1,H,W), mean per pixel."""
    if labels.dim() == 4 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != logits.shape[:1] + logits.shape[2:]:
        raise ValueError(f"labels {tuple(labels.shape)} do not match logits {tuple(logits.shape)}: expected (B,H,W)")
    return F.cross_entropy(logits, labels.long())


def multiscale_l1(fake: torch.Tensor, real: torch.Tensor, scales: int = 3) -> torch.Tensor:
    """Mean L1 at full, 1/2 and 1/4 resolution: pixels plus a little low-frequency emphasis."""
    total = 0.0
    for i in range(scales):
        if i:
            fake, real = F.avg_pool2d(fake, 2), F.avg_pool2d(real, 2)
        total = total + F.l1_loss(fake, real)
    return total / scales
