"""Adding a layer or group to a document without Krita redrawing the whole image.

libkis's ``Node.addChildNode`` marks the whole image changed, whatever the node holds: on a 24 MP photo
Krita recomposites it and its OpenGL canvas uploads every texture tile again, holding the event loop for
0.2-0.6 s (docs/krita.md, "Never blocking Krita"). Krita's own *Layer > New > Add Paint Layer* and *Add
Group Layer* add an empty node without a redraw, right above the active layer, with one undo entry. So a
node goes in through those actions, is filled in the document (``Node.setPixelData`` and
``setChildNodes`` redraw nothing), and is then drawn once by a blending-mode change to the mode it
already has, which redraws just its extent. That change's undo entry is taken back at once, so that one
*Edit > Undo* removes the node, as it does a layer added by hand.

The actions act on the active view's document and active layer, so they are used only where a user could
have used them for the same result: ``doc`` in the active view, the node going right above a node or into
an empty group (with a group active, they add inside it when it is expanded, above it when it is collapsed).
Elsewhere (the top of an empty document), and outside Krita (tests on fakes), callers add their own way.
"""

from __future__ import annotations

import time

from .node_tree import uid, walk

ACTIONS = {"paintlayer": "add_new_paint_layer", "grouplayer": "add_new_group_layer"}
WAIT_S = 5.0  # how long the active layer may take to change, and the action's node to appear (a turn, as measured)


def application():
    """Krita.instance(), or None outside Krita."""
    try:
        from krita import Krita
    except ImportError:
        return None
    return Krita.instance()


def _active(app, doc) -> bool:
    return app.activeDocument() == doc  # libkis documents compare equal when they wrap the same one


def _same(node, other) -> bool:
    return node is not None and other is not None and uid(node) == uid(other)


def add_empty_steps(doc, spot, kind: str):
    """Generator: a new empty node of ``kind`` ("paintlayer" or "grouplayer") at ``spot`` (parent, the node
    to go above: None for the top), added by Krita's own Layer > New action, for draw_steps to draw once it
    is filled; None where that action cannot put it there (the caller then adds its own way). One addition
    at a time: the action finds its place by the active layer, and a batch adds several results at once."""
    global _adding
    app = application()
    parent, above = spot
    children = parent.childNodes()
    anchor = above if above is not None else (children[-1] if children else None)
    if anchor is None and not _same(parent, doc.rootNode()):
        anchor = parent  # an empty group: the action adds inside the active group
    if app is None or anchor is None or not _active(app, doc) or app.action(ACTIONS[kind]) is None:
        return None
    deadline = time.monotonic() + 2 * WAIT_S
    while _adding:
        if time.monotonic() > deadline:
            return None  # another addition takes long: this one goes its own way
        yield
    _adding = True
    try:
        return (yield from _add_at(app, doc, parent, anchor, kind))
    finally:
        _adding = False


_adding = False


def _add_at(app, doc, parent, anchor, kind: str):
    """Generator: the empty node of ``kind`` Krita's action adds right above ``anchor`` (a child of ``parent``)
    or, when ``anchor`` is ``parent`` (an empty group), inside it; or None. The action adds inside an active
    group when it is expanded and above it when it is collapsed, so a group is expanded or collapsed meanwhile
    (as a click on its arrow would) and left as it was."""
    inside = _same(anchor, parent)
    group = anchor.type() == "grouplayer"
    collapsed = anchor.collapsed() if group else None
    doc.setActiveNode(anchor)
    deadline = time.monotonic() + WAIT_S
    while not _same(doc.activeNode(), anchor):
        if time.monotonic() > deadline:
            return None
        yield
    before = _ids(doc)
    if group:
        anchor.setCollapsed(not inside)
    try:
        app.action(ACTIONS[kind]).trigger()
        deadline = time.monotonic() + WAIT_S
        while True:
            doc.waitForDone()
            # the action's node is empty; a node another addition (made its own way) put in meanwhile is not
            added = [
                node
                for node in walk(doc.rootNode())
                if uid(node) not in before and node.type() == kind and _empty(node)
            ]
            if added:
                break
            if time.monotonic() > deadline:
                return None
            yield
    finally:
        if group:
            anchor.setCollapsed(collapsed)
    for node in added:
        children = [uid(child) for child in parent.childNodes()]
        at = children.index(uid(node)) if uid(node) in children else -1
        if (children == [uid(node)]) if inside else (at > 0 and children[at - 1] == uid(anchor)):
            return node
    for node in added:
        node.remove()  # ours, in another place than the spot
    return None


def _empty(node) -> bool:
    if node.childNodes():
        return False
    bounds = node.bounds()
    return bounds.width() == 0 or bounds.height() == 0


def draw_steps(doc, node):
    """Generator: have Krita draw ``node`` as it is now (added by add_empty_steps and filled since, or hidden:
    libkis's setVisible redraws nothing), a layer per step; outside Krita there is nothing to draw. A
    blending-mode change to the mode a layer has redraws the layer's extent alone (0.06 s of stall for
    0.4 MP, 0.25 s for 9 MP on this project's test machine); a group's own change would only composite the
    group's projection as it was, which for a group filled by setChildNodes was never made, so a group is
    drawn by its visible layers (each redraws the groups above it over its extent)."""
    app = application()
    if app is None:
        return
    for index, layer in enumerate(_visible_layers(node) if node.type() == "grouplayer" else [node]):
        if index:
            yield
        _draw_extent(app, doc, layer)


def _visible_layers(group) -> list:
    """The layers (not groups) in ``group``, at any depth, that are visible within it."""
    found = []
    for child in group.childNodes():
        if child.visible():
            found.extend(_visible_layers(child) if child.type() == "grouplayer" else [child])
    return found


def _draw_extent(app, doc, layer) -> None:
    """Redraw ``layer``'s extent by a blending-mode change to the mode it has. While ``doc`` is the active
    document, the change's undo entry is taken back at once, so that the last entry stays what it was (the
    addition of the node ``layer`` is in). The change is waited for first: without that, with several results
    being added, the undo once took another result's addition away instead. Should the undo have taken any
    node away (no entry for the change), redo puts it back."""
    take_back = _active(app, doc)  # Edit > Undo acts on the active document; elsewhere the entry stays
    layer.setBlendingMode(layer.blendingMode())
    if not take_back:
        return
    doc.waitForDone()
    nodes = _ids(doc)
    app.action("edit_undo").trigger()
    doc.waitForDone()
    if not nodes <= _ids(doc):
        app.action("edit_redo").trigger()
        doc.waitForDone()


def _ids(doc) -> set:
    return {uid(node) for node in walk(doc.rootNode())}
