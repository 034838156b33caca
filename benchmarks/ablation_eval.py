"""Evaluates the RQ3 ablation of benchmarks/ablation_train.sh on the held-out set (docs/benchmarks_history.md).

Every bundle DIR/{spatial,plain}_{ebst,noebst}_seed{N}.safetensors is scored by
maskgan.eval.synthetic.evaluate (the code behind `maskgan eval synthetic`) on the
same held-out triples. Prints the generator budgets from the cards (the
comparison is only fair when they are equal), then Markdown tables: per variant
the mean over seeds with the min-max over seeds, and the COMPARISONS (EBST on/off,
spatial-aware/plain encoder) next to the seed spread. Writes RESULTS/NAME.json per
bundle (reused by later runs on the same set, weights and parser) and a picture
grid of the same edits under the four variants of the first seed. Bundles exported
before cards recorded the training framing get it measured from their
train_config, as `maskgan train export` does now, so the Editor crops them alike.

  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ablation_eval.py runs/ablation/slim \\
      [--count 500] [--size 96] [--results runs/ablation/eval] [--grid docs/ablation_grid.png]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import torch

from maskgan.eval.grid import grid_rows
from maskgan.eval.heldout import HeldOutSet
from maskgan.eval.report import CANDIDATE_NAMES, METRIC_NAMES, digits, summary
from maskgan.eval.synthetic import IMAGE_METRICS, MASK_METRICS, evaluate
from maskgan.imageio import save_png
from maskgan.infer import Editor, EditRequest
from maskgan.labels import label_to_color
from maskgan.parsing.learned import LearnedParser
from maskgan.progress import Progress
from maskgan.train.config import config_from_toml
from maskgan.train.export import training_framing
from maskgan.weights import read_card

NAME = re.compile(r"^(spatial|plain)_(ebst|noebst)_seed(\d+)$")
VARIANTS = ("spatial_ebst", "spatial_noebst", "plain_ebst", "plain_noebst")
VARIANT_NAMES = {
    "spatial_ebst": "spatial + EBST",
    "spatial_noebst": "spatial, no EBST",
    "plain_ebst": "plain + EBST",
    "plain_noebst": "plain, no EBST",
}
# the metrics of the tables: the product's edit on every metric, the generator alone where the network shows most
TABLE_KEYS = tuple(f"edit.{m}" for m in IMAGE_METRICS + MASK_METRICS) + (
    "generate.psnr_edit",
    "generate.ssim_edit",
    "generate.psnr_outside",
    "generate.miou",
    "generate.changed_accuracy",
)
GAIN_KEYS = ("edit.psnr_edit", "edit.ssim_edit", "generate.psnr_edit", "edit.miou", "edit.changed_accuracy")
# (A, B) pairs the reading compares: EBST on and off, then the spatial-aware against the plain style encoder
COMPARISONS = (
    ("spatial_ebst", "spatial_noebst"),
    ("plain_ebst", "plain_noebst"),
    ("spatial_ebst", "plain_ebst"),
    ("spatial_noebst", "plain_noebst"),
)
# edit kinds of the grid's rows, in order: each row is the first held-out triple of its kind
GRID_KINDS = ("add_glasses", "mouth_shape", "hair_shorter", "grow_part", "move_part", "add_hat")


def bundles(folder: Path) -> dict[str, dict[int, Path]]:
    """variant -> seed -> bundle path; SystemExit naming the problem when a variant lacks two seeds."""
    found: dict[str, dict[int, Path]] = {variant: {} for variant in VARIANTS}
    for path in sorted(folder.glob("*.safetensors")):
        match = NAME.match(path.stem)
        if match:
            found[f"{match[1]}_{match[2]}"][int(match[3])] = path
    thin = [variant for variant, seeds in found.items() if len(seeds) < 2]
    if thin:
        sys.exit(
            f"{folder}: need at least 2 seeds of every variant (NAME like spatial_ebst_seed1.safetensors); "
            f"short: {', '.join(thin)}. Train them with benchmarks/ablation_train.sh"
        )
    return found


def budgets(found: dict[str, dict[int, Path]]) -> str:
    """One Markdown table of each bundle's training budget from its card."""
    lines = [
        "| bundle | generator steps | DMN / EBST steps | batch | generator parameters | train seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for variant in VARIANTS:
        for _seed, path in sorted(found[variant].items()):
            card = read_card(path)
            config = tomllib.loads(card["train_config"])
            batch, schedule = config["data"]["batch_size"], config["schedule"]
            dmn, ebst = schedule["dmn_steps"], schedule["ebst_steps"]
            lines.append(
                f"| {path.stem} | {card['network_steps']['generator']} | {dmn} / {ebst} | {batch} | "
                f"{card['networks']['generator']['parameters']:,} | {card['train_seconds']:.0f} |"
            )
    return "\n".join(lines)


def grid_faces(heldout: HeldOutSet) -> list[int]:
    """Indices of the grid's rows: the first triple of each GRID_KINDS kind."""
    chosen: dict[str, int] = {}
    for index in range(len(heldout)):
        kind = heldout[index].edit_kind
        if kind in GRID_KINDS and kind not in chosen:
            chosen[kind] = index
        if len(chosen) == len(GRID_KINDS):
            break
    return [chosen[kind] for kind in GRID_KINDS if kind in chosen]


def metric_name(key: str) -> str:
    candidate, metric = key.split(".")
    pooled = ", pooled" if metric in MASK_METRICS else ""
    return f"{METRIC_NAMES[metric]}{pooled}, {CANDIDATE_NAMES[candidate]}"


def scores(result: dict) -> dict[str, float]:
    """One bundle's values: image metrics as means over the triples, mask metrics pooled over the set."""
    return {**result["means"], **result["pooled"]}


def variant_table(means: dict[str, dict[int, dict]]) -> str:
    """Markdown: metrics (rows) by variant (columns), mean over seeds (min-max over seeds)."""
    lines = [
        "| metric | " + " | ".join(VARIANT_NAMES[v] for v in VARIANTS) + " |",
        "|---" + "|---:" * len(VARIANTS) + "|",
    ]
    for key in TABLE_KEYS:
        cells = []
        for variant in VARIANTS:
            values = [seed_means[key] for seed_means in means[variant].values()]
            d = digits(key.split(".")[1])
            cells.append(f"{np.mean(values):.{d}f} ({min(values):.{d}f}–{max(values):.{d}f})")
        lines.append(f"| {metric_name(key)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_error(rows_a: list[dict], rows_b: list[dict], key: str) -> float:
    """Standard error of the mean per-triple difference a - b (the same triples), from the items alone."""
    differences = np.array([a[key] - b[key] for a, b in zip(rows_a, rows_b)])
    return float(differences.std(ddof=1) / np.sqrt(len(differences)))


def verdict(difference: float, spread: float) -> str:
    if difference > spread:
        return "better, beyond the spread"
    if -difference > spread:
        return "worse, beyond the spread"
    return "within the spread"


def comparison_table(means: dict[str, dict[int, dict]], rows: dict[str, dict[int, list]]) -> str:
    """Markdown: each COMPARISONS pair on the GAIN_KEYS metrics, the difference of the seed means against the
    seed spread (the larger min-max of the two variants) and the item-level standard error of the difference."""
    lines = [
        "| A vs B | metric | A | B | A - B | seed spread | item SE of A - B | reading |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for a_name, b_name in COMPARISONS:
        for key in GAIN_KEYS:
            a = [m[key] for m in means[a_name].values()]
            b = [m[key] for m in means[b_name].values()]
            difference, spread = np.mean(a) - np.mean(b), max(max(a) - min(a), max(b) - min(b))
            d = digits(key.split(".")[1])
            error = "-"  # pooled mask metrics are no means over triples
            if key.split(".")[1] not in MASK_METRICS:
                seeds = sorted(set(rows[a_name]) & set(rows[b_name]))
                error = f"{np.mean([paired_error(rows[a_name][s], rows[b_name][s], key) for s in seeds]):.{d}f}"
            lines.append(
                f"| {VARIANT_NAMES[a_name]} vs {VARIANT_NAMES[b_name]} | {metric_name(key)} | "
                f"{np.mean(a):.{d}f} | {np.mean(b):.{d}f} | {difference:+.{d}f} | {spread:.{d}f} | {error} | "
                f"{verdict(difference, spread)} |"
            )
    return "\n".join(lines)


def load_editor(path: Path) -> Editor:
    editor = Editor.load(path, device="cpu", precision="fp32")
    if editor.framing is None:  # exported before cards recorded it: measure it as `maskgan train export` does
        editor.framing = training_framing(config_from_toml(editor.card["train_config"], f"{path}'s card"))
    return editor


def evaluate_bundle(path: Path, heldout: HeldOutSet, parse: LearnedParser, saved: Path) -> dict:
    """The bundle's summary, from ``saved`` when that was made on the same set with the same weights and parser."""
    context = {
        "weights": str(path),
        "weights_sha256": read_card(path)["tensors_sha256"],
        "parser": {"name": parse.name, "tensors_sha256": parse.card.get("tensors_sha256")},
        "set": {"split": "test", "first_seed": heldout.seeds.start, "count": len(heldout), "size": heldout.size},
    }
    if saved.exists():
        result = json.loads(saved.read_text())
        if all(result.get(key) == value for key, value in context.items()):
            print(f"{path.stem}: reusing {saved}", file=sys.stderr)
            return result
    editor = load_editor(path)
    progress = Progress(len(heldout), desc=path.stem)
    report = evaluate(editor, heldout, parse.parse_batch, progress=progress)
    progress.close()
    result = summary(
        report, card=editor.card.get("name"), command=" ".join(sys.argv), framing=editor.framing.as_dict(), **context
    )
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(result, indent=1) + "\n")
    return result


def write_grid(output: Path, heldout: HeldOutSet, found: dict[str, dict[int, Path]]) -> None:
    """The GRID_KINDS edits (rows): photo, edited mask, truth, then each variant's first seed."""
    faces = [heldout[index] for index in grid_faces(heldout)]
    requests = [EditRequest(f.image, f.label, f.edited_label, look=0) for f in faces]  # paper protocol
    results = {v: [edit.image for edit in load_editor(found[v][min(found[v])]).edit_batch(requests)] for v in VARIANTS}
    grid = []
    for k, face in enumerate(faces):
        tiles = [
            (f"photo ({face.edit_kind})", face.image),
            ("edited mask", label_to_color(face.edited_label)),
            ("ground truth", face.edited_image),
        ]
        grid.append(tiles + [(VARIANT_NAMES[v], results[v][k]) for v in VARIANTS])
    save_png(output, grid_rows(grid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder of the ablation bundles")
    parser.add_argument("--count", type=int, default=500, help="held-out triples (default 500)")
    parser.add_argument("--size", type=int, default=96, help="side of the held-out faces (default 96, the bundles')")
    parser.add_argument("--parser-weights", type=Path, help="learned parser bundle (default: the shipped one)")
    parser.add_argument("--results", type=Path, help="per-bundle metrics.json folder (default FOLDER/eval)")
    parser.add_argument("--grid", type=Path, default=Path("docs/ablation_grid.png"), help="picture grid to write")
    args = parser.parse_args()
    torch.set_num_threads(1)
    found = bundles(args.folder)
    results = args.results or args.folder / "eval"
    print("## Budgets (from the cards)\n\n" + budgets(found) + "\n")

    heldout = HeldOutSet(args.size, args.count)
    parse = LearnedParser.from_bundle(args.parser_weights)
    means: dict[str, dict[int, dict]] = {variant: {} for variant in VARIANTS}
    rows: dict[str, dict[int, list]] = {variant: {} for variant in VARIANTS}
    for variant in VARIANTS:
        for seed, path in sorted(found[variant].items()):
            result = evaluate_bundle(path, heldout, parse, results / f"{path.stem}.json")
            means[variant][seed], rows[variant][seed] = scores(result), result["rows"]

    baseline = next(iter(means[VARIANTS[0]].values()))
    print(f"## Held-out set: {len(heldout)} triples at {heldout.size} px, faces {heldout.seeds.start} on\n")
    print(
        f"photo unchanged: PSNR {baseline['photo.psnr']:.2f} dB, edit region {baseline['photo.psnr_edit']:.2f} dB, "
        f"SSIM edit region {baseline['photo.ssim_edit']:.3f}, pooled mIoU {baseline['photo.miou']:.3f}, "
        f"edit region {baseline['photo.miou_edit']:.3f}, changed pixels {baseline['photo.changed_accuracy']:.3f}; "
        f"the parser on the truth: pooled mIoU {baseline['truth.miou']:.3f}, edit region "
        f"{baseline['truth.miou_edit']:.3f}, changed pixels {baseline['truth.changed_accuracy']:.3f}\n"
    )
    print("## Variants (mean over seeds, min-max over seeds)\n\n" + variant_table(means) + "\n")
    print("## Comparisons against the seed spread\n\n" + comparison_table(means, rows) + "\n")
    write_grid(args.grid, heldout, found)
    print(f"wrote {args.grid} and {results}/*.json")


if __name__ == "__main__":
    main()
