"""quiet_join on fakes: a node goes in through Krita's own Layer > New actions (no redraw of the whole image)
where a user's click could have put it there, filled in the document and left with one undo entry; elsewhere it
joins by addChildNode."""

import numpy as np
import pytest
from krita_fakes import FakeDocument, FakeKrita, FakeNode

from maskgan_plugin_common import naming
from maskgan_plugin_common.bands import run_now


@pytest.fixture
def krita(monkeypatch):
    """Makes FakeKrita(doc) the application quiet_join finds; returns the function that does it."""
    from maskgan_krita import quiet_join

    def with_active(doc):
        app = FakeKrita(doc)
        monkeypatch.setattr(quiet_join, "application", lambda: app)
        return app

    return with_active


def photo_document(*others):
    background = FakeNode("Background")
    doc = FakeDocument(
        FakeNode("root", "grouplayer", [background, *others]), background, np.zeros((40, 60, 4), np.uint8)
    )
    return doc, background


def red_box():
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[10:20, 5:25] = (200, 10, 10, 255)
    return rgba


def names(parent):
    return [node.name() for node in parent.childNodes()]


def added_by_child_node(doc):
    return [name for what, name in doc.io if what == "add"]


def test_a_result_joins_through_add_paint_layer_filled_in_place_with_one_undo_entry(krita):
    from maskgan_krita import document_io

    doc, background = photo_document()
    app = krita(doc)
    added = []
    node = run_now(
        document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN edit", (0, 0), added)
    )
    assert names(doc.rootNode()) == ["Background", "MaskGAN edit 1"] and added == [node]
    np.testing.assert_array_equal(node._pixels(), red_box())
    assert added_by_child_node(doc) == []  # addChildNode would have redrawn the whole image
    assert app.triggered == ["add_new_paint_layer", "edit_undo"]  # the blending change drew it; its entry taken back
    assert doc.history == [("add", node)]  # so one Edit > Undo removes the result
    app.action("edit_undo").trigger()
    assert names(doc.rootNode()) == ["Background"]


def test_the_mask_group_and_a_variants_group_join_the_same_way(krita):
    from maskgan_krita import document_io

    doc, background = photo_document()
    app = krita(doc)
    label = np.zeros((40, 60), np.uint8)
    label[5:30, 10:40] = 1
    group = document_io.create_mask_group(doc, label, "colour")
    assert names(doc.rootNode()) == ["Background", naming.GROUP]  # on top, as the photo was
    assert names(group) == [naming.SOURCE_MASK, naming.EDITED_MASK]
    variants = run_now(document_io.add_result_group_steps(doc, (doc.rootNode(), background), [red_box()] * 2))
    assert names(doc.rootNode()) == ["Background", "MaskGAN variants 1", naming.GROUP]
    assert names(variants) == ["Variant 1", "Variant 2"] and variants.childNodes()[0].visible()
    assert added_by_child_node(doc) == []
    assert app.triggered == ["add_new_group_layer", "edit_undo"] * 2
    assert doc.history == [("add", group), ("add", variants)]
    # a new parse: the old group is hidden (libkis does not redraw that) and its extent drawn again
    new = document_io.create_mask_group(doc, label, "colour")
    assert names(doc.rootNode()) == ["Background", "MaskGAN variants 1", "MaskGAN replaced 1", naming.GROUP]
    old_edited = group.childNodes()[1]
    assert not group.visible() and ("blending", old_edited) in doc.undone  # a group is drawn by its visible layers
    assert doc.history == [("add", group), ("add", variants), ("add", new)]


def test_where_the_actions_cannot_put_it_it_joins_by_add_child_node(krita):
    """Another document active (the actions act on the active one), or an empty document (no node to make
    active)."""
    from maskgan_krita import document_io

    doc, background = photo_document()
    app = krita(FakeDocument(FakeNode("root", "grouplayer", [FakeNode("Other")]), None, np.zeros((4, 4, 4), np.uint8)))
    node = run_now(
        document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN edit", (0, 0), [])
    )
    assert added_by_child_node(doc) == ["MaskGAN edit 1"] and app.triggered == []
    np.testing.assert_array_equal(node._pixels(), red_box())
    empty = FakeDocument(FakeNode("root", "grouplayer"), None, np.zeros((40, 60, 4), np.uint8))
    app.active_document = empty
    run_now(document_io.add_result_layer_steps(empty, (empty.rootNode(), None), red_box(), "MaskGAN edit", (0, 0), []))
    assert added_by_child_node(empty) == ["MaskGAN edit 1"] and app.triggered == []


def test_into_an_empty_group_the_group_is_expanded_while_the_action_adds(krita):
    from maskgan_krita import document_io

    doc, background = photo_document()
    app = krita(doc)
    results, _ = document_io.result_spot(doc, background, "results_group")
    results.setCollapsed(True)
    run_now(document_io.add_result_group_steps(doc, (results, None), [red_box()]))
    run_now(document_io.add_result_layer_steps(doc, (results, None), red_box(), "MaskGAN edit", (0, 0), []))
    assert names(results) == ["MaskGAN variants 1", "MaskGAN edit 1"] and results.collapsed()
    assert added_by_child_node(doc) == ["MaskGAN results"]  # only the group itself, made by result_spot
    assert app.triggered == ["add_new_group_layer", "edit_undo", "add_new_paint_layer", "edit_undo"]


