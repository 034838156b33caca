"""The plug-in's single actions in real Krita: results equal direct engine and parser calls on the same inputs."""

import numpy as np


def test_docker_shows_the_connected_daemon(plugin_session):
    values = plugin_session.check("check_docker_shows_connected")
    assert values["connection"].startswith("Connected: MaskGAN ")
    assert "on cpu (fp32), MaskGAN trained on synthetic" in values["connection"]  # the test daemon's precision
    assert plugin_session.result["errors"] == []


def test_parse_face_sends_the_face_choice_and_says_which_parser(plugin_session, parsed):
    values = plugin_session.check("check_parse_face_sends_the_face_choice")
    assert values["parse_second_face_message"] == (
        "Parse face failed: the learned parser has no face detector and sees the whole image as face 0; got face 1. "
        "Crop the photo to the face you want instead"
    )
    assert values["layers_after_second_face"] == ["Background"]
    assert values["layers_after_parse"] == ["Background", "MaskGAN"]
    assert values["parsed_group_children"] == ["Source mask (locked)", "Edited mask"]
    assert values["parse_message"] == (
        f"Parsed face 1 of 1 with the {parsed.parser}. Paint your edit on “Edited mask”, "
        f"then Apply edit. Note: {parsed.notes[0]}."
    )
    assert np.array_equal(plugin_session.artefact("parsed_source.npy"), parsed.labels)
    assert np.array_equal(plugin_session.artefact("parsed_edited.npy"), parsed.labels)


def test_apply_edit_layer_equals_a_direct_editor_call(plugin_session, parsed, demo_editor):
    values = plugin_session.check("check_apply_edit_adds_result_layer")
    assert values["apply_message"] == "Added “MaskGAN edit 1”; drawn eyeglasses"  # on the photo, crisp
    assert values["layers_after_apply"] == ["Background", "MaskGAN edit 1", "MaskGAN"]
    assert values["unchanged_after_apply"] is True
    edited = plugin_session.artefact("edited.npy")
    assert (edited != parsed.labels).any()  # glasses were painted
    expected = demo_editor.edit(plugin_session.input("photo.npy"), parsed.labels, edited, feather=8)
    assert expected.changed
    assert np.array_equal(plugin_session.artefact("result_layer.npy"), expected.layer)


def test_added_parts_come_from_the_style_document_when_asked(plugin_session, parsed, demo_editor):
    from maskgan.infer.looks import Reference

    values = plugin_session.check("check_added_parts_come_from_the_style_document")
    assert values["looks_from_style_setting"] == "true"
    assert values["reference_without_glasses_message"] == (
        "Apply edit failed: the reference face shows no eyeglasses, which the edit adds: give a reference that wears "
        "every added part, or leave the reference out to use the built-in looks"
    )
    assert values["unchanged_after_refusal"] is True
    assert values["reference_message"] == (
        "Added “MaskGAN edit 2”; drawn eyeglasses; drew the added eyeglasses from the reference face"
    )  # its frame colour
    wearer = Reference(plugin_session.input("wearer.npy"), plugin_session.input("wearer_mask.npy"))
    expected = demo_editor.edit(
        plugin_session.input("photo.npy"),
        parsed.labels,
        plugin_session.artefact("edited.npy"),
        feather=8,
        reference=wearer,
    )
    assert expected.looks == {"eye_g": "the reference face"}
    assert np.array_equal(plugin_session.artefact("reference_look_layer.npy"), expected.layer)


def test_editable_mask_converts_between_colour_and_class_layers(plugin_session):
    values = plugin_session.check("check_class_layers_convert_and_swatches_pick")
    assert values["class_mode_children"] == ["Source mask (locked)", "Edited mask (per class)"]
    assert values["class_layer_names"][0] == "01 Skin" and values["class_layer_names"][-1] == "18 Cloth"
    assert len(values["class_layer_names"]) == 18
    assert values["class_mode_same_label"] is True and values["colour_mode_same_label"] is True
    assert values["colour_mode_children"] == ["Source mask (locked)", "Edited mask"]
    assert values["foreground"] == [0, 0, 204]  # the palette colour of 13 Hair
    assert values["active_layer"] == "13 Hair"
    assert values["mask_mode_setting"] == "colour"


def test_variants_group_equals_a_direct_editor_call(plugin_session, parsed, demo_editor):
    values = plugin_session.check("check_variants_add_a_group_with_only_the_first_visible")
    seed = values["variants_seed"]
    assert values["variants_message"] == (
        f"Added “MaskGAN variants 1” (seed {seed}): 3 variants, the first shown; show one at a time to compare"
    )
    assert values["layers_after_variants"] == ["Background", "MaskGAN variants 1", "MaskGAN edit 1", "MaskGAN"]
    assert values["variant_layers"] == [["Variant 1", True], ["Variant 2", False], ["Variant 3", False]]
    assert values["unchanged_after_variants"] is True
    expected = demo_editor.variants(
        plugin_session.input("photo.npy"), parsed.labels, plugin_session.artefact("edited.npy"), 3, seed, feather=8
    )
    got = plugin_session.artefact("variant_layers.npy")
    assert got.shape == (3,) + expected[0].layer.shape
    for layer, result in zip(got, expected):
        assert np.array_equal(layer, result.layer)


def test_import_mask_makes_a_locked_source_and_keeps_a_replaced_group(plugin_session):
    values = plugin_session.check("check_import_mask_keeps_a_replaced_group")
    assert values["import_group_children"] == ["Source mask (locked)", "Edited mask"]
    assert values["import_source_locked"] is True
    assert values["import_top_level"] == ["Background", "MaskGAN"]
    assert np.array_equal(plugin_session.artefact("imported_source.npy"), plugin_session.input("source2.npy"))
    assert values["reimport_top_level"] == ["Background", "MaskGAN replaced 1", "MaskGAN"]
    assert values["replaced_visible"] is False
    assert values["reimport_message"].endswith("The previous masks are kept, hidden, as “MaskGAN replaced 1”.")


def test_style_copy_renders_in_the_chosen_documents_style(plugin_session, demo_editor):
    values = plugin_session.check("check_style_copy_takes_the_chosen_reference")
    assert values["style_choices_in_portrait_2"] == ["portrait"]  # the other documents with masks
    assert values["style_choices_in_portrait"] == ["portrait 2"]
    assert values["style_message"] == "Added “MaskGAN style 1” in the style of “portrait 2”"
    assert values["unchanged_after_style"] is True
    expected = demo_editor.style_copy(
        plugin_session.artefact("edited.npy"), plugin_session.input("photo2.npy"), plugin_session.input("source2.npy")
    )
    got = plugin_session.artefact("style_layer.npy")
    assert np.array_equal(got[..., :3], expected) and (got[..., 3] == 255).all()
