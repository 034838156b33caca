"""The Krita plug-in's document_io.py on fakes: the photo layer, where results go, documents' names and formats."""

import numpy as np
import pytest
from krita_fakes import FakeDocument, FakeNode

from maskgan_plugin_common import naming


def test_photo_layer_is_the_active_one_outside_the_group_else_the_bottom_most():
    from maskgan_krita import document_io
    from maskgan_plugin_common.errors import PluginError

    edited, old_edited = FakeNode(naming.EDITED_MASK), FakeNode(naming.EDITED_MASK)
    group = FakeNode(naming.GROUP, "grouplayer", [FakeNode(naming.SOURCE_MASK), edited])
    replaced = FakeNode("MaskGAN replaced 1", "grouplayer", [old_edited])  # an earlier parse, kept hidden
    background, retouch = FakeNode("Background"), FakeNode("Retouch")
    root = FakeNode("root", "grouplayer", [replaced, FakeNode("Sketches", "grouplayer", [background]), retouch, group])
    assert document_io.photo_layer(FakeDocument(root, retouch)) is retouch
    assert document_io.photo_layer(FakeDocument(root, edited)) is background  # inside the group: not a photo
    assert document_io.photo_layer(FakeDocument(root, old_edited)) is background  # nor in a replaced one
    assert document_io.photo_layer(FakeDocument(root, None)) is background
    assert document_io.layer_names(FakeDocument(root)) == [
        "MaskGAN replaced 1",
        naming.EDITED_MASK,
        "Sketches",
        "Background",
        "Retouch",
        naming.GROUP,
        naming.SOURCE_MASK,
        naming.EDITED_MASK,
    ]
    assert naming.is_mask_group_name("MaskGAN replaced 12") and not naming.is_mask_group_name("MaskGAN replaced")
    assert not naming.is_mask_group_name("MaskGAN edit 1")
    only_masks = FakeNode("root", "grouplayer", [FakeNode(naming.GROUP, "grouplayer", [FakeNode(naming.SOURCE_MASK)])])
    with pytest.raises(PluginError, match="“portrait” has no paint layer with the photo outside the MaskGAN group"):
        document_io.photo_layer(FakeDocument(only_masks))


def names(parent):
    return [n.name() for n in parent.childNodes()]


def test_results_go_above_the_photo_or_on_top_in_the_results_group_made_once():
    from maskgan_krita import document_io

    inside = FakeNode("Inside")
    background, group = FakeNode("Background"), FakeNode("Group 1", "grouplayer", [inside])
    masks = FakeNode(naming.GROUP, "grouplayer", [FakeNode(naming.SOURCE_MASK)])
    root = FakeNode("root", "grouplayer", [background, group, masks])
    doc = FakeDocument(root)
    assert document_io.result_spot(doc, inside, "above_photo") == (group, inside)
    assert document_io.result_spot(doc, None, "above_photo") == (root, None)  # no photo layer shows: the top
    assert names(root) == ["Background", "Group 1", naming.GROUP]  # nothing made for "above the photo"
    results, above = document_io.result_spot(doc, inside, "results_group")
    assert above is None and results.type() == "grouplayer" and names(root)[-1] == "MaskGAN results"
    assert document_io.result_spot(doc, background, "results_group") == (results, None)  # reused, not made again
    assert names(root) == ["Background", "Group 1", naming.GROUP, "MaskGAN results"]
    # results inside the group still count for the next number, wherever the next one goes
    results.addChildNode(FakeNode("MaskGAN edit 3"), None)
    variants = FakeNode("MaskGAN variants 2", "grouplayer", [FakeNode("Variant 1")])
    results.addChildNode(variants, None)
    assert naming.next_numbered(naming.EDIT_PREFIX, document_io.layer_names(doc)) == "MaskGAN edit 4"
    assert naming.next_numbered(naming.VARIANTS_PREFIX, document_io.layer_names(doc)) == "MaskGAN variants 3"
    assert names(results) == ["MaskGAN edit 3", "MaskGAN variants 2"]  # the newest on top
    # a user's layer that merely has the name is not the results group: a group of ours goes on top
    other = FakeDocument(FakeNode("root", "grouplayer", [FakeNode("MaskGAN results")]))
    made, _ = document_io.result_spot(other, None, "results_group")
    assert names(other.rootNode()) == ["MaskGAN results", "MaskGAN results"] and made.type() == "grouplayer"


