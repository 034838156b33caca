"""The daemon's operations: requests checked against the protocol's table (maskgan_client.protocol) before any
work, and how each op runs on the Editor.

Every check failure raises OpError with a protocol error code and a message
naming the field at fault, so that clients can show it as it is.
"""

from __future__ import annotations

import numpy as np

from maskgan import __version__
from maskgan.infer import Cancelled, EditRequest
from maskgan.infer.looks import Reference
from maskgan.labels import CLASS_KEYS, CLASS_NAMES, NUM_CLASSES, PALETTE
from maskgan_client.protocol import ALL_OPS, CONTROL_OPS, OPTIONAL_ARRAYS, PROTOCOL_VERSION, REPLY_SIZES, WORK_OPS
from maskgan_client.regions import changed_box
from maskgan_client.wire import DEFAULT_MAX_BYTES, excerpt


class OpError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def validate_args(op: str, args) -> dict:
    specs = WORK_OPS[op][0] if op in WORK_OPS else CONTROL_OPS[op]
    if not isinstance(args, dict):
        raise OpError("bad_args", f"'args' of {op} must be a map, got {type(args).__name__}")
    unknown = [name for name in args if name not in specs]
    if unknown:
        named = ", ".join(excerpt(name) for name in unknown[:4]) + (
            f" and {len(unknown) - 4} more" if len(unknown) > 4 else ""
        )
        raise OpError("bad_args", f"{op} takes no argument {named}; it takes: {', '.join(specs) or 'none'}")
    clean = {}
    for name, spec in specs.items():
        value = args.get(name, spec.default)
        if value is None:
            raise OpError("bad_args", f"{op} needs the argument {name!r}")
        if not isinstance(value, spec.kind) or isinstance(value, bool) != (spec.kind is bool):
            raise OpError("bad_args", f"{op}: {name!r} must be {spec.kind.__name__}, got {excerpt(value)}")
        if spec.low is not None and not spec.low <= value <= spec.high:
            raise OpError("bad_args", f"{op}: {name!r} must be between {spec.low} and {spec.high}, got {value}")
        if spec.choices is not None and value not in spec.choices:
            raise OpError("bad_args", f"{op}: {name!r} must be one of {', '.join(spec.choices)}, got {value[:40]!r}")
        clean[name] = value
    return clean


