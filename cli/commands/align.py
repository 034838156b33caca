"""`maskgan align`: a photo's face cut out as CelebA-HQ cut its faces (maskgan.infer.align), and its mask with it."""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError


def add_commands(subparsers) -> None:
    command = subparsers.add_parser(
        "align", help="write a face's CelebA-HQ-aligned crop (what CelebAMask-HQ-trained tools expect)"
    )
    command.add_argument("--image", type=Path, required=True, help="the photo")
    command.add_argument("--output", type=Path, required=True, help="the aligned crop (PNG)")
    command.add_argument("--size", type=int, default=512, help="side of the crop in pixels (default 512)")
    command.add_argument("--face", type=int, default=0, help="which face when there are several: 0 = the largest")
    command.add_argument("--mask", type=Path, help="the photo's mask (colour or label PNG): cut the same way")
    command.add_argument("--mask-output", type=Path, help="the aligned mask (colour PNG, official palette)")
    command.add_argument(
        "--landmarks",
        default="auto",
        choices=["auto", "mesh", "mask"],
        help="where the five landmarks come from: auto (default) the face mesh of the parsing "
        "extra when installed, else the mask",
    )
    command.set_defaults(func=_align)


def _align(args) -> int:
    from maskgan.imageio import load_mask, load_rgb, save_mask, save_png
    from maskgan.infer.align import align_face

    if args.face < 0:
        raise CommandError(f"--face must be 0 or more (0 = the largest face), got {args.face}")
    if (args.mask is None) != (args.mask_output is None):
        raise CommandError("--mask and --mask-output go together: the mask to cut and where to write its crop")
    try:
        image = load_rgb(args.image)
        mask = load_mask(args.mask) if args.mask else None
        aligned = align_face(image, mask, size=args.size, face=args.face, source=args.landmarks)
    except (ValueError, FileNotFoundError) as error:  # ParserError (no face, extra missing) is a ValueError
        raise CommandError(str(error)) from error
    save_png(args.output, aligned.image)
    written = [str(args.output)]
    if aligned.mask is not None:
        save_mask(args.mask_output, aligned.mask)
        written.append(str(args.mask_output))
    print(
        f"aligned face {aligned.face} of {aligned.faces}, landmarks from the {aligned.source}: "
        f"{aligned.square.describe()}; wrote {', '.join(written)} ({args.size} px)"
    )
    return 0
