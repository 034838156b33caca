"""The plug-in as Krita's "Import Python Plugin from File" left it: it loads, shows its docker, has its shortcuts."""

import maskgan_plugin_common
from maskgan_krita.extension import MaskGANExtension


def check_imported_plugin_loads_with_its_shortcuts(ctx):
    ctx.values["shared_package"] = maskgan_plugin_common.__file__  # Krita's Python has only the zip's copy
    ctx.values["dockers"] = [d.objectName() for d in ctx.krita.dockers()]
    ctx.values["shortcuts"] = {
        name: ctx.krita.action(name).shortcut().toString() if ctx.krita.action(name) else None
        for name in MaskGANExtension.ACTIONS
    }


checks = [check_imported_plugin_loads_with_its_shortcuts]
