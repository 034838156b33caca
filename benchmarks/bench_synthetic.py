"""Throughput of the synthetic face world on one core.

Prints samples/s for each stage and for a full training sample (with its edit and
the edit's ground-truth render), in wall-clock time and in CPU time of this
process (CPU time is what to compare on a shared, busy machine).

  .venv/bin/python benchmarks/bench_synthetic.py [--size 256] [--count 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from maskgan.data.synthetic import render, sample, sample_layout, sample_streams, sample_style, simulate_user_edit


def measure(name: str, run, count: int, repeats: int) -> None:
    """Best of ``repeats`` rounds: other processes on a shared machine only ever slow a round down."""
    run(0)  # fill per-size caches (coordinate grids, noise tiles) outside the timing
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            run(i)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(
        f"{name:<28} {count / best_wall:8.1f} samples/s wall  {count / best_cpu:8.1f} samples/s cpu  "
        f"({1e3 * best_cpu / count:.2f} ms cpu each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--count", type=int, default=200, help="samples per round")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the best is reported")
    args = parser.parse_args()
    size, count, repeats = args.size, args.count, args.repeats
    streams = [sample_streams(seed) for seed in range(count)]
    layouts = [sample_layout(s[0], size) for s in streams]
    styles = [sample_style(s[1]) for s in streams]

    print(f"synthetic world at {size}x{size}, best of {repeats} rounds of {count} samples, one process")
    measure("layout", lambda i: sample_layout(sample_streams(i)[0], size), count, repeats)
    measure("style", lambda i: sample_style(sample_streams(i)[1]), count, repeats)
    measure("render", lambda i: render(layouts[i], styles[i]), count, repeats)
    measure("edit", lambda i: simulate_user_edit(layouts[i], np.random.default_rng(i)), count, repeats)

    def layout_style_render(i):
        layout_rng, style_rng, _ = sample_streams(i)
        render(sample_layout(layout_rng, size), sample_style(style_rng))

    measure("layout + style + render", layout_style_render, count, repeats)
    measure("sample() with edit + truth", lambda i: sample(i, size), count, repeats)


if __name__ == "__main__":
    main()
