"""The Krita plug-in's mask_photos.py outside Krita: which photo a document's masks were made from."""

import numpy as np
import pytest
from krita_fakes import FakeDocument, FakeNode, FakeStore

from maskgan_krita import regions
from maskgan_krita.mask_photos import MaskPhotos
from maskgan_krita.photo_source import of_layer
from maskgan_krita.settings import Settings
from maskgan_plugin_common import naming
from maskgan_plugin_common.errors import PluginError


def portrait():
    """(document, its photo layer “Retouch”, the MaskGAN group) with “Background” below the photo."""
    retouch, group = FakeNode("Retouch"), FakeNode(naming.GROUP, "grouplayer", [FakeNode(naming.SOURCE_MASK)])
    root = FakeNode("root", "grouplayer", [FakeNode("Background"), retouch, group])
    return FakeDocument(root, active=root.childNodes()[0]), retouch, group


def test_the_masks_keep_their_photo_layer_whatever_is_active_and_say_when_it_is_gone():
    doc, retouch, group = portrait()
    photos = MaskPhotos(Settings(FakeStore()))
    assert photos.mask_photo(doc) == (None, None)  # masks of an earlier session: the Photo setting decides
    assert photos.line(doc) == "Photo: “Background”"  # the active layer
    photos.remember(doc, group, of_layer(retouch))
    record, layer = photos.mask_photo(doc)
    assert layer is retouch and record.layer_name == "Retouch"
    assert photos.photo(doc).source is retouch and photos.anchor(doc) is retouch
    assert photos.line(doc) == "Photo: “Retouch” (the masks were made from it)"
    retouch.remove()
    with pytest.raises(
        PluginError,
        match="“portrait”: the photo layer “Retouch” the masks were made from is gone: "
        "parse the face or import the mask again",
    ):
        photos.mask_photo(doc)
    assert photos.line(doc).startswith("“portrait”: the photo layer “Retouch”")
    assert photos.line(None) == ""


def test_a_photo_changed_since_its_masks_were_made_is_noted():
    doc, retouch, group = portrait()
    photos = MaskPhotos(Settings(FakeStore()))
    rgb = np.full((64, 64, 3), 120, np.uint8)
    photos.remember(doc, group, of_layer(retouch), regions.block_sums(rgb))
    assert photos.change_note(doc, of_layer(retouch), regions.block_sums(rgb)) == ""
    rgb[20:24, 20:30] = 0  # a stroke meant for the mask
    assert photos.change_note(doc, of_layer(retouch), regions.block_sums(rgb)) == (
        " Note: the photo layer “Retouch” changed since its masks were made (around the face): if you painted on it "
        f"by mistake, undo that and paint on “{naming.EDITED_MASK}”."
    )
    other = FakeNode("Other")
    assert (
        photos.change_note(doc, of_layer(other), regions.block_sums(rgb)) == ""
    )  # another layer sent: nothing to compare
