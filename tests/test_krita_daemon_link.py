"""The Krita plug-in's daemon_link.py outside Krita: the connection line, auto-start, the daemon check."""

import pytest
from krita_fakes import FakeClock, FakeLater, FakeStore, fake_connection

from maskgan_client import PROTOCOL_VERSION
from maskgan_krita.board import Board
from maskgan_krita.daemon_link import START_TRIES, DaemonLink
from maskgan_krita.settings import Settings
from maskgan_plugin_common.errors import PluginError

HELLO = {
    "protocol": PROTOCOL_VERSION,
    "version": "0.1.0",
    "device": "cpu",
    "precision": "fp32",
    "model": {"name": "demo"},
}


class FakeLauncher:
    """daemon_launch's start command, and the link's ``run``: records each start instead of running it."""

    def __init__(self):
        self.launched, self.ends = [], []

    @staticmethod
    def start_command(endpoint, precision):
        return ["maskgan", "daemon", "start", "--detach", "--precision", precision, "--endpoint", endpoint]

    def run(self, command, on_line, on_done):
        """The start command runs until the test ends it: ``ends[i](exit_code, stdout, stderr_lines)``."""
        self.launched.append(command)
        self.ends.append(on_done)


def make_link(auto_start=False):
    connection, daemon, clock = fake_connection(FakeClock())
    settings = Settings(FakeStore())
    settings.endpoint, settings.auto_start = "ipc:///fake.sock", auto_start
    launcher, later = FakeLauncher(), FakeLater(clock)
    link = DaemonLink(connection, settings, Board(), later, launcher.run, launcher)
    return link, connection, daemon, clock, launcher, later


def last_hello(daemon):
    return next(request_id for request_id, op, _, _ in reversed(daemon.sent) if op == "hello")


def test_a_daemon_that_answers_hello_is_connected_and_one_in_another_protocol_is_not():
    link, connection, daemon, _, _, _ = make_link()
    link.connect()
    assert link.connection_text == "Connecting to ipc:///fake.sock…"
    daemon.answer(last_hello(daemon), "result", result=HELLO)
    connection.tick()
    assert link.daemon == HELLO and link.connection_text == "Connected: MaskGAN 0.1.0 on cpu (fp32), demo"
    link.connect()
    daemon.answer(last_hello(daemon), "result", result={**HELLO, "protocol": PROTOCOL_VERSION + 1})
    connection.tick()
    assert link.daemon is None
    assert link.connection_text == (
        f"Daemon speaks protocol {PROTOCOL_VERSION + 1}, this plug-in {PROTOCOL_VERSION}: "
        "update the plug-in (`maskgan install krita`) or the daemon so that they match"
    )


def test_auto_start_starts_a_daemon_once_per_endpoint_and_says_hello_until_it_answers():
    link, connection, daemon, clock, launcher, later = make_link(auto_start=True)
    link.connect()
    clock.now += 3.1  # no answer within the hello timeout
    connection.tick()
    assert launcher.launched == [FakeLauncher.start_command("ipc:///fake.sock", "auto")]
    assert link.board.message == "Starting the daemon…"
    assert link.board.message_detail == "Started with: " + " ".join(launcher.launched[0])
    assert link.connection_text == "Not connected: no MaskGAN daemon answers"
    assert "no MaskGAN daemon answered at ipc:///fake.sock within 3s" in link.connection_detail
    for _ in range(3):  # the daemon is loading its weights: hello again a second later each time
        clock.now += 1.0
        later.run_due()
        clock.now += 3.1
        connection.tick()
    assert len(launcher.launched) == 1 and link.daemon is None
    clock.now += 1.0
    later.run_due()
    daemon.answer(last_hello(daemon), "result", result=HELLO)
    connection.tick()
    assert link.daemon == HELLO and link.board.message == "The daemon started."
    link.connect()  # it stops later: no second start at this endpoint this session
    clock.now += 3.1
    connection.tick()
    assert len(launcher.launched) == 1 and link.daemon is None


def test_a_started_daemon_that_never_answers_is_given_up_after_its_tries():
    link, connection, _, clock, launcher, later = make_link()
    link.start()
    hellos = 0
    while later.waiting:
        clock.now += 1.0
        later.run_due()
        hellos += 1
        clock.now += 3.1
        connection.tick()
    assert hellos == START_TRIES and len(launcher.launched) == 1
    assert link.connection_text == "Not connected: no MaskGAN daemon answers"


def test_an_action_without_a_daemon_is_refused_and_says_hello_for_the_next_click():
    link, _, daemon, _, _, _ = make_link()
    with pytest.raises(
        PluginError,
        match="no MaskGAN daemon is connected: press Start daemon or run `maskgan daemon start`, then try again",
    ):
        link.require()
    assert [op for _, op, _, _ in daemon.sent] == ["hello"]


def test_the_precision_note_compares_the_setting_with_the_connected_daemon():
    link, connection, daemon, _, _, _ = make_link()
    link.connect()
    daemon.answer(last_hello(daemon), "result", result=HELLO)
    connection.tick()
    changes = []
    link.board = Board(lambda: changes.append(1))
    link.set_precision("bf16")
    assert changes and link.precision_note() == (
        "The daemon runs in fp32; the Precision setting bf16 applies when the docker starts the daemon next "
        "(stop this one with `maskgan daemon stop`, then press Start daemon)"
    )
    link.set_precision("fp32")
    assert link.precision_note() == ""  # the same
    link.set_precision("auto")
    assert link.precision_note() == ""  # auto accepts whatever the daemon chose
    link.set_precision("bf16")
    link.daemon = None
    assert link.precision_note() == ""  # no daemon connected: nothing to compare


def test_a_start_that_fails_says_the_daemons_error_at_once_and_stops_waiting():
    link, connection, daemon, clock, launcher, later = make_link(auto_start=True)
    link.start()
    heard = []
    link.start(on_failed=heard.append)  # the second start's failure goes to its caller too
    error = "the daemon exited at start (2): /w/broken.safetensors: the tensors do not match the card's tensors_sha256"
    launcher.ends[1](2, "", [f"maskgan daemon: error: {error}"])
    assert heard == [error] and not link.starting and link.daemon is None
    assert link.board.message == f"The daemon did not start: {error}" and link.board.message_detail == error
    assert link.connection_text == "Not connected: no MaskGAN daemon answers"
    assert link.connection_detail == f"the daemon did not start: {error}"
    hellos = len(daemon.sent)
    clock.now += 1.0
    later.run_due()  # the retry that was due: no hello, the start is over
    assert len(daemon.sent) == hellos
    link.connect()
    clock.now += 3.1
    connection.tick()
    assert len(launcher.launched) == 2  # auto-start does not try the failing start again


def test_a_start_that_fails_because_another_daemon_answers_leaves_that_one_connected_but_not_as_its_own():
    link, connection, daemon, clock, launcher, later = make_link()
    link.start()
    clock.now += 1.0
    later.run_due()
    daemon.answer(last_hello(daemon), "result", result=HELLO)  # the one already running answers
    connection.tick()
    launcher.ends[0](2, "", ["maskgan daemon: error: another MaskGAN daemon (pid 7) is listening"])
    assert link.daemon == HELLO and not link.started_here  # so the weights chooser never restarts it
    assert link.board.message == "The daemon did not start: another MaskGAN daemon (pid 7) is listening"
