"""Training configuration: one dataclass tree, read from TOML, saved into every run folder.

Unknown keys are errors that name the key and the valid ones (a typo must never
silently train with a default). ``--set section.key=value`` overrides parse the
value as TOML (numbers, booleans, strings, nan), falling back to a bare string, so
``--set data.spec=celebamask:/data/prepared`` needs no quotes. docs/training.md
explains every key.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from maskgan.core.precision import DEVICES, PRECISIONS
from maskgan.networks.blender import BlenderConfig
from maskgan.networks.discriminator import DiscriminatorConfig
from maskgan.networks.generator import GeneratorConfig, check_size
from maskgan.networks.losses import GAN_MODES
from maskgan.networks.mask_vae import MaskVAEConfig

BUILTIN_CONFIGS = Path(__file__).parent / "configs"


@dataclass
class DataConfig:
    spec: str = "synthetic"  # 'synthetic' or 'celebamask:PATH' (a prepared folder)
    size: int = 128  # training resolution (square)
    batch_size: int = 8  # per process: a torchrun job of N processes steps on N * batch_size items
    num_workers: int = 1  # DataLoader worker processes per training process


@dataclass
class ModelConfig:
    generator: GeneratorConfig = field(default_factory=lambda: GeneratorConfig(ngf=32))
    mask_vae: MaskVAEConfig = field(
        default_factory=lambda: MaskVAEConfig(resolution=64, latent_dim=128, base_channels=16, max_channels=128)
    )
    blender: BlenderConfig = field(default_factory=lambda: BlenderConfig(ngf=16))
    discriminator: DiscriminatorConfig = field(default_factory=lambda: DiscriminatorConfig(ndf=32))


@dataclass
class LossConfig:
    """Weights of every loss term (0 switches a term off; docs/training.md describes each)."""

    gan_mode: str = "lsgan"  # 'lsgan' or 'hinge'
    perceptual_weights: str = ""  # VGG19 features file; "" uses the download-free random-feature substitute
    # stage 1a: MaskVAE
    mask_ce: float = 1.0
    mask_kl: float = 1e-4
    # stage 1b: G(M, M, I) ~ I
    adversarial: float = 1.0
    feature_matching: float = 10.0
    perceptual: float = 10.0
    l1: float = 0.0
    # stage 1b, items with an exact edit ground truth: G(M', M, I) ~ I'
    edit_l1: float = 10.0
    edit_perceptual: float = 10.0
    # the same L1, averaged over the edit region only, so that a two-pixel glasses frame counts as much as new hair
    edit_region_l1: float = 0.0
    # stage 2: blend(G(M_inter, M, I), G(M_outer, M, I)) ~ I
    ebst_l1: float = 10.0
    ebst_perceptual: float = 10.0
    ebst_adversarial: float = 1.0
    ebst_feature_matching: float = 10.0


@dataclass
class EBSTConfig:
    alpha_min: float = 0.1  # latent step towards / away from another face's mask, drawn uniformly per item
    alpha_max: float = 0.3


@dataclass
class OptimConfig:
    lr: float = 2e-4  # generator, discriminator, blender (Adam)
    mask_vae_lr: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999


@dataclass
class ScheduleConfig:
    mask_vae_steps: int = 2000  # stage 1a
    dmn_steps: int = 20000  # stage 1b
    ebst_steps: int = 10000  # stage 2 (stage-1b losses keep running)
    decay_fraction: float = 0.5  # each network's lr falls linearly to 0 over this last part of its steps

    @property
    def total_steps(self) -> int:
        return self.mask_vae_steps + self.dmn_steps + self.ebst_steps


@dataclass
class LogConfig:
    every: int = 10  # metrics.jsonl line (losses averaged since the previous one)
    sample_every: int = 200  # samples/step_XXXXXX.png
    checkpoint_every: int = 200  # checkpoints/step_XXXXXX.pt
    keep: int = 3  # checkpoints kept on disk
    sample_rows: int = 4  # faces per sample grid


@dataclass
class RunConfig:
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto (bf16 autocast on CUDA, fp32 on CPU) | fp32 | bf16
    threads: int = 0  # CPU threads per process; 0: the cores divided among local processes
    deterministic: bool = False  # torch.use_deterministic_algorithms (bit-exact resume; slower on GPU)
    init_weights: str = ""  # a weights bundle to start from (fine-tuning); "" starts from random weights


@dataclass
class TrainConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    ebst: EBSTConfig = field(default_factory=EBSTConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    log: LogConfig = field(default_factory=LogConfig)
    run: RunConfig = field(default_factory=RunConfig)


class ConfigError(ValueError):
    """A config file, key or value that cannot be used; the message names it."""


def _apply(target, values: dict, path: str) -> None:
    names = {f.name for f in dataclasses.fields(target)}
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if key not in names:
            raise ConfigError(
                f"unknown config key '{where}'; valid keys {'in [' + path + ']' if path else 'at the top level'}: "
                f"{', '.join(sorted(names))}"
            )
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"'{where}' is a section; give it a table, not {value!r}")
            _apply(current, value, where)
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(current, bool):
            ok = isinstance(value, bool)
        elif isinstance(current, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(current, float):
            ok = number
        else:
            ok = isinstance(value, type(current))
        if not ok:
            raise ConfigError(f"'{where}' must be a {type(current).__name__}, got {value!r}")
        setattr(target, key, float(value) if isinstance(current, float) else value)


def parse_override(text: str) -> dict:
    """'a.b.c=value' -> {'a': {'b': {'c': value}}}, the value read as TOML where it parses."""
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


def resolve_config_path(name: str | Path) -> Path:
    """A TOML path as given, or the built-in config of that name ('tiny', 'cpu_demo', 'demo', 'paper')."""
    path = Path(name)
    if path.exists():
        return path
    builtin = BUILTIN_CONFIGS / f"{name}.toml"
    if builtin.exists():
        return builtin
    known = ", ".join(sorted(p.stem for p in BUILTIN_CONFIGS.glob("*.toml")))
    raise ConfigError(f"no config file at {path} (built-in configs: {known})")


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> TrainConfig:
    """Defaults, then the TOML file (if any), then each ``key=value`` override; validated."""
    if path is None:
        return config_from_toml("", "the defaults", overrides)
    path = resolve_config_path(path)
    return config_from_toml(path.read_text(), str(path), overrides)


def config_from_toml(text: str, source: str, overrides: list[str] = ()) -> TrainConfig:
    """The config of TOML ``text`` (``source`` names it in errors) plus overrides; validated."""
    config = TrainConfig()
    try:
        _apply(config, tomllib.loads(text), "")
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source} is not valid TOML: {error}") from None
    for override in overrides:
        _apply(config, parse_override(override), "")
    validate(config)
    return config


def validate(config: TrainConfig) -> None:
    """Raise ConfigError for values that would only fail later, mid-training."""

    def require(condition: bool, message: str) -> None:
        if not condition:
            raise ConfigError(message)

    data, schedule = config.data, config.schedule
    try:
        check_size(data.size, data.size, config.model.generator.n_downsample)
    except ValueError as error:
        raise ConfigError(f"data.size {data.size} does not fit the generator: {error}") from None
    require(data.size >= 32, f"data.size must be at least 32 (the perceptual loss's five scales), got {data.size}")
    require(data.batch_size >= 1 and data.num_workers >= 0, "data.batch_size must be >= 1 and data.num_workers >= 0")
    require(
        schedule.ebst_steps == 0 or data.batch_size >= 2,
        "EBST pairs each mask with another face's mask from the batch: data.batch_size must be >= 2",
    )
    require(
        schedule.ebst_steps == 0 or schedule.mask_vae_steps > 0 or config.run.init_weights,
        "EBST edits masks through the MaskVAE: schedule.mask_vae_steps must be > 0 when schedule.ebst_steps > 0 "
        "(or run.init_weights must give a bundle with a trained MaskVAE)",
    )
    require(
        min(schedule.mask_vae_steps, schedule.dmn_steps, schedule.ebst_steps) >= 0 and schedule.total_steps > 0,
        "schedule steps must be >= 0 and not all 0",
    )
    require(
        0.0 <= schedule.decay_fraction <= 1.0,
        f"schedule.decay_fraction must be in [0, 1], got {schedule.decay_fraction}",
    )
    require(
        0.0 <= config.ebst.alpha_min <= config.ebst.alpha_max,
        f"need 0 <= ebst.alpha_min <= ebst.alpha_max, got {config.ebst.alpha_min} and {config.ebst.alpha_max}",
    )
    require(
        config.loss.gan_mode in GAN_MODES,
        f"loss.gan_mode must be one of {', '.join(GAN_MODES)}, got {config.loss.gan_mode!r}",
    )
    require(config.run.device in DEVICES, f"run.device must be one of {', '.join(DEVICES)}, got {config.run.device!r}")
    require(
        config.run.precision in PRECISIONS,
        f"run.precision must be one of {', '.join(PRECISIONS)}, got {config.run.precision!r}",
    )
    for name in ("every", "sample_every", "checkpoint_every", "keep", "sample_rows"):
        require(getattr(config.log, name) >= 1, f"log.{name} must be >= 1")
    for name, value in dataclasses.asdict(config.loss).items():
        if isinstance(value, float):
            require(value >= 0, f"loss.{name} must be a number >= 0, got {value}")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


def to_toml(config) -> str:
    """TOML text of a config dataclass tree (a [section] per nested dataclass); load_config reads it back."""
    lines: list[str] = []

    def emit(obj, prefix: str) -> None:
        fields = dataclasses.fields(obj)
        scalars = [(f.name, getattr(obj, f.name)) for f in fields if not dataclasses.is_dataclass(getattr(obj, f.name))]
        if scalars:
            lines.append(f"[{prefix}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars)
            lines.append("")
        for f in fields:
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                emit(value, f"{prefix}.{f.name}" if prefix else f.name)

    emit(config, "")
    return "\n".join(lines)
