"""`maskgan parse`: a photo in, its face's mask out (colour mask in the official palette, optionally one PNG per class).

The per-class files follow CelebAMask-HQ's annotation layout (white where the
class is, black elsewhere, named ``{stem}_{class key}.png``), so they can be
edited one class at a time and merged back by the same rules as the dataset.
"""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import device_option


def add_commands(subparsers) -> None:
    parse = subparsers.add_parser("parse", help="parse a photo's face into a mask in the 19 classes")
    parse.add_argument("--image", type=Path, required=True, help="the photo")
    parse.add_argument("--output", type=Path, required=True, help="the colour mask (PNG, official palette)")
    parse.add_argument(
        "--layers",
        type=Path,
        metavar="DIR",
        help="also write one black-and-white PNG per class found (CelebAMask-HQ layout)",
    )
    parse.add_argument(
        "--parser",
        default="auto",
        choices=["auto", "learned", "landmarks"],
        help="auto (default): learned if --parser-weights is given, else landmarks; "
        "learned without weights: the shipped parser for synthetic faces",
    )
    parse.add_argument("--parser-weights", type=Path, help="learned parser bundle")
    parse.add_argument("--face", type=int, default=0, help="which face when there are several: 0 = the largest")
    parse.add_argument(
        "--daemon",
        nargs="?",
        const="",
        metavar="ENDPOINT",
        help="ask a running daemon instead (its endpoint, default: discovered); it uses its own parser",
    )
    device_option(parse)
    parse.set_defaults(func=_parse)


def _parse(args) -> int:
    from maskgan.imageio import load_rgb, save_mask

    if args.face < 0:
        raise CommandError(f"--face must be 0 or more (0 = the largest face), got {args.face}")
    try:
        image = load_rgb(args.image)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if args.daemon is not None:
        if args.parser != "auto" or args.parser_weights:
            raise CommandError(
                "--parser and --parser-weights choose an in-process parser; a daemon uses the parser "
                "it was started with (`maskgan daemon start --parser ...`)"
            )
        from maskgan_cli.run_request import through_daemon

        reply = through_daemon(args.daemon, "parse", {"face": args.face}, {"image": image})
        labels, summary = reply.arrays["label"], reply.result
    else:
        labels, summary = _parse_in_process(args, image)
    save_mask(args.output, labels)
    written = [str(args.output)]
    if args.layers:
        written += _write_layers(args.layers, args.output.stem, labels)
    faces = summary["faces"]
    print(f"parsed face {summary['face']} of {len(faces)} with the {summary['parser']}; wrote {', '.join(written)}")
    if summary["unseen"]:
        print(f"not detected by this parser, paint them yourself where present: {', '.join(summary['unseen'])}")
    for note in summary["notes"]:
        print(f"note: {note}")
    return 0


def _parse_in_process(args, image):
    from maskgan.core.precision import choose_device
    from maskgan.parsing import load_parser

    try:  # ParserError, WeightsError and device errors are ValueErrors with a message for the user
        parser = load_parser(args.parser, args.parser_weights, device=choose_device(args.device))
        parsed = parser.parse(image, face=args.face)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    return parsed.labels, parsed.summary()


def _write_layers(folder: Path, stem: str, labels) -> list[str]:
    import numpy as np

    from maskgan.imageio import save_png
    from maskgan.labels import CLASS_KEYS

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, key in enumerate(CLASS_KEYS):
        if index == 0 or not (labels == index).any():  # background is what no layer covers
            continue
        path = folder / f"{stem}_{key}.png"
        save_png(path, np.where(labels == index, 255, 0).astype(np.uint8))
        written.append(str(path))
    return written
