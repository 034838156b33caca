"""The batch queue (pure): items run one after another, each ends applied or failed.

The controller asks ``next_item()`` for work, reports each outcome with
``finish(ok, message)``, and shows ``progress()`` and ``summary()``. Cancel
drops the items not yet started; the running one ends through the daemon's
'cancelled' reply. Running one item at a time keeps cancel immediate and the
daemon's queue short; the daemon still batches what it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Item:
    label: str  # what the user sees, e.g. the document's name
    payload: object = None  # what the controller needs to run it (the document)
    ok: bool | None = None  # None while not finished
    message: str = ""


@dataclass
class Batch:
    items: list[Item]
    current: int = -1  # index of the running item, -1 before the first
    cancelled: bool = False
    step: float = 0.0  # progress of the running item, 0..1
    skipped: list[Item] = field(default_factory=list)

    def next_item(self) -> Item | None:
        """The next item to run (and it becomes the current one), or None when the batch is over."""
        if self.cancelled or self.current + 1 >= len(self.items):
            return None
        self.current += 1
        self.step = 0.0
        return self.items[self.current]

    def finish(self, ok: bool, message: str = "") -> None:
        item = self.items[self.current]
        item.ok, item.message = ok, message
        self.step = 1.0

    def cancel(self) -> None:
        self.cancelled = True
        self.skipped = self.items[self.current + 1:]

    def progress(self) -> float:
        """Fraction of the whole batch done, counting the running item's own progress."""
        if not self.items:
            return 1.0
        return (max(self.current, 0) + (self.step if self.current >= 0 else 0.0)) / len(self.items)

    def position(self) -> str:
        return f"{self.current + 1}/{len(self.items)}"

    def summary(self) -> str:
        """One line: how many applied, which failed and why, how many were cancelled before they ran."""
        done = [i for i in self.items if i.ok]
        failed = [i for i in self.items if i.ok is False]
        text = f"Batch: {len(done)} of {len(self.items)} applied"
        if failed:
            text += f"; {len(failed)} failed: " + "; ".join(f"{i.label}: {i.message}" for i in failed)
        if self.skipped:
            text += f"; {len(self.skipped)} not started (cancelled)"
        return text
