"""The Krita plug-in's weights chooser (weights_chooser.py) and the daemon restart (daemon_link.py) outside Krita:
the `maskgan weights` commands it runs, their progress and failures, and what the daemon does after a switch, on
fakes of the child processes, the daemon and the event loop."""

import json

import pytest
from krita_fakes import FakeClock, FakeLater, FakeStore, fake_connection

from maskgan_client import PROTOCOL_VERSION
from maskgan_krita.board import Board
from maskgan_krita.daemon_link import START_RETRY_MS, STOP_POLL_MS, STOP_TRIES, DaemonLink
from maskgan_krita.settings import Settings
from maskgan_krita.weights_choice import EDITING, PARSER, RESTART, START, cannot_load, switched
from maskgan_krita.weights_chooser import IDLE_POLL_MS, WeightsChooser
from maskgan_plugin_common.errors import PluginError

DEMO = {"name": "MaskGAN trained on synthetic (192 px)"}
OFFICIAL = {"name": "official MaskGAN generator (latest_net_G.pth)"}


def hello(model):
    return {"protocol": PROTOCOL_VERSION, "version": "0.1.0", "device": "cpu", "precision": "fp32", "model": model}


def listing(weights="demo", parser="landmarks", extra=()):
    """What `maskgan weights list --json` prints with ``weights`` and ``parser`` in use."""
    rows = [("demo", EDITING, DEMO["name"]), ("landmarks", PARSER, "landmark parser (parsing extra)"), *extra]
    return json.dumps(
        {
            "settings": "/cfg/maskgan/config.toml",
            "folder": "/data/maskgan/weights",
            "weights": [
                {"name": name, "kind": kind, "title": title, "in_use": name in (weights, parser), "problem": None}
                for name, kind, title in rows
            ],
        }
    )


INSTALLED = (("official", EDITING, OFFICIAL["name"]), ("official-parser", PARSER, "official face_parsing UNet"))


class FakeProcess:
    """One child process: the test feeds its stderr lines and ends it."""

    def __init__(self, command, on_line, on_done):
        self.command, self.on_line, self.on_done, self.killed = command, on_line, on_done, False

    def cancel(self):
        self.killed = True

    def say(self, *lines):
        for line in lines:
            self.on_line(line)

    def end(self, exit_code=0, stdout="", stderr_lines=()):
        self.on_done(exit_code, stdout, list(stderr_lines))


class FakeLauncher:
    """daemon_launch: daemon.json names /py; and the link's ``run``: each start command is a FakeProcess."""

    def __init__(self):
        self.launched, self.starts = [], []

    @staticmethod
    def start_command(endpoint, precision):
        return ["/py", "-m", "maskgan_cli", "daemon", "start", "--detach", "--precision", precision]

    @staticmethod
    def cli_command(arguments):
        return ["/py", "-m", "maskgan_cli", *arguments]

    def run(self, command, on_line, on_done):
        self.launched.append(command)
        self.starts.append(FakeProcess(command, on_line, on_done))
        return self.starts[-1]


class Setup:
    def __init__(self):
        self.connection, self.daemon, self.clock = fake_connection(FakeClock())
        self.later = FakeLater(self.clock)
        self.launcher = FakeLauncher()
        self.board = Board()
        settings = Settings(FakeStore())
        self.link = DaemonLink(self.connection, settings, self.board, self.later, self.launcher.run, self.launcher)
        self.processes = []
        self.busy = False
        self.chooser = WeightsChooser(
            self.link, self.board, self.run, self.later, lambda: self.busy, launcher=self.launcher
        )

    def run(self, command, on_line, on_done):
        self.processes.append(FakeProcess(command, on_line, on_done))
        return self.processes[-1]

    def running(self):
        return self.processes[-1]

    def answer_last(self, op, kind="result", **fields):
        """The daemon answers the last request of ``op``; the poll timer hands the answer out."""
        request_id = next(request_id for request_id, sent, _, _ in reversed(self.daemon.sent) if sent == op)
        self.daemon.answer(request_id, kind, **fields)
        self.connection.tick()

    def no_answer(self, seconds):
        self.clock.now += seconds
        self.connection.tick()

    def wait(self, ms):
        self.clock.now += ms / 1000
        self.later.run_due()

    def connect_to_started_daemon(self, model=DEMO):
        """Start daemon, and the started daemon answers: the docker may restart it."""
        self.link.start()
        self.wait(START_RETRY_MS)
        self.answer_last("hello", result=hello(model))
        assert self.link.started_here and self.link.daemon["model"] == model

    def listed(self, **in_use):
        self.chooser.refresh()
        self.running().end(0, listing(**in_use, extra=INSTALLED))


def ops(daemon):
    return [op for _, op, _, _ in daemon.sent]


