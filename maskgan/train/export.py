"""A trained run -> the weights bundle the product loads, with its model card."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from maskgan.weights import save_bundle


def _last_metrics(run_dir: Path) -> dict:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return {}
    lines = path.read_text().splitlines()
    return json.loads(lines[-1]) if lines else {}


def export_bundle(trainer, output: Path, command: str) -> dict:
    config = trainer.config
    last = _last_metrics(trainer.run_dir)
    card = {
        "name": f"maskgan synthetic-world model ({config.data.size}px, ngf {config.model.generator.ngf})",
        "resolution": config.data.size,
        "training_data": config.data.spec,
        "steps": trainer.step,
        "train_seconds": last.get("seconds"),
        "final_losses": {k: v for k, v in last.items() if k not in ("step", "seconds")},
        "command": command,
        "train_config": {section: asdict(getattr(config, section)) for section in ("data", "loss", "optim", "run")},
    }
    return save_bundle(Path(output), {"generator": trainer.generator.eval()}, card)
