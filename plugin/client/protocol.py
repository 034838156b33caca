"""What the daemon and its clients say to each other: every op, the arguments and arrays it takes, the error
codes, and how a result's routes read in words (docs/protocol.md tells the same for people).

One table for everyone: the daemon validates requests against it (maskgan_daemon.ops), the CLI's options and
the plug-ins' settings and spin boxes take their ranges and choices from it, so none of them can drift from
what the daemon accepts. It needs nothing but Python, as the plug-ins vendor it into the editor.
"""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class Arg:
    """One argument of an op: its type, its default (None: required) and its range or choices."""

    kind: type
    default: object
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] | None = None

    @property
    def range(self) -> tuple[int, int]:
        return self.low, self.high


AUTO_LOOK = -1  # the look of added worn parts chosen by the weights (look 1 for synthetic-world weights, else 0)
PHOTO_LOOK = 0  # drawn in the photo's own style
MAX_LOOK = 16  # 1..MAX_LOOK: built-in looks (maskgan.infer.looks)
# how the changed regions of an edit are made: the photo's own pixels first, the generator everywhere, or
# never the generator (maskgan.infer.routes)
METHODS = ("auto", "generate", "photo")
# what an edit's (or variants') result arrays cover: the whole photo, or only the box of the pixels the edit
# changed, with its offset (maskgan_client.regions pastes it back)
REPLIES = ("full", "box")

FEATHER = Arg(int, 8, 0, 256)  # radius in pixels of the seam where the edit meets the photo
LOOK = Arg(int, AUTO_LOOK, AUTO_LOOK, MAX_LOOK)
METHOD = Arg(str, "auto", choices=METHODS)
REPLY = Arg(str, "full", choices=REPLIES)
VARIANTS = Arg(int, 4, 1, 16)
SEED = Arg(int, 0, 0, 2**31 - 1)
STEPS = Arg(int, 8, 2, 64)  # masks of an interpolation, both ends included
FACE = Arg(int, 0, 0, 255)  # which face of the photo, largest first

REFERENCE_ARRAYS = {"reference_image": "image", "reference_mask": "mask"}
# op -> (argument specs, array specs {name: "image" (H x W x 3 uint8) | "mask" (H x W uint8 labels)})
WORK_OPS = {
    "edit": (
        {"feather": FEATHER, "look": LOOK, "method": METHOD, "reply": REPLY},
        {"image": "image", "source_mask": "mask", "edited_mask": "mask"},
    ),
    "style_copy": ({}, {"target_mask": "mask", "reference_image": "image", "reference_mask": "mask"}),
    "variants": (
        {"n": VARIANTS, "seed": SEED, "feather": FEATHER, "look": LOOK, "method": METHOD, "reply": REPLY},
        {"image": "image", "source_mask": "mask", "edited_mask": "mask"},
    ),
    "interpolate": ({"steps": STEPS}, {"mask_a": "mask", "mask_b": "mask"}),
    "parse": ({"face": FACE}, {"image": "image"}),
}
# ops that also take both or neither of these arrays: a face whose style draws the parts an edit adds
OPTIONAL_ARRAYS = {"edit": REFERENCE_ARRAYS, "variants": REFERENCE_ARRAYS}
# answered at once on the daemon's socket thread, outside its queue
CONTROL_OPS = {"hello": {}, "status": {}, "cancel": {"id": Arg(str, None)}, "shutdown": {}}
ALL_OPS = tuple(CONTROL_OPS) + tuple(WORK_OPS)
# op -> (bytes per pixel of the reply's arrays, the argument that multiplies them, the array whose H x W they have);
# a box reply is at most that
REPLY_SIZES = {
    "edit": (3 + 4, None, "image"),
    "variants": (3 + 4, "n", "image"),
    "interpolate": (1, "steps", "mask_a"),
    "style_copy": (3, None, "target_mask"),
    "parse": (1, None, "image"),
}

# error code -> when the daemon (or, for "unavailable", the client) answers with it
ERRORS = {
    "bad_message": "the message does not follow the wire format",
    "bad_version": "the message speaks another protocol version",
    "unknown_op": "no such op",
    "bad_args": "an argument is unknown, missing, mistyped or out of range",
    "bad_array": "an array has the wrong name, dtype or shape",
    "bad_mask": "a mask holds a value that is no class",
    "too_large": "the request, or the reply it would get, is larger than the limit",
    "busy": "the daemon's queue is full; the error says when to try again (retry_after)",
    "cancelled": "the request was cancelled",
    "shutting_down": "the daemon is stopping",
    "unsupported": "the daemon cannot do this op with what it loaded: parse without a working face parser, "
    "variants or interpolate with weights that have no MaskVAE",
    "bad_input": "the engine refused the input",
    "failed": "anything else went wrong while running; the daemon keeps serving",
    "unavailable": "(client side) the daemon did not answer in time",
}

# how an edit made its changed regions, in the order the daemon tries them: the `edit` result's `routes` maps
# each to {class key: pixels}
ROUTES = ("moved", "transferred", "drawn", "generated")


def describe_routes(routes: dict, class_names: dict[str, str]) -> str:
    """The routes in words, biggest part first: "moved upper lip, lower lip; transferred skin" ("" when nothing
    changed); ``class_names`` maps class keys to display names (unknown keys are left out)."""
    parts = []
    for route in ROUTES:
        classes = sorted((routes.get(route) or {}).items(), key=lambda item: -item[1])
        names = [class_names[key].lower() for key, _ in classes if key in class_names]
        if names:
            parts.append(f"{route} {', '.join(names)}")
    return "; ".join(parts)
