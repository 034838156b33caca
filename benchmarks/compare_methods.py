"""Paired comparison of two `maskgan eval synthetic --output` runs on the same held-out triples, per edit kind.

For each edit kind and metric, prints the mean of run A, of run B, their paired
difference (B - A) with its standard error, and a verdict: B wins or loses when
the difference is beyond 2 standard errors, else a tie. Used to compare the edit
methods (docs/benchmarks.md):

  maskgan eval synthetic --count 300 --method generate --output runs/eval/generate
  maskgan eval synthetic --count 300 --method auto --output runs/eval/auto
  .venv/bin/python benchmarks/compare_methods.py runs/eval/generate runs/eval/auto
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

METRICS = ("edit.psnr_edit", "edit.ssim_edit", "edit.changed_accuracy", "edit.psnr_outside")


def rows_of(folder: Path) -> dict[int, dict]:
    result = json.loads((folder / "metrics.json").read_text())
    return {row["index"]: row for row in result["rows"]}


def paired(a: list[dict], b: list[dict], key: str) -> tuple[float, float, float, float]:
    """(mean A, mean B, mean of B - A, its standard error) over rows with the metric finite in both."""
    pairs = np.array(
        [
            (x[key], y[key])
            for x, y in zip(a, b)
            if x.get(key) is not None and y.get(key) is not None and np.isfinite(x[key]) and np.isfinite(y[key])
        ]
    )
    if len(pairs) < 2:
        return float("nan"), float("nan"), float("nan"), float("nan")
    difference = pairs[:, 1] - pairs[:, 0]
    return pairs[:, 0].mean(), pairs[:, 1].mean(), difference.mean(), difference.std(ddof=1) / np.sqrt(len(pairs))


def verdict(difference: float, error: float) -> str:
    if not np.isfinite(difference):
        return "n/a"
    if abs(difference) <= 2 * error:
        return "tie"
    return "B wins" if difference > 0 else "B loses"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="the --output folder of run A")
    parser.add_argument("b", type=Path, help="the --output folder of run B")
    args = parser.parse_args()
    rows_a, rows_b = rows_of(args.a), rows_of(args.b)
    common = sorted(set(rows_a) & set(rows_b))
    if not common:
        raise SystemExit("the two runs share no held-out triple")
    kinds = sorted({rows_a[i]["edit_kind"] for i in common})
    print(f"A: {args.a}, B: {args.b}; {len(common)} triples\n")
    print("| edit kind | n | metric | A | B | B - A (SE) | verdict |\n|---|---:|---|---:|---:|---:|---|")
    for kind in kinds + ["all"]:
        indices = [i for i in common if kind == "all" or rows_a[i]["edit_kind"] == kind]
        for key in METRICS:
            mean_a, mean_b, difference, error = paired([rows_a[i] for i in indices], [rows_b[i] for i in indices], key)
            print(
                f"| {kind} | {len(indices)} | {key.split('.', 1)[1]} | {mean_a:.3f} | {mean_b:.3f} | "
                f"{difference:+.3f} ({error:.3f}) | {verdict(difference, error)} |"
            )


if __name__ == "__main__":
    main()
