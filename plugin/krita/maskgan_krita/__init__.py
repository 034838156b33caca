"""MaskGAN plug-in for Krita 5: edit faces by painting their semantic masks.

Krita imports this package at start-up. The modules that need Krita are loaded
only inside Krita, so the plug-in's pure logic can be tested with plain Python.
"""

try:
    from krita import Krita  # present only inside Krita
except ImportError:
    Krita = None

if Krita is not None:
    from . import vendor_path

    vendor_path.activate()
    from .extension import register

    register()
