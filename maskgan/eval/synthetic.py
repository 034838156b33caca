"""The exact-ground-truth benchmark: every held-out triple through an Editor, scored against its truth.

Four images of each triple are scored (CANDIDATES):

  edit      ``Editor.edit_batch``: the face crop at the bundle's resolution, the
            generator, the changed region pasted back (method generate, the paper's
            protocol), or the photo routes first (method auto, the product's default:
            what `maskgan edit`, the daemon and the plug-ins return)
  generate  ``Editor.generate``: the generator alone on the whole photo at the set's
            resolution (`maskgan edit --no-blend`); at the bundle's own resolution
            this is the framing it was trained on
  photo     the photo unchanged: what an editor that does nothing scores
  truth     the exact ground truth: only its parse is scored, the ceiling of the
            mask-fidelity metrics (the parser's own error)

Image metrics compare with the ground-truth image over the whole image, the edit
region (``metrics.edit_region``) and the rest of the image; mask metrics compare a
parse of the image with the edited mask: mIoU over the whole image and over the
edit region, and the share of the pixels the edit changed whose parse is their new
class (``changed_accuracy``: did the edit take?), per image (in the rows) and pooled
over the set (one confusion matrix per candidate and metric, as segmentation
benchmarks and the parser's own validation count). Keys are ``candidate.metric``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from maskgan.core.iou import IoUCounter
from maskgan.data.synthetic import SyntheticSample
from maskgan.eval.heldout import HeldOutSet
from maskgan.eval.metrics import edit_radius, edit_region, miou, pixel_accuracy, psnr, ssim_map
from maskgan.infer import Cancelled, Editor, EditRequest

CANDIDATES = ("edit", "generate", "photo", "truth")
IMAGE_METRICS = ("psnr", "ssim", "psnr_edit", "ssim_edit", "psnr_outside")
MASK_METRICS = ("miou", "miou_edit", "changed_accuracy")
SCORED = {
    "edit": IMAGE_METRICS + MASK_METRICS,
    "generate": IMAGE_METRICS + MASK_METRICS,
    "photo": IMAGE_METRICS + MASK_METRICS,
    "truth": MASK_METRICS,
}
METRIC_KEYS = tuple(f"{candidate}.{metric}" for candidate in CANDIDATES for metric in SCORED[candidate])
POOLED_KEYS = tuple(f"{candidate}.{metric}" for candidate in CANDIDATES for metric in MASK_METRICS)
BATCH = 16  # triples per Editor.edit_batch call and per parser call

# HxWx3 uint8 photos (N, H, W, 3) -> their label maps (N, H, W)
ParseBatch = Callable[[np.ndarray], np.ndarray]


def score_image(image: np.ndarray, truth: np.ndarray, region: np.ndarray) -> dict[str, float]:
    """IMAGE_METRICS of ``image`` against the ground truth, with ``region`` the edit region."""
    similarity = ssim_map(image, truth)
    return {
        "psnr": psnr(image, truth),
        "ssim": float(similarity.mean()),
        "psnr_edit": psnr(image, truth, region),
        "ssim_edit": float(similarity[region].mean()),
        "psnr_outside": psnr(image, truth, ~region),
    }


def score_mask(
    parsed: np.ndarray, edited_label: np.ndarray, region: np.ndarray, changed: np.ndarray
) -> dict[str, float]:
    """MASK_METRICS of a parse against the edited mask, for this image alone (``changed``: the edit's pixels)."""
    return {
        "miou": miou(parsed, edited_label),
        "miou_edit": miou(parsed, edited_label, region),
        "changed_accuracy": pixel_accuracy(parsed, edited_label, changed),
    }


def pool_mask(
    counters: dict[str, IoUCounter],
    candidate: str,
    parsed: np.ndarray,
    edited_label: np.ndarray,
    region: np.ndarray,
    changed: np.ndarray,
) -> None:
    """Add a parse to the set-level counts of ``candidate``."""
    counters[f"{candidate}.miou"].add(parsed, edited_label)
    counters[f"{candidate}.miou_edit"].add(parsed[region], edited_label[region])
    counters[f"{candidate}.changed_accuracy"].add(parsed[changed], edited_label[changed])


def _pooled_value(key: str, counter: IoUCounter) -> float:
    if key.endswith("changed_accuracy"):
        return float(counter.confusion.diagonal().sum() / counter.confusion.sum())
    return counter.mean()


@dataclass
class Example:
    """One triple and what the product made of it, for picture grids."""

    face: SyntheticSample
    result: np.ndarray  # the edit candidate


@dataclass
class EvalReport:
    rows: list[dict]  # per triple: index, seed, edit_kind, edit_pixels, and every METRIC_KEYS value
    examples: list[Example] = field(default_factory=list)
    # mask metrics pooled over the set: one confusion matrix per POOLED_KEYS key, as segmentation benchmarks count
    pooled: dict[str, IoUCounter] = field(default_factory=lambda: {key: IoUCounter() for key in POOLED_KEYS})
    seconds: float = 0.0

    def pooled_scores(self) -> dict[str, float]:
        """Set-level mask metrics: mIoU from every pixel of the set, changed_accuracy over every changed pixel."""
        return {key: _pooled_value(key, counter) for key, counter in self.pooled.items()}

    def means(self, rows: list[dict] | None = None) -> dict[str, float]:
        rows = self.rows if rows is None else rows
        return {key: float(np.mean([row[key] for row in rows])) for key in METRIC_KEYS}

    def stds(self) -> dict[str, float]:
        """Standard deviation over triples (not the error of the mean: divide by sqrt(count) for that)."""
        return {
            key: float(np.std([row[key] for row in self.rows], ddof=1)) if len(self.rows) > 1 else 0.0
            for key in METRIC_KEYS
        }

    def by_kind(self) -> dict[str, dict]:
        """Per edit kind: its count and the means of its triples."""
        kinds = sorted({row["edit_kind"] for row in self.rows})
        grouped = {kind: [row for row in self.rows if row["edit_kind"] == kind] for kind in kinds}
        return {kind: {"count": len(rows), **self.means(rows)} for kind, rows in grouped.items()}


def _score_triple(
    index: int,
    seed: int,
    face: SyntheticSample,
    images: dict[str, np.ndarray],
    parses: dict[str, np.ndarray],
    radius: int,
    pooled: dict[str, IoUCounter],
) -> dict:
    region = edit_region(face.label, face.edited_label, radius)
    changed = face.label != face.edited_label
    row = {"index": index, "seed": seed, "edit_kind": face.edit_kind, "edit_pixels": int(changed.sum())}
    for candidate in CANDIDATES:
        scores = {}
        if "psnr" in SCORED[candidate]:
            scores.update(score_image(images[candidate], face.edited_image, region))
        scores.update(score_mask(parses[candidate], face.edited_label, region, changed))
        pool_mask(pooled, candidate, parses[candidate], face.edited_label, region, changed)
        row.update({f"{candidate}.{metric}": value for metric, value in scores.items()})
    return row


def evaluate(
    editor: Editor,
    heldout: HeldOutSet,
    parse_batch: ParseBatch,
    *,
    keep: int = 0,
    look: int = 0,
    method: str = "generate",
    progress=None,
    cancel=None,
) -> EvalReport:
    """Score every triple of ``heldout``; ``keep`` first triples are kept as Examples.

    ``look`` 0 (the paper's protocol) draws every part in the photo's own style; a
    built-in look (maskgan.infer.looks) draws added worn parts from that look instead.
    ``method`` "generate" (the paper's protocol) sends every changed pixel to the
    generator; "auto" or "photo" let the edit candidate take the photo routes
    (maskgan.infer.routes).

    ``progress`` is a maskgan.progress.Progress (updated per batch with running means);
    ``cancel`` anything with ``is_set()``: when set, Cancelled is raised before the next batch.
    """
    radius = edit_radius(heldout.size)
    report = EvalReport(rows=[])
    start_time = time.monotonic()
    for start in range(0, len(heldout), BATCH):
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"evaluation cancelled after {start} of {len(heldout)} triples")
        indices = range(start, min(start + BATCH, len(heldout)))
        faces = [heldout[i] for i in indices]
        edits = editor.edit_batch(
            [EditRequest(f.image, f.label, f.edited_label, look=look, method=method) for f in faces],
            cancel=cancel,
        )
        images = {
            "edit": [result.image for result in edits],
            "generate": [editor.generate(f.image, f.label, f.edited_label) for f in faces],
            "photo": [f.image for f in faces],
            "truth": [f.edited_image for f in faces],
        }
        parsed = parse_batch(np.stack([image for candidate in CANDIDATES for image in images[candidate]]))
        for k, (index, face) in enumerate(zip(indices, faces)):
            picked = {candidate: images[candidate][k] for candidate in CANDIDATES}
            parses = {candidate: parsed[c * len(faces) + k] for c, candidate in enumerate(CANDIDATES)}
            report.rows.append(_score_triple(index, heldout.seeds[index], face, picked, parses, radius, report.pooled))
            if index < keep:
                report.examples.append(Example(face, picked["edit"]))
        if progress is not None:
            running = report.means()
            progress.update(len(faces), psnr_edit=running["edit.psnr_edit"], miou=report.pooled["edit.miou"].mean())
    report.seconds = time.monotonic() - start_time
    return report
