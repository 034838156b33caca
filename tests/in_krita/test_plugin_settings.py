"""The Precision, Results go and Photo settings in real Krita: what the docker says, where results go, what is sent."""

import numpy as np

from maskgan_plugin_common.pixels import flatten_on_white

TOP_LEVEL = ["Background", "Retouch", "Sketch", "MaskGAN", "MaskGAN results"]
LOOK_1 = (
    "; generated eyeglasses; drew the added eyeglasses from look 1 (Look of added parts: 0 for the photo's own style)"
)
DRAWN = "; drawn eyeglasses"  # Edit made by: Photo first, the default
HIDE = "hide the MaskGAN group (and result layers) to send the whole image as shown, or set Photo to Photo layer"


def test_the_connection_line_shows_the_daemons_precision_and_a_different_setting_is_noted(plugin_session):
    values = plugin_session.check("check_precision_is_shown_and_a_different_setting_noted")
    assert " on cpu (fp32), " in values["precision_connection"]  # the test daemon runs in fp32
    assert values["precision_note_at_auto"] == ["", False]
    assert values["precision_note bf16"] == [
        "The daemon runs in fp32; the Precision setting bf16 applies when the docker starts the daemon next "
        "(stop this one with `maskgan daemon stop`, then press Start daemon)",
        True,
    ]
    assert values["precision_note fp32"] == ["", False] and values["precision_note auto"] == ["", False]
    for precision in ("bf16", "fp32", "auto"):
        assert values[f"precision_setting {precision}"] == precision
        assert values[f"precision_modal {precision}"] is False


def test_results_go_on_top_inside_the_results_group_and_equal_direct_editor_calls(plugin_session, parsed, demo_editor):
    values = plugin_session.check("check_results_go_into_the_results_group")
    assert values["result_place_setting"] == "results_group" and values["method_setting"] == "generate"
    assert values["group_apply_message"] == f"Added “MaskGAN edit 1”{LOOK_1}"
    assert values["group_top_level_after_apply"] == TOP_LEVEL  # the group made on top, nothing else moved
    seed = int(values["group_variants_message"].split("(seed ")[1].split(")")[0])
    assert values["group_variants_message"] == (
        f"Added “MaskGAN variants 1” (seed {seed}): 2 variants, the first shown; show one at a time to compare"
    )
    assert values["group_style_message"] == "Added “MaskGAN style 1” in the style of “portrait 2”"
    assert values["group_batch_selected"] == ["Background"]
    assert values["group_batch_message"] == "Batch apply on “layered”: 1 of 1 applied"
    assert values["look_setting"] == "0"
    assert values["group_top_level"] == TOP_LEVEL  # the group reused
    assert values["results_group_children"] == [
        "MaskGAN edit 1",
        "MaskGAN variants 1",
        "MaskGAN style 1",
        "MaskGAN edit 2",
    ]  # newest on top; numbers count inside the group
    assert values["group_variant_layers"] == [["Variant 1", True], ["Variant 2", False]]
    assert values["group_kept_every_layer"] is True
    photo, edited = plugin_session.input("photo.npy"), plugin_session.artefact("edited.npy")
    expected = demo_editor.edit(photo, parsed.labels, edited, feather=8, method="generate")
    assert expected.changed and expected.looks == {"eye_g": "look 1"}
    assert np.array_equal(plugin_session.artefact("group MaskGAN edit 1.npy"), expected.layer)  # Apply edit
    plain = demo_editor.edit(photo, parsed.labels, edited, feather=8, look=0, method="generate")  # Batch, Look 0
    assert np.array_equal(plugin_session.artefact("group MaskGAN edit 2.npy"), plain.layer)
    assert not np.array_equal(plain.layer, expected.layer)
    variants = demo_editor.variants(photo, parsed.labels, edited, 2, seed, feather=8, method="generate")
    got = plugin_session.artefact("group variants.npy")
    assert len(got) == 2 and all(np.array_equal(a, b.layer) for a, b in zip(got, variants))
    style = demo_editor.style_copy(edited, plugin_session.input("photo2.npy"), plugin_session.input("source2.npy"))
    got = plugin_session.artefact("group MaskGAN style 1.npy")
    assert np.array_equal(got[..., :3], style) and (got[..., 3] == 255).all()


def test_the_whole_image_is_refused_while_the_masks_or_results_show(plugin_session):
    values = plugin_session.check("check_whole_image_is_refused_while_masks_or_results_show")
    assert values["photo_source_setting"] == "image"
    both = f"“layered”: the whole image as shown includes “MaskGAN”, “MaskGAN results”: {HIDE}"
    assert values["whole_refused_apply"] == both
    assert values["whole_refused_parse"] == both
    assert values["whole_refused_results"] == f"“layered”: the whole image as shown includes “MaskGAN results”: {HIDE}"
    assert values["whole_refused_visible"] == [["MaskGAN", False], ["MaskGAN results", True]]  # only the user hid
    assert values["whole_refused_nothing_changed"] is True


def test_the_whole_image_sends_the_projection_and_the_result_goes_above_the_top_layer_shown(
    plugin_session, parsed, demo_editor, learned_parser
):
    values = plugin_session.check("check_whole_image_sends_the_projection")
    projection = flatten_on_white(plugin_session.artefact("projection.npy"))
    photo = plugin_session.input("photo.npy")
    assert (projection != photo).any(axis=2).mean() > 0.3  # the tint shows: not the photo layer alone
    assert values["whole_sent_ops"] == ["edit", "parse"]
    assert np.array_equal(plugin_session.artefact("whole sent edit.npy"), projection)
    assert np.array_equal(plugin_session.artefact("whole sent parse.npy"), projection)
    assert values["whole_apply_message"] == f"Added “MaskGAN edit 3”{DRAWN}"
    assert values["whole_retouch_children"] == ["Tint", "MaskGAN edit 3"]  # above "Tint", not the hidden "Sketch"
    assert values["whole_top_level_after_apply"] == TOP_LEVEL
    assert values["whole_kept_every_layer"] is True
    expected = demo_editor.edit(projection, parsed.labels, plugin_session.artefact("edited.npy"), feather=8)
    assert expected.changed
    assert np.array_equal(plugin_session.artefact("whole edit.npy"), expected.layer)
    assert values["whole_parse_message"].startswith("Parsed face 1 of 1 with the ")
    assert values["whole_parse_message"].endswith("The previous masks are kept, hidden, as “MaskGAN replaced 1”.")
    assert values["whole_top_level_after_parse"] == [
        "Background",
        "Retouch",
        "Sketch",
        "MaskGAN replaced 1",
        "MaskGAN results",
        "MaskGAN",
    ]
    assert np.array_equal(plugin_session.artefact("whole parsed.npy"), learned_parser.parse(projection).labels)
    assert values["whole_parse_kept_every_layer"] is True


def test_the_settings_are_back_at_their_defaults_for_the_later_checks(plugin_session):
    values = plugin_session.check("check_settings_are_back_at_their_defaults")
    assert values["defaults_restored"] == {
        "precision": "auto",
        "photo_source": "layer",
        "result_place": "above_photo",
        "batch_scope": "documents",
    }
