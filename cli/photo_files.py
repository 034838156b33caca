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


def photo_and_masks(args):
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
