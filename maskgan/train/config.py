"""Training configuration: one dataclass tree, read from TOML, saved into every run folder.

Unknown keys are errors (a typo must not silently train with a default).
``--set section.key=value`` overrides parse the value as TOML (numbers, booleans,
strings, lists).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from maskgan.networks.discriminator import DiscriminatorConfig
from maskgan.networks.generator import GeneratorConfig


@dataclass
class DataConfig:
    spec: str = "synthetic"  # 'synthetic' or 'celebamask:PATH'
    size: int = 128
    batch_size: int = 8
    num_workers: int = 1


@dataclass
class ModelConfig:
    generator: GeneratorConfig = field(default_factory=lambda: GeneratorConfig(ngf=32, n_downsample=4, n_blocks=4))
    discriminator: DiscriminatorConfig = field(default_factory=lambda: DiscriminatorConfig(ndf=32, n_layers=3, num_d=2))


@dataclass
class LossConfig:
    gan_mode: str = "lsgan"
    adversarial: float = 1.0
    feature_matching: float = 10.0
    reconstruction_l1: float = 10.0  # G(mask, mask, image) should give back the image
    edit_l1: float = 10.0  # G(edited mask, mask, image) should give the exact edited image (synthetic only)


@dataclass
class OptimConfig:
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999


@dataclass
class LogConfig:
    every: int = 10
    sample_every: int = 200
    checkpoint_every: int = 200
    keep: int = 2


@dataclass
class RunConfig:
    steps: int = 2000
    seed: int = 0
    threads: int = 0  # 0: all cores


@dataclass
class TrainConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    log: LogConfig = field(default_factory=LogConfig)
    run: RunConfig = field(default_factory=RunConfig)


class ConfigError(ValueError):
    pass


def _apply(target, values: dict, path: str) -> None:
    names = {f.name: f for f in dataclasses.fields(target)}
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if key not in names:
            raise ConfigError(f"unknown config key '{where}'; valid keys here: {', '.join(names)}")
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"'{where}' is a section; give it a table, not {value!r}")
            _apply(current, value, where)
        else:
            if isinstance(current, bool) != isinstance(value, bool) or (
                isinstance(current, (int, float)) and not isinstance(value, (int, float))
            ) or (isinstance(current, str) and not isinstance(value, str)):
                raise ConfigError(f"'{where}' must be a {type(current).__name__}, got {value!r}")
            setattr(target, key, float(value) if isinstance(current, float) else value)


def _override(text: str) -> dict:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r} must look like section.key=value")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    nested: dict = {}
    cursor = nested
    parts = key.strip().split(".")
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = parsed
    return nested


def load_config(path: Path | None = None, overrides: list[str] = ()) -> TrainConfig:
    config = TrainConfig()
    if path is not None:
        try:
            _apply(config, tomllib.loads(Path(path).read_text()), "")
        except FileNotFoundError:
            raise ConfigError(f"no config file at {path}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path} is not valid TOML: {error}") from None
    for text in overrides:
        _apply(config, _override(text), "")
    return config


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def to_toml(config) -> str:
    """TOML text of a config dataclass tree (sections for nested dataclasses)."""
    lines: list[str] = []

    def emit(obj, prefix: str) -> None:
        scalars = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj) if not dataclasses.is_dataclass(getattr(obj, f.name))]
        if scalars:
            if prefix:
                lines.append(f"[{prefix}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars)
            lines.append("")
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                emit(value, f"{prefix}.{f.name}" if prefix else f.name)

    emit(config, "")
    return "\n".join(lines)
