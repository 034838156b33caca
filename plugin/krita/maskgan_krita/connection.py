"""The daemon client on Krita's event loop: submit now, get callbacks later, never block.

A 25 ms timer polls the socket (``poll(0)`` never waits) while requests are
pending; ZeroMQ's notifier fd is edge-triggered and easy to miss, a timer is not.
Each request has its own timeout counted from the last message heard about it,
so long jobs that report progress are not cut off. When a request times out the
socket is replaced (replies to the old one can never arrive), so every pending
request fails with ``DaemonUnavailable``.

A job can run for a minute without a word, so a dead daemon would only show at
WORK_TIMEOUT. While work is pending, a ``status`` request (a control op: the daemon
answers it at once on its socket thread, outside its queue, so it neither waits
behind the jobs nor changes their order or cancellation) goes out every
PING_INTERVAL; one unanswered for PING_TIMEOUT fails every pending request with
STOPPED_ANSWERING, the same way.

A ``busy`` answer (the daemon's queue is full; the request was never queued) is
not the request's end: it is sent again, with the same id, once its
``FlowControl`` allows (the daemon's ``retry_after``, doubled per refusal in a
row, with jitter), until WORK_TIMEOUT after its first send. Its arrays are kept
for that only until the daemon has taken it (its first other message). A caller
that resends in its own way (the batch queue re-reads an item when its flow
allows) passes ``resend_busy=False`` and gets the busy error.

No Qt here: ``timer`` is anything with ``start()``/``stop()`` that calls ``tick``
every POLL_MS while started (a QTimer in Krita, a fake in tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from maskgan_client import Client, DaemonError, DaemonUnavailable
from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT, error_of
from maskgan_client.flow import FlowControl

from .guard import log

POLL_MS = 25
HELLO_TIMEOUT = 3.0
WORK_TIMEOUT = 120.0
CONTROL_OPS = ("hello", "status", "cancel", "shutdown")  # answered at once: no liveness ping needed for them
STOPPED_ANSWERING = "the daemon stopped answering; start it again from the docker"


@dataclass
class Pending:
    op: str
    on_result: object  # (header: dict, arrays: dict) -> None
    on_error: object  # (DaemonError) -> None
    on_progress: object = None  # (done: int, total: int, message: str) -> None
    timeout: float = WORK_TIMEOUT
    last_heard: float = 0.0
    resend: tuple | None = None  # (args, arrays) until the daemon has taken the request: to send it again after busy
    flow: FlowControl | None = None  # when a refused request may go again
    first_sent: float = 0.0
    waiting: bool = False  # refused as busy: not at the daemon until sent again


class Connection:
    def __init__(self, endpoint: str | None, timer, client_factory=Client, clock=time.monotonic):
        self._client_factory, self._clock = client_factory, clock
        self._client = client_factory(endpoint or None, timeout=HELLO_TIMEOUT)
        self._pending: dict[str, Pending] = {}
        self._ping: str | None = None  # the liveness request in flight
        self._next_ping = 0.0  # when the next one goes out (the clock's time)
        self._timer = timer

    @property
    def endpoint(self) -> str:
        return self._client.endpoint

    def set_endpoint(self, endpoint: str | None) -> None:
        """Talk to another endpoint; pending requests fail (their replies would go to the old socket)."""
        self._fail_all(DaemonError("cancelled", "the daemon endpoint changed"))
        self._client.close()
        self._client = self._client_factory(endpoint or None, timeout=HELLO_TIMEOUT)

    def submit(
        self,
        op: str,
        args=None,
        arrays=None,
        *,
        on_result,
        on_error,
        on_progress=None,
        timeout: float | None = None,
        resend_busy: bool = True,
    ) -> str:
        """Send a request; exactly one of ``on_result``/``on_error`` is called later, on the event loop."""
        timeout = (HELLO_TIMEOUT if op == "hello" else WORK_TIMEOUT) if timeout is None else timeout
        now = self._clock()
        if op not in CONTROL_OPS and not self._working():
            self._next_ping = now + PING_INTERVAL
        request_id = self._client.submit(op, args, arrays)
        resend = resend_busy and op not in CONTROL_OPS
        self._pending[request_id] = Pending(
            op,
            on_result,
            on_error,
            on_progress,
            timeout,
            now,
            (args, arrays) if resend else None,
            FlowControl(1) if resend else None,
            now,
        )
        self._timer.start()
        return request_id

    def cancel(self, request_id: str) -> None:
        """Ask the daemon to cancel; its 'cancelled' error reply ends the request. One waiting to be sent
        again after a busy answer ends at once."""
        pending = self._pending.get(request_id)
        if pending is None:
            return
        if pending.waiting:
            del self._pending[request_id]
            self._call(pending.on_error, DaemonError("cancelled", "cancelled before the daemon took it"))
        else:
            self._client.cancel(request_id)

    def tick(self) -> None:
        """One turn of the poll timer: hand out what arrived, resend what may go again, notice silence."""
        try:
            events = self._client.poll(0)
        except Exception as error:  # a broken socket must not stop the timer loop
            log.exception("MaskGAN: polling the daemon failed")
            self._fail_all(DaemonError("failed", f"talking to the daemon failed: {error}"))
            self._client.reconnect()
            return
        for event in events:
            self._dispatch(event)
        now = self._clock()
        self._resend_due(now)
        late = {
            request_id: p for request_id, p in self._pending.items() if not p.waiting and now - p.last_heard > p.timeout
        }
        if late:
            self._client.reconnect()
            self._fail_all(
                DaemonError("unavailable", STOPPED_ANSWERING)
                if self._ping in late
                else DaemonUnavailable(self._client.endpoint, max(p.timeout for p in late.values()))
            )
        self._keep_alive(now)
        if not self._pending:
            self._timer.stop()

    def _working(self) -> bool:
        return any(p.op not in CONTROL_OPS for p in self._pending.values())

    def _keep_alive(self, now: float) -> None:
        """Send the next liveness ping when work is pending, none is in flight and it is due."""
        if self._ping is not None or now < self._next_ping or not self._working():
            return
        self._ping = self._client.submit("status")
        self._pending[self._ping] = Pending("status", self._pinged, self._pinged, timeout=PING_TIMEOUT, last_heard=now)

    def _pinged(self, *_) -> None:
        """The ping's answer (or its end with all the others): the next one is due an interval later."""
        self._ping = None
        self._next_ping = self._clock() + PING_INTERVAL

    def _resend_due(self, now: float) -> None:
        for request_id, pending in list(self._pending.items()):
            if pending.waiting and pending.flow.room(0, now):
                pending.waiting, pending.last_heard = False, now
                self._client.submit(pending.op, *pending.resend, request_id=request_id)

    def _dispatch(self, event) -> None:
        pending = self._pending.get(event.request_id)
        if pending is None:
            return  # a reply to a request already given up on, or a cancel's own answer
        pending.last_heard = self._clock()
        header = event.header
        if event.type == "error" and header.get("code") == "busy" and self._wait_after_busy(pending, header):
            return
        pending.resend = None  # the daemon has it: its arrays are no longer needed here
        if event.type == "progress":
            if pending.on_progress is not None:
                self._call(
                    pending.on_progress,
                    int(header.get("done", 0)),
                    int(header.get("total", 0)),
                    str(header.get("message", "")),
                )
            return
        del self._pending[event.request_id]
        if event.type == "result":
            self._call(pending.on_result, header.get("result", {}), event.arrays)
        else:
            self._call(pending.on_error, error_of(header))

    def _wait_after_busy(self, pending: Pending, header: dict) -> bool:
        """Whether a busy answer sends the request again later (else it ends the request)."""
        if pending.resend is None:
            return False
        now = self._clock()
        delay = pending.flow.refused(0, header.get("retry_after"), now)
        if now + delay - pending.first_sent > pending.timeout:
            return False
        pending.waiting = True
        return True

    def _fail_all(self, error: DaemonError) -> None:
        pending, self._pending = self._pending, {}
        for request in pending.values():
            self._call(request.on_error, error)

    @staticmethod
    def _call(callback, *args) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("MaskGAN: a reply handler failed")
