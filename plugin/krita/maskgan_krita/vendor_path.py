"""Puts the plug-in's vendor folder (client, shared plug-in modules, label table, pyzmq, msgpack, numpy) on
sys.path.

Krita's Python has none of these; the installer unpacks them, built for that
Python, into ``vendor/`` beside this file.
"""

import sys
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"


def activate() -> None:
    if VENDOR.is_dir() and str(VENDOR) not in sys.path:
        sys.path.insert(0, str(VENDOR))
