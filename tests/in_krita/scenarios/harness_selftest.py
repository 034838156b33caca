"""Scenario proving the harness itself: pixels round-trip, async steps, failures recorded."""


def check_pixels_round_trip(ctx):
    doc = ctx.krita.createDocument(8, 4, "selftest", "RGBA", "U8", "", 300.0)
    ctx.values["doc"] = doc  # keep a reference or Krita's Python wrapper is collected
    layer = doc.createNode("selftest layer", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    # Krita's pixel bytes are BGRA.
    layer.setPixelData(bytes([10, 20, 30, 255]) * 32, 0, 0, 8, 4)
    doc.refreshProjection()
    doc.waitForDone()
    data = bytes(layer.pixelData(0, 0, 8, 4))
    ctx.values["first_pixel"] = list(data[:4])
    ctx.values["layer_names"] = [n.name() for n in doc.topLevelNodes()]
    ctx.values.pop("doc")
    doc.setModified(False)
    doc.close()


def check_async_steps(ctx):
    ctx.values["steps"] = []
    for delay in (10, 20):
        ctx.values["steps"].append(delay)
        yield delay


def check_failure_is_recorded(ctx):
    raise RuntimeError("deliberate failure")


checks = [check_pixels_round_trip, check_async_steps, check_failure_is_recorded]
