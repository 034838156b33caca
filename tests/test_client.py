"""Client behaviour that needs no model: wire round trips, backlog of other requests' events."""

import time

import msgpack
import numpy as np
import pytest
import zmq

from maskgan_client import Client, DaemonUnavailable
from maskgan_client.wire import WireError, decode_arrays, decode_header, encode


def test_wire_round_trip_keeps_dtype_shape_and_bytes():
    arrays = {
        "a": np.arange(12, dtype=np.uint8).reshape(3, 4),
        "b": np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3),
    }
    frames = encode({"v": 1, "id": "x"}, arrays)
    header = decode_header(frames[0])
    assert header["arrays"] == [
        {"name": "a", "dtype": "uint8", "shape": [3, 4]},
        {"name": "b", "dtype": "float32", "shape": [2, 3]},
    ]
    decoded = decode_arrays(header, frames[1:])
    for name in arrays:
        assert decoded[name].dtype == arrays[name].dtype and np.array_equal(decoded[name], arrays[name])


def test_wire_refuses_bad_dtypes_and_oversized_messages():
    with pytest.raises(WireError, match="dtype float64; allowed: uint8, int32, float32"):
        encode({}, {"x": np.zeros(3)})
    frames = encode({"v": 1}, {"x": np.zeros(100, np.uint8)})
    with pytest.raises(WireError, match="carries 100 bytes of arrays; the limit is 99") as info:
        decode_arrays(decode_header(frames[0]), frames[1:], max_bytes=99)
    assert info.value.code == "too_large"
    header = decode_header(frames[0])
    header["arrays"][0]["shape"] = [-100]
    with pytest.raises(WireError, match="invalid shape"):
        decode_arrays(header, frames[1:])


def test_events_of_other_requests_survive_a_blocking_call(tmp_path):
    """A fake daemon answers the blocking call only after sending another request's result."""
    endpoint = f"ipc://{tmp_path / 'fake.sock'}"
    router = zmq.Context.instance().socket(zmq.ROUTER)
    router.bind(endpoint)
    client = Client(endpoint, timeout=5)
    earlier = client.submit("edit")
    identity, first = router.recv_multipart()[:2]
    blocking_id = None

    import threading

    def serve():
        nonlocal blocking_id
        ident, frame = router.recv_multipart()[:2]
        blocking_id = decode_header(frame)["id"]
        router.send_multipart(
            [ident] + encode({"v": 1, "id": decode_header(first)["id"], "type": "result", "result": {"n": 1}})
        )
        router.send_multipart([ident] + encode({"v": 1, "id": blocking_id, "type": "result", "result": {"n": 2}}))

    thread = threading.Thread(target=serve)
    thread.start()
    assert client.call("status").result == {"n": 2}
    thread.join()
    events = client.poll(100)
    assert [(e.request_id, e.type, e.header["result"]) for e in events] == [(earlier, "result", {"n": 1})]
    client.close()
    router.close(0)


def test_events_read_with_the_awaited_reply_are_kept(tmp_path, monkeypatch):
    """The shutdown reply and a queued request's 'shutting_down' often arrive together: the second must not be lost."""
    import uuid

    endpoint = f"ipc://{tmp_path / 'fake.sock'}"
    router = zmq.Context.instance().socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind(endpoint)
    client = Client(endpoint, timeout=5)
    try:
        queued = client.submit("edit")
        ident = router.recv_multipart()[0]
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=7))  # the id the blocking call will use
        # both replies wait in the client's socket before the call reads anything: it reads them in one go
        router.send_multipart([ident] + encode({"v": 1, "id": uuid.UUID(int=7).hex, "type": "result", "result": {}}))
        router.send_multipart([ident] + encode({"v": 1, "id": queued, "type": "error", "code": "shutting_down"}))
        time.sleep(0.2)
        assert client.call("shutdown").result == {}
        assert [(e.request_id, e.header["code"]) for e in client.poll(1000)] == [(queued, "shutting_down")]
    finally:
        client.close()
        router.close(0)


def test_a_blocking_call_to_a_daemon_that_went_silent_ends_at_the_liveness_ping(tmp_path):
    """Issue 22, defect 9: `edit --daemon` waits through Client.call; a daemon that reads but never answers
    (hung) is reported when its `status` ping goes unanswered for PING_TIMEOUT, not at the end of the timeout."""
    endpoint = f"ipc://{tmp_path / 'hung.sock'}"
    hung = zmq.Context.instance().socket(zmq.ROUTER)  # takes every message, answers none
    hung.bind(endpoint)
    try:
        with Client(endpoint, timeout=10) as client:
            with pytest.raises(DaemonUnavailable, match=r"within 6s; start one with"):
                client.call("edit", {}, {"image": np.zeros((4, 4, 3), np.uint8)})
        ops = []
        while hung.poll(100):
            ops.append(msgpack.unpackb(hung.recv_multipart()[1])["op"])
        assert ops[0] == "edit" and "status" in ops  # the request, then the liveness ping(s)
    finally:
        hung.close(0)
