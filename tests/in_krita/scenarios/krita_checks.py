"""What the plug-in scenarios share inside Krita: the docker, documents, waiting, snapshots, screenshots.

Inputs come from the folder in MASKGAN_TEST_INPUTS (conftest.write_inputs); arrays
the tests compare go to .npy files in ctx.artefacts, the rest to ctx.values.
``state`` carries documents from one check to the next (and keeps Python
references to them, or Krita's wrappers are collected).
"""

import os
import time
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QItemSelectionModel, Qt
from PyQt5.QtGui import QCursor
from PyQt5.QtWidgets import QAbstractItemView, QApplication, QMdiArea

from maskgan_krita import bgra, document_io, node_tree
from maskgan_plugin_common.label_table import labels

INPUTS = Path(os.environ.get("MASKGAN_TEST_INPUTS", "."))
WAIT_S = 90
SCREEN = (0, 0, 1600, 1200)  # the Xvfb screen krita_runner starts
DOCKER_HEIGHTS = (240, 880)  # layers, MaskGAN: room for all of the docker in the screenshots
TOLERANCE = labels().DEFAULT_COLOR_TOLERANCE  # what the scenarios read masks with themselves
state = {}


def load(name):
    return np.load(INPUTS / name)


def save(ctx, name, array):
    np.save(Path(ctx.artefacts) / name, np.asarray(array))


def docker(ctx):
    found = [d for d in ctx.krita.dockers() if d.objectName() == "maskgan_docker"]
    assert found, f"no MaskGAN docker among {[d.objectName() for d in ctx.krita.dockers()]}"
    return found[0]


def choose(box, value):
    """Pick the entry of the docker's setting combo ``box`` whose value is ``value``, as a user's choice does."""
    index = box.findData(value)
    assert index >= 0, f"{value!r} is not a choice of {[box.itemData(i) for i in range(box.count())]}"
    box.setCurrentIndex(index)
    box.activated.emit(index)


def set_endpoint(dock, endpoint):
    """Type ``endpoint`` into the docker's Daemon field and leave it, as a user does."""
    dock.endpoint.setText(endpoint)
    dock.endpoint.editingFinished.emit()


def press(dock, key):
    """Click the docker's button ``key`` as a user does a moment after the last change (the docker has updated
    its buttons by then: a disabled one ignores the click)."""
    dock.refresh()
    dock.buttons[key].click()


