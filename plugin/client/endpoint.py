"""Where the daemon listens: the per-user default endpoint and the discovery file.

The daemon writes the endpoint it bound to ``<runtime dir>/endpoint.json``; clients
read it, so a daemon started on another endpoint is still found. The runtime dir
is $XDG_RUNTIME_DIR/maskgan, else a per-user folder in the temp dir; either must be
owned by the user with no access for others (UnsafeRuntimeDir otherwise). ipc:// is used where the platform has it, tcp://127.0.0.1 elsewhere.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from pathlib import Path

DEFAULT_TCP_ENDPOINT = "tcp://127.0.0.1:5563"


class UnsafeRuntimeDir(RuntimeError):
    """The runtime folder could be written by someone else: its files (socket, discovery, lock) are not trusted."""


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and Path(base).is_dir():
        folder = Path(base) / "maskgan"
    else:
        user = (
            os.environ.get("USER")
            or os.environ.get("USERNAME")
            or str(os.getuid() if hasattr(os, "getuid") else "user")
        )
        folder = Path(tempfile.gettempdir()) / f"maskgan-{user}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(folder)
    return folder


def check_private(folder: Path) -> None:
    """Raise UnsafeRuntimeDir unless ``folder`` is a real folder owned by this user that no one else may
    enter: in a shared temp dir another user could have made it first and planted a discovery file."""
    if not hasattr(os, "getuid"):  # Windows: the per-user temp dir is private already
        return
    info = os.lstat(folder)
    problem = None
    if not stat.S_ISDIR(info.st_mode):
        problem = "is not a folder (a symbolic link?)"
    elif info.st_uid != os.getuid():
        problem = f"belongs to user id {info.st_uid}, not to you ({os.getuid()})"
    elif info.st_mode & 0o077:
        problem = f"has mode {stat.S_IMODE(info.st_mode):o}: other users may use it"
    if problem:
        raise UnsafeRuntimeDir(
            f"the MaskGAN runtime folder {folder} {problem}; nothing in it is trusted. Remove it "
            "(or set XDG_RUNTIME_DIR to a private folder) and start again"
        )


def discovery_file() -> Path:
    return runtime_dir() / "endpoint.json"


def default_endpoint() -> str:
    """The endpoint a daemon announced in the discovery file, else the platform default."""
    try:
        announced = json.loads(discovery_file().read_text()).get("endpoint")
        if isinstance(announced, str) and announced:
            return announced
    except (OSError, ValueError):
        pass
    return platform_endpoint()


def platform_endpoint() -> str:
    """Where a daemon started without --endpoint listens."""
    if sys.platform.startswith("win"):
        return DEFAULT_TCP_ENDPOINT
    return f"ipc://{runtime_dir() / 'daemon.sock'}"
