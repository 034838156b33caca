"""Whether a MaskGAN daemon answers, what the connection line says about it, and starting one.

``connect`` says hello; a daemon that answers in this plug-in's protocol version is
``daemon`` (its hello result) until a request finds it gone. With no answer the line
says so, and with the Auto-start setting a daemon is started, once per endpoint and
session (one that cannot start is not started again on every reconnect). After a
start, hello is tried again every START_RETRY_MS, START_TRIES times, while the daemon
loads its weights. The start command (`maskgan daemon start --detach`) runs as a child
process that ends once the daemon answers, or at once with the daemon's own error when it
cannot start (weights it cannot load, another daemon at the endpoint): then the waiting
ends and the message line says that error.

A daemon this session started (``started_here``) can be restarted after the weights
chooser picked other weights: ``restart`` asks it to shut down, says hello every
STOP_POLL_MS until none answers (its socket and lock are gone), then starts one as
Start daemon does, which loads the new choice from the settings file.

No Qt here: ``later(ms, function)`` is the event loop's timer (QTimer.singleShot in
Krita), ``run(command, on_line, on_done)`` runs a child process (cli_process.run in Krita),
``launcher`` has daemon_launch's ``start_command``.
"""

from __future__ import annotations

from maskgan_client import PROTOCOL_VERSION
from maskgan_plugin_common.errors import PluginError

from . import daemon_launch, weights_choice
from .connection import STOPPED_ANSWERING
from .guard import guarded

START_RETRY_MS = 1000
START_TRIES = 60
STOP_POLL_MS = 250
STOP_TRIES = 120  # hellos a stopping daemon may still answer (about 40 s) before the restart gives up
STOP_HELLO_TIMEOUT = 0.5  # a stopping daemon's socket closes within its poll interval (0.2 s)