def test_above_a_group_the_group_is_collapsed_while_the_action_adds(krita):
    """With an expanded group active Krita's action adds inside it; collapsed, above it. The group is left as
    it was."""
    from maskgan_krita import document_io

    inside = FakeNode("Inside")
    doc, background = photo_document(FakeNode("Retouch", "grouplayer", [inside]))
    app = krita(doc)
    retouch = doc.rootNode().childNodes()[1]
    run_now(document_io.add_result_layer_steps(doc, (doc.rootNode(), None), red_box(), "MaskGAN edit", (0, 0), []))
    assert names(doc.rootNode()) == ["Background", "Retouch", "MaskGAN edit 1"] and names(retouch) == ["Inside"]
    assert app.triggered == ["add_new_paint_layer", "edit_undo"] and not retouch.collapsed()
    retouch.setCollapsed(True)
    run_now(document_io.add_result_layer_steps(doc, (doc.rootNode(), retouch), red_box(), "MaskGAN edit", (0, 0), []))
    assert names(doc.rootNode()) == ["Background", "Retouch", "MaskGAN edit 2", "MaskGAN edit 1"]
    assert retouch.collapsed() and added_by_child_node(doc) == []


def test_an_addition_waits_for_the_one_under_way(krita):
    """The actions place a node by the active layer: two results of a batch joining at once go in one after
    the other, each where it belongs."""
    from maskgan_krita import document_io

    photo_b = FakeNode("Photo B")
    doc, background = photo_document(photo_b)
    app = krita(doc)
    app.deferred = True  # as in Krita, the action's node appears at a later turn of the event loop
    first = document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN mask", (0, 0), [])
    second = document_io.add_result_layer_steps(doc, (doc.rootNode(), photo_b), red_box(), "MaskGAN mask", (0, 0), [])
    next(first)
    next(second)
    pending = [first, second]
    while pending:  # interleaved, as two Steps on Krita's event loop
        for steps in list(pending):
            try:
                next(steps)
            except StopIteration:
                pending.remove(steps)
        app.turn()
    assert names(doc.rootNode()) == ["Background", "MaskGAN mask 1", "Photo B", "MaskGAN mask 2"]
    assert added_by_child_node(doc) == [] and app.triggered.count("add_new_paint_layer") == 2
    assert [what for what, _ in doc.history] == ["add", "add"]  # each drawing change taken back


def test_when_the_drawing_change_left_no_undo_entry_the_node_is_put_back(krita):
    """Should Krita not record the blending change, the undo meant for it takes the addition away: redo puts it
    back, and the node stays, with its addition the last entry."""
    from maskgan_krita import document_io

    doc, background = photo_document()
    doc.blending_undoable = False
    app = krita(doc)
    node = run_now(
        document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN edit", (0, 0), [])
    )
    assert app.triggered == ["add_new_paint_layer", "edit_undo", "edit_redo"]
    assert names(doc.rootNode()) == ["Background", "MaskGAN edit 1"] and doc.history == [("add", node)]


def test_a_document_no_longer_active_keeps_the_drawing_change(krita):
    """Edit > Undo acts on the active document: when the user went to another one while the result was
    written, the change's entry stays (two undos remove the result) rather than undoing the other document."""
    from maskgan_krita import document_io

    doc, background = photo_document()
    app = krita(doc)
    steps = document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN edit", (0, 0), [])
    next(steps)  # the result's part is cut
    next(steps)  # the layer is in the document
    app.active_document = FakeDocument(FakeNode("root", "grouplayer"), None, np.zeros((4, 4, 4), np.uint8))
    node = run_now(steps)
    assert app.triggered == ["add_new_paint_layer"] and doc.history == [("add", node), ("blending", node)]


def test_closed_while_filled_in_the_document_the_node_is_taken_away(krita):
    from maskgan_krita import document_io

    doc, background = photo_document()
    krita(doc)
    steps = document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN edit", (0, 0), [])
    next(steps)
    next(steps)
    assert names(doc.rootNode()) == ["Background", "MaskGAN edit 1"]
    steps.close()
    assert names(doc.rootNode()) == ["Background"]


def test_a_node_added_another_way_meanwhile_is_not_taken_for_the_actions(krita):
    """While the action's node is on its way, a filled node joins by addChildNode (a batch item in a document
    not in the active view, say): it is neither taken for the action's nor removed."""
    from maskgan_krita import document_io

    photo_b = FakeNode("Photo B")
    doc, background = photo_document(photo_b)
    app = krita(doc)
    app.deferred = True
    steps = document_io.add_result_layer_steps(doc, (doc.rootNode(), photo_b), red_box(), "MaskGAN edit", (0, 0), [])
    next(steps)
    next(steps)  # triggered; the node is not there yet
    other = doc.createNode("Elsewhere", "paintlayer")
    document_io.write_rgba(doc, other, red_box())
    doc.rootNode().addChildNode(other, background)
    next(steps)  # sees only the filled node: waits
    app.turn()
    node = run_now(steps)
    assert names(doc.rootNode()) == ["Background", "Elsewhere", "Photo B", "MaskGAN edit 1"]
    assert doc.history == [("add", node)]


def test_an_undo_that_took_another_results_addition_is_redone(krita):
    """Should the drawing change leave no entry, the undo meant for it takes away whatever addition is last,
    another result's too: redo puts it back."""
    from maskgan_krita import document_io

    photo_b = FakeNode("Photo B")
    doc, background = photo_document(photo_b)
    doc.blending_undoable = False
    krita(doc)
    first = document_io.add_result_layer_steps(doc, (doc.rootNode(), background), red_box(), "MaskGAN edit", (0, 0), [])
    next(first)
    next(first)  # in the document, being filled
    run_now(document_io.add_result_layer_steps(doc, (doc.rootNode(), photo_b), red_box(), "MaskGAN edit", (0, 0), []))
    run_now(first)
    assert names(doc.rootNode()) == ["Background", "MaskGAN edit 1", "Photo B", "MaskGAN edit 2"]
