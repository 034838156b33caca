"""What an evaluation reports: the printed table and the metrics.json summary."""

from __future__ import annotations

from maskgan.eval.synthetic import CANDIDATES, IMAGE_METRICS, MASK_METRICS, SCORED, EvalReport

METRIC_NAMES = {
    "psnr": "PSNR, whole image (dB)",
    "ssim": "SSIM, whole image",
    "psnr_edit": "PSNR, edit region (dB)",
    "ssim_edit": "SSIM, edit region",
    "psnr_outside": "PSNR, outside the edit (dB)",
    "miou": "mIoU, whole image",
    "miou_edit": "mIoU, edit region",
    "changed_accuracy": "changed pixels parsed as edited",
}
CANDIDATE_NAMES = {"edit": "edit", "generate": "generator alone", "photo": "photo unchanged", "truth": "ground truth"}
MIOU_TARGET = 0.85  # issue 4: mask-fidelity mIoU of the shipped model on the held-out set


def digits(metric: str) -> int:
    return 2 if metric.startswith("psnr") else 3


def table(means: dict[str, float], pooled: dict[str, float]) -> str:
    """Metrics (rows) by candidate (columns), aligned; '-' where a candidate is not scored on a metric.

    Image metrics are means over the triples; mask metrics are given pooled over the set and as per-image means.
    """
    entries = [(METRIC_NAMES[m], m, means) for m in IMAGE_METRICS]
    entries += [(f"{METRIC_NAMES[m]}, pooled", m, pooled) for m in MASK_METRICS]
    entries += [(f"{METRIC_NAMES[m]}, per-image mean", m, means) for m in MASK_METRICS]
    header = ["metric"] + [CANDIDATE_NAMES[c] for c in CANDIDATES]
    lines = [header]
    for name, metric, values in entries:
        lines.append(
            [name]
            + [f"{values[f'{c}.{metric}']:.{digits(metric)}f}" if metric in SCORED[c] else "-" for c in CANDIDATES]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(line, widths))
        )
        for line in lines
    )


def targets(pooled: dict[str, float]) -> dict[str, dict]:
    measured = pooled["edit.miou"]
    return {
        "mask_fidelity_miou": {
            "target": MIOU_TARGET,
            "measured": measured,
            "met": measured >= MIOU_TARGET,
            "ceiling": pooled["truth.miou"],
        }
    }


def summary(report: EvalReport, **context) -> dict:
    """The metrics.json content: ``context`` (card, command, set, ...), means, spreads, targets, per-kind and per-triple rows."""
    pooled = report.pooled_scores()
    return {
        **context,
        "seconds": round(report.seconds, 1),
        "means": report.means(),
        "stds": report.stds(),
        "pooled": pooled,
        "targets": targets(pooled),
        "by_kind": report.by_kind(),
        "rows": report.rows,
    }


def card_entry(result: dict) -> dict:
    """What a model card keeps of an evaluation (``maskgan eval synthetic --record``): how it was measured,
    the scores of every candidate (image metrics averaged over the triples, mask metrics pooled) and the targets."""
    means, pooled = result["means"], result["pooled"]
    scores = {
        candidate: {
            metric: round((pooled if metric in MASK_METRICS else means)[f"{candidate}.{metric}"], 4)
            for metric in SCORED[candidate]
        }
        for candidate in CANDIDATES
    }
    measured = {key: result[key] for key in ("command", "set", "parser", "device", "precision")}
    return {**measured, "scores": scores, "targets": result["targets"]}