def test_style_references_are_the_other_documents_with_masks():
    from maskgan_krita import document_io

    def document(*top_level):
        return FakeDocument(FakeNode("root", "grouplayer", list(top_level)))

    active = document(FakeNode("Background"), FakeNode(naming.GROUP, "grouplayer"))
    with_masks = document(FakeNode("Background"), FakeNode(naming.GROUP, "grouplayer"))
    replaced_only = document(FakeNode("Background"), FakeNode("MaskGAN replaced 1", "grouplayer"))
    plain = document(FakeNode("Background"))
    documents = [active, plain, with_masks, replaced_only]
    assert document_io.style_references(documents, active) == [with_masks]
    assert document_io.style_references(documents, None) == [active, with_masks]


def test_non_rgba8_documents_are_told_how_to_convert():
    from maskgan_krita import document_io
    from maskgan_plugin_common.errors import PluginError

    class Doc:
        def colorModel(self):
            return "CMYKA"

        def colorDepth(self):
            return "U8"

        def name(self):
            return "print"

    with pytest.raises(
        PluginError, match="“print” is CMYKA U8; MaskGAN needs 8-bit RGBA: convert it with Image > Convert"
    ):
        document_io.check_rgba8(Doc())


def test_selected_layers_that_cannot_be_photos_say_why():
    from maskgan_krita import document_io

    edited = FakeNode(naming.EDITED_MASK)
    group = FakeNode(naming.GROUP, "grouplayer", [FakeNode(naming.SOURCE_MASK), edited])
    photo, mask = FakeNode("Photo"), FakeNode("Transparency", "transparencymask")
    layers = FakeNode("Layers", "grouplayer", [photo, mask])
    FakeNode("root", "grouplayer", [layers, FakeNode("Logo", "vectorlayer"), FakeNode("Fill", "filllayer"), group])
    problems = {n.name(): document_io.photo_problem(n) for n in (photo, mask, layers, edited, group)}
    assert problems == {
        "Photo": None,
        "Transparency": "a mask layer, not a photo",
        "Layers": "a group layer: select the paint layers inside it",
        naming.EDITED_MASK: "part of the MaskGAN masks, not a photo",
        naming.GROUP: "part of the MaskGAN masks, not a photo",
    }
    assert document_io.photo_problem(FakeNode("Logo", "vectorlayer")) == (
        "a vector layer: convert it to a paint layer first (Layer > Convert)"
    )
    assert document_io.photo_problem(FakeNode("Fill", "filllayer")) == "a filllayer, not a paint layer"


def test_documents_are_named_by_title_else_file_else_the_active_document():
    from maskgan_krita.document_io import title

    class Named:
        def __init__(self, name, path):
            self._name, self._path = name, path

        def name(self):
            return self._name

        def fileName(self):
            return self._path

    assert title(Named("portrait", "/photos/p.png")) == "“portrait”"
    assert title(Named("", "/photos/from disk.png")) == "“from disk.png”"  # opened from disk: Krita gives no title
    assert title(Named("", "")) == "the active document"


def test_a_result_is_never_a_photo_even_when_active():
    from maskgan_krita import document_io

    background = FakeNode("Background")
    edit = FakeNode("MaskGAN edit 1")
    variant = FakeNode("Variant 1")
    inside_results = FakeNode("Retouch")
    root = FakeNode(
        "root",
        "grouplayer",
        [
            background,
            edit,
            FakeNode("MaskGAN variants 1", "grouplayer", [variant]),
            FakeNode("MaskGAN results", "grouplayer", [inside_results]),
        ],
    )
    assert document_io.photo_problem(edit) == "a MaskGAN result, not a photo"
    assert document_io.photo_problem(variant) == "a MaskGAN result, not a photo"
    assert document_io.photo_problem(inside_results) == "a MaskGAN result, not a photo"
    for active in (edit, variant, inside_results):
        assert document_io.photo_layer(FakeDocument(root, active)) is background


def test_a_result_is_written_only_where_it_covers():
    from maskgan_krita.document_io import opaque_part

    layer = np.zeros((40, 60, 4), np.uint8)
    layer[10:15, 20:30] = 200
    other = np.zeros_like(layer)
    other[12:20, 25:28] = 100
    (part_a, part_b), origin = opaque_part([layer, other], (100, 50))
    assert origin == (120, 60) and part_a.shape == part_b.shape == (10, 10, 4)
    assert (part_a[:5] == 200).all() and part_b[2:, 5:8, 3].min() == 100


def run_by_step(doc, steps):
    """Run a generator of steps to its end: (its value, [what the document logged during each step])."""
    turns = []
    while True:
        start = len(doc.io)
        try:
            next(steps)
        except StopIteration as done:
            turns.append(doc.io[start:])
            return done.value, turns
        turns.append(doc.io[start:])


