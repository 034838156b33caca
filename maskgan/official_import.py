"""Import of the official MaskGAN demo generator (``latest_net_G.pth``) and of the official
face_parsing UNet (CelebAMask-HQ ``face_parsing``, ``model.pth``) into our format.

Safety: the file is read only with ``torch.load(..., weights_only=True)``, which
refuses pickles that would construct arbitrary objects or run code.

The official ``GlobalGenerator`` keeps its trunk in one ``nn.Sequential`` named
``model``; with n_down downsamplings and n_blocks residual blocks its indices are:
  model.1                              first 7x7 conv
  model.{4+3i}, i < n_down             stride-2 convs
  model.{4+3n_down+k}.conv_block.{0,1} residual block k's two convs (+ dummy norm buffers)
  model.{u+3i}, u = 4+3n_down+n_blocks transposed convs
  model.{u+3n_down+1}                  last 7x7 conv
and its encoders in ``enc_style`` / ``enc_label`` (see OFFICIAL_ENCODER_KEYS).

The face_parsing ``unet`` needs no renaming: maskgan.networks.parser_unet keeps its
key layout. Its configuration comes from the tensor shapes; a ``module.`` prefix
(a model saved from ``nn.DataParallel``) is dropped.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from datetime import datetime, timezone
from pathlib import Path

import torch

from maskgan.networks.generator import Generator, GeneratorConfig
from maskgan.networks.parser_unet import ParserUNet, ParserUNetConfig

# official encoder prefix -> our prefix (weights and biases alike)
OFFICIAL_ENCODER_KEYS = {
    "enc_label.model.0.conv": "label_encoder.fine.0.conv",
    "enc_label.model.1.conv": "label_encoder.fine.1.conv",
    "enc_label.model.2.conv": "label_encoder.fine.2.conv",
    "enc_label.model_last.1.conv": "label_encoder.coarse.1.conv",
    "enc_label.model_last.2.conv": "label_encoder.coarse.2.conv",
    "enc_label.model_last.3.conv": "label_encoder.coarse.3.conv",
    "enc_style.model.0.conv": "style_encoder.stem.0.conv",
    "enc_style.model.1.conv": "style_encoder.stem.1.conv",
    "enc_style.model.2.conv": "style_encoder.stem.2.conv",
    "enc_style.model_middle.0.conv": "style_encoder.middle.0.conv",
    "enc_style.model_middle.1.conv": "style_encoder.middle.1.conv",
    "enc_style.model_middle.2.conv": "style_encoder.middle.2.conv",
    "enc_style.model_last.1": "style_encoder.to_params",
}
for _level, _ours in (("1", "fine"), ("2", "coarse")):
    for _branch in ("scale", "shift"):
        OFFICIAL_ENCODER_KEYS[f"enc_style.sft{_level}.SFT_{_branch}_conv1"] = f"style_encoder.sft_{_ours}.{_branch}.0"
        OFFICIAL_ENCODER_KEYS[f"enc_style.sft{_level}.SFT_{_branch}_conv2"] = f"style_encoder.sft_{_ours}.{_branch}.2"


class OfficialImportError(ValueError):
    """The file is not an official MaskGAN generator we can import; the message says why."""


def official_key_map(config: GeneratorConfig) -> dict[str, str]:
    """Official parameter prefix -> our parameter prefix, for a configuration."""
    n_down, n_blocks = config.n_downsample, config.n_blocks
    mapping = {"model.1": "input_conv.conv"}
    for i in range(n_down):
        mapping[f"model.{4 + 3 * i}"] = f"downsample.{i}.0"
    first_block = 4 + 3 * n_down
    for k in range(n_blocks):
        for j in (0, 1):
            mapping[f"model.{first_block + k}.conv_block.{j}.conv"] = f"res_blocks.{k}.conv{j + 1}.conv"
    first_up = first_block + n_blocks
    for i in range(n_down):
        mapping[f"model.{first_up + 3 * i}"] = f"upsample.{i}.0"
    mapping[f"model.{first_up + 3 * n_down + 1}"] = "output_conv.conv"
    mapping.update(OFFICIAL_ENCODER_KEYS)
    return mapping


_DUMMY_NORM_BUFFER = re.compile(r"^model\.\d+\.conv_block\.\d\.norm\.running_(mean|var)$")


def _is_down_conv(weight: torch.Tensor | None, in_channels: int) -> bool:
    return weight is not None and weight.dim() == 4 and tuple(weight.shape[:2]) == (2 * in_channels, in_channels)


def infer_config(state_dict: dict[str, torch.Tensor]) -> GeneratorConfig:
    """ngf, n_downsample and n_blocks from the tensor shapes of an official state_dict."""
    try:
        first = state_dict["model.1.weight"]
        if first.dim() != 4:
            raise OfficialImportError(
                f"not an official MaskGAN GlobalGenerator state_dict: model.1.weight has shape {tuple(first.shape)}, "
                "expected (ngf, 19, 7, 7)"
            )
        label_nc, ngf = first.shape[1], first.shape[0]
        n_down = 0
        # stride-2 convs double the channels: weight (2c, c, 3, 3) at model.4, 7, 10, ...
        while _is_down_conv(state_dict.get(f"model.{4 + 3 * n_down}.weight"), ngf * 2**n_down):
            n_down += 1
        first_block = 4 + 3 * n_down
        n_blocks = 0
        while f"model.{first_block + n_blocks}.conv_block.0.conv.weight" in state_dict:
            n_blocks += 1
        output_nc = state_dict[f"model.{first_block + n_blocks + 3 * n_down + 1}.weight"].shape[0]
    except KeyError as error:
        raise OfficialImportError(
            f"not an official MaskGAN GlobalGenerator state_dict: missing {error.args[0]!r}"
        ) from None
    if n_down == 0 or n_blocks == 0:
        raise OfficialImportError(
            f"not an official MaskGAN GlobalGenerator state_dict: found {n_down} downsampling layers and {n_blocks} residual blocks"
        )
    return GeneratorConfig(
        ngf=int(ngf), n_downsample=n_down, n_blocks=n_blocks, label_nc=int(label_nc), output_nc=int(output_nc)
    )


def official_to_ours(state_dict: dict[str, torch.Tensor], config: GeneratorConfig) -> dict[str, torch.Tensor]:
    """Rename an official state_dict to ours; dummy norm buffers are dropped.

    Missing, unexpected and wrongly shaped tensors are all named in one error.
    """
    mapping = official_key_map(config)
    with torch.device("meta"):
        reference = Generator(config).state_dict()
    ours: dict[str, torch.Tensor] = {}
    unexpected = []
    for key, tensor in state_dict.items():
        if _DUMMY_NORM_BUFFER.match(key):
            continue
        prefix, _, leaf = key.rpartition(".")
        if prefix not in mapping or leaf not in ("weight", "bias"):
            unexpected.append(key)
            continue
        ours[f"{mapping[prefix]}.{leaf}"] = tensor
    reverse = {f"{v}.{leaf}": f"{k}.{leaf}" for k, v in mapping.items() for leaf in ("weight", "bias")}
    missing = [reverse.get(key, key) for key in reference if key not in ours]
    wrong = [
        f"{reverse[key]} {tuple(ours[key].shape)} (expected {tuple(shape.shape)})"
        for key, shape in reference.items()
        if key in ours and ours[key].shape != shape.shape
    ]
    problems = []
    if missing:
        problems.append(f"missing tensors: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected tensors: {', '.join(unexpected)}")
    if wrong:
        problems.append(f"wrong shapes: {', '.join(wrong)}")
    if problems:
        raise OfficialImportError(
            f"the checkpoint does not fit a GlobalGenerator with ngf={config.ngf}, "
            f"n_downsample={config.n_downsample}, n_blocks={config.n_blocks}: " + "; ".join(problems)
        )
    return {key: tensor.float().contiguous() for key, tensor in ours.items()}


def load_official_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of an official checkpoint, read without executing any code."""
    path = Path(path)
    if not path.is_file():
        raise OfficialImportError(f"no such file: {path}")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise OfficialImportError(
            f"{path} holds Python objects other than tensors{_blocked_detail(error)}; maskgan refuses to unpickle "
            "them, because unpickling arbitrary objects can run arbitrary code. If you trust the file, re-save "
            "only its tensors: python -c \"import torch; m = torch.load('IN.pth', weights_only=False); "
            "torch.save(m.state_dict() if hasattr(m, 'state_dict') else m['state_dict'], 'OUT.pth')\" "
            "and import OUT.pth"
        ) from None
    except Exception as error:  # torch raises many kinds on corrupt files (KeyError, EOFError, RuntimeError...)
        raise OfficialImportError(f"{path} is not a readable PyTorch checkpoint ({_first_line(error)})") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise OfficialImportError(f"{path} does not hold a state_dict (a dict of tensors)")
    return loaded


