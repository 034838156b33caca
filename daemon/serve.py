"""The daemon's composition root: lock the instance, load the engine, listen, announce, serve until stopped.

`maskgan daemon start` (maskgan_cli.commands.daemon) only reads the options and the user's settings,
then calls ``serve``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from maskgan_daemon import runtime

# the most start-up may spend warming up at the model's resolution: enough for small weights (the demo's 192 px
# forward), not for an official-size one, whose first edit is within 1.15x a warm one anyway
WARM_UP_SECONDS = 0.25


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
        editor = off_main_thread(lambda: Editor.load(weights, device=device, precision=precision, warm=False))
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
        server.serve(warm_up=lambda: editor.warm_up(full_size_within=WARM_UP_SECONDS))
    finally:
        runtime.withdraw()
        lock.release(remove_socket=True)


def off_main_thread(load):
    """``load()`` run in a thread of its own that then ends; its result, or its exception raised here.

    The worker thread runs every request. Torch work on the main thread leaves it an OpenMP thread pool
    (libgomp keeps one per thread that started a parallel region, for as long as that thread lives), and the
    main thread lives as long as the daemon: that idle pool beside the worker's made every demo-weights edit
    take 1.3-1.6x as long (29-35 ms against 19-23 ms, 512x512, measured by loading in one thread and editing in
    another, in one process).
    """
    outcome = {}

    def run() -> None:
        try:
            outcome["value"] = load()
        except BaseException as error:  # noqa: BLE001 - handed to the caller, which decides
            outcome["error"] = error

    thread = threading.Thread(target=run, name="maskgan-load")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
