"""Layers of a GIMP 3 image in and out as the arrays the daemon speaks (needs GIMP).

Pixels travel as 8-bit sRGB with alpha ("R'G'B'A u8"): GEGL converts from and to
whatever precision the image has, so 16-bit and float images work too (results are
made in 8 bits). Grey and indexed images cannot hold a colour result layer: the
user is told to convert them (the plug-in never changes an image's mode itself).
"""

from __future__ import annotations

from contextlib import contextmanager

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
import numpy as np  # noqa: E402
from gi.repository import Gegl, Gimp  # noqa: E402

from maskgan_plugin_common import mask_colours, naming, pixels  # noqa: E402
from maskgan_plugin_common.errors import PluginError  # noqa: E402
from maskgan_plugin_common.label_table import labels  # noqa: E402

FORMAT = "R'G'B'A u8"


def title(image) -> str:
    """How messages name an image: “file name”, else “Untitled-N”."""
    file = image.get_file()
    name = file.get_basename() if file is not None else image.get_name()
    return f"“{name}”"


def check_rgb(image) -> None:
    if image.get_base_type() != Gimp.ImageBaseType.RGB:
        mode = "grayscale" if image.get_base_type() == Gimp.ImageBaseType.GRAY else "indexed"
        raise PluginError(
            f"{title(image)} is a {mode} image; MaskGAN edits colour photos: convert it with Image > Mode > RGB first"
        )


def read_rgba(image, drawable) -> np.ndarray:
    """HxWx4 RGBA of ``drawable`` placed on a transparent canvas of the image's size (its offsets honoured)."""
    height, width = image.get_height(), image.get_width()
    canvas = np.zeros((height, width, 4), np.uint8)
    _, x, y = drawable.get_offsets()
    w, h = drawable.get_width(), drawable.get_height()
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x1 <= x0 or y1 <= y0:
        return canvas
    buffer = drawable.get_buffer()
    data = buffer.get(Gegl.Rectangle.new(x0 - x, y0 - y, x1 - x0, y1 - y0), 1.0, FORMAT, Gegl.AbyssPolicy.NONE)
    canvas[y0:y1, x0:x1] = np.frombuffer(bytes(data), np.uint8).reshape(y1 - y0, x1 - x0, 4)
    return canvas


def new_layer(image, name: str, rgba: np.ndarray, parent=None, position: int = 0):
    """A new layer ``name`` of the image's size holding ``rgba``, inserted into ``parent`` at ``position``."""
    height, width = rgba.shape[:2]
    layer = Gimp.Layer.new(image, name, width, height, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, parent, position)
    buffer = layer.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, width, height), FORMAT, np.ascontiguousarray(rgba).tobytes())
    buffer.flush()
    layer.update(0, 0, width, height)
    return layer


def new_group(image, name: str, parent=None, position: int = 0):
    group = Gimp.GroupLayer.new(image, name)
    image.insert_layer(group, parent, position)
    return group


def walk(layers):
    """Every layer of ``layers`` and of the groups among them, a group's children before the group."""
    for layer in layers:
        if layer.is_group():
            yield from walk(layer.get_children())
        yield layer


def names(image) -> list[str]:
    return [layer.get_name() for layer in walk(image.get_layers())]


def child(group, name: str):
    return next((layer for layer in group.get_children() if layer.get_name() == name), None)


def find_group(image, name: str = naming.GROUP):
    return next((layer for layer in image.get_layers() if layer.is_group() and layer.get_name() == name), None)


def _ancestry(layer):
    """The layer, then the groups it is in, innermost first."""
    while layer is not None:
        yield layer
        layer = layer.get_parent()


def _is_result(layer) -> bool:
    return any(naming.is_result_name(node.get_name()) for node in _ancestry(layer))


def _made_by_plugin(layer) -> bool:
    return _is_result(layer) or any(
        node.is_group() and naming.is_mask_group_name(node.get_name()) for node in _ancestry(layer)
    )


def _can_be_photo(layer) -> bool:
    return isinstance(layer, Gimp.Layer) and not layer.is_group() and not _made_by_plugin(layer)


def photo_layer(image, selected=()):
    """The selected layer when it is a plain layer outside the MaskGAN group and its results, else the
    bottom-most such layer."""
    for layer in list(selected) + list(reversed(image.get_layers())):
        if _can_be_photo(layer):
            return layer
    raise PluginError(f"{title(image)} has no layer with the photo outside the MaskGAN group and its results")


def chosen_photo(image, layer):
    """The layer the user chose as the photo, when it can be one (in this image, not a group, not a mask or a
    result); PluginError otherwise."""
    if layer.get_image() != image:
        raise PluginError(f"the chosen photo “{layer.get_name()}” is not a layer of {title(image)}")
    if not _can_be_photo(layer):
        raise PluginError(
            f"the chosen photo “{layer.get_name()}” is a group, a MaskGAN mask or a MaskGAN result; "
            "choose the photo's layer"
        )
    return layer


