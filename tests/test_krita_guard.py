"""The Krita plug-in's guard.py outside Krita: exceptions kept out of Qt's event loop."""


def test_guarded_slots_report_instead_of_raising():
    from maskgan_krita.guard import guarded
    from maskgan_plugin_common.errors import PluginError

    said = []

    @guarded(said.append)
    def apply_edit():
        raise PluginError("open a photo first")

    @guarded(said.append)
    def broken():
        raise KeyError("layer")

    apply_edit()
    broken()
    assert said == ["open a photo first", "broken failed: KeyError: 'layer'"]
