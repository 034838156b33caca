"""Feeding a batch (jobs.Batch) through the plug-in's requests, and Cancel for everything that runs.

``start`` takes a Batch and ``send(item)``, the action that reads one item (in steps, through
``read_item``) and sends it with ``send_item``; items go out as the batch allows (a few at once), each outcome finishes its
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


class Batches:
    def __init__(self, tasks, link, board, later, clock=time.monotonic):
        self.tasks, self.link, self.board = tasks, link, board
        self._later, self._clock = later, clock
        self.batch: Batch | None = None
        self._send_item = None  # (Item) -> None: reads and sends one item of the running batch
        self.lines: list[str] = []  # one line per item of the running or last batch
        self._wake_due = False  # a timer will feed the batch once a busy answer's wait is over
        self._reading: dict[object, Item] = {}  # items being read, band by band, by their work (steps.Steps)

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

    def read_item(self, item: Item, doc, steps) -> None:
        """Read ``item`` from ``doc`` in steps (``steps`` ends by send_item); a read that fails fails the item."""
        batch = self.batch

        def failed(reason):
            self._reading.pop(task, None)
            batch.finish(item, FAILED, reason)
            self.feed()

        def sent(value):
            self._reading.pop(task, None)
            return value

        task = self.tasks.prepare(f"{batch.title} {item.label}", doc, _then(steps, sent), on_error=failed)
        self._reading[task] = item

    def send_item(self, item: Item, op: str, args: dict, arrays: dict, add, doc=None) -> None:
        """One item's request: its progress shows on its line, its outcome finishes it and feeds the batch.
        ``add(result, arrays)`` may return a generator: the result is then added in steps (tasks.Tasks)."""
        batch = self.batch

        def finish(state, why=""):
            batch.finish(item, state, why)
            self.feed()

        def result(header, out):
            try:
                outcome = add(header, out)
            except Exception as error:  # noqa: BLE001 - one item's failure must not stop the batch
                finish(FAILED, self.tasks.reason(f"adding the result of {item.label}", error))
                return None
            if hasattr(outcome, "send"):
                return outcome  # added in steps; ``finish`` once it is all there
            finish(DONE)
            return None

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
            f"{batch.title} {item.label}",
            op,
            args,
            arrays,
            result,
            failed,
            progress,
            doc,
            resend_busy=False,
            on_added=finish,
        )

    def cancel(self) -> None:
        """Cancel every running request, the reading before one, the adding of results and the rest of a batch;
        results that still arrive are dropped, and layers added for a cancelled result are taken away."""
        stopped = self.tasks.stop_preparing()
        for item in self._reading.values():
            self.batch.finish(item, CANCELLED, "cancelled before it was sent")
        self._reading.clear()
        if self.batch is not None:
            self.batch.stop()
            if not self.tasks.running:
                self.feed()
                return
        self.tasks.cancel_running(stopped)


def _then(steps, after):
    """Generator: ``steps``, then ``after(its value)``."""
    return after((yield from steps))
