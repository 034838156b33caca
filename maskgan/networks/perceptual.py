"""Perceptual loss: L1 between feature maps of a frozen network, weighted per layer.

Contract: PerceptualLoss(...)(fake, target) -> scalar; fake, target float (B,3,H,W) in
[-1,1], H and W at least 32 (five scales); gradients flow to ``fake``; ``target`` is treated as a constant. The module
holds no trainable parameter and draws nothing from the global RNG.

Two feature networks:
  PerceptualLoss.from_weights(path)  VGG19 as in pix2pixHD: relu1_1, relu2_1, relu3_1,
      relu4_1, relu5_1 weighted 1/32, 1/16, 1/8, 1/4, 1; inputs mapped from [-1,1] to
      ImageNet-normalised RGB. ``path`` is a ``.safetensors`` file or a ``.pth``/``.pt``
      state_dict (read with weights_only=True) of torchvision's vgg19 ``features`` part:
      keys ``features.N.weight``/``features.N.bias`` (or ``N.weight`` as saved from
      ``vgg19().features``) for the convs N = 0, 2, 5, ..., 28. A whole vgg19 state_dict
      also loads: ``classifier.*`` and the convs past relu5_1 (30, 32, 34) are ignored.
      Made once where torchvision exists, e.g.
      ``torch.save(vgg19(weights="IMAGENET1K_V1").features.state_dict(), "vgg19_features.pth")``.
  PerceptualLoss.offline(seed=0)  the substitute when no weights file is at hand (nothing
      is downloaded, ever): a fixed random conv network, see docs/networks.md.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from maskgan.weights import WeightsError

# torchvision's vgg19 ``features`` up to relu5_1: conv widths, "M" for a 2x2 max pool.
VGG19_LAYOUT = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512)
# Sequential indices just past relu1_1, relu2_1, relu3_1, relu4_1, relu5_1.
VGG19_TAPS = (2, 7, 12, 21, 30)
VGG19_LAYER_WEIGHTS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)
# Keys of a full torchvision vgg19 that the loss does not need (layers past relu5_1, classifier).
VGG19_UNUSED = {f"features.{i}.{p}" for i in (30, 32, 34) for p in ("weight", "bias")}
MIN_SIZE = 32  # five scales: the coarsest is H/16 and must still be 2 pixels wide
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# The offline network: one 3x3 conv + ReLU per scale, 2x average pool between scales.
OFFLINE_CHANNELS = (16, 32, 64, 128, 128)


class VGG19Features(nn.Module):
    """torchvision's vgg19().features[:30] with the same indices; returns the five tapped ReLUs."""

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 3
        for item in VGG19_LAYOUT:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(in_ch, item, 3, padding=1), nn.ReLU()]
                in_ch = item
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        taps, start = [], 0
        for end in VGG19_TAPS:
            x = self.features[start:end](x)
            taps.append(x)
            start = end
        return taps


