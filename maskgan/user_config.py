"""The user's settings file and data folder: which weights `maskgan daemon start` loads by default.

The settings file is ``$XDG_CONFIG_HOME/maskgan/config.toml`` (``~/.config/maskgan/config.toml``
when XDG_CONFIG_HOME is not set); installed weights live in
``$XDG_DATA_HOME/maskgan/weights/`` (``~/.local/share/maskgan/weights/``). The file holds one
table; both keys are optional:

    [daemon]
    weights = "official"                # editing weights: a name in the weights folder, "demo", or a path
    parser_weights = "official-parser"  # learned face parser: a name, "landmarks" (none: the landmark parser), or a path

`maskgan weights use` writes it (rewriting the whole file); people and editor plug-ins may
edit it too. Unknown tables or keys are errors that name the file, so a typo never
passes silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DAEMON_KEYS = ("weights", "parser_weights")


class ConfigError(ValueError):
    """The settings file cannot be used; the message names the file and what is wrong."""


def config_dir() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "maskgan"


def config_path() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "maskgan"


def weights_dir() -> Path:
    """Where imported and installed weights live (not created until something is stored)."""
    return data_dir() / "weights"


def read_daemon_settings(path: Path | None = None) -> dict[str, str]:
    """The [daemon] table of the settings file ({} when there is no file); ConfigError when it is broken."""
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the settings file {path}: {error}") from error
    unknown_tables = sorted(set(parsed) - {"daemon"})
    if unknown_tables:
        raise ConfigError(f"{path}: unknown table {unknown_tables[0]!r}; the file has one table, [daemon]")
    daemon = parsed.get("daemon", {})
    if not isinstance(daemon, dict):
        raise ConfigError(f"{path}: 'daemon' must be a table ([daemon])")
    for key, value in daemon.items():
        if key not in DAEMON_KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} in [daemon]; known keys: {', '.join(DAEMON_KEYS)}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: [daemon] {key} must be a non-empty string (a name or a path), got {value!r}")
    return dict(daemon)


def write_daemon_setting(key: str, value: str | None, path: Path | None = None) -> Path:
    """Set (or, with None, remove) one [daemon] key, keeping the other; returns the file written."""
    if key not in DAEMON_KEYS:
        raise ConfigError(f"unknown setting {key!r}; known: {', '.join(DAEMON_KEYS)}")
    path = path or config_path()
    settings = read_daemon_settings(path)
    if value is None:
        settings.pop(key, None)
    else:
        settings[key] = value
    # a TOML basic string is a JSON string without surrogate escapes: ensure_ascii=False keeps those out
    lines = [
        "# MaskGAN Studio settings (docs/official_weights.md); `maskgan weights use` rewrites this file.",
        "[daemon]",
    ] + [f"{name} = {json.dumps(settings[name], ensure_ascii=False)}" for name in DAEMON_KEYS if name in settings]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
