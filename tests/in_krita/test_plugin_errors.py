"""Problems the user can fix, named in the docker, with nothing changed."""


def test_bad_mask_colours_are_named_in_the_docker(plugin_session):
    values = plugin_session.check("check_bad_colours_are_reported")
    assert values["bad_colour_message"] == (
        "“bad colours”: the mask has 16 pixels in 1 colours that match no class of the palette: RGB(250, 0, 250) x16. "
        "Paint masks only with the 19 palette colours (hard brushes are safest), or raise the colour tolerance.")
    assert values["unchanged_after_bad_colours"] is True


def test_non_rgba8_documents_are_told_to_convert(plugin_session):
    values = plugin_session.check("check_non_rgba8_is_reported")
    assert values["depth_message"] == (
        "“sixteen bit” is RGBA U16; MaskGAN needs 8-bit RGBA: convert it with Image > Convert Image Color Space… "
        "to RGB/Alpha, 8-bit integer/channel")
