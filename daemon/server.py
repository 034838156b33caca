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

from maskgan_client.wire import PROTOCOL_VERSION, WireError, decode_arrays, decode_header, encode
from maskgan_daemon.ops import ALL_OPS, CONTROL_OPS, OpError, hello_result, validate_args, validate_arrays
from maskgan_daemon.worker import Job, QueueFull, Worker

log = logging.getLogger("maskgan.daemon")


class Server:
    def __init__(self, editor, endpoint: str, queue_size: int = 8, max_bytes: int | None = None,
                 curve_secret_key: bytes | None = None, parsers=None):
        self.editor = editor
        self.parsers = parsers
        self.endpoint = endpoint
        self.max_bytes = max_bytes
        self.started = time.monotonic()
        self.context = zmq.Context.instance()
        self.router = self.context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 1000)
        self.router.setsockopt(zmq.ROUTER_MANDATORY, 0)
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
        self.worker = Worker(editor, self._send_from_worker, queue_size=queue_size, parsers=parsers)
        self.stop_requested = threading.Event()

    # --- replies --------------------------------------------------------------------
    def _reply(self, identity: bytes, request_id: str, header: dict, arrays=None) -> None:
        frames = encode({"v": PROTOCOL_VERSION, "id": request_id, **header}, arrays)
        self.router.send_multipart([identity] + frames, copy=False)

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

    def _error(self, identity: bytes, request_id: str, code: str, message: str) -> None:
        log.info("request %s: %s: %s", request_id or "?", code, message)
        self._reply(identity, request_id, {"type": "error", "code": code, "message": message})

    # --- requests ---------------------------------------------------------------------
    def handle(self, frames: list[bytes]) -> None:
        identity, frames = frames[0], frames[1:]
        request_id = ""
        try:
            if not frames:
                raise OpError("bad_message", "empty message: a header frame is required")
            header = decode_header(frames[0])
            request_id = header.get("id", "")
            if not isinstance(request_id, str) or not request_id:
                request_id = request_id if isinstance(request_id, str) else ""
                raise OpError("bad_message", "the header needs 'id', a non-empty string")
            if header.get("v") != PROTOCOL_VERSION:
                raise OpError("bad_version", f"protocol version {header.get('v')!r} is not supported; this daemon speaks "
                              f"version {PROTOCOL_VERSION}. Update the plug-in or the daemon so that they match")
            op = header.get("op")
            if op not in ALL_OPS:
                raise OpError("unknown_op", f"unknown op {op!r}; known: {', '.join(ALL_OPS)}")
            args = validate_args(op, header.get("args", {}))
            kwargs = {} if self.max_bytes is None else {"max_bytes": self.max_bytes}
            arrays = validate_arrays(op, decode_arrays(header, frames[1:], **kwargs))
        except WireError as error:
            return self._error(identity, request_id, error.code, str(error))
        except OpError as error:
            return self._error(identity, request_id, error.code, error.message)

        if op in CONTROL_OPS:
            return self._control(identity, request_id, op, args)
        if self.stop_requested.is_set():
            return self._error(identity, request_id, "shutting_down", "the daemon is shutting down")
        try:
            self.worker.submit(Job(identity, request_id, op, args, arrays))
        except QueueFull as error:
            self._error(identity, request_id, "busy", str(error))

    def _control(self, identity: bytes, request_id: str, op: str, args: dict) -> None:
        if op == "hello":
            result = hello_result(self.editor, self.parsers)
        elif op == "status":
            result = {**self.worker.status(), "uptime": round(time.monotonic() - self.started, 1),
                      "device": self.editor.device, "endpoint": self.endpoint}
        elif op == "cancel":
            result = {"cancelled": self.worker.cancel(args["id"])}
        else:  # shutdown
            self.stop_requested.set()
            result = {"stopping": True}
        self._reply(identity, request_id, {"type": "result", "result": result})

    # --- loop -------------------------------------------------------------------------
    def serve(self) -> None:
        self._local.is_server = True
        self.worker.start()
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
                    self.router.send_multipart(self.replies.recv_multipart())
        self._drain_and_close()

    def _drain_and_close(self) -> None:
        """Graceful stop: queued requests are refused, the running one finishes, all replies go out."""
        log.info("stopping")
        stopper = threading.Thread(target=self.worker.stop)
        stopper.start()
        # After the stopper ends, wait a moment more: a reply its thread (or the worker's) sent just before
        # ending may still be on its way through a freshly attached inproc pipe, and closing that thread's
        # socket (linger 0) would drop it: a queued request then never heard 'shutting_down'.
        while stopper.is_alive() or self.replies.poll(200):
            if self.replies.poll(100):
                self.router.send_multipart(self.replies.recv_multipart())
        self._close_pushes()
        self.router.close(linger=1000)
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
