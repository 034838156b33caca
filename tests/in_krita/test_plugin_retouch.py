"""What a retoucher hit on real photos (issue 18), in real Krita: see scenarios/plugin_retouch.py."""

import os
import shutil
from pathlib import Path

import numpy as np
from conftest import large

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREENSHOTS = ("krita_parse_face.png", "krita_apply_edit.png")


def test_docker_is_usable_at_its_default_width(plugin_session):
    values = plugin_session.check("check_docker_fits_a_narrow_width")
    assert values["style_from_text"] == "no other open document has MaskGAN masks"  # the placeholder shows
    assert values["narrow_dock_width"] <= 200 and values["dock_minimum_width"] <= 190
    assert values["narrow_content_minimum"] <= values["narrow_viewport"]  # nothing is cut off at the right
    assert values["narrow_content_width"] <= values["narrow_viewport"]
    assert values["message_fits"] is True  # a long message wraps, even a path without spaces
    assert values["message_right_edge"] < values["narrow_viewport"]


def test_a_result_is_never_taken_as_the_photo(plugin_session):
    values = plugin_session.check("check_results_are_never_taken_as_the_photo")
    assert values["photo_line"] == "Photo: “Background” (the masks were made from it)"
    assert values["second_apply_same"] is True  # with the result active, the photo sent is still “Background”


def test_a_flat_in_between_colour_is_refused(plugin_session):
    values = plugin_session.check("check_flat_in_between_colour_is_refused")
    assert values["pink_message"].startswith(
        "“retouch”: “Edited mask” has 64 pixels off the palette (an area of a colour between two classes, more than "
        "8 px from either: a blend only counts at an edge), in 1 colour: RGB(220, 120, 130) x64 (nearest "
    )
    assert values["pink_unchanged"] is True


def test_a_swatch_selects_the_edited_mask_and_an_unchanged_mask_adds_nothing(plugin_session):
    values = plugin_session.check("check_swatch_selects_the_mask_and_an_unchanged_mask_adds_nothing")
    assert values["swatch_active_layer"] == "Edited mask"
    assert values["unchanged_message"] == (
        "“retouch”: “Edited mask” equals the source mask, so the edit would change nothing: nothing was sent or "
        "added. Click a palette swatch (it selects “Edited mask”) and paint the change there. Note: the photo layer "
        "“Background” changed since its masks were made (around the face): if you painted on it by mistake, undo "
        "that and paint on “Edited mask”."
    )
    assert values["unchanged_layers_same"] is True


def test_cancel_while_variants_are_added_adds_nothing(plugin_session):
    values = plugin_session.check("check_cancel_while_variants_are_added")
    assert values["variants_group_seen"] is True
    assert values["cancel_adding_message"] == "Variants cancelled while its result was being added; nothing was added"
    assert values["cancel_adding_layers_same"] is True


def test_a_document_opened_from_disk_is_named_by_its_file(plugin_session):
    values = plugin_session.check("check_document_from_disk_is_named_by_its_file")
    assert values["disk_document_name"] == ""  # Krita gives it no title
    assert values["disk_message"] == "“from disk.png” has no MaskGAN masks yet: use Import mask… (or Parse face) first"


def test_closing_the_document_while_an_edit_runs_drops_the_result(plugin_session):
    values = plugin_session.check("check_closing_the_document_while_an_edit_runs")
    assert values["closed_message"] == "“retouch” was closed while Apply edit ran; its result was dropped"
    assert plugin_session.result["errors"] == []


