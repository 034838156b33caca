"""Generator speed: seconds per image of the product's forward (the Editor's device and precision fast path:
style encoding, then rendering) on random masks and photos of a chosen size and batch.

Speed does not depend on the weights' values, so a configuration's random weights time it as well as
trained ones: "official" is the official demo's generator (ngf 64, 4 downsamplings, 4 residual blocks,
89.7 M parameters), "demo" the shipped demo weights' own generator. `maskgan bench` prints it;
benchmarks/ compares it with the official code.
"""

from __future__ import annotations

import resource
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from maskgan.core.precision import choose_device, choose_precision
from maskgan.infer.editor import Editor
from maskgan.labels import NUM_CLASSES, one_hot
from maskgan.networks.generator import Generator, GeneratorConfig, check_size
from maskgan.weights import Bundle, load_bundle

CONFIGS = ("official", "demo")


@dataclass
class SpeedResult:
    median_s: float  # per image
    first_s: float  # the first forward of the run (lazy initialisation included), per image
    runs_s: list[float]  # each timed forward, per image
    config: str
    parameters: int
    size: int
    batch: int
    device: str
    precision: str
    threads: int
    peak_rss_mb: float  # the process's peak resident memory so far

    def as_dict(self) -> dict:
        return asdict(self)


def generator_for(config: str | None = None, weights: Path | None = None) -> tuple[Generator, str]:
    """(generator, its name): a bundle's, or random weights of a named configuration (seeded)."""
    if weights is not None:
        return load_bundle(weights).generator, str(weights)
    if config not in CONFIGS:
        raise ValueError(f"unknown configuration {config!r}; choose one of {', '.join(CONFIGS)}, or give weights")
    if config == "demo":
        from maskgan.infer.weights_path import DEFAULT_WEIGHTS

        shape = load_bundle(DEFAULT_WEIGHTS).generator.config
    else:
        shape = GeneratorConfig()
    torch.manual_seed(0)
    return Generator(shape), config


def time_generator(
    generator: Generator,
    name: str,
    *,
    size: int = 512,
    batch: int = 1,
    device: str = "auto",
    precision: str = "auto",
    runs: int = 5,
) -> SpeedResult:
    """Time ``runs`` forwards of ``batch`` random size x size masks and photos after one untimed first forward.

    Every forward encodes the style too (as the first edit of a photo does). The Editor casts ``generator`` in
    place to the precision's dtype and layout: give another precision its own copy.
    """
    if size < 1 or batch < 1 or runs < 1:
        raise ValueError(f"size, batch and runs must be at least 1, got {size}, {batch}, {runs}")
    check_size(size, size, generator.config.n_downsample)
    device = choose_device(device)
    editor = Editor(
        Bundle(generator, None, None, {"name": name, "resolution": size}), device, choose_precision(precision, device)
    )
    generator_seed = torch.Generator().manual_seed(0)
    labels = one_hot(torch.randint(0, NUM_CLASSES, (batch, size, size), generator=generator_seed))
    sources = one_hot(torch.randint(0, NUM_CLASSES, (batch, size, size), generator=generator_seed))
    photos = torch.rand(batch, 3, size, size, generator=generator_seed) * 2 - 1

    def forward() -> float:
        start = time.perf_counter()
        editor.run_generator(labels, sources, photos)
        if device == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / batch

    first = forward()
    seconds = [forward() for _ in range(runs)]
    return SpeedResult(
        median_s=statistics.median(seconds),
        first_s=first,
        runs_s=seconds,
        config=name,
        parameters=sum(p.numel() for p in generator.parameters()),
        size=size,
        batch=batch,
        device=device,
        precision=editor.precision,
        threads=torch.get_num_threads(),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
