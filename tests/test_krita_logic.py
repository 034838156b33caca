"""The Krita plug-in's pure logic, outside Krita (pixels, masks, names)."""

import numpy as np
import pytest

from maskgan.labels import CLASS_NAMES, DEFAULT_COLOR_TOLERANCE, PALETTE, MaskColorError, color_to_label
from maskgan_krita import naming, pixels


def test_bgra_round_trip_swaps_channels():
    rgba = np.array([[[1, 2, 3, 4], [5, 6, 7, 8]]], np.uint8)
    data = pixels.rgba_to_bgra(rgba)
    assert data == bytes([3, 2, 1, 4, 7, 6, 5, 8])
    assert np.array_equal(pixels.bgra_to_rgba(data, 2, 1), rgba)
    with pytest.raises(ValueError, match="expected 8 bytes of 8-bit RGBA pixels for 2x1, got 7"):
        pixels.bgra_to_rgba(data[:7], 2, 1)


def test_flatten_on_white():
    rgba = np.array([[[200, 100, 0, 255], [200, 100, 0, 0], [0, 0, 0, 128]]], np.uint8)
    assert pixels.flatten_on_white(rgba).tolist() == [[[200, 100, 0], [255, 255, 255], [127, 127, 127]]]


def test_colour_layer_transparent_is_background_and_edges_snap():
    label = np.array([[1, 1, 13, 13]], np.uint8)
    layer = pixels.label_to_colour_layer(label)
    layer[0, 1, :3] = (PALETTE[1] * 0.7 + PALETTE[13] * 0.3).astype(np.uint8)  # soft brush edge
    layer[0, 3, 3] = 0  # erased
    assert pixels.colour_layer_to_label(layer, DEFAULT_COLOR_TOLERANCE).tolist() == [[1, 1, 13, 0]]
    layer[0, 0, :3] = (128, 128, 128)
    with pytest.raises(MaskColorError, match="RGB\\(128, 128, 128\\) x1"):
        pixels.colour_layer_to_label(layer, DEFAULT_COLOR_TOLERANCE)


def test_class_layers_round_trip_later_class_wins():
    label = np.array([[0, 1, 2], [13, 17, 18]], np.uint8)
    alphas = {c: pixels.label_to_class_layer(label, c)[..., 3] for c in range(19)}
    assert np.array_equal(pixels.class_layers_to_label(alphas), label)
    alphas[1] = np.full((2, 3), 255, np.uint8)  # skin painted everywhere: later classes stay on top
    assert pixels.class_layers_to_label(alphas).tolist() == [[1, 1, 2], [13, 17, 18]]


def test_next_numbered_and_class_layer_names():
    assert naming.next_numbered("MaskGAN edit", []) == "MaskGAN edit 1"
    existing = ["MaskGAN edit 1", "MaskGAN edit 7", "MaskGAN edit x", "Background"]
    assert naming.next_numbered("MaskGAN edit", existing) == "MaskGAN edit 8"
    name = naming.class_layer_name(13, CLASS_NAMES)
    assert name == "13 Hair" and naming.class_of_layer(name, CLASS_NAMES) == 13
    assert naming.class_of_layer("13 Hat", CLASS_NAMES) is None
    assert naming.class_of_layer("Background", CLASS_NAMES) is None


# --- settings, batch queue, daemon start command, layer choice (no Krita needed) ---------

class FakeStore:
    """Krita's readSetting/writeSetting over a dict, as kritarc stores them (strings)."""

    def __init__(self):
        self.values = {}

    def readSetting(self, group, name, default):
        return self.values.get((group, name), default)

    def writeSetting(self, group, name, value):
        self.values[(group, name)] = value


