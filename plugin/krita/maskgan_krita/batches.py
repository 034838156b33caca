"""Feeding a batch (jobs.Batch) through the plug-in's requests, and Cancel for everything that runs.

``start`` takes a Batch and ``send(item)``, the action that reads one item and sends it with
``send_item``; items go out as the batch allows (a few at once), each outcome finishes its
item and sends the next, and the summary shows once all have finished. A ``busy`` answer
puts its item back in the queue: after the wait the batch's FlowControl asks for, the item
is read and sent again (its arrays are not kept meanwhile). A daemon that is gone fails
the items not sent yet as well.

Cancel lives here, the layer above Tasks: it stops the reads, the rest of a batch, and
every request.

No Qt here: ``later(ms, function)`` is the event loop's timer, ``clock()`` the time in
seconds (time.monotonic).
"""

from __future__ import annotations

import math
import time

from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import CANCELLED, DONE, FAILED, Batch, Item

from .guard import log


class Batches:
    def __init__(self, tasks, link, board, later, clock=time.monotonic):
        self.tasks, self.link, self.board = tasks, link, board
        self._later, self._clock = later, clock
        self.batch: Batch | None = None
        self._send_item = None  # (Item) -> None: reads and sends one item of the running batch
        self.lines: list[str] = []  # one line per item of the running or last batch
        self._wake_due = False  # a timer will feed the batch once a busy answer's wait is over

    @property
    def busy(self) -> bool:
        """Whether anything runs: a request, a batch, or a document being read for one."""
        return self.batch is not None or self.tasks.busy

    def start(self, batch: Batch, send) -> None:
        self.link.require()
        if self.batch is not None:
            raise PluginError("a batch is already running; cancel it first")
        self.batch, self._send_item = batch, send
        self.board.progress = 0.0
        self.feed()

    def feed(self) -> None:
        """Send what the batch allows now; once every item has finished, show the summary."""
        batch = self.batch
        if batch is None:  # a wake-up timer of a batch that has ended
            return
        while ready := batch.start_next(self._clock()):
            for item in ready:
                try:
                    self._send_item(item)
                except PluginError as error:  # the item cannot be sent; the others go on
                    batch.finish(item, FAILED, str(error))
        self.lines = batch.lines()
        if batch.over:
            self.batch, self.board.progress = None, None
            self.board.say(batch.summary())
            return
        self.board.progress = batch.progress()
        self.board.changed()
        wait = batch.flow.wait(self._clock())
        if wait > 0 and not self._wake_due:  # items wait out a busy answer: feed again once they may go
            self._wake_due = True
            self._later(math.ceil(wait * 1000), self._wake)

    def _wake(self) -> None:
        self._wake_due = False
        self.feed()

    def send_item(self, item: Item, op: str, args: dict, arrays: dict, add, doc=None) -> None:
        """One item's request: its progress shows on its line, its outcome finishes it and feeds the batch."""
        batch = self.batch

        def result(header, out):
            try:
                add(header, out)
                batch.finish(item, DONE)
            except Exception as error:  # noqa: BLE001 - one item's failure must not stop the batch
                if not isinstance(error, PluginError):
                    log.exception("MaskGAN: adding the result of %s failed", item.label)
                why = str(error) if isinstance(error, PluginError) else f"{type(error).__name__}: {error}"
                batch.finish(item, FAILED, why)
            finally:
                self.feed()

        def failed(error):
            if error.code == "busy":  # the daemon's queue is full: the item goes again, later
                batch.refused(item, error.retry_after, self._clock())
            else:
                if error.code == "unavailable":  # the daemon is gone: items not sent yet would fail alike
                    batch.stop(FAILED, error.message)
                batch.finish(item, CANCELLED if error.code == "cancelled" else FAILED, error.message)
            self.feed()

        def progress(done, total, message):
            item.step, item.message = (done / total if total else item.step), message
            self.lines, self.board.progress = batch.lines(), batch.progress()
            self.board.changed()

        self.tasks.submit(
            f"{batch.title} {item.label}", op, args, arrays, result, failed, progress, doc, resend_busy=False
        )

    def cancel(self) -> None:
        """Cancel every running request, the reading before one, the adding of results and the rest of a batch;
        results that still arrive are dropped, and layers added for a cancelled result are taken away."""
        stopped = self.tasks.stop_preparing()
        if self.batch is not None:
            self.batch.stop()
            if not self.tasks.running:
                self.feed()
                return
        self.tasks.cancel_running(stopped)