def chosen_mask(image, layer):
    """The layer the user chose as a mask (a colour layer or a group of per-class layers), when it can be one:
    in this image, not a MaskGAN result; PluginError otherwise."""
    if layer.get_image() != image:
        raise PluginError(f"the chosen mask “{layer.get_name()}” is not a layer of {title(image)}")
    if _is_result(layer):
        raise PluginError(f"the chosen mask “{layer.get_name()}” is a MaskGAN result; choose a mask layer")
    return layer


@contextmanager
def one_undo_step(image):
    """What is added inside is undone by one Edit > Undo."""
    image.undo_group_start()
    try:
        yield
    finally:
        image.undo_group_end()


def read_photo(image, layer) -> np.ndarray:
    """The photo as HxWx3 RGB; transparent parts are composited on white."""
    return pixels.flatten_on_white(read_rgba(image, layer))


def create_mask_group(image, label: np.ndarray, mode: str):
    """A new MaskGAN group at the top: the locked, hidden source mask and the editable mask (one colour layer,
    or one layer per class). A MaskGAN group already there is kept, hidden, as “MaskGAN replaced N”."""
    old = find_group(image)
    if old is not None:
        old.set_name(naming.next_numbered(naming.REPLACED_PREFIX, names(image)))
        old.set_visible(False)
        for layer in walk(old.get_children()):  # GIMP keeps layer names unique: free them for the new group
            layer.set_name(f"{layer.get_name()} ({old.get_name()})")
    group = new_group(image, naming.GROUP)
    source = new_layer(image, naming.SOURCE_MASK, pixels.label_to_colour_layer(label), group, 0)
    source.set_visible(False)
    source.set_lock_content(True)
    if mode == "colour":
        edited = new_layer(image, naming.EDITED_MASK, pixels.label_to_colour_layer(label), group, 0)
    else:
        edited = new_group(image, naming.CLASS_LAYERS_GROUP, group, 0)
        table = labels()
        for index in range(1, len(table.CLASS_NAMES)):  # later class on top: it wins on overlaps
            new_layer(
                image,
                naming.class_layer_name(index, table.CLASS_NAMES),
                pixels.label_to_class_layer(label, index),
                edited,
                0,
            )
    edited.set_opacity(naming.EDITED_MASK_OPACITY * 100.0 / 255)
    return group


def mask_layers(image) -> tuple:
    """(source mask layer, editable mask: the colour layer or the per-class group) of the MaskGAN group."""
    group = find_group(image)
    source = child(group, naming.SOURCE_MASK) if group is not None else None
    if source is None:
        raise PluginError(f"{title(image)} has no MaskGAN masks yet: run Filters > MaskGAN > Parse face first")
    edited = child(group, naming.EDITED_MASK) or child(group, naming.CLASS_LAYERS_GROUP)
    if edited is None:
        raise PluginError(
            f"the MaskGAN group of {title(image)} has no “{naming.EDITED_MASK}” layer; run Parse face again"
        )
    return source, edited


def read_label(image, node, tolerance: float, where: str) -> np.ndarray:
    """The label map of a mask: a colour layer (mask_colours' checks and wording) or a per-class group."""
    if not node.is_group():
        return mask_colours.read_label(read_rgba(image, node), tolerance, where)
    table = labels()
    alphas = {}
    for layer in node.get_children():
        index = naming.class_of_layer(layer.get_name(), table.CLASS_NAMES)
        if index is not None and layer.get_visible():
            alphas[index] = read_rgba(image, layer)[..., 3]
    if not alphas:
        raise PluginError(f"{where} has no class layers named like “13 Hair”; run Parse face again")
    return pixels.class_layers_to_label(alphas)


def add_result(image, above, name_prefix: str, rgba: np.ndarray):
    """A new layer ``prefix N`` holding ``rgba`` just above the layer ``above`` (in its group)."""
    parent = above.get_parent()
    position = image.get_item_position(above)
    return new_layer(image, naming.next_numbered(name_prefix, names(image)), rgba, parent, position)


def add_result_group(image, above, name_prefix: str, layers: list[np.ndarray], layer_name: str):
    """A new group ``prefix N`` just above ``above`` holding ``layers`` (the first on top, the others hidden)."""
    group = new_group(
        image, naming.next_numbered(name_prefix, names(image)), above.get_parent(), image.get_item_position(above)
    )
    for index, rgba in reversed(list(enumerate(layers))):
        layer = new_layer(image, f"{layer_name} {index + 1}", rgba, group, 0)
        layer.set_visible(index == 0)
    return group
