"""Scenario: the MaskGAN plug-in in real Krita, against a real daemon.

Inputs come from the folder in MASKGAN_TEST_INPUTS (written by test_plugin.py):
photo.npy (HxWx3), source.png (colour mask), edited.npy (HxW labels). Results go
to ctx.values and, for arrays, to .npy files in ctx.artefacts.
"""

import os
import time
from pathlib import Path

import numpy as np
from PyQt5.QtWidgets import QApplication

from maskgan_krita import document_io, naming, pixels

INPUTS = Path(os.environ.get("MASKGAN_TEST_INPUTS", "."))
WAIT_S = 60
state = {}


def docker(ctx):
    found = [d for d in ctx.krita.dockers() if d.objectName() == "maskgan_docker"]
    assert found, f"no MaskGAN docker among {[d.objectName() for d in ctx.krita.dockers()]}"
    return found[0]


def wait_for(condition, what):
    """Generator: let Krita's event loop run until ``condition()`` holds (or fail after WAIT_S)."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        yield 50


def snapshot(doc, group):
    """{layer name: RGBA bytes} of every layer outside the MaskGAN group (the user's own)."""
    return {n.name(): bytes(n.pixelData(0, 0, doc.width(), doc.height()))
            for n in document_io.walk(doc.rootNode()) if not document_io.inside(n, group) and n.type() == "paintlayer"}


def open_document(ctx, name, depth="U8"):
    photo = np.load(INPUTS / "photo.npy")
    height, width = photo.shape[:2]
    doc = ctx.krita.createDocument(width, height, name, "RGBA", depth, "", 300.0)
    ctx.krita.activeWindow().addView(doc)
    return doc, photo


def check_docker_shows_connected(ctx):
    dock = docker(ctx)
    dock.setVisible(True)
    yield from wait_for(lambda: dock.controller.daemon is not None or "Not connected" in dock.controller.connection_text,
                        "the daemon's hello")
    ctx.values["connection"] = dock.connection_label.text()
    assert dock.connection_label.text().startswith("Connected"), dock.connection_label.text()


def check_import_creates_group(ctx):
    doc, photo = open_document(ctx, "portrait")
    state["doc"] = doc
    background = doc.topLevelNodes()[0]
    background.setPixelData(pixels.rgb_to_bgra(photo), 0, 0, doc.width(), doc.height())
    doc.setActiveNode(background)
    docker(ctx).controller.import_mask(str(INPUTS / "source.png"))
    group = document_io.find_group(doc)
    ctx.values["group_children"] = [n.name() for n in group.childNodes()]
    source = document_io.child(group, naming.SOURCE_MASK)
    ctx.values["source_locked"] = source.locked()
    ctx.values["top_level"] = [n.name() for n in doc.topLevelNodes()]
    np.save(Path(ctx.artefacts) / "imported_source.npy", document_io.read_source_mask(doc))


def check_apply_edit_adds_result_layer(ctx):
    doc = state["doc"]
    dock = docker(ctx)
    group = document_io.find_group(doc)
    edited_layer = document_io.child(group, naming.EDITED_MASK)
    document_io.write_rgba(doc, edited_layer, pixels.label_to_colour_layer(np.load(INPUTS / "edited.npy")))
    before = snapshot(doc, group)
    dock.buttons["apply"].click()
    yield from wait_for(lambda: not dock.controller.running, "the edit's reply")
    ctx.values["apply_message"] = dock.message.text()
    ctx.values["layers_after_apply"] = [n.name() for n in doc.topLevelNodes()]
    result = document_io.child(doc.rootNode(), "MaskGAN edit 1")
    assert result is not None, dock.message.text()
    np.save(Path(ctx.artefacts) / "result_layer.npy", document_io.read_rgba(doc, result))
    after = {k: v for k, v in snapshot(doc, group).items() if k != "MaskGAN edit 1"}
    ctx.values["unchanged_after_apply"] = after == before
    group.setVisible(False)  # show the result, as a user comparing before/after would
    ctx.krita.activeWindow().qwindow().setGeometry(0, 0, 1600, 1000)  # Xvfb has no window manager to maximize
    doc.refreshProjection()
    doc.waitForDone()
    yield 1000  # let the canvas repaint before the screenshot
    QApplication.primaryScreen().grabWindow(0).save(str(Path(ctx.artefacts) / "krita_apply_edit.png"))
    group.setVisible(True)


def check_class_layers_convert_and_swatches_pick(ctx):
    doc = state["doc"]
    dock = docker(ctx)
    edited = np.load(INPUTS / "edited.npy")
    dock.mode.setCurrentIndex(1)
    dock.mode.activated.emit(1)  # as a user's choice does
    group = document_io.find_group(doc)
    ctx.values["class_mode_children"] = [n.name() for n in group.childNodes()]
    ctx.values["class_layer_names"] = [n.name() for n in document_io.child(group, naming.CLASS_LAYERS_GROUP).childNodes()]
    ctx.values["class_mode_same_label"] = bool(np.array_equal(document_io.read_edited_mask(doc), edited))
    yield 200  # Krita activates the layers just added through its event loop; a user clicks later than that
    dock.swatches[13].click()
    yield 100  # Krita applies the active-node change through its event loop
    view = ctx.krita.activeWindow().activeView()
    colour = view.foregroundColor().colorForCanvas(view.canvas())
    ctx.values["foreground"] = [colour.red(), colour.green(), colour.blue()]
    ctx.values["active_layer"] = doc.activeNode().name()
    dock.mode.setCurrentIndex(0)
    dock.mode.activated.emit(0)
    ctx.values["colour_mode_children"] = [n.name() for n in group.childNodes()]
    ctx.values["colour_mode_same_label"] = bool(np.array_equal(document_io.read_edited_mask(doc), edited))
    ctx.values["mask_mode_setting"] = ctx.krita.readSetting("MaskGAN", "mask_mode", "")


def check_parse_and_variants_show_the_daemons_message(ctx):
    dock = docker(ctx)
    for key in ("parse", "variants"):
        dock.buttons[key].click()
        yield from wait_for(lambda: not dock.controller.running, f"the {key} reply")
        ctx.values[f"{key}_message"] = dock.message.text()


def check_batch_applies_to_every_document_with_masks(ctx):
    dock = docker(ctx)
    second, photo = open_document(ctx, "portrait 2")
    state["doc2"] = second
    second.topLevelNodes()[0].setPixelData(pixels.rgb_to_bgra(photo), 0, 0, second.width(), second.height())
    dock.controller.import_mask(str(INPUTS / "source.png"))
    dock.buttons["batch"].click()
    yield from wait_for(lambda: dock.controller.batch is None, "the batch")
    ctx.values["batch_message"] = dock.message.text()
    for key, doc in (("batch_layers_1", state["doc"]), ("batch_layers_2", second)):
        ctx.values[key] = [n.name() for n in doc.topLevelNodes()]
    ctx.krita.activeWindow().addView(state["doc"])


def check_bad_colours_are_reported(ctx):
    doc = state["doc"]
    dock = docker(ctx)
    group = document_io.find_group(doc)
    edited_layer = document_io.child(group, naming.EDITED_MASK)
    rgba = document_io.read_rgba(doc, edited_layer)
    rgba[:4, :4, :3] = (250, 0, 250)  # magenta: no class of the palette, nor a blend of two
    document_io.write_rgba(doc, edited_layer, rgba)
    before = snapshot(doc, group)
    dock.buttons["apply"].click()
    ctx.values["bad_colour_message"] = dock.message.text()
    ctx.values["unchanged_after_bad_colours"] = snapshot(doc, group) == before


def check_non_rgba8_is_reported(ctx):
    doc, _ = open_document(ctx, "sixteen bit", "U16")
    state["doc16"] = doc
    docker(ctx).buttons["apply"].click()
    ctx.values["depth_message"] = docker(ctx).message.text()


def check_daemon_down_is_reported(ctx):
    dock = docker(ctx)
    dock.endpoint.setText("ipc://" + str(Path(ctx.artefacts) / "nobody-listens.sock"))
    dock.endpoint.editingFinished.emit()
    yield from wait_for(lambda: dock.connection_label.text().startswith("Not connected"), "the failed hello")
    ctx.values["down_connection"] = dock.connection_label.text()
    ctx.values["start_button_visible"] = dock.start_button.isVisible()
    ctx.krita.activeWindow().addView(state["doc"])
    dock.buttons["apply"].click()
    ctx.values["down_message"] = dock.message.text()
    ctx.values["endpoint_setting"] = ctx.krita.readSetting("MaskGAN", "endpoint", "")


checks = [
    check_docker_shows_connected,
    check_import_creates_group,
    check_apply_edit_adds_result_layer,
    check_class_layers_convert_and_swatches_pick,
    check_parse_and_variants_show_the_daemons_message,
    check_batch_applies_to_every_document_with_masks,
    check_bad_colours_are_reported,
    check_non_rgba8_is_reported,
    check_daemon_down_is_reported,
]