def test_settings_persist_as_strings_with_typed_defaults_and_bounds():
    from maskgan_krita.settings import Settings

    store = FakeStore()
    settings = Settings(store)
    assert (settings.endpoint, settings.auto_start, settings.feather, settings.variants, settings.mask_mode,
            settings.batch_scope, settings.colour_tolerance) == ("", False, 8, 4, "colour", "documents", 24)
    assert (settings.precision, settings.result_place, settings.photo_source) == ("auto", "above_photo", "layer")
    assert settings.look == -1 and settings.looks_from_style is False  # automatic, built-in looks
    assert settings.method == "auto"  # the photo's own pixels first
    assert settings.colour_tolerance == DEFAULT_COLOR_TOLERANCE
    settings.endpoint, settings.auto_start, settings.feather, settings.mask_mode = " ipc:///x ", True, 12, "classes"
    settings.batch_scope, settings.colour_tolerance, settings.look, settings.looks_from_style = "layers", 31, 3, True
    settings.precision, settings.result_place, settings.photo_source = "bf16", "results_group", "image"
    settings.method = "generate"
    again = Settings(store)
    assert again.method == "generate" and store.values[("MaskGAN", "method")] == "generate"
    with pytest.raises(ValueError, match="method must be one of"):
        settings.method = "liquify"
    assert (again.endpoint, again.auto_start, again.feather, again.mask_mode, again.batch_scope,
            again.colour_tolerance) == ("ipc:///x", True, 12, "classes", "layers", 31)
    assert (again.precision, again.result_place, again.photo_source) == ("bf16", "results_group", "image")
    assert (store.values[("MaskGAN", "precision")], store.values[("MaskGAN", "result_place")],
            store.values[("MaskGAN", "photo_source")]) == ("bf16", "results_group", "image")
    assert store.values[("MaskGAN", "feather")] == "12" and again.look == 3 and again.looks_from_style is True
    assert store.values[("MaskGAN", "colour_tolerance")] == "31"
    store.values[("MaskGAN", "variants")] = "99"
    store.values[("MaskGAN", "feather")] = "lots"
    store.values[("MaskGAN", "colour_tolerance")] = "500"
    store.values[("MaskGAN", "batch_scope")] = "everything"
    store.values[("MaskGAN", "look")] = "40"
    assert (again.variants, again.feather, again.colour_tolerance, again.batch_scope) == (16, 8, 50, "documents")
    assert again.look == 16
    store.values[("MaskGAN", "precision")] = "fp16"  # edited by hand, or from another version: the defaults
    store.values[("MaskGAN", "result_place")] = "elsewhere"
    store.values[("MaskGAN", "photo_source")] = ""
    assert (again.precision, again.result_place, again.photo_source) == ("auto", "above_photo", "layer")
    with pytest.raises(ValueError, match="precision must be one of \\('auto', 'fp32', 'bf16'\\), got 'fp16'"):
        again.precision = "fp16"
    with pytest.raises(ValueError, match="result place must be one of"):
        again.result_place = "group"
    with pytest.raises(ValueError, match="photo source must be one of"):
        again.photo_source = "projection"
    with pytest.raises(ValueError, match="mask mode must be one of"):
        again.mask_mode = "both"
    with pytest.raises(ValueError, match="batch scope must be one of \\('documents', 'layers'\\), got 'all'"):
        again.batch_scope = "all"


def test_batch_keeps_a_few_items_in_flight_and_reports_each():
    from maskgan_krita.jobs import CANCELLED, DONE, FAILED, RUNNING, Batch, Item

    batch = Batch("Batch apply", "applied", [Item(f"“{name}”") for name in "abcde"], in_flight=2)
    first = batch.start_next()
    assert [i.label for i in first] == ["“a”", "“b”"] and batch.start_next() == []  # two at once, no more
    first[0].step, first[0].message = 0.5, "blending"
    assert batch.lines() == ["“a”: 50 % (blending)", "“b”: 0 %", "“c”: waiting", "“d”: waiting", "“e”: waiting"]
    assert batch.progress() == 0.5 / 5
    batch.finish(first[1], FAILED, "no face")  # an item may end before an earlier one
    assert [i.label for i in batch.start_next()] == ["“c”"]
    batch.finish(first[0], DONE)
    batch.finish(batch.items[2], FAILED, "“c”: the mask has 16 pixels in 1 colour that match no class")
    assert [i.label for i in batch.start_next()] == ["“d”", "“e”"]
    assert not batch.over and batch.progress() == 3 / 5
    assert batch.stop() == batch.items[3:]  # the running ones, for the daemon to cancel
    assert batch.start_next() == [] and not batch.over
    for item in batch.items[3:]:
        assert item.state == RUNNING
        batch.finish(item, CANCELLED, "cancelled while running")
    assert batch.over and batch.progress() == 1.0
    assert batch.lines()[:3] == ["“a”: applied", "“b”: failed", "“c”: failed"]
    # a message that already names its document is not prefixed twice
    assert batch.summary() == ("Batch apply: 1 of 5 applied; 2 failed: “b”: no face; "
                               "“c”: the mask has 16 pixels in 1 colour that match no class; 2 cancelled")
    with pytest.raises(ValueError, match="an item finishes as one of"):
        batch.finish(batch.items[0], RUNNING)


