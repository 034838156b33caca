"""Checks: what a retoucher hit on real photos (issue 18): the photo is never a result, documents opened from disk
are named, a document closed during an edit, flat in-between colours, swatches select the mask, an unchanged mask
or a photo painted on by mistake, Cancel while variants are added, a 24 MP photo without freezing Krita, a narrow
docker, and the screenshots on the astronaut photo.

"retouch" is the second synthetic portrait with its mask imported; it is closed by the last check that uses it.
"""

import os
import time
from pathlib import Path

import numpy as np
from krita_checks import (
    INPUTS,
    TOLERANCE,
    arrange_window,
    docker,
    idle,
    load,
    open_document,
    press,
    record_work_per_turn,
    save,
    screenshot,
    set_endpoint,
    snapshot,
    state,
    top_level,
    wait_for,
    working,
)
from PyQt5.QtCore import QTimer

from maskgan_krita import document_io, quiet_join
from maskgan_plugin_common import naming, pixels

PINK = (220, 120, 130)  # between Right eye and Upper lip: a blend only at an edge
NARROW = 190  # Krita's default docker width


def check_docker_fits_a_narrow_width(ctx):
    dock = docker(ctx)
    dock.setVisible(True)
    yield 100
    ctx.values["style_from_text"] = dock.reference.currentText()  # no document yet: its placeholder
    dock.setFloating(True)  # docked, the Layers docker beside it sets the column's width
    dock.resize(NARROW, 900)
    dock.controller.board.say(
        "/a/very/long/path/without/spaces/to/a/socket/that/does/not/fit/in/one/line/of/the/docker.sock"
        " and words after it"
    )
    yield 300
    scroll = dock.widget()
    viewport = scroll.viewport().width()
    ctx.values["narrow_dock_width"] = dock.width()
    ctx.values["dock_minimum_width"] = dock.minimumSizeHint().width()
    ctx.values["narrow_viewport"] = viewport
    ctx.values["narrow_content_minimum"] = scroll.widget().minimumSizeHint().width()
    ctx.values["narrow_content_width"] = scroll.widget().width()
    label = dock.message
    ctx.values["message_fits"] = label.heightForWidth(label.width()) <= label.height()
    ctx.values["message_right_edge"] = label.geometry().right()
    dock.setFloating(False)
    dock.controller.board.say("")
    arrange_window(ctx)


def check_results_are_never_taken_as_the_photo(ctx):
    dock = docker(ctx)
    doc = open_document(ctx, "retouch", load("photo2.npy"))
    dock.controller.actions.import_mask(str(INPUTS / "source2.png"))
    yield from idle(ctx)  # the mask is read and its group made in steps
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    document_io.write_rgba(doc, edited_layer, pixels.label_to_colour_layer(load("edited2.npy")))
    press(dock, "apply")
    yield from idle(ctx)
    first = document_io.child(doc.rootNode(), "MaskGAN edit 1")
    assert first is not None, dock.message.text()
    doc.setActiveNode(first)  # as Krita leaves it after adding; the user changes a setting and applies again
    yield 100
    press(dock, "apply")
    yield from idle(ctx)
    second = document_io.child(doc.rootNode(), "MaskGAN edit 2")
    assert second is not None, dock.message.text()
    ctx.values["second_apply_same"] = bool(
        np.array_equal(document_io.read_rgba(doc, first), document_io.read_rgba(doc, second))
    )
    second.remove()
    dock.refresh()
    ctx.values["photo_line"] = dock.photo_line.text()


def check_flat_in_between_colour_is_refused(ctx):
    dock = docker(ctx)
    doc = state["retouch"]
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    kept = document_io.read_rgba(doc, edited_layer)
    rgba = kept.copy()
    rgba[40:64, 50:74] = (*PINK, 255)  # a flat patch from the colour wheel, on the face
    document_io.write_rgba(doc, edited_layer, rgba)
    before = snapshot(doc)
    press(dock, "apply")
    yield from idle(ctx)
    ctx.values["pink_message"] = dock.message.text()
    ctx.values["pink_unchanged"] = snapshot(doc) == before
    document_io.write_rgba(doc, edited_layer, kept)


def check_swatch_selects_the_mask_and_an_unchanged_mask_adds_nothing(ctx):
    dock = docker(ctx)
    doc = state["retouch"]
    background = doc.topLevelNodes()[0]
    doc.setActiveNode(background)
    yield 100
    dock.swatches[13].click()
    yield 100
    ctx.values["swatch_active_layer"] = doc.activeNode().name()
    group = document_io.find_group(doc)
    edited_layer = document_io.child(group, naming.EDITED_MASK)
    kept = document_io.read_rgba(doc, edited_layer)
    document_io.write_rgba(doc, edited_layer, document_io.read_rgba(doc, document_io.child(group, naming.SOURCE_MASK)))
    photo = document_io.read_rgba(doc, background)
    stroke = photo.copy()
    stroke[50:56, 40:90] = (0, 0, 0, 255)  # a stroke that landed on the photo
    document_io.write_rgba(doc, background, stroke)
    layers = top_level(doc)
    press(dock, "apply")
    yield from idle(ctx)
    ctx.values["unchanged_message"] = dock.message.text()
    ctx.values["unchanged_layers_same"] = top_level(doc) == layers
    document_io.write_rgba(doc, background, photo)
    document_io.write_rgba(doc, edited_layer, kept)


