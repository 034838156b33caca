"""`maskgan style-copy`: a mask rendered in the style of a reference photo."""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.photo_files import check_outputs, read_mask, read_photo, require_inputs, write_png
from maskgan_cli.run_request import in_process, model_options, through_daemon


def add_commands(subparsers) -> None:
    style = subparsers.add_parser("style-copy", help="render a mask in the style of a reference photo")
    style.add_argument("--mask", type=Path, required=True, help="the mask to render")
    style.add_argument("--reference-image", type=Path, required=True)
    style.add_argument("--reference-mask", type=Path, required=True)
    style.add_argument("--output", type=Path, required=True)
    model_options(style)
    style.set_defaults(func=_style_copy)


def _style_copy(args) -> int:
    check_outputs(args.output)
    require_inputs(
        ("--mask", args.mask), ("--reference-image", args.reference_image), ("--reference-mask", args.reference_mask)
    )
    target = read_mask(args.mask)
    reference_mask = read_mask(args.reference_mask)
    reference = read_photo(args.reference_image, reference_mask.shape)
    if args.daemon is not None:
        reply = through_daemon(
            args.daemon,
            "style_copy",
            {},
            {"target_mask": target, "reference_image": reference, "reference_mask": reference_mask},
        )
        output = reply.arrays["image"]
    else:
        output = in_process(args, lambda editor: editor.style_copy(target, reference, reference_mask))
    write_png(args.output, output)
    print(f"wrote {args.output}")
    return 0
