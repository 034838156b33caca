"""Every message answered once, memory bounded by bytes, busy clients told when to come back (issue 22, defects 2-4, 8).

An in-process Server with a stand-in editor: these are checks of the socket loop, the
queue and the wire, which need no model.
"""

import random
import threading
import time

import msgpack
import numpy as np
import pytest
import zmq

from maskgan_client import Client, busy_delay
from maskgan_client.wire import MAX_HEADER_BYTES, encode
from maskgan_daemon import replies
from maskgan_daemon.ops import validate_args
from maskgan_daemon.replies import ReplyOutbox
from maskgan_daemon.server import Server
from maskgan_daemon.worker import Job, QueueFull, Worker


class StandInEditor:
    """What the server asks of an Editor; edits wait for ``release`` so that the queue can fill."""

    device, precision, resolution, has_mask_vae = "cpu", "fp32", 64, True
    card = {"name": "stand-in"}

    def __init__(self):
        self.release = threading.Event()
        self.release.set()
        self.calls = 0
        self.batch_sizes: list[int] = []

    def edit_batch(self, requests, feather, progress, cancel):
        self.calls += 1
        self.batch_sizes.append(len(requests))
        self.release.wait(30)
        return [_Result(r.image) for r in requests]

    def variants(self, *args, **kwargs):
        self.calls += 1
        raise AssertionError("variants must be refused before any work")


class _Result:
    def __init__(self, image):
        self.image, self.layer = image, np.zeros(image.shape[:2] + (4,), np.uint8)
        self.changed, self.box, self.looks, self.routes, self.alignment = True, (0, 0, 1, 1), {}, {}, ""


@pytest.fixture
def server(tmp_path):
    editor = StandInEditor()
    server = Server(editor, f"ipc://{tmp_path / 's.sock'}", queue_size=2, max_bytes=4_000_000)
    thread = threading.Thread(target=server.serve)
    thread.start()
    yield server
    editor.release.set()
    server.stop_requested.set()
    thread.join(30)


def raw(endpoint, frames, timeout=5000) -> list[dict]:
    """Every reply to one raw message within ``timeout`` ms (there must be exactly one)."""
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.connect(endpoint)
    socket.send_multipart(frames)
    replies = []
    while socket.poll(timeout if not replies else 300):
        replies.append(msgpack.unpackb(socket.recv_multipart()[0]))
    socket.close(0)
    return replies


def edit(size=8, **header):
    arrays = {
        "image": np.zeros((size, size, 3), np.uint8),
        "source_mask": np.zeros((size, size), np.uint8),
        "edited_mask": np.ones((size, size), np.uint8),
    }
    return encode({"v": 1, "id": "x", "op": "edit", **header}, arrays)


def nested(depth):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


def spec(shape):
    return [
        msgpack.packb(
            {"v": 1, "id": "x", "op": "edit", "arrays": [{"name": "image", "dtype": "uint8", "shape": shape}]}
        ),
        b"",
    ]


