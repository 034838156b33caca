"""The plug-ins' error type (pure)."""


class PluginError(Exception):
    """A problem the user can fix; its text is shown as it is (Krita's docker, GIMP's message)."""
