"""`maskgan interpolate`: masks morphing from one mask to another through the MaskVAE (daemon replies carry
``masks`` (steps,H,W))."""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.options import protocol_option
from maskgan_cli.photo_files import check_outputs, numbered, read_mask, require_inputs, write_png
from maskgan_cli.run_request import in_process, model_options, through_daemon
from maskgan_client.protocol import STEPS


def add_commands(subparsers) -> None:
    interpolate = subparsers.add_parser("interpolate", help="masks morphing from one mask to another (MaskVAE)")
    interpolate.add_argument("--mask-a", type=Path, required=True, help="the first mask")
    interpolate.add_argument("--mask-b", type=Path, required=True, help="the last mask (same size)")
    protocol_option(interpolate, "--steps", STEPS, "masks to write, both ends included")
    interpolate.add_argument("--output", type=Path, required=True, help="file name pattern of the colour masks")
    model_options(interpolate)
    interpolate.set_defaults(func=_interpolate)


def _interpolate(args) -> int:
    from maskgan.labels import label_to_color

    require_inputs(("--mask-a", args.mask_a), ("--mask-b", args.mask_b))
    mask_a, mask_b = read_mask(args.mask_a), read_mask(args.mask_b)
    outputs = numbered(args.output, args.steps)
    check_outputs(*outputs)
    if args.daemon is not None:
        masks = list(
            through_daemon(
                args.daemon, "interpolate", {"steps": args.steps}, {"mask_a": mask_a, "mask_b": mask_b}
            ).arrays["masks"]
        )
    else:
        masks = in_process(args, lambda editor: editor.interpolate(mask_a, mask_b, args.steps))
    for path, mask in zip(outputs, masks):
        write_png(path, label_to_color(mask))
    print(f"wrote {len(outputs)} masks: {', '.join(map(str, outputs))}")
    return 0
