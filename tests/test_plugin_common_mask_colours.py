"""The shared plug-in package's mask_colours.py: reading painted masks."""

import numpy as np
import pytest

from maskgan.labels import DEFAULT_COLOR_TOLERANCE, PALETTE, MaskColorError, color_to_label
from maskgan_plugin_common import pixels


def test_off_palette_colours_name_the_nearest_class_and_the_tolerance_that_reads_them():
    from maskgan_plugin_common import mask_colours
    from maskgan_plugin_common.errors import PluginError

    label = np.zeros((4, 8), np.uint8)
    label[:, 4:] = 13  # background and hair
    off = {(0, 0): (6, 5, 2), (0, 1): (6, 5, 2), (1, 5): (0, 5, 216)}  # near black (8.1), near hair (13.0)
    rgba = painted(label, off)
    with pytest.raises(PluginError) as error:
        mask_colours.read_label(rgba, 4, "“portrait”: “Edited mask”")
    assert str(error.value) == (
        "“portrait”: “Edited mask” has 3 pixels off the palette, in 2 colours: "
        "RGB(6, 5, 2) x2 (nearest Background, distance 8.1), RGB(0, 5, 216) x1 (nearest Hair, distance 13.0). "
        "Repaint them with a hard brush in the palette colours, or raise Colour tolerance (now 4) to at least 13."
    )
    assert mask_colours.tolerance_needed(rgba, 4) == 13
    with pytest.raises(PluginError, match="to at least 13"):
        mask_colours.read_label(rgba, 12, "mask")  # the value the message names is the smallest that works
    assert np.array_equal(mask_colours.read_label(rgba, 13, "mask"), label)


def painted(label, colours):
    """RGBA colour mask of ``label`` with some pixels repainted: {(row, column): rgb}."""
    rgba = pixels.label_to_colour_layer(label)
    for (row, column), rgb in colours.items():
        rgba[row, column] = (*rgb, 255)  # painted: opaque
    return rgba


def test_the_tolerance_needed_counts_blends_of_painted_classes():
    from maskgan_plugin_common import mask_colours

    label = np.array([[1, 1, 9, 9]], np.uint8)  # skin (204, 0, 0) and right ear (255, 0, 0)
    rgba = painted(label, {(0, 1): (228, 6, 3)})  # 6.7 off the blend of the two, 24.9 and 27.8 off their colours
    assert mask_colours.tolerance_needed(rgba, 2) == 7
    with pytest.raises(MaskColorError):
        color_to_label(pixels.mask_colours(rgba), 6)
    assert color_to_label(pixels.mask_colours(rgba), 7).tolist() == [[1, 1, 9, 9]]


def test_colours_no_allowed_tolerance_reads_say_repaint_only():
    from maskgan_plugin_common import mask_colours
    from maskgan_plugin_common.errors import PluginError

    label = np.zeros((3, 3), np.uint8)
    many = {
        (0, 0): (250, 0, 250),
        (0, 1): (250, 0, 250),
        (0, 2): (128, 128, 128),
        (1, 0): (40, 40, 40),
        (1, 1): (20, 20, 20),
        (1, 2): (30, 30, 30),
    }
    rgba = painted(label, many)
    assert mask_colours.tolerance_needed(rgba, 24) is None  # two colours are more than 50 from every class
    with pytest.raises(PluginError) as error:
        mask_colours.read_label(rgba, 24, "“mask.png”")
    assert str(error.value) == (
        "“mask.png” has 6 pixels off the palette, in 5 colours: RGB(250, 0, 250) x2 (nearest Right eye, distance 65.1), "
        "RGB(20, 20, 20) x1 (nearest Background, distance 34.6), RGB(30, 30, 30) x1 (nearest Necklace, distance 47.3), "
        "RGB(40, 40, 40) x1 (nearest Necklace, distance 57.6) and 1 more. Repaint them with a hard brush in the "
        "palette colours: no Colour tolerance up to 50 accepts them all."
    )
    assert mask_colours.tolerance_needed(rgba, 50) is None  # nothing above the top of the range


