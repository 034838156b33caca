"""Multi-scale PatchGAN discriminator (pix2pixHD), conditioned on the mask.

Contract: forward(x) with x = concat(one-hot mask (B,19,H,W), image (B,3,H,W) in [-1,1])
-> list over scales (full, 1/2, 1/4, ...) of lists of features; the last feature of
each scale is the patch prediction map (B,1,h,w). Every feature is returned for the
feature-matching loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class DiscriminatorConfig:
    input_nc: int = 19 + 3
    ndf: int = 64
    n_layers: int = 3
    num_d: int = 2
    spectral_norm: bool = False


class PatchDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        wrap = nn.utils.spectral_norm if config.spectral_norm else (lambda m: m)
        channels = [config.input_nc] + [config.ndf * min(2**i, 8) for i in range(config.n_layers + 1)]
        layers = []
        for i in range(config.n_layers + 1):
            stride = 2 if i < config.n_layers else 1
            block = [wrap(nn.Conv2d(channels[i], channels[i + 1], 4, stride, 2))]
            if i > 0:
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
        self.scales = nn.ModuleList(PatchDiscriminator(config) for _ in range(config.num_d))

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        outputs = []
        for i, discriminator in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            outputs.append(discriminator(x))
        return outputs