def validate_arrays(op: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Check names, dtypes, shapes and label ranges; image and masks of one request share H and W."""
    expected = dict(WORK_OPS[op][1]) if op in WORK_OPS else {}
    optional = OPTIONAL_ARRAYS.get(op, {})
    if any(n in arrays for n in optional):
        expected.update(optional)  # all of them, so that a lone reference_image is reported missing its mask
    missing = [n for n in expected if n not in arrays]
    extra = [n for n in arrays if n not in expected]
    if missing or extra:
        parts = [f"missing {', '.join(missing)}"] if missing else []
        parts += [f"unexpected {', '.join(extra)}"] if extra else []
        takes = ", ".join(expected) or "none"
        takes += (
            f" (and optionally {' and '.join(optional)})" if optional and not set(optional) <= set(expected) else ""
        )
        raise OpError("bad_array", f"{op} takes arrays {takes}: " + "; ".join(parts))
    sizes = {}
    for name, kind in expected.items():
        array = arrays[name]
        if array.dtype != np.uint8:
            raise OpError("bad_array", f"{name} must be uint8, got {array.dtype}")
        if kind == "image" and (array.ndim != 3 or array.shape[2] != 3):
            raise OpError("bad_array", f"{name} must be an HxWx3 RGB image, got shape {list(array.shape)}")
        if kind == "mask":
            if array.ndim != 2:
                raise OpError("bad_array", f"{name} must be an HxW label map, got shape {list(array.shape)}")
            if array.size and array.max() >= NUM_CLASSES:
                raise OpError("bad_mask", f"{name} holds class {int(array.max())}; labels are 0..{NUM_CLASSES - 1}")
        if min(array.shape[:2]) == 0:
            raise OpError("bad_array", f"{name} is empty ({list(array.shape)})")
        sizes[name] = array.shape[:2]
    groups = [("image", "source_mask", "edited_mask"), ("reference_image", "reference_mask"), ("mask_a", "mask_b")]
    for group in groups:
        shapes = {sizes[n] for n in group if n in sizes}
        if len(shapes) > 1:
            raise OpError(
                "bad_array",
                f"{' and '.join(n for n in group if n in sizes)} must have the same height and width, "
                f"got {', '.join(f'{n} {list(sizes[n])}' for n in group if n in sizes)}",
            )
    return arrays


def check_reply_size(op: str, args: dict, arrays: dict[str, np.ndarray], limit: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse, before any work, a request whose reply would be larger than a client accepts (``too_large``)."""
    if op not in REPLY_SIZES:
        return
    per_pixel, count_arg, like = REPLY_SIZES[op]
    height, width = arrays[like].shape[:2]
    count = args[count_arg] if count_arg else 1
    size = per_pixel * count * height * width
    if size > limit:
        fewer = f"; ask for at most {limit // (per_pixel * height * width)} {count_arg}" if count_arg else ""
        raise OpError(
            "too_large",
            f"{op} on a {width}x{height} image would answer with {size:,} bytes, more than "
            f"a client accepts ({limit:,}){fewer}, or send a smaller image",
        )


def hello_result(editor, parsers=None) -> dict:
    return {
        "protocol": PROTOCOL_VERSION,
        "version": __version__,
        "device": editor.device,
        "precision": editor.precision,
        "resolution": editor.resolution,
        "model": editor.card,
        "ops": list(ALL_OPS),
        "parser": parsers.describe() if parsers is not None else None,
        "labels": {"keys": list(CLASS_KEYS), "names": list(CLASS_NAMES), "palette": PALETTE.tolist()},
    }


def run_op(editor, op: str, jobs: list, progress, cancel, parsers=None) -> list[tuple[dict, dict]]:
    """Run one op for a batch of jobs (same op and shapes); returns (result, arrays) per job.

    ``parsers`` is the daemon's ParserSlot (maskgan_daemon.parsers); without one, `parse` is unsupported.
    """
    if op == "edit":
        results = editor.edit_batch(
            [
                EditRequest(
                    j.arrays["image"],
                    j.arrays["source_mask"],
                    j.arrays["edited_mask"],
                    look=j.args["look"],
                    reference=_reference(j),
                    method=j.args["method"],
                )
                for j in jobs
            ],
            feather=jobs[0].args["feather"],
            progress=progress,
            cancel=cancel,
        )
        return [
            _shaped(
                {
                    "changed": r.changed,
                    "box": list(r.box),
                    "looks": r.looks,
                    "routes": r.routes,
                    "alignment": r.alignment,
                },
                {"layer": r.layer, "image": r.image},
                j,
            )
            for r, j in zip(results, jobs)
        ]
    if op == "style_copy":
        (job,) = jobs
        image = editor.style_copy(
            job.arrays["target_mask"],
            job.arrays["reference_image"],
            job.arrays["reference_mask"],
            progress=progress,
            cancel=cancel,
        )
        return [({}, {"image": image})]
    if op in ("variants", "interpolate") and not editor.has_mask_vae:
        raise OpError(
            "unsupported",
            f"{op} needs weights with a MaskVAE; the loaded model ({editor.card.get('name', 'unnamed')}) has none",
        )
    if op == "variants":
        (job,) = jobs
        results = editor.variants(
            job.arrays["image"],
            job.arrays["source_mask"],
            job.arrays["edited_mask"],
            job.args["n"],
            job.args["seed"],
            feather=job.args["feather"],
            look=job.args["look"],
            reference=_reference(job),
            method=job.args["method"],
            progress=progress,
            cancel=cancel,
        )
        return [
            _shaped(
                {
                    "changed": [r.changed for r in results],
                    "boxes": [list(r.box) for r in results],
                    "looks": [r.looks for r in results],
                    "routes": [r.routes for r in results],
                },
                {"images": np.stack([r.image for r in results]), "layers": np.stack([r.layer for r in results])},
                job,
            )
        ]
    if op == "interpolate":
        (job,) = jobs
        masks = editor.interpolate(
            job.arrays["mask_a"], job.arrays["mask_b"], job.args["steps"], progress=progress, cancel=cancel
        )
        return [({}, {"masks": np.stack(masks)})]
    if op == "parse":
        if parsers is None:
            raise OpError(
                "unsupported", "this daemon has no face parser; import a colour mask (official palette) instead"
            )
        (job,) = jobs
        return [_parse(parsers.get(), job, progress, cancel)]
    raise OpError("unsupported", f"{op} is not supported by this daemon")


def _shaped(result: dict, arrays: dict, job) -> tuple[dict, dict]:
    """An edit's or variants' (result, arrays) as the job's ``reply`` asks: the whole photo ("full"), or only the
    box of the changed pixels (of every variant together) with ``offset`` [x, y], no arrays when none changed."""
    if job.args["reply"] == "full":
        return result, arrays
    box = changed_box(arrays["layer"][None] if "layer" in arrays else arrays["layers"])
    if box is None:
        return {**result, "offset": [0, 0]}, {}
    x0, y0, x1, y1 = box
    return {**result, "offset": [x0, y0]}, {name: array[..., y0:y1, x0:x1, :] for name, array in arrays.items()}


def _reference(job) -> Reference | None:
    if "reference_image" not in job.arrays:
        return None
    return Reference(job.arrays["reference_image"], job.arrays["reference_mask"])


def _parse(parser, job, progress, cancel) -> tuple[dict, dict]:
    progress(0, 1, f"parsing with the {parser.name}")
    if cancel.is_set():
        raise Cancelled()
    parsed = parser.parse(job.arrays["image"], face=job.args["face"])  # ParserError (a ValueError): bad_input
    progress(1, 1, "done")
    return parsed.summary(), {"label": parsed.labels}
