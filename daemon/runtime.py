"""Per-user daemon state: the single-instance lock, the discovery file, logs and CURVE keys."""

from __future__ import annotations

import json
import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from maskgan_client.endpoint import UnsafeRuntimeDir, discovery_file, runtime_dir  # noqa: F401 (UnsafeRuntimeDir: for callers)

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


class AlreadyRunning(RuntimeError):
    pass


class InstanceLock:
    """Held while a daemon runs; the OS releases it when the process dies, so stale locks cannot block.

    Two locks: one per user (``<runtime dir>/daemon.lock``), and for an ipc endpoint one on the endpoint
    itself (``<socket>.lock`` beside it), so that a daemon started with another runtime folder cannot take
    over a running daemon's socket (binding an ipc path replaces the socket file that is there).
    """

    def __init__(self):
        self.path = runtime_dir() / "daemon.lock"
        self.handles = []
        self.socket_path: Path | None = None

    def acquire(self, endpoint: str) -> None:
        self._lock(
            self.path,
            "a MaskGAN daemon is already running for this user ({owner}); "
            "stop it with `maskgan daemon stop` or talk to it",
            endpoint,
        )
        if endpoint.startswith("ipc://"):
            self.socket_path = Path(endpoint[len("ipc://") :])
            try:
                self._lock(
                    self.socket_path.with_name(self.socket_path.name + ".lock"),
                    "another MaskGAN daemon ({owner}) is listening on " + endpoint + "; stop it first, or choose "
                    "another --endpoint",
                    endpoint,
                )
            except BaseException:
                self.release()
                raise

    def _lock(self, path: Path, busy_message: str, endpoint: str) -> None:
        handle = open(path, "a+")
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                owner = handle.read(200).strip() or "unknown"
                handle.close()
                raise AlreadyRunning(busy_message.replace("{owner}", owner)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} at {endpoint}")
        handle.flush()
        self.handles.append(handle)

    def release(self, remove_socket: bool = False) -> None:
        """Drop the locks; with ``remove_socket``, first remove the ipc socket file (a clean stop leaves none)."""
        if remove_socket and self.socket_path is not None and len(self.handles) == 2:
            self.socket_path.unlink(missing_ok=True)
        for handle in self.handles:
            handle.close()
        self.handles = []


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
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True
    )


def keys_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "maskgan" / "curve"


def make_keys() -> tuple[Path, Path]:
    """A CURVE key pair for the daemon: server.key (secret, mode 600) and server.key_public."""
    import zmq

    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    public, secret = zmq.curve_keypair()
    secret_path, public_path = folder / "server.key", folder / "server.key_public"
    # created 0600 (never readable by others, not even between a write and a chmod); an older file's mode is fixed too
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    public_path.write_bytes(public)
    return secret_path, public_path


def read_secret_key() -> bytes | None:
    path = keys_dir() / "server.key"
    return path.read_bytes().strip() if path.exists() else None


_LOOPBACK = re.compile(r"^tcp://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$")


def needs_curve(endpoint: str) -> bool:
    """Anything that may be reachable from other machines: every transport but ipc and loopback tcp
    (tcp on other addresses, tipc, pgm, ws, vmci, ...)."""
    return not (endpoint.startswith("ipc://") or _LOOPBACK.match(endpoint))