@pytest.mark.parametrize(
    "frames,code,text",
    [
        (spec([2**62, 0, 3]), "bad_array", "has an invalid shape [4611686018427387904, 0, 3]"),
        (spec([0, 2**63]), "bad_array", "has an invalid shape [0, 9223372036854775808]"),
        (spec([0, 100_000, 100_000, 100_000]), "bad_array", "whose product is within the byte limit"),
        (
            [msgpack.packb({"v": nested(1000), "id": "x", "op": "hello"})],
            "bad_version",
            "protocol version a list of 1 is not",
        ),
        ([msgpack.packb({"v": 1, "id": "x", "op": nested(1000)})], "unknown_op", "unknown op a list of 1;"),
        (
            [msgpack.packb({"v": 1, "id": "x", "op": "edit", "args": {"feather": nested(1000)}})],
            "bad_args",
            "'feather' must be int, got a list of 1",
        ),
        (
            [msgpack.packb({"v": 1, "id": "x", "op": "edit", "arrays": [nested(1000)]}), b""],
            "bad_message",
            "needs exactly name, dtype and shape; got a list of 1",
        ),
        (
            [msgpack.packb({"v": 1, "id": "x", "op": "hello", "pad": "a" * MAX_HEADER_BYTES})],
            "too_large",
            f"the limit is {MAX_HEADER_BYTES:,}",
        ),
        (
            [msgpack.packb({"v": 1, "id": "x" * 300, "op": "hello"})],
            "bad_message",
            "'id' has 300 characters; at most 256",
        ),
        ([msgpack.packb({"v": 1, "id": "x\nINFO forged", "op": "hello"})], "bad_message", "holds a control character"),
        (
            [msgpack.packb({"v": 1, "id": "x", "op": "edit", "args": {"k" * 5000: 1}})],
            "bad_args",
            "takes no argument 'kkkk",
        ),
    ],
)
def test_each_malformed_message_gets_exactly_one_short_flat_reply(server, frames, code, text):
    replies = raw(server.endpoint, frames)
    assert len(replies) == 1, replies
    assert replies[0]["code"] == code and text in replies[0]["message"], replies[0]
    assert len(replies[0]["message"]) < 300
    assert replies[0]["id"] in ("x", "")


def test_variants_whose_reply_no_client_accepts_are_refused_before_any_work(tmp_path):
    editor = StandInEditor()
    server = Server(editor, f"ipc://{tmp_path / 's.sock'}")
    thread = threading.Thread(target=server.serve)
    thread.start()
    try:
        (reply,) = raw(server.endpoint, edit(size=3000, op="variants", args={"n": 16}))
        assert reply["code"] == "too_large"
        assert "variants on a 3000x3000 image would answer with 1,008,000,000 bytes" in reply["message"]
        assert "ask for at most 12 n" in reply["message"]
        assert editor.calls == 0
    finally:
        server.stop_requested.set()
        thread.join(30)


def test_a_frame_larger_than_any_message_is_dropped_and_the_daemon_serves_on(server):
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.connect(server.endpoint)
    socket.send_multipart([msgpack.packb({"v": 1, "id": "x", "op": "hello"}), b"\0" * 5_000_000])
    assert not socket.poll(1000)  # ZMQ_MAXMSGSIZE: the peer is cut off before 5 MB are buffered
    socket.close(0)
    with Client(server.endpoint, timeout=5) as client:
        assert client.hello()["model"]["name"] == "stand-in"


def test_busy_says_when_to_come_back_and_call_retries_until_served(server):
    editor = server.editor
    editor.release.clear()
    with Client(server.endpoint, timeout=20) as client:
        first = client.submit("edit", {}, _arrays())
        while not server.worker.status()["running"]:
            time.sleep(0.01)
        queued = [client.submit("edit", {"feather": 1}, _arrays()) for _ in range(2)]
        refused = client.submit("edit", {"feather": 1}, _arrays())
        finals = {}
        while refused not in finals:
            finals.update({e.request_id: e.header for e in client.poll(1000) if e.type == "error"})
        assert finals[refused]["code"] == "busy" and 0.05 <= finals[refused]["retry_after"] <= 5.0
        threading.Timer(0.5, editor.release.set).start()
        reply = client.call("edit", {"feather": 2}, _arrays())  # busy at first, then served
        assert reply.arrays["image"].shape == (8, 8, 3)
        assert first and queued


def _arrays():
    return {
        "image": np.zeros((8, 8, 3), np.uint8),
        "source_mask": np.zeros((8, 8), np.uint8),
        "edited_mask": np.ones((8, 8), np.uint8),
    }


def test_busy_delay_follows_the_hint_grows_and_spreads_clients():
    rng = random.Random(0)
    first = [busy_delay(0.4, 0, rng) for _ in range(1000)]
    assert 0.2 <= min(first) and max(first) < 0.6 and np.std(first) > 0.05  # jitter around the daemon's hint
    assert all(0.4 <= busy_delay(0.4, 1, rng) < 1.2 for _ in range(100))  # doubled on the next refusal
    assert all(busy_delay(0.4, 30, rng) <= 7.5 for _ in range(100))  # capped
    assert all(0.05 <= busy_delay(None, 0, rng) < 0.15 for _ in range(100))  # an old daemon gives no hint


