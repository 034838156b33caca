"""The Krita plug-in's tasks.py outside Krita: requests, the document work around them, Cancel, on fakes."""

import numpy as np
from krita_fakes import FakeDocument, FakeNode, FakeSteps, FakeWork

from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT

DOC = FakeDocument(FakeNode("root", "grouplayer"))  # named “portrait”; FakeWork.closed says whether it is open


def test_a_result_is_handed_to_its_handler_and_progress_shows_on_the_message_line():
    work = FakeWork()
    got = []
    request_id = work.tasks.submit("Apply edit", "edit", {}, {}, lambda result, arrays: got.append(result))
    assert work.board.message == "Apply edit: sent to the daemon…" and work.tasks.running == {request_id: "Apply edit"}
    work.answer(request_id, "progress", done=1, total=4, message="blending")
    assert work.board.message == "Apply edit: blending" and work.board.progress == 0.25
    work.answer(request_id, "result", result={"changed": True})
    assert got == [{"changed": True}] and work.tasks.running == {} and work.board.progress is None


def test_a_busy_answer_to_a_single_request_is_waited_out_and_its_result_still_added():
    work = FakeWork()
    got = []
    request_id = work.tasks.submit(
        "Parse face",
        "parse",
        {"face": 0},
        {"image": np.zeros((8, 8, 3), np.uint8)},
        lambda result, arrays: got.append(result),
    )
    work.answer(request_id, "error", code="busy", message="the daemon's queue is full", retry_after=0.5)
    assert work.board.message == "Parse face: sent to the daemon…" and work.tasks.running == {request_id: "Parse face"}
    work.wait(0.8)
    assert work.sent("parse") == [request_id, request_id]
    work.answer(request_id, "result", result={"face": 0})
    assert got == [{"face": 0}] and "failed" not in work.board.message


def test_a_result_that_comes_after_cancel_is_dropped():
    work = FakeWork()
    got = []
    request_id = work.tasks.submit("Apply edit", "edit", {}, {}, lambda result, arrays: got.append(result))
    work.batches.cancel()
    assert work.board.message == "Cancelling…" and work.daemon.cancelled == [request_id]
    work.answer(request_id, "result", result={})  # it was done before the cancel reached the daemon
    assert got == [] and work.board.message == "Apply edit cancelled; nothing was added"
    assert not work.batches.busy


def test_a_result_for_a_document_closed_meanwhile_is_dropped_with_its_name():
    work = FakeWork()
    got = []
    request_id = work.tasks.submit("Variants", "variants", {}, {}, lambda result, arrays: got.append(result), doc=DOC)
    work.closed.add(DOC)
    work.answer(request_id, "result", result={})
    assert got == [] and work.board.message == "“portrait” was closed while Variants ran; its result was dropped"


def test_a_result_added_in_steps_is_taken_away_by_cancel():
    work = FakeWork()
    layers, removed = [], []

    def add(result, arrays):
        try:
            layers.append("MaskGAN edit 1")
            yield
            layers.append("MaskGAN edit 1, band 2")
            yield
        except GeneratorExit:
            removed.extend(layers)
            raise
        return "Added “MaskGAN edit 1”"

    request_id = work.tasks.submit("Apply edit", "edit", {}, {}, add, doc=DOC)
    work.answer(request_id, "result", result={})
    assert work.batches.busy  # the result is being added: Cancel still applies
    next(FakeSteps.started[0].generator)  # its first band is added
    work.batches.cancel()
    assert removed == ["MaskGAN edit 1"]
    assert work.board.message == "Apply edit cancelled while its result was being added; nothing was added"
    assert not work.batches.busy


def test_a_daemon_gone_says_so_on_the_message_and_the_connection_line():
    work = FakeWork()
    request_id = work.tasks.submit("Apply edit", "edit", {}, {}, lambda result, arrays: None)
    work.wait(PING_INTERVAL)  # a liveness ping goes out
    ping = work.sent("status")[0]
    assert ping != request_id
    work.wait(PING_TIMEOUT + 0.1)  # and is never answered
    assert work.board.message == "Apply edit failed: the daemon stopped answering; start it again from the docker"
    assert work.link.daemon is None
    assert work.link.connection_text == "Not connected: the daemon stopped answering; start it again from the docker"


def test_cancel_while_a_document_is_read_sends_nothing():
    work = FakeWork()

    def read_then_send():
        yield  # a band of the photo
        work.tasks.submit("Apply edit", "edit", {}, {}, lambda result, arrays: None)

    work.tasks.prepare("Apply edit", DOC, read_then_send())
    assert work.board.message == "Apply edit: reading “portrait”…" and work.batches.busy
    work.batches.cancel()
    FakeSteps.run_all()
    assert work.board.message == "Apply edit cancelled; nothing was sent" and work.sent() == []
    assert not work.batches.busy and work.board.progress is None