def test_a_mask_read_in_bands_equals_the_mask_read_whole():
    from maskgan_plugin_common import mask_colours

    label = np.zeros((60, 50), np.uint8)
    label[10:50, 10:40] = 1
    label[20:30, 15:25] = 4
    label[35:40, 20:30] = 12
    rgba = pixels.label_to_colour_layer(label)
    rgba[25, 14, :3] = (PALETTE[1] * 0.5 + PALETTE[4] * 0.5).astype(np.uint8)  # a soft edge: a blend, accepted
    reader = mask_colours.ColourMask(60, 50, DEFAULT_COLOR_TOLERANCE, "“x”: “Edited mask”")
    for top in range(0, 60, 7):
        reader.add(top, rgba[top : top + 7])
    assert np.array_equal(reader.label(), mask_colours.read_label(rgba, DEFAULT_COLOR_TOLERANCE, "x"))
    assert reader.label()[25, 14] in (1, 4)


def test_a_flat_patch_of_an_in_between_colour_is_refused():
    from maskgan_plugin_common import mask_colours
    from maskgan_plugin_common.errors import PluginError

    label = np.zeros((80, 80), np.uint8)
    label[5:75, 5:75] = 1
    label[20:30, 20:30] = 5  # right eye
    label[50:55, 30:50] = 11  # upper lip
    rgba = pixels.label_to_colour_layer(label)
    pink = (220, 120, 130)  # near the blend of Right eye and Upper lip
    assert color_to_label(np.array([[pink, PALETTE[5], PALETTE[11]]], np.uint8), DEFAULT_COLOR_TOLERANCE).shape == (
        1,
        3,
    )
    rgba[30:50, 50:70] = (*pink, 255)  # a 20x20 patch: its inside is further than 8 px from any class's colour
    with pytest.raises(PluginError) as error:
        mask_colours.read_label(rgba, DEFAULT_COLOR_TOLERANCE, "“x”: “Edited mask”")
    assert str(error.value).startswith(
        "“x”: “Edited mask” has 16 pixels off the palette (an area of a colour between two classes, more than 8 px "
        "from either: a blend only counts at an edge), in 1 colour: RGB(220, 120, 130) x16 (nearest "
    )
    rgba[30:50, 50:70] = pixels.label_to_colour_layer(label)[30:50, 50:70]
    rgba[30:50, 50:54] = (*pink, 255)  # a band 4 px wide: an edge, accepted
    mask_colours.read_label(rgba, DEFAULT_COLOR_TOLERANCE, "x")


def test_a_large_mask_is_labelled_band_by_band_as_it_would_be_whole():
    """A 4096 px wide mask: bands of BAND_PIXELS are 32 rows. A blend's distance to the pixels painted in a class's
    own colour is measured across the bands' edges: a thin edge there is accepted, a flat patch there refused with
    the pixels the whole mask's dilation finds."""
    from maskgan_plugin_common import mask_colours
    from maskgan_plugin_common.bands import BAND_PIXELS, run_now
    from maskgan_plugin_common.errors import PluginError

    rows = BAND_PIXELS // 4096
    label = np.full((4 * rows, 4096), 5, np.uint8)  # right eye
    label[:, 2000:] = 11  # upper lip
    rgba = pixels.label_to_colour_layer(label)
    pink = (220, 120, 130)  # near the blend of the two
    rgba[rows - 2 : rows + 2, 100:200] = (*pink, 255)  # 4 rows across the first band's bottom edge: an edge
    steps = mask_colours.read_label_steps(rgba, DEFAULT_COLOR_TOLERANCE, "x")
    taken = 0
    while True:
        try:
            next(steps)
            taken += 1
        except StopIteration as done:
            read = done.value
            break
    assert taken >= 3 * 4  # each band read, indexed and labelled in a step of its own
    edge = np.zeros(label.shape, bool)
    edge[rows - 2 : rows + 2, 100:200] = True
    assert np.array_equal(read[~edge], label[~edge]) and set(np.unique(read[edge])) <= {5, 11}
    rgba[rows - 12 : rows + 12, 300:340] = (*pink, 255)  # 24 rows across the edge: its middle is far from a class
    blend = (rgba[..., :3] == pink).all(-1)
    wide = int((blend & ~mask_colours.dilate(~blend, mask_colours.EDGE)).sum())  # the whole mask's verdict
    assert wide > 0
    with pytest.raises(PluginError) as error:
        run_now(mask_colours.read_label_steps(rgba, DEFAULT_COLOR_TOLERANCE, "“x”"))
    assert str(error.value).startswith(f"“x” has {wide} pixels off the palette (an area of a colour between")
