"""The receipt of a plug-in install (``install.json`` in the plug-in's folder): what the install added, so that
uninstall removes exactly that and nothing the user put beside it. Shared by the Krita and GIMP installers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from maskgan_installer.vendor import InstallError

RECEIPT = "install.json"


def write_receipt(folder: Path, receipt: dict) -> dict:
    """Record ``receipt`` (its ``files``: every path the install added) in the plug-in's ``folder``."""
    (folder / RECEIPT).write_text(json.dumps(receipt, indent=1))
    return receipt


def read_receipt(folder: Path, place: Path) -> dict:
    """The receipt in the plug-in's ``folder``; InstallError naming the editor's ``place`` when there is none."""
    path = folder / RECEIPT
    if not path.exists():
        raise InstallError(f"no MaskGAN plug-in installed in {place} (no {path})")
    return json.loads(path.read_text())


def remove_recorded(receipt: dict) -> list[str]:
    """Remove every file and folder the receipt lists (those already gone are passed over); the removed paths."""
    removed = []
    for path in map(Path, receipt["files"]):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(str(path))
    return removed
