"""`maskgan edit`, `style-copy`, `variants` and `interpolate`: one photo, in-process or through a daemon.

Masks are colour masks in the official palette or single-channel label maps; the
mask is the truth about the size, so a photo of another size is resized to it.
With --daemon the request goes through maskgan_client to a running daemon, which
runs the same Editor, so the pixels are identical. Daemon replies for variants
carry arrays ``images`` (n,H,W,3) and ``layers`` (n,H,W,4); for interpolate
``masks`` (steps,H,W). Numbered outputs: ``{i}`` in the file name (1-based, format
specs allowed, e.g. ``v{i:02d}.png``), else ``_i`` goes before the suffix.
"""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import ranged


def _model_options(parser) -> None:
    parser.add_argument("--weights", type=Path, help="weights bundle (default: the embedded demo weights)")
    parser.add_argument("--daemon", nargs="?", const="", metavar="ENDPOINT",
                        help="send the request to a running daemon (its endpoint, default: discovered)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"],
                        help="auto: bf16 + channels_last on CUDA or CPUs with native bf16, else fp32")


def _photo_options(parser) -> None:
    parser.add_argument("--image", type=Path, required=True, help="the photo")
    parser.add_argument("--mask", type=Path, required=True,
                        help="its mask (colour mask in the official palette, or labels 0..18)")
    parser.add_argument("--edited-mask", type=Path, required=True, help="the mask as it should become")
    parser.add_argument("--feather", type=ranged(0, 256), default=8,
                        help="feather radius of the pasted region in pixels, 0..256 (default 8)")
    parser.add_argument("--look", type=int, default=-1, metavar="K",
                        help="how worn parts that the edit adds and the photo lacks (glasses, hat, earrings, necklace, "
                        "clothes) are drawn: built-in look K >= 1 (weights trained on the synthetic world), 0 for the "
                        "photo's own style (the official behaviour); default -1: look 1 where the weights have looks")
    parser.add_argument("--look-reference", type=Path, metavar="PHOTO",
                        help="draw the added worn parts in the style of this face instead, which must wear them "
                        "(needs --look-reference-mask)")
    parser.add_argument("--look-reference-mask", type=Path, metavar="MASK", help="the mask of --look-reference")
    parser.add_argument("--method", default="auto", choices=["auto", "generate", "photo"],
                        help="how changed regions are made: auto (default) moves and transfers the photo's own pixels "
                        "where they can make a region, draws new glasses, and generates the rest; generate: the "
                        "generator everywhere (the paper's behaviour); photo: never the generator")


def add_commands(subparsers) -> None:
    edit = subparsers.add_parser("edit", help="edit a photo by an edited mask")
    _photo_options(edit)
    edit.add_argument("--output", type=Path, required=True, help="the edited photo (PNG)")
    edit.add_argument("--layer", type=Path, help="also write the RGBA layer, transparent where nothing changed")
    edit.add_argument("--no-blend", action="store_true",
                      help="write the raw generator output at the mask's resolution (H, W multiples of 16), no paste-back")
    _model_options(edit)
    edit.set_defaults(func=_edit)

    style = subparsers.add_parser("style-copy", help="render a mask in the style of a reference photo")
    style.add_argument("--mask", type=Path, required=True, help="the mask to render")
    style.add_argument("--reference-image", type=Path, required=True)
    style.add_argument("--reference-mask", type=Path, required=True)
    style.add_argument("--output", type=Path, required=True)
    _model_options(style)
    style.set_defaults(func=_style_copy)

    variants = subparsers.add_parser("variants", help="several versions of an edit, sampled by the MaskVAE")
    _photo_options(variants)
    variants.add_argument("--n", type=ranged(1, 16), default=4, help="how many variants, 1..16 (default 4)")
    variants.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same variants")
    variants.add_argument("--output", type=Path, required=True, help="file name pattern of the edited photos")
    variants.add_argument("--layer", type=Path, help="file name pattern of the RGBA layers")
    _model_options(variants)
    variants.set_defaults(func=_variants)

    interpolate = subparsers.add_parser("interpolate", help="masks morphing from one mask to another (MaskVAE)")
    interpolate.add_argument("--mask-a", type=Path, required=True, help="the first mask")
    interpolate.add_argument("--mask-b", type=Path, required=True, help="the last mask (same size)")
    interpolate.add_argument("--steps", type=ranged(2, 64), default=8,
                             help="masks to write, both ends included, 2..64 (default 8)")
    interpolate.add_argument("--output", type=Path, required=True, help="file name pattern of the colour masks")
    _model_options(interpolate)
    interpolate.set_defaults(func=_interpolate)


