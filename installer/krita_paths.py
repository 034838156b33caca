"""Where Krita keeps its resources and settings, and which Python it embeds, per platform.

Krita reads Python plug-ins from ``<resources>/pykrita`` and enables them through
``[python] enable_<name>=true`` in ``kritarc``. Locations follow Krita's own rules
(QStandardPaths): on Linux ``$XDG_DATA_HOME/krita`` and ``$XDG_CONFIG_HOME/kritarc``
with the XDG defaults, on Windows ``%APPDATA%\\krita`` and ``%LOCALAPPDATA%\\kritarc``,
on macOS ``~/Library/Application Support/krita`` and ``~/Library/Preferences/kritarc``.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KritaLocation:
    resources: Path  # the resource folder; plug-ins go in resources/pykrita
    kritarc: Path  # the settings file

    @property
    def pykrita(self) -> Path:
        return self.resources / "pykrita"

    @property
    def actions(self) -> Path:
        return self.resources / "actions"


def _xdg(name: str, default: str, env: dict[str, str]) -> Path:
    value = env.get(name)
    return Path(value) if value else Path(env.get("HOME", str(Path.home()))) / default


def find_krita_location(
    krita_dir: Path | None = None, system: str | None = None, env: dict[str, str] | None = None
) -> KritaLocation:
    """Krita's resource folder and kritarc for this user; ``krita_dir`` overrides the folder.

    With ``krita_dir`` the kritarc is looked up the usual way unless the folder
    holds one itself (portable set-ups keep both together).
    """
    env = dict(os.environ if env is None else env)
    system = system or platform.system()
    home = Path(env.get("HOME") or env.get("USERPROFILE") or str(Path.home()))
    if system == "Windows":
        appdata = Path(env.get("APPDATA", home / "AppData" / "Roaming"))
        local = Path(env.get("LOCALAPPDATA", home / "AppData" / "Local"))
        location = KritaLocation(appdata / "krita", local / "kritarc")
    elif system == "Darwin":
        location = KritaLocation(
            home / "Library" / "Application Support" / "krita", home / "Library" / "Preferences" / "kritarc"
        )
    else:
        location = KritaLocation(
            _xdg("XDG_DATA_HOME", ".local/share", env) / "krita",
            _xdg("XDG_CONFIG_HOME", ".config", env) / "kritarc",
        )
    if krita_dir is not None:
        krita_dir = Path(krita_dir)
        own_rc = krita_dir / "kritarc"
        location = KritaLocation(krita_dir, own_rc if own_rc.exists() else location.kritarc)
    return location


# Linux distributions build Krita's Python plug-in against the system libpython.
_PYKRITA_LIBRARIES = (
    "/usr/lib/x86_64-linux-gnu/kritaplugins/kritapykrita.so",
    "/usr/lib/aarch64-linux-gnu/kritaplugins/kritapykrita.so",
    "/usr/lib64/kritaplugins/kritapykrita.so",
    "/usr/lib/kritaplugins/kritapykrita.so",
)


def detect_krita_python_version() -> str | None:
    """'3.11' for the Python that an installed (distribution) Krita embeds, else None.

    Windows, macOS and AppImage builds bundle their own Python, which cannot be
    probed without starting Krita: pass ``--python-version`` for those.
    """
    ldd = shutil.which("ldd")
    for library in _PYKRITA_LIBRARIES:
        if not (ldd and Path(library).exists()):
            continue
        output = subprocess.run([ldd, library], capture_output=True, text=True).stdout
        match = re.search(r"libpython(3\.\d+)", output)
        if match:
            return match.group(1)
    return None


def wheel_platform_tags(system: str | None = None, machine: str | None = None) -> list[str]:
    """pip ``--platform`` tags for Krita's Python on a platform (most specific first)."""
    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    if system == "Windows":
        return ["win_amd64"]
    if system == "Darwin":
        arch = "arm64" if machine in ("arm64", "aarch64") else "x86_64"
        return [f"macosx_11_0_{arch}", f"macosx_10_9_{arch}", "macosx_10_9_universal2", "macosx_11_0_universal2"]
    arch = "aarch64" if machine in ("arm64", "aarch64") else "x86_64"
    return [f"manylinux_2_28_{arch}", f"manylinux_2_17_{arch}", f"manylinux2014_{arch}"]


def current_python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"
