"""Multi-scale PatchGAN discriminator (pix2pixHD), conditioned on the mask.

Contract: forward(x) with x = concat(one-hot mask (B,19,H,W), image (B,3,H,W) in [-1,1]),
i.e. (B,input_nc,H,W) -> list over scales (full, 1/2, 1/4, ...; num_d of them) of lists
of n_layers + 2 features; the last feature of each scale is the patch prediction map
(B,1,h,w), unbounded (the loss decides: LSGAN or hinge). Every feature is returned for
the feature-matching loss. Any H, W >= 8 work: the convs' padding of 2 keeps even
the coarsest maps at least 2x2, so there is no multiple-of constraint.

Per scale: n_layers stride-2 4x4 convs and one stride-1 4x4 conv (channels ndf,
2*ndf, ... capped at 8*ndf; instance norm from the second; leaky ReLU 0.2), then a
4x4 conv to one channel. Between scales the input is average-pooled by 2 (3x3 window,
padding not counted), as in pix2pixHD. ``spectral_norm`` wraps every conv but the
last in spectral normalisation (SPADE's choice for a steadier hinge-loss training).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from maskgan.labels import NUM_CLASSES


@dataclass
class DiscriminatorConfig:
    input_nc: int = NUM_CLASSES + 3
    ndf: int = 64
    n_layers: int = 3
    num_d: int = 2
    spectral_norm: bool = False


class PatchDiscriminator(nn.Module):
    """One scale: returns its n_layers + 2 features, the last being the (B,1,h,w) prediction."""

    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        wrap = nn.utils.parametrizations.spectral_norm if config.spectral_norm else (lambda conv: conv)
        channels = [config.input_nc] + [config.ndf * min(2**i, 8) for i in range(config.n_layers + 1)]
        layers = []
        for i in range(config.n_layers + 1):
            stride = 2 if i < config.n_layers else 1
            block = [wrap(nn.Conv2d(channels[i], channels[i + 1], 4, stride, 2))]
            if i > 0:  # pix2pixHD leaves the first layer unnormalised
                block.append(nn.InstanceNorm2d(channels[i + 1]))
            block.append(nn.LeakyReLU(0.2))
            layers.append(nn.Sequential(*block))
        layers.append(nn.Conv2d(channels[-1], 1, 4, 1, 2))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)
        return features


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig | None = None):
        super().__init__()
        self.config = config = config or DiscriminatorConfig()
        if config.num_d < 1 or config.n_layers < 1:
            raise ValueError(
                f"the discriminator needs num_d >= 1 and n_layers >= 1, got {config.num_d} and {config.n_layers}"
            )
        self.scales = nn.ModuleList(PatchDiscriminator(config) for _ in range(config.num_d))

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        if x.dim() != 4 or x.shape[1] != self.config.input_nc:
            raise ValueError(
                f"the discriminator takes concat(one-hot mask, image) with {self.config.input_nc} channels, "
                f"got shape {tuple(x.shape)}"
            )
        outputs = []
        for i, discriminator in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            outputs.append(discriminator(x))
        return outputs
