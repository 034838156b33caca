"""`maskgan edit` and `maskgan style-copy`: one photo, in-process or through a running daemon.

Both paths give identical pixels: the daemon runs the same Editor.
"""

from __future__ import annotations

from pathlib import Path

from maskgan.cli import CommandError


def _common(parser) -> None:
    parser.add_argument("--weights", type=Path, help="weights bundle (default: the embedded demo weights)")
    parser.add_argument("--daemon", nargs="?", const="", metavar="ENDPOINT",
                        help="send the request to a running daemon (its endpoint, default: discovered)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])


def add_commands(subparsers) -> None:
    edit = subparsers.add_parser("edit", help="edit a photo by an edited mask")
    edit.add_argument("--image", type=Path, required=True, help="the photo")
    edit.add_argument("--mask", type=Path, required=True, help="its mask (colour mask in the official palette, or labels 0..18)")
    edit.add_argument("--edited-mask", type=Path, required=True, help="the mask as it should become")
    edit.add_argument("--output", type=Path, required=True, help="the edited photo (PNG)")
    edit.add_argument("--layer", type=Path, help="also write the RGBA layer, transparent where nothing changed")
    edit.add_argument("--no-blend", action="store_true",
                      help="write the raw generator output at the mask's resolution (H, W multiples of 16), no paste-back")
    edit.add_argument("--feather", type=int, default=8, help="feather radius of the pasted region in pixels (default 8)")
    _common(edit)
    edit.set_defaults(func=_edit)

    style = subparsers.add_parser("style-copy", help="render a mask in the style of a reference photo")
    style.add_argument("--mask", type=Path, required=True, help="the mask to render")
    style.add_argument("--reference-image", type=Path, required=True)
    style.add_argument("--reference-mask", type=Path, required=True)
    style.add_argument("--output", type=Path, required=True)
    _common(style)
    style.set_defaults(func=_style_copy)


def _load_inputs(image_path: Path, *mask_paths: Path):
    from PIL import Image

    from maskgan.imageio import load_mask, load_rgb

    try:
        masks = [load_mask(p) for p in mask_paths]
        image = load_rgb(image_path)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if image.shape[:2] != masks[0].shape:  # the mask is the truth about the size
        import numpy as np

        image = np.array(Image.fromarray(image).resize(masks[0].shape[::-1], Image.BICUBIC))
    return image, masks


def _through_daemon(endpoint: str, op: str, args: dict, arrays: dict):
    from maskgan_client import Client, DaemonError

    with Client(endpoint or None, timeout=120) as client:
        try:
            return client.call(op, args, arrays)
        except DaemonError as error:
            raise CommandError(error.message) from error


def _editor(args):
    from maskgan.infer import Editor

    try:
        return Editor.load(args.weights, device=args.device, precision=args.precision)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error


def _edit(args) -> int:
    from maskgan.imageio import save_png

    image, (source, edited) = _load_inputs(args.image, args.mask, args.edited_mask)
    if args.no_blend:
        if args.daemon is not None:
            raise CommandError("--no-blend runs in-process only; leave out --daemon")
        try:
            save_png(args.output, _editor(args).generate(image, source, edited))
        except ValueError as error:
            raise CommandError(str(error)) from error
        print(f"wrote {args.output} (raw generator output)")
        return 0
    if args.daemon is not None:
        reply = _through_daemon(args.daemon, "edit", {"feather": args.feather},
                                {"image": image, "source_mask": source, "edited_mask": edited})
        result_image, layer, changed = reply.arrays["image"], reply.arrays["layer"], reply.result["changed"]
    else:
        try:
            result = _editor(args).edit(image, source, edited, feather=args.feather)
        except ValueError as error:
            raise CommandError(str(error)) from error
        result_image, layer, changed = result.image, result.layer, result.changed
    save_png(args.output, result_image)
    if args.layer:
        save_png(args.layer, layer)
    print(f"wrote {args.output}" + ("" if changed else " (the masks are identical: the photo is unchanged)"))
    return 0


def _style_copy(args) -> int:
    from maskgan.imageio import load_mask, save_png

    reference, (reference_mask,) = _load_inputs(args.reference_image, args.reference_mask)
    try:
        target = load_mask(args.mask)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if args.daemon is not None:
        reply = _through_daemon(args.daemon, "style_copy", {},
                                {"target_mask": target, "reference_image": reference, "reference_mask": reference_mask})
        output = reply.arrays["image"]
    else:
        try:
            output = _editor(args).style_copy(target, reference, reference_mask)
        except ValueError as error:
            raise CommandError(str(error)) from error
    save_png(args.output, output)
    print(f"wrote {args.output}")
    return 0
