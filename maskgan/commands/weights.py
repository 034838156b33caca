"""`maskgan weights ...`: import official checkpoints, inspect bundles."""

from __future__ import annotations

import json
from pathlib import Path

from maskgan.cli import CommandError


def add_commands(subparsers) -> None:
    weights = subparsers.add_parser("weights", help="import official checkpoints and inspect weights")
    sub = weights.add_subparsers(dest="weights_command", metavar="WEIGHTS_COMMAND", required=True)

    imp = sub.add_parser(
        "import-official",
        help="convert the official demo generator (latest_net_G.pth) into a safetensors bundle",
    )
    imp.add_argument("source", type=Path, help="official checkpoint, e.g. checkpoints/label2face_512p/latest_net_G.pth")
    imp.add_argument("output", type=Path, help="bundle to write (.safetensors; the card goes beside it as .json)")
    imp.set_defaults(func=_import_official)

    parser_import = sub.add_parser(
        "import-official-parser",
        help="convert the official CelebAMask-HQ face_parsing UNet (model.pth) into a parser bundle",
    )
    parser_import.add_argument("source", type=Path, help="official checkpoint, e.g. face_parsing/models/parsenet/model.pth")
    parser_import.add_argument("output", type=Path, help="bundle to write (.safetensors; the card goes beside it as .json)")
    parser_import.set_defaults(func=_import_official_parser)

    info = sub.add_parser("info", help="print a bundle's model card and parameter counts")
    info.add_argument("weights", type=Path, nargs="?", help="bundle (default: parameter counts of the demo configuration)")
    info.set_defaults(func=_info)


def _run_import(importer: str, args) -> dict:
    """Run maskgan.official_import.<importer>(source, output); its refusals become one-line CommandErrors."""
    from maskgan import official_import

    if args.output.suffix != ".safetensors":
        raise CommandError(f"the output must end in .safetensors, got {args.output.name}")
    try:
        return getattr(official_import, importer)(args.source, args.output)
    except official_import.OfficialImportError as error:
        raise CommandError(str(error)) from error


def _import_official(args) -> int:
    card = _run_import("import_official", args)
    config = card["networks"]["generator"]["config"]
    print(
        f"imported {args.source} -> {args.output} (ngf={config['ngf']}, n_downsample={config['n_downsample']}, "
        f"n_blocks={config['n_blocks']}, {card['networks']['generator']['parameters']:,} parameters)"
    )
    return 0


def _import_official_parser(args) -> int:
    card = _run_import("import_official_parser", args)
    entry = card["networks"]["parser"]
    print(f"imported {args.source} -> {args.output} (base channels {entry['config']['base_channels']}, "
          f"{entry['parameters']:,} parameters); use it with --parser-weights {args.output}")
    return 0


def demo_configuration_counts() -> dict[str, int]:
    """Parameter counts of every network in the demo configuration (default configs, built on the meta device)."""
    import importlib

    import torch

    from maskgan.weights import NETWORKS, PARSER

    members = {
        **{name: spec for name, spec in NETWORKS.items() if name != PARSER},  # the face parser is no part of MaskGAN
        "discriminator": ("maskgan.networks.discriminator", "MultiscaleDiscriminator", "DiscriminatorConfig"),
    }
    counts = {}
    with torch.device("meta"):
        for name, (module, network, config) in members.items():
            module = importlib.import_module(module)
            counts[name] = sum(p.numel() for p in getattr(module, network)(getattr(module, config)()).parameters())
    return counts


def _info(args) -> int:
    from maskgan.weights import WeightsError, read_card

    if args.weights is None:
        print("parameter counts, demo configuration:")
        for label, count in demo_configuration_counts().items():
            print(f"  {label:14s} {count:>12,}")
        return 0
    try:
        card = read_card(args.weights)
    except WeightsError as error:
        raise CommandError(str(error)) from error
    print(json.dumps({k: v for k, v in card.items() if k != "networks"}, indent=2))
    for name, entry in card["networks"].items():
        print(f"{name}: {entry['parameters']:,} parameters, config {json.dumps(entry['config'])}")
    return 0
