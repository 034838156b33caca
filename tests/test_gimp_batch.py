"""The GIMP plug-in's batch loop (maskgan_gimp.batch, outside GIMP): several images at the daemon at once through
the shared batch queue, busy answers waited out, a failed image never stopping the others, a daemon that stops
answering named."""

import numpy as np
import pytest
from daemon_process import DaemonProcess

from maskgan_client import Client, DaemonError
from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT, Event
from maskgan_gimp import batch
from maskgan_gimp.daemon_link import Daemon, DaemonDown
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import DONE, FAILED, SKIPPED, Batch, Item


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


class ScriptedDaemon:
    """A client whose daemon answers every open request at the next poll, as ``answer(label, times_sent)`` says
    ("ok", "busy" or an error text); each poll moves the clock on by its timeout. Pings are answered unless
    ``gone``."""

    endpoint = "ipc://scripted"

    def __init__(self, clock: Clock, answer, gone: bool = False):
        self.clock, self.answer, self.gone = clock, answer, gone
        self.open: list[tuple[str, str]] = []  # (request id, item label) sent and not answered
        self.sent: list[tuple[str, float]] = []  # (item label, clock) of every work request
        self.most_in_flight = 0
        self.pings: list[str] = []
        self.busy_at: list[tuple[str, float]] = []  # (item label, clock) of every busy answer

    def submit(self, op, args=None, arrays=None):
        request_id = f"r{len(self.sent)}-{op}"
        if op == "status":
            self.pings.append(request_id)
            return request_id
        self.sent.append((args["label"], self.clock.now))
        self.open.append((request_id, args["label"]))
        self.most_in_flight = max(self.most_in_flight, len(self.open))
        return request_id

    def poll(self, timeout_ms=0):
        self.clock.now += timeout_ms / 1000
        if self.gone:
            return []
        events = [Event(ping, "result", {"result": {}}) for ping in self.pings]
        answering, self.open, self.pings = self.open, [], []
        for request_id, label in answering:
            answer = self.answer(label, sum(sent == label for sent, _ in self.sent))
            if answer == "ok":
                events.append(Event(request_id, "result", {"result": {"label": label}}))
            elif answer == "busy":
                self.busy_at.append((label, self.clock.now))
                events.append(Event(request_id, "error", {"code": "busy", "message": "busy", "retry_after": 0.5}))
            else:
                events.append(Event(request_id, "error", {"code": "bad_args", "message": answer}))
        return events

    def hello(self, timeout=None):
        raise DaemonError("unavailable", "no answer")


def run_batch(client, labels, prepare=None, skipped=()):
    queue = Batch(
        "Batch",
        "images edited",
        [
            Item(label, state=SKIPPED, message="no MaskGAN masks") if label in skipped else Item(label)
            for label in labels
        ],
    )
    shown = []
    batch.run(
        Daemon(client, None),
        queue,
        prepare or (lambda item: ("edit", {"label": item.label}, {})),
        lambda item, reply: f"added to {reply.result['label']}",
        lambda fraction, text: shown.append(fraction),
        clock=client.clock,
    )
    return queue, shown


def outcome(queue):
    return [(item.label, item.state, item.message) for item in queue.items]


def test_a_batch_keeps_several_images_at_the_daemon_and_sends_a_busy_one_again_after_the_pause():
    clock = Clock()
    client = ScriptedDaemon(clock, lambda label, times: "busy" if label == "c" and times == 1 else "ok")
    queue, shown = run_batch(client, ["a", "b", "c", "d", "e"])
    assert client.most_in_flight == 3  # the queue's IN_FLIGHT, not one at a time
    assert outcome(queue) == [(label, DONE, f"added to {label}") for label in "abcde"]
    [(_, refused_at)] = client.busy_at
    first, again = [time for label, time in client.sent if label == "c"]
    # sent again only after the daemon's retry_after of 0.5 s, jittered by [0.5, 1.5): at least 0.25 s later
    assert first < refused_at and again - refused_at >= 0.25
    assert shown[-1] == 1.0 and shown == sorted(shown)
    assert queue.summary() == "Batch: 5 of 5 images edited"


