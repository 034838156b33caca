"""The shared plug-in package's jobs.py: the batch queue."""

import pytest


def test_batch_keeps_a_few_items_in_flight_and_reports_each():
    from maskgan_plugin_common.jobs import CANCELLED, DONE, FAILED, RUNNING, Batch, Item

    batch = Batch("Batch apply", "applied", [Item(f"“{name}”") for name in "abcde"], in_flight=2)
    first = batch.start_next(0.0)
    assert [i.label for i in first] == ["“a”", "“b”"] and batch.start_next(0.0) == []  # two at once, no more
    first[0].step, first[0].message = 0.5, "blending"
    assert batch.lines() == ["“a”: 50 % (blending)", "“b”: 0 %", "“c”: waiting", "“d”: waiting", "“e”: waiting"]
    assert batch.progress() == 0.5 / 5
    batch.finish(first[1], FAILED, "no face")  # an item may end before an earlier one
    assert [i.label for i in batch.start_next(0.0)] == ["“c”"]
    batch.finish(first[0], DONE)
    batch.finish(batch.items[2], FAILED, "“c”: the mask has 16 pixels in 1 colour that match no class")
    assert [i.label for i in batch.start_next(0.0)] == ["“d”", "“e”"]
    assert not batch.over and batch.progress() == 3 / 5
    assert batch.stop() == batch.items[3:]  # the running ones, for the daemon to cancel
    assert batch.start_next(0.0) == [] and not batch.over
    for item in batch.items[3:]:
        assert item.state == RUNNING
        batch.finish(item, CANCELLED, "cancelled while running")
    assert batch.over and batch.progress() == 1.0
    assert batch.lines()[:3] == ["“a”: applied", "“b”: failed", "“c”: failed"]
    # a message that already names its document is not prefixed twice
    assert batch.summary() == (
        "Batch apply: 1 of 5 applied; 2 failed: “b”: no face; "
        "“c”: the mask has 16 pixels in 1 colour that match no class; 2 cancelled"
    )
    with pytest.raises(ValueError, match="an item finishes as one of"):
        batch.finish(batch.items[0], RUNNING)


def test_cancelling_a_batch_before_it_runs_cancels_every_item():
    from maskgan_plugin_common.jobs import Batch, Item

    batch = Batch("Batch parse", "parsed", [Item("“a”"), Item("“b”")])
    assert batch.stop() == [] and batch.over
    assert batch.lines() == ["“a”: cancelled", "“b”: cancelled"]
    assert batch.summary() == "Batch parse: 0 of 2 parsed; 2 cancelled"


def test_skipped_items_are_never_sent_and_the_summary_names_each_reason_once():
    from maskgan_plugin_common.jobs import FAILED, SKIPPED, Batch, Item

    group = Item("“Group 1”", state=SKIPPED, message="a group layer: select the paint layers inside it")
    vector = Item(
        "“Logo”", state=SKIPPED, message="a vector layer: convert it to a paint layer first (Layer > Convert)"
    )
    photos = [Item("“A”"), Item("“B”"), Item("“C”")]
    batch = Batch("Batch apply on “frames”", "applied", [group, photos[0], vector, photos[1], photos[2]], in_flight=2)
    assert batch.start_next(0.0) == photos[:2]  # skipped items are finished from the start
    assert batch.lines() == ["“Group 1”: skipped", "“A”: 0 %", "“Logo”: skipped", "“B”: 0 %", "“C”: waiting"]
    assert batch.progress() == 2 / 5
    # the daemon stopped answering: the running items fail, the one not sent yet fails alike
    lost = "the daemon stopped answering; start it again from the docker"
    assert batch.stop(FAILED, lost) == photos[:2]
    for item in photos[:2]:
        batch.finish(item, FAILED, lost)
    assert batch.over and batch.start_next(0.0) == []
    assert batch.lines()[-1] == "“C”: failed"
    assert batch.summary() == (
        "Batch apply on “frames”: 0 of 5 applied; 2 skipped: “Group 1”: a group layer: select the paint layers inside "
        "it; “Logo”: a vector layer: convert it to a paint layer first (Layer > Convert); 3 failed: “A”, “B”, “C”: "
        "the daemon stopped answering; start it again from the docker"
    )


def test_a_refused_item_goes_back_first_in_line_and_nothing_is_sent_until_the_wait_is_over():
    from maskgan_plugin_common.jobs import DONE, QUEUED, RUNNING, Batch, Item

    batch = Batch("Batch apply", "applied", [Item(f"“{name}”") for name in "abcd"], in_flight=3)
    a, b, c = batch.start_next(0.0)
    b.step, b.message = 0.5, "blending"
    delay = batch.refused(b, 1.0, now=0.0)
    assert 0.5 <= delay < 1.5 and (b.state, b.step, b.message) == (QUEUED, 0.0, "")
    assert batch.lines() == ["“a”: 0 %", "“b”: waiting", "“c”: 0 %", "“d”: waiting"]
    assert batch.start_next(delay - 0.01) == []  # still waiting
    assert batch.start_next(delay) == []  # two were out when “b” was refused, and still are: the cap is two
    batch.finish(a, DONE)
    assert batch.start_next(delay) == [b, batch.items[3]]  # the answer grew the cap back to three; “b” first
    assert c.state == RUNNING and batch.flow.cap == 3


def test_an_item_refused_after_the_batch_stopped_ends_as_the_other_unsent_ones():
    from maskgan_plugin_common.jobs import CANCELLED, Batch, Item

    batch = Batch("Batch parse", "parsed", [Item("“a”"), Item("“b”")])
    a, b = batch.start_next(0.0)
    batch.stop()
    batch.refused(a, 0.5, now=0.0)
    batch.finish(b, CANCELLED, "cancelled")
    assert batch.over and (a.state, a.message) == (CANCELLED, "not started")
    assert batch.summary() == "Batch parse: 0 of 2 parsed; 2 cancelled"
