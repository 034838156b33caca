"""Checks: batches over the open documents (several requests in flight, per-item lines, failures), and Cancel.

Open before: "portrait" and "portrait 2" (masks, ready to edit), "bad colours" (a
mask the plug-in refuses), "sixteen bit" (no masks, a depth the plug-in refuses).
"""

import numpy as np

from krita_checks import (
    activate, docker, every_layer, idle, kept, load, open_document, record_while_running, save, state, top_level,
    wait_for,
)
from maskgan_krita import document_io, naming, pixels


def check_batch_apply_runs_several_at_once(ctx):
    dock = docker(ctx)
    for name in ("portrait", "portrait 2"):
        yield from activate(ctx, state[name])  # the photo is each document's Background layer
    before = every_layer(ctx)
    stop = record_while_running(ctx, "batch_apply_seen")
    dock.buttons["batch_apply"].click()
    yield from idle(ctx)
    stop()
    ctx.values["batch_apply_message"] = dock.message.text()
    ctx.values["batch_apply_lines"] = dock.batch_items.text().splitlines()
    for name in ("portrait", "portrait 2", "bad colours"):
        ctx.values[f"batch_apply_layers {name}"] = top_level(state[name])
    save(ctx, "batch_layer_portrait_2.npy", document_io.read_rgba(state["portrait 2"], document_io.child(
        state["portrait 2"].rootNode(), "MaskGAN edit 1")))
    ctx.values["batch_apply_kept_every_layer"] = kept(before, every_layer(ctx))

def check_cancel_stops_a_batch_and_adds_nothing(ctx):
    dock = docker(ctx)
    before = every_layer(ctx)
    dock.buttons["batch_apply"].click()
    ctx.values["batch_cancel_in_flight"] = len(dock.controller.running)
    dock.buttons["cancel"].click()
    yield from idle(ctx)
    ctx.values["batch_cancel_message"] = dock.message.text()
    ctx.values["batch_cancel_lines"] = dock.batch_items.text().splitlines()
    ctx.values["batch_cancel_kept_every_layer"] = every_layer(ctx) == before


def check_cancel_stops_long_variants_and_adds_nothing(ctx):
    dock = docker(ctx)
    side = 1000  # each variant's paste-back takes a while at this size: time to cancel in between
    photo = np.full((side, side, 3), 90, np.uint8)
    doc = open_document(ctx, "large", photo)
    label = np.zeros((side, side), np.uint8)
    label[60:940, 60:940] = 1
    document_io.create_mask_group(doc, label, "colour")
    edited = label.copy()
    edited[300:450, 300:700] = 13
    document_io.write_rgba(doc, document_io.child(document_io.find_group(doc), naming.EDITED_MASK),
                           pixels.label_to_colour_layer(edited))
    dock.variant_count.setValue(16)
    before = every_layer(ctx)
    progress = []

    def on_change():
        progress.append(dock.controller.message)

    dock.controller.changed.connect(on_change)
    dock.buttons["variants"].click()
    yield from wait_for(lambda: "rendering variant" in dock.controller.message, "the first variant")
    dock.buttons["cancel"].click()
    yield from idle(ctx)
    dock.controller.changed.disconnect(on_change)
    ctx.values["variants_cancel_progress"] = sorted({m for m in progress if "rendering variant" in m})
    ctx.values["variants_cancel_message"] = dock.message.text()
    ctx.values["variants_cancel_kept_every_layer"] = every_layer(ctx) == before
    ctx.values["variants_cancel_layers"] = top_level(doc)
    dock.variant_count.setValue(4)
    doc.setModified(False)
    doc.close()
    state.pop("large")


def check_batch_parse_parses_every_document_without_masks(ctx):
    dock = docker(ctx)
    for name, photo in (("to parse A", "photo.npy"), ("to parse B", "photo2.npy")):
        open_document(ctx, name, load(photo))
    before = every_layer(ctx)
    stop = record_while_running(ctx, "batch_parse_seen")
    dock.buttons["batch_parse"].click()
    yield from idle(ctx)
    stop()
    ctx.values["batch_parse_message"] = dock.message.text()
    ctx.values["batch_parse_lines"] = dock.batch_items.text().splitlines()
    for name in ("to parse A", "to parse B"):
        ctx.values[f"batch_parse_layers {name}"] = top_level(state[name])
        save(ctx, f"batch_parsed {name}.npy", document_io.read_source_mask(state[name]))
    ctx.values["batch_parse_kept_every_layer"] = kept(before, every_layer(ctx))


checks = [
    check_batch_apply_runs_several_at_once,
    check_cancel_stops_a_batch_and_adds_nothing,
    check_cancel_stops_long_variants_and_adds_nothing,
    check_batch_parse_parses_every_document_without_masks,
]
