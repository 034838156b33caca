"""Where the embedded default weights live (shipped inside the package)."""

from pathlib import Path

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "weights" / "demo.safetensors"


def default_weights_path() -> Path:
    """The embedded demo bundle; FileNotFoundError saying how to get weights when it is not there."""
    if not DEFAULT_WEIGHTS.exists():
        raise FileNotFoundError(
            f"the embedded default weights are missing ({DEFAULT_WEIGHTS}). Pass --weights with a bundle "
            "(`maskgan weights import-official` makes one from the official checkpoint), or train and export "
            "the demo model: `maskgan train --config cpu_demo --run runs/demo`, then "
            f"`maskgan train export runs/demo {DEFAULT_WEIGHTS}`"
        )
    return DEFAULT_WEIGHTS
