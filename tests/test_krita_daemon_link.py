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
    """daemon_launch's two functions: records each start instead of running it."""

    def __init__(self):
        self.launched = []

    @staticmethod
    def start_command(endpoint, precision):
        return ["maskgan", "daemon", "start", "--detach", "--precision", precision, "--endpoint", endpoint]

    def launch(self, command):
        self.launched.append(command)


def make_link(auto_start=False):
    connection, daemon, clock = fake_connection(FakeClock())
    settings = Settings(FakeStore())
    settings.endpoint, settings.auto_start = "ipc:///fake.sock", auto_start
    launcher, later = FakeLauncher(), FakeLater(clock)
    link = DaemonLink(connection, settings, Board(), later, launcher)
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
