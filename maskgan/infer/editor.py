"""Editor: one loaded model bundle, and every edit operation the product offers.

Boundary arrays: photos uint8 HxWx3 RGB (any size up to 64 MP), masks uint8 HxW
label maps 0..18 of the photo's size. Results are photo-sized: an RGBA layer,
transparent where the edit changed nothing, and the blended RGB.

Long operations take ``progress(done, total, message)`` and ``cancel`` (anything
with ``is_set()``); a set cancel raises ``Cancelled`` at the next step.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from maskgan.data.items import image_to_tensor, tensor_to_image
from maskgan.infer import crop
from maskgan.infer.precision import choose_device, choose_precision
from maskgan.infer.weights_path import default_weights_path
from maskgan.labels import check_label_map, one_hot
from maskgan.networks.generator import check_size
from maskgan.weights import load_bundle


class Cancelled(Exception):
    """The request was cancelled by the user."""


@dataclass
class EditResult:
    layer: np.ndarray  # uint8 HxWx4, transparent where untouched
    image: np.ndarray  # uint8 HxWx3, the photo with the edit blended in
    changed: bool
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) of the generated square, in photo pixels (may leave the photo)


def _step(progress, cancel, done: int, total: int, message: str) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(message)
    if progress is not None:
        progress(done, total, message)


class Editor:
    def __init__(self, bundle, device: str = "cpu", precision: str = "fp32"):
        self.bundle = bundle
        self.card = bundle.card
        self.device = device
        self.precision = precision
        self.resolution = int(self.card.get("resolution", 512))
        self.generator = bundle.generator.to(device).eval()
        if precision == "bf16":
            self.generator = self.generator.to(memory_format=torch.channels_last)

    @classmethod
    def load(cls, weights: str | Path | None = None, device: str = "auto", precision: str = "auto") -> "Editor":
        device = choose_device(device)
        editor = cls(load_bundle(weights or default_weights_path(), device), device, choose_precision(precision, device))
        editor.warm_up()
        return editor

    @property
    def has_mask_vae(self) -> bool:
        return self.bundle.mask_vae is not None

    def warm_up(self) -> None:
        """One small forward, so that the first user request does not pay for lazy initialisation."""
        blank = np.zeros((32, 32), np.uint8)
        self._generate_batch([blank], [blank], [np.zeros((32, 32, 3), np.uint8)])

    # --- model calls -----------------------------------------------------------
    def _autocast(self):
        if self.precision == "bf16":
            return torch.autocast(self.device, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    @torch.no_grad()
    def _generate_batch(self, targets: list[np.ndarray], sources: list[np.ndarray], images: list[np.ndarray],
                        style: torch.Tensor | None = None) -> list[np.ndarray]:
        """Raw generator outputs (uint8 HxWx3) for same-sized inputs, in one forward."""
        memory = torch.channels_last if self.precision == "bf16" else torch.contiguous_format
        target = one_hot(torch.from_numpy(np.stack(targets)).to(self.device)).contiguous(memory_format=memory)
        with self._autocast():
            if style is None:
                source = one_hot(torch.from_numpy(np.stack(sources)).to(self.device)).contiguous(memory_format=memory)
                image = torch.stack([image_to_tensor(i) for i in images]).to(self.device).contiguous(memory_format=memory)
                style = self.generator.style_params(source, image)
            output = self.generator.render(target, style)
        return [tensor_to_image(o.float()) for o in output]

    # --- operations ------------------------------------------------------------
    def generate(self, image: np.ndarray, source_mask: np.ndarray, edited_mask: np.ndarray) -> np.ndarray:
        """The raw generator output at the masks' resolution (no crop, no paste-back)."""
        source_mask, edited_mask = check_label_map(source_mask), check_label_map(edited_mask)
        if source_mask.shape != edited_mask.shape:
            raise ValueError(f"the source and edited masks differ in size: {source_mask.shape} vs {edited_mask.shape}")
        check_size(*source_mask.shape)
        if image.shape[:2] != source_mask.shape:
            from PIL import Image

            image = np.asarray(Image.fromarray(image).resize(source_mask.shape[::-1], Image.BICUBIC))
        return self._generate_batch([edited_mask], [source_mask], [image])[0]

    def edit(self, image, source_mask, edited_mask, *, feather: int = 8, progress=None, cancel=None) -> EditResult:
        return self.edit_batch(
            [dict(image=image, source_mask=source_mask, edited_mask=edited_mask)],
            feather=feather, progress=progress, cancel=cancel,
        )[0]

    def edit_batch(self, requests: list[dict], *, feather: int = 8, progress=None, cancel=None) -> list[EditResult]:
        """Edit several photos; all crops go through the generator in one forward."""
        if feather < 0:
            raise ValueError(f"feather must be >= 0 pixels, got {feather}")
        prepared = []
        for request in requests:
            image = np.asarray(request["image"])
            source, edited = check_label_map(request["source_mask"]), check_label_map(request["edited_mask"])
            crop.check_photo(image, source, edited)
            prepared.append((image, source, edited))
        results: list[EditResult | None] = [None] * len(prepared)
        work = []
        for i, (image, source, edited) in enumerate(prepared):
            if np.array_equal(source, edited):
                results[i] = EditResult(np.zeros(image.shape[:2] + (4,), np.uint8), image.copy(), False, (0, 0, 0, 0))
            else:
                work.append((i, crop.face_box(source, edited)))
        total = 2 if work else 0
        _step(progress, cancel, 0, total, "cropping")
        if work:
            size = self.resolution
            crops = [
                (crop.crop_mask(prepared[i][2], box, size), crop.crop_mask(prepared[i][1], box, size),
                 crop.crop_image(prepared[i][0], box, size))
                for i, box in work
            ]
            generated = self._generate_batch(*map(list, zip(*crops)))
            _step(progress, cancel, 1, total, "blending")
            for (i, box), output in zip(work, generated):
                results[i] = self._paste(prepared[i], box, output, feather)
            _step(progress, cancel, total, total, "done")
        return results

    @staticmethod
    def _paste(prepared, box: crop.Box, output: np.ndarray, feather: int) -> EditResult:
        image, source, edited = prepared
        height, width = image.shape[:2]
        x0, y0, x1, y1 = box.clipped(height, width)
        generated = crop.uncrop_image(output, box)[y0 - box.y0 : y1 - box.y0, x0 - box.x0 : x1 - box.x0]
        grow = max(2, box.side // 100)
        alpha = crop.change_alpha(source[y0:y1, x0:x1], edited[y0:y1, x0:x1], grow, feather)
        blended_part, layer_part = crop.composite(image[y0:y1, x0:x1], generated, alpha)
        blended = image.copy()
        blended[y0:y1, x0:x1] = blended_part
        layer = np.zeros((height, width, 4), np.uint8)
        layer[y0:y1, x0:x1] = layer_part
        return EditResult(layer, blended, True, (box.x0, box.y0, box.x0 + box.side, box.y0 + box.side))

    def style_copy(self, target_mask, reference_image, reference_mask, *, progress=None, cancel=None) -> np.ndarray:
        """``target_mask`` rendered in the style of the reference photo (uint8, target mask size)."""
        target, reference_mask = check_label_map(target_mask), check_label_map(reference_mask)
        crop.check_photo(reference_image, reference_mask)
        size = self.resolution
        ref_box = crop.face_box(reference_mask, reference_mask)
        _step(progress, cancel, 0, 2, "encoding the reference style")
        ref_img = torch.stack([image_to_tensor(crop.crop_image(reference_image, ref_box, size))]).to(self.device)
        ref_lab = one_hot(torch.from_numpy(crop.crop_mask(reference_mask, ref_box, size))[None].to(self.device))
        with torch.no_grad(), self._autocast():
            style = self.generator.style_params(ref_lab, ref_img)
        target_box = crop.Box(0, 0, max(target.shape))
        generated = self._generate_batch([crop.crop_mask(target, target_box, size)], [], [], style=style)[0]
        _step(progress, cancel, 1, 2, "rendering")
        result = crop.uncrop_image(generated, target_box)[: target.shape[0], : target.shape[1]]
        _step(progress, cancel, 2, 2, "done")
        return np.ascontiguousarray(result)
