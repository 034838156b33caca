"""Inside Krita: a heartbeat that records the event loop's gaps, and Krita calls and plug-in steps timed."""

import time

from PyQt5.QtCore import QTimer

now = time.monotonic


def heartbeat():
    """Start a 5 ms timer; returns stop(), which gives [(start, end)] of its gaps over 50 ms."""
    timer = QTimer()
    state = {"last": now(), "gaps": []}

    def tick():
        moment = now()
        if moment - state["last"] > 0.05:
            state["gaps"].append((state["last"], moment))
        state["last"] = moment

    timer.timeout.connect(tick)
    timer.start(5)

    def stop():
        timer.stop()
        tick()
        return state["gaps"]

    return stop


def record_calls(events):
    """Wrap Krita's Node/Document methods and the plug-in's steps so that each call appends (what, start, end) to
    ``events``; returns a function that unwraps them."""
    import krita

    from maskgan_krita import steps

    undo = []

    def wrap(owner, name, what):
        original = getattr(owner, name)
        undo.append((owner, name, vars(owner)[name]))

        def timed(*args, **kwargs):
            start = now()
            try:
                return original(*args, **kwargs)
            finally:
                events.append((what, start, now()))

        setattr(owner, name, timed)

    for name in ("addChildNode", "setPixelData", "pixelData", "remove", "setVisible", "setChildNodes"):
        wrap(krita.Node, name, f"Node.{name}")
    for name in ("createNode", "createGroupLayer", "refreshProjection", "waitForDone"):
        wrap(krita.Document, name, f"Document.{name}")
    step = vars(steps.Steps)["_step"]
    undo.append((steps.Steps, "_step", step))

    def timed_step(self):
        where = _where(self._generator)
        start = now()
        try:
            step(self)
        finally:
            events.append((f"a step of the plug-in ({where})", start, now()))

    steps.Steps._step = timed_step

    def unwrap():
        for owner, name, original in undo:
            setattr(owner, name, original)

    return unwrap


def _where(generator) -> str:
    """The innermost two functions a suspended generator of steps is in (its ``yield from`` chain)."""
    names = []
    while generator is not None and getattr(generator, "gi_frame", None) is not None:
        names.append(generator.gi_code.co_name)
        generator = generator.gi_yieldfrom
    return " > ".join(names[-2:])
