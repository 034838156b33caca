"""What the photo commands (edit, style-copy, variants, interpolate) share: the model and photo options, with
the ranges and choices of the daemon's protocol; running a request in-process or through a daemon (the
daemon runs the same Editor, so the pixels are identical); the console lines that say what an edit did.
"""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import device_option, precision_option, protocol_option
from maskgan_cli.photo_files import read_mask, read_photo
from maskgan_client.protocol import FEATHER, LOOK, METHOD, describe_routes


def model_options(parser) -> None:
    parser.add_argument("--weights", type=Path, help="weights bundle (default: the embedded demo weights)")
    parser.add_argument(
        "--daemon",
        nargs="?",
        const="",
        metavar="ENDPOINT",
        help="send the request to a running daemon (its endpoint, default: discovered)",
    )
    device_option(parser)
    precision_option(parser, "auto: bf16 + channels_last on CUDA or CPUs with native bf16, else fp32")


def photo_options(parser) -> None:
    parser.add_argument("--image", type=Path, required=True, help="the photo")
    parser.add_argument(
        "--mask", type=Path, required=True, help="its mask (colour mask in the official palette, or labels 0..18)"
    )
    parser.add_argument("--edited-mask", type=Path, required=True, help="the mask as it should become")
    protocol_option(parser, "--feather", FEATHER, "feather radius of the pasted region in pixels")
    parser.add_argument(
        "--look",
        type=int,
        default=LOOK.default,
        metavar="K",
        help="how worn parts that the edit adds and the photo lacks (glasses, hat, earrings, necklace, "
        "clothes) are drawn: built-in look K >= 1 (weights trained on the synthetic world), 0 for the "
        "photo's own style (the official behaviour); default -1: look 1 where the weights have looks",
    )
    parser.add_argument(
        "--look-reference",
        type=Path,
        metavar="PHOTO",
        help="draw the added worn parts in the style of this face instead, which must wear them "
        "(needs --look-reference-mask)",
    )
    parser.add_argument("--look-reference-mask", type=Path, metavar="MASK", help="the mask of --look-reference")
    protocol_option(
        parser,
        "--method",
        METHOD,
        "how changed regions are made: auto (default) moves and transfers the photo's own pixels where they "
        "can make a region, draws new glasses, and generates the rest; generate: the generator everywhere "
        "(the paper's behaviour); photo: never the generator",
    )


def look_options(args):
    """(look, reference) of the look options, checked; reference a maskgan.infer.looks.Reference or None."""
    from maskgan.infer.looks import Reference, check_look

    try:
        check_look(args.look)
    except ValueError as error:
        raise CommandError(f"--look: {error}") from error
    if (args.look_reference is None) != (args.look_reference_mask is None):
        raise CommandError(
            "--look-reference and --look-reference-mask go together: give the reference photo and its mask"
        )
    if args.look_reference is None:
        return args.look, None
    mask = read_mask(args.look_reference_mask)
    return args.look, Reference(read_photo(args.look_reference, mask.shape), mask)


def reference_arrays(reference) -> dict:
    """The daemon arrays that carry a look reference (none without one)."""
    return {"reference_image": reference.image, "reference_mask": reference.mask} if reference else {}


def routes_text(routes: dict) -> str:
    """How the edit's regions were made: "moved upper lip; transferred skin" ('' when nothing changed)."""
    from maskgan.labels import CLASS_KEYS, CLASS_NAMES

    return describe_routes(routes, dict(zip(CLASS_KEYS, CLASS_NAMES)))


def routes_line(routes: dict) -> str:
    """The routes as the end of a console line ('' when nothing changed)."""
    return f"; {routes_text(routes)}" if routes else ""


def looks_line(looks: dict) -> str:
    """What the edit drew from looks, for the console ('' when nothing)."""
    from maskgan.labels import CLASS_NAMES, class_index

    if not looks:
        return ""
    drawn = ", ".join(f"{CLASS_NAMES[class_index(part)].lower()} from {source}" for part, source in looks.items())
    hint = " (--look 0: in the photo's own style)" if any(s.startswith("look") for s in looks.values()) else ""
    return f"; drew the added {drawn}{hint}"


# --- running a request -----------------------------------------------------------------
def through_daemon(endpoint: str, op: str, args: dict, arrays: dict):
    from maskgan_client import Client, DaemonError

    with Client(endpoint or None, timeout=120) as client:
        try:
            return client.call(op, args, arrays)
        except DaemonError as error:
            raise CommandError(error.message) from error


def edit_through_daemon(endpoint: str, op: str, args: dict, arrays: dict) -> tuple[dict, dict]:
    """An ``edit`` or ``variants`` through the daemon that sends only the face's window of the photo and gets only
    the changed box back (maskgan_client.regions); (result, the reply's arrays at the photo's size)."""
    from maskgan_client.regions import FaceRequest

    request = FaceRequest(op, args, arrays)
    reply = through_daemon(endpoint, request.op, request.args, request.arrays)
    return reply.result, request.whole(reply.result, reply.arrays)


def in_process(args, operation):
    """``operation(editor)`` on a freshly loaded Editor; engine input errors become one-line CommandErrors."""
    from maskgan.infer import Editor

    try:
        return operation(Editor.load(args.weights, device=args.device, precision=args.precision))
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