def _blocked_detail(error: BaseException) -> str:
    """' (the line of torch's message naming what was blocked)', or '' when it names nothing."""
    lines = [line.strip() for line in str(error).splitlines() if "GLOBAL" in line or "Unsupported" in line]
    return f" ({lines[0]})" if lines else ""


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_entry(source: Path, kind: str) -> dict:
    """The card's record of an imported file: what it is, its name and sha256, and when it was imported."""
    return {
        "kind": kind,
        "file": source.name,
        "sha256": _sha256(source),
        "imported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


IMPORT_STEPS = (
    "reading the checkpoint",
    "converting its tensors",
    "fingerprinting the checkpoint",
    "writing the bundle",
)


def _steps(progress):
    """A function that reports step ``i`` of IMPORT_STEPS to ``progress(done, total, message)``, if given."""

    def step(done: int) -> None:
        if progress is not None:
            progress(done, len(IMPORT_STEPS), IMPORT_STEPS[done])

    return step


def import_official(source: Path, output: Path, progress=None) -> dict:
    """Convert an official generator checkpoint into our safetensors bundle; returns the card. ``progress(done,
    total, message)`` hears of each of IMPORT_STEPS as it starts (a 360 MB checkpoint takes seconds)."""
    from maskgan.weights import save_bundle

    step = _steps(progress)
    step(0)
    state_dict = load_official_state_dict(source)
    step(1)
    config = infer_config(state_dict)
    generator = Generator(config)
    generator.load_state_dict(official_to_ours(state_dict, config))
    step(2)
    source_entry = _source_entry(Path(source), "official MaskGAN demo checkpoint")
    step(3)
    card = {
        "name": f"official MaskGAN generator ({Path(source).name})",
        "source": source_entry,
        "resolution": 512,
        "training_data": "CelebAMask-HQ (by the MaskGAN authors)",
    }
    return save_bundle(output, {"generator": generator}, card)


def infer_parser_config(state_dict: dict[str, torch.Tensor]) -> ParserUNetConfig:
    """base_channels, input channels and classes from the tensor shapes of an official face_parsing state_dict."""
    first, final = state_dict.get("conv1.conv1.0.weight"), state_dict.get("final.weight")
    for key, tensor in (("conv1.conv1.0.weight", first), ("final.weight", final)):
        if tensor is None:
            raise OfficialImportError(f"not an official face_parsing unet state_dict: missing {key!r}")
    if first.dim() != 4 or final.dim() != 4:
        raise OfficialImportError(
            f"not an official face_parsing unet state_dict: conv1.conv1.0.weight has shape {tuple(first.shape)} and "
            f"final.weight {tuple(final.shape)}, expected (base, 3, 3, 3) and (classes, base, 1, 1)"
        )
    return ParserUNetConfig(
        base_channels=int(first.shape[0]), in_channels=int(first.shape[1]), num_classes=int(final.shape[0])
    )


def official_parser_state(state_dict: dict[str, torch.Tensor]) -> tuple[ParserUNetConfig, dict[str, torch.Tensor]]:
    """(config, our state_dict) of an official face_parsing state_dict; what does not fit is named in one error."""
    from maskgan.weights import describe_mismatch

    if state_dict and all(key.startswith("module.") for key in state_dict):
        state_dict = {key[len("module.") :]: tensor for key, tensor in state_dict.items()}
    config = infer_parser_config(state_dict)
    with torch.device("meta"):
        reference = ParserUNet(config).state_dict()
    problem = describe_mismatch("", reference, state_dict)
    if problem:
        raise OfficialImportError(
            f"the checkpoint does not fit a face_parsing unet with base channels {config.base_channels} "
            f"(feature_scale {64 / config.base_channels:g}): {problem}"
        )
    return config, {
        key: tensor if key.endswith("num_batches_tracked") else tensor.float().contiguous()
        for key, tensor in state_dict.items()
    }


def import_official_parser(source: Path, output: Path, progress=None) -> dict:
    """Convert an official face_parsing checkpoint into a parser bundle; returns the card. ``progress`` as in
    ``import_official``."""
    from maskgan.weights import save_bundle

    step = _steps(progress)
    step(0)
    state_dict = load_official_state_dict(source)
    step(1)
    config, state = official_parser_state(state_dict)
    parser = ParserUNet(config)
    parser.load_state_dict(state)
    step(2)
    source_entry = _source_entry(Path(source), "official CelebAMask-HQ face_parsing checkpoint")
    step(3)
    card = {
        "name": f"official CelebAMask-HQ face_parsing UNet ({Path(source).name})",
        "source": source_entry,
        "resolution": 512,  # its tester resizes every photo to 512x512
        "training_data": "CelebAMask-HQ (by the CelebAMask-HQ authors)",
    }
    return save_bundle(output, {"parser": parser.eval()}, card)
