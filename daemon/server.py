"""The daemon's socket loop: a ZeroMQ ROUTER that validates every message and never dies on input.

Control ops (hello, status, cancel, shutdown) are answered on this thread; work
ops go to the Worker. The worker's replies come back through an inproc PULL
socket, because a ZeroMQ socket must only be used by the thread that owns it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

import zmq

from maskgan_client.protocol import ALL_OPS, CONTROL_OPS, PROTOCOL_VERSION
from maskgan_client.wire import (
    DEFAULT_MAX_BYTES,
    MAX_HEADER_BYTES,
    MAX_ID_LENGTH,
    WireError,
    decode_arrays,
    decode_header,
    encode,
    excerpt,
)
from maskgan_daemon.ops import OpError, check_reply_size, hello_result, validate_args, validate_arrays
from maskgan_daemon.replies import ReplyOutbox
from maskgan_daemon.worker import DEFAULT_QUEUE_BYTES, Job, QueueFull, Worker

log = logging.getLogger("maskgan.daemon")
RECEIVE_HWM = 4
# How long a stop keeps trying to hand the last replies to their clients: a 24 MP photo's whole-photo reply
# is ~170 MB, which a client on a loaded machine reads in seconds (1 s lost one in CI); a client that never
# reads holds the stop this long at most.
DRAIN_S = 10.0


class Server:
    def __init__(
        self,
        editor,
        endpoint: str,
        queue_size: int = 8,
        max_bytes: int | None = None,
        curve_secret_key: bytes | None = None,
        parsers=None,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
    ):
        self.editor = editor
        self.parsers = parsers
        self.endpoint = endpoint
        self.max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        self.started = time.monotonic()
        self.context = zmq.Context.instance()
        self.router = self.context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 1000)
        # A frame larger than a whole message may carry can only be hostile: ZeroMQ drops the peer before
        # buffering it. Smaller frames that add up to too much are read, then answered 'too_large'.
        self.router.setsockopt(zmq.MAXMSGSIZE, self.max_bytes + MAX_HEADER_BYTES)
        # Messages ZeroMQ reads ahead of the socket loop, per client: past them the client waits (backpressure),
        # so one client's burst of large requests costs at most this many in the daemon, not all of them.
        self.router.setsockopt(zmq.RCVHWM, RECEIVE_HWM)
        self.outbox = ReplyOutbox(self.router)  # bounded replies to peers that do not read
        if curve_secret_key is not None:
            self.router.curve_server = True
            self.router.curve_secretkey = curve_secret_key
        self.router.bind(endpoint)
        self._inbox_address = f"inproc://maskgan-replies-{id(self)}"
        self.replies = self.context.socket(zmq.PULL)
        self.replies.bind(self._inbox_address)
        self._local = threading.local()
        self._pushes: list[tuple[threading.Thread, zmq.Socket]] = []  # (owner thread, its inproc socket)
        self._pushes_lock = threading.Lock()
        self.worker = Worker(
            editor, self._send_from_worker, queue_size=queue_size, parsers=parsers, queue_bytes=queue_bytes
        )
        self.stop_requested = threading.Event()

    # --- replies --------------------------------------------------------------------
    def _reply(self, identity: bytes, request_id: str, header: dict, arrays=None) -> None:
        frames = encode({"v": PROTOCOL_VERSION, "id": request_id, **header}, arrays)
        self.outbox.send([identity] + frames, final=header.get("type") != "progress")

    def _send_from_worker(self, job: Job, header: dict, arrays=None) -> None:
        """Thread-safe: each thread pushes through its own inproc socket to the socket thread."""
        if threading.current_thread() is threading.main_thread() or getattr(self._local, "is_server", False):
            self._reply(job.identity, job.id, header, arrays)
            return
        push = getattr(self._local, "push", None)
        if push is None:
            push = self._local.push = self.context.socket(zmq.PUSH)
            push.connect(self._inbox_address)
            with self._pushes_lock:
                self._pushes.append((threading.current_thread(), push))
        frames = encode({"v": PROTOCOL_VERSION, "id": job.id, **header}, arrays)
        push.send_multipart([job.identity] + frames, copy=False)

    def _error(self, identity: bytes, request_id: str, code: str, message: str, **fields) -> None:
        log.info("request %s: %s: %s", request_id or "?", code, message)  # ids are checked printable: one line each
        self._reply(identity, request_id, {"type": "error", "code": code, "message": message, **fields})

    # --- requests ---------------------------------------------------------------------
    def handle(self, frames: list[bytes]) -> None:
        """Answer one message: exactly one reply (an error, a control op's result, or the work's own replies)."""
        identity, frames = frames[0], frames[1:]
        request_id = ""
        try:
            if not frames:
                raise OpError("bad_message", "empty message: a header frame is required")
            header = decode_header(frames[0])
            request_id = _request_id(header.get("id"))
            if header.get("v") != PROTOCOL_VERSION:
                raise OpError(
                    "bad_version",
                    f"protocol version {excerpt(header.get('v'))} is not supported; this "
                    f"daemon speaks version {PROTOCOL_VERSION}. Update the plug-in or the daemon so that they match",
                )
            op = header.get("op")
            if not isinstance(op, str) or op not in ALL_OPS:
                raise OpError("unknown_op", f"unknown op {excerpt(op)}; known: {', '.join(ALL_OPS)}")
            args = validate_args(op, header.get("args", {}))
            arrays = validate_arrays(op, decode_arrays(header, frames[1:], max_bytes=self.max_bytes))
            check_reply_size(op, args, arrays)
        except WireError as error:
            return self._error(identity, request_id, error.code, str(error))
        except OpError as error:
            return self._error(identity, request_id, error.code, error.message)
        except Exception as error:  # a check that itself broke: still one answer, and the traceback in the log
            log.exception("checking a message failed")
            return self._error(
                identity,
                request_id,
                "bad_message",
                f"the daemon could not read this message ({type(error).__name__}); see its log",
            )

        if op in CONTROL_OPS:
            return self._control(identity, request_id, op, args)
        if self.stop_requested.is_set():
            return self._error(identity, request_id, "shutting_down", "the daemon is shutting down")
        try:
            self.worker.submit(Job(identity, request_id, op, args, arrays))
        except QueueFull as error:
            self._error(identity, request_id, "busy", str(error), retry_after=error.retry_after)

    def _control(self, identity: bytes, request_id: str, op: str, args: dict) -> None:
        if op == "hello":
            result = hello_result(self.editor, self.parsers)
        elif op == "status":
            result = {
                **self.worker.status(),
                "held_reply_bytes": self.outbox.held_bytes,
                "dropped_replies": self.outbox.dropped,
                "uptime": round(time.monotonic() - self.started, 1),
                "device": self.editor.device,
                "endpoint": self.endpoint,
            }
        elif op == "cancel":
            result = {"cancelled": self.worker.cancel(args["id"])}
        else:  # shutdown
            self.stop_requested.set()
            result = {"stopping": True}
        self._reply(identity, request_id, {"type": "result", "result": result})

    # --- loop -------------------------------------------------------------------------
    def serve(self, warm_up=None) -> None:
        """Answer requests until a shutdown; ``warm_up`` runs first, on the worker thread (Worker.start)."""
        self._local.is_server = True
        self.worker.start(warm_up)
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        poller.register(self.replies, zmq.POLLIN)
        log.info("listening on %s (device %s, %s)", self.endpoint, self.editor.device, self.editor.precision)
        while not self.stop_requested.is_set():
            for socket, _ in poller.poll(200):
                if socket is self.router:
                    frames = self.router.recv_multipart()
                    try:
                        self.handle(frames)
                    except Exception:  # the last line of defence: log, answer nothing more, keep serving
                        log.exception("unexpected error while handling a message")
                else:
                    self._forward(self.replies.recv_multipart())
            self.outbox.flush()
        self._drain_and_close()

    def _forward(self, frames: list[bytes]) -> None:
        """A worker thread's reply, out to its client (progress events are the ones that may be dropped)."""
        header = decode_header(frames[1])
        self.outbox.send(frames, final=header.get("type") != "progress")

    def _drain_and_close(self) -> None:
        """Graceful stop: queued requests are refused, the running one finishes, all replies go out."""
        log.info("stopping")
        for job in self.worker.stop():  # answered here, on the socket thread: nothing in flight to lose
            self._error(job.identity, job.id, "shutting_down", "the daemon is shutting down")
        stopper = threading.Thread(target=self.worker.join)
        stopper.start()
        # After the stopper ends, wait a moment more: a reply the worker sent just before ending may still
        # be on its way through its inproc pipe, and closing that thread's socket (linger 0) would drop it.
        while stopper.is_alive() or self.replies.poll(200):
            if self.replies.poll(100):
                self._forward(self.replies.recv_multipart())
            self.outbox.flush()
        self.outbox.flush(wait=DRAIN_S)
        self._close_pushes()
        self.router.close(linger=int(DRAIN_S * 1000))
        self.replies.close(linger=0)

    def _close_pushes(self) -> None:
        """Close the inproc sockets of threads that have ended (a socket must not be closed under a live owner)."""
        with self._pushes_lock:
            ended = [(thread, push) for thread, push in self._pushes if not thread.is_alive()]
            for pair in ended:
                self._pushes.remove(pair)
        for _, push in ended:
            push.close(linger=0)

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop_requested.set())


def _request_id(value) -> str:
    """The header's id, checked: echoed in every reply and written to the log, so short and printable."""
    if not isinstance(value, str) or not value:
        raise OpError("bad_message", "the header needs 'id', a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise OpError("bad_message", f"the header's 'id' has {len(value):,} characters; at most {MAX_ID_LENGTH}")
    if not value.isprintable():
        raise OpError(
            "bad_message", f"the header's 'id' holds a control character ({excerpt(value)}); ids are printable text"
        )
    return value
