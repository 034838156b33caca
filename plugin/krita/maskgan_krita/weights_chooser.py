"""The docker's Weights tab: which generator weights and face parser the daemon loads, switched without leaving
Krita.

Each switch runs a `maskgan weights ...` command as a child process (``run``; a
QProcess in Krita, cli_process.py), so Krita never waits: `weights use NAME` for an
installed bundle, `weights import-official[-parser] PATH --use` for a downloaded
official checkpoint (its ``step i/n`` lines become the tab's progress; Cancel kills
it). Both write the settings file that `maskgan daemon start` reads, so the choice
outlives Krita. Then the listing is read again (`weights list --json`) and the daemon
follows (weights_choice.after_switch): one this session started is restarted (once
no request runs), one started elsewhere is left to the user, and with none the next
start loads the choice. When the restarted daemon cannot load the choice, the tab says the
daemon's error and the way back; the next choice then starts the daemon again.

No Qt here: ``run(command, on_line, on_done)`` starts the command and returns something
with ``cancel()``; ``on_line(line)`` hears each stderr line as it comes, ``on_done(exit_code,
stdout, stderr_lines)`` the end (exit_code None: it crashed, was killed or never started).
``later(ms, function)`` is QTimer.singleShot, ``busy()`` says whether requests run.
"""

from __future__ import annotations

from pathlib import PurePath

from maskgan_plugin_common.errors import PluginError

from . import daemon_launch
from .guard import guarded
from .weights_choice import (
    RESTART,
    START,
    Listing,
    after_switch,
    cannot_load,
    cli_failure,
    import_arguments,
    parse_listing,
    parse_step,
    switched,
    use_arguments,
)

LIST = ["weights", "list", "--json"]
IDLE_POLL_MS = 1000  # how often a restart that waits for running requests looks again


class WeightsChooser:
    def __init__(self, link, board, run, later, busy, launcher=daemon_launch):
        self.link, self.board = link, board
        self._run, self._later, self._busy, self._launcher = run, later, busy, launcher
        self.listing: Listing | None = None  # the last `weights list --json`
        self.status = ""  # the tab's line: what runs, what changed, what failed
        self.progress: float | None = None  # 0..1 while an import runs
        self._process = None  # the command running now (one at a time)
        self._cancelled = False
        self._start_failed = False  # the daemon this tab (re)started could not load the choice (none answers)

    @property
    def running(self) -> bool:
        return self._process is not None

    def why_not(self) -> str | None:
        """Why the choice cannot change now (None: it can)."""
        if self.running:
            return "a `maskgan weights` command is running: wait for it, or Cancel it"
        if self.link.restarting or self.link.starting:
            return "the daemon is starting: wait until it answers"
        return None

    def refresh(self) -> None:
        """Read the installed weights and which are in use again (the CLI may have changed them)."""
        if not self.running:
            self._start(LIST, "", self._listed)

    def choose(self, kind: str, name: str) -> None:
        """Make the installed bundle ``name`` the daemon's ``kind`` (weights_choice.EDITING or PARSER)."""
        in_use = self.listing.in_use(kind) if self.listing else None
        if in_use is not None and in_use.name == name:
            return
        self._refuse_if_busy()
        what = f"Choosing {name}"
        self._start(use_arguments(name), what, lambda *end: self._finished(kind, what, *end))

    def import_official(self, kind: str, path: str) -> None:
        """Import a downloaded official checkpoint as ``kind`` and make the daemon use it."""
        self._refuse_if_busy()
        what = f"Importing {PurePath(path).name}"
        self._start(
            import_arguments(kind, path),
            what,
            lambda *end: self._finished(kind, what, *end),
            on_line=lambda line: self._step(what, line),
        )
        self.progress = 0.0

    def cancel(self) -> None:
        if self._process is not None:
            self._cancelled = True
            self._process.cancel()

    def say(self, text: str) -> None:
        """Show ``text`` on the tab's line."""
        self.status = text
        self.board.changed()

    def _refuse_if_busy(self) -> None:
        why = self.why_not()
        if why:
            raise PluginError(why)

    def _start(self, arguments: list[str], what: str, on_done, on_line=lambda line: None) -> None:
        command = self._launcher.cli_command(arguments)  # PluginError before anything runs when daemon.json is bad
        self._cancelled = False

        def done(exit_code, stdout, stderr_lines):
            self._process = None
            on_done(exit_code, stdout, stderr_lines)
            self.board.changed()

        self._process = self._run(command, guarded(self.say)(on_line), guarded(self.say)(done))
        if what:
            self.say(what + "…")

    def _step(self, what: str, line: str) -> None:
        step = parse_step(line)
        if step is not None:
            self.progress = step.fraction
            self.say(f"{what}: step {step.done + 1} of {step.total}, {step.message}")

    def _listed(self, exit_code, stdout, stderr_lines) -> None:
        if exit_code != 0:
            self.say(f"Cannot list the installed weights: {cli_failure(exit_code, stderr_lines)}")
            return
        self.listing = parse_listing(stdout)

    def _finished(self, kind: str, what: str, exit_code, stdout, stderr_lines) -> None:
        """A `use` or an import ended: on success, list again, then let the daemon follow."""
        self.progress = None
        if self._cancelled:
            self.say(f"{what} cancelled; the daemon keeps its {kind}.")
            self.refresh()  # the import may have stored the bundle before it was stopped
        elif exit_code != 0:
            self.say(f"{what} failed: {cli_failure(exit_code, stderr_lines)}")
        else:
            self._start(LIST, "", lambda *end: self._switched(kind, *end))

    def _switched(self, kind: str, *end) -> None:
        self._listed(*end)
        chosen = self.listing.in_use(kind) if self.listing else None
        if chosen is None:
            return
        plan = after_switch(self.link.daemon is not None, self.link.started_here, self._start_failed)
        self._start_failed = False
        self.say(switched(kind, chosen.name, plan, self.link.connection.endpoint))
        if plan == RESTART:
            self._restart_when_idle(kind, chosen.name)
        elif plan == START:
            guarded(self.say)(self.link.start)(self._could_not_load(kind, chosen.name))

    def _restart_when_idle(self, kind: str, name: str) -> None:
        """Restart the daemon once no request runs (a restart would fail them); not if it went meanwhile."""
        if not self.link.started_here:
            return  # it stopped or another answers now: the next start loads the choice
        if self._busy():
            self._later(IDLE_POLL_MS, lambda: self._restart_when_idle(kind, name))
            return
        guarded(self.say)(self.link.restart)(self._could_not_load(kind, name))

    def _could_not_load(self, kind: str, name: str):
        """What happens when the daemon does not start with ``name``: the tab says why and the way back, and
        the next choice starts the daemon (nothing else would: it was this tab that stopped the last one)."""

        def failed(why: str) -> None:
            self._start_failed = True
            self.say(cannot_load(kind, name, why))

        return failed
