"""`maskgan batch MANIFEST`: run many edits through the daemon, with progress, a report and resume."""

from __future__ import annotations

import sys
from pathlib import Path

from maskgan_cli.errors import CommandError
from maskgan_cli.options import protocol_option, ranged
from maskgan_client.protocol import FEATHER, METHOD

HELLO_TIMEOUT = 3.0  # seconds to wait for the daemon before saying it is not running


def add_commands(subparsers) -> None:
    batch = subparsers.add_parser(
        "batch",
        help="run the edits of a manifest (CSV, JSON or a folder) through the daemon",
        description="Rows of a CSV/JSON manifest: image, mask, edited_mask, op (edit | style_copy with "
        f"reference_image, reference_mask), output, method ({' | '.join(METHOD.choices)}). A folder manifest holds "
        "NAME.png, NAME.mask.png and NAME.edited.png. Finished items are kept: rerun the same command to resume.",
    )
    batch.add_argument("manifest", type=Path, help="a .csv or .json manifest, or a folder")
    batch.add_argument("--output", type=Path, help="output folder (default: 'edited' beside the manifest)")
    batch.add_argument("--endpoint", help="daemon endpoint (default: discovered)")
    protocol_option(batch, "--feather", FEATHER, "edge feather in pixels")
    protocol_option(
        batch,
        "--method",
        METHOD,
        "how edits make their regions, unless a manifest row's 'method' says "
        "otherwise (see `maskgan edit --method`; default auto: the photo's own pixels first)",
    )
    batch.add_argument(
        "--in-flight",
        type=ranged(1, 64),
        default=4,
        help="requests kept at the daemon at once, so that it can batch them (default 4)",
    )
    batch.set_defaults(func=_batch)


def _batch(args) -> int:
    from maskgan_cli.batch_runner import ManifestError, Runner, Status, default_output_dir, read_manifest, write_report
    from maskgan_client import Client, DaemonError, DaemonUnavailable

    output_dir = (args.output or default_output_dir(args.manifest)).resolve()
    try:
        items = read_manifest(args.manifest, output_dir, args.method)
    except ManifestError as error:
        raise CommandError(str(error)) from error
    with Client(args.endpoint) as client:
        try:
            client.hello(timeout=HELLO_TIMEOUT)
        except DaemonUnavailable:
            raise CommandError(
                f"no MaskGAN daemon is running at {client.endpoint}; start one with "
                "`maskgan daemon start --detach` (or pass --endpoint)"
            ) from None
        except DaemonError as error:
            raise CommandError(f"the daemon at {client.endpoint} refused to talk: {error}") from error
        result = Runner(client, output_dir, feather=args.feather, in_flight=args.in_flight).run(items)
    report = write_report(output_dir, result)
    for outcome in result.outcomes:
        if outcome.status is Status.FAILED:
            print(f"failed: item {outcome.item.number} ({outcome.item.name}): {outcome.reason}", file=sys.stderr)
    print(f"{result.summary()}; report: {report}")
    if result.aborted:
        raise CommandError(f"{result.aborted}; finished items are kept, run the same command again to resume")
    return 0 if result.count(Status.FAILED) == 0 else 1
