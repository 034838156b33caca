"""Pure-Python protocol client shared by every editor plug-in (import name: maskgan_client).

Depends on pyzmq, msgpack and numpy only, never on torch, so that it can be vendored
into an editor's own Python."""
