"""Where GIMP 3 keeps its profile, and which Python runs its plug-ins, per platform.

GIMP 3 reads plug-ins from ``<profile>/plug-ins/<name>/<name>.py``. The profile is
``$GIMP3_DIRECTORY`` when set, else (GIMP's own rules, gimpenv.c) on Linux
``$XDG_CONFIG_HOME/GIMP/3.0`` (``~/.config/GIMP/3.0``), on Windows
``%APPDATA%\\GIMP\\3.0``, on macOS ``~/Library/Application Support/GIMP/3.0``.
The Flatpak build keeps it under ``~/.var/app/org.gimp.GIMP/config/GIMP/3.0``; it is
taken when it exists and the usual one does not.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path

GIMP_SERIES = "3.0"
# where distribution builds keep GIMP 3's libraries; a pygimp.interp there names the plug-ins' Python
# (python=/usr/bin/python3), else (Debian 13) they run through their #!/usr/bin/env python3 line
_GIMP_LIBRARIES = (
    "usr/lib/gimp/3.0",
    "usr/lib64/gimp/3.0",
    "usr/lib/x86_64-linux-gnu/gimp/3.0",
    "usr/lib/aarch64-linux-gnu/gimp/3.0",
)


def find_gimp_profile(
    gimp_dir: Path | None = None, system: str | None = None, env: dict[str, str] | None = None
) -> Path:
    """GIMP 3's profile folder (the one that holds ``plug-ins/``) for this user; ``gimp_dir`` overrides it."""
    if gimp_dir is not None:
        return Path(gimp_dir)
    env = dict(os.environ if env is None else env)
    if env.get("GIMP3_DIRECTORY"):
        return Path(env["GIMP3_DIRECTORY"])
    system = system or platform.system()
    home = Path(env.get("HOME") or env.get("USERPROFILE") or str(Path.home()))
    if system == "Windows":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "GIMP" / GIMP_SERIES
    if system == "Darwin":
        return home / "Library" / "Application Support" / "GIMP" / GIMP_SERIES
    config = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    usual = config / "GIMP" / GIMP_SERIES
    flatpak = home / ".var" / "app" / "org.gimp.GIMP" / "config" / "GIMP" / GIMP_SERIES
    return flatpak if flatpak.is_dir() and not usual.is_dir() else usual


def detect_gimp_python_version(root: Path = Path("/")) -> str | None:
    """'3.13' for the Python that an installed (distribution) GIMP 3 runs plug-ins with, else None.

    ``root``: the file system GIMP is installed in (a chroot's, in the tests). Windows and macOS
    builds bundle their own Python, which cannot be probed without GIMP: pass ``--python-version``.
    """
    for library in _GIMP_LIBRARIES:
        if not (root / library).is_dir():
            continue
        interp = root / library / "interpreters" / "pygimp.interp"
        named = re.search(r"^python3?=(\S+)", interp.read_text(), re.MULTILINE) if interp.is_file() else None
        python = root / (named.group(1) if named else "/usr/bin/python3").lstrip("/")
        versioned = re.search(r"python(3\.\d+)$", os.path.realpath(python))  # /usr/bin/python3 -> python3.13
        if versioned:
            return versioned.group(1)
        if root == Path("/") and python.exists():
            output = subprocess.run(
                [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
            ).stdout.strip()
            return output or None
    return None
