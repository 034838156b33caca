"""Checks: the Precision setting against the running daemon, results in the group "MaskGAN results", and the whole
image as shown sent as the photo.

"layered" is the demo photo with more layers (a half-transparent tint in a group, a hidden sketch) and the
masks of "portrait" (parsed, glasses painted). Every setting is back at its default at the end, and "layered"
is closed, so that the batch checks after these see what they expect.
"""

import numpy as np
from krita_checks import (
    TOLERANCE,
    activate,
    choose,
    docker,
    every_layer,
    idle,
    kept,
    load,
    open_document,
    press,
    save,
    select_layers,
    state,
    top_level,
)
from PyQt5.QtWidgets import QApplication

from maskgan_krita import bgra, document_io
from maskgan_plugin_common import naming, pixels

GROUP_CHILDREN = "results_group_children"


def setting(ctx, name):
    return ctx.krita.readSetting("MaskGAN", name, "")


def check_precision_is_shown_and_a_different_setting_noted(ctx):
    dock = docker(ctx)
    ctx.values["precision_connection"] = dock.connection_label.text()
    ctx.values["precision_note_at_auto"] = [dock.precision_note.text(), dock.precision_note.isVisible()]
    for precision in ("bf16", "fp32", "auto"):  # the test daemon runs in fp32
        choose(dock.precision, precision)
        ctx.values[f"precision_note {precision}"] = [dock.precision_note.text(), dock.precision_note.isVisible()]
        ctx.values[f"precision_setting {precision}"] = setting(ctx, "precision")
        ctx.values[f"precision_modal {precision}"] = QApplication.activeModalWidget() is not None


