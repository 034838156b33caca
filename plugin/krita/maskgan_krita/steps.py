"""Long work in short steps on Krita's event loop, so that Krita repaints and takes clicks in between.

A ``Steps`` runs a generator: each ``yield`` hands control back to Krita for one turn of its event
loop (a repaint, a click on Cancel) before the next step. Reading a large photo band by band and
adding results layer by layer are done this way. ``cancel`` closes the generator (its
``except GeneratorExit`` clauses run: it can take away what it added). Krita runs its event loop
inside some calls too (adding a layer, refreshing the projection), so Cancel may come while a step
runs: the generator is then closed as soon as that step returns. A generator that adds layers
therefore yields once more after its last one, so that a step never both adds and ends.
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
        self._close_when_back = False

    def start(self) -> "Steps":
        """Begin at the next turn of the event loop (the click or reply that starts it returns at once)."""
        QTimer.singleShot(0, self._step)
        return self

    def cancel(self) -> None:
        if self.over:
            return
        self.over = True
        if self._generator.gi_running:
            self._close_when_back = True
        else:
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
            if not self.over:
                self.over = True
                self._on_done(done.value)
            return
        except Exception as error:  # noqa: BLE001 - handed to on_error, which reports it
            if not self.over:
                self.over = True
                self._on_error(error)
            return
        if self._close_when_back:
            self._generator.close()
            return
        QTimer.singleShot(0, self._step)