# --- inputs and outputs ---------------------------------------------------------------
def _read_mask(path: Path):
    from maskgan.imageio import load_mask

    try:
        return load_mask(path)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error


def _read_photo(path: Path, size: tuple[int, int]):
    """The photo as uint8 HxWx3, resized (bicubic) to ``size`` (H, W) when it differs."""
    import numpy as np
    from PIL import Image

    from maskgan.imageio import load_rgb

    try:
        image = load_rgb(path)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if image.shape[:2] != size:
        image = np.array(Image.fromarray(image).resize(size[::-1], Image.BICUBIC))
    return image


def _photo_and_masks(args):
    source = _read_mask(args.mask)
    edited = _read_mask(args.edited_mask)
    if edited.shape != source.shape:
        raise CommandError(f"{args.edited_mask} is {edited.shape[1]}x{edited.shape[0]}, "
                           f"but {args.mask} is {source.shape[1]}x{source.shape[0]}; masks must have the same size")
    return _read_photo(args.image, source.shape), source, edited


def _look_options(args):
    """(look, reference) of the look options, checked; reference a maskgan.infer.looks.Reference or None."""
    from maskgan.infer.looks import Reference, check_look

    try:
        check_look(args.look)
    except ValueError as error:
        raise CommandError(f"--look: {error}") from error
    if (args.look_reference is None) != (args.look_reference_mask is None):
        raise CommandError("--look-reference and --look-reference-mask go together: give the reference photo and its mask")
    if args.look_reference is None:
        return args.look, None
    mask = _read_mask(args.look_reference_mask)
    return args.look, Reference(_read_photo(args.look_reference, mask.shape), mask)


def _reference_arrays(reference) -> dict:
    """The daemon arrays that carry a look reference (none without one)."""
    return {"reference_image": reference.image, "reference_mask": reference.mask} if reference else {}


def _routes_line(routes: dict) -> str:
    """How the edit's regions were made, for the console ('' when nothing changed)."""
    from maskgan.infer.routes import describe

    return f"; {describe(routes)}" if routes else ""


def _looks_line(looks: dict) -> str:
    """What the edit drew from looks, for the console ('' when nothing)."""
    from maskgan.labels import CLASS_NAMES, class_index

    if not looks:
        return ""
    drawn = ", ".join(f"{CLASS_NAMES[class_index(part)].lower()} from {source}" for part, source in looks.items())
    hint = " (--look 0: in the photo's own style)" if any(s.startswith("look") for s in looks.values()) else ""
    return f"; drew the added {drawn}{hint}"


def check_outputs(*paths: Path | None) -> None:
    """Refuse, before any work, output paths that are folders (a file name is needed)."""
    for path in paths:
        if path is not None and path.is_dir():
            raise CommandError(f"{path} is a folder; give a file name, such as {path / 'edited.png'}")


def write_png(path: Path, array) -> None:
    """save_png, with an unwritable place as a one-line error instead of a traceback."""
    from maskgan.imageio import save_png

    check_outputs(path)
    try:
        save_png(path, array)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def numbered(pattern: Path, count: int) -> list[Path]:
    """``count`` file names from a pattern: ``{i}`` (1-based) in its name, else ``_i`` before the suffix."""
    if "{i" in pattern.name:
        try:
            return [pattern.with_name(pattern.name.format(i=i)) for i in range(1, count + 1)]
        except (KeyError, ValueError, IndexError) as error:
            raise CommandError(f"bad output pattern {pattern.name!r}: use {{i}} for the number ({error})") from error
    return [pattern.with_name(f"{pattern.stem}_{i}{pattern.suffix}") for i in range(1, count + 1)]


# --- running a request -----------------------------------------------------------------
def through_daemon(endpoint: str, op: str, args: dict, arrays: dict):
    from maskgan_client import Client, DaemonError

    with Client(endpoint or None, timeout=120) as client:
        try:
            return client.call(op, args, arrays)
        except DaemonError as error:
            raise CommandError(error.message) from error