def large_document():
    """A 900x700 document with a photo layer, and a face's label map on it (the rest background)."""
    doc = FakeDocument(FakeNode("root", "grouplayer"), projection=np.zeros((700, 900, 4), np.uint8))
    doc.rootNode().addChildNode(doc.createNode("Background", "paintlayer"), None)
    label = np.zeros((700, 900), np.uint8)
    label[100:650, 150:800] = 1
    label[200:300, 300:700] = 13
    label[400:420, 200:780] = 4
    return doc, label


def pixels_per_step(turns, kind):
    return [sum(amount for what, amount in turn if what == kind) for turn in turns]


@pytest.mark.parametrize("mode", ["colour", "classes"])
def test_the_mask_group_is_written_band_by_band_and_joins_the_document_at_once(mode):
    from maskgan_krita import document_io
    from maskgan_plugin_common.bands import BAND_PIXELS
    from maskgan_plugin_common.label_table import labels

    doc, label = large_document()
    group, turns = run_by_step(doc, document_io.create_mask_group_steps(doc, label, mode))
    written = pixels_per_step(turns, "write")
    assert max(written) <= BAND_PIXELS and sum(written) >= 550 * 650 * (2 if mode == "colour" else 19)
    adds = [(index, entry) for index, turn in enumerate(turns) for entry in turn if entry[0] == "add"]
    assert adds == [(len(turns) - 2, ("add", naming.GROUP))]  # once, whole, after every write; then a last step
    assert turns[-1] == [] and not any(entry[0] == "write" for entry in turns[-2])
    assert names(doc.rootNode()) == ["Background", naming.GROUP]
    assert document_io.edited_mode(doc) == mode
    tolerance = labels().DEFAULT_COLOR_TOLERANCE
    assert np.array_equal(document_io.read_source_mask(doc, tolerance), label)
    assert np.array_equal(document_io.read_edited_mask(doc, tolerance), label)
    source = document_io.child(group, naming.SOURCE_MASK)
    assert source.locked() and not source.visible()


def test_variants_are_filled_outside_the_document_and_join_it_as_one_group():
    """Each addChildNode redraws the whole image in Krita: the variants' group joins once, after every write."""
    from maskgan_krita import document_io

    doc, _ = large_document()
    background = doc.rootNode().childNodes()[0]
    layers = np.zeros((3, 300, 400, 4), np.uint8)
    layers[:, 50:250, 100:300] = (10, 20, 30, 255)
    added = []
    steps = document_io.add_result_group_steps(doc, (doc.rootNode(), background), list(layers), (200, 100), added)
    group, turns = run_by_step(doc, steps)
    adds = [(index, entry) for index, turn in enumerate(turns) for entry in turn if entry[0] == "add"]
    assert adds == [(len(turns) - 1, ("add", "MaskGAN variants 1"))]
    assert added == [group] and names(doc.rootNode()) == ["Background", "MaskGAN variants 1"]
    assert [node.name() for node in group.childNodes()] == ["Variant 1", "Variant 2", "Variant 3"]
    assert [node.visible() for node in group.childNodes()] == [True, False, False]


def test_a_mask_group_closed_after_it_joined_is_taken_away_and_the_replaced_one_restored():
    from maskgan_krita import document_io

    doc, label = large_document()
    first = document_io.create_mask_group(doc, label, "colour")
    doc.io.clear()
    steps = document_io.create_mask_group_steps(doc, label, "colour")
    while ("add", naming.GROUP) not in doc.io[-1:]:
        next(steps)
    assert names(doc.rootNode()) == ["Background", "MaskGAN replaced 1", naming.GROUP] and not first.visible()
    steps.close()  # Cancel
    assert names(doc.rootNode()) == ["Background", naming.GROUP] and first.visible()
    assert document_io.find_group(doc) is first


def test_the_editable_mask_converts_in_bands_and_keeps_its_label():
    from maskgan_krita import document_io
    from maskgan_plugin_common.bands import BAND_PIXELS
    from maskgan_plugin_common.label_table import labels

    doc, label = large_document()
    group = document_io.create_mask_group(doc, label, "colour")
    tolerance = labels().DEFAULT_COLOR_TOLERANCE
    for mode, name in (("classes", naming.CLASS_LAYERS_GROUP), ("colour", naming.EDITED_MASK)):
        doc.io.clear()
        node, turns = run_by_step(doc, document_io.convert_edited_steps(doc, mode, tolerance))
        assert max(pixels_per_step(turns, "read")) <= BAND_PIXELS
        assert sum(pixels_per_step(turns, "read")) < 900 * 700 * (1 if mode == "classes" else 18)  # the face only
        assert max(pixels_per_step(turns, "write")) <= BAND_PIXELS
        assert names(group) == [naming.SOURCE_MASK, name] and node.name() == name
        assert np.array_equal(document_io.read_edited_mask(doc, tolerance), label)


