"""MaskGAN plug-in for GIMP 3: edit faces by painting their semantic masks.

GIMP runs ``__main__.py`` (installed as ``plug-ins/maskgan-gimp/maskgan-gimp.py``);
it puts ``vendor/`` on sys.path and hands GIMP the procedures of ``procedures.py``.
What is not GIMP-specific (mask colours, layer names, messages, the batch queue) comes
from the plug-ins' shared package (maskgan_plugin_common), vendored beside this one.
"""