class RandomFeatures(nn.Module):
    """Fixed random conv features at five scales, seeded: the offline substitute for VGG19.

    Weights are He-normal (so activations keep their scale through the ReLUs and every
    scale contributes alike), biases zero, drawn from ``torch.Generator().manual_seed(seed)``.
    """

    def __init__(self, seed: int = 0, channels: Sequence[int] = OFFLINE_CHANNELS):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        with torch.device("meta"):  # no default init: it would draw from the global RNG
            convs = [nn.Conv2d(i, o, 3) for i, o in zip((3, *channels[:-1]), channels)]
        self.convs = nn.ModuleList(conv.to_empty(device="cpu") for conv in convs)
        with torch.no_grad():
            for conv in self.convs:
                fan_in = conv.in_channels * 9
                conv.weight.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=generator)
                conv.bias.zero_()

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for i, conv in enumerate(self.convs):
            if i:
                x = F.avg_pool2d(x, 2)
            x = F.relu(conv(F.pad(x, (1, 1, 1, 1), mode="reflect")))
            features.append(x)
        return features


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise WeightsError(f"no VGG19 weights file at {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(path)
    if path.suffix in (".pth", ".pt"):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            raise WeightsError(f"{path} is not a weights_only-loadable state_dict: {error}") from None
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise WeightsError(f"{path} must hold a flat state_dict (name -> tensor) of vgg19 features")
        return state
    raise WeightsError(f"VGG19 weights must be a .safetensors or .pth/.pt file, got {path.name}")


def _vgg_state_dict(
    state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], source: Path
) -> dict[str, torch.Tensor]:
    """The tensors of ``state`` under our key names, or WeightsError naming the wrong keys."""
    if not any(key.startswith("features.") for key in state):
        state = {f"features.{key}": value for key, value in state.items()}  # saved from vgg19().features
    state = {k: v for k, v in state.items() if k not in VGG19_UNUSED and not k.startswith("classifier.")}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise WeightsError(
            f"{source} is not a torchvision vgg19 features state_dict: missing keys {missing or 'none'}, "
            f"unexpected keys {unexpected or 'none'} (expected features.N.weight/bias for N in 0, 2, 5, ..., 28)"
        )
    wrong = [
        f"{k} {tuple(state[k].shape)} (expected {tuple(v.shape)})"
        for k, v in expected.items()
        if state[k].shape != v.shape
    ]
    if wrong:
        raise WeightsError(f"{source} has tensors of the wrong shape: {', '.join(wrong)}")
    return {k: v.float() for k, v in state.items()}


class PerceptualLoss(nn.Module):
    """Weighted L1 between frozen features of ``fake`` and ``target``; build with from_weights or offline."""

    def __init__(self, extractor: nn.Module, layer_weights: Sequence[float], imagenet_input: bool):
        super().__init__()
        self.extractor = extractor.eval().requires_grad_(False)
        self.layer_weights = tuple(float(w) for w in layer_weights)
        self.imagenet_input = imagenet_input
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    @classmethod
    def from_weights(cls, path: str | os.PathLike) -> PerceptualLoss:
        """pix2pixHD's VGG19 loss, with the weights read from ``path`` (format: module docstring)."""
        path = Path(path)
        with torch.device("meta"):  # the file gives every weight: skip VGG's random init
            vgg = VGG19Features()
        vgg.load_state_dict(_vgg_state_dict(_read_state_dict(path), vgg.state_dict(), path), assign=True)
        return cls(vgg, VGG19_LAYER_WEIGHTS, imagenet_input=True)

    @classmethod
    def offline(cls, seed: int = 0) -> PerceptualLoss:
        """The download-free substitute: random features at five scales, equally weighted."""
        return cls(RandomFeatures(seed), [1.0 / len(OFFLINE_CHANNELS)] * len(OFFLINE_CHANNELS), imagenet_input=False)

    def _prepare(self, image: torch.Tensor) -> torch.Tensor:
        if self.imagenet_input:
            return ((image + 1) / 2 - self.mean) / self.std
        return image

    def forward(self, fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if fake.dim() != 4 or fake.shape[1] != 3 or fake.shape != target.shape:
            raise ValueError(
                f"the perceptual loss compares two images of the same shape (B,3,H,W), "
                f"got {tuple(fake.shape)} and {tuple(target.shape)}"
            )
        if min(fake.shape[-2:]) < MIN_SIZE:
            raise ValueError(
                f"the perceptual loss needs images of at least {MIN_SIZE}x{MIN_SIZE}, got {tuple(fake.shape[-2:])}"
            )
        fake_features = self.extractor(self._prepare(fake))
        with torch.no_grad():
            target_features = self.extractor(self._prepare(target))
        total = fake.new_zeros(())
        for weight, f, t in zip(self.layer_weights, fake_features, target_features):
            total = total + weight * F.l1_loss(f, t)
        return total
