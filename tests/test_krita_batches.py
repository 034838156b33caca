"""The Krita plug-in's batches.py outside Krita: feeding a batch, busy answers, a daemon gone, Cancel."""

import threading
import time
from types import SimpleNamespace

import numpy as np
from krita_fakes import FakeDocument, FakeNode, FakeWork

from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT
from maskgan_daemon.server import Server
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import Batch, Item


class Sender:
    """The batch action's ``send(item)``: reads the item (counted) and sends it; an item named in ``broken``
    cannot be read."""

    def __init__(self, work, broken=()):
        self.work, self.broken, self.reads, self.added = work, broken, [], []

    def __call__(self, item):
        if item.label in self.broken:
            raise PluginError(f"{item.label}: the mask has 3 pixels in 1 colour that match no class")
        self.reads.append(item.label)
        self.work.batches.send_item(
            item,
            "edit",
            {},
            {"image": np.zeros((4, 4, 3), np.uint8)},
            lambda result, arrays: self.added.append(item.label),
        )


def start(work, labels, in_flight=2, broken=()):
    sender = Sender(work, broken)
    work.batches.start(Batch("Batch apply", "applied", [Item(label) for label in labels], in_flight=in_flight), sender)
    return sender


def test_a_busy_item_waits_in_the_queue_and_is_read_and_sent_again_with_fewer_in_flight():
    work = FakeWork()
    sender = start(work, ["“a”", "“b”", "“c”", "“d”"])
    a, b = work.sent("edit")
    work.answer(b, "error", code="busy", message="the daemon's queue is full", retry_after=0.5)
    assert work.batches.lines == ["“a”: 0 %", "“b”: waiting", "“c”: waiting", "“d”: waiting"]
    assert work.batches.batch.flow.cap == 1 and len(work.later.waiting) == 1
    work.wait(0.8)
    assert work.sent("edit") == [a, b]  # the wait is over, but only one may be out and “a” still is
    work.answer(a, "result", result={})
    b2, c = work.sent("edit")[2:]  # an answer: the cap grows back by one, to two
    assert sender.reads == ["“a”", "“b”", "“b”", "“c”"]  # “b” read again, as a new request: its arrays were not kept
    work.answer(b2, "result", result={})
    d = work.sent("edit")[-1]
    assert sender.reads[-1] == "“d”"
    work.answer(c, "result", result={})
    work.answer(d, "result", result={})
    assert sender.added == ["“a”", "“b”", "“c”", "“d”"]
    assert work.board.message == "Batch apply: 4 of 4 applied" and work.batches.batch is None
    assert not work.batches.busy and work.board.progress is None


def test_a_daemon_gone_fails_the_running_item_and_the_ones_not_sent_alike():
    work = FakeWork()
    start(work, ["“a”", "“b”", "“c”"], in_flight=1)
    work.wait(PING_INTERVAL)
    work.wait(PING_TIMEOUT + 0.1)  # the liveness ping was never answered
    assert work.board.message == (
        "Batch apply: 0 of 3 applied; 3 failed: “a”, “b”, “c”: the daemon stopped "
        "answering; start it again from the docker"
    )
    assert work.sent("edit") == ["edit-1"] and work.link.daemon is None


def test_an_item_that_cannot_be_read_fails_and_the_others_go_on():
    work = FakeWork()
    start(work, ["“a”", "“b”", "“c”"], broken=("“b”",))
    for request_id in work.sent("edit"):
        work.answer(request_id, "result", result={})
    assert work.board.message == (
        "Batch apply: 2 of 3 applied; 1 failed: “b”: the mask has 3 pixels in 1 colour that match no class"
    )


def test_cancel_while_an_item_waits_out_a_busy_answer_ends_the_batch_and_sends_nothing_more():
    work = FakeWork()
    start(work, ["“a”", "“b”"])
    a, b = work.sent("edit")
    work.answer(a, "error", code="busy", message="full", retry_after=0.5)
    work.batches.cancel()
    assert work.daemon.cancelled == [b] and work.board.message == "Cancelling…"
    work.answer(b, "error", code="cancelled", message="cancelled")
    assert work.board.message == "Batch apply: 0 of 2 applied; 2 cancelled" and work.batches.batch is None
    work.wait(2.0)
    assert work.sent("edit") == [a, b]


def test_a_batch_while_one_runs_is_refused():
    work = FakeWork()
    start(work, ["“a”"])
    try:
        start(work, ["“b”"])
    except PluginError as error:
        assert str(error) == "a batch is already running; cancel it first"
    else:
        raise AssertionError("a second batch started")


class HeldEditor:
    """What a daemon's Server asks of an Editor for edits; each batch waits for ``release``, so that its queue
    fills and further requests are answered busy."""

    device, precision, resolution, has_mask_vae = "cpu", "fp32", 64, False
    card = {"name": "held"}

    def __init__(self):
        self.release, self.edited = threading.Event(), 0

    def edit_batch(self, requests, feather, progress, cancel):
        self.release.wait(30)
        self.edited += len(requests)
        return [
            SimpleNamespace(
                image=r.image,
                layer=np.zeros(r.image.shape[:2] + (4,), np.uint8),
                changed=True,
                box=(0, 0, 1, 1),
                looks={},
                routes={},
                alignment="",
            )
            for r in requests
        ]


