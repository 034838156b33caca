"""`maskgan data ...`: dataset preparation and previews."""

from __future__ import annotations

from pathlib import Path


def add_commands(subparsers) -> None:
    data = subparsers.add_parser("data", help="prepare datasets and preview training data")
    sub = data.add_subparsers(dest="data_command", metavar="DATA_COMMAND", required=True)

    prepare = sub.add_parser(
        "prepare-celebamask",
        help="merge CelebAMask-HQ part masks into label maps, resize images, split train/val/test",
    )
    prepare.add_argument("source", type=Path, help="CelebAMask-HQ folder in its official layout")
    prepare.add_argument("output", type=Path, help="folder for the prepared dataset")
    prepare.add_argument("--size", type=int, default=512, help="image and label size in pixels (default 512)")
    prepare.add_argument("--limit", type=int, default=None, help="prepare only the first N images (for trials)")
    prepare.set_defaults(func=_prepare)

    preview = sub.add_parser("preview", help="write a contact sheet of training samples")
    preview.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (procedural faces, default) or 'celebamask:PATH' (a prepared folder)",
    )
    preview.add_argument("--output", type=Path, default=Path("preview.png"), help="PNG to write")
    preview.add_argument("--count", type=int, default=16, help="number of samples (default 16)")
    preview.add_argument("--size", type=int, default=256, help="sample size in pixels (default 256)")
    preview.add_argument("--seed", type=int, default=0, help="first sample seed (default 0)")
    preview.set_defaults(func=_preview)


def _prepare(args) -> int:
    from maskgan.data.celebamask_hq import CelebAMaskError, prepare
    from maskgan_cli.errors import CommandError

    try:
        summary = prepare(args.source, args.output, size=args.size, limit=args.limit)
    except CelebAMaskError as error:
        raise CommandError(str(error)) from error
    print(summary)
    return 0 if not summary.failed else 1


def _preview(args) -> int:
    from maskgan.data.preview import write_contact_sheet
    from maskgan_cli.errors import CommandError

    try:
        write_contact_sheet(args.data, args.output, count=args.count, size=args.size, seed=args.seed)
    except ValueError as error:
        raise CommandError(str(error)) from error
    print(f"wrote {args.output}")
    return 0
