"""Which photo each document's masks were made from, this session, and which photo a request sends.

Parse face and Import mask record, per MaskGAN group, the photo layer they read (None: the
whole image as shown) and its fingerprint (regions.block_sums), so that later edits send
that layer whatever is active, and say so when it changed since (paint meant for the
mask that landed on the photo). Masks from an earlier session have no record: the
Photo setting decides alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from maskgan_plugin_common import naming
from maskgan_plugin_common.errors import PluginError

from . import document_io, photo_source, regions
from .document_io import title
from .node_tree import uid, walk


@dataclass
class MaskPhoto:
    """The photo a document's masks were made from: the layer (None: the whole image as shown), and its
    fingerprint then (regions.block_sums; None until known), to notice a photo changed since."""

    layer_id: str | None
    layer_name: str
    fingerprint: tuple | None = None


class MaskPhotos:
    def __init__(self, settings):
        self.settings = settings
        self._records: dict[str, MaskPhoto] = {}  # MaskGAN group's unique id -> the photo its masks belong to

    def remember(self, doc, group, photo: photo_source.Photo, fingerprint=None) -> MaskPhoto:
        """Record that the masks of ``group`` in ``doc`` were made from ``photo`` (fingerprint: as it was then,
        if known)."""
        layer = photo.source if photo.source is not doc else None
        record = MaskPhoto(
            uid(layer) if layer is not None else None, layer.name() if layer is not None else "", fingerprint
        )
        self._records[uid(group)] = record
        return record

    def mask_photo(self, doc):
        """(MaskPhoto, its layer) of the masks of ``doc``, or (None, None) when not known (masks from an earlier
        session). PluginError when that layer is gone."""
        group = document_io.find_group(doc)
        record = self._records.get(uid(group)) if group is not None else None
        if record is None or record.layer_id is None:
            return record, None
        layer = next((node for node in walk(doc.rootNode()) if uid(node) == record.layer_id), None)
        if layer is None:
            raise PluginError(
                f"{title(doc)}: the photo layer “{record.layer_name}” the masks were made from is "
                "gone: parse the face or import the mask again"
            )
        return record, layer

    def photo(self, doc, layer=None) -> photo_source.Photo:
        """``layer`` as the photo (a batch over selected layers), or, for None, what the Photo setting says
        (with masks: the layer they were made from)."""
        document_io.check_rgba8(doc)
        if layer is not None:
            return photo_source.of_layer(layer)
        return photo_source.photo(doc, self.settings.photo_source, self.mask_photo(doc)[1])

    def anchor(self, doc):
        """The layer results go above, as the Photo setting says."""
        return photo_source.anchor(doc, self.settings.photo_source, self.mask_photo(doc)[1])

    def change_note(self, doc, photo, sums) -> str:
        """A note when the photo layer changed since its masks were made ("" when not, or not known)."""
        record, layer = self.mask_photo(doc)
        if record is None or record.fingerprint is None or layer is None or photo.source != layer:
            return ""
        changed = regions.changed_blocks(record.fingerprint, sums)
        if not changed:
            return ""
        return (
            f" Note: the photo layer “{layer.name()}” changed since its masks were made (around the face): "
            f"if you painted on it by mistake, undo that and paint on “{naming.EDITED_MASK}”."
        )

    def line(self, doc) -> str:
        """What the docker shows about the photo of ``doc`` ("" without a document)."""
        if doc is None:
            return ""
        try:
            if self.settings.photo_source == "image":
                return "Photo: the whole image as shown"
            record, layer = self.mask_photo(doc)
            if layer is not None:
                return f"Photo: “{layer.name()}” (the masks were made from it)"
            return f"Photo: “{document_io.photo_layer(doc).name()}”"
        except PluginError as error:
            return str(error)
