"""Alpha Blender: predicts a per-pixel alpha that blends two generated images.

Contract:
  forward(image_a, image_b, mask_onehot=None) -> (blended, alpha)
    image_a, image_b  float (B,3,H,W) in [-1,1] (two renderings, e.g. of the "inter"
                      and "outer" masks in EBST's dual editing)
    mask_onehot       float (B,19,H,W), required when config.mask_channels > 0 (the
                      default) and refused when it is 0
    alpha             float (B,1,H,W) in [0,1] (sigmoid)
    blended           alpha * image_a + (1 - alpha) * image_b, so in [-1,1] too
  H and W: multiples of 2**n_downsample and at least 2**(n_downsample+1).

Structure: a small U-Net (reflection-padded convs, stride-2 down, nearest-upsample +
conv up, skip connections so that alpha edges can follow image and mask edges at
full resolution). No normalisation: alpha must depend on absolute differences
between the two images, which instance normalisation would partly remove.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from maskgan.labels import NUM_CLASSES
from maskgan.networks.blocks import ConvBlock


@dataclass
class BlenderConfig:
    ngf: int = 32
    n_downsample: int = 3
    max_channels: int = 256
    mask_channels: int = NUM_CLASSES  # 0: blend from the two images alone


class AlphaBlender(nn.Module):
    def __init__(self, config: BlenderConfig | None = None):
        super().__init__()
        self.config = config = config or BlenderConfig()
        channels = [min(config.ngf * 2**i, config.max_channels) for i in range(config.n_downsample + 1)]
        self.stem = ConvBlock(3 + 3 + config.mask_channels, channels[0], 3, 1, 1)
        self.down = nn.ModuleList(ConvBlock(channels[i], channels[i + 1], 4, 2, 1) for i in range(config.n_downsample))
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        # up[i] takes the upsampled level i+1 concatenated with the skip of level i.
        self.up = nn.ModuleList(
            ConvBlock(channels[i + 1] + channels[i], channels[i], 3, 1, 1) for i in range(config.n_downsample)
        )
        self.to_alpha = ConvBlock(channels[0], 1, 3, 1, 1, activation=False)

    def _check(self, image_a: torch.Tensor, image_b: torch.Tensor, mask_onehot: torch.Tensor | None) -> None:
        if image_a.dim() != 4 or image_a.shape[1] != 3 or image_a.shape != image_b.shape:
            raise ValueError(
                f"AlphaBlender needs two images of the same shape (B,3,H,W), got {tuple(image_a.shape)} and {tuple(image_b.shape)}"
            )
        n = self.config.n_downsample
        h, w = image_a.shape[-2:]
        if h % 2**n or w % 2**n or min(h, w) < 2 ** (n + 1):
            raise ValueError(f"AlphaBlender needs H and W multiples of {2**n} and at least {2 ** (n + 1)}, got {h}x{w}")
        expected = self.config.mask_channels
        if expected and mask_onehot is None:
            raise ValueError(f"this AlphaBlender is conditioned on the mask: pass mask_onehot (B,{expected},H,W)")
        if not expected and mask_onehot is not None:
            raise ValueError("this AlphaBlender was built without mask conditioning (mask_channels=0): pass no mask")
        if mask_onehot is not None and mask_onehot.shape != (image_a.shape[0], expected, h, w):
            raise ValueError(
                f"mask_onehot must be {(image_a.shape[0], expected, h, w)}, got {tuple(mask_onehot.shape)}"
            )

    def forward(
        self, image_a: torch.Tensor, image_b: torch.Tensor, mask_onehot: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        self._check(image_a, image_b, mask_onehot)
        inputs = [image_a, image_b] + ([mask_onehot] if mask_onehot is not None else [])
        x = self.stem(torch.cat(inputs, 1))
        skips = []
        for down in self.down:
            skips.append(x)
            x = down(x)
        for up, skip in zip(reversed(self.up), reversed(skips)):
            x = up(torch.cat([self.upsample(x), skip], 1))
        alpha = torch.sigmoid(self.to_alpha(x))
        return alpha * image_a + (1 - alpha) * image_b, alpha
