"""The work queue: bounded, cancellable, batching; runs requests off the socket thread.

The server thread submits Jobs; one worker thread runs them on the Editor. Edit
requests of the same shape that are queued within ``batch_window`` seconds of
each other run as one batch. The worker waits out the window for more only when
requests are arriving faster than it serves them (one came while others were
queued): a lone client's edit, sent after the previous reply, finds the queue
empty and never waits, which with the demo weights was half the daemon's 40 ms
over a 20 ms edit. Replies go
back through ``send(job, header, arrays)``, which the server makes thread-safe.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from maskgan.infer import Cancelled
from maskgan_daemon.ops import OpError, run_op

log = logging.getLogger("maskgan.daemon")


@dataclass
class Job:
    identity: bytes
    id: str
    op: str
    args: dict
    arrays: dict[str, np.ndarray]
    cancel: threading.Event = field(default_factory=threading.Event)
    in_burst: bool = False  # set on submit: others were waiting in the queue when it came (more are likely coming)

    @property
    def batch_key(self):
        if self.op != "edit":
            return None
        return (self.op, self.args.get("feather"), tuple(self.arrays["image"].shape))

    @property
    def nbytes(self) -> int:
        return sum(array.nbytes for array in self.arrays.values())


DEFAULT_QUEUE_BYTES = 2**29  # arrays of waiting requests; one request alone may be larger (else it could never run)


class QueueFull(Exception):
    """The queue holds as many requests, or bytes, as it may; ``retry_after``: seconds until a slot is likely free."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class Worker:
    def __init__(
        self,
        editor,
        send,
        queue_size: int = 8,
        batch_window: float = 0.02,
        max_batch: int = 8,
        parsers=None,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
    ):
        self.editor = editor
        self.parsers = parsers
        self.send = send
        self.queue_size = queue_size
        self.queue_bytes = queue_bytes
        self._queued_bytes = 0
        self._batch_seconds: float | None = None  # moving average of a batch's run time, once one has run
        self._batch_started = 0.0
        self.batch_window = batch_window
        self.max_batch = max_batch
        self._queue: deque[Job] = deque()
        self._lock = threading.Condition()
        self._running: list[Job] = []
        self._stopping = False
        self.served = 0
        self._thread = threading.Thread(target=self._loop, name="maskgan-worker", daemon=True)
        self._warm_up = None  # what start() runs on the worker thread before the first request
        self._warmed = threading.Event()

    def start(self, warm_up=None) -> None:
        """Start the worker thread; with ``warm_up``, run it on that thread first and return once it has run.

        On that thread, because torch keeps per-thread state (its OpenMP pool): a warm-up on another thread left
        the first demo-weights edit 1.6x a warm one.
        """
        self._warm_up = warm_up
        self._thread.start()
        self._warmed.wait()

    # --- called from the server thread ---------------------------------------------
    def submit(self, job: Job) -> None:
        size = job.nbytes
        with self._lock:
            if len(self._queue) >= self.queue_size:
                raise QueueFull(
                    f"the daemon's queue is full ({self.queue_size} requests waiting); try again shortly",
                    self._retry_after(),
                )
            if self._queue and self._queued_bytes + size > self.queue_bytes:
                raise QueueFull(
                    f"the daemon's queue is full ({self._queued_bytes:,} bytes of requests waiting, "
                    f"{size:,} more would pass the limit of {self.queue_bytes:,}); try again shortly",
                    self._retry_after(),
                )
            # not "or self._running": the worker sends a batch's replies before it marks itself idle, and a quick
            # client's next request could land in between and wait the window for nothing
            job.in_burst = bool(self._queue)
            self._queue.append(job)
            self._queued_bytes += size
            self._lock.notify()

    def _retry_after(self) -> float:
        """Seconds until the running batch is likely done and the next one leaves the queue (under the lock).

        Before any batch has been timed, the running one is guessed to take twice what it has run so far:
        a fixed guess (it was 0.5 s) kept clients away for seconds when batches took 0.1 s, and a guess too
        short costs only another `busy` answer.
        """
        if not self._running:
            return 0.05
        elapsed = time.monotonic() - self._batch_started
        left = elapsed if self._batch_seconds is None else self._batch_seconds - elapsed
        return round(min(5.0, max(0.05, left)), 3)

    def _take(self, job: Job) -> None:
        """Remove ``job`` from the queue (under the lock)."""
        self._queue.remove(job)
        self._queued_bytes -= job.nbytes

    def cancel(self, request_id: str) -> bool:
        """Cancel a queued (removed at once) or running (stops at its next step) request."""
        with self._lock:
            for job in list(self._queue):
                if job.id == request_id:
                    self._take(job)
                    self.send(job, {"type": "error", "code": "cancelled", "message": "cancelled before it started"})
                    return True
            for job in self._running:
                if job.id == request_id:
                    job.cancel.set()
                    return True
        return False

    def status(self) -> dict:
        with self._lock:
            return {
                "queued": len(self._queue),
                "queued_bytes": self._queued_bytes,
                "running": [j.id for j in self._running],
                "served": self.served,
            }

    def stop(self) -> list[Job]:
        """Take no more work: returns the queued jobs, for the caller to refuse; the running batch goes on."""
        with self._lock:
            self._stopping = True
            refused = list(self._queue)
            self._queue.clear()
            self._queued_bytes = 0
            self._lock.notify_all()
        return refused

    def join(self, timeout: float = 60.0) -> None:
        """Wait for the running batch to finish and the thread to end (after ``stop``)."""
        self._thread.join(timeout)

    # --- worker thread ------------------------------------------------------------
    def _next_batch(self) -> list[Job] | None:
        with self._lock:
            while not self._queue and not self._stopping:
                self._lock.wait()
            if self._stopping:
                return None
            first = self._queue[0]
            self._take(first)
            batch = [first]
            if first.batch_key is not None:
                deadline = time.monotonic() + self.batch_window
                while len(batch) < self.max_batch:
                    same = [j for j in self._queue if j.batch_key == first.batch_key]
                    for job in same[: self.max_batch - len(batch)]:
                        self._take(job)
                        batch.append(job)
                    remaining = deadline - time.monotonic()
                    if not any(job.in_burst for job in batch) or remaining <= 0 or len(batch) >= self.max_batch:
                        break
                    self._lock.wait(remaining)
            self._running = batch
            self._batch_started = time.monotonic()
            return batch

    def _loop(self) -> None:
        try:
            if self._warm_up is not None:
                self._warm_up()
        except Exception:  # noqa: BLE001 - a failed warm-up only leaves the first request slower
            log.warning("warm-up failed:\n%s", traceback.format_exc())
        finally:
            self._warmed.set()
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._run(batch)
            with self._lock:
                took = time.monotonic() - self._batch_started
                self._batch_seconds = took if self._batch_seconds is None else 0.8 * self._batch_seconds + 0.2 * took
                self._running = []
                self.served += len(batch)

    def _run(self, batch: list[Job]) -> None:
        class AnyCancelled:
            # a batch stops when every request in it is cancelled
            def is_set(self_inner) -> bool:
                return all(job.cancel.is_set() for job in batch)

        def progress(done: int, total: int, message: str) -> None:
            for job in batch:
                self.send(job, {"type": "progress", "done": done, "total": total, "message": message})

        started = time.monotonic()
        try:
            outputs = run_op(self.editor, batch[0].op, batch, progress, AnyCancelled(), parsers=self.parsers)
        except Cancelled:
            for job in batch:
                self.send(job, {"type": "error", "code": "cancelled", "message": "cancelled while running"})
            return
        except OpError as error:
            for job in batch:
                self.send(job, {"type": "error", "code": error.code, "message": error.message})
            return
        except ValueError as error:  # bad input the engine found (no face, sizes, ...)
            if len(batch) > 1:  # one request's bad input must not fail the others batched with it
                for job in batch:
                    self._run([job])
                return
            for job in batch:
                self.send(job, {"type": "error", "code": "bad_input", "message": str(error)})
            return
        except Exception as error:  # never let one request take the daemon down
            log.error("%s failed:\n%s", batch[0].op, traceback.format_exc())
            for job in batch:
                self.send(job, {"type": "error", "code": "failed", "message": f"{type(error).__name__}: {error}"})
            return
        log.info("%s x%d in %.2fs", batch[0].op, len(batch), time.monotonic() - started)
        for job, (result, arrays) in zip(batch, outputs):
            if job.cancel.is_set():
                self.send(job, {"type": "error", "code": "cancelled", "message": "cancelled while running"})
            else:
                self.send(job, {"type": "result", "result": result}, arrays)
