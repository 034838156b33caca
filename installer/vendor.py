"""What every editor plug-in carries in its ``vendor/`` folder, built for the editor's own Python.

The protocol client (``maskgan_client``), the modules the plug-ins share
(``maskgan_plugin_common``: mask colours, layer names, messages, the batch queue), the
label table (``maskgan/labels.py`` as ``maskgan_labels``) and binary wheels of pyzmq, msgpack and numpy for the editor's
Python version and platform, unpacked. Shared by the Krita and GIMP installers.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

VENDORED_DISTRIBUTIONS = ("pyzmq", "msgpack", "numpy")


class InstallError(Exception):
    """Installation cannot proceed; the message says why and what to do."""


def package_dir(name: str) -> Path:
    """The folder of an installed package of this installation."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise InstallError(f"{name} is missing from this installation; reinstall maskgan")
    return Path(spec.origin).parent


def download_wheels(dest: Path, python_version: str, platforms: list[str]) -> list[Path]:
    """Binary wheels of the vendored distributions for the editor's Python and platform."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--only-binary=:all:",
        "--no-deps",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--dest",
        str(dest),
    ]
    for tag in platforms:
        command += ["--platform", tag]
    completed = subprocess.run(command + list(VENDORED_DISTRIBUTIONS), capture_output=True, text=True)
    if completed.returncode != 0:
        raise InstallError(
            f"could not download {', '.join(VENDORED_DISTRIBUTIONS)} wheels for Python {python_version} "
            f"({', '.join(platforms)}): {completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else 'pip failed'}. "
            "Check the network, or pass --wheels DIR with the wheels downloaded elsewhere."
        )
    return sorted(dest.glob("*.whl"))


def pick_wheels(folder: Path) -> list[Path]:
    """The wheels of a folder of pre-downloaded ones; InstallError naming any distribution missing."""
    wheels = sorted(folder.glob("*.whl"))
    missing = [
        name
        for name in VENDORED_DISTRIBUTIONS
        if not any(w.name.lower().startswith(name.replace("-", "_") + "-") for w in wheels)
    ]
    if missing:
        raise InstallError(f"{folder} has no wheel for {', '.join(missing)}")
    return wheels


def plugin_wheels(folder: Path | None, scratch: Path, python_version: str, platforms: list[str]) -> list[Path]:
    """The wheels to vendor: those in ``folder`` (pre-downloaded, for offline installs), else downloaded into
    ``scratch`` for the editor's Python ``python_version`` on ``platforms``."""
    return pick_wheels(folder) if folder else download_wheels(scratch, python_version, platforms)


def fill_vendor(vendor: Path, wheels: list[Path], packages: tuple[str, ...] = ()) -> None:
    """Put the client, the plug-ins' shared package, the label table, ``packages`` (more of this installation's
    packages) and the unpacked ``wheels`` into ``vendor``."""
    vendor.mkdir(parents=True, exist_ok=True)
    for name in ("maskgan_client", "maskgan_plugin_common", *packages):
        shutil.copytree(package_dir(name), vendor / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(package_dir("maskgan") / "labels.py", vendor / "maskgan_labels.py")
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(vendor)
