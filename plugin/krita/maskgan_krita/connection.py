"""The daemon client on Krita's event loop: submit now, get callbacks later, never block.

A 25 ms QTimer polls the socket (``poll(0)`` never waits) while requests are
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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PyQt5.QtCore import QObject, QTimer

from maskgan_client import Client, DaemonError, DaemonUnavailable

from .guard import log

POLL_MS = 25
HELLO_TIMEOUT = 3.0
WORK_TIMEOUT = 120.0
PING_INTERVAL = 2.0
PING_TIMEOUT = 4.0
CONTROL_OPS = ("hello", "status", "cancel", "shutdown")  # answered at once: no liveness ping needed for them
STOPPED_ANSWERING = "the daemon stopped answering; start it again from the docker"


@dataclass
class Pending:
    op: str
    on_result: object  # (header: dict, arrays: dict) -> None
    on_error: object  # (DaemonError) -> None
    on_progress: object = None  # (done: int, total: int, message: str) -> None
    timeout: float = WORK_TIMEOUT
    last_heard: float = field(default_factory=time.monotonic)


class Connection(QObject):
    def __init__(self, endpoint: str | None, parent=None):
        super().__init__(parent)
        self._client = Client(endpoint or None, timeout=HELLO_TIMEOUT)
        self._pending: dict[str, Pending] = {}
        self._ping: str | None = None  # the liveness request in flight
        self._next_ping = 0.0  # when the next one goes out (time.monotonic)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def endpoint(self) -> str:
        return self._client.endpoint

    def set_endpoint(self, endpoint: str | None) -> None:
        """Talk to another endpoint; pending requests fail (their replies would go to the old socket)."""
        self._fail_all(DaemonError("cancelled", "the daemon endpoint changed"))
        self._client.close()
        self._client = Client(endpoint or None, timeout=HELLO_TIMEOUT)

    def submit(self, op: str, args=None, arrays=None, *, on_result, on_error, on_progress=None,
               timeout: float | None = None) -> str:
        """Send a request; exactly one of ``on_result``/``on_error`` is called later, on the Qt thread."""
        timeout = (HELLO_TIMEOUT if op == "hello" else WORK_TIMEOUT) if timeout is None else timeout
        if op not in CONTROL_OPS and not self._working():
            self._next_ping = time.monotonic() + PING_INTERVAL
        request_id = self._client.submit(op, args, arrays)
        self._pending[request_id] = Pending(op, on_result, on_error, on_progress, timeout)
        self._timer.start()
        return request_id

    def cancel(self, request_id: str) -> None:
        """Ask the daemon to cancel; its 'cancelled' error reply ends the request."""
        if request_id in self._pending:
            self._client.cancel(request_id)

    def _tick(self) -> None:
        try:
            events = self._client.poll(0)
        except Exception as error:  # a broken socket must not stop the timer loop
            log.exception("MaskGAN: polling the daemon failed")
            self._fail_all(DaemonError("failed", f"talking to the daemon failed: {error}"))
            self._client.reconnect()
            return
        for event in events:
            self._dispatch(event)
        now = time.monotonic()
        late = {request_id: p for request_id, p in self._pending.items() if now - p.last_heard > p.timeout}
        if late:
            self._client.reconnect()
            self._fail_all(DaemonError("unavailable", STOPPED_ANSWERING) if self._ping in late
                           else DaemonUnavailable(self._client.endpoint, max(p.timeout for p in late.values())))
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
        self._pending[self._ping] = Pending("status", self._pinged, self._pinged, timeout=PING_TIMEOUT)

    def _pinged(self, *_) -> None:
        """The ping's answer (or its end with all the others): the next one is due an interval later."""
        self._ping = None
        self._next_ping = time.monotonic() + PING_INTERVAL

    def _dispatch(self, event) -> None:
        pending = self._pending.get(event.request_id)
        if pending is None:
            return  # a reply to a request already given up on, or a cancel's own answer
        pending.last_heard = time.monotonic()
        header = event.header
        if event.type == "progress":
            if pending.on_progress is not None:
                self._call(pending.on_progress, int(header.get("done", 0)), int(header.get("total", 0)),
                           str(header.get("message", "")))
            return
        del self._pending[event.request_id]
        if event.type == "result":
            self._call(pending.on_result, header.get("result", {}), event.arrays)
        else:
            self._call(pending.on_error, DaemonError(str(header.get("code", "failed")), str(header.get("message", ""))))

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
