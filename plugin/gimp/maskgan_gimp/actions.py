"""What each MaskGAN procedure does to a GIMP image: read layers, ask the daemon, add the result (needs GIMP).

Every result is a new layer (or group) above the photo; no existing layer is ever
written to. The daemon does the heavy work in its own process, and GIMP runs this
plug-in in a process of its own, so GIMP stays usable while a request runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maskgan_client.regions import FaceRequest
from maskgan_plugin_common import messages, naming, pixels
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import DONE, SKIPPED, Batch, Item

from . import batch, image_io
from .daemon_link import Daemon
from .image_io import title


@dataclass
class Look:
    """How an edit makes its changed regions and draws added worn parts (the daemon's `edit` arguments)."""

    feather: int
    look: int
    method: str

    def args(self) -> dict:
        return {"feather": self.feather, "look": self.look, "method": self.method}


def parse_face(daemon: Daemon, image, selected, face: int, mask_mode: str) -> str:
    image_io.check_rgb(image)
    photo = image_io.photo_layer(image, selected)
    reply = daemon.call("Parse face", "parse", {"face": face}, {"image": image_io.read_photo(image, photo)})
    with image_io.one_undo_step(image):
        image_io.create_mask_group(image, reply.arrays["label"], mask_mode)
    return messages.parsed(reply.result)


def masks(image, tolerance: float, source=None, edited=None) -> tuple[np.ndarray, np.ndarray]:
    """(source label map, edited label map): of the layers chosen in the dialog, else of the MaskGAN group's
    masks; PluginError in the Krita plug-in's wording for colours off the palette."""
    found = image_io.mask_layers(image) if source is None or edited is None else (None, None)
    source, edited = (
        named if chosen is None else image_io.chosen_mask(image, chosen)
        for named, chosen in zip(found, (source, edited))
    )
    return tuple(
        image_io.read_label(image, layer, tolerance, f"“{layer.get_name()}” of {title(image)}")
        for layer in (source, edited)
    )


def edit_arrays(image, selected, tolerance: float, photo=None, source=None, edited=None) -> tuple:
    """(photo layer, the `edit` arrays) of an image with MaskGAN masks (or the layers chosen as photo and masks);
    PluginError when the masks are equal."""
    image_io.check_rgb(image)
    photo = image_io.chosen_photo(image, photo) if photo is not None else image_io.photo_layer(image, selected)
    source, edited = masks(image, tolerance, source, edited)
    if np.array_equal(source, edited):
        raise PluginError(messages.masks_equal(title(image), f"Paint the change on “{naming.EDITED_MASK}” first"))
    return photo, {"image": image_io.read_photo(image, photo), "source_mask": source, "edited_mask": edited}


def apply_edit(
    daemon: Daemon, image, selected, look: Look, tolerance: float, photo=None, source=None, edited=None
) -> str:
    """Apply edit; ``photo``, ``source`` and ``edited`` are the layers chosen in the dialog (None: found by the
    names Parse face gave them)."""
    photo, arrays = edit_arrays(image, selected, tolerance, photo, source, edited)
    request = FaceRequest("edit", look.args(), arrays)
    return add_edit(image, photo, request, daemon.call("Apply edit", request.op, request.args, request.arrays))


def add_edit(image, photo, request: FaceRequest, reply) -> str:
    """The edit's result layer above ``photo``, in one undo step; the message that says what it did."""
    with image_io.one_undo_step(image):
        layer = image_io.add_result(
            image, photo, naming.EDIT_PREFIX, request.whole(reply.result, reply.arrays)["layer"]
        )
    result = reply.result
    return (
        f"Added “{layer.get_name()}” to {title(image)}"
        + ("" if result.get("changed", True) else ": the edit changed no pixel")
        + messages.routes_taken(result.get("routes") or {})
        + messages.drawn_looks(result.get("looks") or {})
    )


def variants(daemon: Daemon, image, selected, look: Look, tolerance: float, n: int, seed: int) -> str:
    photo, arrays = edit_arrays(image, selected, tolerance)
    request = FaceRequest("variants", {"n": n, "seed": seed, **look.args()}, arrays)
    reply = daemon.call("Variants", request.op, request.args, request.arrays)
    layers = request.whole(reply.result, reply.arrays)["layers"]
    with image_io.one_undo_step(image):
        group = image_io.add_result_group(image, photo, naming.VARIANTS_PREFIX, list(layers), "Variant")
    return messages.variants_added(group.get_name(), seed, n)


def style_copy(daemon: Daemon, image, selected, reference, tolerance: float) -> str:
    if reference is None or reference == image:
        raise PluginError(
            "Style copy needs another open image with MaskGAN masks as the reference: open a second "
            "photo, run Parse face on it, and choose it as Reference"
        )
    image_io.check_rgb(image)
    image_io.check_rgb(reference)
    photo = image_io.photo_layer(image, selected)
    _, target = masks(image, tolerance)
    reference_mask, _ = masks(reference, tolerance)
    arrays = {
        "target_mask": target,
        "reference_mask": reference_mask,
        "reference_image": image_io.read_photo(reference, image_io.photo_layer(reference)),
    }
    rgb = daemon.call("Style copy", "style_copy", {}, arrays).arrays["image"]
    with image_io.one_undo_step(image):
        layer = image_io.add_result(image, photo, naming.STYLE_PREFIX, pixels.opaque(rgb))
    return messages.style_copied(layer.get_name(), title(reference))


def batch_edit(daemon: Daemon, images, look: Look, tolerance: float, progress) -> str:
    """Apply edit on every open image with MaskGAN masks, a few at the daemon at once (batch.py): the summary,
    then what was added to each image."""
    queue = Batch(
        "Batch",
        "images edited",
        [
            Item(title(image), image)
            if image_io.find_group(image) is not None
            else Item(title(image), image, state=SKIPPED, message="no MaskGAN masks")
            for image in images
        ],
    )
    sent = {}  # id(item) -> (the photo layer its request was read from, the request)

    def prepare(item):
        photo, arrays = edit_arrays(item.payload, [], tolerance)
        request = FaceRequest("edit", look.args(), arrays)
        sent[id(item)] = photo, request
        return request.op, request.args, request.arrays

    def add(item, reply):
        photo, request = sent.pop(id(item))  # the whole photo is let go once its result is in
        return add_edit(item.payload, photo, request, reply)

    batch.run(daemon, queue, prepare, add, progress)
    added = [item.message for item in queue.items if item.state == DONE]
    return queue.summary() + "".join(f". {line}" for line in added)
