"""The GIMP 3 plug-in inside real GIMP 3 (one GIMP start: scenarios/plugin_session.py), against a real daemon."""

import numpy as np
import pytest

from maskgan_client.protocol import METHODS
from maskgan_plugin_common import mask_colours, messages, pixels
from maskgan_plugin_common.errors import PluginError

MASKS = ["MaskGAN", ["Edited mask", "Source mask (locked)"]]


def test_procedures_register_under_filters_maskgan(gimp_session):
    values = gimp_session.check("check_procedures_register")
    names = ["parse-face", "apply-edit", "variants", "style-copy", "batch-edit"]
    assert values["registered"] == names
    assert values["menu_paths"] == {name: ["<Image>/Filters/MaskGAN"] for name in names}
    assert values["menu_labels"]["apply-edit"] == "Apply edit"
    assert values["method_choices"] == list(METHODS)  # the protocol's routes, in its order


def test_parse_face_on_the_astronaut_adds_the_mask_group(gimp_session, landmark_parser):
    values = gimp_session.check("check_parse_face_adds_the_mask_group")
    expected = landmark_parser.parse(gimp_session.input("astronaut"))
    assert values["parse"] == ["success", messages.parsed(expected.summary())]
    assert values["parse_tree"] == [MASKS, "Photo"]
    assert values["parse_unchanged"] is True
    assert values["source_locked_hidden"] == [True, False]
    colour = pixels.label_to_colour_layer(expected.labels)
    assert (expected.labels > 0).mean() > 0.05  # a face, not an empty mask
    assert np.array_equal(gimp_session.out("parsed_source.npy"), colour)
    assert np.array_equal(gimp_session.out("parsed_edited.npy"), colour)


def test_a_second_parse_keeps_the_first_group_hidden_with_its_own_names(gimp_session):
    values = gimp_session.check("check_parse_face_adds_the_mask_group")
    group, replaced, photo = values["parse_classes_tree"]
    assert group[0] == "MaskGAN" and group[1][1] == "Source mask (locked)"
    per_class = group[1][0]
    assert per_class[0] == "Edited mask (per class)"
    assert per_class[1][0] == "18 Cloth" and per_class[1][-1] == "01 Skin" and len(per_class[1]) == 18
    assert replaced == [
        "MaskGAN replaced 1",
        ["Edited mask (MaskGAN replaced 1)", "Source mask (locked) (MaskGAN replaced 1)"],
    ]
    assert photo == "Photo"


def test_apply_edit_layer_equals_a_direct_editor_call(gimp_session, demo_editor):
    values = gimp_session.check("check_apply_edit_adds_a_result_layer")
    assert values["edit"] == ["success", "Added “MaskGAN edit 1” to “sample.xcf”; drawn eyeglasses"]
    assert values["edit_tree"] == [MASKS, "MaskGAN edit 1", "Photo"]  # above the photo
    assert values["edit_unchanged"] is True
    expected = demo_editor.edit(
        gimp_session.input("photo"), gimp_session.input("source"), gimp_session.input("edited"), feather=8
    )
    assert expected.changed
    layer = gimp_session.out("edit_layer.npy")
    assert np.array_equal(layer, expected.layer)
    assert (layer[..., 3] == 0).mean() > 0.5  # transparent where unchanged


def test_apply_edit_on_the_astronaut_draws_the_painted_glasses(gimp_session, demo_editor):
    """The docs' picture: the parsed astronaut with glasses painted on the edited mask; the result layer is the
    engine's, byte for byte."""
    values = gimp_session.check("check_apply_edit_on_the_astronaut")
    assert values["astronaut_parse"][0] == "success"
    assert values["astronaut_edit"] == ["success", "Added “MaskGAN edit 1” to “astronaut.xcf”; drawn eyeglasses"]
    assert values["astronaut_tree"] == [MASKS, "MaskGAN edit 1", "Photo"]
    source, edited = gimp_session.input("astronaut_source"), gimp_session.input("astronaut_edited")
    assert (edited != source).sum() > 500  # frames, bridge and temples: a visible change
    expected = demo_editor.edit(gimp_session.input("astronaut"), source, edited, feather=8)
    assert np.array_equal(gimp_session.out("astronaut_edit_layer.npy"), expected.layer)


def test_the_dialogs_choices_given_as_arguments_are_what_the_edit_uses(gimp_session, demo_editor):
    """Apply edit's dialog as a script fills it: photo and masks chosen (their names are not Parse face's), the
    generator everywhere, no look, feather 3, colour tolerance 30."""
    values = gimp_session.check("check_dialog_choices_as_arguments")
    assert values["unnamed_masks"] == [
        "execution-error",
        "“renamed.xcf” has no MaskGAN masks yet: run Filters > MaskGAN > Parse face first",
    ]
    assert values["chosen_tree"] == ["mask after", "mask before", "MaskGAN edit 1", "Portrait"]
    assert values["chosen_unchanged"] is True
    photo, source, edited = (gimp_session.input(name) for name in ("photo", "source", "edited"))
    expected = demo_editor.edit(photo, source, edited, feather=3, look=0, method="generate")
    assert values["chosen"] == [
        "success",
        "Added “MaskGAN edit 1” to “renamed.xcf”" + messages.routes_taken(expected.routes),
    ]
    assert "generated eyeglasses" in values["chosen"][1]  # not drawn, as the default route would
    assert np.array_equal(gimp_session.out("chosen_edit_layer.npy"), expected.layer)
    default = demo_editor.edit(photo, source, edited, feather=8)
    assert not np.array_equal(expected.layer, default.layer)  # the choices made a difference
    assert values["result_as_mask"] == [
        "execution-error",
        "the chosen mask “MaskGAN edit 1” is a MaskGAN result; choose a mask layer",
    ]