class DaemonLink:
    def __init__(self, connection, settings, board, later, run, launcher=daemon_launch):
        self.connection, self.settings, self.board = connection, settings, board
        self._later, self._run, self._launcher = later, run, launcher
        self.daemon: dict | None = None  # the hello result while connected
        self.connection_text = "Not connected"
        self.connection_detail = ""  # the full reason, for the connection line's tooltip
        self._start_tries = 0  # hellos tried since this session started a daemon (0: none started)
        self._auto_started: set[str] = set()  # endpoints auto-start already tried this session (no start loops)
        self.started_here = False  # the connected daemon is one this session started (so it may restart it)
        self.restarting = False  # between a restart's shutdown and the new daemon's start
        self._stop_tries = 0  # hellos a stopping daemon answered
        self._on_restart_failed = lambda why: None  # what the restart's caller does when the new daemon fails

    @property
    def starting(self) -> bool:
        """A daemon this session started has not answered yet."""
        return self._start_tries > 0

    def connect(self) -> None:
        """Say hello; on no answer, offer (or with auto-start, do) a daemon start."""
        self.connection_text = f"Connecting to {self.connection.endpoint}…"
        self.board.changed()
        self.connection.submit("hello", on_result=self._on_hello, on_error=self._on_hello_failed)

    def set_endpoint(self, endpoint: str) -> None:
        self.settings.endpoint = endpoint
        self.connection.set_endpoint(endpoint)
        self.daemon, self.started_here = None, False
        self.connect()

    def _on_hello(self, result: dict, arrays: dict) -> None:
        if self._start_tries:
            self.board.say("The daemon started.")
        self.started_here = self.started_here or self._start_tries > 0  # reset whenever the daemon goes
        self._start_tries = 0
        if result.get("protocol") != PROTOCOL_VERSION:
            self.daemon = None
            self.connection_text = (
                f"Daemon speaks protocol {result.get('protocol')}, this plug-in {PROTOCOL_VERSION}: "
                "update the plug-in (`maskgan install krita`) or the daemon so that they match"
            )
        else:
            self.daemon = result
            self.connection_text = weights_choice.connection_line(result)
        self.board.changed()

    def _on_hello_failed(self, error) -> None:
        self.daemon, self.started_here = None, False
        if 0 < self._start_tries < START_TRIES:  # a daemon we started is still loading
            self._start_tries += 1
            self._later(START_RETRY_MS, self._hello_while_starting)
            return
        self._start_tries = 0
        self.not_connected(error.message)
        endpoint = self.connection.endpoint
        if self.settings.auto_start and error.code == "unavailable" and endpoint not in self._auto_started:
            self._auto_started.add(endpoint)
            guarded(self.board.say)(self.start)()

    def not_connected(self, why: str) -> None:
        """The connection line says so briefly; why (with the endpoint) goes to its tooltip."""
        self.daemon = None
        self.started_here = False  # whatever answers here next was not started by this session
        self.connection_text = "Not connected: " + (why if why == STOPPED_ANSWERING else "no MaskGAN daemon answers")
        self.connection_detail = why
        self.board.changed()

    def start(self, on_failed=lambda why: None) -> None:
        """Start a daemon with the command the installer recorded, then say hello until it answers. When the
        start command fails, the message line says its error and ``on_failed(why)`` hears it too."""
        command = self._launcher.start_command(self.settings.endpoint, self.settings.precision)
        self._auto_started.add(self.connection.endpoint)  # a start that fails is not repeated by auto-start
        self._run(command, lambda line: None, guarded(self.board.say)(lambda *end: self._start_ended(on_failed, *end)))
        self._start_tries = 1
        self.board.say("Starting the daemon…", "Started with: " + " ".join(command))
        self._later(START_RETRY_MS, self._hello_while_starting)

    def _hello_while_starting(self) -> None:
        if self._start_tries:  # not when the start failed meanwhile (or the daemon answered)
            self.connect()

    def _start_ended(self, on_failed, exit_code, stdout, stderr_lines) -> None:
        """The start command ended: with 0 the daemon answers (the hellos connect); else its error says why not."""
        if exit_code == 0:
            return
        why = weights_choice.cli_failure(exit_code, stderr_lines)
        self._start_tries = 0
        self.started_here = False  # a daemon that answers here anyway (one already ran) is not this docker's
        if self.daemon is None:
            self.not_connected(f"the daemon did not start: {why}")
        self.board.say(f"The daemon did not start: {why}", why)
        on_failed(why)

    def restart(self, on_failed=lambda why: None) -> None:
        """Stop the daemon this session started and start a new one (which loads the weights chosen since);
        ``on_failed(why)`` when the new one cannot start."""
        if not self.started_here:
            raise PluginError("this docker did not start the connected daemon: restart it with `maskgan daemon stop`")
        self.daemon, self.started_here, self.restarting, self._stop_tries = None, False, True, 0
        self._on_restart_failed = on_failed
        self.connection_text = "Restarting the daemon…"
        self.board.changed()
        self.connection.submit("shutdown", on_result=self._wait_until_stopped, on_error=self._wait_until_stopped)

    def _wait_until_stopped(self, *_) -> None:
        """Hello until no answer comes: then the old daemon is gone, and a new one can take the lock."""
        self.connection.submit(
            "hello", on_result=self._still_answers, on_error=self._stopped, timeout=STOP_HELLO_TIMEOUT
        )

    def _still_answers(self, *_) -> None:
        self._stop_tries += 1
        if self._stop_tries < STOP_TRIES:
            self._later(STOP_POLL_MS, self._wait_until_stopped)
            return
        self.restarting = False
        self.connect()  # it is still there: the connection line shows it again
        self.board.say("The daemon accepted shutdown but still answers: stop it with `maskgan daemon stop`.")

    def _stopped(self, _error) -> None:
        self.restarting = False
        guarded(self.board.say)(self.start)(self._on_restart_failed)

    def require(self) -> None:
        """PluginError when no daemon is connected (and a hello, so that the next click works once one answers)."""
        if self.restarting:
            raise PluginError("the daemon is restarting with the chosen weights: try again in a moment")
        if self.daemon is None:
            error = PluginError(
                "no MaskGAN daemon is connected: press Start daemon or run `maskgan daemon start`, then try again"
            )
            self.connect()
            raise error

    def precision_note(self) -> str:
        """What the docker says when the Precision setting differs from the connected daemon's ("" when it does
        not). A running daemon keeps its precision; the setting goes with the next daemon the docker starts."""
        setting, running = self.settings.precision, (self.daemon or {}).get("precision")
        if setting == "auto" or not running or running == setting:
            return ""
        return (
            f"The daemon runs in {running}; the Precision setting {setting} applies when the docker starts the "
            "daemon next (stop this one with `maskgan daemon stop`, then press Start daemon)"
        )

    def set_precision(self, precision: str) -> None:
        self.settings.precision = precision
        self.board.changed()  # the dockers show whether the running daemon differs
