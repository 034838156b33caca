"""Start and stop real daemon processes for tests, each with its own runtime dir (its own lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from maskgan_client import Client, DaemonError


class DaemonProcess:
    def __init__(
        self,
        folder: Path,
        weights: Path | None,
        queue_size: int = 8,
        endpoint: str | None = None,
        parser_args: tuple[str, ...] = (),
    ):
        """``weights`` None: the daemon's default (the settings file under folder/config, else the demo weights)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "runtime").mkdir(mode=0o700, exist_ok=True)
        self.endpoint = endpoint or f"ipc://{folder / 'd.sock'}"
        # its own settings and weights folder too: the user's never reach a test
        self.env = dict(
            os.environ,
            XDG_RUNTIME_DIR=str(folder / "runtime"),
            XDG_STATE_HOME=str(folder / "state"),
            XDG_CONFIG_HOME=str(folder / "config"),
            XDG_DATA_HOME=str(folder / "data"),
        )
        self.command = [
            sys.executable,
            "-m",
            "maskgan_cli",
            "daemon",
            "start",
            "--endpoint",
            self.endpoint,
            *(["--weights", str(weights)] if weights else []),
            "--device",
            "cpu",
            "--precision",
            "fp32",
            "--queue-size",
            str(queue_size),
            *parser_args,
        ]
        self.log = folder / "daemon.out"
        self.process = None

    def start(self) -> "DaemonProcess":
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT
        )
        with Client(self.endpoint, timeout=0.5) as client:
            for _ in range(120):
                if self.process.poll() is not None:
                    raise RuntimeError(f"daemon exited: {self.log.read_text()}")
                try:
                    client.hello(timeout=0.5)
                    return self
                except DaemonError:
                    time.sleep(0.1)
        raise RuntimeError(f"daemon did not answer: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
