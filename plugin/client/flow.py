"""Flow control for a client that keeps several requests at the daemon: how many to send, and when.

A pipelined client (the Krita plug-in's batch queue, ``maskgan batch``) keeps up to
``limit`` requests at the daemon so that it can batch same-size work. When the
daemon's queue is full it answers ``busy`` with ``retry_after``; the refused
request was never queued, so the client sends it again, after
``FlowControl.refused`` has

* paused all sending for ``busy_delay(retry_after, refusals in a row)`` (the hint,
  doubled per refusal up to four times it, with jitter so that clients refused
  together do not return together), and
* lowered the cap on requests in flight to the number still at the daemon (at
  least one): that many fit in its queue.

A burst sent together comes back as several ``busy`` answers at once: those of
requests sent before the current pause began (``sent_at``) only go back in line,
without counting as more refusals. Counting each (and capping the doubling at 4x
the hint) once left the daemon idle for seconds while its clients waited out 7 s
(issue 22's probe: pipelined throughput 68-88% of one at a time, then 106-110%).

Each answered request (a result, or an error other than ``busy``) ends the run of
refusals and grows the cap back by one, up to ``limit``. Without the lower cap a
client resends as many as before and is refused again; measured with 8 clients
pipelining 8 deep, the busy replies fell from 2,075/s to 15/s (docs/benchmarks.md).

No sockets and no clock of its own: the caller passes ``now`` (``time.monotonic()``),
so that a polling loop and an editor's event-loop timer drive it alike.
"""

from __future__ import annotations

import random

from maskgan_client.client import busy_delay

MAX_DOUBLINGS = 2  # a run of refusals waits at most 4x the daemon's hint: longer left it idle


class FlowControl:
    def __init__(self, limit: int, rng: random.Random | None = None):
        if not isinstance(limit, int) or limit < 1:
            raise ValueError(
                f"the number of requests kept in flight must be a whole number of at least 1, not {limit!r}"
            )
        self.limit = limit
        self.cap = limit  # the most in flight now: lowered after a busy, grown back per answer
        self.refusals = 0  # busy answers since the last other answer
        self.resume_at = float("-inf")  # no request goes out before this time (the caller's clock)
        self.paused_at = float("-inf")  # when the current pause began
        self._rng = rng

    def room(self, in_flight: int, now: float) -> int:
        """How many more requests may be sent at ``now`` with ``in_flight`` already at the daemon."""
        return 0 if now < self.resume_at else max(0, self.cap - in_flight)

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until sending may resume (0: it may now)."""
        return max(0.0, self.resume_at - now)

    def refused(self, in_flight: int, retry_after, now: float, sent_at: float | None = None) -> float:
        """A request was answered ``busy`` (``in_flight``: the requests still at the daemon, not counting it;
        ``retry_after``: the daemon's hint, None when it gave none; ``sent_at``: when it was sent, if known).
        Returns the seconds to wait before sending anything, the refused request included."""
        if sent_at is not None and sent_at < self.paused_at:
            return self.wait(now)  # part of the burst the current pause answers already
        delay = busy_delay(retry_after, min(self.refusals, MAX_DOUBLINGS), self._rng)
        self.refusals += 1
        self.paused_at = now
        self.cap = max(1, min(self.cap, in_flight))
        self.resume_at = max(self.resume_at, now + delay)
        return delay

    def answered(self) -> None:
        """A request got its answer (a result, or an error other than busy)."""
        self.refusals = 0
        self.cap = min(self.limit, self.cap + 1)
