"""maskgan_client.flow: how many requests a pipelined client keeps at the daemon, and when it sends after busy."""

import random

import pytest

from maskgan_client import busy_delay
from maskgan_client.flow import FlowControl


def test_a_busy_answer_pauses_sending_for_the_hint_and_lowers_the_cap_to_what_is_still_in_flight():
    flow = FlowControl(4, rng=random.Random(1))
    assert flow.room(0, now=10.0) == 4 and flow.room(3, now=10.0) == 1 and flow.room(4, now=10.0) == 0
    delay = flow.refused(2, retry_after=0.4, now=10.0)  # 3 were out, one came back busy
    assert delay == busy_delay(0.4, 0, random.Random(1))  # the daemon's hint, with the client's jitter
    assert 0.2 <= delay < 0.6
    assert flow.room(0, now=10.0 + delay / 2) == 0 and flow.wait(10.0 + delay / 2) == pytest.approx(delay / 2)
    assert flow.room(2, now=10.0 + delay) == 0  # two fit: no room beside them
    assert flow.room(1, now=10.0 + delay) == 1 and flow.wait(10.0 + delay) == 0.0


def test_refusals_in_a_row_double_the_wait_and_answers_grow_the_cap_back_by_one():
    flow = FlowControl(4, rng=random.Random(2))
    first = flow.refused(0, 1.0, now=0.0)  # nothing else out: the cap stays at least one
    second = flow.refused(0, 1.0, now=first)
    assert flow.cap == 1 and flow.refusals == 2
    assert 0.5 <= first < 1.5 and 1.0 <= second < 3.0  # doubled, jittered by [0.5, 1.5)
    flow.answered()
    assert flow.refusals == 0 and flow.cap == 2
    assert 0.5 <= flow.refused(1, 1.0, now=100.0) < 1.5  # a new run of refusals starts from the hint again
    for _ in range(10):
        flow.answered()
    assert flow.cap == 4  # never above the limit


def test_a_shorter_later_wait_does_not_cut_an_earlier_one_short():
    flow = FlowControl(3)
    flow.resume_at = 50.0
    flow.refused(1, 0.1, now=10.0)
    assert flow.resume_at == 50.0


@pytest.mark.parametrize("limit", [0, -2, 1.5, None])
def test_the_limit_must_be_a_whole_number_of_at_least_one(limit):
    with pytest.raises(ValueError, match=f"at least 1, not {limit!r}"):
        FlowControl(limit)


def test_a_burst_refused_together_counts_as_one_refusal_and_the_wait_stops_doubling_at_four_times_the_hint():
    flow = FlowControl(8, rng=random.Random(3))
    first = flow.refused(5, 1.0, now=10.0, sent_at=9.9)
    for _ in range(5):  # the rest of the burst, all sent before the pause began
        assert flow.refused(4, 1.0, now=10.01, sent_at=9.9) == pytest.approx(flow.wait(10.01))
    assert flow.refusals == 1 and flow.resume_at == pytest.approx(10.0 + first)
    waits = [flow.refused(0, 1.0, now=100.0 * k, sent_at=100.0 * k) for k in range(1, 6)]
    assert all(wait < 4.0 * 1.5 for wait in waits) and waits[-1] >= 4.0 * 0.5  # doubled twice at most
