"""Per-user daemon state: the single-instance lock, the discovery file, logs and CURVE keys."""

from __future__ import annotations

import json
import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from maskgan_client.endpoint import discovery_file, runtime_dir

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


class AlreadyRunning(RuntimeError):
    pass


class InstanceLock:
    """Held while a daemon runs; the OS releases it when the process dies, so stale locks cannot block."""

    def __init__(self):
        self.path = runtime_dir() / "daemon.lock"
        self.handle = None

    def acquire(self, endpoint: str) -> None:
        self.handle = open(self.path, "a+")
        if fcntl is not None:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self.handle.seek(0)
                owner = self.handle.read().strip() or "unknown"
                self.handle.close()
                raise AlreadyRunning(
                    f"a MaskGAN daemon is already running for this user ({owner}); "
                    "stop it with `maskgan daemon stop` or talk to it"
                ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()} at {endpoint}")
        self.handle.flush()

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def announce(endpoint: str) -> None:
    tmp = discovery_file().with_suffix(".tmp")
    tmp.write_text(json.dumps({"endpoint": endpoint, "pid": os.getpid()}))
    tmp.replace(discovery_file())


def withdraw() -> None:
    try:
        if json.loads(discovery_file().read_text()).get("pid") == os.getpid():
            discovery_file().unlink()
    except (OSError, ValueError):
        pass


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    folder = Path(base) / "maskgan"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_file() -> Path:
    return state_dir() / "daemon.log"


def setup_logging(foreground: bool) -> None:
    handlers: list[logging.Handler] = [RotatingFileHandler(log_file(), maxBytes=2_000_000, backupCount=3)]
    if foreground:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True)


def keys_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "maskgan" / "curve"


def make_keys() -> tuple[Path, Path]:
    """A CURVE key pair for the daemon: server.key (secret, mode 600) and server.key_public."""
    import zmq

    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True)
    public, secret = zmq.curve_keypair()
    secret_path, public_path = folder / "server.key", folder / "server.key_public"
    secret_path.write_bytes(secret)
    secret_path.chmod(0o600)
    public_path.write_bytes(public)
    return secret_path, public_path


def read_secret_key() -> bytes | None:
    path = keys_dir() / "server.key"
    return path.read_bytes().strip() if path.exists() else None


_LOOPBACK = re.compile(r"^tcp://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$")


def needs_curve(endpoint: str) -> bool:
    """Anything reachable from other machines: tcp on a non-loopback address."""
    return endpoint.startswith("tcp://") and not _LOOPBACK.match(endpoint)