def test_a_large_photo_is_sent_by_its_face_and_read_in_steps(plugin_session, demo_editor):
    """A 6000x4000 photo: Apply edit sends only the region around the face, yet its layer equals the engine's
    edit of the whole photo; Parse face sends the whole photo. Every turn of Krita's event loop reads, writes and
    converts at most a band of pixels, and Parse face adds its whole mask group to the document at once (Krita
    redraws the whole image for each layer added). The longest stall of Krita's event loop is measured and
    printed (on a loaded machine it is no assertion: no wall-clock assertions in tests)."""
    from maskgan_plugin_common.bands import BAND_PIXELS

    values = plugin_session.check("check_a_large_photo_keeps_krita_responsive")
    print(
        f"longest stall on a 6000x4000 photo: Apply edit {values['large_apply_stall_s']} s, "
        f"Parse face {values['large_parse_stall_s']} s; Krita's resident memory before, after Apply edit, after "
        f"Parse face: {values['large_memory_mb']} MB"
    )
    for action in ("apply", "parse"):
        turns = values[f"large_{action}_turns"]
        assert all(turn["step"] for turn in turns), [turn for turn in turns if not turn["step"]][:3]
        for key in ("read", "written", "converted"):
            assert max(turn[key] for turn in turns) <= BAND_PIXELS, (action, key)
        # one node joins, through Krita's own Layer > New action (addChildNode would redraw all 24 MP) and is
        # drawn; Parse face also draws the group it replaces, which it hid
        drawn = [turn["drawn"] for turn in turns if turn["drawn"]]
        assert drawn == ([1] if action == "apply" else [1, 1]) and not any(turn["added"] for turn in turns)
    assert sum(turn["read"] for turn in values["large_parse_turns"]) >= 4000 * 6000  # the whole photo, in bands
    # one Edit > Undo takes the result away, as it does a layer added by hand; redo brings it back
    assert values["large_apply_undo"] == [
        ["Background", "MaskGAN"],
        ["Background", "MaskGAN edit 1", "MaskGAN"],
    ]
    (edit, edit_shapes), (parse, parse_shapes) = values["large_sent"]
    assert (edit, parse) == ("edit", "parse")
    height, width = edit_shapes["image"][:2]
    assert height * width < 4000 * 6000  # not the whole photo
    assert edit_shapes["source_mask"] == edit_shapes["edited_mask"] == [height, width]
    assert parse_shapes == {"image": [4000, 6000, 3]}
    expected = demo_editor.edit(
        large(plugin_session.input("photo.npy"), 90),
        large(plugin_session.input("sample_source.npy")),
        large(plugin_session.input("sample_edited.npy")),
        feather=8,
    )
    assert np.array_equal(plugin_session.artefact("large_result.npy"), expected.layer)  # only the face was needed
    assert values["large_parse_layers"] == ["Background", "MaskGAN edit 1", "MaskGAN replaced 1", "MaskGAN"]


def test_a_replaced_mask_group_is_no_longer_drawn(plugin_session):
    values = plugin_session.check("check_a_replaced_mask_group_is_no_longer_drawn")
    photo = [90, 90, 90, 255]  # BGRA
    assert values["replaced_layers"] == ["Background", "MaskGAN replaced 1", "MaskGAN"]
    # each group drawn alone (no whole-image redraw), and the replaced one's extent drawn again once hidden
    assert values["replaced_drawn"] == ["MaskGAN", "MaskGAN", "MaskGAN replaced 1"]
    left_mask, right_photo = values["replaced_after_left"]
    assert left_mask != photo and right_photo == photo
    assert values["replaced_after_right"][0] == photo  # the replaced group's skin no longer shows
    assert values["replaced_after_right"][1] == left_mask  # the new group's skin does


def test_screenshots_show_the_astronaut_with_the_whole_docker(plugin_session):
    values = plugin_session.check("check_screenshots_on_the_astronaut")
    assert values["astronaut_apply_message"].startswith("Added “MaskGAN edit 1”")
    assert values["astronaut_docker_scrolls"] == [False, False]  # all of the docker shows in both pictures
    for name in SCREENSHOTS:
        shot = plugin_session.artefacts / name
        assert shot.stat().st_size > 10_000
        if os.environ.get("MASKGAN_UPDATE_SCREENSHOTS") == "1":  # refresh the docs' pictures on request only
            shutil.copy2(shot, DOCS / name)