def test_cancelling_a_batch_before_it_runs_cancels_every_item():
    from maskgan_krita.jobs import Batch, Item

    batch = Batch("Batch parse", "parsed", [Item("“a”"), Item("“b”")])
    assert batch.stop() == [] and batch.over
    assert batch.lines() == ["“a”: cancelled", "“b”: cancelled"]
    assert batch.summary() == "Batch parse: 0 of 2 parsed; 2 cancelled"


def test_skipped_items_are_never_sent_and_the_summary_names_each_reason_once():
    from maskgan_krita.jobs import FAILED, SKIPPED, Batch, Item

    group = Item("“Group 1”", state=SKIPPED, message="a group layer: select the paint layers inside it")
    vector = Item("“Logo”", state=SKIPPED, message="a vector layer: convert it to a paint layer first (Layer > Convert)")
    photos = [Item("“A”"), Item("“B”"), Item("“C”")]
    batch = Batch("Batch apply on “frames”", "applied", [group, photos[0], vector, photos[1], photos[2]], in_flight=2)
    assert batch.start_next() == photos[:2]  # skipped items are finished from the start
    assert batch.lines() == ["“Group 1”: skipped", "“A”: 0 %", "“Logo”: skipped", "“B”: 0 %", "“C”: waiting"]
    assert batch.progress() == 2 / 5
    # the daemon stopped answering: the running items fail, the one not sent yet fails alike
    lost = "the daemon stopped answering; start it again from the docker"
    assert batch.stop(FAILED, lost) == photos[:2]
    for item in photos[:2]:
        batch.finish(item, FAILED, lost)
    assert batch.over and batch.start_next() == []
    assert batch.lines()[-1] == "“C”: failed"
    assert batch.summary() == (
        "Batch apply on “frames”: 0 of 5 applied; 2 skipped: “Group 1”: a group layer: select the paint layers inside "
        "it; “Logo”: a vector layer: convert it to a paint layer first (Layer > Convert); 3 failed: “A”, “B”, “C”: "
        "the daemon stopped answering; start it again from the docker")


def test_parse_message_names_the_parser_the_face_and_what_to_paint():
    from maskgan_krita import messages

    result = {"parser": "landmark parser", "faces": [[0, 0, 9, 9], [20, 0, 25, 5]], "face": 1,
              "unseen": ["eye_g", "hat", "not_a_class"], "notes": ["2 faces found"]}
    assert messages.parsed(result) == (
        "Parsed face 2 of 2 with the landmark parser. It never marks Eyeglasses, Hat: where the photo shows them, "
        "paint them on both masks (unlock “Source mask (locked)”) before you edit. Note: 2 faces found.")
    learned = {"parser": "learned parser (synthetic)", "faces": [[0, 0, 96, 96]], "face": 0, "unseen": [], "notes": []}
    assert messages.parsed(learned) == ("Parsed face 1 of 1 with the learned parser (synthetic). "
                                        "Paint your edit on “Edited mask”, then Apply edit.")


def test_daemon_start_command_comes_from_daemon_json(tmp_path):
    from maskgan_krita.daemon_launch import start_command
    from maskgan_krita.guard import PluginError

    config = tmp_path / "daemon.json"
    config.write_text('{"command": ["/py", "-m", "maskgan", "daemon"]}')
    assert start_command("ipc:///e", "bf16", config) == [
        "/py", "-m", "maskgan", "daemon", "start", "--detach", "--precision", "bf16", "--endpoint", "ipc:///e"]
    assert start_command("", "auto", config)[-4:] == ["start", "--detach", "--precision", "auto"]
    with pytest.raises(PluginError, match="daemon.json is missing or broken.*run `maskgan install krita` again"):
        start_command("", "auto", tmp_path / "gone" / "daemon.json")


