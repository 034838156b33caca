"""Identity preservation on a real photo: dlib's embedding distance before and after user-like mask edits.

Parses the astronaut photo (scikit-image's sample) with the landmark parser, makes
a few edits a retoucher would paint (fuller lips, closed mouth, lower hairline,
raised brows; sizes relative to the face box), runs Editor.edit with the given
weights (default: the embedded demo weights) and prints, as a markdown table, the
embedding distance between the photo and each result, with two sanity rows: the
photo against itself, and against itself re-encoded as JPEG (quality 90).
dlib's same-person rule is a distance below 0.6.

  .venv/bin/python benchmarks/bench_identity.py [--weights BUNDLE] [--sheet PATH]
"""

from __future__ import annotations

import argparse
import io

import numpy as np
from PIL import Image

from maskgan.infer.crop import dilate
from maskgan.labels import class_index

SKIN, HAIR, MOUTH, U_LIP, L_LIP = (class_index(k) for k in ("skin", "hair", "mouth", "u_lip", "l_lip"))
BROWS = (class_index("l_brow"), class_index("r_brow"))


def fuller_lips(labels: np.ndarray, step: int) -> np.ndarray:
    """Both lips grown by ``step`` pixels into the skin around them."""
    lips = np.isin(labels, (U_LIP, L_LIP))
    grown = dilate(lips, step) & (labels == SKIN)
    middle = np.nonzero(np.isin(labels, (U_LIP, MOUTH, L_LIP)))[0].mean()
    edited = labels.copy()
    rows = np.arange(labels.shape[0])[:, None]
    edited[grown & (rows < middle)] = U_LIP
    edited[grown & (rows >= middle)] = L_LIP
    return edited


def closed_mouth(labels: np.ndarray, step: int) -> np.ndarray:
    """The open mouth (teeth) painted over by the lips, meeting in its middle."""
    mouth = labels == MOUTH
    middle = np.nonzero(mouth)[0].mean()
    rows = np.arange(labels.shape[0])[:, None]
    edited = labels.copy()
    edited[mouth & (rows < middle)] = U_LIP
    edited[mouth & (rows >= middle)] = L_LIP
    return edited


def lower_hairline(labels: np.ndarray, step: int) -> np.ndarray:
    """Hair grown ``step`` pixels down over the forehead's skin (above the brows)."""
    brow_top = np.nonzero(np.isin(labels, BROWS))[0].min()
    edited = labels.copy()
    forehead = (labels == SKIN) & (np.arange(labels.shape[0])[:, None] < brow_top - 2)
    hair = labels == HAIR
    below = np.zeros_like(hair)
    below[step:] = hair[:-step]  # hair moved down, so it only grows downwards
    edited[forehead & (below | dilate(hair, 1))] = HAIR
    return edited


def raised_brows(labels: np.ndarray, step: int) -> np.ndarray:
    """Both brows moved ``step`` pixels up; skin where they were."""
    edited = labels.copy()
    for brow in BROWS:
        mask = labels == brow
        edited[mask] = SKIN
        moved = np.zeros_like(mask)
        moved[:-step] = mask[step:]
        edited[moved & np.isin(labels, (SKIN, brow))] = brow
    return edited


EDITS = (  # name, edit, step as a fraction of the face box's side
    ("fuller lips", fuller_lips, 0.03),
    ("closed mouth", closed_mouth, 0.0),
    ("lower hairline", lower_hairline, 0.08),
    ("raised brows", raised_brows, 0.05),
)


def jpeg(photo: np.ndarray, quality: int = 90) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="model bundle (default: the embedded demo weights)")
    parser.add_argument("--sheet", help="also write photo | edited mask | result rows (PNG) here, to look at")
    args = parser.parse_args()

    from maskgan.data.real_photos import load_astronaut
    from maskgan.infer.editor import Editor
    from maskgan.labels import label_to_color
    from maskgan.parsing.identity import SAME_PERSON_THRESHOLD, identity_distance
    from maskgan.parsing.landmarks import LandmarkParser

    photo = load_astronaut()
    parsed = LandmarkParser().parse(photo)
    box = parsed.faces[0]
    side = max(box.right - box.left, box.bottom - box.top)
    editor = Editor.load(args.weights, device="cpu")
    print(f"weights: {editor.card.get('name', args.weights)} ({editor.resolution} px); face box {side} px; "
          f"same person below {SAME_PERSON_THRESHOLD}\n")
    print("| photo compared with | changed mask pixels | identity distance |\n|---|---|---|")
    print(f"| itself | 0 | {identity_distance(photo, photo):.3f} |")
    print(f"| itself re-encoded as JPEG (quality 90) | 0 | {identity_distance(photo, jpeg(photo)):.3f} |")
    rows = []
    for name, edit, fraction in EDITS:
        step = max(1, round(fraction * side))
        edited = edit(parsed.labels, step)
        result = editor.edit(photo, parsed.labels, edited)
        changed = int((edited != parsed.labels).sum())
        label = f"{name} ({step} px)" if fraction else name
        print(f"| {label} | {changed} | {identity_distance(photo, result.image):.3f} |")
        rows.append(np.concatenate([photo, label_to_color(edited), result.image], axis=1))
    if args.sheet:
        from maskgan.imageio import save_png

        save_png(args.sheet, np.concatenate(rows, axis=0))
        print(f"\nwrote {args.sheet}")


if __name__ == "__main__":
    main()
