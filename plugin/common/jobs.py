"""The batch queue (pure): a few items in flight at once, each ends done, failed, skipped or cancelled.

A plug-in's batch feeder (Krita's batches.py, GIMP's batch.py) sends what ``start_next(now)``
hands out, records each running item's progress in ``item.step``/``item.message`` and its
outcome with ``finish``, and shows ``progress()``, ``lines()`` (one per item) and ``summary()``. Up to ``IN_FLIGHT``
requests at once let the daemon batch same-size edits while staying well under its queue
limit (8 by default), so other clients are rarely refused as 'busy'. When the daemon is
full anyway, ``refused`` puts the item back in the queue and its ``FlowControl``
(maskgan_client.flow) says when to send again and how many to keep in flight: the item is
read and sent again then, rather than failing. An item that cannot be sent at all (a group
layer chosen as a photo) starts out SKIPPED, with its reason. ``stop`` ends the items not
yet sent (Cancel, or a daemon that stopped answering); the running ones end through their
requests' replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from maskgan_client.flow import FlowControl

IN_FLIGHT = 3


class State(str, Enum):
    """Where an item of a batch is; its value is the word the plug-in shows."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


QUEUED, RUNNING, DONE, FAILED, SKIPPED, CANCELLED = State
FINISHED = (DONE, FAILED, SKIPPED, CANCELLED)


@dataclass
class Item:
    label: str  # what the user sees, e.g. the document's or layer's name in quotes: “portrait”
    payload: object = None  # what the batch action needs to read and send it
    state: State = QUEUED
    step: float = 0.0  # progress of a running item, 0..1
    message: str = ""  # the daemon's progress text while running; why it failed or was skipped once finished


@dataclass
class Batch:
    title: str  # e.g. "Batch apply"
    done_word: str  # what a finished item is, e.g. "applied"
    items: list[Item] = field(default_factory=list)
    in_flight: int = IN_FLIGHT
    stopped: tuple[State, str] | None = None  # once stopped: (state, reason) of the items it did not send
    flow: FlowControl | None = None  # how many may run now, and when to send after a busy answer

    def __post_init__(self):
        if self.flow is None:
            self.flow = FlowControl(self.in_flight)

    def start_next(self, now: float) -> list[Item]:
        """Queued items to send at ``now`` (the caller's clock), marked running: at most ``in_flight`` run at
        once, fewer for a while after a busy answer, none until its wait is over."""
        if self.stopped:
            return []
        free = self.flow.room(self.running_count(), now)
        ready = [item for item in self.items if item.state == QUEUED][:free]
        for item in ready:
            item.state = RUNNING
        return ready

    def running_count(self) -> int:
        return sum(item.state == RUNNING for item in self.items)

    def refused(self, item: Item, retry_after, now: float) -> float:
        """The daemon answered ``item`` busy: it waits in the queue again (items start in order, so it is the
        first to go again); returns the seconds until ``start_next`` hands anything out again."""
        item.state, item.step, item.message = QUEUED, 0.0, ""
        delay = self.flow.refused(self.running_count(), retry_after, now)
        if self.stopped:  # stopped while it was out: it ends as the other unsent items did
            self.finish(item, *self.stopped)
        return delay

    def finish(self, item: Item, state: State, message: str = "") -> None:
        if state not in FINISHED:
            raise ValueError(f"an item finishes as one of {[s.value for s in FINISHED]}, not {state!r}")
        if item.state == RUNNING:
            self.flow.answered()
        item.state, item.message, item.step = state, message, 1.0

    def stop(self, state: State = CANCELLED, reason: str = "not started") -> list[Item]:
        """Send nothing more: queued items end as ``state`` with ``reason``; returns the running ones."""
        self.stopped = (state, reason)
        for item in self.items:
            if item.state == QUEUED:
                self.finish(item, state, reason)
        return [item for item in self.items if item.state == RUNNING]

    @property
    def over(self) -> bool:
        return all(item.state in FINISHED for item in self.items)

    def progress(self) -> float:
        """Fraction of the whole batch done, counting each running item's own progress."""
        if not self.items:
            return 1.0
        return sum(1.0 if i.state in FINISHED else i.step if i.state == RUNNING else 0.0 for i in self.items) / len(
            self.items
        )

    def lines(self) -> list[str]:
        """One short line per item, e.g. "“portrait”: 50 % (blending)"; why items failed is in ``summary()``."""

        def line(item: Item) -> str:
            if item.state == QUEUED:
                return f"{item.label}: waiting"
            if item.state == RUNNING:
                return f"{item.label}: {round(item.step * 100)} %" + (f" ({item.message})" if item.message else "")
            return f"{item.label}: {self.done_word if item.state == DONE else item.state.value}"

        return [line(item) for item in self.items]

    def summary(self) -> str:
        """One line: how many finished, which were skipped or failed and why, how many were cancelled."""

        def count(state: State) -> list[Item]:
            return [i for i in self.items if i.state == state]

        text = f"{self.title}: {len(count(DONE))} of {len(self.items)} {self.done_word}"
        for state in (SKIPPED, FAILED):
            if count(state):
                text += f"; {len(count(state))} {state.value}: " + _reasons(count(state))
        if count(CANCELLED):
            text += f"; {len(count(CANCELLED))} cancelled"
        return text


def _reasons(items: list[Item]) -> str:
    """ "“a”, “b”: why; “c” is why else": items with the same reason are named together (a daemon that
    stopped answering fails every running item alike). A message that already starts with its item's
    label (the plug-in's own document checks name the document) is kept as it is."""
    reasons: dict[str, list[str]] = {}  # reason -> labels, in the items' order
    for item in items:
        message = item.message.rstrip(".")  # the summary joins reasons with "; "
        if message.startswith(item.label + ": "):
            reasons.setdefault(message[len(item.label) + 2 :], []).append(item.label)
        elif message.startswith(item.label):
            reasons.setdefault(message, [])
        else:
            reasons.setdefault(message, []).append(item.label)
    return "; ".join(f"{', '.join(labels)}: {reason}" if labels else reason for reason, labels in reasons.items())
