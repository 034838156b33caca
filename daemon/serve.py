"""The daemon's composition root: lock the instance, load the engine, listen, announce, serve until stopped.

`maskgan daemon start` (maskgan_cli.commands.daemon) only reads the options and the user's settings,
then calls ``serve``.
"""

from __future__ import annotations

from pathlib import Path

from maskgan_daemon import runtime


class StartError(Exception):
    """The daemon cannot start; the message says why and what to do."""


def serve(
    endpoint: str,
    weights: Path | None,
    *,
    device: str = "auto",
    precision: str = "auto",
    parser: str = "auto",
    parser_weights: Path | None = None,
    queue_size: int = 8,
) -> None:
    """Run a daemon in this process until a shutdown request or a signal; raises StartError before serving."""
    from maskgan.infer import Editor
    from maskgan_daemon.parsers import ParserSlot
    from maskgan_daemon.server import Server

    secret = None
    if runtime.needs_curve(endpoint):
        secret = runtime.read_secret_key()
        if secret is None:
            raise StartError(
                f"refusing to listen on {endpoint} without encryption: other machines could reach it. "
                "Run `maskgan daemon keys` first (clients then need server.key_public), or use a loopback address"
            )
    runtime.setup_logging(foreground=True)
    try:
        lock = runtime.InstanceLock()
        lock.acquire(endpoint)
    except (runtime.AlreadyRunning, runtime.UnsafeRuntimeDir) as error:
        raise StartError(str(error)) from error
    try:
        editor = Editor.load(weights, device=device, precision=precision)
        parsers = ParserSlot(parser, parser_weights, device=editor.device)
        server = Server(editor, endpoint, queue_size=queue_size, curve_secret_key=secret, parsers=parsers)
    except (ValueError, FileNotFoundError) as error:
        lock.release()
        raise StartError(str(error)) from error
    except Exception as error:  # zmq bind errors and the like
        lock.release()
        raise StartError(f"cannot listen on {endpoint}: {error}") from error
    server.install_signal_handlers()
    runtime.announce(endpoint)
    print(
        f"MaskGAN daemon listening on {endpoint} ({editor.device}, {editor.precision}, model: "
        f"{editor.card.get('name', 'unnamed')})",
        flush=True,
    )
    try:
        server.serve()
    finally:
        runtime.withdraw()
        lock.release(remove_socket=True)
