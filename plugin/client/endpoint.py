"""Where the daemon listens: the per-user default endpoint and the discovery file.

The daemon writes the endpoint it bound to ``<runtime dir>/daemon.json``; clients
read it, so a daemon started on another endpoint is still found. The runtime dir
is $XDG_RUNTIME_DIR/maskgan (private to the user), else a per-user folder in the
temp dir. ipc:// is used where the platform has it, tcp://127.0.0.1 elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

DEFAULT_TCP_ENDPOINT = "tcp://127.0.0.1:5563"


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and Path(base).is_dir():
        folder = Path(base) / "maskgan"
    else:
        user = os.environ.get("USER") or os.environ.get("USERNAME") or str(os.getuid() if hasattr(os, "getuid") else "user")
        folder = Path(tempfile.gettempdir()) / f"maskgan-{user}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def discovery_file() -> Path:
    return runtime_dir() / "daemon.json"


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
