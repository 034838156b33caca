"""Checks of a bundle's model card before any network is built from it (maskgan.weights).

A weights file may come from anywhere, and the card's network configs decide how
much memory building a network takes: ``n_blocks: 100000`` or a huge ``ngf``
would allocate gigabytes before a single tensor is compared, and ``ngf: -1`` ends
in a torch traceback. So every config field is checked for its type and range
first, then each network is built on torch's ``meta`` device (shapes only, no
memory) and its parameter count bounded, and only then are the file's tensor
shapes compared with the ones the config implies, from the file's header, before
any tensor is read.

The ranges are far above anything trained or imported (the official generator
is ngf 64, 4 downsamplings, 4 blocks: 89.7 M parameters) and far below what would
exhaust a desktop's memory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields

import torch
from torch import nn

MAX_PARAMETERS = 500_000_000  # per network: 2 GB of fp32 weights, 5.6x the official generator


@dataclass(frozen=True)
class Field:
    kind: type  # int, bool or list (of ints)
    low: int = 0
    high: int = 0
    multiple: int = 1
    max_items: int = 0  # lists only


# network -> config field -> what it may hold
LIMITS = {
    "generator": {
        "ngf": Field(int, 1, 256),
        "n_downsample": Field(int, 1, 6),
        "n_blocks": Field(int, 0, 64),
        "label_nc": Field(int, 1, 64),
        "output_nc": Field(int, 1, 4),
        "spatial_style": Field(bool),
    },
    "mask_vae": {
        "resolution": Field(int, 16, 1024, multiple=16),
        "latent_dim": Field(int, 1, 4096),
        "base_channels": Field(int, 1, 512),
        "max_channels": Field(int, 1, 2048),
        "bottleneck": Field(int, 2, 1024),
    },
    "blender": {
        "ngf": Field(int, 1, 256),
        "n_downsample": Field(int, 0, 6),
        "max_channels": Field(int, 1, 2048),
        "mask_channels": Field(int, 0, 64),
    },
    "parser": {
        "base_channels": Field(int, 1, 128),
        "in_channels": Field(int, 1, 4),
        "num_classes": Field(int, 1, 64),
        "norm_sizes": Field(list, 16, 4096, max_items=16),
    },
}


class CardError(ValueError):
    """What is wrong with a card's network entry (maskgan.weights turns it into a WeightsError naming the file)."""


def networks_digest(networks: dict) -> str:
    """sha256 of the card's ``networks`` (configs and parameter counts) as canonical JSON."""
    return hashlib.sha256(json.dumps(networks, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_value(network: str, name: str, value, spec: Field) -> None:
    where = f"{network} config {name!r}"
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise CardError(f"{where} must be true or false, got {short_repr(value)}")
        return
    items = value if spec.kind is list else [value]
    if spec.kind is list and (not isinstance(value, list) or len(value) > spec.max_items):
        raise CardError(f"{where} must be a list of at most {spec.max_items} whole numbers, got {short_repr(value)}")
    for item in items:
        if (
            not isinstance(item, int)
            or isinstance(item, bool)
            or not spec.low <= item <= spec.high
            or item % spec.multiple
        ):
            multiple = f" and a multiple of {spec.multiple}" if spec.multiple > 1 else ""
            raise CardError(
                f"{where} must hold whole numbers from {spec.low} to {spec.high}{multiple}, got {short_repr(value)}"
            )


def short_repr(value) -> str:
    """A bounded excerpt of a card value for an error message (a card may hold anything)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_config(network: str, entry, config_class: type):
    """The config object of a card's network entry, every field checked; raises CardError."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise CardError(f"the card's entry for {network} needs a 'config' map")
    config = entry["config"]
    limits = LIMITS[network]
    known = {f.name for f in fields(config_class)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise CardError(
            f"{network} config has unknown field {', '.join(map(short_repr, unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    for name, value in config.items():
        _check_value(network, name, value, limits[name])
    return config_class(**config)


def build_on_meta(network: str, network_class: type, config) -> nn.Module:
    """The network with shapes only (no memory), its size bounded; raises CardError."""
    try:
        with torch.device("meta"):
            module = network_class(config)
    except (ValueError, RuntimeError) as error:  # the network's own checks of its config
        raise CardError(f"{network} config is not buildable: {str(error)[:200]}") from None
    count = sum(p.numel() for p in module.parameters())
    if count > MAX_PARAMETERS:
        raise CardError(f"{network} config asks for {count:,} parameters; the limit is {MAX_PARAMETERS:,}")
    return module