def test_the_connection_line_names_the_precision_and_a_different_setting_is_noted():
    from maskgan_krita import messages

    hello = {"version": "0.1.0", "device": "cpu", "precision": "fp32", "model": {"name": "demo"}}
    assert messages.connected(hello) == "Connected: MaskGAN 0.1.0 on cpu (fp32), demo"
    assert messages.connected({"version": "0.0.9", "device": "cuda", "model": {}}) == (
        "Connected: MaskGAN 0.0.9 on cuda, unnamed model")  # a daemon that does not report its precision
    assert messages.precision_note("bf16", hello) == (
        "The daemon runs in fp32; the Precision setting bf16 applies when the docker starts the daemon next "
        "(stop this one with `maskgan daemon stop`, then press Start daemon)")
    assert messages.precision_note("fp32", hello) == ""  # the same
    assert messages.precision_note("auto", hello) == ""  # auto accepts whatever the daemon chose
    assert messages.precision_note("bf16", None) == ""  # no daemon connected: nothing to compare


def test_the_edit_message_says_which_added_parts_came_from_a_look():
    from maskgan_krita import messages

    assert messages.drawn_looks({}) == ""
    assert messages.drawn_looks({"eye_g": "look 2", "hat": "look 2"}) == (
        "; drew the added eyeglasses from look 2, hat from look 2 (Look of added parts: 0 for the photo's own style)")
    assert messages.drawn_looks({"eye_g": "look 1", "wings": "look 1"}) == (  # a newer daemon's class: left out
        "; drew the added eyeglasses from look 1 (Look of added parts: 0 for the photo's own style)")
    assert messages.drawn_looks({"hat": "the reference face"}) == "; drew the added hat from the reference face"


def test_the_edit_message_says_how_each_region_was_made():
    from maskgan_krita import messages

    assert messages.routes_taken({}) == ""
    assert messages.routes_taken({"transferred": {"u_lip": 117}, "moved": {"u_lip": 64, "l_lip": 186}}) == (
        "; moved lower lip, upper lip; transferred upper lip")  # in the daemon's order, largest part first
    assert messages.routes_taken({"drawn": {"eye_g": 984, "wings": 3}}) == "; drawn eyeglasses"  # a newer class: left out


def test_guarded_slots_report_instead_of_raising():
    from maskgan_krita.guard import PluginError, guarded

    said = []

    @guarded(said.append)
    def apply_edit():
        raise PluginError("open a photo first")

    @guarded(said.append)
    def broken():
        raise KeyError("layer")

    apply_edit()
    broken()
    assert said == ["open a photo first", "broken failed: KeyError: 'layer'"]


class FakeNode:
    """The few Krita Node methods the plug-in uses for choosing and placing layers (children bottom to top)."""

    def __init__(self, name, kind="paintlayer", children=(), visible=True):
        self._name, self._kind, self._children, self._parent, self._visible = name, kind, list(children), None, visible
        for node in self._children:
            node._parent = self

    def name(self):
        return self._name

    def type(self):
        return self._kind

    def childNodes(self):
        return self._children

    def parentNode(self):
        return self._parent

    def visible(self):
        return self._visible

    def addChildNode(self, node, above):
        """As Krita's: right above ``above``, or on top for None."""
        self._children.insert(self._children.index(above) + 1 if above is not None else len(self._children), node)
        node._parent = self


class FakeDocument:
    """A document whose projection is ``projection`` (RGBA), read only after refreshProjection and waitForDone."""

    def __init__(self, root, active=None, projection=None):
        self._root, self._active, self._projection, self.calls = root, active, projection, []

    def rootNode(self):
        return self._root

    def activeNode(self):
        return self._active

    def name(self):
        return "portrait"

    def createGroupLayer(self, name):
        return FakeNode(name, "grouplayer")

    def width(self):
        return self._projection.shape[1]

    def height(self):
        return self._projection.shape[0]

    def refreshProjection(self):
        self.calls.append("refreshProjection")

    def waitForDone(self):
        self.calls.append("waitForDone")

    def pixelData(self, x, y, width, height):
        assert (x, y, width, height) == (0, 0, self.width(), self.height())
        self.calls.append("pixelData")
        return pixels.rgba_to_bgra(self._projection)


def test_photo_layer_is_the_active_one_outside_the_group_else_the_bottom_most():
    from maskgan_krita import document_io
    from maskgan_krita.guard import PluginError

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
        "MaskGAN replaced 1", naming.EDITED_MASK, "Sketches", "Background", "Retouch", naming.GROUP,
        naming.SOURCE_MASK, naming.EDITED_MASK]
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


