"""MaskVAE: a variational auto-encoder over 19-class face masks.

Contract:
  encode(onehot)  float (B,19,S,S) one-hot (or soft) mask -> (mu, logvar), each (B,latent_dim)
  decode(z)       float (B,latent_dim) -> logits (B,19,S,S); argmax over dim 1 is a label map
  forward(onehot) -> (logits, mu, logvar), with z drawn by ``reparameterize`` in training
  and z = mu in eval mode.
  S = config.resolution, a multiple of 16. Masks of another size must be brought to
  S x S first: ``resize_labels`` does it with nearest-neighbour sampling (never
  blending, so every pixel keeps a valid class); the caller resizes the results back.

Latent-space helpers (for EBST training masks and the editor's variants), all on the
posterior means, without gradients, each returning int64 label maps (N,S,S):
  interpolate(a, b, steps)        from mask a to mask b ("inter" masks)
  extrapolate(src, other, alpha)  z_src + (z_src - z_other) * alpha ("outer" masks)
  sample_near(mask, n, scale, generator)  z_src + scale * N(0, I) (variants)

Structure: a convolutional encoder halves the mask until it is at most
``bottleneck`` pixels wide (or odd), a linear layer maps the flattened features to
mu and logvar; the decoder mirrors it with nearest upsampling + 3x3 convs (not
transposed convs, whose checkerboard artefacts turn into speckled labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from maskgan.labels import NUM_CLASSES
from maskgan.networks.blocks import ConvBlock


@dataclass
class MaskVAEConfig:
    resolution: int = 512  # S: masks are S x S, S a multiple of 16
    latent_dim: int = 512
    base_channels: int = 32  # channels after the first conv; doubled at each halving
    max_channels: int = 256
    bottleneck: int = 4  # the encoder halves the mask while it is wider than this (and even)


def halvings(resolution: int, bottleneck: int) -> int:
    """How often the encoder halves an S x S mask: while S is even and wider than ``bottleneck``."""
    count = 0
    while resolution > bottleneck and resolution % 2 == 0:
        resolution //= 2
        count += 1
    return count


def resize_labels(labels: torch.Tensor, size: int) -> torch.Tensor:
    """Integer label maps (...,H,W) -> (...,size,size), nearest neighbour (pixel centres aligned)."""
    if labels.shape[-2:] == (size, size):
        return labels
    flat = labels.reshape(-1, 1, *labels.shape[-2:]).float()
    resized = F.interpolate(flat, size=(size, size), mode="nearest-exact")
    return resized.round().to(labels.dtype).reshape(*labels.shape[:-2], size, size)


def _standard_normal(like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """N(0, I) noise shaped like ``like``, drawn on the generator's device (so a CPU
    generator serves a model on any device) and moved to ``like``'s."""
    device = generator.device if generator is not None else like.device
    return torch.randn(like.shape, generator=generator, device=device, dtype=like.dtype).to(like.device)


