"""Checkpoint files of a run, and the random-number state they carry.

checkpoints/step_XXXXXX.pt is a ``torch.save`` of tensors and plain Python types
only, so ``torch.load(..., weights_only=True)`` reads it (no code runs on load).
Writes go to a temporary file that is then renamed, so a crash or a full disk never
leaves half a checkpoint; ``checkpoints/latest`` (a one-line text file naming the
newest checkpoint) is replaced the same way, after the checkpoint it names exists.
Only the newest ``keep`` checkpoints stay.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from maskgan.core.atomic_files import write_atomically

FORMAT = "maskgan-train-checkpoint/1"
LATEST = "latest"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable or not ours; the message says which and where."""


def checkpoint_name(step: int) -> str:
    return f"step_{step:06d}.pt"


def save_checkpoint(folder: Path, state: dict, keep: int) -> Path:
    """Write ``state`` (must hold 'step') as folder/step_XXXXXX.pt, point ``latest`` at it, prune to ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / checkpoint_name(state["step"])
    write_atomically(path, lambda tmp: torch.save({"format": FORMAT, **state}, tmp))
    write_atomically(folder / LATEST, lambda tmp: tmp.write_text(f"{path.name}\n"))
    for old in sorted(folder.glob("step_*.pt"), key=lambda p: int(p.stem.split("_")[1]))[:-keep]:
        old.unlink()
    return path


def latest_checkpoint(folder: Path) -> Path | None:
    """The checkpoint ``latest`` names, or None when the folder has none."""
    pointer = folder / LATEST
    if not pointer.exists():
        return None
    path = folder / pointer.read_text().strip()
    if not path.exists():
        raise CheckpointError(f"{pointer} names {path.name}, which is missing")
    return path


def load_checkpoint(path: Path) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except Exception as error:  # torch raises several types for a damaged or foreign file
        raise CheckpointError(f"{path} is not a readable training checkpoint ({error})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a maskgan training checkpoint (format {FORMAT})")
    return state


def capture_rng(generator: torch.Generator, device: torch.device) -> dict:
    """Python, numpy, torch (CPU and this process's CUDA device) and the trainer's own generator."""
    numpy_state = np.random.get_state(legacy=False)
    state = {
        "python": random.getstate(),
        "numpy": {
            "bit_generator": numpy_state["bit_generator"],
            "key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
            "pos": int(numpy_state["state"]["pos"]),
            "has_gauss": int(numpy_state["has_gauss"]),
            "gauss": float(numpy_state["gauss"]),
        },
        "torch": torch.get_rng_state(),
        "trainer": generator.get_state(),
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng(state: dict, generator: torch.Generator, device: torch.device) -> None:
    random.setstate(state["python"])
    numpy_state = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": numpy_state["bit_generator"],
            "state": {"key": numpy_state["key"].numpy().astype(np.uint32), "pos": numpy_state["pos"]},
            "has_gauss": numpy_state["has_gauss"],
            "gauss": numpy_state["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    generator.set_state(state["trainer"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
