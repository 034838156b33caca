"""Problems the user can fix, named in the docker, with nothing changed; the colour tolerance setting."""

import numpy as np

from maskgan.labels import MaskColorError, color_to_label

BAD_COLOURS = (
    "“bad colours”: “Edited mask” has 16 pixels off the palette, in 1 colour: RGB(250, 0, 250) x16 "
    "(nearest Right eye, distance 65.1). Repaint them with a hard brush in the palette colours: "
    "no Colour tolerance up to 50 accepts them all."
)


def test_bad_mask_colours_are_named_in_the_docker(plugin_session):
    values = plugin_session.check("check_bad_colours_are_reported")
    assert values["bad_colour_message"] == BAD_COLOURS
    assert values["unchanged_after_bad_colours"] is True


def test_non_rgba8_documents_are_told_to_convert(plugin_session):
    values = plugin_session.check("check_non_rgba8_is_reported")
    assert values["depth_message"] == (
        "“sixteen bit” is RGBA U16; MaskGAN needs 8-bit RGBA: convert it with Image > Convert Image Color Space… "
        "to RGB/Alpha, 8-bit integer/channel"
    )


def smallest_tolerance(rgb):
    """The smallest whole tolerance at which the label table reads every colour of ``rgb`` (the oracle)."""
    for tolerance in range(256):
        try:
            color_to_label(rgb, tolerance)
            return tolerance
        except MaskColorError:
            continue


def test_colour_tolerance_setting_reads_slightly_off_colours(plugin_session, demo_editor):
    values = plugin_session.check("check_colour_tolerance_setting_reads_slightly_off_colours")
    rgba = plugin_session.artefact("off_colours_edited.npy")
    off = int((rgba[..., :3] == (212, 6, 3)).all(axis=2).sum())
    needed = smallest_tolerance(rgba[..., :3])
    assert off >= 20 and 4 < needed <= 11  # at most the 10.4 to skin's colour, maybe less through a blend

    def refused(now):
        return (
            f"“off colours”: “Edited mask” has {off} pixels off the palette, in 1 colour: RGB(212, 6, 3) x{off} "
            f"(nearest Skin, distance 10.4). Repaint them with a hard brush in the palette colours, or raise "
            f"Colour tolerance (now {now}) to at least {needed}."
        )

    assert values["tolerance_setting_low"] == "4"
    assert values["tolerance_low_message"] == refused(4)
    assert values["tolerance_convert_message"] == refused(4)  # no conversion that would lose the colours
    assert values["tolerance_convert_children"] == ["Source mask (locked)", "Edited mask"]
    assert values["tolerance_below_message"] == refused(needed - 1)
    assert values["unchanged_after_refusals"] is True
    assert values["tolerance_setting_needed"] == str(needed)
    assert values["tolerance_needed_message"] == "Added “MaskGAN edit 1”; moved nose"
    assert values["tolerance_layers"] == ["Background", "MaskGAN edit 1", "MaskGAN"]
    assert values["tolerance_kept"] is True
    expected = demo_editor.edit(
        plugin_session.input("photo2.npy"),
        plugin_session.input("source2.npy"),
        color_to_label(rgba[..., :3], needed),
        feather=8,
    )
    assert np.array_equal(plugin_session.artefact("off_colours_result.npy"), expected.layer)
