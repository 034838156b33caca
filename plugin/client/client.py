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
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import zmq

from maskgan_client.endpoint import default_endpoint
from maskgan_client.wire import PROTOCOL_VERSION, WireError, decode_arrays, decode_header, encode


class DaemonError(Exception):
    """The daemon answered with an error: ``code`` (see docs/protocol.md) and a message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.message = message


class DaemonUnavailable(DaemonError):
    def __init__(self, endpoint: str, seconds: float):
        super().__init__(
            "unavailable",
            f"no MaskGAN daemon answered at {endpoint} within {seconds:g}s; start one with `maskgan daemon start`",
        )
        self.endpoint = endpoint


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

    def submit(self, op: str, args: dict | None = None, arrays: dict[str, np.ndarray] | None = None,
               request_id: str | None = None) -> str:
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
                events.append(self._read())
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
    def call(self, op: str, args: dict | None = None, arrays: dict[str, np.ndarray] | None = None, *,
             progress=None, timeout: float | None = None) -> Reply:
        """Send a request and wait for its result; progress events go to ``progress(header)``.

        The timeout counts from the last message heard about this request, so a
        long job that keeps reporting progress is not cut off.
        """
        timeout = self.timeout if timeout is None else timeout
        request_id = self.submit(op, args, arrays)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.reconnect()
                raise DaemonUnavailable(self.endpoint, timeout)
            for event in self._receive(int(remaining * 1000) + 1):
                if event.request_id not in (request_id, ""):
                    self._backlog.append(event)  # another request's: poll() hands it out later
                    continue
                deadline = time.monotonic() + timeout
                if event.type == "progress":
                    if progress is not None:
                        progress(event.header)
                elif event.type == "result":
                    return Reply(event.header, event.arrays)
                else:
                    raise DaemonError(str(event.header.get("code", "failed")), str(event.header.get("message", "")))

    def hello(self, timeout: float | None = None) -> dict:
        return self.call("hello", timeout=timeout).result
