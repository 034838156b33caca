"""The Krita plug-in's connection.py outside Krita, on a fake client: replies, liveness, busy answers."""

import gc
import weakref

import numpy as np
from krita_fakes import fake_connection

from maskgan_krita.connection import PING_INTERVAL, PING_TIMEOUT, STOPPED_ANSWERING, WORK_TIMEOUT


class Outcome:
    """The callbacks of one request, and what they got."""

    def __init__(self):
        self.results, self.errors, self.progress = [], [], []

    def callbacks(self):
        return {
            "on_result": lambda result, arrays: self.results.append((result, arrays)),
            "on_error": self.errors.append,
            "on_progress": lambda *p: self.progress.append(p),
        }


def test_a_busy_answer_sends_the_request_again_with_its_id_once_the_wait_is_over():
    connection, daemon, clock = fake_connection()
    outcome = Outcome()
    image = np.zeros((4, 6, 3), np.uint8)
    request_id = connection.submit("edit", {"feather": 8}, {"image": image}, **outcome.callbacks())
    daemon.answer(request_id, "error", code="busy", message="the daemon's queue is full", retry_after=0.4)
    connection.tick()
    assert outcome.errors == [] and len(daemon.sent) == 1  # not failed, not yet sent again
    clock.now += 0.19  # below the shortest wait: the hint times the least jitter (0.5)
    connection.tick()
    assert len(daemon.sent) == 1
    clock.now += 0.41  # past the longest (1.5 x the hint)
    connection.tick()
    assert daemon.sent[1] == (request_id, "edit", {"feather": 8}, {"image": (4, 6, 3)})  # the same request, same id
    daemon.answer(request_id, "result", result={"changed": True})
    connection.tick()
    assert outcome.results == [({"changed": True}, {})] and outcome.errors == []


def test_the_arrays_are_let_go_once_the_daemon_has_taken_the_request():
    connection, daemon, _ = fake_connection()
    image = np.zeros((64, 64, 3), np.uint8)
    alive = weakref.ref(image)
    request_id = connection.submit("edit", {}, {"image": image}, **Outcome().callbacks())
    del image
    gc.collect()
    assert alive() is not None  # kept to send again after a busy answer
    daemon.answer(request_id, "progress", done=1, total=4, message="blending")
    connection.tick()
    gc.collect()
    assert alive() is None


def test_cancel_ends_a_request_waiting_out_a_busy_answer_at_once_and_it_is_not_sent_again():
    connection, daemon, clock = fake_connection()
    outcome = Outcome()
    request_id = connection.submit("parse", {}, {"image": np.zeros((2, 2, 3), np.uint8)}, **outcome.callbacks())
    daemon.answer(request_id, "error", code="busy", message="full", retry_after=1.0)
    connection.tick()
    connection.cancel(request_id)
    assert [(e.code, e.message) for e in outcome.errors] == [("cancelled", "cancelled before the daemon took it")]
    assert daemon.cancelled == []  # the daemon does not have it: nothing to ask of it
    clock.now += 10
    connection.tick()
    assert len(daemon.sent) == 1 and len(outcome.errors) == 1


def test_busy_answers_for_longer_than_the_work_timeout_fail_the_request_with_the_daemons_message():
    connection, daemon, clock = fake_connection()
    outcome = Outcome()
    daemon.answers_pings = True
    request_id = connection.submit("edit", {}, {}, **outcome.callbacks())
    while not outcome.errors:
        daemon.answer(request_id, "error", code="busy", message="the queue holds 8 requests", retry_after=5.0)
        connection.tick()
        clock.now += 8.0
        connection.tick()
        assert clock.now < 1000 + 2 * WORK_TIMEOUT
    error = outcome.errors[0]
    assert (error.code, error.message, error.retry_after) == ("busy", "the queue holds 8 requests", 5.0)
    assert sum(op == "edit" for _, op, _, _ in daemon.sent) > 10


def test_a_caller_that_resends_itself_gets_the_busy_answer_with_the_daemons_hint():
    connection, daemon, _ = fake_connection()
    outcome = Outcome()
    request_id = connection.submit("edit", {}, {}, **outcome.callbacks(), resend_busy=False)
    daemon.answer(request_id, "error", code="busy", message="full", retry_after=0.25)
    connection.tick()
    assert [(e.code, e.retry_after) for e in outcome.errors] == [("busy", 0.25)]


def test_a_daemon_that_answers_no_ping_fails_every_request_as_stopped_answering():
    connection, daemon, clock = fake_connection()
    outcomes = [Outcome(), Outcome()]
    for outcome in outcomes:
        connection.submit("edit", {}, {}, **outcome.callbacks())
    clock.now += PING_INTERVAL
    connection.tick()
    assert daemon.sent[-1][1] == "status"
    clock.now += PING_TIMEOUT + 0.1  # the work itself may run for minutes; the ping must be answered
    connection.tick()
    assert [[(e.code, e.message) for e in o.errors] for o in outcomes] == [[("unavailable", STOPPED_ANSWERING)]] * 2
    assert daemon.reconnects == 1 and not connection._timer.active


def test_a_request_heard_of_within_its_timeout_lives_on_and_one_not_heard_of_fails_as_unavailable():
    connection, daemon, clock = fake_connection()
    outcome = Outcome()
    connection.submit("hello", **outcome.callbacks())  # control op: no pings, a 3 s timeout
    clock.now += 2.9
    connection.tick()
    assert outcome.errors == [] and [op for _, op, _, _ in daemon.sent] == ["hello"]
    clock.now += 0.2
    connection.tick()
    assert outcome.errors[0].code == "unavailable" and "within 3s" in outcome.errors[0].message
