"""The daemon, through a real process on ipc, driven by the real client."""

import subprocess
import time

import msgpack
import numpy as np
import pytest
import zmq
from daemon_process import DaemonProcess
from helpers import synthetic_photo

from maskgan.infer import Editor
from maskgan.labels import class_index
from maskgan_client import Client, DaemonError, DaemonUnavailable
from maskgan_client.wire import encode


@pytest.fixture(scope="module")
def daemon(tiny_weights, tmp_path_factory):
    # a learned parser whose weights are missing: `parse` must answer 'unsupported' and keep serving
    process = DaemonProcess(
        tmp_path_factory.mktemp("daemon"),
        tiny_weights,
        parser_args=("--parser", "learned", "--parser-weights", "/nonexistent/parser.safetensors"),
    ).start()
    yield process
    process.stop()


@pytest.fixture
def client(daemon):
    with Client(daemon.endpoint, timeout=30) as c:
        yield c


def edit_arrays(seed=3, **kw):
    image, source, edited = synthetic_photo(seed, **kw)
    return {"image": image, "source_mask": source, "edited_mask": edited}


def with_necklace(arrays):
    """The edit's arrays with a necklace painted on the neck (the synthetic photo wears none)."""
    edited = arrays["edited_mask"].copy()
    neck = np.nonzero(edited == class_index("neck"))
    edited[neck[0][:40], neck[1][:40]] = class_index("neck_l")
    return {**arrays, "edited_mask": edited}


def test_hello_reports_versions_device_model_and_palette(client):
    hello = client.hello()
    assert hello["protocol"] == 1 and hello["device"] == "cpu" and hello["precision"] == "fp32"
    assert hello["model"]["name"] == "tiny random" and hello["resolution"] == 64
    assert hello["labels"]["palette"][1] == [204, 0, 0] and hello["labels"]["keys"][13] == "hair"
    assert "edit" in hello["ops"]


def test_edit_through_the_daemon_equals_in_process(client, tiny_weights):
    arrays = edit_arrays()
    events = []
    reply = client.call("edit", {"feather": 5}, arrays, progress=events.append)
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").edit(**arrays, feather=5)
    assert np.array_equal(reply.arrays["layer"], expected.layer)
    assert np.array_equal(reply.arrays["image"], expected.image)
    assert reply.result == {
        "changed": True,
        "box": list(expected.box),
        "looks": {},
        "routes": expected.routes,
        "alignment": "",
    }
    assert [e["message"] for e in events] == ["planning the edit", "generating", "blending", "done"]


def raw_request(endpoint, frames, timeout=10_000):
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.connect(endpoint)
    socket.send_multipart(frames)
    assert socket.poll(timeout), "no reply"
    reply = socket.recv_multipart()
    socket.close(0)
    return msgpack.unpackb(reply[0])


@pytest.mark.parametrize(
    "frames_of,code,text",
    [
        (lambda a: [b"\xc1garbage"], "bad_message", "not valid msgpack"),
        (lambda a: [msgpack.packb([1, 2])], "bad_message", "must be a msgpack map"),
        (lambda a: [msgpack.packb({"v": 1, "op": "hello"})], "bad_message", "needs 'id'"),
        (
            lambda a: [msgpack.packb({"v": 9, "id": "x", "op": "hello"})],
            "bad_version",
            "protocol version 9 is not supported",
        ),
        (lambda a: [msgpack.packb({"v": 1, "id": "x", "op": "explode"})], "unknown_op", "unknown op 'explode'"),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit", "args": {"feather": 999}}, a),
            "bad_args",
            "'feather' must be between 0 and 256",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit", "args": {"colour": 1}}, a),
            "bad_args",
            "edit takes no argument 'colour'",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, a)[:-1],
            "bad_message",
            "lists 3 arrays but 2 array frames came",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, a)[:-1] + [b"123"],
            "bad_array",
            "needs 19,200 bytes, its frame has 3",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, {**a, "edited_mask": a["edited_mask"][:, :10]}),
            "bad_array",
            "must have the same height and width",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, {**a, "edited_mask": a["edited_mask"] + 30}),
            "bad_mask",
            "labels are 0..18",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, {**a, "image": a["image"].astype(np.float32)}),
            "bad_array",
            "image must be uint8",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, {"image": a["image"]}),
            "bad_array",
            "missing source_mask, edited_mask",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit"}, {**a, "reference_image": a["image"]}),
            "bad_array",
            "missing reference_mask",
        ),
        (
            lambda a: encode(
                {"v": 1, "id": "x", "op": "edit"},
                {**a, "reference_image": a["image"], "reference_mask": a["source_mask"][:20]},
            ),
            "bad_array",
            "reference_image and reference_mask must have the same height and width",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit", "args": {"look": 17}}, a),
            "bad_args",
            "'look' must be between -1 and 16",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit", "args": {"look": 1}}, a),
            "bad_input",
            "were not trained on: give a reference photo",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit", "args": {"method": "liquify"}}, a),
            "bad_args",
            "'method' must be one of auto, generate, photo, got 'liquify'",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "edit", "args": {"method": 2}}, a),
            "bad_args",
            "'method' must be str",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "parse"}, {"image": a["image"]}),
            "unsupported",
            "face parsing is not available: no weights file at /nonexistent/parser.safetensors",
        ),
        (
            lambda a: encode({"v": 1, "id": "x", "op": "parse", "args": {"face": -1}}, {"image": a["image"]}),
            "bad_args",
            "'face' must be between 0 and 255",
        ),
        (lambda a: encode({"v": 1, "id": "x", "op": "variants"}, a), "unsupported", "needs weights with a MaskVAE"),
    ],
)
def test_malformed_messages_get_named_errors(daemon, frames_of, code, text):
    reply = raw_request(daemon.endpoint, frames_of(edit_arrays()))
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert text in reply["message"]


