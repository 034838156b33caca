"""Layer I/O on Krita documents: the photo, the MaskGAN mask group, and result layers.

Functions take Krita ``Document``/``Node`` objects and import nothing from Krita (quiet_join
asks for Krita's application, and does without it), so their logic runs on duck-typed fakes
too. Pixels cover the document's bounds (0, 0, width, height). The only layers ever modified are those inside the
"MaskGAN" group the plug-in made; results are always new layers (above the photo,
or in the plug-in's group "MaskGAN results"), and a MaskGAN group that a new one
replaces is kept, hidden and renamed, with what was painted on it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from maskgan_plugin_common import mask_colours, naming, pixels
from maskgan_plugin_common.bands import Rect, run_now
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.label_table import labels

from . import bgra, quiet_join
from .node_tree import walk
from .regions import BLOCK, block_sums, face_region

CONVERT_HINT = "convert it with Image > Convert Image Color Space… to RGB/Alpha, 8-bit integer/channel"


def title(doc) -> str:
    """How messages name a document: “its name”, else “its file name” (a photo opened from disk has no
    title), else the active document."""
    name = doc.name() or Path(doc.fileName() or "").name
    return f"“{name}”" if name else "the active document"


def check_rgba8(doc) -> None:
    if (doc.colorModel(), doc.colorDepth()) != ("RGBA", "U8"):
        raise PluginError(
            f"{title(doc)} is {doc.colorModel()} {doc.colorDepth()}; MaskGAN needs 8-bit RGBA: {CONVERT_HINT}"
        )


def whole(doc) -> Rect:
    return Rect(0, 0, doc.width(), doc.height())


def read_rgba(doc, node, rect: Rect | None = None) -> np.ndarray:
    """HxWx4 RGBA of ``node`` (a document: its projection) over ``rect`` (None: the document's bounds)."""
    rect = rect or whole(doc)
    return bgra.bgra_to_rgba(bytes(node.pixelData(rect.x, rect.y, rect.width, rect.height)), rect.width, rect.height)


def write_rgba(doc, node, rgba: np.ndarray, origin: tuple[int, int] = (0, 0)) -> None:
    """Write ``rgba`` into ``node`` with its top-left corner at ``origin``."""
    node.setPixelData(bgra.rgba_to_bgra(rgba), origin[0], origin[1], rgba.shape[1], rgba.shape[0])


def read_photo_steps(doc, node, rect: Rect):
    """Generator: the photo ``node`` (the document: its projection) over ``rect`` as HxWx3 RGB composited on
    white, read band by band, yielding after each band (Krita repaints in between); returns the array."""
    rgb = np.empty((rect.height, rect.width, 3), np.uint8)
    for band in rect.bands():
        top = band.y - rect.y
        rgb[top : top + band.height] = pixels.flatten_on_white(read_rgba(doc, node, band))
        yield
    return rgb


def read_photo_and_fingerprint_steps(doc, node, rect: Rect):
    """Generator: (read_photo_steps's photo, its regions.block_sums), the sums taken band by band too."""
    rgb = yield from read_photo_steps(doc, node, rect)
    sums = []
    for band in rect.bands(rows_multiple=BLOCK):
        top = band.y - rect.y
        sums.append(block_sums(rgb[top : top + band.height], (band.x, band.y))[1])
        yield
    return rgb, ((-(-rect.x // BLOCK), -(-rect.y // BLOCK)), np.concatenate(sums))


def _read_colour_mask_steps(doc, node, rect: Rect, tolerance: float):
    mask = mask_colours.ColourMask(rect.height, rect.width, tolerance, f"{title(doc)}: “{node.name()}”")
    for band in rect.bands():
        mask.add(band.y - rect.y, read_rgba(doc, node, band))
        yield
    return (yield from mask.label_steps())


def layer_names(doc) -> list[str]:
    return [node.name() for node in walk(doc.rootNode())]


def find_group(doc, name: str = naming.GROUP):
    """The top-level group ``name`` (by default the "MaskGAN" mask group), or None."""
    return next((n for n in doc.rootNode().childNodes() if n.type() == "grouplayer" and n.name() == name), None)


def style_references(documents, active) -> list:
    """The documents other than ``active`` that have a MaskGAN group: where Style copy can take a style from."""
    return [doc for doc in documents if not (active is not None and doc == active) and find_group(doc) is not None]


def child(parent, name: str):
    return next((n for n in parent.childNodes() if n.name() == name), None) if parent is not None else None


def in_mask_group(node) -> bool:
    """Whether ``node`` is inside the MaskGAN group or a replaced one kept beside it."""
    while node is not None:
        if node.type() == "grouplayer" and naming.is_mask_group_name(node.name()):
            return True
        node = node.parentNode()
    return False


def made_by_plugin(node) -> bool:
    """The MaskGAN mask groups, the results group, and the results the plug-in added (known by their names)."""
    name = node.name()
    return (node.type() == "grouplayer" and naming.is_mask_group_name(name)) or naming.is_result_name(name)


def in_plugin_made(node) -> bool:
    """Whether ``node`` is something the plug-in made or lies inside it (a variant in its group, say)."""
    while node is not None:
        if made_by_plugin(node):
            return True
        node = node.parentNode()
    return False


NOT_A_PHOTO = {  # why a layer of this type cannot be a photo, and what to do instead
    "grouplayer": "a group layer: select the paint layers inside it",
    "vectorlayer": "a vector layer: convert it to a paint layer first (Layer > Convert)",
}


def photo_problem(node) -> str | None:
    """Why ``node`` cannot be sent as a photo (None: it can): photos are paint layers outside the MaskGAN groups."""
    if in_mask_group(node):
        return "part of the MaskGAN masks, not a photo"
    if in_plugin_made(node):
        return "a MaskGAN result, not a photo"
    kind = node.type()
    if kind == "paintlayer":
        return None
    if kind.endswith("mask"):
        return "a mask layer, not a photo"
    return NOT_A_PHOTO.get(kind, f"a {kind}, not a paint layer")


def photo_layer(doc):
    """The active paint layer when it is outside the MaskGAN groups, else the bottom-most paint layer outside them."""
    active = doc.activeNode()
    if active is not None and photo_problem(active) is None:
        return active
    for node in walk(doc.rootNode()):
        if photo_problem(node) is None:
            return node
    raise PluginError(f"{title(doc)} has no paint layer with the photo outside the MaskGAN group and its results")


def add_layer(doc, parent, above, name: str, rgba: np.ndarray, origin: tuple[int, int] = (0, 0)):
    """A new paint layer holding ``rgba`` at ``origin``, placed in ``parent`` above ``above`` (None: on top)."""
    node = doc.createNode(name, "paintlayer")
    write_rgba(doc, node, rgba, origin)
    parent.addChildNode(node, above)
    return node


def result_spot(doc, anchor, place: str):
    """(parent, node to go above) of a new result: right above ``anchor`` (None: on top of the document), or,
    when ``place`` is "results_group", on top inside the group "MaskGAN results" (made on top of the document
    on first use). Only nodes are added: no layer of the user's moves."""
    if place == "results_group":
        group = find_group(doc, naming.RESULTS_GROUP)
        if group is None:
            group = doc.createGroupLayer(naming.RESULTS_GROUP)
            doc.rootNode().addChildNode(group, None)
        return group, None
    return (doc.rootNode(), None) if anchor is None else (anchor.parentNode(), anchor)


def add_result_layer_steps(doc, spot, rgba: np.ndarray, prefix: str, origin: tuple[int, int], added: list):
    """Generator: a new layer "<prefix> N" at ``spot`` holding ``rgba`` at ``origin``, written band by band
    (yielding after each) as _join_steps says; it goes into ``added`` once there (a cancel can take it away);
    returns it. It is numbered as it joins: a batch adds several results at once."""
    (rgba,), origin = opaque_part([rgba], origin)
    yield
    node = yield from _join_steps(doc, spot, "paintlayer", prefix, lambda node: _write_steps(doc, node, rgba, origin))
    added.append(node)
    return node


def _join_steps(doc, spot, kind: str, prefix: str, fill, numbered: bool = True):
    """Generator: a new node of ``kind`` ("paintlayer" or "grouplayer") at ``spot`` (result_spot), named
    "<prefix> N" (N one more than any in the document) or ``prefix`` when not ``numbered``, filled by
    ``fill(node)`` (a generator: pixels band by band, properties, children); returns it once in the document.

    Where Krita's own Layer > New action can add it (quiet_join), it joins empty, is filled in the
    document and drawn: Krita redraws its extent alone, and one Edit > Undo removes it. Elsewhere it is
    filled outside the document and joins in one addChildNode, which redraws the whole image (docs/krita.md,
    "Never blocking Krita"). Closed early, it takes away a node already in the document."""
    node = yield from quiet_join.add_empty_steps(doc, spot, kind)
    if node is not None:
        node.setName(_numbered_name(doc, prefix) if numbered else prefix)
        try:
            yield from fill(node)
            yield from quiet_join.draw_steps(doc, node)
        except GeneratorExit:
            node.remove()
            raise
        return node
    node = doc.createNode(prefix, kind) if kind == "paintlayer" else doc.createGroupLayer(prefix)
    yield from fill(node)
    if numbered:
        _add_numbered(doc, spot, node, prefix)
    else:
        parent, above = spot
        parent.addChildNode(node, above)
    return node


_joining: list[tuple[object, str]] = []  # (document, name) of layers on their way into a document


def _numbered_name(doc, prefix: str) -> str:
    return naming.next_numbered(prefix, layer_names(doc) + sorted(joining for to, joining in _joining if to == doc))


def _add_numbered(doc, spot, node, prefix: str) -> None:
    """Add ``node`` at ``spot`` as "<prefix> N", N one more than any in the document or joining it: Krita turns its
    event loop inside addChildNode, where another result (of a batch) may be numbered before this one is there.
    Each document counts its own (libkis documents compare equal when they wrap the same one)."""
    name = _numbered_name(doc, prefix)
    node.setName(name)
    entry = (doc, name)
    _joining.append(entry)
    try:
        parent, above = spot
        parent.addChildNode(node, above)
    finally:
        _joining.remove(entry)


def opaque_part(layers: list[np.ndarray], origin: tuple[int, int]) -> tuple[list[np.ndarray], tuple[int, int]]:
    """The parts of same-size RGBA ``layers`` (at ``origin``) within the bounds of their non-transparent pixels,
    and those parts' origin: an edit's result is transparent away from the change, and Krita updates (and
    thumbnails) only what a layer covers."""
    rect = label_bounds(np.any([layer[..., 3] for layer in layers], axis=0))
    if rect.empty:
        return [layer[:1, :1] for layer in layers], origin
    return (
        [layer[rect.y : rect.bottom, rect.x : rect.right] for layer in layers],
        (origin[0] + rect.x, origin[1] + rect.y),
    )


def _write_steps(doc, node, rgba: np.ndarray, origin: tuple[int, int]):
    area = Rect(0, 0, rgba.shape[1], rgba.shape[0])
    for band in area.bands():
        write_rgba(doc, node, rgba[band.y : band.bottom], (origin[0], origin[1] + band.y))
        yield


def taken_back_if_closed(build):
    """Generator: ``build(added)`` (a generator that adds layers, each into ``added`` once in the document), then
    one more step, so that a Cancel that came while the last was added still takes it away; closed early, it
    removes what ``added`` holds. Returns what ``build`` returned."""
    added = []
    try:
        value = yield from build(added)
        yield
    except GeneratorExit:
        for node in added:
            node.remove()
        raise
    return value


def add_layer_steps(doc, spot, prefix: str, array: np.ndarray, to_rgba, added: list, origin=(0, 0), opacity=255):
    """Generator: a new layer "<prefix> N" (N counts the whole document) holding ``to_rgba(array)`` at ``origin``,
    converted and written band by band as _join_steps says; it goes into ``added`` once there (a cancel can
    take it away); returns it. It is numbered as it joins: a batch adds several at once."""

    def fill(node):
        node.setOpacity(opacity)  # before it is drawn: Krita redraws it then, not on later property changes
        yield from _write_converted_steps(doc, node, array, to_rgba, origin)

    node = yield from _join_steps(doc, spot, "paintlayer", prefix, fill)
    added.append(node)
    return node


def add_mask_layer_steps(doc, photo, label: np.ndarray, added: list):
    """Generator: the colour mask of ``label`` as a new layer "MaskGAN mask N" right above ``photo``, half opaque
    like the editable mask (a layer's own parse, beside the document's MaskGAN group); see add_layer_steps."""
    part, origin = label_part(label)
    return (
        yield from add_layer_steps(
            doc,
            result_spot(doc, photo, "above_photo"),
            naming.MASK_PREFIX,
            part,
            pixels.label_to_colour_layer,
            added,
            origin,
            naming.EDITED_MASK_OPACITY,
        )
    )


def add_result_group_steps(doc, spot, layers, origin: tuple[int, int] = (0, 0), added: list | None = None):
    """Generator: a group "MaskGAN variants N" at ``spot`` (result_spot), one layer per result (each at
    ``origin``), only the first visible; yields after each band. The layers are made outside the document and
    the group joins with them (_join_steps: one addition, not one per variant); it goes into ``added`` once
    there (a cancel can take it away); returns it."""
    layers, origin = opaque_part(layers, origin)
    nodes = []
    for index, rgba in enumerate(layers):
        node = doc.createNode(f"Variant {index + 1}", "paintlayer")
        node.setVisible(index == 0)
        yield from _write_steps(doc, node, rgba, origin)
        nodes.append(node)
    group = yield from _join_steps(doc, spot, "grouplayer", naming.VARIANTS_PREFIX, _children(nodes))
    if added is not None:
        added.append(group)
    return group


# --- the mask group -------------------------------------------------------------------
# Mask layers are transparent where the label is background, so that Krita knows the bounds of the face
# (Node.bounds()) and an edit reads and sends only that part of a large photo.


def label_bounds(label: np.ndarray) -> Rect:
    """The bounds of ``label``'s non-background pixels (an empty Rect for an all-background label)."""
    rows, cols = np.nonzero(label.any(1))[0], np.nonzero(label.any(0))[0]
    if not len(rows):
        return Rect(0, 0, 0, 0)
    return Rect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


def label_part(label: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """(the part of ``label`` within its bounds, that part's origin); all of it when it is all background."""
    rect = label_bounds(label)
    if rect.empty:
        return label, (0, 0)
    return label[rect.y : rect.bottom, rect.x : rect.right], (rect.x, rect.y)


def create_mask_group(doc, label: np.ndarray, mode: str):
    return run_now(create_mask_group_steps(doc, label, mode))


def create_mask_group_steps(doc, label: np.ndarray, mode: str):
    """Generator: a new MaskGAN group, the locked source mask and the editable mask of ``label``, each layer
    converted and written band by band; returns the group. Closed early, it takes the group away.

    Its layers are made outside the document and the group joins with them (_join_steps): one addition, not
    one per layer.
    A MaskGAN group already there is kept, hidden, as "MaskGAN replaced N" (it may hold
    the user's painting); only the new group is used from then on.
    """
    if label.shape != (doc.height(), doc.width()):
        raise PluginError(
            f"the mask is {label.shape[1]}x{label.shape[0]} but {title(doc)} is "
            f"{doc.width()}x{doc.height()}; use a mask of the document's size"
        )
    face, origin = label_part(label)
    source = doc.createNode(naming.SOURCE_MASK, "paintlayer")
    yield from _write_converted_steps(doc, source, face, pixels.label_to_colour_layer, origin)
    source.setVisible(False)
    source.setLocked(True)
    edited = yield from _edited_steps(doc, face, mode, origin)
    old = find_group(doc)
    old_visible = old.visible() if old is not None else False
    if old is not None:
        old.setName(naming.next_numbered(naming.REPLACED_PREFIX, layer_names(doc)))
        old.setVisible(False)

    def restore_old():
        if old is not None:
            old.setName(naming.GROUP)
            old.setVisible(old_visible)

    try:
        group = yield from _join_steps(
            doc, (doc.rootNode(), None), "grouplayer", naming.GROUP, _children([source, edited]), numbered=False
        )
    except GeneratorExit:
        restore_old()
        raise
    try:
        if old is not None:
            yield  # hidden, the old group is drawn again: a group joining through Krita's action draws only itself
            yield from quiet_join.draw_steps(doc, old)
        yield  # a Cancel that came while the group was added takes it away
    except GeneratorExit:
        group.remove()
        restore_old()
        raise
    return group


def _children(nodes: list):
    """A _join_steps fill that puts ``nodes`` (made outside the document) into the group, bottom to top: libkis's
    setChildNodes adds without a redraw."""

    def fill(group):
        group.setChildNodes(nodes)
        yield

    return fill


def _write_converted_steps(doc, node, array: np.ndarray, to_rgba, origin: tuple[int, int]):
    """Generator: write ``to_rgba(rows of array)`` (a label map, an RGB image) into ``node`` at ``origin``,
    converting and writing a band per step (a face's label map of a large photo converts in seconds as a whole)."""
    for band in Rect(0, 0, array.shape[1], array.shape[0]).bands():
        write_rgba(doc, node, to_rgba(array[band.y : band.bottom]), (origin[0], origin[1] + band.y))
        yield


def _edited_steps(doc, label: np.ndarray, mode: str, origin: tuple[int, int] = (0, 0)):
    """Generator: the editable mask of ``label`` (placed at ``origin``) in ``mode``, a new node outside the
    document (its caller adds it); returns it."""
    if mode == "colour":
        node = doc.createNode(naming.EDITED_MASK, "paintlayer")
        node.setOpacity(naming.EDITED_MASK_OPACITY)
        yield from _write_converted_steps(doc, node, label, pixels.label_to_colour_layer, origin)
        return node
    node = doc.createGroupLayer(naming.CLASS_LAYERS_GROUP)
    node.setOpacity(naming.EDITED_MASK_OPACITY)
    names = labels().CLASS_NAMES
    layers = []
    for index in range(1, len(names)):  # later class on top, as it wins on overlaps; background is bare
        layer = doc.createNode(naming.class_layer_name(index, names), "paintlayer")
        yield from _write_converted_steps(
            doc, layer, label, lambda rows, index=index: pixels.label_to_class_layer(rows, index), origin
        )
        layers.append(layer)
    node.setChildNodes(layers)
    return node


def mask_group(doc):
    group = find_group(doc)
    if group is None or child(group, naming.SOURCE_MASK) is None:
        raise PluginError(f"{title(doc)} has no MaskGAN masks yet: use Import mask… (or Parse face) first")
    return group


def _bounds(node) -> Rect:
    rect = node.bounds()
    return Rect(rect.x(), rect.y(), rect.width(), rect.height())


def mask_nodes(doc) -> tuple:
    """(source mask layer, editable mask node: the colour layer or the per-class group)."""
    group = mask_group(doc)
    edited = child(group, naming.EDITED_MASK) or child(group, naming.CLASS_LAYERS_GROUP)
    if edited is None:
        raise PluginError(
            f"the MaskGAN group of {title(doc)} has no “{naming.EDITED_MASK}” layer; import the mask again"
        )
    return child(group, naming.SOURCE_MASK), edited


def edit_region(doc) -> Rect:
    """The part of ``doc`` an edit needs: around the masks' non-background pixels (regions.face_region)."""
    source, edited = mask_nodes(doc)
    return face_region(_bounds(source).union(_bounds(edited)), doc.width(), doc.height())


def read_source_mask_steps(doc, tolerance: float, rect: Rect):
    """Generator (see read_photo_steps): the source mask's label map over ``rect``."""
    source, _ = mask_nodes(doc)
    return (yield from _read_colour_mask_steps(doc, source, rect, tolerance))


def read_edited_mask_steps(doc, tolerance: float, rect: Rect):
    """Generator: the editable mask's label map over ``rect``, in whichever form it is (colour layer or per-class
    layers)."""
    _, edited = mask_nodes(doc)
    if edited.type() != "grouplayer":
        return (yield from _read_colour_mask_steps(doc, edited, rect, tolerance))
    names = labels().CLASS_NAMES
    alphas = {}
    for node in edited.childNodes():
        index = naming.class_of_layer(node.name(), names)
        if index is not None:
            alpha = alphas[index] = np.empty((rect.height, rect.width), np.uint8)
            for band in rect.bands():
                alpha[band.y - rect.y : band.bottom - rect.y] = read_rgba(doc, node, band)[..., 3]
                yield
    if not alphas:
        return np.zeros((rect.height, rect.width), np.uint8)
    return pixels.class_layers_to_label(alphas)


def masks_region(doc) -> Rect:
    """The bounds of the masks' non-background pixels (outside, both masks are background), clipped to ``doc``."""
    source, edited = mask_nodes(doc)
    return _bounds(source).union(_bounds(edited)).clip(doc.width(), doc.height())


def read_mask_steps(doc, tolerance: float, which: str = "edited"):
    """Generator: the whole-document label map of ``doc``'s "source" or "edited" mask, reading only the masks'
    region (regions.Rect.bands: a band per step)."""
    rect = masks_region(doc)
    read = read_source_mask_steps if which == "source" else read_edited_mask_steps
    part = yield from read(doc, tolerance, rect)
    label = np.zeros((doc.height(), doc.width()), np.uint8)
    label[rect.y : rect.bottom, rect.x : rect.right] = part
    return label


def read_source_mask(doc, tolerance: float) -> np.ndarray:
    return run_now(read_mask_steps(doc, tolerance, "source"))


def read_edited_mask(doc, tolerance: float) -> np.ndarray:
    return run_now(read_mask_steps(doc, tolerance, "edited"))


def edited_mode(doc) -> str:
    return "classes" if child(mask_group(doc), naming.CLASS_LAYERS_GROUP) is not None else "colour"


def convert_edited_steps(doc, mode: str, tolerance: float):
    """Generator: rebuild the editable mask in ``mode`` ('colour' or 'classes') from its current content (read
    with ``tolerance``: a PluginError names colours off the palette, which a conversion would lose), band by
    band; the new node joins the group before the old one leaves it. Returns the new node."""
    group = mask_group(doc)
    _, old = mask_nodes(doc)
    rect = masks_region(doc)
    label = yield from read_edited_mask_steps(doc, tolerance, rect)
    part, origin = label_part(label)
    node = yield from _edited_steps(doc, part, mode, (rect.x + origin[0], rect.y + origin[1]))
    group.addChildNode(node, old)
    try:
        yield
    except GeneratorExit:
        node.remove()
        raise
    old.remove()
    yield
    return node


def class_layer(doc, class_index: int):
    """The per-class layer of ``class_index``, or None (colour mode, or background)."""
    group = find_group(doc)
    classes = child(group, naming.CLASS_LAYERS_GROUP)
    return child(classes, naming.class_layer_name(class_index, labels().CLASS_NAMES)) if class_index else None


def read_image_file_steps(path: str):
    """Generator: read_image_file's array, the file decoded on a thread of its own (a large PNG takes seconds)
    while Krita's event loop turns."""
    outcome = {}

    def read():
        try:
            outcome["rgba"] = read_image_file(path)
        except Exception as error:  # noqa: BLE001 - raised again on the event loop
            outcome["error"] = error

    thread = threading.Thread(target=read, name="MaskGAN image file", daemon=True)
    thread.start()
    while thread.is_alive():
        yield
    if "error" in outcome:
        raise outcome["error"]
    return outcome["rgba"]


def read_image_file(path: str) -> np.ndarray:
    """HxWx4 RGBA of an image file (PNG, etc.) read with Qt."""
    from PyQt5.QtGui import QImage

    image = QImage(path)
    if image.isNull():
        raise PluginError(f"could not read an image from {path}")
    image = image.convertToFormat(QImage.Format_RGBA8888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits().asstring(stride * height), np.uint8).reshape(height, stride)
    return data[:, : width * 4].reshape(height, width, 4).copy()
