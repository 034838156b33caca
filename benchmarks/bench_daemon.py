"""What the daemon costs: Editor.edit in-process vs the same edit through a real daemon, and fp32 vs bf16.

Photos: a synthetic face (about 1/3 of the short side) pasted into a 512x512 and a
24-megapixel (6000x4000) canvas. Weights: the embedded demo weights when present,
else a random bundle of the cpu_demo architecture (train/configs/cpu_demo.toml) at
its resolution. Prints Markdown tables of median wall-clock seconds; the runs being compared are
interleaved, so that load from other processes on a shared machine hits both alike.

On the CPU (the daemon of tests/daemon_process.py runs there, fp32).

  .venv/bin/python benchmarks/bench_daemon.py [--runs 5] [--big-runs 3] [--threads N]

--threads sets torch's CPU threads here and OMP_NUM_THREADS for the daemon, so that
both sides compute alike; on a small machine shared with other jobs, 1 is the fair choice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # DaemonProcess: a daemon with its own runtime dir (no clash with the user's)

from daemon_process import DaemonProcess  # noqa: E402

from maskgan.data.synthetic import sample  # noqa: E402
from maskgan.infer import Editor  # noqa: E402
from maskgan.infer.weights_path import DEFAULT_WEIGHTS  # noqa: E402
from maskgan_client import Client  # noqa: E402


def weights(folder: Path) -> tuple[Path, str]:
    if DEFAULT_WEIGHTS.exists():
        return DEFAULT_WEIGHTS, "embedded demo weights"
    from maskgan.networks.generator import Generator, GeneratorConfig
    from maskgan.weights import save_bundle

    config = tomllib.loads((REPO / "maskgan" / "train" / "configs" / "cpu_demo.toml").read_text())
    resolution = config["data"]["size"]
    torch.manual_seed(0)
    generator = Generator(GeneratorConfig(**config["model"]["generator"])).eval()
    path = folder / "random_cpu_demo.safetensors"
    save_bundle(path, {"generator": generator}, {"name": "random cpu_demo architecture", "resolution": resolution})
    return path, f"random weights, cpu_demo architecture at {resolution} px"


def photo(height: int, width: int, seed: int = 3) -> dict[str, np.ndarray]:
    """Edit arrays of a synthetic face, 1/3 of the short side, centred in a grey canvas."""
    side = min(height, width) // 3
    face = sample(seed, side)
    image = np.full((height, width, 3), 90, np.uint8)
    source = np.zeros((height, width), np.uint8)
    edited = source.copy()
    y, x = (height - side) // 2, (width - side) // 2
    image[y : y + side, x : x + side] = face.image
    source[y : y + side, x : x + side] = face.label
    edited[y : y + side, x : x + side] = face.edited_label
    return {"image": image, "source_mask": source, "edited_mask": edited}


def median_seconds(runs: int, *contenders) -> list[float]:
    """Median seconds of each callable, their runs interleaved so that load from other processes hits all alike."""
    for run in contenders:
        run()  # warm-up: lazy initialisation and allocator growth stay outside the timing
    times = [[] for _ in contenders]
    for _ in range(runs):
        for run, series in zip(contenders, times):
            start = time.perf_counter()
            run()
            series.append(time.perf_counter() - start)
    return [statistics.median(series) for series in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs on the 512 photo (median reported)")
    parser.add_argument("--big-runs", type=int, default=3, help="timed runs on the 24-MP photo")
    parser.add_argument("--threads", type=int, help="CPU threads for both sides (default: torch's default)")
    args = parser.parse_args()
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # read by the daemon's torch at start
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as folder:
        measure(Path(folder), args.runs, args.big_runs)


def measure(folder: Path, runs: int, big_runs: int) -> None:
    path, described = weights(folder)
    photos = {"512x512": (photo(512, 512), runs), "6000x4000 (24 MP)": (photo(4000, 6000), big_runs)}
    fp32 = Editor.load(path, device="cpu", precision="fp32")
    bf16 = Editor.load(path, device="cpu", precision="bf16")

    rows = []
    daemon = DaemonProcess(folder / "daemon", path).start()
    try:
        with Client(daemon.endpoint, timeout=600) as client:
            for name, (arrays, count) in photos.items():
                local, remote = median_seconds(
                    count, lambda a=arrays: fp32.edit(**a), lambda a=arrays: client.call("edit", {"feather": 8}, a)
                )
                rows.append((name, local, remote))
    finally:
        daemon.stop()
    small = photos["512x512"][0]
    seconds = median_seconds(runs, lambda: fp32.edit(**small), lambda: bf16.edit(**small))
    precisions = list(zip(("fp32", "bf16"), seconds))

    print(f"CPU, {torch.get_num_threads()} torch threads, {described}; median wall-clock seconds\n")
    print("| photo | in-process Editor.edit | through the daemon | daemon overhead |")
    print("|---|---:|---:|---:|")
    for name, local, remote in rows:
        print(f"| {name} | {local:.3f} | {remote:.3f} | {remote - local:+.3f} ({remote / local:.2f}x) |")
    print("\n| precision (512x512, in-process) | seconds | vs fp32 |")
    print("|---|---:|---:|")
    for name, seconds in precisions:
        print(f"| {name} | {seconds:.3f} | {seconds / precisions[0][1]:.2f}x |")


if __name__ == "__main__":
    main()
