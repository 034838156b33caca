"""A `maskgan` command as a child process on Krita's event loop (QProcess): Krita never waits for it.

``run(command, on_line, on_done, parent)`` is the weights chooser's ``run`` (weights_chooser.py):
``on_line(line)`` for each line of the command's stderr as it arrives, then ``on_done(exit_code,
stdout, stderr_lines)`` once, with exit_code None when the process crashed, was killed
(``cancel``) or could not start. Callbacks come from the event loop, never from inside ``run``.
The child inherits Krita's environment (the XDG folders the settings file lives in).
"""

from __future__ import annotations

from PyQt5.QtCore import QObject, QProcess, QTimer


class CliProcess(QObject):
    def __init__(self, command: list[str], on_line, on_done, parent=None):
        super().__init__(parent)
        self._on_line, self._on_done = on_line, on_done
        self._stderr_lines: list[str] = []
        self._partial = b""  # the part of stderr after its last newline
        self._over = False
        self._process = QProcess(self)
        self._process.readyReadStandardError.connect(self._read_stderr)
        self._process.finished.connect(self._finished)
        self._process.errorOccurred.connect(self._error)
        self._process.start(command[0], command[1:])

    def cancel(self) -> None:
        if not self._over:
            self._process.kill()  # `finished` follows, with a crash exit: exit code None

    def _read_stderr(self) -> None:
        *lines, self._partial = (self._partial + bytes(self._process.readAllStandardError())).split(b"\n")
        for line in lines:
            self._line(line)

    def _line(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        self._stderr_lines.append(line)
        self._on_line(line)

    def _finished(self, exit_code: int, status) -> None:
        self._read_stderr()
        if self._partial:
            self._line(self._partial)
        stdout = bytes(self._process.readAllStandardOutput()).decode("utf-8", "replace")
        self._end(exit_code if status == QProcess.NormalExit else None, stdout)

    def _error(self, error) -> None:
        if error == QProcess.FailedToStart:  # no `finished` follows
            self._stderr_lines.append(f"cannot run {self._process.program()}: {self._process.errorString()}")
            QTimer.singleShot(0, lambda: self._end(None, ""))

    def _end(self, exit_code, stdout: str) -> None:
        if self._over:
            return
        self._over = True
        self._on_done(exit_code, stdout, self._stderr_lines)
        self.deleteLater()


def run(command: list[str], on_line, on_done, parent=None) -> CliProcess:
    return CliProcess(command, on_line, on_done, parent)
