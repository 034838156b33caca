"""What the GIMP plug-in says when the daemon does not answer: gone, or stalled and back (outside GIMP)."""

import os
import signal

import numpy as np
import pytest
from daemon_process import DaemonProcess

from maskgan_client import Client
from maskgan_gimp.daemon_link import Daemon, DaemonDown
from maskgan_plugin_common.errors import PluginError

MASKS = {"mask_a": np.zeros((8, 8), np.uint8), "mask_b": np.zeros((8, 8), np.uint8)}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    daemon = DaemonProcess(tmp_path_factory.mktemp("daemon"), None).start()
    yield daemon
    daemon.stop()


def test_a_daemon_that_is_not_there_is_named_with_how_to_start_it(tmp_path):
    endpoint = f"ipc://{tmp_path / 'nobody.sock'}"
    with Client(endpoint) as client, pytest.raises(DaemonDown) as error:
        Daemon(client, lambda fraction, text: None).call("Apply edit", "interpolate", {"steps": 2}, MASKS)
    assert str(error.value) == (
        f"Apply edit: no MaskGAN daemon answered at {endpoint}. Start it with "
        "`maskgan daemon start` (in the environment where maskgan is installed), then run "
        "the filter again"
    )


class ResumingClient(Client):
    """Resumes the stopped daemon at the moment the client gives up on it (it reconnects first)."""

    def __init__(self, endpoint, pid):
        super().__init__(endpoint, timeout=30)
        self.pid = pid

    def reconnect(self):
        os.kill(self.pid, signal.SIGCONT)
        super().reconnect()


def test_a_stalled_daemon_that_answers_again_is_not_called_gone(daemon):
    seen = []
    try:
        with ResumingClient(daemon.endpoint, daemon.process.pid) as client:
            os.kill(daemon.process.pid, signal.SIGSTOP)  # answers no liveness ping until resumed
            with pytest.raises(DaemonDown) as error:
                Daemon(client, lambda fraction, text: seen.append(text)).call(
                    "Parse face", "interpolate", {"steps": 2}, MASKS
                )
            assert str(error.value) == (
                f"Parse face: the MaskGAN daemon at {daemon.endpoint} stopped answering for a while (loading its "
                "face parser can do that on a busy machine) and answers again now: run the filter again"
            )
            assert seen[0] == "Parse face: sent to the daemon"
    finally:
        os.kill(daemon.process.pid, signal.SIGCONT)


def test_an_error_reply_keeps_the_daemons_words(daemon):
    with Client(daemon.endpoint) as client, pytest.raises(PluginError) as error:
        Daemon(client, lambda fraction, text: None).call("Variants", "variants", {"n": 99}, {})
    assert not isinstance(error.value, DaemonDown)
    assert str(error.value) == "Variants failed: variants: 'n' must be between 1 and 16, got 99"
