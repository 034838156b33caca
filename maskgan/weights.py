"""Our weights format: one safetensors file per model bundle, with its model card inside.

A bundle holds the generator and, when trained by us, the MaskVAE and the Alpha
Blender. Tensors are stored under ``<network>.<parameter>`` (e.g.
``generator.input_conv.conv.weight``). The safetensors metadata field
``maskgan_card`` holds the model card as JSON: free-form fields (name, source,
training data, metrics, resolution, command) plus ``networks``:
``{name: {"config": {...}}}`` from which each network is rebuilt, and
``tensors_sha256``. The same card is written beside the file as ``NAME.json`` for
people to read. Loading reads tensors only: no code is ever executed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

CARD_KEY = "maskgan_card"
FORMAT = "maskgan-bundle/1"


def _network_classes(name: str):
    """(network class, config class) of a bundle member; imported lazily."""
    if name == "generator":
        from maskgan.networks.generator import Generator, GeneratorConfig

        return Generator, GeneratorConfig
    if name == "mask_vae":
        from maskgan.networks.mask_vae import MaskVAE, MaskVAEConfig

        return MaskVAE, MaskVAEConfig
    if name == "blender":
        from maskgan.networks.blender import AlphaBlender, BlenderConfig

        return AlphaBlender, BlenderConfig
    raise WeightsError(f"unknown network {name!r} in the bundle (known: generator, mask_vae, blender)")


class WeightsError(ValueError):
    """A weights file cannot be used; the message says what is wrong with it."""


@dataclass
class Bundle:
    generator: nn.Module
    mask_vae: nn.Module | None
    blender: nn.Module | None
    card: dict


def _tensor_digest(tensors: dict[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(tensors[key].contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_bundle(path: str | os.PathLike, networks: dict[str, nn.Module], card: dict) -> dict:
    """Write networks + card atomically to ``path`` (and the card to ``path``.json); returns the card."""
    path = Path(path)
    if "generator" not in networks:
        raise WeightsError("a bundle needs a generator")
    tensors = {}
    card = dict(card)
    card["format"] = FORMAT
    card["networks"] = {}
    for name, network in networks.items():
        _network_classes(name)
        card["networks"][name] = {
            "config": asdict(network.config),
            "parameters": sum(p.numel() for p in network.parameters()),
        }
        for key, tensor in network.state_dict().items():
            tensors[f"{name}.{key}"] = tensor.detach().to("cpu", torch.float32).contiguous()
    card["tensors_sha256"] = _tensor_digest(tensors)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={CARD_KEY: json.dumps(card)})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _open(path: Path):
    if not path.is_file():
        raise WeightsError(f"no weights file at {path}")
    try:
        return safe_open(str(path), framework="pt", device="cpu")
    except (SafetensorError, OSError, ValueError) as error:
        raise WeightsError(
            f"{path} is not a maskgan safetensors bundle ({error}); import official .pth checkpoints "
            "with `maskgan weights import-official`"
        ) from None


def read_card(path: str | os.PathLike) -> dict:
    """The model card of a bundle, without loading its tensors."""
    path = Path(path)
    with _open(path) as handle:
        metadata = handle.metadata() or {}
    if CARD_KEY not in metadata:
        raise WeightsError(f"{path} has no model card: it is a safetensors file, but not a maskgan bundle")
    try:
        return json.loads(metadata[CARD_KEY])
    except json.JSONDecodeError as error:
        raise WeightsError(f"{path} has a corrupt model card ({error})") from None


def _build(name: str, entry: dict) -> nn.Module:
    network_class, config_class = _network_classes(name)
    try:
        return network_class(config_class(**entry["config"]))
    except (TypeError, KeyError) as error:
        raise WeightsError(f"the card's config for {name} does not fit this version of maskgan ({error})") from None


def load_bundle(path: str | os.PathLike, device: str | torch.device = "cpu") -> Bundle:
    """Rebuild every network of a bundle from its card and load its tensors."""
    path = Path(path)
    card = read_card(path)
    networks: dict[str, nn.Module] = {}
    with _open(path) as handle:
        keys = set(handle.keys())
        for name, entry in card.get("networks", {}).items():
            network = _build(name, entry)
            expected = network.state_dict()
            prefix = f"{name}."
            present = {k[len(prefix):] for k in keys if k.startswith(prefix)}
            missing = sorted(set(expected) - present)
            extra = sorted(present - set(expected))
            state = {k: handle.get_tensor(prefix + k) for k in sorted(present & set(expected))}
            wrong = [
                f"{prefix}{k} {tuple(v.shape)} (expected {tuple(expected[k].shape)})"
                for k, v in state.items() if v.shape != expected[k].shape
            ]
            if missing or extra or wrong:
                parts = [f"missing {', '.join(prefix + k for k in missing)}"] if missing else []
                parts += [f"unexpected {', '.join(prefix + k for k in extra)}"] if extra else []
                parts += [f"wrong shapes {', '.join(wrong)}"] if wrong else []
                raise WeightsError(f"{path}: tensors do not match the card's {name} config: " + "; ".join(parts))
            network.load_state_dict(state)
            networks[name] = network.to(device).eval()
            keys -= {prefix + k for k in present}
    if "generator" not in networks:
        raise WeightsError(f"{path} holds no generator")
    if keys:
        raise WeightsError(f"{path}: tensors of no network in the card: {', '.join(sorted(keys)[:8])}")
    return Bundle(networks["generator"], networks.get("mask_vae"), networks.get("blender"), card)
