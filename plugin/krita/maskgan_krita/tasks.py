"""The plug-in's requests and the document work around each: reading a document for it, the request at
the daemon, adding its result; and cancelling them.

``prepare`` runs a generator that reads a document band by band and ends by calling ``submit``;
``submit`` sends one request through the Connection and turns its reply into a call of its
handler, or into a message. A request the user cancelled ends as cancelled even when its
result was already on the way, and one whose document closed meanwhile ends as closed, so
that nothing is added after Cancel or to a closed document. A handler may return a generator
(adding layer by layer, returning the message): it runs in steps, and Cancel takes away what
it added.

No Qt here: ``run_steps(generator, on_done, on_error, alive)`` starts the work in steps
(steps.Steps in Krita), ``is_open(doc)`` says whether a document is still open, and
``batch_running()`` whether a batch runs (its progress is the batch's, not a request's).
"""

from __future__ import annotations

from maskgan_client import DaemonError
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import CANCELLED, DONE, FAILED

from .document_io import title
from .guard import guarded, log


class Tasks:
    def __init__(self, connection, board, link, run_steps, is_open, batch_running=lambda: False):
        self.connection, self.board, self.link = connection, board, link
        self._run_steps, self._is_open, self._batch_running = run_steps, is_open, batch_running
        self.running: dict[str, str] = {}  # request id -> what it is, for Cancel
        self.preparing: dict[object, str] = {}  # photos and masks being read for a request, band by band: what for
        self._cancelled: set[str] = set()  # running requests the user cancelled: their results are dropped
        self._adding: dict[str, tuple] = {}  # request id -> (its result being added layer by layer, on_added)

    @property
    def busy(self) -> bool:
        """Whether a request runs or a document is read for one (a quiet read, a fingerprint, does not count)."""
        return bool(self.running or any(self.preparing.values()))

    def prepare(self, what: str, doc, steps, quiet: bool = False, on_error=None):
        """Run ``steps`` (a generator that reads the document and ends by submitting) a band per turn of Krita's
        event loop; Cancel stops it. ``quiet``: no message while it runs (background work), and Cancel leaves it.
        ``on_error(reason)``: gets why it ended early (a text) instead of the message line, and no message shows
        while it runs (a batch item's own line does). Returns the running work (steps.Steps)."""

        def done(_value):
            self.preparing.pop(task, None)
            self.board.changed()

        def failed(error):
            self.preparing.pop(task, None)
            closed = f"{label} was closed while {what} read it; nothing was sent"
            if on_error is None:
                self.report_steps_error(what, error, closed)
            else:
                on_error(closed if error is None else self.reason(what, error))

        label = title(doc)
        task = self._run_steps(steps, done, failed, lambda: self._is_open(doc))
        self.preparing[task] = "" if quiet else what
        if not quiet and on_error is None:
            self.board.progress = 0.0
            self.board.say(f"{what}: reading {label}…")
        task.start()
        return task

    def submit(
        self,
        what: str,
        op: str,
        args: dict,
        arrays: dict,
        on_result,
        on_error=None,
        on_progress=None,
        doc=None,
        resend_busy: bool = True,
        on_added=None,
    ) -> str:
        """Send a request; later exactly one of ``on_result(result, arrays)`` / ``on_error(DaemonError)`` runs.

        Without ``on_error``/``on_progress`` the message line reports them. ``resend_busy``: the Connection
        sends it again after a busy answer (else on_error gets it). ``on_added(state, reason)``: once a result
        that ``on_result`` adds in steps is all there (jobs.DONE), failed or was cancelled, instead of the
        message line.
        """
        # The request leaves ``running`` only after its handler is done (a generator: after its last step),
        # so that Cancel can still take its layers away and others do not see it finished early.
        label = title(doc) if doc is not None else ""

        def result(header, reply_arrays):
            if request_id in self._cancelled:
                error(DaemonError("cancelled", "cancelled; its result came after Cancel and was dropped"))
                return
            if doc is not None and not self._is_open(doc):
                error(DaemonError("closed", f"{label} was closed while {what} ran; its result was dropped"))
                return
            outcome = guarded(self.board.say)(on_result)(header, reply_arrays)
            if hasattr(outcome, "send"):
                self._add_in_steps(request_id, what, doc, outcome, on_added)
            else:
                self._forget(request_id)

        def error(failure):
            self._forget(request_id)
            guarded(self.board.say)(on_error or self._report_failure(what))(failure)
            if failure.code == "unavailable":
                self.link.not_connected(failure.message)

        def progress(done, total, message):
            self.board.progress = done / total if total else None
            self.board.say(f"{what}: {message}")

        request_id = self.connection.submit(
            op,
            args,
            arrays,
            on_result=result,
            on_error=error,
            on_progress=on_progress or progress,
            resend_busy=resend_busy,
        )
        self.running[request_id] = what
        if on_progress is None:
            self.board.progress = 0.0
            self.board.say(f"{what}: sent to the daemon…")
        return request_id

    def _add_in_steps(self, request_id: str, what: str, doc, steps, on_added=None) -> None:
        """Add a result layer by layer; its generator returns the message (see submit for ``on_added``)."""

        def done(message):
            self._adding.pop(request_id, None)
            self._forget(request_id)
            if on_added is None:
                self.board.say(message)
            else:
                on_added(DONE, "")

        def failed(error):
            self._adding.pop(request_id, None)
            self._forget(request_id)
            closed = f"{title_then} was closed while {what}'s result was being added"
            if on_added is None:
                self.report_steps_error(what, error, closed)
            else:
                on_added(FAILED, closed if error is None else self.reason(what, error))

        title_then = title(doc) if doc is not None else "the document"
        task = self._run_steps(steps, done, failed, (lambda: self._is_open(doc)) if doc is not None else (lambda: True))
        self._adding[request_id] = (task, on_added)
        task.start()

    def report_steps_error(self, what: str, error, closed: str) -> None:
        """Say why work in steps (steps.Steps) ended early: ``closed`` for a document that closed (``error`` None),
        else its reason."""
        self.board.say(closed if error is None else self.reason(what, error))

    @staticmethod
    def reason(what: str, error: Exception) -> str:
        """A PluginError as it is; anything else logged and summarised."""
        if isinstance(error, PluginError):
            return str(error)
        log.error("MaskGAN: %s failed", what, exc_info=error)
        return f"{what} failed: {type(error).__name__}: {error}"

    def _forget(self, request_id: str) -> None:
        self.running.pop(request_id, None)
        self._cancelled.discard(request_id)
        if not self.running and not self._batch_running() and not self.preparing:
            self.board.progress = None
        self.board.changed()

    def _report_failure(self, what: str):
        def report(failure) -> None:
            if failure.code == "cancelled":
                self.board.say(f"{what} cancelled; nothing was added")
            elif failure.code == "closed":
                self.board.say(failure.message)
            else:
                self.board.say(f"{what} failed: {failure.message}")

        return report

    def stop_preparing(self) -> list[str]:
        """Stop reading documents for requests (quiet reads go on); returns what each was for."""
        stopped = [what for what in self.preparing.values() if what]
        for task in [task for task, what in self.preparing.items() if what]:
            task.cancel()
            self.preparing.pop(task, None)
        return stopped

    def cancel_running(self, stopped: list[str]) -> None:
        """Cancel every running request and the adding of results (layers added for a cancelled result are taken
        away; results that still arrive are dropped). ``stopped``: the reads stop_preparing stopped, for the message."""
        if not self.running:
            self.board.progress = None
            self.board.say(f"{', '.join(stopped)} cancelled; nothing was sent" if stopped else "Nothing to cancel")
            return
        for request_id, what in list(self.running.items()):
            adding = self._adding.pop(request_id, None)
            if adding is not None:  # its result is being added: take away what was added
                task, on_added = adding
                task.cancel()
                self._forget(request_id)
                if on_added is None:
                    self.board.say(f"{what} cancelled while its result was being added; nothing was added")
                else:
                    on_added(CANCELLED, "cancelled while its result was being added; nothing was added")
                continue
            self._cancelled.add(request_id)
            self.connection.cancel(request_id)
        if self.running:
            self.board.say("Cancelling…")
