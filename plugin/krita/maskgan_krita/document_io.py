"""Layer I/O on Krita documents: the photo, the MaskGAN mask group, and result layers.

Functions take Krita ``Document``/``Node`` objects but import nothing from Krita,
so their logic runs on duck-typed fakes too. Pixels cover the document's bounds
(0, 0, width, height). The only layers ever modified are those inside the
"MaskGAN" group the plug-in made; results are always new layers (above the photo,
or in the plug-in's group "MaskGAN results"), and a MaskGAN group that a new one
replaces is kept, hidden and renamed, with what was painted on it.
"""

from __future__ import annotations

import numpy as np

from . import mask_colours, naming, pixels
from .guard import PluginError
from .vendor_path import labels

CONVERT_HINT = "convert it with Image > Convert Image Color Space… to RGB/Alpha, 8-bit integer/channel"
EDITED_MASK_OPACITY = 128  # the photo shows through the mask being painted


def check_rgba8(doc) -> None:
    if (doc.colorModel(), doc.colorDepth()) != ("RGBA", "U8"):
        raise PluginError(f"“{doc.name()}” is {doc.colorModel()} {doc.colorDepth()}; MaskGAN needs 8-bit RGBA: {CONVERT_HINT}")


def read_rgba(doc, node) -> np.ndarray:
    """HxWx4 RGBA of ``node`` over the document's bounds."""
    width, height = doc.width(), doc.height()
    return pixels.bgra_to_rgba(bytes(node.pixelData(0, 0, width, height)), width, height)


def write_rgba(doc, node, rgba: np.ndarray) -> None:
    node.setPixelData(pixels.rgba_to_bgra(rgba), 0, 0, doc.width(), doc.height())


def walk(node):
    """``node``'s descendants, bottom to top, depth first (the order Krita composites them)."""
    for child in node.childNodes():
        yield child
        yield from walk(child)


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


NOT_A_PHOTO = {  # why a layer of this type cannot be a photo, and what to do instead
    "grouplayer": "a group layer: select the paint layers inside it",
    "vectorlayer": "a vector layer: convert it to a paint layer first (Layer > Convert)",
}


def photo_problem(node) -> str | None:
    """Why ``node`` cannot be sent as a photo (None: it can): photos are paint layers outside the MaskGAN groups."""
    if in_mask_group(node):
        return "part of the MaskGAN masks, not a photo"
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
    raise PluginError(f"“{doc.name()}” has no paint layer with the photo outside the MaskGAN group")


def read_photo(doc, node) -> np.ndarray:
    """The photo as HxWx3 RGB; transparent parts are composited on white."""
    return pixels.flatten_on_white(read_rgba(doc, node))


def add_layer(doc, parent, above, name: str, rgba: np.ndarray):
    """A new paint layer holding ``rgba``, placed in ``parent`` above ``above`` (None: on top)."""
    node = doc.createNode(name, "paintlayer")
    write_rgba(doc, node, rgba)
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


def add_result_layer(doc, spot, rgba: np.ndarray, prefix: str = naming.EDIT_PREFIX):
    """A new layer "<prefix> N" at ``spot`` (result_spot), full document size; N counts the whole document."""
    name = naming.next_numbered(prefix, layer_names(doc))
    return add_layer(doc, *spot, name, rgba)


def add_mask_layer(doc, photo, label: np.ndarray):
    """The colour mask of ``label`` as a new layer "MaskGAN mask N" right above ``photo``, half opaque
    like the editable mask (a layer's own parse, beside the document's MaskGAN group)."""
    node = add_result_layer(doc, result_spot(doc, photo, "above_photo"), pixels.label_to_colour_layer(label),
                            naming.MASK_PREFIX)
    node.setOpacity(EDITED_MASK_OPACITY)
    return node


def add_result_group(doc, spot, layers: list[np.ndarray]):
    """A group "MaskGAN variants N" at ``spot`` (result_spot); one layer per result, only the first visible."""
    group = doc.createGroupLayer(naming.next_numbered(naming.VARIANTS_PREFIX, layer_names(doc)))
    parent, above = spot
    parent.addChildNode(group, above)
    for index, rgba in enumerate(layers):
        node = add_layer(doc, group, None, f"Variant {index + 1}", rgba)
        node.setVisible(index == 0)
    return group