def test_retry_after_before_any_batch_was_timed_follows_the_running_one():
    """No fixed guess: a first batch that has run 0.3 s is guessed to need as long again (a fixed 0.5 s said 0.2)."""
    editor = StandInEditor()
    editor.release.clear()
    worker = Worker(editor, lambda *a: None, queue_size=1)
    worker.start()
    job = lambda n: Job(b"c", f"j{n}", "edit", validate_args("edit", {"feather": n}), _arrays())  # noqa: E731
    try:
        worker.submit(job(0))
        while not worker.status()["running"]:
            time.sleep(0.01)
        time.sleep(0.3)
        worker.submit(job(1))
        with pytest.raises(QueueFull) as info:
            worker.submit(job(2))
        assert 0.3 <= info.value.retry_after <= 5.0
    finally:
        editor.release.set()
        worker.stop()
        worker.join(10)


def _edit_job(n: int) -> Job:
    return Job(b"c", f"j{n}", "edit", validate_args("edit", {}), _arrays())


def _wait_for(condition, what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def test_a_lone_edit_runs_at_once_and_one_sent_while_others_wait_waits_out_the_window_for_company():
    """The batch window is 60 s here: a lone edit that waited it out could not be served within the 20 s allowed."""
    editor = StandInEditor()
    replies = []
    worker = Worker(editor, lambda job, header, arrays=None: replies.append(job.id), batch_window=60.0, max_batch=3)
    worker.start()
    try:
        worker.submit(_edit_job(0))  # the queue is empty: it runs without waiting for company
        _wait_for(lambda: replies == ["j0"], "the lone edit's reply")
        worker.submit(_edit_job(1))  # sent at once after j0's reply: the queue is still empty, no wait either
        _wait_for(lambda: replies == ["j0", "j1"], "the second lone edit's reply")
        editor.release.clear()
        worker.submit(_edit_job(2))
        _wait_for(lambda: worker.status()["running"] == ["j2"], "j2 to run")
        worker.submit(_edit_job(3))
        worker.submit(_edit_job(4))  # came while j3 waited in the queue: their batch waits for more
        editor.release.set()
        _wait_for(
            lambda: len(replies) == 3 and worker.status()["queued"] == 0 and not worker.status()["running"],
            "j3 and j4 taken from the queue, waiting for company",
        )
        worker.submit(_edit_job(5))
        _wait_for(lambda: len(replies) == 6, "the last three replies")
        assert editor.batch_sizes == [1, 1, 1, 3]
    finally:
        editor.release.set()
        worker.stop()
        worker.join(10)


def test_the_queue_is_bounded_by_bytes_but_one_large_request_still_runs():
    worker = Worker(StandInEditor(), lambda *a: None, queue_size=8, queue_bytes=1000)
    job = lambda n: Job(b"c", f"j{n}", "edit", {}, {"image": np.zeros(n, np.uint8)})  # noqa: E731
    worker.submit(job(5000))  # alone in the queue: accepted although larger than the budget
    with pytest.raises(
        QueueFull, match="5,000 bytes of requests waiting, 10 more would pass the limit of 1,000"
    ) as info:
        worker.submit(job(10))
    assert info.value.retry_after >= 0.05
    assert worker.cancel("j5000") is True and worker.status()["queued_bytes"] == 0
    worker.submit(job(600))
    worker.submit(job(400))
    assert worker.status()["queued_bytes"] == 1000


def test_replies_to_a_client_that_never_reads_are_bounded(tmp_path):
    context = zmq.Context.instance()
    router = context.socket(zmq.ROUTER)
    outbox = ReplyOutbox(router, held_bytes=8_000_000)  # before bind: a listener copies its options when it binds
    router.bind(f"ipc://{tmp_path / 'r.sock'}")
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.RCVHWM, 1)
    dealer.connect(f"ipc://{tmp_path / 'r.sock'}")
    dealer.send(b"hello")
    identity = router.recv_multipart()[0]
    for n in range(200):  # 200 MB of results, never read
        outbox.send([identity, str(n).encode(), b"\0" * 1_000_000], final=True)
        outbox.send([identity, b"progress"], final=False)
    assert outbox.held_bytes <= 8_000_000 and outbox.dropped > 150
    received = []
    deadline = time.monotonic() + 30
    # now it reads: what was kept comes out in order, the newest last. The outbox is flushed on every turn, not
    # only after a read: the room a read frees reaches the router a moment later, and a flush right after the
    # read could find none and leave the last replies held (this loop once ended at 196 of 199)
    while outbox.held_bytes or dealer.poll(200):
        assert time.monotonic() < deadline, f"{outbox.held_bytes:,} bytes still held after 30 s"
        outbox.flush()
        if dealer.poll(20):
            received.append(dealer.recv_multipart()[0])
    numbers = [int(r) for r in received if r != b"progress"]
    assert numbers == sorted(numbers) and numbers[-1] == 199
    dealer.close(0)
    router.close(0)


