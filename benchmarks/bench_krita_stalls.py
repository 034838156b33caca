"""Where Krita's event loop stalls on a large photo: the plug-in's Parse face and Apply edit, and Krita's own calls.

Starts real Krita under Xvfb (as tests/in_krita does: the project's installer into a
copy of a warm profile, a daemon with the embedded demo weights and the learned parser)
on a photo of --size (the demo sample enlarged into it), and runs a scenario of
benchmarks/krita_stalls/:

* ``actions``: presses Parse face on the photo alone, then Parse face and Apply edit --runs
  times each (masks imported first), with a 5 ms QTimer heartbeat; prints each action's longest gap between ticks and, for every gap over
  0.1 s, the plug-in's steps (steps.Steps) and Krita calls (Node/Document methods,
  timed by wrapping them) that ran during it;
* ``calls``: times Krita's own Node.addChildNode (an empty layer, a face-sized one, a
  group filled outside the document, a hidden group), Krita's own Layer > New > Add Paint
  Layer action, a layer put into a group with setChildNodes (no undo entry) and shown with
  setBlendingMode, Node.remove, setBlendingMode and Document.refreshProjection on that
  document, each with the longest heartbeat gap it caused (the call and the redraw after it).

``--canvas qpainter`` starts Krita with its OpenGL canvas off (kritadisplayrc
``OpenGLRenderer=none``); under Xvfb the default OpenGL canvas runs on Mesa's software
renderer (llvmpipe), where uploading a redrawn image's textures is what stalls.

  .venv/bin/python benchmarks/bench_krita_stalls.py [--scenario actions|calls]
      [--size 4000x6000] [--runs 3] [--canvas opengl|qpainter]

Wall-clock figures from a shared machine: compare runs made at the same time, and
read the load (printed) alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = Path(__file__).parent / "krita_stalls"
sys.path[:0] = [str(ROOT / "tests" / "in_krita"), str(ROOT / "tests")]


def enlarged(array, size, fill=0):
    """The demo sample's ``array`` enlarged (as large as the learned parser still finds the face) into a ``size``
    canvas, centred."""
    scale = max(1, round(min(size) * 1.5 / 1000))
    big = np.kron(array, np.ones((scale, scale) + (1,) * (array.ndim - 2), array.dtype))
    canvas = np.full(size + array.shape[2:], fill, array.dtype)
    y, x = (size[0] - big.shape[0]) // 2, (size[1] - big.shape[1]) // 2
    canvas[y : y + big.shape[0], x : x + big.shape[1]] = big
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=("actions", "calls"), default="actions")
    parser.add_argument("--size", default="4000x6000", help="the photo's HEIGHTxWIDTH")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--canvas", choices=("opengl", "qpainter"), default="opengl", help="Krita's canvas")
    options = parser.parse_args()
    size = tuple(int(v) for v in options.size.split("x"))

    from daemon_process import DaemonProcess
    from krita_runner import build_template_profile, krita_available, run_scenario

    from maskgan.infer.demo_samples import load_demo_sample
    from maskgan.infer.weights_path import DEFAULT_WEIGHTS
    from maskgan_installer.krita_install import InstallPlan, install
    from maskgan_installer.krita_paths import KritaLocation, current_python_version, wheel_platform_tags
    from maskgan_installer.vendor import download_wheels

    if not krita_available():
        sys.exit("needs Krita 5 and xvfb-run (apt-get install krita xvfb)")
    root = Path(tempfile.mkdtemp(prefix="krita-stalls-"))
    (root / "wheels").mkdir()
    download_wheels(root / "wheels", current_python_version(), wheel_platform_tags())
    profile = build_template_profile(root / "template").copy_to(root / "profile")
    location = KritaLocation(profile.data / "krita", profile.kritarc)
    install(InstallPlan(location, current_python_version(), wheel_platform_tags(), wheels=root / "wheels"))
    if options.canvas == "qpainter":
        display = profile.config / "kritadisplayrc"
        display.write_text("[General]\nOpenGLRenderer=none\n" + (display.read_text() if display.exists() else ""))
    inputs = root / "inputs"
    inputs.mkdir()
    sample = load_demo_sample()
    np.save(inputs / "large_photo.npy", enlarged(sample.image, size, 90))
    np.save(inputs / "large_source.npy", enlarged(sample.source_mask, size))
    np.save(inputs / "large_edited.npy", enlarged(sample.edited_mask, size))
    daemon = DaemonProcess(root / "daemon", DEFAULT_WEIGHTS, parser_args=("--parser", "learned")).start()
    try:
        with open(profile.kritarc, "a") as rc:
            rc.write(f"\n[MaskGAN]\nendpoint={daemon.endpoint}\n")
        os.environ.update(
            MASKGAN_TEST_INPUTS=str(inputs),
            MASKGAN_STALL_RUNS=str(options.runs),
            MASKGAN_STALL_SCENARIOS=str(ROOT / "tests" / "in_krita" / "scenarios"),
        )
        result = run_scenario(profile, SCENARIOS / f"{options.scenario}.py", timeout=900)
    finally:
        daemon.stop()
    if result["errors"] or not all(check["ok"] for check in result["checks"].values()):
        sys.exit(json.dumps(result, indent=1)[:4000])
    print(
        f"{options.size} photo, {result['values']['canvas']} canvas; load average {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores"
    )
    for line in result["values"]["report"]:
        print(line)


if __name__ == "__main__":
    main()
