"""Keeps exceptions out of Qt's event loop.

An exception escaping a Qt slot opens Krita's modal error dialog (and in tests
stops Krita from quitting), so every slot the plug-in connects is wrapped: the
error is logged with its traceback and reported in one line to ``report``.
"""

from __future__ import annotations

import functools
import logging

from maskgan_plugin_common.errors import PluginError

log = logging.getLogger("maskgan_krita")


def guarded(report=None):
    """Decorator factory: call the function; on an exception log it and pass a short text to ``report``."""

    def wrap(function):
        @functools.wraps(function)
        def safe(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except PluginError as error:
                if report is not None:
                    report(str(error))
            except Exception as error:  # noqa: BLE001 - the point is to catch everything at the Qt boundary
                log.exception("MaskGAN: %s failed", function.__name__)
                if report is not None:
                    report(f"{function.__name__.replace('_', ' ')} failed: {type(error).__name__}: {error}")
            return None

        return safe

    return wrap