def check_cancel_while_variants_are_added(ctx):
    dock = docker(ctx)
    doc = state["retouch"]
    dock.variant_count.setValue(16)
    layers = top_level(doc)
    press(dock, "variants")
    # the moment the group appears, its layers are still being added: Cancel then
    deadline = time.monotonic() + 90
    while document_io.child(doc.rootNode(), "MaskGAN variants 1") is None and working(dock.controller):
        assert time.monotonic() < deadline, "timed out waiting for the variants"
        yield 0
    ctx.values["variants_group_seen"] = document_io.child(doc.rootNode(), "MaskGAN variants 1") is not None
    press(dock, "cancel")
    yield from idle(ctx)
    yield 300  # Krita removes layers through its event loop
    ctx.values["cancel_adding_message"] = dock.message.text()
    ctx.values["cancel_adding_layers_same"] = top_level(doc) == layers
    ctx.values["cancel_adding_layers"] = [layers, top_level(doc)]
    dock.variant_count.setValue(4)


def check_document_from_disk_is_named_by_its_file(ctx):
    from PyQt5.QtGui import QImage

    path = Path(ctx.artefacts) / "from disk.png"
    photo = np.ascontiguousarray(load("photo2.npy"))
    QImage(photo.data, photo.shape[1], photo.shape[0], photo.shape[1] * 3, QImage.Format_RGB888).save(str(path))
    doc = ctx.krita.openDocument(str(path))
    ctx.krita.activeWindow().addView(doc)
    state["from disk"] = doc
    yield 200
    ctx.values["disk_document_name"] = doc.name()
    ctx.krita.action("maskgan_apply_edit").trigger()
    ctx.values["disk_message"] = docker(ctx).message.text()
    state.pop("from disk")
    doc.setModified(False)
    doc.close()
    yield 100


def check_closing_the_document_while_an_edit_runs(ctx):
    dock = docker(ctx)
    doc = state["retouch"]
    yield from activate_retouch(ctx)
    press(dock, "apply")
    yield from wait_for(lambda: dock.controller.tasks.running, "the edit to be sent")
    state.pop("retouch")
    doc.setModified(False)
    doc.close()
    yield from idle(ctx)
    ctx.values["closed_message"] = dock.message.text()


def activate_retouch(ctx):
    from krita_checks import activate

    yield from activate(ctx, state["retouch"])


def stall_monitor():
    """Start a 5 ms timer that records the longest gap between its ticks (Krita's longest stall); returns a
    function that stops it and gives that gap in seconds."""
    timer = QTimer()
    ticks = {"last": time.monotonic(), "longest": 0.0}

    def tick():
        now = time.monotonic()
        ticks["longest"] = max(ticks["longest"], now - ticks["last"])
        ticks["last"] = now

    timer.timeout.connect(tick)
    timer.start(5)

    def stop():
        timer.stop()
        tick()
        return round(ticks["longest"], 3)

    return stop


