"""`maskgan edit`: one photo edited by an edited mask, in-process or through a daemon."""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.photo_files import check_outputs, photo_and_masks, write_png
from maskgan_cli.run_request import (
    edit_through_daemon,
    in_process,
    look_options,
    looks_line,
    model_options,
    photo_options,
    reference_arrays,
    routes_line,
)


def add_commands(subparsers) -> None:
    edit = subparsers.add_parser("edit", help="edit a photo by an edited mask")
    photo_options(edit)
    edit.add_argument("--output", type=Path, required=True, help="the edited photo (PNG)")
    edit.add_argument("--layer", type=Path, help="also write the RGBA layer, transparent where nothing changed")
    edit.add_argument(
        "--no-blend",
        action="store_true",
        help="write the raw generator output at the mask's resolution (H, W multiples of 16), no paste-back",
    )
    model_options(edit)
    edit.set_defaults(func=_edit)


def _edit(args) -> int:
    check_outputs(args.output, args.layer)
    image, source, edited = photo_and_masks(args)
    if args.no_blend:
        if args.daemon is not None:
            raise CommandError("--no-blend runs in-process only; leave out --daemon")
        write_png(args.output, in_process(args, lambda editor: editor.generate(image, source, edited)))
        print(f"wrote {args.output} (raw generator output)")
        return 0
    look, reference = look_options(args)
    if args.daemon is not None:
        result, arrays = edit_through_daemon(
            args.daemon,
            "edit",
            {"feather": args.feather, "look": look, "method": args.method},
            {"image": image, "source_mask": source, "edited_mask": edited, **reference_arrays(reference)},
        )
        result_image, layer = arrays["image"], arrays["layer"]
        changed, looks, routes, alignment = result["changed"], result["looks"], result["routes"], result["alignment"]
    else:
        result = in_process(
            args,
            lambda editor: editor.edit(
                image, source, edited, feather=args.feather, look=look, reference=reference, method=args.method
            ),
        )
        result_image, layer, changed, looks, routes = (
            result.image,
            result.layer,
            result.changed,
            result.looks,
            result.routes,
        )
        alignment = result.alignment
    write_png(args.output, result_image)
    if args.layer:
        write_png(args.layer, layer)
    print(
        f"wrote {args.output}"
        + ("" if changed else " (the masks are identical: the photo is unchanged)")
        + routes_line(routes)
        + looks_line(looks)
    )
    if alignment:
        print(alignment)
    return 0
