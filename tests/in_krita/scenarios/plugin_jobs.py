"""Checks: batches over the open documents (several requests in flight, per-item lines, failures), Cancel, and
batches over the selected layers of one document.

Open before: "portrait" and "portrait 2" (masks, ready to edit), "bad colours" (a
mask the plug-in refuses), "sixteen bit" (no masks, a depth the plug-in refuses).
"frames" (two photo layers, a group, a vector layer, masks) stays open for the liveness checks.
"""

import numpy as np
from krita_checks import (
    INPUTS,
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
    record_while_running,
    save,
    select_layers,
    state,
    top_level,
    wait_for,
)

from maskgan_krita import document_io, node_tree
from maskgan_plugin_common import naming, pixels


def check_batch_apply_runs_several_at_once(ctx):
    dock = docker(ctx)
    for name in ("portrait", "portrait 2"):
        yield from activate(ctx, state[name])  # the photo is each document's Background layer
    before = every_layer(ctx)
    stop = record_while_running(ctx, "batch_apply_seen")
    press(dock, "batch_apply")
    yield from idle(ctx)
    stop()
    ctx.values["batch_apply_message"] = dock.message.text()
    ctx.values["batch_apply_lines"] = dock.batch_items.text().splitlines()
    for name in ("portrait", "portrait 2", "bad colours"):
        ctx.values[f"batch_apply_layers {name}"] = top_level(state[name])
    save(
        ctx,
        "batch_layer_portrait_2.npy",
        document_io.read_rgba(state["portrait 2"], document_io.child(state["portrait 2"].rootNode(), "MaskGAN edit 1")),
    )
    ctx.values["batch_apply_kept_every_layer"] = kept(before, every_layer(ctx))


def check_cancel_stops_a_batch_and_adds_nothing(ctx):
    dock = docker(ctx)
    before = every_layer(ctx)
    press(dock, "batch_apply")
    yield from wait_for(lambda: not dock.controller.tasks.preparing, "the items to be read")  # in steps
    ctx.values["batch_cancel_in_flight"] = len(dock.controller.tasks.running)
    press(dock, "cancel")
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
    document_io.write_rgba(
        doc, document_io.child(document_io.find_group(doc), naming.EDITED_MASK), pixels.label_to_colour_layer(edited)
    )
    dock.variant_count.setValue(16)
    before = every_layer(ctx)
    progress = []

    def on_change():
        progress.append(dock.controller.board.message)

    dock.controller.changed.connect(on_change)
    press(dock, "variants")
    yield from wait_for(lambda: "rendering variant" in dock.controller.board.message, "the first variant")
    press(dock, "cancel")
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
    press(dock, "batch_parse")
    yield from idle(ctx)
    stop()
    ctx.values["batch_parse_message"] = dock.message.text()
    ctx.values["batch_parse_lines"] = dock.batch_items.text().splitlines()
    for name in ("to parse A", "to parse B"):
        ctx.values[f"batch_parse_layers {name}"] = top_level(state[name])
        save(ctx, f"batch_parsed {name}.npy", document_io.read_source_mask(state[name], TOLERANCE))
    ctx.values["batch_parse_kept_every_layer"] = kept(before, every_layer(ctx))


def opaque(rgb):
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


