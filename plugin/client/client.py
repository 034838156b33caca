"""The MaskGAN daemon client: blocking calls for scripts, non-blocking ones for editor event loops.

Blocking: ``Client().call("edit", args, arrays, progress=callback)`` returns a
``Reply`` or raises ``DaemonError`` (an error reply) / ``DaemonUnavailable``
(nothing answered in time).

Non-blocking (editors): ``submit(...)`` returns a request id at once; ``poll()``
returns the events that have arrived (progress, result, error), never waiting
longer than asked. For a QSocketNotifier, watch ``fileno()``: ZeroMQ's fd is
edge-triggered, so on every notification, and once right after every submit,
call ``poll(0)`` until it returns nothing.

After a timeout the socket is replaced, so a restarted daemon is reached again.

A ``busy`` answer (the daemon's queue is full) carries ``retry_after``, the
daemon's guess of when a slot frees; ``call`` waits ``busy_delay`` (that guess,
growing with each refusal, with jitter so that many clients do not return
together) and sends again until its timeout. While a blocking call waits for
work, a ``status`` ping goes out every PING_INTERVAL; a daemon that answers none
within PING_TIMEOUT is reported gone at once instead of at the end of the timeout
(as the Krita plug-in's connection does).
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import zmq

from maskgan_client.endpoint import default_endpoint
from maskgan_client.protocol import PROTOCOL_VERSION
from maskgan_client.wire import WireError, decode_arrays, decode_header, encode

PING_INTERVAL = 2.0  # seconds between liveness pings while a blocking call waits for work
PING_TIMEOUT = 6.0  # a ping unanswered this long: the daemon is gone (loading the face mesh held the GIL for seconds)
MAX_BUSY_DELAY = 5.0
CONTROL_OPS = ("hello", "status", "cancel", "shutdown")  # answered at once, outside the queue


class DaemonError(Exception):
    """The daemon answered with an error: ``code`` (see docs/protocol.md) and a message.

    ``retry_after``: for ``busy``, the seconds the daemon suggests waiting (None when it gave none)."""

    def __init__(self, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.message = message
        self.retry_after = retry_after


def busy_delay(retry_after, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before resending a request answered ``busy`` for the ``attempt``-th time (0-based).

    The daemon's ``retry_after`` (0.1 s from a daemon that gives none), doubled per refusal, capped at
    MAX_BUSY_DELAY, times a random factor in [0.5, 1.5): clients refused together do not return together.
    """
    base = float(retry_after) if isinstance(retry_after, (int, float)) and 0 < retry_after <= 60 else 0.1
    return min(MAX_BUSY_DELAY, base * 2 ** min(attempt, 8)) * (rng or random).uniform(0.5, 1.5)


class DaemonUnavailable(DaemonError):
    def __init__(self, endpoint: str, seconds: float):
        super().__init__(
            "unavailable",
            f"no MaskGAN daemon answered at {endpoint} within {seconds:g}s; start one with `maskgan daemon start`",
        )
        self.endpoint = endpoint


def error_of(header: dict) -> DaemonError:
    """The DaemonError of an error reply's header."""
    retry_after = header.get("retry_after")
    return DaemonError(
        str(header.get("code", "failed")),
        str(header.get("message", "")),
        retry_after if isinstance(retry_after, (int, float)) else None,
    )


@dataclass
class Event:
    """One message from the daemon about a request."""

    request_id: str
    type: str  # 'progress' | 'result' | 'error'
    header: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Reply:
    header: dict
    arrays: dict[str, np.ndarray]

    @property
    def result(self) -> dict:
        return self.header.get("result", {})


