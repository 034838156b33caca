"""The files of the photo commands: photos and masks read as the engine wants them, outputs checked before any
work and written with one-line errors, numbered output names.

Masks are colour masks in the official palette or single-channel label maps; the mask is the truth about the
size, so a photo of another size is resized to it. Numbered outputs: ``{i}`` in the file name (1-based, format
specs allowed, e.g. ``v{i:02d}.png``), else ``_i`` goes before the suffix.
"""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError


def read_mask(path: Path):
    from maskgan.imageio import load_mask

    try:
        return load_mask(path)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error


def read_photo(path: Path, size: tuple[int, int]):
    """The photo as uint8 HxWx3, resized (bicubic) to ``size`` (H, W) when it differs."""
    import numpy as np
    from PIL import Image

    from maskgan.imageio import load_rgb

    try:
        image = load_rgb(path)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    if image.shape[:2] != size:
        image = np.array(Image.fromarray(image).resize(size[::-1], Image.BICUBIC))
    return image


def require_inputs(*named: tuple[str, Path | None]) -> None:
    """Refuse, before any work, input files that are not there: every missing one in one message, each with the
    option that named it, in the options' order (``named``: (option, path) pairs; a None path was not given)."""
    missing = [f"{path} ({option})" for option, path in named if path is not None and not path.is_file()]
    if missing:
        files = "no such file" if len(missing) == 1 else "no such files"
        raise CommandError(f"{files}: {', '.join(missing)}; check the paths")


def photo_and_masks(args):
    """The photo, its mask and the edited mask of the photo options (run_request.photo_options); every input
    file of those options is checked first."""
    require_inputs(
        ("--image", args.image),
        ("--mask", args.mask),
        ("--edited-mask", args.edited_mask),
        ("--look-reference", args.look_reference),
        ("--look-reference-mask", args.look_reference_mask),
    )
    source = read_mask(args.mask)
    edited = read_mask(args.edited_mask)
    if edited.shape != source.shape:
        raise CommandError(
            f"{args.edited_mask} is {edited.shape[1]}x{edited.shape[0]}, "
            f"but {args.mask} is {source.shape[1]}x{source.shape[0]}; masks must have the same size"
        )
    return read_photo(args.image, source.shape), source, edited


def check_outputs(*paths: Path | None) -> None:
    """Refuse, before any work, output paths that are folders (a file name is needed)."""
    for path in paths:
        if path is not None and path.is_dir():
            raise CommandError(f"{path} is a folder; give a file name, such as {path / 'edited.png'}")


def write_png(path: Path, array) -> None:
    """save_png, with an unwritable place as a one-line error instead of a traceback."""
    from maskgan.imageio import save_png

    check_outputs(path)
    try:
        save_png(path, array)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def numbered(pattern: Path, count: int) -> list[Path]:
    """``count`` file names from a pattern: ``{i}`` (1-based) in its name, else ``_i`` before the suffix."""
    if "{i" in pattern.name:
        try:
            return [pattern.with_name(pattern.name.format(i=i)) for i in range(1, count + 1)]
        except (KeyError, ValueError, IndexError) as error:
            raise CommandError(f"bad output pattern {pattern.name!r}: use {{i}} for the number ({error})") from error
    return [pattern.with_name(f"{pattern.stem}_{i}{pattern.suffix}") for i in range(1, count + 1)]