def test_a_batch_against_a_real_daemon_with_a_full_queue_waits_out_its_busy_answers(tmp_path):
    editor = HeldEditor()
    server = Server(editor, f"ipc://{tmp_path / 'd.sock'}", queue_size=1)
    thread = threading.Thread(target=server.serve)
    thread.start()
    try:
        work = FakeWork(endpoint=server.endpoint)
        refusals = []
        batch = Batch("Batch apply", "applied", [Item(f"“{n}”", size) for size, n in enumerate("abcd", 8)], in_flight=4)
        refused = batch.refused
        batch.refused = lambda *args: refusals.append(args[0].label) or refused(*args)

        def send(item):  # a valid edit, of a size of its own: the daemon runs each alone
            size = item.payload
            arrays = {
                "image": np.zeros((size, size, 3), np.uint8),
                "source_mask": np.zeros((size, size), np.uint8),
                "edited_mask": np.ones((size, size), np.uint8),
            }
            work.batches.send_item(item, "edit", {"feather": 0}, arrays, lambda result, out: None)

        work.batches.start(batch, send)
        deadline = time.monotonic() + 30
        while work.batches.batch is not None:
            assert time.monotonic() < deadline, work.batches.lines
            if refusals:  # one running and one queued at most: the others were refused; let the work go on
                editor.release.set()
            work.later.run_due()
            work.connection.tick()
            time.sleep(0.01)
        assert work.board.message == "Batch apply: 4 of 4 applied" and editor.edited == 4
        assert refusals
    finally:
        editor.release.set()
        server.stop_requested.set()
        thread.join(30)


class SteppedSender:
    """A batch action that reads each item in two steps (through read_item) and adds each result in two steps;
    an item named in ``broken`` fails while it is read."""

    def __init__(self, work, broken=()):
        self.work, self.broken, self.added, self.removed = work, broken, [], []

    def __call__(self, item):
        doc = FakeDocument(FakeNode("root", "grouplayer"))

        def read():
            yield  # a band
            if item.label in self.broken:
                raise PluginError(f"{item.label}: the mask has 3 pixels in 1 colour that match no class")
            yield  # another
            self.work.batches.send_item(item, "edit", {}, {"image": np.zeros((4, 4, 3), np.uint8)}, self.add, doc)

        self.work.batches.read_item(item, doc, read())

    def add(self, result, arrays):
        label = result["label"]
        try:
            self.added.append(label)
            yield
            yield
        except GeneratorExit:
            self.removed.append(label)
            raise
        return f"Added {label}"


def test_items_are_read_and_their_results_added_in_steps_and_a_failed_read_fails_its_item_alone():
    from krita_fakes import FakeSteps

    work = FakeWork()
    sender = SteppedSender(work, broken=("“b”",))
    work.batches.start(Batch("Batch apply", "applied", [Item(label) for label in ("“a”", "“b”", "“c”")]), sender)
    assert work.sent("edit") == [] and work.batches.lines == ["“a”: 0 %", "“b”: 0 %", "“c”: 0 %"]
    FakeSteps.run_all()  # the reads: “b” fails, “a” and “c” are sent
    a, c = work.sent("edit")
    assert work.batches.lines == ["“a”: 0 %", "“b”: failed", "“c”: 0 %"]
    work.answer(a, "result", result={"label": "“a”"})
    assert sender.added == [] and work.batches.lines[0] == "“a”: 0 %"  # its result is added in steps
    FakeSteps.run_all()
    work.answer(c, "result", result={"label": "“c”"})
    FakeSteps.run_all()
    assert sender.added == ["“a”", "“c”"] and sender.removed == []
    assert work.board.message == (
        "Batch apply: 2 of 3 applied; 1 failed: “b”: the mask has 3 pixels in 1 colour that match no class"
    )
    assert not work.batches.busy


def test_cancel_while_items_are_read_or_added_ends_them_cancelled_and_takes_away_what_was_added():
    from krita_fakes import FakeSteps

    work = FakeWork()
    sender = SteppedSender(work)
    work.batches.start(Batch("Batch apply", "applied", [Item(label) for label in ("“a”", "“b”", "“c”")]), sender)
    first = FakeSteps.started.pop(0)
    first.run()  # “a” is read and sent; “b” is still being read, “c” waits
    (a,) = work.sent("edit")
    work.answer(a, "result", result={"label": "“a”"})
    adding = FakeSteps.started.pop(-1)
    next(adding.generator)  # “a”'s result is partly added
    work.batches.cancel()
    assert sender.added == ["“a”"] and sender.removed == ["“a”"]
    assert work.board.message == "Batch apply: 0 of 3 applied; 3 cancelled" and work.batches.batch is None
    FakeSteps.run_all()  # what was stopped does not go on
    assert work.sent("edit") == [a] and not work.batches.busy