def test_method_photo_refuses_by_name_what_only_the_generator_draws(client):
    with pytest.raises(DaemonError) as refused:
        client.call("edit", {"method": "photo"}, with_necklace(edit_arrays()))
    assert refused.value.code == "bad_input"
    assert "the photo shows no necklace near the edit to take it from" in refused.value.message
    reply = client.call("edit", {"method": "auto"}, with_necklace(edit_arrays()))
    assert reply.result["routes"]["generated"]["neck_l"] > 0


def test_garbage_never_kills_the_daemon(daemon, client):
    rng = np.random.default_rng(0)
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.connect(daemon.endpoint)
    for _ in range(200):
        frames = [rng.bytes(int(rng.integers(0, 64))) for _ in range(int(rng.integers(0, 4)))]
        socket.send_multipart(frames or [b""])
    socket.close(0)
    assert client.hello()["protocol"] == 1
    assert daemon.process.poll() is None


def big_edit():
    """An edit whose face fills a 16-MP photo: seconds of cropping and blending, to keep the worker busy."""
    image = np.full((4000, 4000, 3), 90, np.uint8)
    source = np.zeros((4000, 4000), np.uint8)
    source[100:3900, 100:3900] = 1
    edited = source.copy()
    edited[1000:1200, 1000:1400] = 13
    return {"image": image, "source_mask": source, "edited_mask": edited}


def wait_until_running(client, request_id):
    for _ in range(300):
        if request_id in client.call("status").result["running"]:
            return
        time.sleep(0.02)
    raise AssertionError("the slow request never started")


def test_cancel_a_queued_request_and_busy_when_full(tiny_weights, tmp_path):
    process = DaemonProcess(tmp_path / "d", tiny_weights, queue_size=1).start()
    try:
        with Client(process.endpoint, timeout=30) as client:
            slow = client.submit("edit", {}, big_edit())
            wait_until_running(client, slow)
            queued = client.submit("edit", {}, edit_arrays())
            rejected = client.submit("edit", {}, edit_arrays())
            client.cancel(queued)
            finals = {}
            deadline = time.monotonic() + 60
            while len(finals) < 3 and time.monotonic() < deadline:
                for event in client.poll(500):
                    if event.type in ("result", "error") and event.request_id in (slow, queued, rejected):
                        finals[event.request_id] = event.header
            assert finals[rejected]["code"] == "busy" and "queue is full" in finals[rejected]["message"]
            assert finals[queued]["code"] == "cancelled"
            assert finals[slow]["type"] == "result"
    finally:
        process.stop()


def test_a_bad_request_batched_with_good_ones_fails_alone(tiny_weights, tmp_path):
    process = DaemonProcess(tmp_path / "d", tiny_weights).start()
    try:
        with Client(process.endpoint, timeout=30) as client:
            slow = client.submit("edit", {}, big_edit())
            wait_until_running(client, slow)
            # queued behind the slow edit, with the same feather and shape: one batch, one with a look it lacks
            good = [client.submit("edit", {}, edit_arrays()) for _ in range(2)]
            bad = client.submit("edit", {"look": 1}, edit_arrays())
            finals = {}
            deadline = time.monotonic() + 60
            while len(finals) < 4 and time.monotonic() < deadline:
                finals.update({e.request_id: e.header for e in client.poll(500) if e.type in ("result", "error")})
            assert [finals[g]["type"] for g in good] == ["result", "result"]
            assert finals[bad]["code"] == "bad_input" and "look 1" in finals[bad]["message"]
    finally:
        process.stop()


def test_shutdown_answers_every_pending_request(tiny_weights, tmp_path):
    process = DaemonProcess(tmp_path / "d", tiny_weights).start()
    with Client(process.endpoint, timeout=30) as client:
        running = client.submit("edit", {}, big_edit())
        wait_until_running(client, running)
        queued = client.submit("edit", {}, edit_arrays())
        client.call("shutdown")
        finals = {}
        deadline = time.monotonic() + 60
        while len(finals) < 2 and time.monotonic() < deadline:
            for event in client.poll(500):
                if event.type in ("result", "error"):
                    finals[event.request_id] = event.header
    assert finals[running]["type"] == "result"
    assert finals[queued]["code"] == "shutting_down"
    assert process.process.wait(30) == 0


def test_client_reconnects_after_a_restart(tiny_weights, tmp_path):
    process = DaemonProcess(tmp_path / "d", tiny_weights).start()
    client = Client(process.endpoint, timeout=2)
    assert client.hello()["protocol"] == 1
    process.stop()
    with pytest.raises(
        DaemonUnavailable,
        match="no MaskGAN daemon answered at ipc://.*within 2s; start one with `maskgan daemon start`",
    ):
        client.hello()
    process.start()
    assert client.hello()["protocol"] == 1
    client.close()
    process.stop()


def test_second_daemon_for_the_same_user_is_refused(daemon, tiny_weights):
    other = subprocess.run(
        daemon.command[:-6] + ["--endpoint", daemon.endpoint + "2"] + daemon.command[-6:],
        env=daemon.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 2
    assert "a MaskGAN daemon is already running for this user" in other.stderr


def test_non_loopback_bind_needs_curve_keys(tiny_weights, tmp_path):
    process = DaemonProcess(tmp_path / "d", tiny_weights, endpoint="tcp://0.0.0.0:5999")
    env = dict(process.env, XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(process.command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "refusing to listen on tcp://0.0.0.0:5999 without encryption" in result.stderr