def test_what_the_plugin_made_is_known_by_name():
    from maskgan_krita.photo_source import made_by_plugin

    made = [FakeNode(naming.GROUP, "grouplayer"), FakeNode("MaskGAN replaced 2", "grouplayer"),
            FakeNode("MaskGAN results", "grouplayer"), FakeNode("MaskGAN edit 1"), FakeNode("MaskGAN style 12"),
            FakeNode("MaskGAN mask 3"), FakeNode("MaskGAN variants 1", "grouplayer")]
    users = [FakeNode("MaskGAN"), FakeNode("MaskGAN edit"), FakeNode("MaskGAN edit 1 copy"), FakeNode("Background"),
             FakeNode("Variant 1")]  # a paint layer named "MaskGAN" is the user's, as is a copy of a result
    assert [made_by_plugin(n) for n in made] == [True] * len(made)
    assert [made_by_plugin(n) for n in users] == [False] * len(users)


def layered_document(masks_visible, results_visible=True):
    """Background, a half-transparent "Tint" in "Group 1", a hidden "Sketch", the MaskGAN group, an earlier result."""
    tint, sketch = FakeNode("Tint"), FakeNode("Sketch", visible=False)
    background = FakeNode("Background")
    masks = FakeNode(naming.GROUP, "grouplayer", [FakeNode(naming.SOURCE_MASK, visible=False),
                                                   FakeNode(naming.EDITED_MASK)], visible=masks_visible)
    result = FakeNode("MaskGAN edit 1", visible=results_visible)
    root = FakeNode("root", "grouplayer", [background, FakeNode("Group 1", "grouplayer", [tint]), sketch, masks, result])
    projection = np.full((2, 3, 4), 255, np.uint8)
    projection[..., :3] = (10, 20, 30)
    projection[0, 0] = (0, 0, 0, 0)  # nothing there: white, as for a photo layer
    return FakeDocument(root, background, projection), tint, background


def test_the_whole_image_is_refused_while_anything_the_plugin_made_shows():
    from maskgan_krita import photo_source
    from maskgan_krita.guard import PluginError

    doc, _, _ = layered_document(masks_visible=True)
    with pytest.raises(PluginError) as error:
        photo_source.photo(doc, "image")
    assert str(error.value) == (
        "“portrait”: the whole image as shown includes “MaskGAN”, “MaskGAN edit 1”: hide the MaskGAN group (and "
        "result layers) to send the whole image as shown, or set Photo to Photo layer")
    assert doc.calls == []  # refused before reading anything
    doc, _, _ = layered_document(masks_visible=False)
    with pytest.raises(PluginError, match="the whole image as shown includes “MaskGAN edit 1”: hide"):
        photo_source.photo(doc, "image")
    many = FakeDocument(FakeNode("root", "grouplayer", [FakeNode(f"MaskGAN edit {i}") for i in range(1, 6)]))
    with pytest.raises(PluginError, match="includes “MaskGAN edit 1”, “MaskGAN edit 2”, “MaskGAN edit 3” and 2 more: "):
        photo_source.photo(many, "image")
    # a result inside a hidden group does not show
    hidden = FakeDocument(FakeNode("root", "grouplayer", [
        FakeNode("Background"), FakeNode("MaskGAN results", "grouplayer", [FakeNode("MaskGAN edit 1")], visible=False)]))
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
    from maskgan_krita.guard import PluginError

    class Doc:
        def colorModel(self):
            return "CMYKA"

        def colorDepth(self):
            return "U8"

        def name(self):
            return "print"

    with pytest.raises(PluginError, match="“print” is CMYKA U8; MaskGAN needs 8-bit RGBA: convert it with Image > Convert"):
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
        "Photo": None, "Transparency": "a mask layer, not a photo",
        "Layers": "a group layer: select the paint layers inside it",
        naming.EDITED_MASK: "part of the MaskGAN masks, not a photo", naming.GROUP: "part of the MaskGAN masks, not a photo"}
    assert document_io.photo_problem(FakeNode("Logo", "vectorlayer")) == (
        "a vector layer: convert it to a paint layer first (Layer > Convert)")
    assert document_io.photo_problem(FakeNode("Fill", "filllayer")) == "a filllayer, not a paint layer"


# --- colour tolerance -------------------------------------------------------------------------

