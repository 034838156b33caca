#!/usr/bin/env python3
"""The MaskGAN plug-in's entry for GIMP 3 (installed as plug-ins/maskgan-gimp/maskgan-gimp.py)."""

import sys
from pathlib import Path

if __name__ == "__main__":
    # the plug-in's own package, the client, the label table and their wheels, built for GIMP's Python
    sys.path.insert(0, str(Path(__file__).resolve().parent / "vendor"))
    from maskgan_gimp.procedures import main

    main(sys.argv)
