"""A daemon that stops answering while work is pending, in real Krita: noticed within seconds, nothing added."""

STOPPED = "the daemon stopped answering; start it again from the docker"


def test_a_frozen_daemon_fails_every_pending_item_and_its_late_answers_are_dropped(plugin_session):
    values = plugin_session.check("check_a_frozen_daemon_fails_the_batch_and_its_late_answers_are_dropped")
    assert values["frozen_selected"] == ["Photo B", "Background"]
    assert all(line.endswith(" %") or " % (" in line for line in values["frozen_while"][1:])  # both sent when it froze
    assert values["frozen_noticed_s"] < 10
    assert (
        values["frozen_message"]
        == f"Batch apply on “frames”: 0 of 2 applied; 2 failed: “Photo B”, “Background”: {STOPPED}"
    )
    assert values["frozen_lines"] == ["“Photo B”: failed", "“Background”: failed"]
    assert values["frozen_connection"] == f"Not connected: {STOPPED}"
    assert values["frozen_start_button"] is True
    assert values["frozen_running"] == 0
    assert values["frozen_late_answers_sent"] >= 2  # the resumed daemon did answer, to a socket no longer read
    assert values["frozen_layers_unchanged"] is True


def test_a_killed_daemon_fails_the_running_request_and_nothing_is_added(plugin_session):
    values = plugin_session.check("check_a_killed_daemon_is_reported_and_nothing_is_added")
    assert values["killed_while"].startswith("Variants: rendering variant ")
    assert values["killed_noticed_s"] < 10
    assert values["killed_message"] == f"Variants failed: {STOPPED}"
    assert values["killed_connection"] == f"Not connected: {STOPPED}"
    assert values["killed_start_button"] is True
    assert values["killed_progress_bar"] is False
    assert values["killed_layers_unchanged"] is True
