"""The liveness ping of a loop that submits requests and polls their events itself (``maskgan batch``, the GIMP
plug-in's batch): is the daemon still there while work is out?

A daemon that hangs (or whose process was stopped) answers nothing, and a long edit sends
no word for a while either, so silence alone cannot tell them apart soon. While requests
run, a ``status`` (answered outside the daemon's queue) goes out PING_INTERVAL after the
last one was answered; one unanswered for PING_TIMEOUT means the daemon is gone.
``Client.call`` and the Krita plug-in's connection ping the same way on their own loops.

No clock of its own: the caller passes ``now`` (``time.monotonic()``).
"""

from __future__ import annotations

from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT, DaemonUnavailable


class Liveness:
    def __init__(self, client, now: float):
        self._client = client  # a maskgan_client.Client: submit() and endpoint
        self._ping: str | None = None  # the request id of the ping out, None while none is
        self._since = now  # when the ping out was sent, or when the last one was answered

    def check(self, working: bool, now: float) -> None:
        """Send a ping when one is due and requests run (``working``); DaemonUnavailable when the ping out has
        gone unanswered for PING_TIMEOUT."""
        if self._ping is not None and now - self._since > PING_TIMEOUT:
            raise DaemonUnavailable(self._client.endpoint, PING_TIMEOUT)
        if self._ping is None and working and now - self._since >= PING_INTERVAL:
            self._ping, self._since = self._client.submit("status"), now

    def answered(self, event, now: float) -> bool:
        """Whether ``event`` answers the ping out (then it is no request's, and the loop skips it)."""
        if self._ping is None or event.request_id != self._ping:
            return False
        self._ping, self._since = None, now
        return True