def wait_for(condition, what, seconds=WAIT_S):
    """Generator: let Krita's event loop run until ``condition()`` holds (or fail after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        yield 50


def idle(ctx):
    """Generator: wait until nothing runs: no document being read, no request, no result being added, no batch."""
    controller = docker(ctx).controller
    yield from wait_for(lambda: not working(controller), "the daemon's replies")


def working(controller) -> bool:
    """Whether the plug-in is busy: reading a document for a request, waiting for replies, adding results."""
    return controller.batches.busy


def open_document(ctx, name, photo, depth="U8"):
    """A new document showing ``photo`` (HxWx3) on its Background layer, active in the window."""
    height, width = photo.shape[:2]
    doc = ctx.krita.createDocument(width, height, name, "RGBA", depth, "", 300.0)
    ctx.krita.activeWindow().addView(doc)
    if depth == "U8":
        background = doc.topLevelNodes()[0]
        background.setPixelData(bgra.rgb_to_bgra(photo), 0, 0, width, height)
        doc.setActiveNode(background)
    state[name] = doc
    return doc


def activate(ctx, doc):
    """Generator: make ``doc`` the active document, with its photo layer selected, as a user clicking its
    view would (Krita.setActiveDocument and Window.showView leave the active view as it was)."""
    area = ctx.krita.activeWindow().qwindow().findChild(QMdiArea)
    for view in area.subWindowList():
        area.setActiveSubWindow(view)
        yield 50
        if ctx.krita.activeDocument() == doc:
            doc.setActiveNode(doc.topLevelNodes()[0])
            return
    raise AssertionError(f"no view shows “{doc.name()}”")


def select_layers(ctx, names):
    """Generator: select the layers ``names`` of the active document as a user does, through the rows of the
    Layers docker's tree view (several at once, as Ctrl+click does); returns the selected nodes' names."""
    layer_box = next(d for d in ctx.krita.dockers() if d.objectName() == "KisLayerBox")
    tree = next(v for v in layer_box.findChildren(QAbstractItemView) if v.metaObject().className() == "NodeView")
    model = tree.model()

    def rows(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            yield index
            yield from rows(index)

    chosen = [index for index in rows(tree.rootIndex()) if index.data(Qt.DisplayRole) in names]
    assert len(chosen) == len(names), (
        f"found {[i.data(Qt.DisplayRole) for i in chosen]} of {names} in the Layers docker"
    )
    selection = tree.selectionModel()
    # the first becomes the current (active) layer, as a click does; Krita counts the active layer as selected
    selection.setCurrentIndex(chosen[0], QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
    for index in chosen[1:]:
        selection.select(index, QItemSelectionModel.Select | QItemSelectionModel.Rows)
    yield 200  # Krita hands the selection to the view through its event loop
    return [node.name() for node in ctx.krita.activeWindow().activeView().selectedNodes()]


def top_level(doc):
    return [n.name() for n in doc.topLevelNodes()]


def snapshot(doc):
    """{layer name: RGBA bytes} of every paint layer outside the MaskGAN groups (the user's own and results)."""
    return {
        n.name(): bytes(n.pixelData(0, 0, doc.width(), doc.height()))
        for n in node_tree.walk(doc.rootNode())
        if n.type() == "paintlayer" and not document_io.in_mask_group(n)
    }


def every_layer(ctx):
    """{document name: [(layer name, RGBA bytes)]} of every layer of every open document."""
    return {
        doc.name(): [
            (n.name(), bytes(n.pixelData(0, 0, doc.width(), doc.height()))) for n in node_tree.walk(doc.rootNode())
        ]
        for doc in ctx.krita.documents()
    }


def kept(before, after) -> bool:
    """Whether every layer of ``before`` (every_layer) is still there, same name, same pixels."""
    return all(entry in after.get(name, []) for name, layers in before.items() for entry in layers)


def record_while_running(ctx, values_key):
    """Start recording, on every docker update, (requests in flight, per-item batch lines); returns a stop function."""
    controller = docker(ctx).controller
    seen = []

    def on_change():
        entry = (len(controller.tasks.running), list(controller.batches.lines))
        if not seen or seen[-1] != entry:
            seen.append(entry)

    controller.changed.connect(on_change)

    def stop():
        controller.changed.disconnect(on_change)
        ctx.values[values_key] = seen

    return stop


def arrange_window(ctx):
    """The main window at SCREEN size (Xvfb has no window manager to maximise it), with room for the
    layers and the MaskGAN docker: what the screenshots show."""
    window = ctx.krita.activeWindow().qwindow()
    window.setGeometry(*SCREEN)
    dockers = {dock.objectName(): dock for dock in ctx.krita.dockers()}
    for other in ("ColorSelectorNg", "PresetDocker", "sharedtooldocker"):
        dockers[other].setVisible(False)
    window.resizeDocks([dockers["KisLayerBox"], dockers["maskgan_docker"]], list(DOCKER_HEIGHTS), Qt.Vertical)


def screenshot(ctx, doc, name):
    """Generator: the window with ``doc`` zoomed to fit, saved as ``name`` in the artefacts."""
    arrange_window(ctx)  # again: opening documents may have resized the dockers
    QCursor.setPos(SCREEN[2] - 1, SCREEN[3] - 1)  # the brush outline follows the pointer: keep it off the photo
    doc.refreshProjection()
    doc.waitForDone()
    ctx.krita.action("zoom_to_100pct").trigger()  # from a fixed zoom, "toggle zoom to fit" fits (from a fit it
    yield 200  # goes back to the zoom before); it fits to the window as it is now, and centres
    ctx.krita.action("toggle_zoom_to_fit").trigger()
    yield 1500  # let the canvas repaint
    QApplication.primaryScreen().grabWindow(0).save(str(Path(ctx.artefacts) / name))


def record_work_per_turn():
    """Start recording, per turn of Krita's event loop that the plug-in's work in steps takes (steps.Steps), the
    pixels it reads and writes, the pixels of label maps and images it converts to layers, the layers it adds
    to the document by addChildNode ("added": Krita redraws the whole image) and those drawn after they went in
    through Krita's own Layer > New actions, or were hidden ("drawn": quiet_join.draw_steps); work done outside a step (a click's
    handler, a reply's) counts as a turn of its own. Returns a function that stops recording and gives
    [{"read", "written", "converted", "added", "drawn", "step"}]."""
    import krita

    from maskgan_krita import quiet_join, steps
    from maskgan_plugin_common import pixels

    def turn(step):
        return {"read": 0, "written": 0, "converted": 0, "added": 0, "drawn": 0, "step": step}

    turns = [turn(False)]
    originals = []

    def patch(owner, name, count):
        original = getattr(owner, name)
        originals.append((owner, name, vars(owner)[name]))  # a class's own descriptor: set back, it binds again

        def recorded(*args, **kwargs):
            key, amount = count(*args)
            turns[-1][key] += amount
            return original(*args, **kwargs)

        setattr(owner, name, recorded)

    patch(krita.Node, "pixelData", lambda node, x, y, width, height: ("read", width * height))
    patch(krita.Node, "setPixelData", lambda node, data, x, y, width, height: ("written", width * height))
    patch(krita.Node, "addChildNode", lambda *args: ("added", 1))
    patch(quiet_join, "draw_steps", lambda doc, node: ("drawn", 1))
    patch(pixels, "label_to_colour_layer", lambda label: ("converted", label.size))
    patch(pixels, "label_to_class_layer", lambda label, index: ("converted", label.size))
    patch(pixels, "opaque", lambda rgb: ("converted", rgb.shape[0] * rgb.shape[1]))
    step = steps.Steps._step

    def one_step(self):
        turns.append(turn(True))
        try:
            step(self)
        finally:
            turns.append(turn(False))

    steps.Steps._step = one_step

    def stop():
        steps.Steps._step = step
        for owner, name, original in originals:
            setattr(owner, name, original)
        return [work for work in turns if any(work[key] for key in ("read", "written", "converted", "added", "drawn"))]

    return stop