def open_layered(ctx):
    """ "layered": Background (the demo photo), "Retouch" holding "Tint" (red, half transparent, over the lower
    half), a hidden "Sketch", and the MaskGAN group with the masks of "portrait"."""
    photo = load("photo.npy")
    doc = open_document(ctx, "layered", photo)
    root = doc.rootNode()
    retouch = doc.createGroupLayer("Retouch")
    root.addChildNode(retouch, None)
    tint = np.zeros(photo.shape[:2] + (4,), np.uint8)
    tint[photo.shape[0] // 2 :] = (200, 40, 40, 128)
    document_io.add_layer(doc, retouch, None, "Tint", tint)
    sketch = document_io.add_layer(doc, root, None, "Sketch", np.full(photo.shape[:2] + (4,), 255, np.uint8))
    sketch.setVisible(False)
    document_io.create_mask_group(doc, document_io.read_source_mask(state["portrait"], TOLERANCE), "colour")
    document_io.write_rgba(
        doc,
        document_io.child(document_io.find_group(doc), naming.EDITED_MASK),
        pixels.label_to_colour_layer(state["edited"]),
    )
    doc.refreshProjection()
    return doc


def click(ctx, button):
    """Generator: click an action button with "layered" and its photo layer active, as a user would; wait for the
    daemon; return the docker's message."""
    dock = docker(ctx)
    yield from activate(ctx, state["layered"])
    press(dock, button)
    yield from idle(ctx)
    return dock.message.text()


def check_results_go_into_the_results_group(ctx):
    dock = docker(ctx)
    doc = open_layered(ctx)
    choose(dock.method, "generate")  # the generator draws the glasses, so that the Look setting shows
    ctx.values["method_setting"] = setting(ctx, "method")
    choose(dock.result_place, "results_group")
    ctx.values["result_place_setting"] = setting(ctx, "result_place")
    before = every_layer(ctx)
    ctx.values["group_apply_message"] = yield from click(ctx, "apply")
    ctx.values["group_top_level_after_apply"] = top_level(doc)
    dock.variant_count.setValue(2)
    ctx.values["group_variants_message"] = yield from click(ctx, "variants")
    dock.variant_count.setValue(4)
    yield from activate(ctx, doc)  # the docker refills "Style from" as the active view changes: choose after
    dock.reference.setCurrentIndex(dock.reference.findText("portrait 2"))
    press(dock, "style")
    yield from idle(ctx)
    ctx.values["group_style_message"] = dock.message.text()
    choose(dock.scope, "layers")
    ctx.values["group_batch_selected"] = yield from select_layers(ctx, ["Background"])
    dock.look.setValue(0)  # the batch draws the added glasses in the photo's own style
    ctx.values["look_setting"] = setting(ctx, "look")
    press(dock, "batch_apply")
    yield from idle(ctx)
    ctx.values["group_batch_message"] = dock.message.text()
    choose(dock.scope, "documents")
    dock.look.setValue(-1)
    choose(dock.method, "auto")
    results = document_io.find_group(doc, naming.RESULTS_GROUP)
    ctx.values["group_top_level"] = top_level(doc)
    ctx.values[GROUP_CHILDREN] = [n.name() for n in results.childNodes()]
    variants = document_io.child(results, "MaskGAN variants 1")
    ctx.values["group_variant_layers"] = [(n.name(), n.visible()) for n in variants.childNodes()]
    for name in ("MaskGAN edit 1", "MaskGAN style 1", "MaskGAN edit 2"):
        save(ctx, f"group {name}.npy", document_io.read_rgba(doc, document_io.child(results, name)))
    save(ctx, "group variants.npy", np.stack([document_io.read_rgba(doc, n) for n in variants.childNodes()]))
    ctx.values["group_kept_every_layer"] = kept(before, every_layer(ctx))


def check_whole_image_is_refused_while_masks_or_results_show(ctx):
    dock = docker(ctx)
    doc = state["layered"]
    choose(dock.photo_source, "image")
    choose(dock.result_place, "above_photo")
    ctx.values["photo_source_setting"] = setting(ctx, "photo_source")
    before = every_layer(ctx)
    ctx.values["whole_refused_apply"] = yield from click(ctx, "apply")
    ctx.values["whole_refused_parse"] = yield from click(ctx, "parse")
    document_io.find_group(doc).setVisible(False)  # as the user does, following the message
    ctx.values["whole_refused_results"] = yield from click(ctx, "variants")
    ctx.values["whole_refused_visible"] = [
        (n.name(), n.visible()) for n in doc.topLevelNodes() if n.name() in (naming.GROUP, naming.RESULTS_GROUP)
    ]
    ctx.values["whole_refused_nothing_changed"] = every_layer(ctx) == before


def spy_on_sent_images(controller):
    """Record the image of every request sent; returns (what was sent: [(op, image)], a function to stop)."""
    connection = controller.connection
    sent = []
    submit = connection.submit

    def spy(op, args=None, arrays=None, **callbacks):
        if arrays and "image" in arrays:
            sent.append((op, np.array(arrays["image"])))
        return submit(op, args, arrays, **callbacks)

    connection.submit = spy
    return sent, lambda: delattr(connection, "submit")


def check_whole_image_sends_the_projection(ctx):
    dock = docker(ctx)
    doc = state["layered"]
    document_io.find_group(doc, naming.RESULTS_GROUP).setVisible(False)  # as the user does
    doc.refreshProjection()
    doc.waitForDone()
    width, height = doc.width(), doc.height()
    save(
        ctx,
        "projection.npy",
        bgra.bgra_to_rgba(bytes(doc.rootNode().projectionPixelData(0, 0, width, height)), width, height),
    )
    before = every_layer(ctx)
    sent, stop = spy_on_sent_images(dock.controller)
    try:
        ctx.values["whole_apply_message"] = yield from click(ctx, "apply")
        retouch = document_io.child(doc.rootNode(), "Retouch")
        ctx.values["whole_retouch_children"] = [n.name() for n in retouch.childNodes()]
        ctx.values["whole_top_level_after_apply"] = top_level(doc)
        save(ctx, "whole edit.npy", document_io.read_rgba(doc, document_io.child(retouch, "MaskGAN edit 3")))
        ctx.values["whole_kept_every_layer"] = kept(before, every_layer(ctx))
        document_io.child(retouch, "MaskGAN edit 3").setVisible(False)  # it shows now: the user hides it to parse
        ctx.values["whole_parse_message"] = yield from click(ctx, "parse")
    finally:
        stop()
    ctx.values["whole_sent_ops"] = [op for op, _ in sent]
    for op, image in sent:
        save(ctx, f"whole sent {op}.npy", image)
    ctx.values["whole_top_level_after_parse"] = top_level(doc)
    save(ctx, "whole parsed.npy", document_io.read_source_mask(doc, TOLERANCE))
    ctx.values["whole_parse_kept_every_layer"] = kept(before, every_layer(ctx))


def check_settings_are_back_at_their_defaults(ctx):
    dock = docker(ctx)
    choose(dock.photo_source, "layer")
    choose(dock.result_place, "above_photo")
    ctx.values["defaults_restored"] = {
        name: setting(ctx, name) for name in ("precision", "photo_source", "result_place", "batch_scope")
    }
    doc = state.pop("layered")
    doc.setModified(False)
    doc.close()


checks = [
    check_precision_is_shown_and_a_different_setting_noted,
    check_results_go_into_the_results_group,
    check_whole_image_is_refused_while_masks_or_results_show,
    check_whole_image_sends_the_projection,
    check_settings_are_back_at_their_defaults,
]