class MaskVAE(nn.Module):
    def __init__(self, config: MaskVAEConfig | None = None):
        super().__init__()
        self.config = config = config or MaskVAEConfig()
        if config.resolution < 16 or config.resolution % 16:
            raise ValueError(
                f"MaskVAE resolution must be a multiple of 16 (64..512 in practice), got {config.resolution}"
            )
        if config.bottleneck < 2:
            raise ValueError(
                f"MaskVAE bottleneck must be at least 2 pixels (reflection padding), got {config.bottleneck}"
            )
        n_down = halvings(config.resolution, config.bottleneck)
        self.bottleneck_size = config.resolution >> n_down
        channels = [min(config.base_channels * 2**i, config.max_channels) for i in range(n_down + 1)]
        self.bottleneck_channels = channels[-1]
        flat = channels[-1] * self.bottleneck_size**2

        self.encoder = nn.Sequential(
            ConvBlock(NUM_CLASSES, channels[0], 3, 1, 1),
            *(ConvBlock(channels[i], channels[i + 1], 4, 2, 1) for i in range(n_down)),
            nn.Flatten(),
        )
        self.to_mu = nn.Linear(flat, config.latent_dim)
        self.to_logvar = nn.Linear(flat, config.latent_dim)
        self.from_latent = nn.Sequential(nn.Linear(config.latent_dim, flat), nn.ReLU())
        self.decoder = nn.Sequential(
            *(
                nn.Sequential(
                    nn.Upsample(scale_factor=2, mode="nearest"), ConvBlock(channels[i + 1], channels[i], 3, 1, 1)
                )
                for i in reversed(range(n_down))
            ),
            ConvBlock(channels[0], NUM_CLASSES, 3, 1, 1, activation=False),
        )

    # --- the VAE ---------------------------------------------------------------------
    def _check_mask(self, onehot: torch.Tensor) -> None:
        size = self.config.resolution
        if onehot.dim() != 4 or onehot.shape[1:] != (NUM_CLASSES, size, size):
            raise ValueError(
                f"MaskVAE expects one-hot masks (B,{NUM_CLASSES},{size},{size}), got {tuple(onehot.shape)}; "
                f"resize label maps with maskgan.networks.mask_vae.resize_labels(labels, {size}) before one_hot"
            )

    def encode(self, onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self._check_mask(onehot)
        features = self.encoder(onehot)
        return self.to_mu(features), self.to_logvar(features)

    @staticmethod
    def reparameterize(
        mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """z = mu + sigma * eps, eps ~ N(0, I): a sample that gradients flow through."""
        return mu + torch.exp(0.5 * logvar) * _standard_normal(mu, generator)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(f"MaskVAE latents must be (B,{self.config.latent_dim}), got {tuple(z.shape)}")
        features = self.from_latent(z).view(-1, self.bottleneck_channels, self.bottleneck_size, self.bottleneck_size)
        return self.decoder(features)

    def forward(self, onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(onehot)
        z = self.reparameterize(mu, logvar) if self.training else mu
        return self.decode(z), mu, logvar

    # --- latent-space helpers ---------------------------------------------------------
    def _mean_of(self, onehot: torch.Tensor) -> torch.Tensor:
        """Posterior mean (1,latent_dim) of one mask given as (19,S,S) or (1,19,S,S)."""
        if onehot.dim() == 3:
            onehot = onehot.unsqueeze(0)
        if onehot.dim() == 4 and onehot.shape[0] != 1:
            raise ValueError(f"this helper takes one mask, (19,S,S) or (1,19,S,S); got a batch of {onehot.shape[0]}")
        return self.encode(onehot)[0]

    def _labels(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z).argmax(1)

    @torch.no_grad()
    def interpolate(self, onehot_a: torch.Tensor, onehot_b: torch.Tensor, steps: int) -> torch.Tensor:
        """``steps`` label maps (steps,S,S) from a (first) to b (last), evenly spaced in latent space."""
        if steps < 2:
            raise ValueError(f"interpolation needs at least 2 steps (both ends), got {steps}")
        mu_a, mu_b = self._mean_of(onehot_a), self._mean_of(onehot_b)
        t = torch.linspace(0.0, 1.0, steps, device=mu_a.device, dtype=mu_a.dtype)[:, None]
        return self._labels(torch.lerp(mu_a, mu_b, t))

    @torch.no_grad()
    def extrapolate(
        self, onehot_src: torch.Tensor, onehot_other: torch.Tensor, alpha: float | Sequence[float]
    ) -> torch.Tensor:
        """Label maps (N,S,S), one per alpha, at z_src + (z_src - z_other) * alpha: src pushed away from other."""
        mu_src, mu_other = self._mean_of(onehot_src), self._mean_of(onehot_other)
        alphas = torch.as_tensor(alpha, device=mu_src.device, dtype=mu_src.dtype).reshape(-1, 1)
        return self._labels(mu_src + (mu_src - mu_other) * alphas)

    @torch.no_grad()
    def sample_near(self, onehot: torch.Tensor, n: int, scale: float, generator: torch.Generator) -> torch.Tensor:
        """``n`` label maps (n,S,S) decoded at z_src + scale * eps, eps ~ N(0, I) drawn from ``generator``.

        ``scale`` is in units of the prior's standard deviation: 0 gives the mask's own
        reconstruction n times, ~0.5 gives close variants, >= 1 drifts to other faces.
        """
        if n < 1:
            raise ValueError(f"sample_near needs n >= 1, got {n}")
        mu = self._mean_of(onehot).expand(n, -1)
        return self._labels(mu + scale * _standard_normal(mu, generator))
