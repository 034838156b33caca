"""`maskgan eval synthetic`: the exact-ground-truth benchmark of a weights bundle (docs/benchmarks.md).

Runs the bundle's Editor on the fixed held-out set of the synthetic world, prints
the table of metrics, and with --output writes DIR/metrics.json (means, spreads,
per-kind and per-triple rows, the card's name and the command) and DIR/grid.png.
With --record the headline scores also go into the bundle's model card
(``evaluation``), so that the weights carry what they were measured at.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import device_option, precision_option


def _at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def add_commands(subparsers) -> None:
    evaluate = subparsers.add_parser("eval", help="benchmarks with exact ground truth")
    kinds = evaluate.add_subparsers(dest="eval_command", metavar="BENCHMARK", required=True)
    synthetic = kinds.add_parser(
        "synthetic",
        help="PSNR, SSIM and mask fidelity of edits on the held-out synthetic faces",
        description="Edits the held-out set of the synthetic world (test-split seeds, never trained on) with a "
        "weights bundle and scores each result against the exact ground truth of its edit.",
    )
    synthetic.add_argument("--weights", type=Path, help="weights bundle (default: the embedded demo weights)")
    synthetic.add_argument("--count", type=_at_least(1), default=500, help="triples in the held-out set (default 500)")
    synthetic.add_argument(
        "--size",
        type=_at_least(32),
        help="side of the held-out faces in pixels (default: the bundle's training resolution)",
    )
    synthetic.add_argument(
        "--parser-weights",
        type=Path,
        help="learned parser bundle for mask fidelity (default: the shipped synthetic-world parser)",
    )
    synthetic.add_argument("--output", type=Path, metavar="DIR", help="write DIR/metrics.json and DIR/grid.png")
    synthetic.add_argument(
        "--grid",
        type=_at_least(0),
        default=8,
        metavar="N",
        help="triples shown in DIR/grid.png (default 8; 0: no grid)",
    )
    synthetic.add_argument(
        "--look",
        type=int,
        default=0,
        metavar="K",
        help="draw added worn parts (glasses, hats) from built-in look K (default 0: from the "
        "photo's own style, the paper's protocol; see `maskgan edit --look`)",
    )
    synthetic.add_argument(
        "--method",
        default="generate",
        choices=["generate", "auto", "photo"],
        help="how the edit candidate makes changed regions (see `maskgan edit --method`); default "
        "generate: the generator everywhere, the paper's protocol",
    )
    synthetic.add_argument(
        "--record",
        action="store_true",
        help="also write the scores into the model card of --weights (its 'evaluation' field, "
        "under synthetic_<size>px); the tensors stay as they are",
    )
    device_option(synthetic)
    precision_option(synthetic)
    synthetic.set_defaults(func=_synthetic)


def _command_line(args, size: int) -> str:
    """The command with every choice spelled out, so that metrics.json says how to make it again."""
    parts = ["maskgan eval synthetic", f"--count {args.count}", f"--size {size}", f"--grid {args.grid}"]
    if args.look:
        parts.append(f"--look {args.look}")
    if args.method != "generate":
        parts.append(f"--method {args.method}")
    if args.weights:
        parts.insert(1, f"--weights {args.weights}")
    if args.parser_weights:
        parts.append(f"--parser-weights {args.parser_weights}")
    if args.output:
        parts.append(f"--output {args.output}")
    return " ".join(parts)


def _load(args):
    """(editor, parser) for the arguments; CommandError says what is wrong with weights or device."""
    from maskgan.core.precision import choose_device
    from maskgan.infer import Editor
    from maskgan.parsing.learned import LearnedParser

    try:
        editor = Editor.load(args.weights, device=args.device, precision=args.precision)
    except (ValueError, FileNotFoundError) as error:  # WeightsError is a ValueError
        raise CommandError(f"cannot load the weights: {error}") from error
    try:
        parser = LearnedParser.from_bundle(args.parser_weights, device=choose_device(args.device))
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(f"cannot load the parser: {error}") from error
    return editor, parser


def _record(weights: Path, key: str, entry: dict) -> None:
    """Put ``entry`` under ``evaluation[key]`` in the card of ``weights``, keeping its other evaluations."""
    from maskgan.weights import WeightsError, read_card, update_card

    try:
        evaluation = dict(read_card(weights).get("evaluation", {}), **{key: entry})
        update_card(weights, {"evaluation": evaluation})
    except (WeightsError, OSError) as error:
        raise CommandError(f"cannot record the scores in the card: {error}") from error
    print(f"recorded in the card of {weights} under evaluation.{key}")


def _synthetic(args) -> int:
    import json

    from maskgan.core.atomic_files import write_atomically
    from maskgan.eval.grid import edit_grid
    from maskgan.eval.heldout import HeldOutSet
    from maskgan.eval.metrics import edit_radius
    from maskgan.eval.report import card_entry, summary, table
    from maskgan.eval.synthetic import evaluate
    from maskgan.imageio import save_png
    from maskgan.networks.generator import check_size
    from maskgan.progress import Progress

    if args.record and args.weights is None:
        raise CommandError(
            "--record writes into the card of the bundle given with --weights; name the bundle "
            "(the embedded demo weights are part of the installed package)"
        )
    if args.record and (args.look or args.method != "generate"):
        raise CommandError(
            "--record keeps the card's scores comparable, under the paper's protocol: leave out --look and --method"
        )
    editor, parser = _load(args)
    size = args.size or editor.resolution
    try:
        check_size(size, size, editor.generator.config.n_downsample)
    except ValueError as error:
        raise CommandError(
            f"--size {size} does not suit the bundle's generator, which also runs on whole faces of that size: {error}"
        ) from error
    heldout = HeldOutSet(size, args.count)
    progress = Progress(args.count, desc="eval synthetic")
    try:
        report = evaluate(
            editor, heldout, parser.parse_batch, keep=args.grid, look=args.look, method=args.method, progress=progress
        )
    except ValueError as error:  # a look these weights lack
        raise CommandError(str(error)) from error
    finally:
        progress.close()
    print(
        f"{editor.card.get('name', 'unnamed model')} on {args.count} held-out triples at {size} px "
        f"(faces {heldout.seeds.start}..{heldout.seeds.stop - 1}), {report.seconds:.0f} s"
    )
    print(table(report.means(), report.pooled_scores()))
    result = summary(
        report,
        card=editor.card.get("name", "unnamed model"),
        weights=str(args.weights or "embedded demo weights"),
        weights_sha256=editor.card.get("tensors_sha256"),
        command=_command_line(args, size),
        parser={"name": parser.name, "tensors_sha256": parser.card.get("tensors_sha256")},
        device=editor.device,
        precision=editor.precision,
        set={
            "split": "test",
            "first_seed": heldout.seeds.start,
            "count": args.count,
            "size": size,
            "edit_radius": edit_radius(size),
        },
    )
    goal = result["targets"]["mask_fidelity_miou"]
    print(
        f"target: mask fidelity (pooled mIoU of the edit) >= {goal['target']}: measured {goal['measured']:.3f} "
        f"({'met' if goal['met'] else 'not met'}; the parser on the ground truth: {goal['ceiling']:.3f})"
    )
    if args.record:
        _record(args.weights, f"synthetic_{size}px", card_entry(result))
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        metrics = args.output / "metrics.json"
        write_atomically(metrics, lambda tmp: tmp.write_text(json.dumps(result, indent=1) + "\n"))
        written = [str(metrics)]
        if args.grid:
            save_png(args.output / "grid.png", edit_grid(report.examples))
            written.append(str(args.output / "grid.png"))
        print(f"wrote {', '.join(written)}")
    return 0
