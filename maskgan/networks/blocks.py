"""Small building blocks shared by the MaskGAN networks.

All blocks take and return NCHW float tensors.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INSTANCE_NORM_EPS = 1e-5


class ConvBlock(nn.Module):
    """Reflection pad -> conv (with bias) -> optional norm -> optional ReLU."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int,
        pad: int,
        activation: bool = True,
        norm: nn.Module | None = None,
    ):
        super().__init__()
        self.pad = nn.ReflectionPad2d(pad) if pad else nn.Identity()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, stride)
        self.norm = norm if norm is not None else nn.Identity()
        # in place: the conv and the norms below it need their inputs for backward, not their outputs
        self.activation = nn.ReLU(inplace=True) if activation else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.norm(self.conv(self.pad(x))))


def instance_norm(x: torch.Tensor, gamma: torch.Tensor | None = None, beta: torch.Tensor | None = None) -> torch.Tensor:
    """Instance-normalise x per sample and channel (biased variance), then scale by gamma and shift by beta.

    gamma, beta: (B, C) or None (no affine). One batch norm over the batch folded into the
    channels normalises, scales and shifts in a single pass (the official AdaIN does the
    same). Unlike F.instance_norm, it keeps a channels_last x channels_last (F.instance_norm
    copies it to NCHW and back, which cost the bf16 fast path a fifth of its time).
    """
    b, c, h, w = x.shape
    if b > 1 and not x.is_contiguous():  # channels_last: folding the batch would copy; one sample at a time
        out = torch.empty_like(x)  # keeps channels_last (torch.cat of the samples would not)
        for i in range(b):
            sample = slice(i, i + 1)
            out[sample] = instance_norm(x[sample], *(None if t is None else t[sample] for t in (gamma, beta)))
        return out
    weight, bias = (None if t is None else t.reshape(-1) for t in (gamma, beta))
    if b == 1:  # already one "batch" of c channels; reshaping would give channels_last an odd batch stride, which
        # the next reflection pad takes for NCHW and copies
        return F.batch_norm(x, None, None, weight, bias, True, 0.0, INSTANCE_NORM_EPS)
    return F.batch_norm(x.reshape(1, b * c, h, w), None, None, weight, bias, True, 0.0, INSTANCE_NORM_EPS).view(
        b, c, h, w
    )


def adaptive_instance_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """AdaIN: instance norm with per-sample (B, C) gamma and beta, used directly (no "+1"), as in the official demo."""
    return instance_norm(x, gamma, beta)


class InstanceNorm(nn.Module):
    """nn.InstanceNorm2d(affine=False), numerically, that keeps the memory format (see instance_norm)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return instance_norm(x)


class SpatialFeatureTransform(nn.Module):
    """SFT: modulates features with a per-pixel scale and shift predicted from a condition map.

    out = x * scale(cond) + shift(cond), each predicted by two 1x1 convs with a
    leaky ReLU (slope 0.1) between them.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.scale = nn.Sequential(
            nn.Conv2d(channels, channels, 1), nn.LeakyReLU(0.1), nn.Conv2d(channels, channels, 1)
        )
        self.shift = nn.Sequential(
            nn.Conv2d(channels, channels, 1), nn.LeakyReLU(0.1), nn.Conv2d(channels, channels, 1)
        )

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return x * self.scale(condition) + self.shift(condition)


class AdaINResBlock(nn.Module):
    """x + (pad-conv-AdaIN-ReLU-pad-conv-AdaIN)(x); AdaIN parameters come from the style encoder."""

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.conv1 = ConvBlock(channels, channels, 3, 1, 1, activation=False)
        self.conv2 = ConvBlock(channels, channels, 3, 1, 1, activation=False)

    @property
    def num_style_params(self) -> int:
        return 4 * self.channels  # (beta, gamma) for each of the two convs

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        c = self.channels
        beta1, gamma1, beta2, gamma2 = (style[:, i * c : (i + 1) * c] for i in range(4))
        y = F.relu(adaptive_instance_norm(self.conv1(x), gamma1, beta1), inplace=True)
        y = adaptive_instance_norm(self.conv2(y), gamma2, beta2)
        return x + y
