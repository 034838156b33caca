"""The official generator's own code (float32 eager) against ours through `Editor.edit`, same weights, 512 px.

The official code is not part of this repository: pass the path of
``MaskGAN_demo/models/networks.py`` from switchablenorms/CelebAMask-HQ. It is
imported as it is (its module-level ``from torchvision import models`` is only for
the VGG loss; a stand-in module is given when torchvision is not installed). The
weights are the official demo's size (ngf 64, 4 downsamplings, 4 residual blocks,
89.7 M parameters), random (seeded) unless ``--checkpoint latest_net_G.pth``: speed
does not depend on their values. The same tensors go through our import
(``official_to_ours``) into an Editor whose card says CelebAMask-HQ, so the edit
runs the product's whole path: the CelebA-HQ alignment (landmarks from the face
mesh when the parsing extra is installed), the crop, the generator at the chosen
precision, the paste-back.

Official: one forward of a batch of one 512x512 image, as the demo runs it.
Ours: one `Editor.edit` of the astronaut photo (512x512) with a wider mouth.
Each is run once to warm up, then ``--runs`` times; the median is printed.

  .venv/bin/python benchmarks/bench_official_speed.py --official-code /path/to/MaskGAN_demo/models/networks.py
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch


def load_official_module(path: Path):
    try:
        import torchvision  # noqa: F401
    except ImportError:  # only the VGG loss uses it
        stand_in = types.ModuleType("torchvision")
        stand_in.models = types.SimpleNamespace()
        sys.modules["torchvision"] = stand_in
    spec = importlib.util.spec_from_file_location("official_networks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def official_generator(module, checkpoint: Path | None):
    import contextlib
    import io

    torch.manual_seed(0)
    with contextlib.redirect_stdout(io.StringIO()):  # define_G prints the whole network
        generator = module.define_G(19, 3, 64, "global", 4, 4, 1, 3, "instance")
    if checkpoint:
        from maskgan.official_import import load_official_state_dict

        generator.load_state_dict(load_official_state_dict(checkpoint))
    return generator.eval()


def timed(function, runs: int) -> float:
    function()  # warm-up
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-code", type=Path, required=True, help="MaskGAN_demo/models/networks.py")
    parser.add_argument("--checkpoint", type=Path, help="latest_net_G.pth (default: random weights of its size)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"], help="ours (default auto)")
    args = parser.parse_args()

    from maskgan.core.precision import choose_precision
    from maskgan.core.tensors import image_to_tensor
    from maskgan.data.real_photos import load_astronaut
    from maskgan.infer import Editor
    from maskgan.labels import class_index
    from maskgan.networks.generator import Generator
    from maskgan.official_import import infer_config, official_to_ours
    from maskgan.parsing.landmarks import LandmarkParser
    from maskgan.weights import Bundle

    official = official_generator(load_official_module(args.official_code), args.checkpoint)
    state = official.state_dict()
    config = infer_config(state)
    ours = Generator(config)
    ours.load_state_dict(official_to_ours(state, config))
    parameters = sum(p.numel() for p in ours.parameters())

    photo = load_astronaut()
    labels = LandmarkParser().parse(photo).labels
    edited = labels.copy()
    rows, cols = np.nonzero(np.isin(labels, [class_index("u_lip"), class_index("l_lip")]))
    around = (slice(rows.min() - 3, rows.max() + 4), slice(cols.min() - 8, cols.max() + 9))
    edited[around][labels[around] == class_index("skin")] = class_index("u_lip")

    onehot = torch.zeros(1, 19, 512, 512).scatter_(1, torch.from_numpy(labels).long()[None, None], 1.0)
    target = torch.zeros(1, 19, 512, 512).scatter_(1, torch.from_numpy(edited).long()[None, None], 1.0)
    image = image_to_tensor(photo)[None]

    def official_forward():
        with torch.no_grad():
            official(target, onehot, image)

    official_seconds = timed(official_forward, args.runs)
    bundle = Bundle(
        ours.eval(),
        None,
        None,
        {"name": "official size, random", "resolution": 512, "training_data": "CelebAMask-HQ (by the MaskGAN authors)"},
    )
    precision = choose_precision(args.precision, "cpu")
    editor = Editor(bundle, "cpu", precision)
    editor.warm_up()
    result = editor.edit(photo, labels, edited, method="generate")
    ours_seconds = timed(lambda: editor.edit(photo, labels, edited, method="generate"), args.runs)
    print(f"generator: {parameters:,} parameters; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"ours aligned: {result.alignment}")
    print("| code | precision | seconds per 512x512 image | vs official |")
    print("|---|---|---:|---:|")
    print(f"| official `GlobalGenerator` forward (eager) | fp32 | {official_seconds:.2f} | 1.00x |")
    print(
        f"| ours, `Editor.edit` (alignment, crop, generator, paste-back) | {precision} | {ours_seconds:.2f} | "
        f"{official_seconds / ours_seconds:.2f}x |"
    )


if __name__ == "__main__":
    main()
