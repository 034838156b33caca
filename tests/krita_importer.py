"""Krita's own "Import Python Plugin from File" code (plugin_importer.py, shipped with Krita), loaded stand-alone.

It is what a user's click runs, so the plug-in zip is tested against it rather than against our idea of
its rules. Stand-alone it lacks Krita's ``i18n``, which it calls only to word its errors.
"""

from __future__ import annotations

import builtins
import importlib.util
from pathlib import Path

KRITA_IMPORTER = Path("/usr/share/krita/pykrita/plugin_importer/plugin_importer.py")  # Debian's krita-data


def load_importer():
    """The plugin_importer module, or None where Krita is not installed."""
    if not KRITA_IMPORTER.exists():
        return None
    if not hasattr(builtins, "i18n"):
        builtins.i18n = str  # the importer words its errors with Krita's i18n
    spec = importlib.util.spec_from_file_location("krita_plugin_importer", KRITA_IMPORTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_zip(zip_path: Path, resources: Path) -> list[str]:
    """Import ``zip_path`` into the Krita resource folder ``resources`` as Krita's menu entry does; returns the
    imported plug-ins' names (NoPluginsFoundException when Krita finds none)."""
    module = load_importer()
    return [
        plugin["name"] for plugin in module.PluginImporter(str(zip_path), str(resources), lambda _: True).import_all()
    ]
