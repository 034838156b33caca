"""Starting a daemon from Krita, with the command the installer recorded in daemon.json.

daemon.json (written by ``maskgan install krita``) holds ``{"command": [python, "-m",
"maskgan", "daemon"]}`` for the Python environment that has MaskGAN; the plug-in
appends ``start --detach --precision P`` (and ``--endpoint E`` when one is set).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from maskgan_plugin_common.errors import PluginError

CONFIG = Path(__file__).resolve().parent / "daemon.json"


def start_command(endpoint: str, precision: str, config: Path = CONFIG) -> list[str]:
    try:
        command = json.loads(config.read_text())["command"]
    except (OSError, ValueError, KeyError) as error:
        raise PluginError(
            f"cannot start the daemon: {config} is missing or broken ({error}); "
            "run `maskgan install krita` again, or start it with `maskgan daemon start`"
        ) from error
    if not (isinstance(command, list) and command and all(isinstance(part, str) for part in command)):
        raise PluginError(f"cannot start the daemon: 'command' in {config} must be a list of strings")
    return command + ["start", "--detach", "--precision", precision] + (["--endpoint", endpoint] if endpoint else [])


def launch(command: list[str]) -> None:
    """Start the command in its own session and return at once (the UI never waits for it)."""
    try:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        raise PluginError(f"cannot start the daemon with {' '.join(command)}: {error}") from error
