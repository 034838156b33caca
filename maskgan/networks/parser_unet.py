"""Face-parsing UNet whose state dict has the layout of the official CelebAMask-HQ face_parsing ``unet``.

Contract:
  forward(image) -> logits
    image   float (B,3,H,W) in [-1,1] (the official ``Normalize((0.5,)*3, (0.5,)*3)``)
    logits  float (B,num_classes,H,W); argmax over channels gives the label map
  H and W: multiples of 16 (four 2x2 max-pools, then transposed convs back up).
  The official model parses 512x512 photos (its tester resizes every photo to 512).

Structure (the official ``unet`` with its defaults is_deconv=True, is_batchnorm=True):
  channels c = base_channels * (1, 2, 4, 8, 16); official feature_scale 4 gives
  base_channels 16 (64 / 4).
  conv1..conv4, center  two (3x3 conv + BN + ReLU), a 2x2 max-pool between levels
  up_concat4..1         up: 2x2 stride-2 transposed conv, halving the channels;
                        conv: two (3x3 conv + BN + ReLU) over concat(skip, up)
  final                 1x1 conv to the classes
The attribute names are the official ones, so an official state dict loads as it
is (maskgan.official_import checks it first and names what does not fit).

Our extension, off by default: ``norm_sizes`` (parsers trained on several image
sizes). Batch-norm statistics differ between a face rendered at 96 px and at 256 px,
and one set measured over both fits neither (docs/parsing.md has the figures). With
``norm_sizes`` every batch norm keeps one set of running statistics per size
(``running_mean_<size>``, ``running_var_<size>``; SizedBatchNorm2d) and uses the set
of the size nearest to the input's; the official layout is the default (empty).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

LEVELS = 4  # max-pools of the official unet; inputs must be multiples of 2**LEVELS


@dataclass
class ParserUNetConfig:
    """The official face_parsing network by default (1,944,355 parameters); lower base_channels for a CPU."""

    base_channels: int = 16
    in_channels: int = 3
    num_classes: int = 19
    norm_sizes: list[int] = field(default_factory=list)  # one set of batch-norm statistics per image size

    @property
    def channels(self) -> tuple[int, ...]:
        return tuple(self.base_channels * 2**level for level in range(LEVELS + 1))


def check_parser_size(height: int, width: int) -> None:
    """Raise ValueError unless the UNet can parse an image of (height, width)."""
    multiple = 2**LEVELS
    if height % multiple or width % multiple or height < multiple or width < multiple:
        raise ValueError(f"the parser needs H and W that are multiples of {multiple}, got {height}x{width}")


class SizedBatchNorm2d(nn.Module):
    """Batch norm with running statistics for each of several input image sizes.

    In training it normalises with the batch's statistics and tracks none (they are
    measured after training, size by size: maskgan.train.parser_training). In
    evaluation it uses the statistics of the size nearest, on a log scale, to the
    image its input comes from: the input's longer side times ``scale`` (2**level).
    """

    def __init__(self, channels: int, sizes: list[int], scale: int, eps: float = 1e-5):
        super().__init__()
        self.sizes, self.scale, self.eps = tuple(sizes), scale, eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        for size in self.sizes:
            self.register_buffer(f"running_mean_{size}", torch.zeros(channels))
            self.register_buffer(f"running_var_{size}", torch.ones(channels))

    def nearest_size(self, side: int) -> int:
        return min(self.sizes, key=lambda size: abs(math.log(side * self.scale / size)))

    def set_statistics(self, size: int, mean: torch.Tensor, var: torch.Tensor) -> None:
        getattr(self, f"running_mean_{size}").copy_(mean)
        getattr(self, f"running_var_{size}").copy_(var)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return F.batch_norm(x, None, None, self.weight, self.bias, training=True, eps=self.eps)
        size = self.nearest_size(max(x.shape[-2:]))
        mean, var = getattr(self, f"running_mean_{size}"), getattr(self, f"running_var_{size}")
        return F.batch_norm(x, mean, var, self.weight, self.bias, training=False, eps=self.eps)


class DoubleConv(nn.Sequential):
    """Two (3x3 conv + BatchNorm + ReLU); the official ``unetConv2`` (keys conv1.*, conv2.*).

    ``level``: how many times the input image was halved before this block (for SizedBatchNorm2d)."""

    def __init__(self, in_channels: int, out_channels: int, level: int, norm_sizes: list[int]):
        super().__init__()
        self.conv1 = _conv_bn_relu(in_channels, out_channels, level, norm_sizes)
        self.conv2 = _conv_bn_relu(out_channels, out_channels, level, norm_sizes)


def _conv_bn_relu(in_channels: int, out_channels: int, level: int, norm_sizes: list[int]) -> nn.Sequential:
    norm = SizedBatchNorm2d(out_channels, norm_sizes, 2**level) if norm_sizes else nn.BatchNorm2d(out_channels)
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, 1, 1), norm, nn.ReLU())


class UpBlock(nn.Module):
    """Transposed conv up by 2, then DoubleConv over (skip, upsampled); the official ``unetUp``."""

    def __init__(self, in_channels: int, out_channels: int, level: int, norm_sizes: list[int]):
        super().__init__()
        self.conv = DoubleConv(in_channels, out_channels, level, norm_sizes)
        self.up = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2)

    def forward(self, skip: torch.Tensor, below: torch.Tensor) -> torch.Tensor:
        # the official block pads the skip by the size difference, which is 0 for multiples of 16
        return self.conv(torch.cat([skip, self.up(below)], 1))


class ParserUNet(nn.Module):
    def __init__(self, config: ParserUNetConfig | None = None):
        super().__init__()
        self.config = config or ParserUNetConfig()
        c, sizes = self.config.channels, list(self.config.norm_sizes)
        self.conv1 = DoubleConv(self.config.in_channels, c[0], 0, sizes)
        self.conv2 = DoubleConv(c[0], c[1], 1, sizes)
        self.conv3 = DoubleConv(c[1], c[2], 2, sizes)
        self.conv4 = DoubleConv(c[2], c[3], 3, sizes)
        self.center = DoubleConv(c[3], c[4], 4, sizes)
        self.up_concat4 = UpBlock(c[4], c[3], 3, sizes)
        self.up_concat3 = UpBlock(c[3], c[2], 2, sizes)
        self.up_concat2 = UpBlock(c[2], c[1], 1, sizes)
        self.up_concat1 = UpBlock(c[1], c[0], 0, sizes)
        self.final = nn.Conv2d(c[0], self.config.num_classes, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        if image.dim() != 4 or image.shape[1] != self.config.in_channels:
            raise ValueError(f"image must be (B,{self.config.in_channels},H,W), got {tuple(image.shape)}")
        check_parser_size(image.shape[2], image.shape[3])
        skip1 = self.conv1(image)
        skip2 = self.conv2(F.max_pool2d(skip1, 2))
        skip3 = self.conv3(F.max_pool2d(skip2, 2))
        skip4 = self.conv4(F.max_pool2d(skip3, 2))
        x = self.center(F.max_pool2d(skip4, 2))
        x = self.up_concat4(skip4, x)
        x = self.up_concat3(skip3, x)
        x = self.up_concat2(skip2, x)
        x = self.up_concat1(skip1, x)
        return self.final(x)


def norm_layers(network: ParserUNet) -> list[nn.Module]:
    """The network's batch norms (BatchNorm2d or SizedBatchNorm2d), in module order: the same order for every config."""
    return [module for module in network.modules() if isinstance(module, (nn.BatchNorm2d, SizedBatchNorm2d))]
