"""Starting a daemon from Krita, and running other `maskgan` commands, with the command the installer recorded
in daemon.json.

daemon.json (written by ``maskgan install krita``) holds ``{"command": [python, "-m",
"maskgan_cli", "daemon"]}`` for the Python environment that has MaskGAN; the plug-in
appends ``start --detach --precision P`` (and ``--endpoint E`` when one is set). The
same command without its ``daemon`` runs any other `maskgan` command (the weights chooser's).
"""

from __future__ import annotations

import json
from pathlib import Path

from maskgan_plugin_common.errors import PluginError

CONFIG = Path(__file__).resolve().parent / "daemon.json"


def _recorded_command(config: Path, purpose: str) -> list[str]:
    """daemon.json's command, checked; ``purpose`` ("start the daemon") begins its errors."""
    try:
        command = json.loads(config.read_text())["command"]
    except (OSError, ValueError, KeyError) as error:
        raise PluginError(
            f"cannot {purpose}: {config} is missing or broken ({error}); "
            "run `maskgan install krita` again, or use the `maskgan` command line"
        ) from error
    if not (isinstance(command, list) and command and all(isinstance(part, str) for part in command)):
        raise PluginError(f"cannot {purpose}: 'command' in {config} must be a list of strings")
    return command


def start_command(endpoint: str, precision: str, config: Path = CONFIG) -> list[str]:
    command = _recorded_command(config, "start the daemon")
    return command + ["start", "--detach", "--precision", precision] + (["--endpoint", endpoint] if endpoint else [])


def cli_command(arguments: list[str], config: Path = CONFIG) -> list[str]:
    """The command line of `maskgan ARGUMENTS` in the environment daemon.json names."""
    command = _recorded_command(config, f"run `maskgan {' '.join(arguments[:2])}`")
    if command[-1] != "daemon":
        raise PluginError(
            f"cannot run `maskgan {' '.join(arguments[:2])}`: the command in {config} does not end in 'daemon' "
            '(it should be [python, "-m", "maskgan_cli", "daemon"]); run `maskgan install krita` again'
        )
    return command[:-1] + arguments
