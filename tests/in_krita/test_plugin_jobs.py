"""Batches over the open documents and Cancel, in real Krita."""

import re

import numpy as np
import test_plugin_errors

BAD_COLOURS = test_plugin_errors.BAD_COLOURS.rstrip(".")  # the summary joins reasons with "; "
SIXTEEN_BIT = (
    "“sixteen bit” is RGBA U16; MaskGAN needs 8-bit RGBA: convert it with Image > Convert Image Color "
    "Space… to RGB/Alpha, 8-bit integer/channel"
)


def most_in_flight(seen):
    return max(running for running, _ in seen)


def item_progress_lines(seen):
    """Per-item lines that showed a running item's own progress, e.g. "“portrait”: 50 % (blending)"."""
    return {line for _, lines in seen for line in lines if re.fullmatch(r"“.+”: \d+ % \(.+\)", line)}


def test_batch_apply_keeps_several_requests_in_flight_and_goes_on_past_a_failure(plugin_session, demo_editor):
    values = plugin_session.check("check_batch_apply_runs_several_at_once")
    assert values["batch_apply_message"] == f"Batch apply: 2 of 3 applied; 1 failed: {BAD_COLOURS}"
    assert values["batch_apply_lines"] == ["“portrait”: applied", "“portrait 2”: applied", "“bad colours”: failed"]
    seen = values["batch_apply_seen"]
    assert most_in_flight(seen) == 2  # both good documents at once (the bad one never left Krita)
    assert item_progress_lines(seen), seen
    assert values["batch_apply_layers portrait"] == [
        "Background",
        "MaskGAN edit 2",
        "MaskGAN style 1",
        "MaskGAN variants 1",
        "MaskGAN edit 1",
        "MaskGAN",
    ]
    assert values["batch_apply_layers portrait 2"] == ["Background", "MaskGAN edit 1", "MaskGAN replaced 1", "MaskGAN"]
    assert values["batch_apply_layers bad colours"] == ["Background", "MaskGAN"]
    assert values["batch_apply_kept_every_layer"] is True
    expected = demo_editor.edit(
        plugin_session.input("photo2.npy"),
        plugin_session.input("source2.npy"),
        plugin_session.input("edited2.npy"),
        feather=8,
    )
    assert np.array_equal(plugin_session.artefact("batch_layer_portrait_2.npy"), expected.layer)


def test_cancel_ends_a_batch_without_adding_a_layer(plugin_session):
    values = plugin_session.check("check_cancel_stops_a_batch_and_adds_nothing")
    assert values["batch_cancel_in_flight"] == 2
    assert values["batch_cancel_message"] == f"Batch apply: 0 of 3 applied; 1 failed: {BAD_COLOURS}; 2 cancelled"
    assert values["batch_cancel_lines"] == ["“portrait”: cancelled", "“portrait 2”: cancelled", "“bad colours”: failed"]
    assert values["batch_cancel_kept_every_layer"] is True


def test_cancel_stops_long_variants_at_the_daemon_and_adds_nothing(plugin_session):
    values = plugin_session.check("check_cancel_stops_long_variants_and_adds_nothing")
    progress = values["variants_cancel_progress"]
    assert progress and len(progress) < 16 and "Variants: rendering variant 16 of 16" not in progress, progress
    assert values["variants_cancel_message"] == "Variants cancelled; nothing was added"
    assert values["variants_cancel_layers"] == ["Background", "MaskGAN"]
    assert values["variants_cancel_kept_every_layer"] is True


