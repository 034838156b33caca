"""Replies out of the ROUTER without blocking the socket thread, and without unbounded memory for clients that do not read.

ZeroMQ queues up to SEND_HWM whole messages per client; past that, a ROUTER in
mandatory mode says EAGAIN instead of dropping silently. Then a progress event is
dropped (the next one, or the result, says more), and a final reply (result or
error) is held here and retried on every turn of the socket loop, so that a
client that reads slowly still gets every answer. The held replies of all clients
share HELD_BYTES; past it, the oldest held replies of the client holding the most
are dropped (and logged): a client that never reads loses its own answers, not
the memory of the machine. A client that has gone (EHOSTUNREACH) gets nothing.

Freed replies are given back to the system: glibc's malloc raises its mmap threshold
after the first large free, so later multi-megabyte replies come from its heap and
stay in the daemon's resident memory once freed (80 unread 7 MB replies kept +313 MiB
resident although at most 127 MiB of them were alive). After RELEASE_BYTES of held
replies are sent or dropped, malloc_trim returns the free pages (where there is glibc).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time
from collections import defaultdict, deque

import zmq

log = logging.getLogger("maskgan.daemon")

SEND_HWM = 8  # messages queued in ZeroMQ per client
HELD_BYTES = 128 * 2**20  # final replies held for all clients whose queue is full
RELEASE_BYTES = 32 * 2**20  # held replies sent or dropped between two returns of free memory to the system


def _malloc_trim():
    """glibc's malloc_trim(0), or None where the C library has none (macOS, Windows, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


_TRIM = _malloc_trim()


def _size(frames) -> int:
    return sum(len(frame) for frame in frames)


class ReplyOutbox:
    """Made before the router binds: a listening socket copies its options (the high-water mark) when it binds."""

    def __init__(self, router: zmq.Socket, held_bytes: int = HELD_BYTES):
        router.setsockopt(zmq.SNDHWM, SEND_HWM)
        router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.router = router
        self.limit = held_bytes
        self.held: dict[bytes, deque] = defaultdict(deque)  # client identity -> its final replies, oldest first
        self.held_bytes = 0
        self.dropped = 0  # final replies dropped for want of room (reported by `status`)
        self._released = 0  # bytes of held replies sent or dropped since free memory was last given back

    def send(self, frames: list, final: bool) -> None:
        identity = bytes(frames[0])
        if identity in self.held:  # behind that client's earlier replies, in order
            if final:
                self._hold(identity, frames)
            return
        if not self._try(frames) and final:
            self._hold(identity, frames)

    def _try(self, frames) -> bool:
        """True when sent or when the client is gone (nothing more to do), False when its queue is full."""
        try:
            self.router.send_multipart(frames, flags=zmq.NOBLOCK, copy=False)
        except zmq.Again:
            return False
        except zmq.ZMQError as error:
            if error.errno != zmq.EHOSTUNREACH:
                raise
        return True

    def _hold(self, identity: bytes, frames) -> None:
        self.held[identity].append(frames)
        self.held_bytes += _size(frames)
        while self.held_bytes > self.limit:
            greediest = max(self.held, key=lambda key: sum(_size(f) for f in self.held[key]))
            dropped = self.held[greediest].popleft()
            self.held_bytes -= _size(dropped)
            self._released += _size(dropped)
            self.dropped += 1
            log.warning(
                "a client is not reading its replies: dropped one of %d bytes (%d held for all clients)",
                _size(dropped),
                self.held_bytes,
            )
            if not self.held[greediest]:
                del self.held[greediest]

    def flush(self, wait: float = 0.0) -> None:
        """Retry held replies, oldest first per client; with ``wait``, keep trying for that many seconds."""
        deadline = time.monotonic() + wait
        while True:
            for identity in list(self.held):
                queue = self.held[identity]
                while queue and self._try(queue[0]):
                    size = _size(queue.popleft())
                    self.held_bytes -= size
                    self._released += size
                if not queue:
                    del self.held[identity]
            if self._released >= RELEASE_BYTES and _TRIM is not None:
                self._released = 0
                _TRIM(0)
            if not self.held or time.monotonic() >= deadline:
                return
            time.sleep(0.01)
