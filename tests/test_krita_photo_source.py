"""The Krita plug-in's photo_source.py outside Krita: what is sent as the photo (on fakes)."""

import numpy as np
import pytest
from krita_fakes import FakeDocument, FakeNode

from maskgan_plugin_common import naming


def test_what_the_plugin_made_is_known_by_name():
    from maskgan_krita.photo_source import made_by_plugin

    made = [
        FakeNode(naming.GROUP, "grouplayer"),
        FakeNode("MaskGAN replaced 2", "grouplayer"),
        FakeNode("MaskGAN results", "grouplayer"),
        FakeNode("MaskGAN edit 1"),
        FakeNode("MaskGAN style 12"),
        FakeNode("MaskGAN mask 3"),
        FakeNode("MaskGAN variants 1", "grouplayer"),
    ]
    users = [
        FakeNode("MaskGAN"),
        FakeNode("MaskGAN edit"),
        FakeNode("MaskGAN edit 1 copy"),
        FakeNode("Background"),
        FakeNode("Variant 1"),
    ]  # a paint layer named "MaskGAN" is the user's, as is a copy of a result
    assert [made_by_plugin(n) for n in made] == [True] * len(made)
    assert [made_by_plugin(n) for n in users] == [False] * len(users)


def layered_document(masks_visible, results_visible=True):
    """Background, a half-transparent "Tint" in "Group 1", a hidden "Sketch", the MaskGAN group, an earlier result."""
    tint, sketch = FakeNode("Tint"), FakeNode("Sketch", visible=False)
    background = FakeNode("Background")
    masks = FakeNode(
        naming.GROUP,
        "grouplayer",
        [FakeNode(naming.SOURCE_MASK, visible=False), FakeNode(naming.EDITED_MASK)],
        visible=masks_visible,
    )
    result = FakeNode("MaskGAN edit 1", visible=results_visible)
    root = FakeNode(
        "root", "grouplayer", [background, FakeNode("Group 1", "grouplayer", [tint]), sketch, masks, result]
    )
    projection = np.full((2, 3, 4), 255, np.uint8)
    projection[..., :3] = (10, 20, 30)
    projection[0, 0] = (0, 0, 0, 0)  # nothing there: white, as for a photo layer
    return FakeDocument(root, background, projection), tint, background


def test_the_whole_image_is_refused_while_anything_the_plugin_made_shows():
    from maskgan_krita import photo_source
    from maskgan_plugin_common.errors import PluginError

    doc, _, _ = layered_document(masks_visible=True)
    with pytest.raises(PluginError) as error:
        photo_source.photo(doc, "image")
    assert str(error.value) == (
        "“portrait”: the whole image as shown includes “MaskGAN”, “MaskGAN edit 1”: hide the MaskGAN group (and "
        "result layers) to send the whole image as shown, or set Photo to Photo layer"
    )
    assert doc.calls == []  # refused before reading anything
    doc, _, _ = layered_document(masks_visible=False)
    with pytest.raises(PluginError, match="the whole image as shown includes “MaskGAN edit 1”: hide"):
        photo_source.photo(doc, "image")
    many = FakeDocument(FakeNode("root", "grouplayer", [FakeNode(f"MaskGAN edit {i}") for i in range(1, 6)]))
    with pytest.raises(PluginError, match="includes “MaskGAN edit 1”, “MaskGAN edit 2”, “MaskGAN edit 3” and 2 more: "):
        photo_source.photo(many, "image")
    # a result inside a hidden group does not show
    hidden = FakeDocument(
        FakeNode(
            "root",
            "grouplayer",
            [
                FakeNode("Background"),
                FakeNode("MaskGAN results", "grouplayer", [FakeNode("MaskGAN edit 1")], visible=False),
            ],
        )
    )
    assert photo_source.top_shown_paint_layer(hidden).name() == "Background"


def test_the_whole_image_is_the_projection_and_results_go_above_the_top_paint_layer_shown():
    from maskgan_krita import document_io, photo_source

    doc, tint, background = layered_document(masks_visible=False, results_visible=False)
    photo = photo_source.photo(doc, "image")
    assert doc.calls == []  # chosen without reading
    image = document_io.run_now(photo.read_steps(doc, document_io.whole(doc)))
    assert doc.calls == ["refreshProjection", "waitForDone", "pixelData"]  # an up-to-date projection
    assert image.tolist() == [[[255, 255, 255], [10, 20, 30], [10, 20, 30]], [[10, 20, 30]] * 3]
    assert photo.anchor is tint  # not the hidden "Sketch" above it, nor anything of the plug-in's
    assert photo_source.anchor(doc, "image") is tint
    assert photo_source.anchor(doc, "layer") is background
    nothing_shown = FakeDocument(FakeNode("root", "grouplayer", [FakeNode("Background", visible=False)]))
    assert photo_source.anchor(nothing_shown, "image") is None  # then results go on top of the document