def test_16_bit_and_float_images_get_the_same_result(gimp_session, demo_editor):
    """GEGL converts the image's pixels to 8 bits for the daemon and the 8-bit result into the image's precision."""
    values = gimp_session.check("check_deep_images_take_8_bit_results")
    expected = demo_editor.edit(
        gimp_session.input("photo"), gimp_session.input("source"), gimp_session.input("edited"), feather=8
    )
    for name in ("u16", "float"):
        assert values[f"edit_{name}"] == ["success", f"Added “MaskGAN edit 1” to “{name}.xcf”; drawn eyeglasses"]
        assert np.array_equal(gimp_session.out(f"edit_layer_{name}.npy"), expected.layer), name


def test_variants_and_style_copy_equal_direct_editor_calls(gimp_session, demo_editor):
    values = gimp_session.check("check_variants_and_style_copy")
    assert values["variants"] == [
        "success",
        "Added “MaskGAN variants 1” (seed 7): 2 variants, the first shown; show one at a time to compare",
    ]
    assert values["style"] == ["success", "Added “MaskGAN style 1” in the style of “second.xcf”"]
    assert values["style_alone"][0] == "execution-error"
    assert values["style_alone"][1].startswith("Style copy needs another open image with MaskGAN masks")
    assert values["variants_style_tree"] == [
        MASKS,
        ["MaskGAN variants 1", ["Variant 1", "Variant 2"]],
        "MaskGAN style 1",
        "Photo",
    ]
    assert values["variants_style_unchanged"] is True
    assert values["variant_visible"] == [True, False]
    photo, source, edited = (gimp_session.input(name) for name in ("photo", "source", "edited"))
    expected = demo_editor.variants(photo, source, edited, 2, 7, feather=8)
    assert np.array_equal(gimp_session.out("variant_layers.npy"), np.stack([v.layer for v in expected]))
    style = demo_editor.style_copy(edited, gimp_session.input("photo2"), gimp_session.input("source2"))
    assert np.array_equal(gimp_session.out("style_layer.npy")[..., :3], style)


def test_batch_edits_every_open_image_with_masks(gimp_session, demo_editor):
    values = gimp_session.check("check_batch_over_open_images")
    assert values["batch"][0] == "success"
    summary, *added = values["batch"][1].split(". ")  # the images in GIMP's order: the newest first
    assert summary == "Batch: 2 of 3 images edited; 1 skipped: “bare.xcf”: no MaskGAN masks"
    assert sorted(added)[0] == "Added “MaskGAN edit 1” to “first.xcf”; drawn eyeglasses"
    assert sorted(added)[1].startswith("Added “MaskGAN edit 1” to “second.xcf”")
    assert values["batch_trees"] == [[MASKS, "MaskGAN edit 1", "Photo"]] * 2
    assert values["batch_unchanged"] == [True, True]
    for index, suffix in enumerate(("", "2")):
        expected = demo_editor.edit(
            gimp_session.input("photo" + suffix),
            gimp_session.input("source" + suffix),
            gimp_session.input("edited" + suffix),
            feather=8,
        )
        assert np.array_equal(gimp_session.out(f"batch_layer{index + 1}.npy"), expected.layer)


def test_errors_say_what_to_do_and_add_nothing(gimp_session):
    values = gimp_session.check("check_errors_leave_the_image_alone")
    status, message = values["daemon_down"]
    assert status == "execution-error"
    assert message.startswith("Apply edit: no MaskGAN daemon answered at ipc://")
    assert message.endswith(
        "Start it with `maskgan daemon start` (in the environment where maskgan is installed), "
        "then run the filter again"
    )
    assert values["mask_as_photo"] == [
        "execution-error",
        "the chosen photo “Edited mask” is a group, a MaskGAN mask or a MaskGAN result; choose the photo's layer",
    ]
    with pytest.raises(PluginError) as krita_wording:  # what the Krita plug-in says of the same layer
        mask_colours.read_label(gimp_session.out("off_palette_edited.npy"), 24, "“Edited mask” of “sample.xcf”")
    assert values["bad_colours"] == ["execution-error", str(krita_wording.value)]
    assert "2 pixels off the palette" in str(krita_wording.value)
    assert values["errors_tree"] == [MASKS, "Photo"]
    assert values["errors_unchanged"] is True  # only the two painted pixels differ, and no layer was added
    assert values["grey"] == [
        "execution-error",
        "“[Untitled]” is a grayscale image; MaskGAN edits colour photos: convert it with Image > Mode > RGB first",
    ]
