"""The learned parser: a face-parsing UNet (maskgan.networks.parser_unet) loaded from a parser bundle.

It has no face detector: it parses the whole photo as one face, which is right for
face-centred crops (the synthetic world, CelebAMask-HQ, the editor's crops) and
says so in every result's notes.

Working size (the size the network sees), from the bundle's card:
  ``native_sizes: [lo, hi]`` (parsers we train on several sizes): the photo's own
      size when its longer side is within [lo, hi], else scaled (aspect kept) so
      that it is; rounded to multiples of 16.
  otherwise ``resolution`` x ``resolution``: the official parser resizes every
      photo to 512x512, as its tester does.
Photos are resized to the working size (bilinear, antialiased when shrinking),
parsed (argmax), and the labels resized back to the photo (nearest neighbour, so
classes are never blended).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from maskgan.core.tensors import to_model_range
from maskgan.labels import class_index
from maskgan.networks.parser_unet import LEVELS
from maskgan.parsing import FaceBox, ParserError, ParseResult

SHIPPED_PARSER = Path(__file__).resolve().parents[1] / "assets" / "weights" / "parser_synthetic.safetensors"
MULTIPLE = 2**LEVELS
FEATURES = tuple(class_index(key) for key in ("nose", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip"))
MIN_SKIN_SHARE = 0.01  # of the image: a face-centred crop holds far more (7% for a small synthetic face at 96 px)
MIN_FEATURE_SHARE = 0.001  # eyes, brows, nose and lips together
NO_DETECTOR_NOTE = (
    "the learned parser has no face detector: it parsed the whole image as one face "
    "(crop the photo to the face, with hair and neck, for the best mask)"
)


def working_size(height: int, width: int, card: dict) -> tuple[int, int]:
    """(height, width) at which a parser with this card parses a photo of (height, width)."""
    span = card.get("native_sizes")
    if not span:
        side = int(card.get("resolution", 512))
        return side, side
    low, high = span
    longer = max(height, width)
    scale = min(max(longer, low), high) / longer
    return tuple(max(MULTIPLE, round(side * scale / MULTIPLE) * MULTIPLE) for side in (height, width))


def check_images(images: np.ndarray | torch.Tensor) -> None:
    """Raise ParserError unless ``images`` is uint8 (N,H,W,3) RGB."""
    if images.dtype not in (np.uint8, torch.uint8) or images.ndim != 4 or images.shape[-1] != 3:
        raise ParserError(
            f"the parser takes uint8 RGB images (N,H,W,3), got dtype {images.dtype} and shape {tuple(images.shape)}"
        )
    if images.shape[1] < 1 or images.shape[2] < 1:
        raise ParserError(f"cannot parse an empty image of shape {tuple(images.shape[1:])}")


def has_face(labels: np.ndarray) -> bool:
    """Whether a label map shows a face: enough skin, and some of the features inside it."""
    skin = np.count_nonzero(labels == class_index("skin"))
    features = np.count_nonzero(np.isin(labels, FEATURES))
    return skin >= MIN_SKIN_SHARE * labels.size and features >= max(1, MIN_FEATURE_SHARE * labels.size)


class LearnedParser:
    """Parser protocol (maskgan.parsing.Parser) over a ParserUNet; ``parse_batch`` for many same-size images."""

    unseen: tuple[str, ...] = ()

    def __init__(self, network: torch.nn.Module, card: dict, device: str | torch.device = "cpu", chunk: int = 32):
        self.network = network.to(device).eval()
        self.card = card
        self.device = torch.device(device)
        self.chunk = chunk  # images per forward pass: bounds memory on long batches
        self.name = f"learned parser ({card.get('name', 'unnamed')})"

    @classmethod
    def from_bundle(cls, path: str | Path | None = None, device: str | torch.device = "cpu") -> "LearnedParser":
        """The parser in bundle ``path``; None: the shipped parser trained on the synthetic face world.

        WeightsError (a ValueError) when the file is not a parser bundle."""
        from maskgan.weights import load_parser_bundle

        if path is None:
            if not SHIPPED_PARSER.exists():
                raise ParserError(
                    f"the shipped synthetic-world parser is missing ({SHIPPED_PARSER}); train one with "
                    f"`maskgan train-parser --run runs/parser --output {SHIPPED_PARSER}`, or pass --parser-weights"
                )
            path = SHIPPED_PARSER
        bundle = load_parser_bundle(path, device)
        return cls(bundle.parser, bundle.card, device)

    def parse(self, image: np.ndarray, face: int = 0) -> ParseResult:
        """The label map of an HxWx3 uint8 RGB photo, at the photo's size; the whole photo is face 0."""
        image = np.asarray(image)
        check_images(image[None])
        if face != 0:
            raise ParserError(
                f"the learned parser has no face detector and sees the whole image as face 0; got face {face}. "
                "Crop the photo to the face you want instead"
            )
        height, width = image.shape[:2]
        labels = self.parse_batch(image[None])[0]
        if not has_face(labels):
            raise ParserError(
                f"no face found: the {self.name} marked no face (skin with eyes, brows, nose or lips) in this "
                f"{width}x{height} image. Crop the photo to the face, with hair and neck"
            )
        return ParseResult(labels, self.name, [FaceBox(0, 0, width, height)], 0, self.unseen, [NO_DETECTOR_NOTE])

    @torch.no_grad()
    def parse_batch(self, images: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """Label maps (N,H,W) uint8 of same-size uint8 RGB images (N,H,W,3).

        numpy in, numpy out; a tensor in, a CPU tensor out."""
        check_images(images)
        as_numpy = isinstance(images, np.ndarray)
        batch = torch.tensor(images) if as_numpy else images  # a copy: photos may be read-only arrays
        height, width = batch.shape[1:3]
        size = working_size(height, width, self.card)
        chunks = [self._parse_chunk(batch[i : i + self.chunk], size) for i in range(0, len(batch), self.chunk)]
        labels = torch.cat(chunks) if chunks else torch.zeros((0, height, width), dtype=torch.uint8)
        return labels.numpy() if as_numpy else labels

    def _parse_chunk(self, images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        x = to_model_range(images.to(self.device))  # the official Normalize(0.5, 0.5), as training's items
        photo_size = tuple(x.shape[2:])
        if photo_size != size:
            shrinking = size[0] < photo_size[0] or size[1] < photo_size[1]
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=shrinking)
        labels = self.network(x).argmax(1, keepdim=True).to(torch.uint8)
        if photo_size != size:
            labels = F.interpolate(labels, size=photo_size, mode="nearest")
        return labels[:, 0].cpu()
