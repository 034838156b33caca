"""Checks: problems the user can fix are named in the docker, and nothing is changed; the colour tolerance setting.

"bad colours" and "sixteen bit" stay open for the batch checks, as items that fail.
"""

import re

import numpy as np
from krita_checks import INPUTS, TOLERANCE, choose, docker, idle, load, open_document, press, save, snapshot, state

from maskgan_krita import document_io
from maskgan_plugin_common import naming, pixels


def check_bad_colours_are_reported(ctx):
    dock = docker(ctx)
    doc = open_document(ctx, "bad colours", load("photo2.npy"))
    dock.controller.actions.import_mask(str(INPUTS / "source2.png"))
    yield from idle(ctx)  # the mask is read and its group made in steps
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    rgba = document_io.read_rgba(doc, edited_layer)
    rgba[:4, :4] = (250, 0, 250, 255)  # magenta (painted: opaque): no class of the palette, nor a blend of two
    document_io.write_rgba(doc, edited_layer, rgba)
    before = snapshot(doc)
    press(dock, "apply")
    yield from idle(ctx)  # the masks are read in steps
    ctx.values["bad_colour_message"] = dock.message.text()
    ctx.values["unchanged_after_bad_colours"] = snapshot(doc) == before


def check_non_rgba8_is_reported(ctx):
    open_document(ctx, "sixteen bit", load("photo2.npy"), "U16")
    ctx.krita.action("maskgan_apply_edit").trigger()  # the shortcut: the button is off for a document without masks
    ctx.values["depth_message"] = docker(ctx).message.text()


def check_colour_tolerance_setting_reads_slightly_off_colours(ctx):
    """Off colours fail at a low tolerance with the message's remedy, still fail one below the value it names,
    and are read at that value; the mode conversion reads with the setting too."""
    dock = docker(ctx)
    doc = open_document(ctx, "off colours", load("photo2.npy"))
    dock.controller.actions.import_mask(str(INPUTS / "source2.png"))
    yield from idle(ctx)
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    edited = load("edited2.npy")
    rgba = pixels.label_to_colour_layer(edited)
    rows, columns = np.nonzero(edited == 1)
    row, column = int(np.median(rows)), int(np.median(columns))
    block = np.zeros(edited.shape, bool)
    block[row - 5 : row + 5, column - 5 : column + 5] = True
    rgba[block & (edited == 1), :3] = (212, 6, 3)  # skin (204, 0, 0) painted through a colour-managed brush
    document_io.write_rgba(doc, edited_layer, rgba)
    save(ctx, "off_colours_edited.npy", rgba)
    before = snapshot(doc)
    dock.tolerance.setValue(4)
    ctx.values["tolerance_setting_low"] = ctx.krita.readSetting("MaskGAN", "colour_tolerance", "")
    press(dock, "apply")
    yield from idle(ctx)
    ctx.values["tolerance_low_message"] = low = dock.message.text()
    choose(dock.mode, "classes")  # to one layer per class: refused, the colours would be lost
    yield from idle(ctx)  # the conversion reads the mask in steps
    ctx.values["tolerance_convert_message"] = dock.message.text()
    ctx.values["tolerance_convert_children"] = [n.name() for n in document_io.find_group(doc).childNodes()]
    choose(dock.mode, "colour")
    needed = int(re.search(r"to at least (\d+)\.$", low).group(1))
    dock.tolerance.setValue(needed - 1)
    press(dock, "apply")
    yield from idle(ctx)
    ctx.values["tolerance_below_message"] = dock.message.text()
    ctx.values["unchanged_after_refusals"] = snapshot(doc) == before
    dock.tolerance.setValue(needed)
    ctx.values["tolerance_setting_needed"] = ctx.krita.readSetting("MaskGAN", "colour_tolerance", "")
    press(dock, "apply")
    yield from idle(ctx)
    ctx.values["tolerance_needed_message"] = dock.message.text()
    ctx.values["tolerance_layers"] = [n.name() for n in doc.topLevelNodes()]
    save(ctx, "off_colours_result.npy", document_io.read_rgba(doc, document_io.child(doc.rootNode(), "MaskGAN edit 1")))
    ctx.values["tolerance_kept"] = {k: v for k, v in snapshot(doc).items() if k != "MaskGAN edit 1"} == before
    dock.tolerance.setValue(int(TOLERANCE))
    doc.setModified(False)  # later batches run over every open document: this one is done
    doc.close()
    state.pop("off colours")


checks = [
    check_bad_colours_are_reported,
    check_non_rgba8_is_reported,
    check_colour_tolerance_setting_reads_slightly_off_colours,
]