class Client:
    def __init__(self, endpoint: str | None = None, timeout: float = 60.0, server_public_key: bytes | None = None):
        self.endpoint = endpoint or default_endpoint()
        self.timeout = timeout
        self.server_public_key = server_public_key
        self._context = zmq.Context.instance()
        self._socket = None
        self._backlog: list[Event] = []  # events of other requests that arrived during a blocking call
        self._stale_pings: set[str] = set()  # liveness pings of finished calls: their answers are dropped
        self._ping: str | None = None  # the liveness ping of the blocking call in progress
        self._connect()

    def _connect(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
        socket = self._context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        if self.server_public_key:
            public, secret = zmq.curve_keypair()
            socket.curve_serverkey = self.server_public_key
            socket.curve_publickey, socket.curve_secretkey = public, secret
        socket.connect(self.endpoint)
        self._socket = socket

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- non-blocking ---------------------------------------------------------------
    def fileno(self) -> int:
        return self._socket.getsockopt(zmq.FD)

    def submit(
        self,
        op: str,
        args: dict | None = None,
        arrays: dict[str, np.ndarray] | None = None,
        request_id: str | None = None,
    ) -> str:
        request_id = request_id or uuid.uuid4().hex
        header = {"v": PROTOCOL_VERSION, "id": request_id, "op": op, "args": args or {}}
        self._socket.send_multipart(encode(header, arrays), copy=False)
        return request_id

    def poll(self, timeout_ms: int = 0) -> list[Event]:
        """Events that arrived, waiting at most ``timeout_ms`` for the first one."""
        events, self._backlog = self._backlog, []
        return events + self._receive(0 if events else timeout_ms)

    def _receive(self, timeout_ms: int) -> list[Event]:
        events = []
        if self._socket.poll(timeout_ms, zmq.POLLIN):
            while self._socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                event = self._read()
                if event.request_id in self._stale_pings:
                    self._stale_pings.discard(event.request_id)
                else:
                    events.append(event)
        return events

    def _read(self) -> Event:
        frames = self._socket.recv_multipart(copy=True)
        try:
            header = decode_header(frames[0])
            arrays = decode_arrays(header, frames[1:])
        except WireError as error:
            return Event("", "error", {"code": error.code, "message": f"unreadable reply from the daemon: {error}"})
        return Event(str(header.get("id", "")), str(header.get("type", "")), header, arrays)

    def cancel(self, request_id: str) -> None:
        """Ask the daemon to cancel a request; its own reply will be an error 'cancelled'."""
        self.submit("cancel", {"id": request_id})

    def reconnect(self) -> None:
        """Start over with a fresh socket (after a timeout or a daemon restart)."""
        self._connect()

    # --- blocking ---------------------------------------------------------------------
    def call(
        self,
        op: str,
        args: dict | None = None,
        arrays: dict[str, np.ndarray] | None = None,
        *,
        progress=None,
        timeout: float | None = None,
    ) -> Reply:
        """Send a request and wait for its result; progress events go to ``progress(header)``.

        The timeout counts from the last message heard about this request, so a
        long job that keeps reporting progress is not cut off. ``busy`` answers are
        retried (see ``busy_delay``) until ``timeout`` has passed since the first send.
        """
        timeout = self.timeout if timeout is None else timeout
        give_up = time.monotonic() + timeout
        attempt = 0
        while True:
            try:
                return self._call_once(op, args, arrays, progress, timeout)
            except DaemonError as error:
                if error.code != "busy":
                    raise
                delay = busy_delay(error.retry_after, attempt)
                if time.monotonic() + delay > give_up:
                    raise
                time.sleep(delay)
                attempt += 1

    def _call_once(self, op: str, args, arrays, progress, timeout: float) -> Reply:
        try:
            return self._wait(self.submit(op, args, arrays), op, progress, timeout)
        finally:
            if self._ping is not None:
                self._stale_pings.add(self._ping)
                self._ping = None

    def _wait(self, request_id: str, op: str, progress, timeout: float) -> Reply:
        now = time.monotonic()
        deadline = now + timeout
        self._ping, ping_sent, next_ping = None, 0.0, now + PING_INTERVAL if op not in CONTROL_OPS else float("inf")
        while True:
            now = time.monotonic()
            if self._ping is not None and now - ping_sent > PING_TIMEOUT and PING_TIMEOUT < timeout:
                self.reconnect()
                raise DaemonUnavailable(self.endpoint, PING_TIMEOUT)
            if deadline - now <= 0:
                self.reconnect()
                raise DaemonUnavailable(self.endpoint, timeout)
            if self._ping is None and now >= next_ping:
                self._ping, ping_sent = self.submit("status"), now
            wake = min(deadline, next_ping if self._ping is None else ping_sent + PING_TIMEOUT)
            events = self._receive(max(1, int((wake - now) * 1000) + 1))
            while events:
                event = events.pop(0)
                if event.request_id == self._ping:
                    self._ping, next_ping = None, time.monotonic() + PING_INTERVAL
                    continue
                if event.request_id not in (request_id, ""):
                    self._backlog.append(event)  # another request's: poll() hands it out later
                    continue
                deadline = time.monotonic() + timeout
                if event.type == "progress":
                    if progress is not None:
                        progress(event.header)
                else:
                    self._backlog.extend(events)  # read in the same go: other requests' events, for poll()
                    if event.type == "result":
                        return Reply(event.header, event.arrays)
                    raise error_of(event.header)

    def hello(self, timeout: float | None = None) -> dict:
        return self.call("hello", timeout=timeout).result