def test_importing_official_weights_shows_its_steps_then_restarts_the_daemon_this_docker_started():
    s = Setup()
    s.connect_to_started_daemon()
    s.listed()
    s.chooser.import_official(EDITING, "/downloads/latest_net_G.pth")
    process = s.running()
    assert process.command == [
        "/py",
        "-m",
        "maskgan_cli",
        "weights",
        "import-official",
        "/downloads/latest_net_G.pth",
        "--use",
    ]
    assert s.chooser.status == "Importing latest_net_G.pth…" and s.chooser.progress == 0.0
    assert s.chooser.why_not() == "a `maskgan weights` command is running: wait for it, or Cancel it"
    process.say("step 1/4: reading the checkpoint", "step 2/4: converting its tensors")
    assert s.chooser.status == "Importing latest_net_G.pth: step 2 of 4, converting its tensors"
    assert s.chooser.progress == 0.25
    process.end(0, "imported ...", ["step 1/4: reading the checkpoint"])
    assert s.running().command[-3:] == ["weights", "list", "--json"] and s.chooser.progress is None
    s.running().end(0, listing(weights="official", extra=INSTALLED))
    assert s.chooser.listing.in_use(EDITING).name == "official"

    assert s.chooser.status == switched(EDITING, "official", RESTART, "ipc:///fake.sock")
    assert ops(s.daemon)[-1] == "shutdown" and s.link.connection_text == "Restarting the daemon…"
    with pytest.raises(PluginError, match="the daemon is restarting with the chosen weights"):
        s.link.require()  # the buttons wait for the new daemon
    assert s.chooser.why_not() == "the daemon is starting: wait until it answers"  # and so does the choice
    s.answer_last("shutdown", result={"stopping": True})
    s.answer_last("hello", result=hello(DEMO))  # it still answers while it stops
    assert s.launcher.launched == [FakeLauncher.start_command("", "auto")]  # only the first start
    s.wait(STOP_POLL_MS)
    s.no_answer(0.6)  # gone: its socket and lock are free
    assert len(s.launcher.launched) == 2 and s.board.message == "Starting the daemon…"
    s.wait(START_RETRY_MS)
    s.answer_last("hello", result=hello(OFFICIAL))
    assert s.link.connection_text == "Connected: MaskGAN 0.1.0 on cpu (fp32), " + OFFICIAL["name"]
    assert s.link.started_here and not s.link.restarting and s.board.message == "The daemon started."
    assert s.chooser.why_not() is None


def test_a_daemon_started_elsewhere_is_left_running_and_the_user_told_how_to_restart_it():
    s = Setup()
    s.link.connect()
    s.answer_last("hello", result=hello(DEMO))
    s.listed()
    s.chooser.choose(PARSER, "official-parser")
    assert s.running().command == ["/py", "-m", "maskgan_cli", "weights", "use", "official-parser"]
    s.running().end(0)
    s.running().end(0, listing(parser="official-parser", extra=INSTALLED))
    assert s.chooser.status.startswith(
        "The daemon's face parser is now official-parser from the daemon's next start. The daemon at "
        "ipc:///fake.sock was not started by this docker: restart it"
    )
    assert "shutdown" not in ops(s.daemon) and s.launcher.launched == []


def test_without_a_daemon_the_next_start_loads_the_choice_and_the_one_in_use_runs_nothing():
    s = Setup()
    s.listed(weights="official")
    s.chooser.choose(EDITING, "official")  # already in use
    assert len(s.processes) == 1
    s.chooser.choose(EDITING, "demo")
    s.running().end(0)
    s.running().end(0, listing(weights="demo", extra=INSTALLED))
    assert s.chooser.status == "The daemon's weights are now demo: the next daemon start loads demo (Start daemon)."
    assert s.daemon.sent == [] and s.launcher.launched == []


def test_a_restart_waits_until_no_request_runs():
    s = Setup()
    s.connect_to_started_daemon()
    s.listed()
    s.busy = True  # an edit is running
    s.chooser.choose(EDITING, "official")
    s.running().end(0)
    s.running().end(0, listing(weights="official", extra=INSTALLED))
    s.wait(IDLE_POLL_MS)
    assert "shutdown" not in ops(s.daemon)
    s.busy = False
    s.wait(IDLE_POLL_MS)
    assert ops(s.daemon)[-1] == "shutdown"


def test_a_failed_import_shows_the_clis_error_and_changes_nothing():
    s = Setup()
    s.connect_to_started_daemon()
    s.listed()
    s.chooser.import_official(EDITING, "/downloads/model.pth")
    error = (
        "maskgan weights: error: not an official MaskGAN generator state_dict: missing 'model.1.weight' "
        "(is this the face parser's model.pth? use `maskgan weights import-official-parser`)"
    )
    s.running().end(2, "", ["step 1/4: reading the checkpoint", "step 2/4: converting its tensors", error])
    assert s.chooser.status == "Importing model.pth failed: " + error.removeprefix("maskgan weights: error: ")
    assert s.chooser.progress is None and not s.chooser.running
    assert "shutdown" not in ops(s.daemon) and s.chooser.listing.in_use(EDITING).name == "demo"