def test_replies_dropped_for_a_client_that_never_reads_are_given_back_and_counted(tmp_path, monkeypatch):
    trims = []
    monkeypatch.setattr(replies, "_TRIM", trims.append)
    context = zmq.Context.instance()
    router = context.socket(zmq.ROUTER)
    outbox = ReplyOutbox(router, held_bytes=4_000_000)
    router.bind(f"ipc://{tmp_path / 'r.sock'}")
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.RCVHWM, 1)
    dealer.connect(f"ipc://{tmp_path / 'r.sock'}")
    dealer.send(b"hello")
    identity = router.recv_multipart()[0]
    for n in range(60):  # 60 MB never read: about 50 MB dropped, past RELEASE_BYTES once
        outbox.send([identity, str(n).encode(), b"\0" * 1_000_000], final=True)
        outbox.flush()
    assert outbox.dropped >= 40 and trims == [0]  # malloc_trim(0): the dropped replies' pages go back
    dealer.close(0)
    router.close(0)


def test_status_reports_the_replies_held_and_dropped(server):
    with Client(server.endpoint, timeout=5) as client:
        status = client.call("status").result
    assert (status["held_reply_bytes"], status["dropped_replies"]) == (0, 0)


def test_zeromq_reads_only_a_few_messages_ahead_of_the_socket_loop(tmp_path):
    """Issue 22, defect 3: while the daemon's loop is busy, one client's burst of large requests waits at the
    client (RCVHWM), instead of all being read into the daemon's memory (the default reads ahead 1,000)."""
    server = Server(StandInEditor(), f"ipc://{tmp_path / 's.sock'}", max_bytes=4_000_000)  # not serving yet
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.setsockopt(zmq.SNDHWM, 1)
    socket.connect(server.endpoint)
    try:
        frames = edit(size=512)  # 1.3 MB each
        taken = 0
        while taken < 40 and socket.poll(500, zmq.POLLOUT):
            socket.send_multipart(frames, flags=zmq.NOBLOCK)
            taken += 1
        assert taken <= 10  # 4 read ahead by the daemon, the rest in the client's queue and the socket buffers
    finally:
        socket.close(0)
        server.router.close(0)
        server.replies.close(0)


def test_the_warm_up_runs_on_the_worker_thread_before_start_returns():
    ran_on = []
    worker = Worker(StandInEditor(), lambda *a: None)
    worker.start(warm_up=lambda: ran_on.append(threading.current_thread().name))
    try:
        assert ran_on == ["maskgan-worker"]  # done when start returned: the first request finds the thread warm
    finally:
        worker.stop()
        worker.join(10)


def test_a_failed_warm_up_leaves_the_worker_serving():
    replies = []
    worker = Worker(StandInEditor(), lambda job, header, arrays=None: replies.append(header["type"]))
    worker.start(warm_up=lambda: 1 / 0)
    try:
        worker.submit(_edit_job(0))
        _wait_for(lambda: replies == ["result"], "the edit's reply after a failed warm-up")
    finally:
        worker.stop()
        worker.join(10)
