"""Do parts added by an edit come out in a colour of their own, or in the average of the possible ones?

The synthetic world draws each pair of glasses with one of six frame colours and a
clear or a dark lens, and each hat in a colour of its own, independent of the face.
When an edit adds glasses or a hat, the photo therefore says nothing about their
colour: a generator trained to regress the exact truth learns the average, a grey
haze. This measures it on the held-out triples of `maskgan eval synthetic` whose
edit adds the part: over the pixels that become the part, the mean brightness
change from the photo, for the truth and for the generator's output
(``Editor.generate``), and how much that change varies across triples. The
truth's change swings with the drawn colour; a generator that averages stays
near the truth's mean change on every triple, with a spread far below the truth's.

  .venv/bin/python benchmarks/bench_added_part_colour.py [--weights BUNDLE] [--count 500]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from maskgan.eval.heldout import HeldOutSet
from maskgan.infer import Editor
from maskgan.labels import class_index

ADDED_PARTS = {"add_glasses": class_index("eye_g"), "add_hat": class_index("hat")}
LUMA = np.array([0.299, 0.587, 0.114])


def brightness_changes(editor: Editor, heldout: HeldOutSet, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(truth, output): per triple of ``kind``, mean luma minus the photo's over the pixels that became the part."""
    part = ADDED_PARTS[kind]
    truth, output = [], []
    for index in range(len(heldout)):
        face = heldout[index]
        if face.edit_kind != kind:
            continue
        added = (face.edited_label == part) & (face.label != part)
        generated = editor.generate(face.image, face.label, face.edited_label)
        photo = face.image[added].astype(np.float64) @ LUMA
        truth.append((face.edited_image[added].astype(np.float64) @ LUMA - photo).mean())
        output.append((generated[added].astype(np.float64) @ LUMA - photo).mean())
    return np.array(truth), np.array(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="model bundle (default: the embedded demo weights)")
    parser.add_argument("--count", type=int, default=500, help="held-out triples to look through (default 500)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    editor = Editor.load(args.weights, device="cpu", precision="fp32")
    heldout = HeldOutSet(editor.resolution, args.count)
    print("| edit kind | triples | brightness change, truth: mean | spread (std) | output: mean | spread (std) |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in ADDED_PARTS:
        truth, output = brightness_changes(editor, heldout, kind)
        print(f"| {kind} | {len(truth)} | {truth.mean():+.1f} | {truth.std():.1f} | {output.mean():+.1f} | {output.std():.1f} |")


if __name__ == "__main__":
    main()