def test_a_conversion_closed_before_the_old_mask_left_keeps_it():
    from maskgan_krita import document_io
    from maskgan_plugin_common.label_table import labels

    doc, label = large_document()
    group = document_io.create_mask_group(doc, label, "colour")
    doc.io.clear()
    steps = document_io.convert_edited_steps(doc, "classes", labels().DEFAULT_COLOR_TOLERANCE)
    while ("add", naming.CLASS_LAYERS_GROUP) not in doc.io[-1:]:
        next(steps)
    assert names(group) == [naming.SOURCE_MASK, naming.EDITED_MASK, naming.CLASS_LAYERS_GROUP]
    steps.close()
    assert names(group) == [naming.SOURCE_MASK, naming.EDITED_MASK] and document_io.edited_mode(doc) == "colour"


def test_an_image_file_is_decoded_on_a_thread_while_steps_go_on(monkeypatch):
    import threading

    from maskgan_krita import document_io
    from maskgan_plugin_common.errors import PluginError

    decoded, release = np.zeros((2, 3, 4), np.uint8), threading.Event()

    def slow_read(path):
        release.wait(10)
        if path == "bad.png":
            raise PluginError("could not read an image from bad.png")
        return decoded

    monkeypatch.setattr(document_io, "read_image_file", slow_read)
    steps = document_io.read_image_file_steps("mask.png")
    for _ in range(3):
        next(steps)  # the file is not decoded yet: the event loop goes on
    release.set()
    assert document_io.run_now(steps) is decoded
    with pytest.raises(PluginError, match="could not read an image from bad.png"):
        document_io.run_now(document_io.read_image_file_steps("bad.png"))


def test_layers_added_in_steps_at_once_are_numbered_as_they_join():
    """A batch adds several results at once, each in steps: each is numbered when it joins the document."""
    from maskgan_krita import document_io
    from maskgan_plugin_common import pixels

    doc, label = large_document()
    spot = (doc.rootNode(), None)
    image = np.zeros((40, 60, 3), np.uint8)
    masks = [document_io.add_mask_layer_steps(doc, None, label, []) for _ in range(2)]
    styles = [document_io.add_layer_steps(doc, spot, naming.STYLE_PREFIX, image, pixels.opaque, []) for _ in range(2)]
    results = [
        document_io.add_result_layer_steps(
            doc, spot, np.full((40, 60, 4), 255, np.uint8), naming.EDIT_PREFIX, (0, 0), []
        )
        for _ in range(2)
    ]
    for steps in (masks, styles, results):
        next(steps[0]), next(steps[1])  # both started before either joins
        document_io.run_now(steps[1]), document_io.run_now(steps[0])
    assert names(doc.rootNode()) == [
        "Background",
        "MaskGAN mask 1",
        "MaskGAN mask 2",
        "MaskGAN style 1",
        "MaskGAN style 2",
        "MaskGAN edit 1",
        "MaskGAN edit 2",
    ]
    assert doc.rootNode().childNodes()[1].opacity() == naming.EDITED_MASK_OPACITY


def test_a_layer_numbered_while_another_is_being_added_takes_the_next_number():
    """Krita turns its event loop inside addChildNode: another result's step may number its layer then."""
    from maskgan_krita import document_io
    from maskgan_plugin_common import pixels

    doc, _ = large_document()
    other, _ = large_document()  # another document of the batch: its numbers are its own
    image = np.zeros((40, 60, 3), np.uint8)
    first, second, elsewhere = (
        document_io.add_layer_steps(
            document, (document.rootNode(), None), naming.STYLE_PREFIX, image, pixels.opaque, []
        )
        for document in (doc, doc, other)
    )
    add = doc.rootNode().addChildNode

    def add_with_event_loop(node, above):
        if node.name() == "MaskGAN style 1":  # the first, on its way in: the others' steps run meanwhile
            document_io.run_now(second)
            document_io.run_now(elsewhere)
        add(node, above)

    doc.rootNode().addChildNode = add_with_event_loop
    document_io.run_now(first)
    assert sorted(names(doc.rootNode())) == ["Background", "MaskGAN style 1", "MaskGAN style 2"]
    assert names(other.rootNode()) == ["Background", "MaskGAN style 1"]