def test_cancel_kills_the_import_and_lists_again():
    s = Setup()
    s.listed()
    s.chooser.import_official(PARSER, "/downloads/model.pth")
    assert s.running().command[4:6] == ["import-official-parser", "/downloads/model.pth"]
    s.running().say("step 1/4: reading the checkpoint")
    import_process = s.running()
    s.chooser.cancel()
    assert import_process.killed
    import_process.end(None, "", ["step 1/4: reading the checkpoint"])
    assert s.chooser.status == "Importing model.pth cancelled; the daemon keeps its face parser."
    assert s.running().command[-3:] == ["weights", "list", "--json"] and s.chooser.progress is None


def test_a_listing_that_fails_says_why():
    s = Setup()
    s.chooser.refresh()
    s.running().end(2, "", ["maskgan weights: error: /cfg/maskgan/config.toml: unknown key 'weight' in [daemon]"])
    assert s.chooser.status == (
        "Cannot list the installed weights: /cfg/maskgan/config.toml: unknown key 'weight' in [daemon]"
    )
    assert s.chooser.listing is None


def test_a_daemon_that_keeps_answering_after_shutdown_is_not_started_twice():
    s = Setup()
    s.connect_to_started_daemon()
    s.link.restart()
    s.answer_last("shutdown", result={"stopping": True})
    for _ in range(STOP_TRIES):
        s.answer_last("hello", result=hello(DEMO))
        s.wait(STOP_POLL_MS)
    assert len(s.launcher.launched) == 1 and not s.link.restarting
    assert s.board.message == "The daemon accepted shutdown but still answers: stop it with `maskgan daemon stop`."
    s.answer_last("hello", result=hello(DEMO))
    assert s.link.daemon is not None  # connected to it again


def test_a_daemon_this_docker_did_not_start_is_never_restarted():
    s = Setup()
    s.link.connect()
    s.answer_last("hello", result=hello(DEMO))
    with pytest.raises(PluginError, match="this docker did not start the connected daemon"):
        s.link.restart()
    s.connect_to_started_daemon()
    s.link.not_connected("the daemon stopped answering; start it again from the docker")
    assert not s.link.started_here  # whatever answers next may be another daemon


def test_a_restart_with_weights_the_daemon_cannot_load_says_its_error_and_the_previous_choice_starts_it_again():
    s = Setup()
    s.connect_to_started_daemon()
    broken = (("broken", EDITING, DEMO["name"]),)  # its card reads; its tensors were damaged since
    s.chooser.refresh()
    s.running().end(0, listing(extra=INSTALLED + broken))
    s.chooser.choose(EDITING, "broken")
    s.running().end(0)
    s.running().end(0, listing(weights="broken", extra=INSTALLED + broken))
    s.answer_last("shutdown", result={"stopping": True})
    s.no_answer(0.6)
    assert len(s.launcher.starts) == 2  # the restart's start command runs
    error = (
        "the daemon exited at start (2): /data/maskgan/weights/broken.safetensors: the tensors do not match "
        "the card's tensors_sha256; the file is corrupt or was edited. Export or import it again."
    )
    s.launcher.starts[1].end(2, "", [f"maskgan daemon: error: {error}"])  # at once, not after a minute of hellos
    assert s.chooser.status == cannot_load(EDITING, "broken", error)
    assert s.chooser.status.startswith(f"The daemon could not start with the editing weights broken: {error}. ")
    assert "Choose other editing weights here (demo always loads)" in s.chooser.status
    assert "`maskgan weights use demo`" in s.chooser.status
    assert s.board.message == f"The daemon did not start: {error}"
    assert s.link.daemon is None and not s.link.restarting and not s.link.starting
    assert s.chooser.why_not() is None  # the tab can choose again
    assert [bundle.name for bundle in s.chooser.listing.of_kind(EDITING)] == ["demo", "official", "broken"]

    s.chooser.choose(EDITING, "demo")  # back: the daemon starts again, with the weights that load
    assert s.running().command[-3:] == ["weights", "use", "demo"]
    s.running().end(0)
    s.running().end(0, listing(weights="demo", extra=INSTALLED + broken))
    assert s.chooser.status == switched(EDITING, "demo", START, "ipc:///fake.sock")
    assert len(s.launcher.starts) == 3
    s.wait(START_RETRY_MS)
    s.answer_last("hello", result=hello(DEMO))
    assert s.link.started_here and s.link.connection_text.endswith(DEMO["name"])


def test_after_a_start_that_failed_and_one_that_worked_a_switch_restarts_as_usual():
    s = Setup()
    s.connect_to_started_daemon()
    s.listed()
    s.chooser.choose(EDITING, "official")
    s.running().end(0)
    s.running().end(0, listing(weights="official", extra=INSTALLED))
    s.answer_last("shutdown", result={"stopping": True})
    s.no_answer(0.6)
    s.launcher.starts[1].end(2, "", ["maskgan daemon: error: cannot load it"])
    s.link.start()  # Start daemon, by hand, after `maskgan weights use demo` in a terminal
    s.wait(START_RETRY_MS)
    s.answer_last("hello", result=hello(DEMO))
    s.chooser.choose(EDITING, "official")
    s.running().end(0)
    s.running().end(0, listing(weights="official", extra=INSTALLED))
    assert s.chooser.status == switched(EDITING, "official", RESTART, "ipc:///fake.sock")
