"""`maskgan variants`: several versions of an edit, sampled by the MaskVAE (daemon replies carry arrays
``images`` (n,H,W,3) and ``layers`` (n,H,W,4))."""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.options import protocol_option
from maskgan_cli.photo_files import check_outputs, numbered, photo_and_masks, write_png
from maskgan_cli.run_request import (
    edit_through_daemon,
    in_process,
    look_options,
    model_options,
    photo_options,
    reference_arrays,
)
from maskgan_client.protocol import SEED, VARIANTS


def add_commands(subparsers) -> None:
    variants = subparsers.add_parser("variants", help="several versions of an edit, sampled by the MaskVAE")
    photo_options(variants)
    protocol_option(variants, "--n", VARIANTS, "how many variants")
    protocol_option(variants, "--seed", SEED, "random seed; the same seed gives the same variants")
    variants.add_argument("--output", type=Path, required=True, help="file name pattern of the edited photos")
    variants.add_argument("--layer", type=Path, help="file name pattern of the RGBA layers")
    model_options(variants)
    variants.set_defaults(func=_variants)


def _variants(args) -> int:
    image, source, edited = photo_and_masks(args)
    outputs = numbered(args.output, args.n)
    layers = numbered(args.layer, args.n) if args.layer else []
    check_outputs(*outputs, *layers)
    look, reference = look_options(args)
    if args.daemon is not None:
        _, arrays = edit_through_daemon(
            args.daemon,
            "variants",
            {"n": args.n, "seed": args.seed, "feather": args.feather, "look": look, "method": args.method},
            {"image": image, "source_mask": source, "edited_mask": edited, **reference_arrays(reference)},
        )
        images, layer_arrays = list(arrays["images"]), list(arrays["layers"])
    else:
        results = in_process(
            args,
            lambda editor: editor.variants(
                image,
                source,
                edited,
                args.n,
                args.seed,
                feather=args.feather,
                look=look,
                reference=reference,
                method=args.method,
            ),
        )
        images, layer_arrays = [r.image for r in results], [r.layer for r in results]
    for path, array in zip(outputs, images):
        write_png(path, array)
    for path, array in zip(layers, layer_arrays):
        write_png(path, array)
    print(f"wrote {len(outputs)} variants: {', '.join(map(str, outputs))}")
    return 0