def open_frames(ctx):
    """Generator: "frames": the second portrait as "Background", brighter as "Photo B", mirrored as "Inside" in "Group 1",
    a vector layer "Logo", and the imported masks with the edit of edited2.npy. Saves the photos as artefacts."""
    photo = load("photo2.npy")
    photos = {
        "Background": photo,
        "Photo B": (photo.astype(np.uint16) * 3 // 4 + 64).astype(np.uint8),
        "Inside": np.ascontiguousarray(photo[:, ::-1]),
    }
    doc = open_document(ctx, "frames", photo)
    root = doc.rootNode()
    document_io.add_layer(doc, root, None, "Photo B", opaque(photos["Photo B"]))
    group = doc.createGroupLayer("Group 1")
    root.addChildNode(group, None)
    document_io.add_layer(doc, group, None, "Inside", opaque(photos["Inside"]))
    root.addChildNode(doc.createVectorLayer("Logo"), None)
    docker(ctx).controller.actions.import_mask(str(INPUTS / "source2.png"))
    yield from idle(ctx)  # the mask is read and its group made in steps
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    document_io.write_rgba(doc, edited_layer, pixels.label_to_colour_layer(load("edited2.npy")))
    for name, rgb in photos.items():
        save(ctx, f"frames {name}.npy", rgb)


def node_named(doc, name):
    return next(n for n in node_tree.walk(doc.rootNode()) if n.name() == name)


def above(doc, name):
    """The layer right above the layer ``name`` in its parent, or None."""
    node = node_named(doc, name)
    siblings = node.parentNode().childNodes()
    index = [n.name() for n in siblings].index(name)
    return siblings[index + 1] if index + 1 < len(siblings) else None


def choose_layer_scope(ctx):
    dock = docker(ctx)
    choose(dock.scope, "layers")
    ctx.values["batch_scope_setting"] = ctx.krita.readSetting("MaskGAN", "batch_scope", "")


def check_batch_apply_over_selected_layers(ctx):
    dock = docker(ctx)
    yield from open_frames(ctx)
    doc = state["frames"]
    choose_layer_scope(ctx)
    yield from activate(ctx, doc)
    chosen = ["Background", "Photo B", "Group 1", "Logo", naming.EDITED_MASK]
    ctx.values["layers_selected"] = yield from select_layers(ctx, chosen)
    before = every_layer(ctx)
    stop = record_while_running(ctx, "layers_apply_seen")
    press(dock, "batch_apply")
    yield from idle(ctx)
    stop()
    ctx.values["layers_apply_message"] = dock.message.text()
    ctx.values["layers_apply_lines"] = dock.batch_items.text().splitlines()
    ctx.values["layers_apply_top_level"] = top_level(doc)
    for name in ("Background", "Photo B"):
        result = above(doc, name)
        ctx.values[f"layers_apply_above {name}"] = result.name()
        save(ctx, f"layers_apply_result {name}.npy", document_io.read_rgba(doc, result))
    ctx.values["layers_apply_kept_every_layer"] = kept(before, every_layer(ctx))
    ctx.values["layers_apply_new_layers"] = sorted(
        {n for n, _ in every_layer(ctx)["frames"]} - {n for n, _ in before["frames"]}
    )


def check_batch_parse_over_selected_layers(ctx):
    dock = docker(ctx)
    doc = state["frames"]
    ctx.values["layers_parse_selected"] = yield from select_layers(ctx, ["Background", "Photo B", "Inside"])
    before = every_layer(ctx)
    group_before = document_io.read_source_mask(doc, TOLERANCE), document_io.read_edited_mask(doc, TOLERANCE)
    press(dock, "batch_parse")
    yield from idle(ctx)
    ctx.values["layers_parse_message"] = dock.message.text()
    ctx.values["layers_parse_lines"] = dock.batch_items.text().splitlines()
    for name in ("Background", "Photo B", "Inside"):
        mask = above(doc, name)
        ctx.values[f"layers_parse_above {name}"] = [mask.name(), mask.opacity(), mask.visible()]
        save(ctx, f"layers_parse_mask {name}.npy", document_io.read_rgba(doc, mask))
    ctx.values["layers_parse_kept_every_layer"] = kept(before, every_layer(ctx))
    ctx.values["layers_parse_group_unchanged"] = all(
        np.array_equal(a, b)
        for a, b in zip(
            group_before, (document_io.read_source_mask(doc, TOLERANCE), document_io.read_edited_mask(doc, TOLERANCE))
        )
    )


checks = [
    check_batch_apply_runs_several_at_once,
    check_cancel_stops_a_batch_and_adds_nothing,
    check_cancel_stops_long_variants_and_adds_nothing,
    check_batch_parse_parses_every_document_without_masks,
    check_batch_apply_over_selected_layers,
    check_batch_parse_over_selected_layers,
]
