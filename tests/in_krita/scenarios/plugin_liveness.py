"""Checks: a daemon that stops answering while work is pending is noticed within seconds, every pending request
fails with the docker saying so, and nothing is added, not even by answers that come late.

They stop the session's test daemon (its pid comes in MASKGAN_TEST_DAEMON_PID), so they run after every check
that needs it. "frames" (plugin_jobs) is open with its photo layers and masks.
"""

import os
import signal
import time

from krita_checks import docker, every_layer, press, select_layers, state, wait_for

from maskgan_client import Client

DAEMON_PID = int(os.environ.get("MASKGAN_TEST_DAEMON_PID", "0"))
NOTICE_S = 10  # a bound for the test, not a speed target: the plug-in pings every 2 s and waits 6 s


def daemon_status(endpoint):
    with Client(endpoint, timeout=5) as client:  # the test's own socket, beside the plug-in's
        return client.call("status").result


def signal_daemon_when(ctx, working, signum):
    """Send ``signum`` to the daemon on the first docker update where ``working(controller)`` holds; returns a
    function giving (time sent, what the docker showed) or None."""
    controller = docker(ctx).controller
    sent = []

    def on_change():
        if working(controller) and not sent:
            os.kill(DAEMON_PID, signum)
            sent.append((time.monotonic(), [controller.board.message, *controller.batches.lines]))
            controller.changed.disconnect(on_change)

    controller.changed.connect(on_change)
    return lambda: sent[0] if sent else None


def check_a_frozen_daemon_fails_the_batch_and_its_late_answers_are_dropped(ctx):
    dock = docker(ctx)
    controller = dock.controller
    assert controller.link.daemon is not None, controller.link.connection_text
    endpoint = controller.connection.endpoint
    served_before = daemon_status(endpoint)["served"]
    ctx.values["frozen_selected"] = yield from select_layers(ctx, ["Background", "Photo B"])
    before = every_layer(ctx)
    # Frozen as soon as the daemon holds both requests, before it can have answered either. Freezing when the
    # docker showed both sent was too early: a photo's bytes still on their way were dropped with the plug-in's
    # socket, so the resumed daemon never saw that request; freezing at the first progress let a quick edit's
    # answer slip out first on a loaded machine.
    press(dock, "batch_apply")
    frozen = None
    try:
        deadline = time.monotonic() + NOTICE_S
        while frozen is None:
            status = daemon_status(endpoint)
            assert status["served"] == served_before, "an answer left the daemon before it could be frozen"
            if status["queued"] + len(status["running"]) >= 2:
                os.kill(DAEMON_PID, signal.SIGSTOP)
                frozen = (time.monotonic(), [controller.board.message, *controller.batches.lines])
            else:
                assert time.monotonic() < deadline, "the daemon never held both requests"
                yield 5
        yield from wait_for(
            lambda: controller.batches.batch is None, "the docker to notice the frozen daemon", NOTICE_S
        )
        ctx.values["frozen_noticed_s"] = time.monotonic() - frozen[0]
        ctx.values["frozen_while"] = frozen[1]
        ctx.values["frozen_message"] = dock.message.text()
        ctx.values["frozen_lines"] = dock.batch_items.text().splitlines()
        ctx.values["frozen_connection"] = dock.connection_label.text()
        ctx.values["frozen_start_button"] = dock.start_button.isVisible()
        ctx.values["frozen_running"] = len(controller.tasks.running)
    finally:
        if frozen is not None:
            os.kill(DAEMON_PID, signal.SIGCONT)
    # The daemon now finishes the two edits and answers the plug-in's old socket: those answers must be dropped.
    yield from wait_for(lambda: daemon_status(endpoint)["served"] >= served_before + 2, "the resumed daemon's answers")
    yield 1000  # time for late answers to reach Krita, were they to arrive
    ctx.values["frozen_late_answers_sent"] = daemon_status(endpoint)["served"] - served_before
    ctx.values["frozen_layers_unchanged"] = every_layer(ctx) == before


def check_a_killed_daemon_is_reported_and_nothing_is_added(ctx):
    dock = docker(ctx)
    controller = dock.controller
    controller.link.connect()  # as the next click does after a failure
    yield from wait_for(lambda: controller.link.daemon is not None, "the resumed daemon's hello")
    before = every_layer(ctx)
    dock.variant_count.setValue(16)
    killed = signal_daemon_when(ctx, lambda c: "rendering variant" in c.board.message, signal.SIGKILL)
    press(dock, "variants")
    yield from wait_for(lambda: killed() is not None, "the first variant")
    yield from wait_for(lambda: not controller.tasks.running, "the docker to notice the killed daemon", NOTICE_S)
    ctx.values["killed_noticed_s"] = time.monotonic() - killed()[0]
    ctx.values["killed_while"] = killed()[1][0]
    ctx.values["killed_message"] = dock.message.text()
    ctx.values["killed_connection"] = dock.connection_label.text()
    ctx.values["killed_start_button"] = dock.start_button.isVisible()
    ctx.values["killed_progress_bar"] = dock.progress.isVisible()
    yield 1000
    ctx.values["killed_layers_unchanged"] = every_layer(ctx) == before
    dock.variant_count.setValue(4)
    state["frames"].setModified(False)


checks = [
    check_a_frozen_daemon_fails_the_batch_and_its_late_answers_are_dropped,
    check_a_killed_daemon_is_reported_and_nothing_is_added,
]