def painted(label, colours):
    """RGBA colour mask of ``label`` with some pixels repainted: {(row, column): rgb}."""
    rgba = pixels.label_to_colour_layer(label)
    for (row, column), rgb in colours.items():
        rgba[row, column] = (*rgb, 255)  # painted: opaque
    return rgba


def test_off_palette_colours_name_the_nearest_class_and_the_tolerance_that_reads_them():
    from maskgan_krita import mask_colours
    from maskgan_krita.guard import PluginError

    label = np.zeros((4, 8), np.uint8)
    label[:, 4:] = 13  # background and hair
    off = {(0, 0): (6, 5, 2), (0, 1): (6, 5, 2), (1, 5): (0, 5, 216)}  # near black (8.1), near hair (13.0)
    rgba = painted(label, off)
    with pytest.raises(PluginError) as error:
        mask_colours.read_label(rgba, 4, "“portrait”: “Edited mask”")
    assert str(error.value) == (
        "“portrait”: “Edited mask” has 3 pixels off the palette, in 2 colours: "
        "RGB(6, 5, 2) x2 (nearest Background, distance 8.1), RGB(0, 5, 216) x1 (nearest Hair, distance 13.0). "
        "Repaint them with a hard brush in the palette colours, or raise Colour tolerance (now 4) to at least 13.")
    assert mask_colours.tolerance_needed(rgba, 4) == 13
    with pytest.raises(PluginError, match="to at least 13"):
        mask_colours.read_label(rgba, 12, "mask")  # the value the message names is the smallest that works
    assert np.array_equal(mask_colours.read_label(rgba, 13, "mask"), label)


def test_the_tolerance_needed_counts_blends_of_painted_classes():
    from maskgan_krita import mask_colours

    label = np.array([[1, 1, 9, 9]], np.uint8)  # skin (204, 0, 0) and right ear (255, 0, 0)
    rgba = painted(label, {(0, 1): (228, 6, 3)})  # 6.7 off the blend of the two, 24.9 and 27.8 off their colours
    assert mask_colours.tolerance_needed(rgba, 2) == 7
    with pytest.raises(MaskColorError):
        color_to_label(pixels.mask_colours(rgba), 6)
    assert color_to_label(pixels.mask_colours(rgba), 7).tolist() == [[1, 1, 9, 9]]


def test_colours_no_allowed_tolerance_reads_say_repaint_only():
    from maskgan_krita import mask_colours
    from maskgan_krita.guard import PluginError

    label = np.zeros((3, 3), np.uint8)
    many = {(0, 0): (250, 0, 250), (0, 1): (250, 0, 250), (0, 2): (128, 128, 128), (1, 0): (40, 40, 40),
            (1, 1): (20, 20, 20), (1, 2): (30, 30, 30)}
    rgba = painted(label, many)
    assert mask_colours.tolerance_needed(rgba, 24) is None  # two colours are more than 50 from every class
    with pytest.raises(PluginError) as error:
        mask_colours.read_label(rgba, 24, "“mask.png”")
    assert str(error.value) == (
        "“mask.png” has 6 pixels off the palette, in 5 colours: RGB(250, 0, 250) x2 (nearest Right eye, distance 65.1), "
        "RGB(20, 20, 20) x1 (nearest Background, distance 34.6), RGB(30, 30, 30) x1 (nearest Necklace, distance 47.3), "
        "RGB(40, 40, 40) x1 (nearest Necklace, distance 57.6) and 1 more. Repaint them with a hard brush in the "
        "palette colours: no Colour tolerance up to 50 accepts them all.")
    assert mask_colours.tolerance_needed(rgba, 50) is None  # nothing above the top of the range


# --- issue 18: what a retoucher hit on real photos -------------------------------------------------

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
    root = FakeNode("root", "grouplayer", [background, edit, FakeNode("MaskGAN variants 1", "grouplayer", [variant]),
                                           FakeNode("MaskGAN results", "grouplayer", [inside_results])])
    assert document_io.photo_problem(edit) == "a MaskGAN result, not a photo"
    assert document_io.photo_problem(variant) == "a MaskGAN result, not a photo"
    assert document_io.photo_problem(inside_results) == "a MaskGAN result, not a photo"
    for active in (edit, variant, inside_results):
        assert document_io.photo_layer(FakeDocument(root, active)) is background


