"""`maskgan daemon start|stop|status|logs|keys`: the local MaskGAN server for the editor plug-ins."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import device_option, precision_option, ranged

ERROR_MARK = "maskgan daemon: error: "  # how maskgan_cli.main prints a CommandError of `maskgan daemon start`


def add_commands(subparsers) -> None:
    daemon = subparsers.add_parser("daemon", help="run the local MaskGAN daemon that editor plug-ins talk to")
    sub = daemon.add_subparsers(dest="daemon_command", metavar="DAEMON_COMMAND", required=True)

    start = sub.add_parser("start", help="start the daemon (foreground unless --detach)")
    start.add_argument("--endpoint", help="where to listen (default: ipc:// in the user's runtime dir)")
    start.add_argument(
        "--weights",
        type=Path,
        help="weights bundle (default: the settings file's choice, "
        "`maskgan weights use`, else the embedded demo weights)",
    )
    device_option(start)
    precision_option(start)
    start.add_argument(
        "--parser",
        default="auto",
        choices=["auto", "learned", "landmarks"],
        help="face parser for the parse op (default auto: --parser-weights if given, else landmarks)",
    )
    start.add_argument(
        "--parser-weights",
        type=Path,
        help="learned parser bundle (`maskgan weights import-official-parser` or `maskgan train-parser`; "
        "default: the settings file's choice)",
    )
    start.add_argument(
        "--queue-size",
        type=ranged(1, 1024),
        default=8,
        help="requests that may wait, 1..1024 (default 8); more get 'busy'",
    )
    start.add_argument("--detach", action="store_true", help="run in the background and return once it answers")
    start.set_defaults(func=_start)

    for name, helptext in (("stop", "stop the daemon gracefully"), ("status", "exit 0 only when a daemon answers")):
        command = sub.add_parser(name, help=helptext)
        command.add_argument("--endpoint", help="daemon endpoint (default: discovered)")
        command.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for an answer (default 3)")
        command.set_defaults(func=_stop if name == "stop" else _status)

    logs = sub.add_parser("logs", help="print the end of the daemon's log")
    logs.add_argument("-n", type=int, default=40, help="lines (default 40)")
    logs.set_defaults(func=_logs)

    keys = sub.add_parser("keys", help="make the CURVE key pair needed to listen on a non-loopback address")
    keys.set_defaults(func=_keys)


def _apply_settings(args) -> None:
    """Fill --weights and --parser-weights that were not given from the settings file (maskgan.user_config)."""
    from maskgan.infer.weights_path import EDITING, PARSER, resolve
    from maskgan.user_config import ConfigError, config_path, read_daemon_settings

    try:
        settings = read_daemon_settings()
        if args.weights is None and "weights" in settings:
            args.weights = resolve(settings["weights"], EDITING).path
        if args.parser_weights is None and args.parser != "landmarks" and "parser_weights" in settings:
            args.parser_weights = resolve(settings["parser_weights"], PARSER).path  # None: the landmark parser
    except (ConfigError, ValueError) as error:
        raise CommandError(f"{error} (chosen in {config_path()}: fix it with `maskgan weights use NAME`)") from error


def _start(args) -> int:
    from maskgan_client import platform_endpoint
    from maskgan_client.endpoint import UnsafeRuntimeDir

    try:
        endpoint = args.endpoint or platform_endpoint()
    except UnsafeRuntimeDir as error:
        raise CommandError(str(error)) from error
    _apply_settings(args)
    if args.detach:
        return _start_detached(args, endpoint)
    from maskgan_daemon.serve import StartError, serve

    try:
        serve(
            endpoint,
            args.weights,
            device=args.device,
            precision=args.precision,
            parser=args.parser,
            parser_weights=args.parser_weights,
            queue_size=args.queue_size,
        )
    except StartError as error:
        raise CommandError(str(error)) from error
    return 0


def _start_detached(args, endpoint: str) -> int:
    from maskgan_client import Client, DaemonError
    from maskgan_daemon import runtime

    command = [
        sys.executable,
        "-m",
        "maskgan_cli",
        "daemon",
        "start",
        "--endpoint",
        endpoint,
        "--device",
        args.device,
        "--precision",
        args.precision,
        "--queue-size",
        str(args.queue_size),
    ]
    if args.weights:
        command += ["--weights", str(args.weights)]
    command += ["--parser", args.parser] + (
        ["--parser-weights", str(args.parser_weights)] if args.parser_weights else []
    )
    out = runtime.state_dir() / "daemon.out"
    log = open(out, "ab")
    written_before = log.tell()  # the file gathers every start's output: this start's begins here
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )
    with Client(endpoint, timeout=1.0) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(
                    f"the daemon exited at start ({process.returncode}): {_why_it_exited(out, written_before)}"
                )
            try:
                hello = client.hello(timeout=1.0)
                print(
                    f"MaskGAN daemon (pid {process.pid}) listening on {endpoint}, {hello['device']}, "
                    f"model: {hello['model'].get('name', 'unnamed')}"
                )
                return 0
            except DaemonError:
                continue
    raise CommandError(
        f"the daemon (pid {process.pid}) did not answer on {endpoint} within 120 s; see `maskgan daemon logs`"
    )


def _why_it_exited(out: Path, offset: int) -> str:
    """What a daemon that failed to start wrote to ``out`` from ``offset`` on: its error in its own words (the
    StartError the foreground start printed), else the last lines it wrote."""
    with open(out, "rb") as log:
        log.seek(offset)
        lines = log.read().decode("utf-8", "replace").strip().splitlines()
    errors = [line.split(ERROR_MARK, 1)[1] for line in lines if ERROR_MARK in line]
    return errors[-1] if errors else " / ".join(lines[-3:]) or "it wrote nothing"


def _status(args) -> int:
    from maskgan_client import Client, DaemonError

    with Client(args.endpoint, timeout=args.timeout) as client:
        try:
            hello = client.hello()
            status = client.call("status").result
        except DaemonError as error:
            print(error.message, file=sys.stderr)
            return 1
    print(
        f"running at {client.endpoint}: maskgan {hello['version']}, protocol {hello['protocol']}, "
        f"{hello['device']} {hello['precision']}, model {hello['model'].get('name', 'unnamed')}, "
        f"{status['queued']} queued, {status['served']} served, up {status['uptime']:.0f}s"
    )
    return 0


def _stop(args) -> int:
    from maskgan_client import Client, DaemonError

    with Client(args.endpoint, timeout=args.timeout) as client:
        try:
            client.call("shutdown")
        except DaemonError as error:
            print(error.message, file=sys.stderr)
            return 1
        for _ in range(int(args.timeout * 10) + 50):  # wait until it no longer answers
            try:
                client.hello(timeout=0.2)
                time.sleep(0.1)
            except DaemonError:
                print(f"stopped the daemon at {client.endpoint}")
                return 0
    raise CommandError("the daemon accepted shutdown but still answers")


def _logs(args) -> int:
    from maskgan_daemon.runtime import log_file

    path = log_file()
    if not path.exists():
        raise CommandError(f"no daemon log yet at {path}")
    print("\n".join(path.read_text(errors="replace").splitlines()[-args.n :]))
    return 0


def _keys(args) -> int:
    from maskgan_daemon.runtime import make_keys

    secret, public = make_keys()
    print(f"wrote {secret} (keep it private) and {public} (give it to clients)")
    return 0
