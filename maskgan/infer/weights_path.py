"""Where weights live: the embedded default, and the bundles installed in the user's data folder.

Names the user can give (`maskgan weights use`, the settings file of maskgan.user_config):
``demo`` (the embedded editing weights), ``landmarks`` (no learned parser: the landmark
parser of the parsing extra), the stem of any bundle in the weights folder
(``official`` for ``official.safetensors``), or a path to a bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maskgan.user_config import weights_dir

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "weights" / "demo.safetensors"
DEMO = "demo"
LANDMARKS = "landmarks"
EDITING, PARSER = "editing weights", "face parser"


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


@dataclass(frozen=True)
class Installed:
    name: str  # what `maskgan weights use` takes
    kind: str  # EDITING or PARSER
    path: Path | None  # None: the landmark parser, which has no file
    card: dict  # the model card ({} for the landmark parser; {"problem": ...} for an unreadable file)


def bundle_kind(card: dict) -> str:
    from maskgan.weights import PARSER as PARSER_MEMBER

    return PARSER if PARSER_MEMBER in card.get("networks", {}) else EDITING


def installed() -> list[Installed]:
    """Every choice: the embedded demo weights, the landmark parser, then the weights folder's bundles by name."""
    from maskgan.weights import WeightsError, read_card

    found = [
        Installed(DEMO, EDITING, DEFAULT_WEIGHTS, _card_or_problem(DEFAULT_WEIGHTS)),
        Installed(LANDMARKS, PARSER, None, {}),
    ]
    folder = weights_dir()
    for path in sorted(folder.glob("*.safetensors")) if folder.is_dir() else []:
        try:
            card = read_card(path)
        except (WeightsError, OSError) as error:
            found.append(Installed(path.stem, EDITING, path, {"problem": str(error)}))
            continue
        found.append(Installed(path.stem, bundle_kind(card), path, card))
    return found


def _card_or_problem(path: Path) -> dict:
    from maskgan.weights import WeightsError, read_card

    try:
        return read_card(path)
    except (WeightsError, OSError) as error:
        return {"problem": str(error)}


def resolve(choice: str, kind: str) -> Installed:
    """The installed bundle (or built-in) a name or path stands for, checked to be of ``kind``; ValueError naming
    the installed choices of that kind when it is none of them."""
    from maskgan.weights import WeightsError, read_card

    for entry in installed():
        if entry.name == choice:
            return _of_kind(entry, kind, choice)
    path = Path(choice).expanduser()
    if path.suffix == ".safetensors" or path.exists():
        try:
            card = read_card(path)
        except (WeightsError, OSError) as error:
            raise ValueError(f"cannot use {choice}: {error}") from error
        return _of_kind(Installed(path.stem, bundle_kind(card), path.resolve(), card), kind, choice)
    names = ", ".join(entry.name for entry in installed() if entry.kind == kind)
    raise ValueError(
        f"no {kind} named {choice!r}: installed are {names} (in {weights_dir()}); "
        "or give the path of a .safetensors bundle"
    )


def _of_kind(entry: Installed, kind: str, choice: str) -> Installed:
    if "problem" in entry.card:
        raise ValueError(f"cannot use {choice}: {entry.card['problem']}")
    if entry.kind != kind:
        raise ValueError(f"{choice} is a {entry.kind} bundle, not {kind}")
    return entry
