"""What is sent as the photo (the Photo setting), and the layer its results go above.

"layer": the active paint layer outside the MaskGAN groups, else the bottom-most one
(document_io.photo_layer); results go right above it. "image": the document's
projection, the whole image as shown. Whatever the plug-in made that shows in it (the
mask groups, the results group, result layers) would be sent as part of the photo, so
the projection is refused while any of it shows: the user hides it, the plug-in never
changes a layer's visibility. Results then go above the topmost paint layer that shows.

Functions take Krita objects but import nothing from Krita (testable with fakes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import document_io, naming, pixels
from .guard import PluginError

LISTED = 3  # shown nodes a refusal names before "and N more"


@dataclass
class Photo:
    image: np.ndarray  # HxWx3 RGB, transparent parts composited on white
    anchor: object  # the layer results go right above; None: the top of the document


def of_layer(doc, layer) -> Photo:
    return Photo(document_io.read_photo(doc, layer), layer)


def photo(doc, source: str) -> Photo:
    """The photo of ``doc`` as the Photo setting ``source`` says; PluginError says why it cannot be sent."""
    if source == "layer":
        return of_layer(doc, document_io.photo_layer(doc))
    shown = [node.name() for node in _shown(doc.rootNode()) if made_by_plugin(node)]
    if shown:
        names = ", ".join(f"“{name}”" for name in shown[:LISTED])
        more = f" and {len(shown) - LISTED} more" if len(shown) > LISTED else ""
        raise PluginError(f"“{doc.name()}”: the whole image as shown includes {names}{more}: hide the MaskGAN group "
                          "(and result layers) to send the whole image as shown, or set Photo to Active layer")
    return Photo(read_projection(doc), top_shown_paint_layer(doc))


def anchor(doc, source: str):
    """The layer results go above, as ``photo`` would choose it, without reading pixels (Style copy sends no
    photo of the active document)."""
    return document_io.photo_layer(doc) if source == "layer" else top_shown_paint_layer(doc)


def made_by_plugin(node) -> bool:
    """The MaskGAN mask groups, the results group, and the results the plug-in added (known by their names)."""
    name = node.name()
    return (node.type() == "grouplayer" and naming.is_mask_group_name(name)) or naming.is_result_name(name)


def _shown(parent):
    """The nodes under ``parent`` that show in the projection, bottom to top; what the plug-in made is yielded
    but not entered."""
    for node in parent.childNodes():
        if node.visible():
            yield node
            if not made_by_plugin(node):
                yield from _shown(node)


def top_shown_paint_layer(doc):
    """The topmost paint layer that shows, outside what the plug-in made; None when no paint layer shows."""
    layers = [node for node in _shown(doc.rootNode()) if node.type() == "paintlayer" and not made_by_plugin(node)]
    return layers[-1] if layers else None


def read_projection(doc) -> np.ndarray:
    """The whole image as shown, HxWx3 RGB composited on white."""
    doc.refreshProjection()
    doc.waitForDone()  # the projection updates in the background (after a visibility change, say)
    width, height = doc.width(), doc.height()
    return pixels.flatten_on_white(pixels.bgra_to_rgba(bytes(doc.pixelData(0, 0, width, height)), width, height))
