"""Retoucher edits on a real photo: identity kept, and whether the edit took, for each method.

Parses the astronaut photo (scikit-image's sample) with the landmark parser, makes
the retoucher edits of maskgan.eval.retouch_edits (sizes relative to the face box),
runs Editor.edit with each method (default: generate, the paper's behaviour, and
auto, the photo routes first) and prints, as a markdown table per edit: dlib's
identity distance between the photo and the result (same person below 0.6; the
issue's target is <= 0.35), the share of changed pixels that the landmark parser
reads as their new class on the result (for the classes it sees; target >= 60%),
the routes taken, and the seconds of the edit. With --sheet, writes photo | edited
mask | one column per method, cropped around the face and enlarged, to look at.

  .venv/bin/python benchmarks/bench_real_edits.py [--weights BUNDLE] [--methods generate,auto] [--sheet PATH.jpg|.png]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from PIL import Image

# classes the landmark parser draws (docs/parsing.md); others (glasses) cannot be read back
PARSER_SEES = ("skin", "nose", "l_eye", "r_eye", "l_brow", "r_brow", "mouth", "u_lip", "l_lip", "hair", "background")


def took(parser, result: np.ndarray, edited: np.ndarray, changed: np.ndarray) -> float | None:
    """Share of the changed pixels, of classes the parser sees, that it reads as their new class on ``result``."""
    from maskgan.labels import class_index

    seen = changed & np.isin(edited, [class_index(k) for k in PARSER_SEES])
    if not seen.any():
        return None
    return float((parser.parse(result).labels[seen] == edited[seen]).mean())


def face_crop(image: np.ndarray, box, scale: int = 2) -> np.ndarray:
    x0, y0, x1, y1 = box
    return np.asarray(Image.fromarray(image).crop(box).resize(((x1 - x0) * scale, (y1 - y0) * scale), Image.LANCZOS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="model bundle (default: the embedded demo weights)")
    parser.add_argument("--methods", default="generate,auto", help="comma-separated methods to compare")
    parser.add_argument("--sheet", help="also write the before/after sheet (PNG) here")
    args = parser.parse_args()

    from maskgan.data.real_photos import load_astronaut
    from maskgan.eval.retouch_edits import RETOUCH_EDITS
    from maskgan.infer.editor import Editor
    from maskgan.labels import label_to_color
    from maskgan.parsing.identity import identity_distance
    from maskgan.parsing.landmarks import LandmarkParser
    from maskgan_cli.run_request import routes_text

    photo = load_astronaut()
    landmarks = LandmarkParser()
    parsed = landmarks.parse(photo)
    face = parsed.faces[0]
    side = max(face.right - face.left, face.bottom - face.top)
    margin = side // 2
    crop_box = (
        max(0, face.left - margin),
        max(0, face.top - margin),
        min(photo.shape[1], face.right + margin),
        min(photo.shape[0], face.bottom + margin),
    )
    methods = args.methods.split(",")
    editor = Editor.load(args.weights, device="cpu")
    print(f"weights: {editor.card.get('name', args.weights)}; face box {side} px\n")
    print("| edit | changed px | method | identity | took | routes | seconds |\n|---|---|---|---|---|---|---|")
    rows = []
    for name, edit, share in RETOUCH_EDITS:
        step = max(1, round(share * side))
        edited = edit(parsed.labels, step)
        changed = edited != parsed.labels
        tiles = [face_crop(photo, crop_box), face_crop(label_to_color(edited), crop_box)]
        for method in methods:
            start = time.perf_counter()
            result = editor.edit(photo, parsed.labels, edited, method=method)
            seconds = time.perf_counter() - start
            share_took = took(landmarks, result.image, edited, changed)
            took_text = "n/a" if share_took is None else f"{share_took:.0%}"
            print(
                f"| {name} ({step} px) | {int(changed.sum())} | {method} | "
                f"{identity_distance(photo, result.image):.3f} | {took_text} | {routes_text(result.routes)} | "
                f"{seconds:.2f} |"
            )
            tiles.append(face_crop(result.image, crop_box))
        rows.append(np.concatenate(tiles, axis=1))
    if args.sheet:  # a .jpg keeps the 4-column sheet of photos small enough for the repository
        Image.fromarray(np.concatenate(rows, axis=0)).save(args.sheet, quality=92)
        print(f"\nwrote {args.sheet} (photo | edited mask | {' | '.join(methods)})")


if __name__ == "__main__":
    main()