def resident_mb() -> int:
    """Krita's resident memory (MB), from /proc."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) // 1024


def check_a_large_photo_keeps_krita_responsive(ctx):
    dock = docker(ctx)
    doc = open_document(ctx, "large 24 MP", load("large_photo.npy"))
    document_io.create_mask_group(doc, load("large_source.npy"), "colour")  # as Import mask would
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    edited = load("large_edited.npy")
    part, origin = document_io.label_part(edited)
    document_io.write_rgba(doc, edited_layer, pixels.label_to_colour_layer(part), origin)
    doc.refreshProjection()
    doc.waitForDone()
    yield 500
    sent = []  # (op, {array: shape}) of every request
    connection = dock.controller.connection
    submit = connection.submit

    def recording_submit(op, args=None, arrays=None, **kwargs):
        sent.append((op, {name: list(array.shape) for name, array in (arrays or {}).items()}))
        return submit(op, args, arrays, **kwargs)

    connection.submit = recording_submit
    ctx.values["large_memory_mb"] = [resident_mb()]
    for action in ("apply", "parse"):
        stop_stalls, stop_work = stall_monitor(), record_work_per_turn()
        press(dock, action)
        yield from idle(ctx)
        ctx.values[f"large_{action}_turns"] = stop_work()
        ctx.values[f"large_{action}_stall_s"] = stop_stalls()
        ctx.values["large_memory_mb"].append(resident_mb())
        ctx.values[f"large_{action}_message"] = dock.message.text()
        if action == "apply":
            result = document_io.child(doc.rootNode(), "MaskGAN edit 1")
            assert result is not None, dock.message.text()
            save(ctx, "large_result.npy", document_io.read_rgba(doc, result))
            undo, redo = ctx.krita.action("edit_undo"), ctx.krita.action("edit_redo")
            ctx.values["large_apply_undo"] = []
            for action_of_krita in (undo, redo):
                action_of_krita.trigger()
                doc.waitForDone()
                yield 300
                ctx.values["large_apply_undo"].append(top_level(doc))
    connection.submit = submit
    ctx.values["large_sent"] = [entry for entry in sent if entry[0] in ("edit", "parse")]
    ctx.values["large_parse_layers"] = top_level(doc)
    state.pop("large 24 MP")
    doc.setModified(False)
    doc.close()


def check_a_replaced_mask_group_is_no_longer_drawn(ctx):
    """A mask group joins through Krita's own Add Group Layer and is drawn alone; the group it replaces is hidden,
    which libkis does not redraw: its extent is drawn too. The masks: a block of skin at the left, then one at
    the right."""
    doc = open_document(ctx, "replaced", np.full((300, 400, 3), 90, np.uint8))
    yield 500
    blocks = {"left": (slice(50, 150), slice(20, 120)), "right": (slice(50, 150), slice(250, 350))}
    labels_of = {}
    for side, (rows, cols) in blocks.items():
        labels_of[side] = np.zeros((300, 400), np.uint8)
        labels_of[side][rows, cols] = 1

    def shown(x):
        doc.waitForDone()
        return np.frombuffer(bytes(doc.pixelData(x, 100, 1, 1)), np.uint8).tolist()

    drawn = []
    draw = quiet_join.draw_steps
    quiet_join.draw_steps = lambda document, node: drawn.append(node.name()) or draw(document, node)
    try:
        for side in blocks:
            document_io.create_mask_group(doc, labels_of[side], "colour")
            yield 1000
            ctx.values[f"replaced_after_{side}"] = [shown(70), shown(300)]
    finally:
        quiet_join.draw_steps = draw
    ctx.values["replaced_drawn"] = drawn
    ctx.values["replaced_layers"] = top_level(doc)
    state.pop("replaced")
    doc.setModified(False)
    doc.close()


def bounds(mask):
    """(top, bottom, left, right) of a boolean mask's set pixels, or None."""
    if not mask.any():
        return None
    rows, cols = np.nonzero(mask)
    return rows.min(), rows.max(), cols.min(), cols.max()


def check_screenshots_on_the_astronaut(ctx):
    """Parse face and Apply edit on a real photo, through a daemon with the landmark parser (the default where
    its packages are installed; the session's daemon runs the synthetic learned parser)."""
    dock = docker(ctx)
    endpoint = dock.controller.settings.endpoint
    set_endpoint(dock, os.environ["MASKGAN_TEST_LANDMARKS_ENDPOINT"])
    yield from wait_for(lambda: dock.controller.link.daemon is not None, "the landmark parser's daemon")
    doc = open_document(ctx, "astronaut", load("astronaut.npy"))
    press(dock, "parse")
    yield from idle(ctx)
    group = document_io.find_group(doc)
    assert group is not None, dock.message.text()
    yield from screenshot(ctx, doc, "krita_parse_face.png")
    scrolls = [dock.widget().verticalScrollBar().isVisible()]
    label = document_io.read_source_mask(doc, TOLERANCE)
    edited = label.copy()
    boxes = [box for box in (bounds(label == eye) for eye in (4, 5)) if box is not None]  # where the parser saw eyes
    assert len(boxes) == 2, f"the parser marked {len(boxes)} eyes"
    for top, bottom, left, right in boxes:  # a frame around each eye, as a user paints glasses
        frame = np.zeros(label.shape, bool)
        frame[top - 9 : bottom + 10, left - 10 : right + 11] = True
        frame[top - 5 : bottom + 6, left - 6 : right + 7] = False
        edited[frame] = 3  # Eyeglasses
    (top, bottom, _, right), (_, _, left, _) = sorted(boxes, key=lambda box: box[2])
    edited[(top + bottom) // 2 - 2 : (top + bottom) // 2 + 2, right + 10 : left - 10] = 3  # the bridge
    part, origin = document_io.label_part(edited)
    document_io.write_rgba(
        doc, document_io.child(group, naming.EDITED_MASK), pixels.label_to_colour_layer(part), origin
    )
    press(dock, "apply")
    yield from idle(ctx)
    ctx.values["astronaut_apply_message"] = dock.message.text()
    group.setVisible(False)
    group.setCollapsed(True)
    yield from screenshot(ctx, doc, "krita_apply_edit.png")
    ctx.values["astronaut_docker_scrolls"] = scrolls + [dock.widget().verticalScrollBar().isVisible()]
    state.pop("astronaut")
    doc.setModified(False)
    doc.close()
    set_endpoint(dock, endpoint)
    yield from wait_for(lambda: dock.controller.link.daemon is not None, "the session's daemon again")


checks = [
    check_results_are_never_taken_as_the_photo,
    check_flat_in_between_colour_is_refused,
    check_swatch_selects_the_mask_and_an_unchanged_mask_adds_nothing,
    check_cancel_while_variants_are_added,
    check_document_from_disk_is_named_by_its_file,
    check_closing_the_document_while_an_edit_runs,
    check_a_large_photo_keeps_krita_responsive,
    check_a_replaced_mask_group_is_no_longer_drawn,
    check_screenshots_on_the_astronaut,
]