def test_the_face_region_grows_the_masks_bounds_and_stays_in_the_document():
    from maskgan_krita.regions import Rect, face_region

    assert face_region(Rect(1000, 800, 400, 200), 4000, 3000) == Rect(700, 500, 1000, 800)  # 0.75 x 400 each side
    assert face_region(Rect(10, 20, 400, 200), 4000, 3000) == Rect(0, 0, 710, 520)  # clipped at the corner
    assert face_region(Rect(0, 0, 0, 0), 64, 48) == Rect(0, 0, 64, 48)  # no masks' bounds: all of it
    bands = list(Rect(5, 7, 100, 250).bands(pixels=1000, rows_multiple=4))
    assert sum(b.height for b in bands) == 250 and all(b.height % 4 == 0 for b in bands[:-1])
    assert all(b.x == 5 and b.width == 100 for b in bands)


def test_a_stroke_on_the_photo_changes_its_fingerprint_where_it_landed():
    from maskgan_krita.regions import block_sums, changed_blocks

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)
    before = block_sums(photo)
    assert before[1].shape == (4, 7, 3)  # whole 64 px blocks of the document grid
    part = (130, 100)  # x, y of a region read later (an edit's face region)
    assert changed_blocks(before, photo[100:290, 130:450], part) == 0
    stroked = photo.copy()
    stroked[200:203, 330:370] = 0  # inside one 64 px block
    assert changed_blocks(before, stroked[100:290, 130:450], part) == 1


def test_a_mask_read_in_bands_equals_the_mask_read_whole():
    from maskgan_krita import mask_colours

    label = np.zeros((60, 50), np.uint8)
    label[10:50, 10:40] = 1
    label[20:30, 15:25] = 4
    label[35:40, 20:30] = 12
    rgba = pixels.label_to_colour_layer(label)
    rgba[25, 14, :3] = (PALETTE[1] * 0.5 + PALETTE[4] * 0.5).astype(np.uint8)  # a soft edge: a blend, accepted
    reader = mask_colours.ColourMask(60, 50, DEFAULT_COLOR_TOLERANCE, "“x”: “Edited mask”")
    for top in range(0, 60, 7):
        reader.add(top, rgba[top:top + 7])
    assert np.array_equal(reader.label(), mask_colours.read_label(rgba, DEFAULT_COLOR_TOLERANCE, "x"))
    assert reader.label()[25, 14] in (1, 4)


def test_a_flat_patch_of_an_in_between_colour_is_refused():
    from maskgan_krita import mask_colours
    from maskgan_krita.guard import PluginError

    label = np.zeros((80, 80), np.uint8)
    label[5:75, 5:75] = 1
    label[20:30, 20:30] = 5  # right eye
    label[50:55, 30:50] = 11  # upper lip
    rgba = pixels.label_to_colour_layer(label)
    pink = (220, 120, 130)  # near the blend of Right eye and Upper lip
    assert color_to_label(np.array([[pink, PALETTE[5], PALETTE[11]]], np.uint8), DEFAULT_COLOR_TOLERANCE).shape == (1, 3)
    rgba[30:50, 50:70] = (*pink, 255)  # a 20x20 patch: its inside is further than 8 px from any class's colour
    with pytest.raises(PluginError) as error:
        mask_colours.read_label(rgba, DEFAULT_COLOR_TOLERANCE, "“x”: “Edited mask”")
    assert str(error.value).startswith(
        "“x”: “Edited mask” has 16 pixels off the palette (an area of a colour between two classes, more than 8 px "
        "from either: a blend only counts at an edge), in 1 colour: RGB(220, 120, 130) x16 (nearest ")
    rgba[30:50, 50:70] = pixels.label_to_colour_layer(label)[30:50, 50:70]
    rgba[30:50, 50:54] = (*pink, 255)  # a band 4 px wide: an edge, accepted
    mask_colours.read_label(rgba, DEFAULT_COLOR_TOLERANCE, "x")


def test_a_result_is_written_only_where_it_covers():
    from maskgan_krita.document_io import opaque_part

    layer = np.zeros((40, 60, 4), np.uint8)
    layer[10:15, 20:30] = 200
    other = np.zeros_like(layer)
    other[12:20, 25:28] = 100
    (part_a, part_b), origin = opaque_part([layer, other], (100, 50))
    assert origin == (120, 60) and part_a.shape == part_b.shape == (10, 10, 4)
    assert (part_a[:5] == 200).all() and part_b[2:, 5:8, 3].min() == 100
