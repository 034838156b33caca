"""CelebA-HQ alignment: how close official CelebA-HQ crops align to themselves, and the docs' picture.

With ``--samples DIR`` (the official demo's ``MaskGAN_demo/samples``: N.jpg, 1024 px
CelebA-HQ crops, and N.png, their 512 px label maps; not part of this repository)
it aligns every sample with each landmark source and prints how far the square
found lies from the photo itself: its centre's offset and its side as fractions
of the photo's side, its turn, and the mean absolute difference of the re-cut
crop from the photo.

With ``--figure PATH`` it writes the picture of docs/official_weights.md: the
astronaut turned by 20 degrees with the aligned square drawn on it, the aligned
crop, the crop with its lips recoloured (a stand-in for an edit), and the photo
after the paste-back (the square's bounds, enlarged), with a green ring just
outside the pixels whose bytes changed.

  .venv/bin/python benchmarks/bench_alignment.py --samples /path/to/MaskGAN_demo/samples
  .venv/bin/python benchmarks/bench_alignment.py --figure docs/official_weights_astronaut.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from maskgan.infer import align
from maskgan.infer.face_points import FacePoints
from maskgan.labels import class_index


def self_alignment(folder: Path) -> None:
    print("| sample | landmarks | centre offset (x, y) | side | turn | mean abs diff |")
    print("|---|---|---|---|---|---|")
    for source in ("mesh", "mask"):
        points = FacePoints(source)
        for path in sorted(folder.glob("*.jpg")):
            photo = np.asarray(Image.open(path).convert("RGB"))
            side = photo.shape[0]
            mask = np.asarray(Image.open(path.with_suffix(".png")).resize(photo.shape[1::-1], Image.NEAREST))
            found = points.find(photo, mask)
            square = align.AlignedSquare.from_landmarks(found.points)
            crop = align.crop_image(photo, square, side)
            offset = (np.array(square.center) - side / 2) / side
            print(
                f"| {path.stem} | {source} | {offset[0]:+.2%}, {offset[1]:+.2%} | {square.side / side:.3f} | "
                f"{square.angle:+.2f} deg | {np.abs(crop.astype(float) - photo).mean():.1f} |"
            )


def figure(path: Path) -> None:
    from maskgan.data.real_photos import load_astronaut

    turned = np.asarray(
        Image.fromarray(load_astronaut()).rotate(20, Image.BICUBIC, expand=True, fillcolor=(96, 96, 96))
    )
    face = align.align_face(turned, size=512)
    from maskgan.parsing.landmarks import LandmarkParser

    crop_labels = LandmarkParser().parse(face.image).labels
    edited = face.image.copy()
    lips = np.isin(crop_labels, [class_index("u_lip"), class_index("l_lip")])
    edited[lips] = (edited[lips] * np.array([0.55, 0.35, 0.9])).astype(np.uint8)  # plum lipstick
    blended, layer = align.paste_crop(turned, face.square, edited, changed=lips, grow=1, feather=2)

    side = 384
    shown = Image.fromarray(turned).convert("RGB")
    draw = ImageDraw.Draw(shown)
    corners = [tuple(p) for p in face.square.corners_xy()]
    draw.line(corners + corners[:1], fill=(255, 220, 0), width=3)
    # the paste-back, cut to the square's bounds, with a ring a few pixels outside the pixels whose bytes changed
    changed = Image.fromarray(((blended != turned).any(2) * 255).astype(np.uint8))
    ring = (np.asarray(changed.filter(ImageFilter.MaxFilter(5))) > 0) & ~(
        np.asarray(changed.filter(ImageFilter.MaxFilter(3))) > 0
    )
    after = blended.copy()
    after[ring] = (0, 255, 0)
    x0, y0, x1, y1 = face.square.bounding_box().clipped(*turned.shape[:2])
    panels = [
        shown.resize((side, side)),
        Image.fromarray(face.image).resize((side, side)),
        Image.fromarray(edited).resize((side, side)),
        Image.fromarray(after[y0:y1, x0:x1]).resize((side, side), Image.LANCZOS),
    ]
    sheet = Image.new("RGB", (side * 4 + 30, side), (255, 255, 255))
    for i, panel in enumerate(panels):
        sheet.paste(panel, (i * (side + 10), 0))
    sheet.save(path)
    untouched = layer[..., 3] == 0
    print(
        f"wrote {path}: {face.square.describe()}; {int((~untouched).sum())} pixels pasted, the other "
        f"{int(untouched.sum())} keep their bytes: {np.array_equal(blended[untouched], turned[untouched])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, help="folder of CelebA-HQ crops N.jpg with label maps N.png")
    parser.add_argument("--figure", type=Path, help="write the docs' picture here")
    args = parser.parse_args()
    if args.samples:
        self_alignment(args.samples)
    if args.figure:
        figure(args.figure)
    if not (args.samples or args.figure):
        parser.error("give --samples DIR, --figure PATH, or both")


if __name__ == "__main__":
    main()
