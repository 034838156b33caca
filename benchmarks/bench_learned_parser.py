"""The learned parser against exact labels: synthetic test-split faces, and the demo generator's edits.

Parses the first ``--count`` faces of the synthetic world's test split (seeds from
EVAL_SEED_BASE, never trained on) at each of ``--sizes`` with ``parse_batch`` and
prints, per size, the IoU of every class pooled over all faces (one confusion
matrix), the mIoU over the classes present, the pixel accuracy and the time.

With ``--generator-edits N`` it also runs the embedded demo generator on the first
N test faces at its resolution: G(edited mask, source mask, source photo), parses
the output and scores it against the edited mask (mask fidelity), next to the parse
of the exact edited image (the parser's own error on that set). ``--sheet PATH``
writes photo | truth | parse | wrong pixels for a few faces of each kind.

  .venv/bin/python benchmarks/bench_learned_parser.py [--weights BUNDLE] [--count 500] [--sizes 96,256]
      [--generator-edits 200] [--sheet docs/parsing_learned.png] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from maskgan.labels import label_to_color

BATCH = 50  # faces rendered and parsed together
SHEET_FACES = 3
WRONG = np.array([255, 0, 255], np.uint8)  # magenta where the parse differs from the truth


def test_split_scores(parser, count: int, size: int) -> dict:
    from maskgan.core.iou import IoUCounter
    from maskgan.data.sources import EVAL_SEED_BASE
    from maskgan.data.synthetic import sample_photo

    counter, seconds = IoUCounter(), 0.0
    for first in range(0, count, BATCH):
        photos = [sample_photo(EVAL_SEED_BASE + i, size) for i in range(first, min(count, first + BATCH))]
        start = time.perf_counter()
        parsed = parser.parse_batch(np.stack([image for image, _ in photos]))
        seconds += time.perf_counter() - start
        counter.add(parsed, np.stack([label for _, label in photos]))
    return {**counter.summary(), "faces": count, "ms_per_face": round(1e3 * seconds / count, 2)}


def generator_edit_scores(parser, editor, count: int) -> tuple[dict, dict, list]:
    """(scores of parsed generator outputs, scores of parsed exact edits) against the edited masks; sheet rows."""
    from maskgan.core.iou import IoUCounter
    from maskgan.data.sources import EVAL_SEED_BASE
    from maskgan.data.synthetic import sample

    generated, exact, rows = IoUCounter(), IoUCounter(), []
    for i in range(count):
        face = sample(EVAL_SEED_BASE + i, editor.resolution)
        output = editor.generate(face.image, face.label, face.edited_label)
        parsed = parser.parse(output).labels
        generated.add(parsed, face.edited_label)
        exact.add(parser.parse(face.edited_image).labels, face.edited_label)
        if i < SHEET_FACES:
            rows.append(sheet_row(f"demo edit {i} ({face.edit_kind})", output, face.edited_label, parsed))
    return {**generated.summary(), "faces": count}, {**exact.summary(), "faces": count}, rows


def sheet_row(caption: str, image: np.ndarray, truth: np.ndarray, parsed: np.ndarray, side: int = 160) -> list:
    from PIL import Image

    def tile(array: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(array).resize((side, side), Image.NEAREST))

    wrong = np.where((parsed != truth)[..., None], WRONG, image // 3).astype(np.uint8)
    return [
        (caption, tile(image)),
        ("truth", tile(label_to_color(truth))),
        ("parsed", tile(label_to_color(parsed))),
        ("wrong pixels", tile(wrong)),
    ]


def print_table(title: str, scores: dict) -> None:
    print(
        f"{title}: mIoU {scores['miou']:.4f}, pixel accuracy {scores['pixel_accuracy']:.4f}"
        + (f", {scores['ms_per_face']} ms per face" if "ms_per_face" in scores else "")
    )
    print("  " + "  ".join(f"{key} {'-' if iou is None else f'{iou:.3f}'}" for key, iou in scores["per_class"].items()))


def main() -> None:
    import torch

    from maskgan.parsing.learned import LearnedParser

    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--weights", help="parser bundle (default: the shipped synthetic-world parser)")
    options.add_argument("--count", type=int, default=500, help="test-split faces per size")
    options.add_argument("--sizes", default="96,256", help="comma-separated sizes in pixels")
    options.add_argument(
        "--generator-edits",
        type=int,
        default=0,
        metavar="N",
        help="also score the demo generator's edits of the first N test faces",
    )
    options.add_argument("--sheet", help="write a PNG of a few parsed faces")
    options.add_argument("--json", help="write every score as JSON")
    options.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    args = options.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    parser = LearnedParser.from_bundle(args.weights)
    print(
        f"{parser.name}; card native_sizes {parser.card.get('native_sizes')}, resolution {parser.card.get('resolution')}"
    )
    results, rows = {}, []
    for size in (int(s) for s in args.sizes.split(",")):
        results[f"test_{size}"] = test_split_scores(parser, args.count, size)
        print_table(f"test split, {args.count} faces at {size} px", results[f"test_{size}"])
        if args.sheet:
            from maskgan.data.sources import EVAL_SEED_BASE
            from maskgan.data.synthetic import sample_photo

            for i in range(SHEET_FACES):
                image, truth = sample_photo(EVAL_SEED_BASE + i, size)
                rows.append(sheet_row(f"test {i} at {size} px", image, truth, parser.parse(image).labels))
    if args.generator_edits:
        from maskgan.infer.editor import Editor

        editor = Editor.load(None, device="cpu", precision="fp32")
        generated, exact, edit_rows = generator_edit_scores(parser, editor, args.generator_edits)
        results["demo_generator_edits"], results["exact_edits"] = generated, exact
        rows += edit_rows
        print_table(f"demo generator edits, {args.generator_edits} faces at {editor.resolution} px", generated)
        print_table("the same edits' exact images", exact)
    if args.sheet:
        from maskgan.data.preview import contact_sheet
        from maskgan.imageio import save_png

        save_png(args.sheet, contact_sheet(rows, per_row=1))
        print(f"wrote {args.sheet}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
