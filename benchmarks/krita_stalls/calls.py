"""Scenario: what Krita's own calls cost on a large document, each with the longest gap it causes."""

import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.environ["MASKGAN_STALL_SCENARIOS"])

from canvas import canvas_kind  # noqa: E402
from krita_checks import load, open_document  # noqa: E402
from timing import heartbeat, now  # noqa: E402

from maskgan_krita import document_io  # noqa: E402


def face_layer(doc, name, visible=True):
    node = doc.createNode(name, "paintlayer")
    rgba = np.zeros((600, 600, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 255
    document_io.write_rgba(doc, node, rgba, (doc.width() // 2, doc.height() // 2))
    node.setVisible(visible)
    return node


def filled_group(doc, name, visible=True):
    group = doc.createGroupLayer(name)
    group.setVisible(visible)
    group.setChildNodes([face_layer(doc, "source", False), face_layer(doc, "edited")])  # outside: no redraw
    return group


def joined_into(doc, group):
    """A 600x600 layer put into ``group`` (in the document) with setChildNodes, which adds without redrawing and
    without an undo entry (libkis's loop takes out the group's first child and puts it back on top), then drawn
    by setBlendingMode, which redraws just its extent."""
    node = face_layer(doc, "joined")
    group.setChildNodes(group.childNodes() + [node])
    node.setBlendingMode("normal")


def check_calls(ctx):
    doc = open_document(ctx, "large", load("large_photo.npy"))
    ctx.values["canvas"] = canvas_kind(ctx)
    owned = doc.createGroupLayer("owned")
    owned.setChildNodes([doc.createNode("kept", "paintlayer")])
    doc.rootNode().addChildNode(owned, None)
    doc.refreshProjection()
    doc.waitForDone()
    yield 2000
    root = doc.rootNode()
    trials = {
        "addChildNode, an empty layer": lambda: root.addChildNode(doc.createNode("empty", "paintlayer"), None),
        "addChildNode, a 600x600 layer": lambda: root.addChildNode(face_layer(doc, "face"), None),
        "addChildNode, a group filled outside": lambda: root.addChildNode(filled_group(doc, "group"), None),
        "addChildNode, a hidden group": lambda: root.addChildNode(filled_group(doc, "hidden", False), None),
        "Krita's own Layer > New > Add Paint Layer": ctx.krita.action("add_new_paint_layer").trigger,
        "setChildNodes into a group, then setBlendingMode (no undo entry)": lambda: joined_into(doc, owned),
        "setBlendingMode, a 600x600 layer": lambda: document_io.child(root, "face").setBlendingMode("normal"),
        "remove, a 600x600 layer": lambda: document_io.child(root, "face").remove(),
        "refreshProjection": doc.refreshProjection,
    }
    timings = {name: [] for name in trials}
    for _ in range(int(os.environ["MASKGAN_STALL_RUNS"])):
        for name, trial in trials.items():
            stop = heartbeat()
            started = now()
            trial()
            took = now() - started
            yield 1200  # the redraw that follows
            timings[name].append((took, max((end - start for start, end in stop()), default=0.0)))
    ctx.values["report"] = [
        f"{name}: call {statistics.median(t for t, _ in runs):.3f} s, longest stall "
        + (
            f"{statistics.median(g for _, g in runs):.3f} s (medians; stalls {min(g for _, g in runs):.3f}-"
            f"{max(g for _, g in runs):.3f} s)"
            if max(g for _, g in runs)
            else "under 0.05 s"
        )
        for name, runs in timings.items()
    ]
    doc.setModified(False)
    doc.close()


checks = [check_calls]
