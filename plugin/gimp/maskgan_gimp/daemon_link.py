"""Requests to the daemon with their progress, and what the user is told when they fail (pure: no GIMP).

When a call gets no answer, the daemon may be gone or only stalled (it answered no
liveness ping for a few seconds: loading its face parser took 16 s on a loaded 2-core
machine). The two need different advice, so a short ``hello`` tells them apart.
"""

from __future__ import annotations

from maskgan_client import Client, DaemonError, DaemonUnavailable
from maskgan_plugin_common.errors import PluginError

PROBE_TIMEOUT = 3.0  # seconds a daemon that stalled gets to answer hello


class DaemonDown(PluginError):
    """No daemon answered: nothing more can be sent (a batch stops)."""


class Daemon:
    """The client, with each request's progress shown through ``progress(fraction, text)``."""

    def __init__(self, client: Client, progress):
        self.client, self.progress = client, progress

    def call(self, what: str, op: str, args: dict, arrays: dict):
        def shown(header):
            total = max(int(header.get("total") or 0), 1)
            self.progress(min(int(header.get("done") or 0) / total, 1.0), f"{what}: {header.get('message', '')}")

        self.progress(0.0, f"{what}: sent to the daemon")
        try:
            return self.client.call(op, args, arrays, progress=shown)
        except DaemonUnavailable as error:
            raise self.down_or_stalled(what, error) from error
        except DaemonError as error:
            raise PluginError(f"{what} failed: {error.message}") from error

    def down_or_stalled(self, what: str, error: DaemonUnavailable) -> PluginError:
        """DaemonDown in words that tell a daemon that is gone from one that stalled and answers again."""
        try:
            self.client.hello(timeout=PROBE_TIMEOUT)
        except DaemonError:
            return DaemonDown(
                f"{what}: no MaskGAN daemon answered at {error.endpoint}. Start it with "
                "`maskgan daemon start` (in the environment where maskgan is installed), then run "
                "the filter again"
            )
        return DaemonDown(
            f"{what}: the MaskGAN daemon at {error.endpoint} stopped answering for a while (loading "
            "its face parser can do that on a busy machine) and answers again now: run the filter "
            "again"
        )
