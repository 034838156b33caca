"""Dense Mapping Network: MaskGAN's generator with the spatial-aware style encoder.

Contract:
  forward(label_onehot, ref_label_onehot, ref_image) -> image
    label_onehot      float (B,19,H,W) one-hot of the target (edited) mask
    ref_label_onehot  float (B,19,H,W) one-hot of the reference (source) mask
    ref_image         float (B,3,H,W) in [-1,1], the reference photo (gives the style)
    image             float (B,3,H,W) in [-1,1] (tanh)
  H and W: multiples of 2**n_downsample and at least max(32, 2**(n_downsample+1)),
  i.e. multiples of 16 and at least 32 for the demo's n_downsample=4 (the encoders
  reach H/32 through reflection pads that need 2 pixels; the trunk must halve
  evenly and keep 2x2 at its bottleneck, where its residual blocks reflect-pad).
  label_onehot may differ in size from the reference pair, which is pooled away.
  forward = render(label_onehot, style_params(ref_label_onehot, ref_image)).

Structure (numerically the official GlobalGenerator; names are our own, and
maskgan.official_import maps the official keys onto them):
  trunk: 7x7 conv + IN + ReLU, n_downsample stride-2 3x3 convs (zero pad) + IN +
  ReLU, n_blocks residual blocks normalised by AdaIN, n_downsample transposed
  convs + IN + ReLU, 7x7 conv + tanh.
  style encoder: convolutions over the reference image, modulated by SFT layers
  conditioned on label-encoder features of the reference mask at H/4 and H/32
  (the "spatial-aware" part), pooled to one vector holding every AdaIN beta/gamma.
  With spatial_style=False there is no label encoder and no SFT (ablation).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from maskgan.networks.blocks import AdaINResBlock, ConvBlock, InstanceNorm, SpatialFeatureTransform

ENCODER_CHANNELS = (16, 32, 64)  # fixed in the official encoders, independent of ngf


@dataclass
class GeneratorConfig:
    """The official demo's configuration by default (89,702,595 parameters)."""

    ngf: int = 64
    n_downsample: int = 4
    n_blocks: int = 4
    label_nc: int = 19
    output_nc: int = 3
    spatial_style: bool = True


def check_size(height: int, width: int, n_downsample: int = 4) -> None:
    """Raise ValueError unless the generator keeps (height, width) unchanged (see module docstring)."""
    multiple, minimum = 2**n_downsample, max(32, 2 ** (n_downsample + 1))
    if height % multiple or width % multiple or height < minimum or width < minimum:
        raise ValueError(f"H and W must be multiples of {multiple} and at least {minimum}, got {height}x{width}")


def _check_input(name: str, tensor: torch.Tensor, channels: int) -> None:
    if tensor.dim() != 4 or tensor.shape[1] != channels:
        raise ValueError(f"{name} must be (B,{channels},H,W), got {tuple(tensor.shape)}")


