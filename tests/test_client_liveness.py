"""maskgan_client.liveness: the ping of the loops that poll the daemon themselves (maskgan batch, the GIMP batch),
on a fake client and a clock the test moves."""

import pytest

from maskgan_client import DaemonUnavailable
from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT, Event
from maskgan_client.liveness import Liveness


class FakeClient:
    endpoint = "ipc:///fake.sock"

    def __init__(self):
        self.sent = []

    def submit(self, op):
        self.sent.append(op)
        return f"r{len(self.sent)}"


def answer(request_id):
    return Event(request_id, "result", {"result": {}})


def test_pings_go_out_only_while_work_runs_and_each_an_interval_after_the_last_answer():
    client = FakeClient()
    liveness = Liveness(client, now=100.0)
    liveness.check(working=False, now=100.0 + 10 * PING_INTERVAL)
    assert client.sent == []  # nothing out: nothing to wait for
    liveness.check(working=True, now=100.0 + 10 * PING_INTERVAL)
    assert client.sent == ["status"]
    liveness.check(working=True, now=100.0 + 11 * PING_INTERVAL)
    assert client.sent == ["status"]  # one ping out at a time
    assert not liveness.answered(answer("r9"), now=101.0)  # a request's event is the loop's
    t = 100.0 + 11 * PING_INTERVAL
    assert liveness.answered(answer("r1"), now=t)
    assert not liveness.answered(answer("r1"), now=t)  # a late copy is nobody's
    liveness.check(working=True, now=t + PING_INTERVAL / 2)
    assert client.sent == ["status"]
    liveness.check(working=True, now=t + PING_INTERVAL)
    assert client.sent == ["status", "status"]


def test_a_ping_unanswered_past_the_timeout_says_the_daemon_is_gone():
    client = FakeClient()
    liveness = Liveness(client, now=0.0)
    liveness.check(working=True, now=PING_INTERVAL)
    liveness.check(working=True, now=PING_INTERVAL + PING_TIMEOUT)  # just within the timeout
    with pytest.raises(DaemonUnavailable) as gone:
        liveness.check(working=False, now=PING_INTERVAL + PING_TIMEOUT + 0.1)  # gone even once the work ended
    assert gone.value.message == (
        f"no MaskGAN daemon answered at ipc:///fake.sock within {PING_TIMEOUT:g}s; start one with `maskgan daemon start`"
    )