# --- the mask group -------------------------------------------------------------------

def create_mask_group(doc, label: np.ndarray, mode: str):
    """A new MaskGAN group: the locked source mask and the editable mask of ``label``.

    A MaskGAN group already there is kept, hidden, as "MaskGAN replaced N" (it may hold
    the user's painting); only the new group is used from then on.
    """
    if label.shape != (doc.height(), doc.width()):
        raise PluginError(f"the mask is {label.shape[1]}x{label.shape[0]} but “{doc.name()}” is "
                          f"{doc.width()}x{doc.height()}; use a mask of the document's size")
    old = find_group(doc)
    if old is not None:
        old.setName(naming.next_numbered(naming.REPLACED_PREFIX, layer_names(doc)))
        old.setVisible(False)
    group = doc.createGroupLayer(naming.GROUP)
    doc.rootNode().addChildNode(group, None)
    source = add_layer(doc, group, None, naming.SOURCE_MASK, pixels.label_to_colour_layer(label))
    source.setVisible(False)
    source.setLocked(True)
    _add_edited(doc, group, label, mode)
    return group


def _add_edited(doc, group, label: np.ndarray, mode: str):
    if mode == "colour":
        node = add_layer(doc, group, None, naming.EDITED_MASK, pixels.label_to_colour_layer(label))
    else:
        node = doc.createGroupLayer(naming.CLASS_LAYERS_GROUP)
        group.addChildNode(node, None)
        names = labels().CLASS_NAMES
        for index in range(1, len(names)):  # later class on top, as it wins on overlaps; background is bare
            add_layer(doc, node, None, naming.class_layer_name(index, names), pixels.label_to_class_layer(label, index))
    node.setOpacity(EDITED_MASK_OPACITY)
    return node


def mask_group(doc):
    group = find_group(doc)
    if group is None or child(group, naming.SOURCE_MASK) is None:
        raise PluginError(f"“{doc.name()}” has no MaskGAN masks yet: use Import mask… (or Parse face) first")
    return group


def _read_colour_mask(doc, node, tolerance: float) -> np.ndarray:
    """Label map of a colour mask layer; PluginError names the document, the layer and the off-palette colours."""
    return mask_colours.read_label(read_rgba(doc, node), tolerance, f"“{doc.name()}”: “{node.name()}”")


def read_source_mask(doc, tolerance: float) -> np.ndarray:
    return _read_colour_mask(doc, child(mask_group(doc), naming.SOURCE_MASK), tolerance)


def read_edited_mask(doc, tolerance: float) -> np.ndarray:
    """Label map of the editable mask, in whichever form it is (colour layer or per-class layers)."""
    group = mask_group(doc)
    colour = child(group, naming.EDITED_MASK)
    if colour is not None:
        return _read_colour_mask(doc, colour, tolerance)
    classes = child(group, naming.CLASS_LAYERS_GROUP)
    if classes is None:
        raise PluginError(f"the MaskGAN group of “{doc.name()}” has no “{naming.EDITED_MASK}” layer; import the mask again")
    names = labels().CLASS_NAMES
    alphas = {}
    for node in classes.childNodes():
        index = naming.class_of_layer(node.name(), names)
        if index is not None:
            alphas[index] = read_rgba(doc, node)[..., 3]
    if not alphas:
        return np.zeros((doc.height(), doc.width()), np.uint8)
    return pixels.class_layers_to_label(alphas)


def edited_mode(doc) -> str:
    return "classes" if child(mask_group(doc), naming.CLASS_LAYERS_GROUP) is not None else "colour"


def convert_edited(doc, mode: str, tolerance: float):
    """Rebuild the editable mask in ``mode`` ('colour' or 'classes') from its current content."""
    group = mask_group(doc)
    label = read_edited_mask(doc, tolerance)
    for name in (naming.EDITED_MASK, naming.CLASS_LAYERS_GROUP):
        old = child(group, name)
        if old is not None:
            old.remove()
    return _add_edited(doc, group, label, mode)


def class_layer(doc, class_index: int):
    """The per-class layer of ``class_index``, or None (colour mode, or background)."""
    group = find_group(doc)
    classes = child(group, naming.CLASS_LAYERS_GROUP)
    return child(classes, naming.class_layer_name(class_index, labels().CLASS_NAMES)) if class_index else None


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
