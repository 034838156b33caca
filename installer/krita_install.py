"""Install, upgrade and uninstall the Krita plug-in.

What ``install`` puts into Krita's resource folder:
  pykrita/maskgan_krita/            the plug-in package
  pykrita/maskgan_krita/vendor/     the protocol client, the modules shared with the GIMP
                                    plug-in (maskgan_plugin_common), the label table and
                                    pyzmq/msgpack/numpy built for Krita's own Python
  pykrita/maskgan_krita/daemon.json how to start the daemon (this environment's Python)
  pykrita/maskgan_krita.desktop     Krita's plug-in descriptor
  actions/maskgan_krita.action      the plug-in's shortcuts
and ``enable_maskgan_krita=true`` in kritarc. A receipt (``install.json`` in the
plug-in folder) records every file added and the kritarc value found before, so
that ``uninstall`` removes exactly that and restores kritarc. Re-running install
replaces the previous installation in place.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from maskgan_installer.krita_paths import KritaLocation
from maskgan_installer.kritarc import read_python_setting, write_python_setting
from maskgan_installer.receipt import RECEIPT, read_receipt, remove_recorded, write_receipt
from maskgan_installer.vendor import InstallError, fill_vendor, plugin_wheels

PLUGIN = "maskgan_krita"


def plugin_source() -> Path:
    """The plug-in package folder shipped with this installation."""
    spec = importlib.util.find_spec(PLUGIN)
    if spec is None or not spec.submodule_search_locations:
        raise InstallError(f"the {PLUGIN} package is missing from this installation; reinstall maskgan")
    return Path(list(spec.submodule_search_locations)[0])


@dataclass
class InstallPlan:
    location: KritaLocation
    python_version: str
    platforms: list[str]
    wheels: Path | None = None  # a folder of pre-downloaded wheels (offline installs)
    daemon_command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "maskgan_cli", "daemon"])


def install(plan: InstallPlan) -> dict:
    """Install (or upgrade in place) the plug-in; returns the receipt."""
    location = plan.location
    target = location.pykrita / PLUGIN
    previous_rc = None
    if (target / RECEIPT).exists():
        previous_rc = read_receipt(target, location.resources).get("kritarc_before")
        uninstall(location, restore_kritarc=False)
    else:
        previous_rc = read_python_setting(location.kritarc, f"enable_{PLUGIN}")

    with tempfile.TemporaryDirectory() as scratch:
        wheels = plugin_wheels(plan.wheels, Path(scratch), plan.python_version, plan.platforms)
        staging = Path(scratch) / PLUGIN
        shutil.copytree(
            plugin_source(), staging, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.desktop", "*.action")
        )
        fill_vendor(staging / "vendor", wheels)
        (staging / "daemon.json").write_text(json.dumps({"command": plan.daemon_command}, indent=1))

        location.pykrita.mkdir(parents=True, exist_ok=True)
        location.actions.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), target)

    source = plugin_source()
    desktop = location.pykrita / f"{PLUGIN}.desktop"
    action = location.actions / f"{PLUGIN}.action"
    shutil.copy2(source / f"{PLUGIN}.desktop", desktop)
    shutil.copy2(source / f"{PLUGIN}.action", action)
    write_python_setting(location.kritarc, f"enable_{PLUGIN}", "true")

    receipt = {
        "plugin": PLUGIN,
        "python_version": plan.python_version,
        "platforms": plan.platforms,
        "files": [str(target), str(desktop), str(action)],
        "kritarc": str(location.kritarc),
        "kritarc_before": previous_rc,
        "daemon_command": plan.daemon_command,
    }
    return write_receipt(target, receipt)


def uninstall(location: KritaLocation, restore_kritarc: bool = True) -> list[str]:
    """Remove exactly what install added; returns the removed paths."""
    receipt = read_receipt(location.pykrita / PLUGIN, location.resources)
    removed = remove_recorded(receipt)
    if restore_kritarc:
        write_python_setting(Path(receipt["kritarc"]), f"enable_{PLUGIN}", receipt["kritarc_before"])
    return removed


def build_zip(output: Path, plan: InstallPlan) -> Path:
    """A zip for Krita's "Tools > Scripts > Import Python Plugin from File...".

    Krita's importer (plugin_importer.py) finds a plug-in by its ``.desktop`` file and a *folder entry*
    ``maskgan_krita/`` holding ``__init__.py``, and installs a ``maskgan_krita.action`` found anywhere in the
    zip (the shortcuts); so every folder gets its own entry and the action file goes at the top.
    """
    with tempfile.TemporaryDirectory() as scratch:
        staged = KritaLocation(Path(scratch) / "krita", Path(scratch) / "kritarc")
        install(plan.__class__(staged, plan.python_version, plan.platforms, plan.wheels, plan.daemon_command))
        (staged.pykrita / PLUGIN / RECEIPT).unlink()
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(staged.pykrita.rglob("*")):
                archive.write(path, path.relative_to(staged.pykrita))  # a folder is written as its "name/" entry
            action = staged.actions / f"{PLUGIN}.action"
            archive.write(action, action.name)
    return output
