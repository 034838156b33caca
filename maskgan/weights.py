"""Our weights format: one safetensors file per model bundle, with its model card inside.

A bundle is one of two kinds: editing weights (the generator and, when trained by
us, the MaskVAE and the Alpha Blender) or a face parser (the parser alone, see
maskgan.parsing.learned). Loading one kind where the other is expected fails with
a message naming the option that takes it. Tensors are stored under
``<network>.<parameter>`` (e.g. ``generator.input_conv.conv.weight``). The
safetensors metadata field ``maskgan_card`` holds the model card as JSON:
free-form fields (name, source, training data, metrics, resolution, command) plus
``networks``:
``{name: {"config": {...}, "parameters": N}}`` from which each network is rebuilt,
``format``, ``tensors_sha256`` and ``networks_sha256`` (the canonical JSON of
``networks``), both checked on every load; bundles written before
``networks_sha256`` existed load without it, and get it the next time their card
is updated. Before any network is built, every config field is checked and the
file's tensor shapes compared with the ones the config implies
(maskgan.card_check), so a hostile card can neither exhaust memory nor end in a
traceback. The same card is written beside the file as ``NAME.json`` for people to
read. Tensors keep their dtypes. Loading reads tensors only: no code is ever
executed. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as safetensors_bytes
from torch import nn

from maskgan.card_check import CardError, build_on_meta, check_config, networks_digest, short_repr
from maskgan.core.atomic_files import write_atomically

CARD_KEY = "maskgan_card"
FORMAT = "maskgan-bundle/1"


# bundle member -> (module, network class, config class); imported only when used, so
# loading a generator-only bundle does not need the other networks' code.
NETWORKS = {
    "generator": ("maskgan.networks.generator", "Generator", "GeneratorConfig"),
    "mask_vae": ("maskgan.networks.mask_vae", "MaskVAE", "MaskVAEConfig"),
    "blender": ("maskgan.networks.blender", "AlphaBlender", "BlenderConfig"),
    "parser": ("maskgan.networks.parser_unet", "ParserUNet", "ParserUNetConfig"),
}
PARSER = "parser"  # the member of a parser bundle; it never shares a bundle with editing networks


def network_classes(name: str) -> tuple[type, type]:
    """(network class, config class) of the bundle member ``name``."""
    if name not in NETWORKS:
        raise WeightsError(f"unknown network {short_repr(name)} in the bundle (known: {', '.join(NETWORKS)})")
    module, network, config = NETWORKS[name]
    module = importlib.import_module(module)
    return getattr(module, network), getattr(module, config)


class WeightsError(ValueError):
    """A weights file cannot be used; the message says what is wrong with it."""


@dataclass
class Bundle:
    generator: nn.Module
    mask_vae: nn.Module | None
    blender: nn.Module | None
    card: dict


@dataclass
class ParserBundle:
    parser: nn.Module
    card: dict


def _tensor_digest(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 over every key and the raw bytes of its tensor, in key order."""
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(tensors[key].contiguous().reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def card_path(path: str | os.PathLike) -> Path:
    """Where the human-readable copy of a bundle's card lives: ``NAME.json`` beside ``NAME.safetensors``."""
    return Path(path).with_suffix(".json")


def save_bundle(path: str | os.PathLike, networks: dict[str, nn.Module], card: dict) -> dict:
    """Write networks + card atomically to ``path`` (and the card to ``NAME.json``); returns the full card.

    Tensors keep their dtypes and are moved to the CPU. ``card`` holds the free-form
    fields; ``format``, ``networks`` and ``tensors_sha256`` are filled in here.
    """
    path = Path(path)
    if PARSER in networks and len(networks) > 1:
        raise WeightsError(f"a parser bundle holds the parser alone, got {', '.join(networks)}")
    if PARSER not in networks and "generator" not in networks:
        raise WeightsError("a bundle needs a generator")
    tensors = {}
    card = dict(card)
    card["format"] = FORMAT
    card["networks"] = {}
    for name, network in networks.items():
        network_classes(name)
        if not is_dataclass(getattr(network, "config", None)):
            raise WeightsError(f"{name} has no dataclass .config to rebuild it from")
        card["networks"][name] = {
            "config": asdict(network.config),
            "parameters": sum(p.numel() for p in network.parameters()),
        }
        for key, tensor in network.state_dict().items():
            tensors[f"{name}.{key}"] = tensor.detach().cpu().contiguous()
    card["tensors_sha256"] = _tensor_digest(tensors)
    card["networks_sha256"] = networks_digest(card["networks"])
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_bundle(path, tensors, card)
    return card


def _write_bundle(path: Path, tensors: dict[str, torch.Tensor], card: dict) -> None:
    # serialised in memory rather than with save_file, which creates files readable by their owner only
    data = safetensors_bytes(tensors, metadata={CARD_KEY: json.dumps(card)})
    write_atomically(path, lambda tmp: tmp.write_bytes(data))
    write_atomically(card_path(path), lambda tmp: tmp.write_bytes((json.dumps(card, indent=2) + "\n").encode()))


OWNED_FIELDS = ("format", "networks", "tensors_sha256", "networks_sha256")  # what save_bundle derives from the tensors


def update_card(path: str | os.PathLike, fields: dict) -> dict:
    """Add or replace free-form card fields of an existing bundle (e.g. its measured ``evaluation``); returns the card.

    The tensors are written back unchanged, so ``tensors_sha256`` still holds; they are verified
    first, so a corrupt file is refused rather than given a fresh card.
    """
    path = Path(path)
    owned = sorted(set(fields) & set(OWNED_FIELDS))
    if owned:
        raise WeightsError(f"{', '.join(owned)} describe the tensors and cannot be set on a card")
    card = read_card(path)
    with _open(path) as handle:
        _check_card(path, card, handle)
    tensors = _read_tensors(path)
    if _tensor_digest(tensors) != card.get("tensors_sha256"):
        raise WeightsError(
            f"{path}: the tensors do not match the card's tensors_sha256; the file is corrupt or was "
            "edited, so its card is left as it is"
        )
    card.update(fields)
    card["networks_sha256"] = networks_digest(card["networks"])  # stamps bundles written before it existed
    _write_bundle(path, tensors, card)
    return card


def _open(path: Path):
    if not path.is_file():
        raise WeightsError(f"no weights file at {path}")
    try:
        return safe_open(str(path), framework="pt", device="cpu")
    except (SafetensorError, OSError, ValueError) as error:
        raise WeightsError(
            f"{path} is not a maskgan safetensors bundle ({error}); import official .pth checkpoints "
            "with `maskgan weights import-official` (generator) or `import-official-parser` (face parser)"
        ) from None


def _read_tensors(path: Path) -> dict[str, torch.Tensor]:
    with _open(path) as handle:
        return {key: handle.get_tensor(key) for key in handle.keys()}


def read_card(path: str | os.PathLike) -> dict:
    """The model card of a bundle, without loading its tensors."""
    path = Path(path)
    with _open(path) as handle:
        metadata = handle.metadata() or {}
    if CARD_KEY not in metadata:
        raise WeightsError(f"{path} has no model card: it is a safetensors file, but not a maskgan bundle")
    try:
        card = json.loads(metadata[CARD_KEY])
    except (json.JSONDecodeError, RecursionError) as error:
        raise WeightsError(f"{path} has a corrupt model card ({type(error).__name__})") from None
    if not isinstance(card, dict):
        raise WeightsError(f"{path} has a corrupt model card: it is not a JSON object")
    if card.get("format") != FORMAT:
        raise WeightsError(
            f"{path} is in bundle format {short_repr(card.get('format'))}; this version of maskgan reads {FORMAT!r}"
        )
    if not isinstance(card.get("networks"), dict) or not card["networks"]:
        raise WeightsError(f"{path}: the card's 'networks' must map network names to their configs")
    return card


def describe_mismatch(prefix: str, expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]) -> str:
    """'' when ``found`` fits ``expected`` key for key and shape for shape, else what differs."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    wrong = [
        f"{prefix}{k} {tuple(found[k].shape)} (expected {tuple(expected[k].shape)})"
        for k in sorted(set(found) & set(expected))
        if found[k].shape != expected[k].shape
    ]
    parts = [f"missing {_first(prefix + k for k in missing)}"] if missing else []
    parts += [f"unexpected {_first(prefix + k for k in extra)}"] if extra else []
    parts += [f"wrong shapes {_first(wrong)}"] if wrong else []
    return "; ".join(parts)


def _first(names, count: int = 4) -> str:
    """The first ``count`` names and how many more: a hostile file may list thousands."""
    names = list(names)
    more = f" and {len(names) - count} more" if len(names) > count else ""
    return ", ".join(names[:count]) + more


def _check_card(path: Path, card: dict, handle) -> dict[str, nn.Module]:
    """Every network of the card checked against the file before anything is built: configs (types and
    ranges), sizes, the networks' digest, then the tensor names and shapes of the file's header.
    Returns the networks built on the meta device (shapes only)."""
    networks = card["networks"]
    if "networks_sha256" in card and card["networks_sha256"] != networks_digest(networks):
        raise WeightsError(
            f"{path}: the card's networks do not match its networks_sha256; the file is corrupt or "
            "was edited. Export or import it again."
        )
    shapes = {}
    for name, entry in networks.items():
        network_class, config_class = network_classes(name)
        try:
            shapes[name] = build_on_meta(name, network_class, check_config(name, entry, config_class))
        except CardError as error:
            raise WeightsError(f"{path}: {error}") from None
    found = {key: torch.empty(handle.get_slice(key).get_shape(), device="meta") for key in handle.keys()}
    for name, network in shapes.items():
        prefix = f"{name}."
        problem = describe_mismatch(
            prefix, network.state_dict(), {k[len(prefix) :]: v for k, v in found.items() if k.startswith(prefix)}
        )
        if problem:
            raise WeightsError(f"{path}: tensors do not match the card's {name} config: {problem}")
    orphans = sorted(k for k in found if k.split(".", 1)[0] not in networks)
    if orphans:
        raise WeightsError(f"{path}: tensors of no network in the card: {_first(orphans, 8)}")
    return shapes


def _load_networks(path: Path, card: dict, device: str | torch.device) -> dict[str, nn.Module]:
    """Rebuild every network of the card, load and verify its tensors; the networks are in eval mode."""
    with _open(path) as handle:
        shapes = _check_card(path, card, handle)
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    if _tensor_digest(tensors) != card.get("tensors_sha256"):
        raise WeightsError(
            f"{path}: the tensors do not match the card's tensors_sha256; the file is corrupt or was edited. "
            "Export or import it again."
        )
    networks = {}
    for name, shaped in shapes.items():
        prefix = f"{name}."
        # the meta-built network takes the file's tensors as they are (assign): no random initialisation to
        # overwrite and no second copy, so loading holds one copy of the weights at most
        shaped.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}, assign=True)
        networks[name] = shaped.to(device).eval()
    return networks


def load_bundle(path: str | os.PathLike, device: str | torch.device = "cpu") -> Bundle:
    """Rebuild every network of an editing bundle from its card, load and verify its tensors; networks are in eval mode."""
    path = Path(path)
    card = read_card(path)
    members = card.get("networks", {})
    if PARSER in members:
        raise WeightsError(
            f"{path} is a face-parser bundle, not editing weights: pass it as --parser-weights "
            "(`maskgan parse`, `maskgan daemon start`), and give --weights a generator bundle"
        )
    if "generator" not in members:
        raise WeightsError(f"{path} holds no generator")
    networks = _load_networks(path, card, device)
    return Bundle(networks["generator"], networks.get("mask_vae"), networks.get("blender"), card)


def load_parser_bundle(path: str | os.PathLike, device: str | torch.device = "cpu") -> ParserBundle:
    """The face parser of a parser bundle (maskgan train-parser, maskgan weights import-official-parser), in eval mode."""
    path = Path(path)
    card = read_card(path)
    members = card.get("networks", {})
    if PARSER not in members:
        raise WeightsError(
            f"{path} holds editing weights ({', '.join(members) or 'no networks'}), not a face parser: pass it as "
            "--weights, and give --parser-weights a parser bundle (`maskgan train-parser --output`, "
            "`maskgan weights import-official-parser`)"
        )
    return ParserBundle(_load_networks(path, card, device)[PARSER], card)
