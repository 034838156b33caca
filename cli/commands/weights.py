"""`maskgan weights ...`: import official checkpoints, list and choose installed weights, inspect bundles.

Imported weights go to the user's weights folder unless an output path is given;
`use` records the daemon's default weights or parser in the settings file
(maskgan.user_config), which `maskgan daemon start` reads.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from maskgan_cli.errors import CommandError


def add_commands(subparsers) -> None:
    weights = subparsers.add_parser("weights", help="import official checkpoints and inspect weights")
    sub = weights.add_subparsers(dest="weights_command", metavar="WEIGHTS_COMMAND", required=True)

    imp = sub.add_parser(
        "import-official",
        help="convert the official demo generator (latest_net_G.pth) into a safetensors bundle",
    )
    imp.add_argument("source", type=Path, help="official checkpoint, e.g. checkpoints/label2face_512p/latest_net_G.pth")
    _add_output_options(imp, "official")
    imp.set_defaults(func=_import_official)

    parser_import = sub.add_parser(
        "import-official-parser",
        help="convert the official CelebAMask-HQ face_parsing UNet (model.pth) into a parser bundle",
    )
    parser_import.add_argument(
        "source", type=Path, help="official checkpoint, e.g. face_parsing/models/parsenet/model.pth"
    )
    _add_output_options(parser_import, "official-parser")
    parser_import.set_defaults(func=_import_official_parser)

    listing = sub.add_parser("list", help="the weights and face parsers installed, and which the daemon uses")
    listing.add_argument("--json", action="store_true", help="print one JSON object (for editor plug-ins)")
    listing.set_defaults(func=_list)

    use = sub.add_parser("use", help="make the daemon load these weights (or this face parser) from its next start")
    use.add_argument(
        "choice",
        metavar="NAME|PATH",
        help="a name from `maskgan weights list` (demo, landmarks, official, ...) or a bundle's path; "
        "a parser bundle sets the face parser",
    )
    use.set_defaults(func=_use)

    info = sub.add_parser("info", help="print a bundle's model card and parameter counts")
    info.add_argument(
        "weights", type=Path, nargs="?", help="bundle (default: parameter counts of the demo configuration)"
    )
    info.set_defaults(func=_info)


def _add_output_options(command, default_name: str) -> None:
    command.add_argument(
        "output",
        type=Path,
        nargs="?",
        help="bundle to write (.safetensors; the card goes beside it as .json); default: "
        "NAME.safetensors in the user's weights folder",
    )
    command.add_argument(
        "--name",
        default=default_name,
        help=f"name in the weights folder when no output is given (default {default_name})",
    )
    command.add_argument("--use", action="store_true", help="and make the daemon use it from its next start")


def _run_import(importer: str, args) -> dict:
    """Run maskgan.official_import.<importer>(source, output); its refusals become one-line CommandErrors.
    Without an output, the bundle goes to the weights folder as NAME.safetensors."""
    from maskgan import official_import
    from maskgan.infer.weights_path import DEMO, LANDMARKS
    from maskgan.user_config import weights_dir

    if args.output is None:
        if not args.name or "/" in args.name or "\\" in args.name or args.name.startswith("."):
            raise CommandError(f"--name must be a plain file name, got {args.name!r}")
        if args.name in (DEMO, LANDMARKS):
            raise CommandError(f"--name {args.name} is the built-in {args.name}'s; choose another name")
        weights_dir().mkdir(parents=True, exist_ok=True)
        args.output = weights_dir() / f"{args.name}.safetensors"
    if args.output.suffix != ".safetensors":
        raise CommandError(f"the output must end in .safetensors, got {args.output.name}")

    def progress(done: int, total: int, message: str) -> None:
        # one plain line per step: editors' plug-ins read them from the pipe to show progress
        print(f"step {done + 1}/{total}: {message}", file=sys.stderr, flush=True)

    try:
        card = getattr(official_import, importer)(args.source, args.output, progress=progress)
    except official_import.OfficialImportError as error:
        raise CommandError(str(error)) from error
    return card


def _use_imported(args) -> None:
    """After an import with --use: the new bundle becomes the daemon's (by name when it is in the weights folder)."""
    from maskgan.user_config import weights_dir

    if args.use:
        _record_choice(args.output.stem if args.output.parent == weights_dir() else str(args.output.resolve()))