def test_a_failed_image_never_stops_the_others():
    clock = Clock()
    client = ScriptedDaemon(clock, lambda label, times: "edit: the masks differ in size" if label == "b" else "ok")

    def prepare(item):
        if item.label == "c":
            raise PluginError("“c” has no layer with the photo")
        return "edit", {"label": item.label}, {}

    queue, _ = run_batch(client, ["a", "b", "c", "d", "bare"], prepare, skipped={"bare"})
    assert outcome(queue) == [
        ("a", DONE, "added to a"),
        ("b", FAILED, "Batch failed: edit: the masks differ in size"),
        ("c", FAILED, "“c” has no layer with the photo"),
        ("d", DONE, "added to d"),
        ("bare", SKIPPED, "no MaskGAN masks"),
    ]
    assert [label for label, _ in client.sent] == ["a", "b", "d"]  # the skipped and unreadable are never sent
    assert queue.summary() == (
        "Batch: 2 of 5 images edited; 1 skipped: bare: no MaskGAN masks; 2 failed: "
        "b: Batch failed: edit: the masks differ in size; c: “c” has no layer with the photo"
    )


def test_a_result_that_cannot_be_added_fails_its_image_alone():
    clock = Clock()
    client = ScriptedDaemon(clock, lambda label, times: "ok")
    queue = Batch("Batch", "images edited", [Item("a"), Item("b")])

    def add(item, reply):
        if item.label == "a":
            raise RuntimeError("the image was closed")
        return "added"

    batch.run(
        Daemon(client, None),
        queue,
        lambda item: ("edit", {"label": item.label}, {}),
        add,
        lambda *a: None,
        clock,
    )
    assert outcome(queue) == [("a", FAILED, "RuntimeError: the image was closed"), ("b", DONE, "added")]


def test_a_daemon_that_stops_answering_ends_the_batch_in_the_plug_ins_words():
    clock = Clock()
    client = ScriptedDaemon(clock, lambda label, times: "ok", gone=True)
    with pytest.raises(DaemonDown) as error:
        run_batch(client, ["a", "b", "c", "d"])
    assert str(error.value) == (
        "Batch: no MaskGAN daemon answered at ipc://scripted. Start it with `maskgan daemon start` (in the "
        "environment where maskgan is installed), then run the filter again"
    )
    assert clock.now - 100.0 <= PING_INTERVAL + PING_TIMEOUT + 1  # given up at the unanswered ping


def test_a_real_daemon_with_a_short_queue_takes_the_whole_batch(tmp_path):
    """Through the real client and a daemon whose queue holds one request: the others are refused busy at first
    and go again; an image with bad arguments fails alone."""
    daemon = DaemonProcess(tmp_path / "daemon", None, queue_size=1).start()
    masks = {"mask_a": np.zeros((64, 64), np.uint8), "mask_b": np.full((64, 64), 13, np.uint8)}
    queue = Batch("Batch", "images edited", [Item(f"image {n}") for n in range(5)])

    def prepare(item):
        steps = 0 if item.label == "image 2" else 4  # the daemon refuses 0 steps
        return "interpolate", {"steps": steps}, masks

    try:
        with Client(daemon.endpoint) as client:
            batch.run(
                Daemon(client, None),
                queue,
                prepare,
                lambda item, reply: f"{len(reply.arrays['masks'])} masks",
                lambda *a: None,
            )
    finally:
        daemon.stop()
    states = [(item.label, item.state) for item in queue.items]
    assert states == [(f"image {n}", FAILED if n == 2 else DONE) for n in range(5)]
    assert queue.items[0].message == "4 masks"
    assert queue.items[2].message.startswith("Batch failed: interpolate: 'steps' must be between")
