"""What every docker shows of the work: the message line (and its tooltip) and the progress bar.

The plug-in's parts write here; ``on_change`` (the Controller's Qt signal) tells the dockers to
refresh. No Qt here, so that the parts that write can be tested in plain Python.
"""

from __future__ import annotations

from .guard import log


class Board:
    def __init__(self, on_change=lambda: None):
        self.message = ""
        self.message_detail = ""  # the message's tooltip: a command line, say
        self.progress: float | None = None  # 0..1 while something runs
        self._on_change = on_change

    def say(self, text: str, detail: str = "") -> None:
        """Show ``text`` on the message line; ``detail`` goes to its tooltip."""
        self.message, self.message_detail = text, detail
        log.info("MaskGAN: %s", text)
        self.changed()

    def changed(self) -> None:
        """Something shown changed: the dockers refresh."""
        self._on_change()
