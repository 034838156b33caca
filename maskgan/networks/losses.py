"""Training losses: adversarial (LSGAN or hinge), feature matching, KL, mask reconstruction, multi-scale L1.

Discriminator outputs are lists over scales of lists of features (see
discriminator.py); the adversarial terms use each scale's last feature.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class GANLoss:
    def __init__(self, mode: str = "lsgan"):
        if mode not in ("lsgan", "hinge"):
            raise ValueError(f"unknown GAN loss {mode!r}; use 'lsgan' or 'hinge'")
        self.mode = mode

    def __call__(self, outputs: list[list[torch.Tensor]], target_is_real: bool, for_discriminator: bool = True) -> torch.Tensor:
        total = 0.0
        for scale in outputs:
            pred = scale[-1]
            if self.mode == "lsgan":
                total = total + F.mse_loss(pred, torch.full_like(pred, 1.0 if target_is_real else 0.0))
            elif for_discriminator:
                total = total + (F.relu(1 - pred) if target_is_real else F.relu(1 + pred)).mean()
            else:
                total = total - pred.mean()
        return total / len(outputs)


def feature_matching_loss(fake: list[list[torch.Tensor]], real: list[list[torch.Tensor]]) -> torch.Tensor:
    """L1 between discriminator features of fake and (detached) real, pix2pixHD weighting."""
    total = 0.0
    layer_weight = 4.0 / len(fake[0][:-1]) if len(fake[0]) > 1 else 1.0
    for fake_scale, real_scale in zip(fake, real):
        for f, r in zip(fake_scale[:-1], real_scale[:-1]):
            total = total + layer_weight / len(fake) * F.l1_loss(f, r.detach())
    return total


def kl_loss(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return -0.5 * torch.mean(torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1))


def mask_reconstruction_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, labels.long())


def multiscale_l1(fake: torch.Tensor, real: torch.Tensor, scales: int = 3) -> torch.Tensor:
    """Mean L1 at full, 1/2 and 1/4 resolution: a cheap, download-free perceptual substitute."""
    total = 0.0
    for i in range(scales):
        if i:
            fake, real = F.avg_pool2d(fake, 2), F.avg_pool2d(real, 2)
        total = total + F.l1_loss(fake, real)
    return total / scales
