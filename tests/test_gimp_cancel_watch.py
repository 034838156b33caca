"""The GIMP plug-in's cancel watcher: GIMP kills a plug-in whose progress the user cancels; the watcher then
cancels its open requests at the daemon (outside GIMP: a process stands in for the plug-in)."""

import os
import signal
import subprocess
import sys
import time

from daemon_process import DaemonProcess

from maskgan_client import Client
from maskgan_gimp.cancel_watch import watch

PLUG_IN = """
import sys, numpy as np
from maskgan_gimp.cancel_watch import WatchedClient
from maskgan.infer.demo_samples import load_demo_sample
sample = load_demo_sample()
big = lambda a: np.kron(a, np.ones((4, 4) + (1,) * (a.ndim - 2), a.dtype))
with WatchedClient(sys.argv[1], sys.argv[2], timeout=600) as client:
    client.call("variants", {"n": 16}, {"image": big(sample.image), "source_mask": big(sample.source_mask),
                                        "edited_mask": big(sample.edited_mask)})
"""


def test_a_killed_plug_ins_request_is_cancelled_at_the_daemon(tmp_path):
    daemon = DaemonProcess(tmp_path / "daemon", None).start()
    log = tmp_path / "cancelled.log"
    plug_in = subprocess.Popen([sys.executable, "-c", PLUG_IN, daemon.endpoint, str(log)])
    try:
        with Client(daemon.endpoint) as client:
            for _ in range(600):  # until the daemon works on it
                running = client.call("status").result["running"]
                if running:
                    break
                assert plug_in.poll() is None, "the plug-in ended before its request ran"
                time.sleep(0.1)
            os.kill(plug_in.pid, signal.SIGKILL)  # what GIMP does on Cancel
            plug_in.wait()
            for _ in range(300):
                if log.exists() and log.read_text().endswith("\n"):
                    break
                time.sleep(0.1)
            assert log.read_text() == f"cancelled {running[0]}: True\n"
            for _ in range(600):  # the daemon stops at the variant's next step and is free again
                if not client.call("status").result["running"]:
                    break
                time.sleep(0.1)
            assert client.call("status").result["running"] == []
    finally:
        if plug_in.poll() is None:
            plug_in.kill()
        daemon.stop()


def test_a_plug_in_that_ends_normally_cancels_nothing(tmp_path):
    log = tmp_path / "cancelled.log"
    watch("ipc:///nowhere", log, iter(["+a\n", "clear\n", "+b\n", "stop\n"]))
    watch("ipc:///nowhere", log, iter(["+c\n", "clear\n"]))  # died between calls: nothing open
    assert not log.exists()


def test_requests_the_batch_saw_answered_are_not_cancelled(tmp_path):
    """The batch polls for answers (no blocking call to clear after): each answered request is struck off."""
    log = tmp_path / "cancelled.log"
    watch("ipc:///nowhere", log, iter(["+a\n", "+b\n", "+c\n", "-a\n", "-c\n"]))  # died with b still open
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("could not cancel b: ")