def _in_process(args, operation):
    """``operation(editor)`` on a freshly loaded Editor; engine input errors become one-line CommandErrors."""
    from maskgan.infer import Editor

    try:
        return operation(Editor.load(args.weights, device=args.device, precision=args.precision))
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error


# --- commands ----------------------------------------------------------------------------
def _edit(args) -> int:
    check_outputs(args.output, args.layer)
    image, source, edited = _photo_and_masks(args)
    if args.no_blend:
        if args.daemon is not None:
            raise CommandError("--no-blend runs in-process only; leave out --daemon")
        write_png(args.output, _in_process(args, lambda editor: editor.generate(image, source, edited)))
        print(f"wrote {args.output} (raw generator output)")
        return 0
    look, reference = _look_options(args)
    if args.daemon is not None:
        reply = through_daemon(args.daemon, "edit", {"feather": args.feather, "look": look, "method": args.method},
                                {"image": image, "source_mask": source, "edited_mask": edited,
                                 **_reference_arrays(reference)})
        result_image, layer = reply.arrays["image"], reply.arrays["layer"]
        changed, looks, routes = reply.result["changed"], reply.result["looks"], reply.result["routes"]
        alignment = reply.result["alignment"]
    else:
        result = _in_process(args, lambda editor: editor.edit(image, source, edited, feather=args.feather,
                                                               look=look, reference=reference, method=args.method))
        result_image, layer, changed, looks, routes = (result.image, result.layer, result.changed, result.looks,
                                                       result.routes)
        alignment = result.alignment
    write_png(args.output, result_image)
    if args.layer:
        write_png(args.layer, layer)
    print(f"wrote {args.output}" + ("" if changed else " (the masks are identical: the photo is unchanged)")
          + _routes_line(routes) + _looks_line(looks))
    if alignment:
        print(alignment)
    return 0


def _style_copy(args) -> int:
    check_outputs(args.output)
    target = _read_mask(args.mask)
    reference_mask = _read_mask(args.reference_mask)
    reference = _read_photo(args.reference_image, reference_mask.shape)
    if args.daemon is not None:
        reply = through_daemon(args.daemon, "style_copy", {},
                                {"target_mask": target, "reference_image": reference, "reference_mask": reference_mask})
        output = reply.arrays["image"]
    else:
        output = _in_process(args, lambda editor: editor.style_copy(target, reference, reference_mask))
    write_png(args.output, output)
    print(f"wrote {args.output}")
    return 0


def _variants(args) -> int:
    image, source, edited = _photo_and_masks(args)
    outputs = numbered(args.output, args.n)
    layers = numbered(args.layer, args.n) if args.layer else []
    check_outputs(*outputs, *layers)
    look, reference = _look_options(args)
    if args.daemon is not None:
        reply = through_daemon(args.daemon, "variants",
                                {"n": args.n, "seed": args.seed, "feather": args.feather, "look": look,
                                 "method": args.method},
                                {"image": image, "source_mask": source, "edited_mask": edited,
                                 **_reference_arrays(reference)})
        images, layer_arrays = list(reply.arrays["images"]), list(reply.arrays["layers"])
    else:
        results = _in_process(args, lambda editor: editor.variants(image, source, edited, args.n, args.seed,
                                                                    feather=args.feather, look=look,
                                                                    reference=reference, method=args.method))
        images, layer_arrays = [r.image for r in results], [r.layer for r in results]
    for path, array in zip(outputs, images):
        write_png(path, array)
    for path, array in zip(layers, layer_arrays):
        write_png(path, array)
    print(f"wrote {len(outputs)} variants: {', '.join(map(str, outputs))}")
    return 0


def _interpolate(args) -> int:
    from maskgan.labels import label_to_color

    mask_a, mask_b = _read_mask(args.mask_a), _read_mask(args.mask_b)
    outputs = numbered(args.output, args.steps)
    check_outputs(*outputs)
    if args.daemon is not None:
        masks = list(through_daemon(args.daemon, "interpolate", {"steps": args.steps},
                                     {"mask_a": mask_a, "mask_b": mask_b}).arrays["masks"])
    else:
        masks = _in_process(args, lambda editor: editor.interpolate(mask_a, mask_b, args.steps))
    for path, mask in zip(outputs, masks):
        write_png(path, label_to_color(mask))
    print(f"wrote {len(outputs)} masks: {', '.join(map(str, outputs))}")
    return 0
