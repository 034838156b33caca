"""Install, upgrade and uninstall the GIMP 3 plug-in.

What ``install`` puts into GIMP's profile (the folder that holds ``plug-ins/``):
  plug-ins/maskgan-gimp/maskgan-gimp.py   the plug-in's entry (executable: GIMP 3 runs it)
  plug-ins/maskgan-gimp/vendor/           the plug-in's own package (maskgan_gimp), the modules it
                                          shares with the Krita plug-in (maskgan_plugin_common: mask
                                          colours, layer names, messages, the batch queue), the protocol
                                          client, the label table, and pyzmq/msgpack/numpy built for
                                          GIMP's own Python
and a receipt (``install.json`` in that folder) naming what it added, so that
``uninstall`` removes exactly that. The plug-in lives in a folder of its own, as
GIMP 3 requires, so everything added is inside it. Re-running install replaces
the previous installation in place.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from maskgan_installer.receipt import RECEIPT, read_receipt, remove_recorded, write_receipt
from maskgan_installer.vendor import InstallError, fill_vendor, package_dir, plugin_wheels

PLUGIN = "maskgan-gimp"  # a name no Python can import, so the entry never shadows a package
PACKAGE = "maskgan_gimp"


@dataclass
class GimpInstallPlan:
    profile: Path  # GIMP's profile folder, which holds plug-ins/
    python_version: str  # of the Python that runs GIMP's plug-ins, X.Y
    platforms: list[str]  # pip --platform tags for it
    wheels: Path | None = None  # a folder of pre-downloaded wheels (offline installs)

    @property
    def target(self) -> Path:
        return self.profile / "plug-ins" / PLUGIN


def install(plan: GimpInstallPlan) -> dict:
    """Install (or upgrade in place) the plug-in; returns the receipt."""
    if not plan.profile.is_dir():
        raise InstallError(
            f"GIMP's profile folder {plan.profile} does not exist: start GIMP 3 once to create it, "
            "or pass --gimp-dir with the folder that holds plug-ins/"
        )
    target = plan.target
    if (target / RECEIPT).exists():
        uninstall(plan.profile)
    elif target.exists():
        raise InstallError(f"{target} exists but was not made by this installer (no {RECEIPT}); move it away first")
    with tempfile.TemporaryDirectory() as scratch:
        wheels = plugin_wheels(plan.wheels, Path(scratch), plan.python_version, plan.platforms)
        staging = Path(scratch) / PLUGIN
        fill_vendor(staging / "vendor", wheels, packages=(PACKAGE,))
        entry = staging / f"{PLUGIN}.py"
        shutil.copy2(package_dir(PACKAGE) / "__main__.py", entry)
        entry.chmod(0o755)
        (plan.profile / "plug-ins").mkdir(exist_ok=True)
        shutil.move(str(staging), target)
    receipt = {
        "plugin": PLUGIN,
        "python_version": plan.python_version,
        "platforms": plan.platforms,
        "files": [str(target)],
    }
    return write_receipt(target, receipt)


def uninstall(profile: Path) -> list[str]:
    """Remove exactly what install added; returns the removed paths."""
    return remove_recorded(read_receipt(Path(profile) / "plug-ins" / PLUGIN, profile))
