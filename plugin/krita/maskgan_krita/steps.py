"""Long work in short steps on Krita's event loop, so that Krita repaints and takes clicks in between.

A ``Steps`` runs a generator: each ``yield`` hands control back to Krita for one turn of its event
loop (a repaint, a click on Cancel) before the next step. Reading a large photo band by band and
adding results layer by layer are done this way. ``cancel`` closes the generator (its ``finally``
and ``except GeneratorExit`` clauses run: it can take away what it added).
"""

from __future__ import annotations

from PyQt5.QtCore import QObject, QTimer


class Steps(QObject):
    def __init__(self, generator, on_done, on_error, alive=lambda: True, parent=None):
        """``on_done(value)``: the generator returned ``value``; ``on_error(exception)``: it raised; ``alive()``
        is asked before each step: False stops the work (the document it works on closed) with on_error(None)."""
        super().__init__(parent)
        self._generator, self._on_done, self._on_error, self._alive = generator, on_done, on_error, alive
        self.over = False

    def start(self) -> "Steps":
        self._step()
        return self

    def cancel(self) -> None:
        if not self.over:
            self.over = True
            self._generator.close()

    def _step(self) -> None:
        if self.over:
            return
        if not self._alive():
            self.over = True
            self._on_error(None)
            return
        try:
            next(self._generator)
        except StopIteration as done:
            self.over = True
            self._on_done(done.value)
            return
        except Exception as error:  # noqa: BLE001 - handed to on_error, which reports it
            self.over = True
            self._on_error(error)
            return
        QTimer.singleShot(0, self._step)
