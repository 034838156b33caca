"""The batch queue (pure): a few items in flight at once, each ends done, failed or cancelled.

The controller sends what ``start_next()`` hands out, records each running item's
progress in ``item.step``/``item.message`` and its outcome with ``finish``, and shows
``progress()``, ``lines()`` (one per item) and ``summary()``. ``IN_FLIGHT`` requests at
once let the daemon batch same-size edits while staying well under its queue limit
(8 by default), so other clients are not refused as 'busy'. Cancel drops the items
not yet sent; the running ones end through the daemon's 'cancelled' replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

IN_FLIGHT = 3
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass
class Item:
    label: str  # what the user sees, e.g. the document's name in quotes: “portrait”
    payload: object = None  # what the controller needs to run it (the document)
    state: str = QUEUED
    step: float = 0.0  # progress of a running item, 0..1
    message: str = ""  # the daemon's progress text while running; why it failed once finished


@dataclass
class Batch:
    title: str  # e.g. "Batch apply"
    done_word: str  # what a finished item is, e.g. "applied"
    items: list[Item] = field(default_factory=list)
    in_flight: int = IN_FLIGHT
    cancelled: bool = False

    def start_next(self) -> list[Item]:
        """Queued items to send now, marked running, so that at most ``in_flight`` run at once."""
        if self.cancelled:
            return []
        free = self.in_flight - sum(item.state == RUNNING for item in self.items)
        ready = [item for item in self.items if item.state == QUEUED][: max(free, 0)]
        for item in ready:
            item.state = RUNNING
        return ready

    def finish(self, item: Item, state: str, message: str = "") -> None:
        if state not in FINISHED:
            raise ValueError(f"an item finishes as one of {FINISHED}, not {state!r}")
        item.state, item.message, item.step = state, message, 1.0

    def cancel(self) -> list[Item]:
        """Stop the batch: queued items end cancelled; returns the running ones, for the daemon to cancel."""
        self.cancelled = True
        for item in self.items:
            if item.state == QUEUED:
                self.finish(item, CANCELLED, "not started")
        return [item for item in self.items if item.state == RUNNING]

    @property
    def over(self) -> bool:
        return all(item.state in FINISHED for item in self.items)

    def progress(self) -> float:
        """Fraction of the whole batch done, counting each running item's own progress."""
        if not self.items:
            return 1.0
        return sum(1.0 if i.state in FINISHED else i.step if i.state == RUNNING else 0.0 for i in self.items) / len(self.items)

    def lines(self) -> list[str]:
        """One short line per item, e.g. "“portrait”: 50 % (blending)"; why items failed is in ``summary()``."""
        def line(item: Item) -> str:
            if item.state == QUEUED:
                return f"{item.label}: waiting"
            if item.state == RUNNING:
                return f"{item.label}: {round(item.step * 100)} %" + (f" ({item.message})" if item.message else "")
            return f"{item.label}: {self.done_word if item.state == DONE else item.state}"

        return [line(item) for item in self.items]

    def summary(self) -> str:
        """One line: how many finished, which failed and why, how many were cancelled."""
        done = [i for i in self.items if i.state == DONE]
        failed = [i for i in self.items if i.state == FAILED]
        cancelled = [i for i in self.items if i.state == CANCELLED]
        text = f"{self.title}: {len(done)} of {len(self.items)} {self.done_word}"
        if failed:
            text += f"; {len(failed)} failed: " + "; ".join(_named(i) for i in failed)
        if cancelled:
            text += f"; {len(cancelled)} cancelled"
        return text


def _named(item: Item) -> str:
    """The item's message, prefixed by its label unless it already starts with it (the plug-in's own
    document checks name the document; the daemon's errors do not)."""
    message = item.message.rstrip(".")  # the summary joins messages with "; "
    return message if message.startswith(item.label) else f"{item.label}: {message}"
