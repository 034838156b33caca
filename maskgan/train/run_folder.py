"""The run folder's text files, shared by the MaskGAN and the parser trainers."""

from __future__ import annotations

import json
from pathlib import Path


def prepare_run_folder(run_dir: Path, config_name: str, config_text: str, command: str, step: int) -> None:
    """Create the folder, write the run's config, append the command line to commands.txt, and
    drop metrics.jsonl lines past ``step``: a run resumed from that step would log them twice."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / config_name).write_text(config_text)
    if command:
        with open(run_dir / "commands.txt", "a") as handle:
            handle.write(f"{command}\n")
    metrics = run_dir / "metrics.jsonl"
    if metrics.exists():
        kept = [line for line in metrics.read_text().splitlines() if json.loads(line)["step"] <= step]
        metrics.write_text("".join(f"{line}\n" for line in kept))