class LabelEncoder(nn.Module):
    """Features of the reference mask at H/4 (fine) and H/32 (coarse), both pre-activation."""

    def __init__(self, label_nc: int):
        super().__init__()
        c1, c2, c3 = ENCODER_CHANNELS
        self.fine = nn.Sequential(
            ConvBlock(label_nc, c1, 7, 1, 3),
            ConvBlock(c1, c2, 4, 2, 1),
            ConvBlock(c2, c3, 4, 2, 1, activation=False),
        )
        self.coarse = nn.Sequential(
            nn.ReLU(),
            ConvBlock(c3, c3, 4, 2, 1),
            ConvBlock(c3, c3, 4, 2, 1),
            ConvBlock(c3, c3, 4, 2, 1, activation=False),
        )

    def forward(self, label_onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        fine = self.fine(label_onehot)
        return fine, self.coarse(fine)


class StyleEncoder(nn.Module):
    """Reference image (+ mask features when spatial) -> (B, num_params) AdaIN parameters."""

    def __init__(self, num_params: int, spatial: bool):
        super().__init__()
        c1, c2, c3 = ENCODER_CHANNELS
        self.spatial = spatial
        self.stem = nn.Sequential(ConvBlock(3, c1, 7, 1, 3), ConvBlock(c1, c2, 4, 2, 1), ConvBlock(c2, c3, 4, 2, 1))
        self.middle = nn.Sequential(*(ConvBlock(c3, c3, 4, 2, 1) for _ in range(3)))
        if spatial:
            self.sft_fine = SpatialFeatureTransform(c3)
            self.sft_coarse = SpatialFeatureTransform(c3)
        self.to_params = nn.Conv2d(c3, num_params, 1)

    def forward(self, image: torch.Tensor, label_features: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        x = self.stem(image)
        if self.spatial:
            x = self.sft_fine(x, label_features[0])
        x = self.middle(x)
        if self.spatial:
            x = self.sft_coarse(x, label_features[1])
        x = x.mean(dim=(2, 3), keepdim=True)
        return self.to_params(x).flatten(1)


class Generator(nn.Module):
    def __init__(self, config: GeneratorConfig | None = None):
        super().__init__()
        self.config = config = config or GeneratorConfig()
        ngf, n_down = config.ngf, config.n_downsample
        bottleneck = ngf * 2**n_down

        self.input_conv = ConvBlock(config.label_nc, ngf, 7, 1, 3, norm=InstanceNorm())
        self.downsample = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(ngf * 2**i, ngf * 2 ** (i + 1), 3, stride=2, padding=1),
                InstanceNorm(),
                nn.ReLU(inplace=True),
            )
            for i in range(n_down)
        )
        self.res_blocks = nn.ModuleList(AdaINResBlock(bottleneck) for _ in range(config.n_blocks))
        self.upsample = nn.ModuleList(
            nn.Sequential(
                nn.ConvTranspose2d(
                    bottleneck // 2**i, bottleneck // 2 ** (i + 1), 3, stride=2, padding=1, output_padding=1
                ),
                InstanceNorm(),
                nn.ReLU(inplace=True),
            )
            for i in range(n_down)
        )
        self.output_conv = ConvBlock(ngf, config.output_nc, 7, 1, 3, activation=False)

        self.label_encoder = LabelEncoder(config.label_nc) if config.spatial_style else None
        self.style_encoder = StyleEncoder(self.num_style_params, config.spatial_style)

    @property
    def num_style_params(self) -> int:
        return self.config.n_blocks * 4 * self.config.ngf * 2**self.config.n_downsample

    def style_params(self, ref_label_onehot: torch.Tensor, ref_image: torch.Tensor) -> torch.Tensor:
        """(B, num_style_params): every AdaIN beta/gamma, in residual-block order."""
        _check_input("ref_label_onehot", ref_label_onehot, self.config.label_nc)
        _check_input("ref_image", ref_image, 3)
        if ref_label_onehot.shape[0] != ref_image.shape[0] or ref_label_onehot.shape[2:] != ref_image.shape[2:]:
            raise ValueError(
                "ref_label_onehot and ref_image must have the same batch size and H, W, got "
                f"{tuple(ref_label_onehot.shape)} and {tuple(ref_image.shape)}"
            )
        check_size(*ref_image.shape[2:], self.config.n_downsample)
        features = self.label_encoder(ref_label_onehot) if self.label_encoder is not None else None
        return self.style_encoder(ref_image, features)

    def render(self, label_onehot: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Image of ``label_onehot`` in the style ``style`` (from ``style_params``)."""
        _check_input("label_onehot", label_onehot, self.config.label_nc)
        if style.shape != (label_onehot.shape[0], self.num_style_params):
            raise ValueError(
                f"style must be (B, {self.num_style_params}) with B = {label_onehot.shape[0]} (from style_params), "
                f"got {tuple(style.shape)}"
            )
        check_size(*label_onehot.shape[2:], self.config.n_downsample)
        x = self.input_conv(label_onehot)
        for layer in self.downsample:
            x = layer(x)
        offset = 0
        for block in self.res_blocks:
            x = block(x, style[:, offset : offset + block.num_style_params])
            offset += block.num_style_params
        for layer in self.upsample:
            x = layer(x)
        return torch.tanh(self.output_conv(x))

    def forward(
        self, label_onehot: torch.Tensor, ref_label_onehot: torch.Tensor, ref_image: torch.Tensor
    ) -> torch.Tensor:
        return self.render(label_onehot, self.style_params(ref_label_onehot, ref_image))