def test_batch_parse_parses_each_document_without_masks(plugin_session):
    from maskgan.parsing.learned import LearnedParser

    values = plugin_session.check("check_batch_parse_parses_every_document_without_masks")
    assert values["batch_parse_message"] == f"Batch parse: 2 of 3 parsed; 1 failed: {SIXTEEN_BIT}"
    assert values["batch_parse_lines"] == ["“sixteen bit”: failed", "“to parse A”: parsed", "“to parse B”: parsed"]
    assert most_in_flight(values["batch_parse_seen"]) == 2
    assert values["batch_parse_kept_every_layer"] is True
    parser = LearnedParser.from_bundle(None)
    for name, photo in (("to parse A", "photo.npy"), ("to parse B", "photo2.npy")):
        assert values[f"batch_parse_layers {name}"] == ["Background", "MaskGAN"]
        expected = parser.parse(plugin_session.input(photo)).labels
        assert np.array_equal(plugin_session.artefact(f"batch_parsed {name}.npy"), expected)


LAYER_SKIPS = (
    "“Edited mask”: part of the MaskGAN masks, not a photo; “Logo”: a vector layer: convert it to a paint "
    "layer first (Layer > Convert); “Group 1”: a group layer: select the paint layers inside it"
)


def test_batch_apply_over_selected_layers_edits_each_photo_layer_with_the_documents_masks(plugin_session, demo_editor):
    values = plugin_session.check("check_batch_apply_over_selected_layers")
    assert values["batch_scope_setting"] == "layers"
    # the view lists the selected layers top to bottom, as the Layers docker shows them; so do the items
    assert values["layers_selected"] == ["Edited mask", "Logo", "Group 1", "Photo B", "Background"]
    assert values["layers_apply_message"] == f"Batch apply on “frames”: 2 of 5 applied; 3 skipped: {LAYER_SKIPS}"
    assert values["layers_apply_lines"] == [
        "“Edited mask”: skipped",
        "“Logo”: skipped",
        "“Group 1”: skipped",
        "“Photo B”: applied",
        "“Background”: applied",
    ]
    assert most_in_flight(values["layers_apply_seen"]) == 2
    assert item_progress_lines(values["layers_apply_seen"]), values["layers_apply_seen"]
    assert values["layers_apply_kept_every_layer"] is True
    assert values["layers_apply_new_layers"] == ["MaskGAN edit 1", "MaskGAN edit 2"]
    for name in ("Background", "Photo B"):
        assert values[f"layers_apply_above {name}"].startswith("MaskGAN edit ")
        expected = demo_editor.edit(
            plugin_session.artefact(f"frames {name}.npy"),
            plugin_session.input("source2.npy"),
            plugin_session.input("edited2.npy"),
            feather=8,
        )
        assert expected.changed
        assert np.array_equal(plugin_session.artefact(f"layers_apply_result {name}.npy"), expected.layer)


def test_batch_parse_over_selected_layers_adds_each_layers_mask_above_it(plugin_session):
    from maskgan.labels import label_to_color
    from maskgan.parsing.learned import LearnedParser

    values = plugin_session.check("check_batch_parse_over_selected_layers")
    assert sorted(values["layers_parse_selected"]) == ["Background", "Inside", "Photo B"]
    assert values["layers_parse_message"] == "Batch parse on “frames”: 3 of 3 parsed"
    assert sorted(values["layers_parse_lines"]) == ["“Background”: parsed", "“Inside”: parsed", "“Photo B”: parsed"]
    assert values["layers_parse_kept_every_layer"] is True
    assert values["layers_parse_group_unchanged"] is True
    parser = LearnedParser.from_bundle(None)
    names = set()
    for name in ("Background", "Photo B", "Inside"):
        mask_name, opacity, visible = values[f"layers_parse_above {name}"]
        assert mask_name.startswith("MaskGAN mask ") and opacity == 128 and visible
        names.add(mask_name)
        label = parser.parse(plugin_session.artefact(f"frames {name}.npy")).labels
        got = plugin_session.artefact(f"layers_parse_mask {name}.npy")
        face = label > 0  # background is transparent: the layer's bounds are the face's
        assert (
            np.array_equal(got[face, :3], label_to_color(label)[face]) and (got[..., 3] == np.where(face, 255, 0)).all()
        )
    assert names == {"MaskGAN mask 1", "MaskGAN mask 2", "MaskGAN mask 3"}
