"""Where the embedded default weights live (shipped inside the package)."""

from pathlib import Path

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "weights" / "demo.safetensors"


def default_weights_path() -> Path:
    if not DEFAULT_WEIGHTS.exists():
        raise FileNotFoundError(
            f"the embedded default weights are missing ({DEFAULT_WEIGHTS}); reinstall maskgan, "
            "or pass --weights with a bundle (e.g. one made by `maskgan weights import-official`)"
        )
    return DEFAULT_WEIGHTS
