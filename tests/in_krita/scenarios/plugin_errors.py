"""Checks: problems the user can fix are named in the docker, and nothing is changed.

Both documents stay open for the batch checks, as items that fail.
"""

from krita_checks import INPUTS, docker, load, open_document, snapshot
from maskgan_krita import document_io, naming


def check_bad_colours_are_reported(ctx):
    dock = docker(ctx)
    doc = open_document(ctx, "bad colours", load("photo2.npy"))
    dock.controller.import_mask(str(INPUTS / "source2.png"))
    edited_layer = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
    rgba = document_io.read_rgba(doc, edited_layer)
    rgba[:4, :4, :3] = (250, 0, 250)  # magenta: no class of the palette, nor a blend of two
    document_io.write_rgba(doc, edited_layer, rgba)
    before = snapshot(doc)
    dock.buttons["apply"].click()
    ctx.values["bad_colour_message"] = dock.message.text()
    ctx.values["unchanged_after_bad_colours"] = snapshot(doc) == before


def check_non_rgba8_is_reported(ctx):
    open_document(ctx, "sixteen bit", load("photo2.npy"), "U16")
    docker(ctx).buttons["apply"].click()
    ctx.values["depth_message"] = docker(ctx).message.text()


checks = [check_bad_colours_are_reported, check_non_rgba8_is_reported]
