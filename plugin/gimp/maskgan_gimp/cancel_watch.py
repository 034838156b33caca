"""Cancels the daemon requests of a plug-in process that GIMP ends before they are answered.

GIMP's Cancel on a plug-in's progress ends the plug-in at once (a quit message, then
SIGKILL 10 ms later), so the plug-in cannot tell the daemon itself, and the daemon
would finish work no one waits for. A watcher process started beside it reads what
the plug-in sent through a pipe: ``+ID`` (a work request went out), ``-ID`` (it was
answered, as the batch's polling sees), ``clear`` (the blocking call it belonged to
ended), ``stop`` (the plug-in ends normally). When the pipe
closes without ``stop``, the plug-in died: the watcher sends ``cancel`` for every
request still open and writes the daemon's answers to its log.

Run as ``python cancel_watch.py ENDPOINT LOG`` with the vendor folder on PYTHONPATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from maskgan_client import Client
from maskgan_client.client import CONTROL_OPS

ANSWER_TIMEOUT = 3.0  # seconds to wait for the daemon to confirm a cancel


class WatchedClient(Client):
    """A Client that tells a watcher process about every work request it sends (see the module docstring)."""

    def __init__(self, endpoint: str | None = None, log: Path | None = None, **kwargs):
        super().__init__(endpoint, **kwargs)
        vendor = str(Path(__file__).resolve().parents[1])
        self._watcher = subprocess.Popen(
            [sys.executable, __file__, self.endpoint, str(log or os.devnull)],
            stdin=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": vendor},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _tell(self, line: str) -> None:
        self._watcher.stdin.write(line + "\n")
        self._watcher.stdin.flush()

    def submit(self, op: str, args=None, arrays=None, request_id: str | None = None) -> str:
        request_id = super().submit(op, args, arrays, request_id)
        if op not in CONTROL_OPS:
            self._tell("+" + request_id)
        return request_id

    def poll(self, timeout_ms: int = 0):
        events = super().poll(timeout_ms)
        for event in events:
            if event.type != "progress":
                self._tell("-" + event.request_id)  # answered: nothing of it is left to cancel
        return events

    def call(self, *args, **kwargs):
        try:
            return super().call(*args, **kwargs)
        finally:
            self._tell("clear")  # answered, failed or given up: nothing of it is left to cancel

    def close(self) -> None:
        if self._watcher.poll() is None:
            self._tell("stop")
            self._watcher.stdin.close()
            self._watcher.wait()
        super().close()


def watch(endpoint: str, log: Path, lines) -> None:
    """Read the plug-in's lines; if they end without ``stop``, cancel the requests still open."""
    open_ids: list[str] = []
    for line in lines:
        line = line.strip()
        if line == "stop":
            return
        if line == "clear":
            open_ids.clear()
        elif line.startswith("+"):
            open_ids.append(line[1:])
        elif line.startswith("-") and line[1:] in open_ids:
            open_ids.remove(line[1:])
    if not open_ids:
        return
    with Client(endpoint) as client, open(log, "a") as out:
        for request_id in open_ids:
            try:
                answer = client.call("cancel", {"id": request_id}, timeout=ANSWER_TIMEOUT).result
                out.write(f"cancelled {request_id}: {answer.get('cancelled')}\n")
            except Exception as error:  # noqa: BLE001 - the plug-in is gone; the log is all that is left
                out.write(f"could not cancel {request_id}: {error}\n")


if __name__ == "__main__":
    watch(sys.argv[1], Path(sys.argv[2]), sys.stdin)
