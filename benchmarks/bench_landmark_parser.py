"""The landmark parser against exact labels: synthetic test-split faces, and the astronaut overlay.

Parses ``--count`` faces of the synthetic world's test split (seeds from
EVAL_SEED_BASE) at ``--size`` pixels and prints the detection rate and, over the
faces it parsed, per-class IoU from one confusion matrix over all of them, the
mIoU over every class present and over the classes the parser can produce.

With ``--overlay PATH`` it also writes photo | colour mask | blend of the astronaut.

  .venv/bin/python benchmarks/bench_landmark_parser.py [--count 200] [--size 256] [--overlay docs/parsing_astronaut.png]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from maskgan.labels import CLASS_KEYS, label_to_color


def evaluate(parser, count: int, size: int) -> None:
    from maskgan.core.iou import IoUCounter
    from maskgan.data.sources import EVAL_SEED_BASE
    from maskgan.data.synthetic import sample
    from maskgan.parsing import ParserError

    counter, missed, seconds = IoUCounter(), [], 0.0
    for i in range(count):
        face = sample(EVAL_SEED_BASE + i, size)
        start = time.perf_counter()
        try:
            parsed = parser.parse(face.image)
        except ParserError:
            missed.append(i)
            continue
        finally:
            seconds += time.perf_counter() - start
        counter.add(parsed.labels, face.label)
    found = count - len(missed)
    print(
        f"faces detected and parsed: {found} of {count} ({100 * found / count:.1f}%), "
        f"{1e3 * seconds / count:.0f} ms per face; missed items: {missed[:20]}{' ...' if len(missed) > 20 else ''}"
    )
    if not found:
        return
    per_class = counter.summary()["per_class"]
    seen = [key for key in CLASS_KEYS if key not in parser.unseen and per_class[key] is not None]
    present = [key for key in CLASS_KEYS if per_class[key] is not None]
    print(f"mIoU over the {len(present)} classes present: {np.mean([per_class[k] for k in present]):.3f}")
    print(f"mIoU over the {len(seen)} classes the parser produces: {np.mean([per_class[k] for k in seen]):.3f}")
    print("| class | IoU |\n|---|---|")
    for key in present:
        print(f"| {key}{' (unseen)' if key in parser.unseen else ''} | {per_class[key]:.3f} |")


def write_overlay(parser, path: str, side: int = 384) -> None:
    """photo | colour mask | blend around the face (two face boxes of margin), each ``side`` px square."""
    from PIL import Image

    from maskgan.data.real_photos import load_astronaut
    from maskgan.imageio import save_png

    photo = load_astronaut()
    parsed = parser.parse(photo)
    box = parsed.faces[0]
    half = max(box.right - box.left, box.bottom - box.top)
    cx, cy = (box.left + box.right) // 2, (box.top + box.bottom) // 2
    window = (cx - half, cy - half, cx + half, cy + half)
    colour = label_to_color(parsed.labels)
    blend = (0.5 * photo.astype(np.float32) + 0.5 * colour).round().astype(np.uint8)
    tiles = [
        np.asarray(Image.fromarray(tile).crop(window).resize((side, side), Image.NEAREST))
        for tile in (photo, colour, blend)
    ]
    save_png(path, np.concatenate(tiles, axis=1))
    print(f"wrote {path} (face box {box.as_list()}, shown around it at {side / (2 * half):.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="synthetic test-split faces")
    parser.add_argument("--size", type=int, default=256, help="their size in pixels")
    parser.add_argument("--overlay", help="also write the astronaut overlay (PNG) here")
    args = parser.parse_args()
    from maskgan.parsing.landmarks import LandmarkParser

    landmark_parser = LandmarkParser()
    if args.count:
        evaluate(landmark_parser, args.count, args.size)
    if args.overlay:
        write_overlay(landmark_parser, args.overlay)


if __name__ == "__main__":
    main()