def _import_official(args) -> int:
    card = _run_import("import_official", args)
    config = card["networks"]["generator"]["config"]
    print(
        f"imported {args.source} -> {args.output} (ngf={config['ngf']}, n_downsample={config['n_downsample']}, "
        f"n_blocks={config['n_blocks']}, {card['networks']['generator']['parameters']:,} parameters)"
    )
    _use_imported(args)
    return 0


def _import_official_parser(args) -> int:
    card = _run_import("import_official_parser", args)
    entry = card["networks"]["parser"]
    print(
        f"imported {args.source} -> {args.output} (base channels {entry['config']['base_channels']}, "
        f"{entry['parameters']:,} parameters)" + ("" if args.use else f"; use it with --parser-weights {args.output}")
    )
    _use_imported(args)
    return 0


def in_use() -> dict[str, str]:
    """{"weights": name or path, "parser_weights": ...}: what the settings file chose, else the defaults."""
    from maskgan.infer.weights_path import DEMO, LANDMARKS
    from maskgan.user_config import ConfigError, read_daemon_settings

    try:
        settings = read_daemon_settings()
    except ConfigError as error:
        raise CommandError(str(error)) from error
    return {"weights": settings.get("weights", DEMO), "parser_weights": settings.get("parser_weights", LANDMARKS)}


def _record_choice(choice: str) -> None:
    """Write ``choice`` into the settings file as the daemon's weights or parser, by the bundle's kind."""
    from maskgan.infer.weights_path import PARSER, bundle_kind, installed, resolve
    from maskgan.user_config import ConfigError, write_daemon_setting
    from maskgan.weights import WeightsError, read_card

    kinds = {entry.kind for entry in installed() if entry.name == choice}
    if not kinds:  # a path: its card says its kind
        try:
            kinds = {bundle_kind(read_card(Path(choice).expanduser()))}
        except (WeightsError, OSError) as error:
            raise CommandError(
                f"cannot use {choice}: not a name from `maskgan weights list`, nor a bundle ({error})"
            ) from None
    kind = kinds.pop()
    try:
        entry = resolve(choice, kind)
        key = "parser_weights" if kind == PARSER else "weights"
        value = entry.name if entry.path is None or entry.name == choice else str(entry.path)
        path = write_daemon_setting(key, value)
    except (ValueError, ConfigError, OSError) as error:
        raise CommandError(str(error)) from error
    print(
        f"the daemon will use {entry.name} ({entry.card.get('name', 'the landmark parser')}) as its {kind} "
        f"from its next start (written to {path}; restart a running daemon: `maskgan daemon stop`, then start)"
    )


def _use(args) -> int:
    _record_choice(args.choice)
    return 0


def _list(args) -> int:
    from maskgan.infer.align import trained_on_celebahq_crops
    from maskgan.infer.weights_path import EDITING, PARSER, installed, resolve
    from maskgan.user_config import config_path, weights_dir

    chosen = in_use()
    entries = installed()
    for key, kind in (("weights", EDITING), ("parser_weights", PARSER)):
        if not any(entry.name == chosen[key] for entry in entries):  # a path outside the folder
            try:
                entries.append(resolve(chosen[key], kind))
            except ValueError as error:
                print(
                    f"warning: the settings file chooses {chosen[key]!r} as {kind}, which cannot be used: {error}",
                    file=sys.stderr,
                )
    rows = []
    for entry in entries:
        key = "parser_weights" if entry.kind == PARSER else "weights"
        used = chosen[key] in (entry.name, str(entry.path))
        rows.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "path": str(entry.path) if entry.path else None,
                "title": entry.card.get("name", "landmark parser (parsing extra)" if entry.path is None else ""),
                "training_data": entry.card.get("training_data"),
                "problem": entry.card.get("problem"),
                "aligned": entry.kind == EDITING and trained_on_celebahq_crops(entry.card),
                "in_use": used,
            }
        )
    if args.json:
        print(json.dumps({"settings": str(config_path()), "folder": str(weights_dir()), "weights": rows}))
        return 0
    for kind, option in ((EDITING, "--weights"), (PARSER, "--parser-weights")):
        print(f"{kind} (the daemon's {option}; * = in use):")
        for row in (r for r in rows if r["kind"] == kind):
            what = row["problem"] or row["title"] + (" [faces aligned as CelebA-HQ]" if row["aligned"] else "")
            print(f"  {'*' if row['in_use'] else ' '} {row['name']:16s} {what}")
    print(f"settings: {config_path()}\nweights folder: {weights_dir()}")
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
