"""Where the generator's time goes: a torch.profiler table by layer, and GFLOP/s against the CPU's peak.

  .venv/bin/python benchmarks/profile_generator.py [--size 512] [--precision fp32 bf16] [--runs 3] [--top 25]

The official-size generator (random weights; speed does not depend on their values), batch 1, through the
Editor's fast path (maskgan.core.precision, the weights as the Editor keeps them). For each precision: the
profiler's operator table grouped by input shape (each convolution of the network has its own shape), each
row's share of the time and its achieved GFLOP/s (the profiler's FLOP count of convolutions / its time), and
the whole forward's GFLOP/s. The peak comes from `peak_gflops`: cores x clock x FLOP per cycle per core.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from maskgan.eval.speed import generator_for
from maskgan.infer.editor import Editor
from maskgan.labels import NUM_CLASSES, one_hot
from maskgan.weights import Bundle

# FLOP per cycle per core of the fused multiply-adds one core can issue: fp32 FMA lanes x 2 (multiply and add)
# x FMA pipes; AVX512_BF16's dot product (vdpbf16ps) does two bf16 products per fp32 lane.
FMA_WIDTH_BITS = {"avx512f": 512, "avx2": 256}


def cpu_facts() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""

    def field(name: str) -> str:
        match = re.search(rf"^{name}\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
        return match.group(1) if match else ""

    return {
        "model": field("model name"),
        "family": field("cpu family"),
        "mhz": float(field("cpu MHz") or 0),
        "flags": set(field("flags").split()),
        "cores": os.cpu_count(),
    }


def peak_gflops(facts: dict) -> dict:
    """Theoretical fp32 and bf16 peak GFLOP/s and how they were derived.

    AMD Zen 4 (family 25, i.e. 0x19, with AVX-512) executes 512-bit instructions in two 256-bit halves on its
    two FMA pipes: 16 fp32 FMAs per cycle = 32 FLOP; vdpbf16ps doubles that (64). Intel cores with two
    512-bit FMA units do twice as many; AMX is not counted (this script only derives what it can tell).
    """
    flags = facts["flags"]
    zen = facts["family"] in ("25", "26") and "avx512f" in flags
    if "avx512f" in flags and not zen:
        fp32_lanes_per_cycle, derivation = 2 * 16, "two 512-bit FMA units"
    elif "avx2" in flags or zen:
        fp32_lanes_per_cycle = 2 * 8
        derivation = "AMD Zen 4: two 256-bit FMA pipes, AVX-512 double-pumped" if zen else "two 256-bit FMA units"
    else:
        fp32_lanes_per_cycle, derivation = 4, "SSE"
    fp32_per_cycle = 2 * fp32_lanes_per_cycle
    bf16_per_cycle = 2 * fp32_per_cycle if "avx512_bf16" in flags else fp32_per_cycle
    ghz = facts["mhz"] / 1000
    return {
        "ghz": ghz,
        "derivation": f"{derivation}: {fp32_lanes_per_cycle} fp32 FMAs per cycle, 2 FLOP each; the clock as "
        "/proc/cpuinfo gives it (boost not counted)",
        "fp32_flop_per_cycle_per_core": fp32_per_cycle,
        "bf16_flop_per_cycle_per_core": bf16_per_cycle,
        "fp32": facts["cores"] * ghz * fp32_per_cycle,
        "bf16": facts["cores"] * ghz * bf16_per_cycle,
    }


def measured_gemm_gflops(dtype: torch.dtype, n: int = 2048, runs: int = 5) -> float:
    """The best GFLOP/s of an n x n x n matrix product: what this machine's BLAS/oneDNN reaches in practice."""
    import time

    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    best = min(_timed(time, lambda: a @ b) for _ in range(runs))
    return 2 * n**3 / best / 1e9


