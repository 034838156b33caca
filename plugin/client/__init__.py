"""Pure-Python protocol client shared by every editor plug-in (import name: maskgan_client).

Depends on pyzmq, msgpack and numpy only, never on torch or maskgan, so that it
can be vendored into an editor's own Python.
"""

from maskgan_client.client import Client, DaemonError, DaemonUnavailable, Event, Reply, busy_delay
from maskgan_client.endpoint import default_endpoint, platform_endpoint
from maskgan_client.protocol import PROTOCOL_VERSION

__all__ = [
    "Client",
    "DaemonError",
    "DaemonUnavailable",
    "Event",
    "Reply",
    "busy_delay",
    "default_endpoint",
    "platform_endpoint",
    "PROTOCOL_VERSION",
]
