"""`maskgan bench`: how long the generator takes per image here, at a chosen size, batch and precision."""

from __future__ import annotations

import json
from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import device_option, precision_option, ranged


def add_commands(subparsers) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="time the generator on this machine (median seconds per image)",
        description="Times the generator's forward as the editor runs it (device, precision fast path) on random "
        "masks and photos. Without --weights, random weights of a configuration: 'official' is the official demo's "
        "generator (89.7 M parameters), 'demo' the shipped demo weights' own; speed does not depend on the values.",
    )
    bench.add_argument("--size", type=ranged(16, 4096), default=512, help="side of the square input (default 512)")
    bench.add_argument("--batch", type=ranged(1, 64), default=1, help="images per forward (default 1)")
    model = bench.add_mutually_exclusive_group()
    model.add_argument(
        "--config",
        choices=["official", "demo"],
        default=None,
        help="random weights of this configuration (default official)",
    )
    model.add_argument("--weights", type=Path, help="a weights bundle instead")
    precision_option(bench)
    device_option(bench)
    bench.add_argument("--runs", type=ranged(1, 1000), default=5, help="timed forwards after a first one (default 5)")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench.set_defaults(func=_bench)


def _bench(args) -> int:
    from maskgan.eval.speed import generator_for, time_generator

    try:
        generator, name = generator_for(args.config or "official", args.weights)
        result = time_generator(
            generator,
            name,
            size=args.size,
            batch=args.batch,
            device=args.device,
            precision=args.precision,
            runs=args.runs,
        )
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(
            f"{result.config} generator ({result.parameters:,} parameters), {result.size}x{result.size}, batch "
            f"{result.batch}, {result.device} {result.precision}, {result.threads} threads: {result.median_s:.3f} s "
            f"per image (median of {len(result.runs_s)}; the first took {result.first_s:.3f} s); peak memory "
            f"{result.peak_rss_mb:,.0f} MB"
        )
    return 0
