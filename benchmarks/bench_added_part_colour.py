"""Do parts added by an edit come out in a colour of their own, or in the average of the possible ones?

The synthetic world draws each pair of glasses with one of six frame colours and a
clear or a dark lens, and each hat in a colour of its own, independent of the face.
When an edit adds glasses or a hat, the photo therefore says nothing about their
colour: a generator trained to regress the exact truth learns the average, a grey
haze. This measures it on the held-out triples of `maskgan eval synthetic` whose
edit adds the part, for the truth and for ``Editor.edit`` at each look (0: the
photo's own style, the paper's protocol; k >= 1: built-in look k, see
maskgan/infer/looks.py), over the pixels that become the part:

* brightness change: the mean luma change from the photo, and how much it varies
  across triples. The truth's swings with the drawn colour; an averaging generator
  stays near the truth's mean on every triple, with a spread far below the truth's;
* outline contrast: how much the part stands out from what surrounds it (a frame
  from the skin; maskgan.eval.metrics.outline_contrast), averaged over triples; a
  faint blur has little;
* PSNR against the truth in the edit region (the scores of `maskgan eval synthetic`):
  a look draws a definite colour, which is rarely the truth's, so it may score lower
  than the average even where it looks right.

  .venv/bin/python benchmarks/bench_added_part_colour.py [--weights BUNDLE] [--count 500] [--looks 0,1,2,3]
      [--grid docs/looks_grid.png]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from maskgan.eval.grid import grid_rows
from maskgan.eval.heldout import HeldOutSet
from maskgan.eval.metrics import edit_radius, edit_region, outline_contrast, outline_radius, psnr
from maskgan.imageio import luma, save_png
from maskgan.infer import Editor
from maskgan.labels import class_index

ADDED_PARTS = {"add_glasses": class_index("eye_g"), "add_hat": class_index("hat")}
GRID_ROWS_PER_KIND = 3


def part_scores(
    image: np.ndarray, photo: np.ndarray, truth: np.ndarray, part: np.ndarray, added: np.ndarray, region: np.ndarray
) -> dict:
    """Brightness change from the photo over the ``added`` pixels, the ``part``'s outline contrast, PSNR in ``region``."""
    return {
        "change": (luma(image[added]) - luma(photo[added])).mean(),
        "contrast": outline_contrast(image, part, outline_radius(part.shape[0])),
        "psnr": psnr(image, truth, region),
    }


def score_kind(editor: Editor, heldout: HeldOutSet, kind: str, looks: list[int], grid: list) -> dict[str, list[dict]]:
    """Per candidate ("truth", "look K"), the scores of every triple whose edit is ``kind``; the first few go to ``grid``."""
    part, radius = ADDED_PARTS[kind], edit_radius(heldout.size)
    scores = {"truth": []} | {f"look {k}": [] for k in looks}
    shown = 0
    for index in range(len(heldout)):
        face = heldout[index]
        if face.edit_kind != kind:
            continue
        added = (face.edited_label == part) & (face.label != part)
        region = edit_region(face.label, face.edited_label, radius)
        images = {"truth": face.edited_image}
        images |= {f"look {k}": editor.edit(face.image, face.label, face.edited_label, look=k).image for k in looks}
        for name, image in images.items():
            scores[name].append(
                part_scores(image, face.image, face.edited_image, face.edited_label == part, added, region)
            )
        if shown < GRID_ROWS_PER_KIND:
            grid.append([(f"photo ({kind})", face.image)] + [(name, image) for name, image in images.items()])
            shown += 1
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="model bundle (default: the embedded demo weights)")
    parser.add_argument("--count", type=int, default=500, help="held-out triples to look through (default 500)")
    parser.add_argument("--looks", default="0,1,2,3", help="looks to compare, comma-separated (default 0,1,2,3)")
    parser.add_argument(
        "--grid", help=f"also write a picture grid of the first {GRID_ROWS_PER_KIND} triples of each kind"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    editor = Editor.load(args.weights, device="cpu", precision="fp32")
    heldout = HeldOutSet(editor.resolution, args.count)
    looks = [int(k) for k in args.looks.split(",")]
    print(f"{editor.card.get('name', 'unnamed')}, held-out triples at {heldout.size} px\n")
    print(
        "| edit kind | triples | drawn by | brightness change: mean | spread (std) | outline contrast | "
        "PSNR edit region (dB) |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    grid = []
    for kind in ADDED_PARTS:
        for name, rows in score_kind(editor, heldout, kind, looks, grid).items():
            change = np.array([r["change"] for r in rows])
            contrast, score = np.mean([r["contrast"] for r in rows]), np.mean([r["psnr"] for r in rows])
            shown = "—" if name == "truth" else f"{score:.2f}"
            print(
                f"| {kind} | {len(rows)} | {name} | {change.mean():+.1f} | {change.std():.1f} | {contrast:.1f} | {shown} |"
            )
    if args.grid:
        save_png(args.grid, grid_rows(grid))
        print(f"\nwrote {args.grid}")


if __name__ == "__main__":
    main()
