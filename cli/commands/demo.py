"""`maskgan demo`: the main job end to end — daemon, protocol client, edit, result layer.

Starts a private daemon (its own runtime folder, so it never collides with the
user's), sends the bundled sample photo and an edited mask (glasses added, see
maskgan/infer/demo_samples.py) through the client, writes the result, the RGBA layer
and a before/after sheet, and always stops the daemon.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from maskgan_cli.errors import CommandError


def add_commands(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="run the main job on the bundled sample through a local daemon")
    demo.add_argument("--output", type=Path, default=Path("out/demo"), help="folder for the results (default out/demo)")
    demo.add_argument("--weights", type=Path, help="weights bundle (default: the embedded demo weights)")
    demo.set_defaults(func=_demo)


def _daemon(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "maskgan_cli", "daemon", *command], env=env, capture_output=True, text=True
    )


def _sheet(tiles: list[tuple[str, object]]):  # (title, uint8 image)
    import numpy as np
    from PIL import Image, ImageDraw

    height = max(t.shape[0] for _, t in tiles)
    strip = np.full((height + 18, sum(t.shape[1] for _, t in tiles) + 4 * (len(tiles) - 1), 3), 255, np.uint8)
    x = 0
    for _, tile in tiles:
        strip[18 : 18 + tile.shape[0], x : x + tile.shape[1]] = tile
        x += tile.shape[1] + 4
    image = Image.fromarray(strip)
    draw = ImageDraw.Draw(image)
    x = 0
    for caption, tile in tiles:
        draw.text((x + 3, 3), caption, fill=(0, 0, 0))
        x += tile.shape[1] + 4
    return np.asarray(image)


def _demo(args) -> int:
    import time

    from maskgan.imageio import save_png
    from maskgan.infer.demo_samples import load_demo_sample
    from maskgan.infer.weights_path import default_weights_path
    from maskgan.labels import label_to_color
    from maskgan_client import Client, DaemonError

    if args.weights is None:
        try:  # said here, in one line, rather than through the daemon's failed start
            default_weights_path()
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
    sample = load_demo_sample()
    with tempfile.TemporaryDirectory(prefix="maskgan-demo-") as private:
        runtime = Path(private) / "runtime"
        runtime.mkdir(mode=0o700)
        env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), XDG_STATE_HOME=str(Path(private) / "state"))
        endpoint = f"ipc://{runtime / 'demo.sock'}"
        start = ["start", "--detach", "--endpoint", endpoint] + (
            ["--weights", str(args.weights)] if args.weights else []
        )
        started = _daemon(start, env)
        if started.returncode != 0:
            raise CommandError(f"could not start the daemon: {(started.stderr or started.stdout).strip()}")
        print(started.stdout.strip())
        try:
            with Client(endpoint, timeout=120) as client:
                model = client.hello()["model"].get("name", "unnamed")
                t0 = time.monotonic()
                reply = client.call(
                    "edit",
                    {"feather": 6},
                    {"image": sample.image, "source_mask": sample.source_mask, "edited_mask": sample.edited_mask},
                    progress=lambda event: print(f"  {event['message']} ({event['done']}/{event['total']})"),
                )
                seconds = time.monotonic() - t0
        except DaemonError as error:
            raise CommandError(error.message) from error
        finally:
            _daemon(["stop", "--endpoint", endpoint], env)

    from maskgan_cli.run_request import routes_text

    out = args.output
    save_png(out / "result.png", reply.arrays["image"])
    save_png(out / "layer.png", reply.arrays["layer"])
    save_png(
        out / "before_after.png",
        _sheet(
            [
                ("photo", sample.image),
                ("source mask", label_to_color(sample.source_mask)),
                ("edited mask (+glasses)", label_to_color(sample.edited_mask)),
                (
                    "result" + "".join(f", {part} from {source}" for part, source in reply.result["looks"].items()),
                    reply.arrays["image"],
                ),
                ("exact ground truth", sample.ground_truth),
            ]
        ),
    )
    changed = int((reply.arrays["layer"][..., 3] > 0).sum())
    print(
        f"edited through the daemon in {seconds:.2f}s with {model}: {changed} pixels changed "
        f"({routes_text(reply.result['routes'])})"
    )
    print(f"wrote {out / 'result.png'}, {out / 'layer.png'} and {out / 'before_after.png'}")
    return 0