def _timed(time, function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def forward_gflop(size: int = 512) -> float:
    """GFLOP of one official-size forward (batch 1) at size x size, by torch's FLOP counter (convolutions)."""
    from torch.utils.flop_counter import FlopCounterMode

    generator, _ = generator_for("official")
    labels = torch.zeros(1, NUM_CLASSES, size, size)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        generator(labels, labels, torch.zeros(1, 3, size, size))
    return counter.get_total_flops() / 1e9


def profile_forward(precision: str, size: int, runs: int):
    generator, _ = generator_for("official")
    editor = Editor(Bundle(generator, None, None, {"name": "official", "resolution": size}), "cpu", precision)
    seeded = torch.Generator().manual_seed(0)
    labels = one_hot(torch.randint(0, NUM_CLASSES, (1, size, size), generator=seeded))
    photo = torch.rand(1, 3, size, size, generator=seeded) * 2 - 1
    editor.run_generator(labels, labels, photo)  # warm-up: oneDNN primitives, weight casts
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, with_flops=True) as prof:
        for _ in range(runs):
            editor.run_generator(labels, labels, photo)
    return prof


def table(prof, runs: int, top: int) -> tuple[str, float]:
    """(markdown tables, seconds per forward) from the profiler's times."""
    rows = [e for e in prof.key_averages(group_by_input_shape=True) if e.self_cpu_time_total > 0]
    total_us = sum(e.self_cpu_time_total for e in rows)
    # the profiler counts FLOPs of aten::conv2d (not of transposed convolutions): their inclusive time is the layer's
    flop_rows = [e for e in prof.key_averages(group_by_input_shape=True) if e.flops]
    lines = ["| convolution | input shapes | ms per forward | share | GFLOP/s |", "|---|---|---:|---:|---:|"]
    for e in sorted(flop_rows, key=lambda e: -e.cpu_time_total)[:top]:
        shapes = ", ".join(str(tuple(s)) for s in e.input_shapes[:2] if s)
        lines.append(
            f"| {e.key} | {shapes} | {e.cpu_time_total / 1e3 / runs:.1f} | {e.cpu_time_total / total_us:.0%} | "
            f"{e.flops / (e.cpu_time_total / 1e6) / 1e9:.0f} |"
        )
    by_op: dict[str, float] = {}
    for e in rows:
        by_op[e.key] = by_op.get(e.key, 0) + e.self_cpu_time_total
    lines += ["", "| operator (self time, all shapes) | ms per forward | share |", "|---|---:|---:|"]
    for key, us in sorted(by_op.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"| {key} | {us / 1e3 / runs:.1f} | {us / total_us:.0%} |")
    return "\n".join(lines), total_us / 1e6 / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    facts = cpu_facts()
    peak = peak_gflops(facts)
    gflop = forward_gflop(args.size)
    print(
        f"CPU: {facts['model']}, {facts['cores']} cores at {peak['ghz']:.2f} GHz (/proc/cpuinfo); torch "
        f"{torch.__version__}, {torch.get_num_threads()} threads"
    )
    for precision in args.precision:
        gemm = measured_gemm_gflops(torch.float32 if precision == "fp32" else torch.bfloat16)
        prof = profile_forward(precision, args.size, args.runs)
        text, seconds = table(prof, args.runs, args.top)
        per_cycle = peak[f"{precision}_flop_per_cycle_per_core"]
        print(f"\n## {precision}, {args.size}x{args.size}, batch 1\n")
        print(
            f"peak {peak[precision]:.0f} GFLOP/s = {facts['cores']} cores x {peak['ghz']:.2f} GHz x {per_cycle} FLOP "
            f"per cycle ({peak['derivation']}); a 2048^3 matrix product reaches {gemm:.0f} GFLOP/s"
        )
        print(
            f"forward: {seconds:.3f} s (profiled), {gflop:.1f} GFLOP (FLOP counter), {gflop / seconds:.0f} GFLOP/s "
            f"= {gflop / seconds / peak[precision]:.0%} of peak\n"
        )
        print(text)


if __name__ == "__main__":
    main()
