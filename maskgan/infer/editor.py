"""Editor: one loaded model bundle, and every edit operation the product offers.

Boundary arrays: photos uint8 HxWx3 RGB (any size up to 64 MP), masks uint8 HxW
label maps 0..18 of the photo's size. Edits are photo-sized EditResults: an RGBA
layer, transparent (all four channels 0) where the edit changed nothing, and the
blended RGB, equal to the photo byte for byte there. The model only ever sees a
square crop around the face at its resolution (see crop.py): for weights trained on
CelebAMask-HQ, the CelebA-HQ-aligned square, turned with the face (align.py; edits
and reference faces; variants and interpolation keep the axis-aligned crop);
identical masks return the photo without running it.

Each changed region takes a route (routes.py): the photo's own pixels moved or
transferred where the photo can supply them, new glasses drawn on the photo, the
generator for the rest (``method``: auto, generate, photo). For the generator, the
style comes from the source photo and its source mask (the official demo's
behaviour); the edited mask says what to draw. Parts the edit adds that the photo
lacks (a hat) are drawn in the style of a look instead: a reference face that wears
them (looks.py). Look 0 turns that off.

Long operations take ``progress(done, total, message)`` and ``cancel`` (anything
with ``is_set()``); a set cancel raises ``Cancelled`` at the next step. Bad input
raises ValueError naming what is wrong. The generator runs on the chosen device
and fast path (maskgan.core.precision), whose dtype and layout the Editor gives the bundle's
generator in place; the MaskVAE (variants, interpolation) is small and always runs in float32.
The style of the photo being edited is encoded once for all its edits (style_cache.py).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from maskgan.core.framing import Framing
from maskgan.core.masks import dilate
from maskgan.core.photo_checks import check_megapixels, check_photo
from maskgan.core.precision import as_input, choose_device, choose_precision, compute_dtype, prepare
from maskgan.core.tensors import image_to_tensor, tensor_to_image
from maskgan.imageio import luma
from maskgan.infer import align, crop
from maskgan.infer.face_points import FacePoints
from maskgan.infer.looks import (
    AUTO_LOOK,
    CandidateSource,
    LookBook,
    Reference,
    added_parts,
    check_look,
    check_reference_wears,
    part_names,
)
from maskgan.infer.routes import Method, RoutePlan, check_method, plan_photo_routes
from maskgan.infer.style_cache import StyleCache
from maskgan.infer.weights_path import default_weights_path
from maskgan.labels import CLASS_KEYS, check_label_map, one_hot
from maskgan.networks.generator import check_size
from maskgan.weights import load_bundle

# Paste-back grows the mask difference by this many model pixels: edges at model
# resolution are quantised to model pixels, so the generated edge may sit that far off.
GROW_MODEL_PIXELS = 2
COLOUR_SCALE = 100.0  # a look's mean colour this far off (RGB distance) costs as much as a lost structure
# Variants: latent noise in prior standard deviations (close variants, not other faces),
# and how far around the user's edit, as a fraction of the face box's side, a variant
# may redraw the mask (the rest of the face stays as the user painted it).
VARIANT_SPREAD = 0.5
VARIANT_REACH = 1 / 16


class Cancelled(Exception):
    """The request was cancelled by the user."""


@dataclass
class EditResult:
    layer: np.ndarray  # uint8 HxWx4, transparent (all 0) where untouched
    image: np.ndarray  # uint8 HxWx3, the photo with the edit blended in
    changed: bool
    box: tuple[
        int, int, int, int
    ]  # (x0, y0, x1, y1) of the generated square in photo pixels (may leave the photo); 0s if unchanged
    looks: dict[str, str] = field(
        default_factory=dict
    )  # added part key -> what drew it: "look k", "the reference face"
    routes: dict[str, dict[str, int]] = field(default_factory=dict)  # route -> {class key: changed pixels} (routes.py)
    alignment: str = ""  # how the face was aligned (CelebA-HQ square: its landmarks' source); '' for the plain crop


@dataclass
class EditRequest:
    """One photo to edit in ``Editor.edit_batch``: the arguments of ``Editor.edit`` but the feather."""

    image: np.ndarray  # uint8 HxWx3
    source_mask: np.ndarray  # uint8 HxW labels of the photo as it is
    edited_mask: np.ndarray  # uint8 HxW labels as it should become
    look: int = AUTO_LOOK
    reference: Reference | None = None
    method: Method | str = Method.AUTO


def _step(progress, cancel, done: int, total: int, message: str) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(message)
    if progress is not None:
        progress(done, total, message)


def _unchanged(image: np.ndarray) -> EditResult:
    return EditResult(np.zeros(image.shape[:2] + (4,), np.uint8), image.copy(), False, (0, 0, 0, 0))


def _layer_of(photo: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """RGBA layer of ``edited`` over ``photo``: opaque where they differ, all 0 where they do not."""
    layer = np.zeros(photo.shape[:2] + (4,), np.uint8)
    differs = (photo != edited).any(axis=2)
    layer[differs, :3] = edited[differs]
    layer[differs, 3] = 255
    return layer


def _corners(window) -> tuple[int, int, int, int]:
    return tuple(int(v) for v in window) if window is not None else (0, 0, 0, 0)


def _check_feather(feather: int) -> None:
    if feather < 0:
        raise ValueError(f"feather must be >= 0 pixels, got {feather}")


def _prepare(image, source_mask, edited_mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image = np.asarray(image)
    source, edited = check_label_map(source_mask), check_label_map(edited_mask)
    check_photo(image, source, edited)
    return image, source, edited


def _keep_dropped_parts(variant: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """``variant`` with the pixels of every class that ``edited`` has and it lost put back as painted.

    The MaskVAE decodes at 64 px, where thin parts (new glasses' frames) vanish: a
    variant may reshape what the user painted, never drop it.
    """
    dropped = np.setdiff1d(np.unique(edited), np.unique(variant))
    return np.where(np.isin(edited, dropped), edited, variant)


def _prepare_reference(reference) -> Reference | None:
    if reference is None:
        return None
    image, mask = np.asarray(reference.image), check_label_map(reference.mask)
    check_photo(image, mask)
    return Reference(image, mask)


def builtin_look_candidates(card: dict) -> CandidateSource | None:
    """The candidate faces of the built-in looks of weights with this card; None for weights that have none.

    The built-in looks are faces of the synthetic world, whose style only weights trained
    on it know: the synthetic world is imported for those weights only, here, where the
    editor is composed; the look book takes whatever candidates it is given.
    """
    if card.get("training_data") != "synthetic":
        return None
    from maskgan.data.synthetic_looks import wearers

    return wearers


class Editor:
    def __init__(self, bundle, device: str = "cpu", precision: str = "fp32", looks: CandidateSource | None = None):
        """An editor of ``bundle``'s weights; ``looks`` gives the candidate faces of its built-in looks (None: no
        built-in looks, only reference faces; ``Editor.load`` gives weights their own, builtin_look_candidates)."""
        self.bundle = bundle
        self.card = bundle.card
        self.device = device
        self.precision = precision
        self.resolution = int(self.card.get("resolution", 512))
        self.framing = Framing.from_card(self.card)  # None: the loose whole-mask crop
        # weights trained on CelebAMask-HQ see faces as its photos show them: CelebA-HQ's aligned squares (align.py)
        self.face_points = FacePoints() if align.trained_on_celebahq_crops(self.card) else None
        self.generator = prepare(bundle.generator, device, precision)  # in place: the bundle's own weights are cast
        check_size(self.resolution, self.resolution, self.generator.config.n_downsample)
        self.mask_vae = bundle.mask_vae.to(device).eval() if bundle.mask_vae is not None else None
        self.looks = LookBook(self.resolution, self._part_clarity, looks) if looks is not None else None
        # styles of reference faces: every edit drawn from a look (and every variant) reuses its face's style
        self._styles: weakref.WeakKeyDictionary[Reference, torch.Tensor] = weakref.WeakKeyDictionary()
        self.photo_styles = StyleCache()  # styles of the photos being edited: the same for every edit of one

    @classmethod
    def load(
        cls, weights: str | Path | None = None, device: str = "auto", precision: str = "auto", warm: bool = True
    ) -> "Editor":
        """Load a bundle (default: the embedded demo weights), choose device and precision, warm up (unless ``warm``
        is False: the daemon warms up on the thread that will run the requests)."""
        device = choose_device(device)
        bundle = load_bundle(weights or default_weights_path(), device)
        editor = cls(bundle, device, choose_precision(precision, device), builtin_look_candidates(bundle.card))
        if warm:
            editor.warm_up()
        return editor

    @property
    def has_mask_vae(self) -> bool:
        return self.mask_vae is not None

    def warm_up(self, full_size_within: float = 0.0) -> None:
        """Small forwards, so that the first user request does not pay for lazy initialisation; then one at the
        model's resolution (oneDNN makes its kernels per shape) if it is estimated to take at most
        ``full_size_within`` seconds: the time of two small sizes, extrapolated linearly in pixels (a small
        forward's time is mostly per layer, not per pixel: scaled by pixels alone, it said 0.19-0.26 s for the demo
        weights' 0.03 s)."""
        small = max(32, 2 ** (self.generator.config.n_downsample + 1))  # the smallest size check_size accepts
        times = []
        for side in (small, 2 * small):
            start = time.perf_counter()
            self._blank_forward(side)
            times.append(time.perf_counter() - start)
        per_pixel = max(times[1] - times[0], 0.0) / (3 * small**2)
        if times[1] + per_pixel * (self.resolution**2 - 4 * small**2) <= full_size_within:
            self._blank_forward(self.resolution)

    def _blank_forward(self, side: int) -> None:
        blank = self._onehot([np.zeros((side, side), np.uint8)])
        self.run_generator(blank, blank, self._images([np.zeros((side, side, 3), np.uint8)]))

    # --- the generator, on this editor's device and fast path --------------------------
    @torch.no_grad()
    def encode_style(self, ref_label_onehot: torch.Tensor, ref_image: torch.Tensor) -> torch.Tensor:
        """float32 (B, P) style of reference photos ((B,3,H,W) in [-1,1]) and their one-hot masks."""
        style = self.generator.style_params(
            as_input(ref_label_onehot, self.device, self.precision), as_input(ref_image, self.device, self.precision)
        )
        return style.float()

    @torch.no_grad()
    def render(self, label_onehot: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """float32 (B,3,H,W) in [-1,1]: one-hot masks drawn in the given styles."""
        image = self.generator.render(
            as_input(label_onehot, self.device, self.precision), style.to(self.device, compute_dtype(self.precision))
        )
        return image.float()

    def run_generator(
        self, label_onehot: torch.Tensor, ref_label_onehot: torch.Tensor, ref_image: torch.Tensor
    ) -> torch.Tensor:
        """The generator's forward (tensors as Generator.forward) on this editor's device and precision."""
        return self.render(label_onehot, self.encode_style(ref_label_onehot, ref_image))

    def _onehot(self, labels) -> torch.Tensor:
        return one_hot(torch.from_numpy(np.stack(labels)).to(self.device))

    def _images(self, images) -> torch.Tensor:
        return torch.stack([image_to_tensor(image) for image in images]).to(self.device)

    def _photo_styles(self, sources, images) -> torch.Tensor:
        """(B, P) styles of same-sized source masks and photos, encoded only for those not in ``photo_styles``."""
        return self.photo_styles.styles(
            sources,
            images,
            lambda indices: self.encode_style(
                self._onehot([sources[i] for i in indices]), self._images([images[i] for i in indices])
            ),
        )

    def _generate(self, targets, sources, images) -> list[np.ndarray]:
        """Raw outputs (uint8 HxWx3) for same-sized label maps and photos, in one forward."""
        output = self.render(self._onehot(targets), self._photo_styles(sources, images))
        return [tensor_to_image(o) for o in output]

    def _frame(self, image, source, edited):
        """The square the model sees: a crop.Box, or CelebA-HQ's aligned square for weights trained on its crops."""
        if self.face_points is None:
            return crop.face_box(source, edited, framing=self.framing)
        return align.aligned_frame(self.face_points, image, source, edited)

    def _crops(self, image, source, edited, box) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(edited mask, source mask, photo) of the box at the model's resolution."""
        size = self.resolution
        return (
            align.crop_mask(edited, box, size),
            align.crop_mask(source, box, size),
            align.crop_image(image, box, size),
        )

    def _compose(
        self,
        image,
        source,
        edited,
        plan: RoutePlan,
        box,
        output: np.ndarray | None,
        feather: int,
        looks: dict[str, str],
    ) -> EditResult:
        """The EditResult of an edit: the photo routes' image, with the generator's ``output`` (for ``box``) feathered
        in over the pixels the plan left to it."""
        if output is None:  # the photo routes made everything
            return EditResult(
                _layer_of(image, plan.image), plan.image, True, _corners(plan.window), plan.looks, plan.routes
            )
        grow = max(2, round(GROW_MODEL_PIXELS * box.side / self.resolution))
        generated_source = np.where(plan.generate, source, edited)  # the generator's change: only its pixels
        blended, layer = align.paste_back(plan.image, generated_source, edited, box, output, grow, feather)
        if plan.image is not image:  # routes changed the photo too: the layer is what differs from it
            layer = _layer_of(image, blended)
        return EditResult(
            layer, blended, True, box.corners(), {**plan.looks, **looks}, plan.routes, align.describe(box)
        )

    # --- operations ----------------------------------------------------------------------
    def generate(self, image: np.ndarray, source_mask: np.ndarray, edited_mask: np.ndarray) -> np.ndarray:
        """The raw generator output at the masks' resolution (no crop, no paste-back); the photo is resized to it."""
        source_mask, edited_mask = check_label_map(source_mask), check_label_map(edited_mask)
        if source_mask.shape != edited_mask.shape:
            raise ValueError(f"the source and edited masks differ in size: {source_mask.shape} vs {edited_mask.shape}")
        check_size(*source_mask.shape, self.generator.config.n_downsample)
        image = np.asarray(image)
        check_photo(image)
        if image.shape[:2] != source_mask.shape:
            from PIL import Image

            image = np.asarray(Image.fromarray(image).resize(source_mask.shape[::-1], Image.BICUBIC))
        return self._generate([edited_mask], [source_mask], [image])[0]

    def edit(
        self,
        image,
        source_mask,
        edited_mask,
        *,
        feather: int = 8,
        look: int = AUTO_LOOK,
        reference: Reference | None = None,
        method: Method | str = Method.AUTO,
        progress=None,
        cancel=None,
    ) -> EditResult:
        """The photo edited to follow ``edited_mask``: each changed region made by its route (routes.py).

        ``method`` (routes.Method, or its name): AUTO (the photo's own pixels where they
        can make a region, the generator for the rest), GENERATE (the generator for every
        changed pixel, the paper's behaviour) or PHOTO (never the generator; refuses what
        only it could draw).
        Parts the generator adds that the photo lacks are drawn from ``reference`` when
        given, else from built-in look ``look`` (see looks.py; AUTO_LOOK: 1 where the
        weights have built-in looks, else 0, the photo's own style); new glasses drawn
        on the photo take their frame colour from ``reference``.
        """
        return self.edit_batch(
            [EditRequest(image, source_mask, edited_mask, look, reference, method)],
            feather=feather,
            progress=progress,
            cancel=cancel,
        )[0]

    def edit_batch(
        self, requests: list[EditRequest], *, feather: int = 8, progress=None, cancel=None
    ) -> list[EditResult]:
        """Edit several photos; the crops that need the generator go through one forward."""
        _check_feather(feather)
        for request in requests:
            if not isinstance(request, EditRequest):
                raise TypeError(f"edit_batch takes EditRequest objects, got {type(request).__name__}")
        prepared = [_prepare(r.image, r.source_mask, r.edited_mask) for r in requests]
        looks = [self._resolve_look(r.look, r.reference) for r in requests]
        methods = [check_method(r.method) for r in requests]
        results = [_unchanged(image) for image, _, _ in prepared]
        changed = [i for i, (_, source, edited) in enumerate(prepared) if not np.array_equal(source, edited)]
        total = 3 if changed else 0
        _step(progress, cancel, 0, total, "planning the edit")
        plans = {i: plan_photo_routes(*prepared[i], methods[i], looks[i][1]) for i in changed}
        work = [(i, self._frame(*prepared[i])) for i in changed if plans[i].generate.any()]
        if changed:
            _step(progress, cancel, 1, total, "generating")
        outputs: dict[int, tuple] = {}  # request -> (frame, generated square, looks drawn)
        if work:
            crops = [self._crops(*prepared[i], box) for i, box in work]
            for (i, box), (edited, source, _), output in zip(work, crops, self._generate(*zip(*crops))):
                output, drawn = self._draw_added_parts(
                    output, edited, source, *looks[i], notify=lambda text: _step(progress, cancel, 1, total, text)
                )
                outputs[i] = (box, output, drawn)
        if changed:
            _step(progress, cancel, 2, total, "blending")
        for i in changed:
            box, output, drawn = outputs.get(i, (None, None, {}))
            results[i] = self._compose(*prepared[i], plans[i], box, output, feather, drawn)
        if changed:
            _step(progress, cancel, total, total, "done")
        return results

    # --- looks of added parts (looks.py) ----------------------------------------------------
    def _resolve_look(self, look: int, reference) -> tuple[int, Reference | None]:
        """(look number, prepared reference) of one request; raises ValueError on a look these weights lack."""
        look, reference = check_look(look), _prepare_reference(reference)
        if look == AUTO_LOOK:
            look = 1 if self.looks is not None else 0
        elif look > 0 and reference is None and self.looks is None:
            raise ValueError(
                f"look {look} is a face of the synthetic world, which these weights "
                f"({self.card.get('name', 'unnamed')}) were not trained on: give a reference photo "
                "that wears the added parts, or use look 0 (the photo's own style)"
            )
        return look, reference

    def _reference_style(self, reference: Reference) -> torch.Tensor:
        """(1, P) style of a reference face, encoded once while the Reference lives (a built-in look: for good)."""
        style = self._styles.get(reference)
        if style is None:
            style = self._styles[reference] = self._reference_styles([reference])
        return style

    def _reference_styles(self, references: list[Reference]) -> torch.Tensor:
        """(B, P) styles of reference faces, each framed as the model's training data was."""
        boxes = [self._frame(r.image, r.mask, r.mask) for r in references]
        return self.encode_style(
            self._onehot([align.crop_mask(r.mask, b, self.resolution) for r, b in zip(references, boxes)]),
            self._images([align.crop_image(r.image, b, self.resolution) for r, b in zip(references, boxes)]),
        )

    def _part_clarity(self, references: list[Reference], part: int) -> list[float]:
        """How faithfully these weights draw ``part`` on each reference face itself (one forward for all).

        The correlation, over the part's pixels, of the drawn and the real brightness
        (low where the weights fade a frame into its lenses), less the distance of
        the drawn part's mean colour from the real one's in units of COLOUR_SCALE
        (high where they smear a hat into another colour).
        """
        drawn = self.render(self._onehot([r.mask for r in references]), self._reference_styles(references))
        scores = []
        for reference, image in zip(references, drawn):
            where = reference.mask == part
            drawn_rgb, real_rgb = (x[where].astype(np.float32) for x in (tensor_to_image(image), reference.image))
            drawn_luma, real_luma = luma(drawn_rgb), luma(real_rgb)
            structure = (
                0.0 if drawn_luma.std() == 0 or real_luma.std() == 0 else np.corrcoef(drawn_luma, real_luma)[0, 1]
            )
            colour = np.linalg.norm(drawn_rgb.mean(axis=0) - real_rgb.mean(axis=0)) / COLOUR_SCALE
            scores.append(float(structure - colour))
        return scores

    def _draw_added_parts(
        self, output, edited_crop, source_crop, look: int, reference: Reference | None, notify=None
    ) -> tuple[np.ndarray, dict[str, str]]:
        """``output`` with each part the photo lacks redrawn in the style of its look; and what was drawn from where.

        ``notify(message)`` hears of the seconds-long ranking of a part's built-in looks on its first use.
        """
        parts = added_parts(source_crop, edited_crop)
        if not parts or (look == 0 and reference is None):
            return output, {}
        if reference is not None:
            check_reference_wears(reference.mask, parts)
            sources = [("the reference face", reference, parts)]
        else:  # each part from its own face: one face need not wear them all
            unranked = [p for p in parts if not self.looks.ranked(p)]
            if unranked and notify is not None:
                notify(f"ranking the built-in looks of {part_names(unranked)} (once per part)")
            sources = [(f"look {look}", self.looks.look(p, look), [p]) for p in parts]
        output, drawn = output.copy(), {}
        target = self._onehot([edited_crop])
        for name, ref, ref_parts in sources:
            rendered = tensor_to_image(self.render(target, self._reference_style(ref))[0])
            where = np.isin(edited_crop, ref_parts)
            output[where] = rendered[where]
            drawn.update({CLASS_KEYS[p]: name for p in ref_parts})
        return output, drawn

    def style_copy(self, target_mask, reference_image, reference_mask, *, progress=None, cancel=None) -> np.ndarray:
        """``target_mask`` rendered in the style of the reference photo (uint8 HxWx3, the target mask's size)."""
        target = check_label_map(target_mask)
        check_megapixels(*target.shape, "target mask")
        reference = _prepare_reference(Reference(reference_image, reference_mask))
        size = self.resolution
        _step(progress, cancel, 0, 2, "encoding the reference style")
        style = self._reference_style(reference)
        # the whole target mask is drawn: squared from its top-left corner (edge-replicated), cut back after
        target_box = crop.Box(0, 0, max(target.shape))
        generated = tensor_to_image(self.render(self._onehot([crop.crop_mask(target, target_box, size)]), style)[0])
        _step(progress, cancel, 1, 2, "rendering")
        height, width = target.shape
        result = crop.window_image(generated, target_box, (0, 0, width, height))
        _step(progress, cancel, 2, 2, "done")
        return result

    def _require_mask_vae(self, operation: str):
        if self.mask_vae is None:
            raise ValueError(
                f"{operation} needs weights with a MaskVAE; the loaded model "
                f"({self.card.get('name', 'unnamed')}) has none"
            )
        return self.mask_vae

    def _vae_onehot(self, masks, box: crop.Box) -> torch.Tensor:
        size = self.mask_vae.config.resolution
        return self._onehot([crop.crop_mask(mask, box, size) for mask in masks])

    def variants(
        self,
        image,
        source_mask,
        edited_mask,
        n: int,
        seed: int,
        *,
        feather: int = 8,
        look: int = AUTO_LOOK,
        reference: Reference | None = None,
        method: str = "auto",
        progress=None,
        cancel=None,
    ) -> list[EditResult]:
        """``n`` edits whose masks the MaskVAE samples near the edited mask; the same seed gives the same results.

        A variant may redraw the mask only near the user's edit (VARIANT_REACH), so the
        rest of the face keeps the user's mask, and never drops a class of it
        (_keep_dropped_parts). Identical masks give n unchanged results.
        Added worn parts are drawn from ``look`` or ``reference``, and each variant's
        regions take their routes by ``method``, as in ``edit``.
        """
        vae = self._require_mask_vae("variants")
        check_method(method)
        if n < 1:
            raise ValueError(f"variants needs n >= 1, got {n}")
        _check_feather(feather)
        image, source, edited = _prepare(image, source_mask, edited_mask)
        look, reference = self._resolve_look(look, reference)
        if np.array_equal(source, edited):
            return [_unchanged(image) for _ in range(n)]
        box = crop.face_box(source, edited, framing=self.framing)
        total = n + 1
        _step(progress, cancel, 0, total, "sampling masks near the edited mask")
        samples = vae.sample_near(
            self._vae_onehot([edited], box)[0], n, VARIANT_SPREAD, torch.Generator().manual_seed(seed)
        )
        samples = samples.to(torch.uint8).cpu().numpy()
        reach = max(1, round(VARIANT_REACH * box.side))
        x0, y0, x1, y1 = window = crop.change_window(source, edited, box, reach)
        region = dilate(source[y0:y1, x0:x1] != edited[y0:y1, x0:x1], reach)
        source_crop = crop.crop_mask(source, box, self.resolution)
        style = self._photo_styles([source_crop], [crop.crop_image(image, box, self.resolution)])
        results = []
        for k, sample in enumerate(samples):
            _step(progress, cancel, k + 1, total, f"rendering variant {k + 1} of {n}")
            variant = edited.copy()
            variant[y0:y1, x0:x1] = _keep_dropped_parts(
                np.where(region, crop.window_labels(sample, box, window), edited[y0:y1, x0:x1]), edited[y0:y1, x0:x1]
            )
            plan = plan_photo_routes(image, source, variant, method, reference)
            if not plan.generate.any():  # the photo routes made this variant: no render
                results.append(self._compose(image, source, variant, plan, None, None, feather, {}))
                continue
            target = crop.crop_mask(variant, box, self.resolution)
            output = tensor_to_image(self.render(self._onehot([target]), style)[0])
            output, drawn = self._draw_added_parts(
                output,
                target,
                source_crop,
                look,
                reference,
                notify=lambda text, k=k: _step(progress, cancel, k + 1, total, text),
            )
            results.append(self._compose(image, source, variant, plan, box, output, feather, drawn))
        _step(progress, cancel, total, total, "done")
        return results

    def interpolate(self, mask_a, mask_b, steps: int, *, progress=None, cancel=None) -> list[np.ndarray]:
        """``steps`` label maps (uint8, the masks' size) from ``mask_a`` to ``mask_b``, evenly spaced in the MaskVAE latent.

        Every step, both ends included, is a MaskVAE decoding (not the given masks
        themselves), so that the sequence changes smoothly throughout.
        """
        vae = self._require_mask_vae("interpolate")
        a, b = check_label_map(mask_a), check_label_map(mask_b)
        if a.shape != b.shape:
            raise ValueError(
                f"mask_a and mask_b differ in size: {a.shape[1]}x{a.shape[0]} vs {b.shape[1]}x{b.shape[0]}"
            )
        check_megapixels(*a.shape, "mask")
        if steps < 2:
            raise ValueError(f"interpolation needs at least 2 steps (both ends), got {steps}")
        box = crop.face_box(a, b, framing=self.framing)
        _step(progress, cancel, 0, 2, "interpolating in the MaskVAE latent space")
        onehot = self._vae_onehot([a, b], box)
        squares = vae.interpolate(onehot[0], onehot[1], steps).to(torch.uint8).cpu().numpy()
        _step(progress, cancel, 1, 2, "resizing the masks to the photo")
        height, width = a.shape
        x0, y0, x1, y1 = window = box.clipped(height, width)
        frames = []
        for square in squares:
            frame = np.zeros((height, width), np.uint8)  # the box holds every non-background pixel of both ends
            frame[y0:y1, x0:x1] = crop.window_labels(square, box, window)
            frames.append(frame)
        _step(progress, cancel, 2, 2, "done")
        return frames
