"""What is sent as the photo (the Photo setting), and the layer its results go above.

"layer": the photo layer the masks were made from, else the active paint layer outside what
the plug-in made (masks, results), else the bottom-most one (document_io.photo_layer);
results go right above it. "image": the document's
projection, the whole image as shown. Whatever the plug-in made that shows in it (the
mask groups, the results group, result layers) would be sent as part of the photo, so
the projection is refused while any of it shows: the user hides it, the plug-in never
changes a layer's visibility. Results then go above the topmost paint layer that shows.

Functions take Krita objects but import nothing from Krita (testable with fakes).
"""

from __future__ import annotations

from dataclasses import dataclass

from maskgan_plugin_common.errors import PluginError

from . import document_io

LISTED = 3  # shown nodes a refusal names before "and N more"
made_by_plugin = document_io.made_by_plugin


@dataclass
class Photo:
    source: object  # what is read: the photo layer, or the document (its projection)
    anchor: object  # the layer results go right above; None: the top of the document

    def read_steps(self, doc, rect, fingerprint: bool = False):
        """Generator (document_io.read_photo_steps): the photo over ``rect``, HxWx3 RGB composited on white;
        with ``fingerprint``, (that photo, its regions.block_sums)."""
        if self.source is doc:
            doc.refreshProjection()
            doc.waitForDone()  # the projection updates in the background (after a visibility change, say)
        read = document_io.read_photo_and_fingerprint_steps if fingerprint else document_io.read_photo_steps
        return (yield from read(doc, self.source, rect))


def of_layer(layer) -> Photo:
    return Photo(layer, layer)


def photo(doc, source: str, layer=None) -> Photo:
    """The photo of ``doc`` as the Photo setting ``source`` says; for "layer", ``layer`` when given (the layer the
    masks were made from), else the photo layer chosen as document_io.photo_layer does. PluginError says why it
    cannot be sent."""
    if source == "layer":
        return of_layer(layer if layer is not None else document_io.photo_layer(doc))
    shown = [node.name() for node in _shown(doc.rootNode()) if made_by_plugin(node)]
    if shown:
        names = ", ".join(f"“{name}”" for name in shown[:LISTED])
        more = f" and {len(shown) - LISTED} more" if len(shown) > LISTED else ""
        raise PluginError(
            f"{document_io.title(doc)}: the whole image as shown includes {names}{more}: hide the "
            "MaskGAN group (and result layers) to send the whole image as shown, or set Photo to Photo layer"
        )
    return Photo(doc, top_shown_paint_layer(doc))


def anchor(doc, source: str, layer=None):
    """The layer results go above, as ``photo`` would choose it, without reading pixels (Style copy sends no
    photo of the active document)."""
    return photo(doc, "layer", layer).anchor if source == "layer" else top_shown_paint_layer(doc)


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
