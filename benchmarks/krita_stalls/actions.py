"""Scenario: Parse face and Apply edit on a large photo, each gap of Krita's event loop and what ran in it."""

import os
import sys

sys.path.insert(0, os.environ["MASKGAN_STALL_SCENARIOS"])

from canvas import canvas_kind  # noqa: E402
from krita_checks import docker, idle, load, open_document, press  # noqa: E402
from timing import heartbeat, now, record_calls  # noqa: E402

from maskgan_krita import document_io  # noqa: E402
from maskgan_plugin_common import naming, pixels  # noqa: E402

SHOWN = 0.1  # s: gaps listed with what ran in them


def check_actions(ctx):
    ctx.values["report"] = []
    dock = docker(ctx)
    doc = open_document(ctx, "large", load("large_photo.npy"))
    ctx.values["canvas"] = canvas_kind(ctx)
    yield 1500
    # a photo just opened: Parse face adds the document's first layer (Krita then composites a second layer
    # over the photo for the first time)
    yield from measured(ctx, dock, "parse", "parse of the photo alone")
    source, (part, origin) = load("large_source.npy"), document_io.label_part(load("large_edited.npy"))
    for run in range(int(os.environ["MASKGAN_STALL_RUNS"])):
        # the sample's masks, as Import mask makes them, and its edit painted, as a user paints it
        document_io.create_mask_group(doc, source, "colour")
        edited = document_io.child(document_io.find_group(doc), naming.EDITED_MASK)
        document_io.write_rgba(doc, edited, pixels.label_to_colour_layer(part), origin)
        doc.refreshProjection()
        doc.waitForDone()
        yield 1500
        for action in ("apply", "parse"):
            yield from measured(ctx, dock, action, f"{action} run {run + 1}")
    doc.setModified(False)
    doc.close()


def measured(ctx, dock, action, label):
    """Generator: press the docker's ``action`` and report its longest gap, and what ran in each gap over SHOWN."""
    report = ctx.values["report"]
    events = []
    unwrap, stop = record_calls(events), heartbeat()
    started = now()
    press(dock, action)
    yield from idle(ctx)
    yield 1000  # Krita's redraw after the last step
    gaps = stop()
    unwrap()
    longest = max((end - start for start, end in gaps), default=0.0)
    report.append(f"{label}: longest stall {longest:.3f} s in {now() - started:.1f} s ({dock.message.text()[:60]}…)")
    for start, end in gaps:
        if end - start > SHOWN:
            inside = [f"{what} {e - s:.3f}" for what, s, e in events if s < end and e > start and e - s > 0.01]
            report.append(f"  gap {end - start:.3f} s: " + (", ".join(inside) or "Krita alone"))


checks = [check_actions]
