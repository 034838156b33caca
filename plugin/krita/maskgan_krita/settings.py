"""The plug-in's persistent settings, kept in Krita's own settings file (kritarc, group [MaskGAN]).

``store`` is anything with Krita's ``readSetting(group, name, default) -> str`` and
``writeSetting(group, name, value)``: ``Krita.instance()`` inside Krita, a dict-backed
fake in tests. Values are strings on disk; this module owns their types and defaults.
"""

from __future__ import annotations

from .vendor_path import labels

GROUP = "MaskGAN"
MASK_MODES = ("colour", "classes")  # one colour layer, or one paint layer per class
BATCH_SCOPES = ("documents", "layers")  # every open document, or the selected layers of the active one
PRECISIONS = ("auto", "fp32", "bf16")  # `maskgan daemon start --precision`, for daemons the docker starts
RESULT_PLACES = ("above_photo", "results_group")  # above the photo layer, or in the group "MaskGAN results"
PHOTO_SOURCES = ("layer", "image")  # the active (or bottom-most) paint layer, or the document's projection
# Colour tolerance (RGB distance, see maskgan.labels.color_to_label). Above 50 a colour would count as a
# class although it is as far from it as two different classes are from each other (the eyebrows, 51).
TOLERANCE_RANGE = (0, 50)


class Settings:
    """Typed accessors; every setter writes through at once, so nothing is lost on a crash."""

    def __init__(self, store):
        self._store = store

    def _read(self, name: str, default: str) -> str:
        return str(self._store.readSetting(GROUP, name, default))

    def _write(self, name: str, value) -> None:
        self._store.writeSetting(GROUP, name, str(value))

    def _choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self._read(name, choices[0])
        return value if value in choices else choices[0]

    def _write_choice(self, name: str, choices: tuple[str, ...], value: str) -> None:
        if value not in choices:
            raise ValueError(f"{name.replace('_', ' ')} must be one of {choices}, got {value!r}")
        self._write(name, value)

    def _int(self, name: str, default: int, low: int, high: int) -> int:
        try:
            value = int(self._read(name, str(default)))
        except ValueError:
            return default
        return min(max(value, low), high)

    @property
    def endpoint(self) -> str:
        """The daemon's endpoint; empty means the client's default (the daemon's discovery file)."""
        return self._read("endpoint", "").strip()

    @endpoint.setter
    def endpoint(self, value: str) -> None:
        self._write("endpoint", value.strip())

    @property
    def auto_start(self) -> bool:
        return self._read("auto_start", "false") == "true"

    @auto_start.setter
    def auto_start(self, value: bool) -> None:
        self._write("auto_start", "true" if value else "false")

    @property
    def feather(self) -> int:
        """Feather radius in pixels of the pasted-back edit (the daemon accepts 0..256)."""
        return self._int("feather", 8, 0, 256)

    @feather.setter
    def feather(self, value: int) -> None:
        self._write("feather", int(value))

    @property
    def variants(self) -> int:
        """How many variants one click asks for (the daemon accepts 1..16)."""
        return self._int("variants", 4, 1, 16)

    @variants.setter
    def variants(self, value: int) -> None:
        self._write("variants", int(value))

    @property
    def mask_mode(self) -> str:
        return self._choice("mask_mode", MASK_MODES)

    @mask_mode.setter
    def mask_mode(self, value: str) -> None:
        self._write_choice("mask_mode", MASK_MODES, value)

    @property
    def batch_scope(self) -> str:
        """What Batch apply and Batch parse run over."""
        return self._choice("batch_scope", BATCH_SCOPES)

    @batch_scope.setter
    def batch_scope(self, value: str) -> None:
        self._write_choice("batch_scope", BATCH_SCOPES, value)

    @property
    def precision(self) -> str:
        """The precision a daemon the docker starts runs in (a running daemon keeps its own)."""
        return self._choice("precision", PRECISIONS)

    @precision.setter
    def precision(self, value: str) -> None:
        self._write_choice("precision", PRECISIONS, value)

    @property
    def result_place(self) -> str:
        """Where new result layers go (Apply edit, Variants, Style copy, Batch apply)."""
        return self._choice("result_place", RESULT_PLACES)

    @result_place.setter
    def result_place(self, value: str) -> None:
        self._write_choice("result_place", RESULT_PLACES, value)

    @property
    def photo_source(self) -> str:
        """What is sent as the photo: a paint layer, or the whole image as shown."""
        return self._choice("photo_source", PHOTO_SOURCES)

    @photo_source.setter
    def photo_source(self, value: str) -> None:
        self._write_choice("photo_source", PHOTO_SOURCES, value)

    @property
    def colour_tolerance(self) -> int:
        """How far a painted colour may be from a class's palette colour (or a blend of two) and still count as it."""
        return self._int("colour_tolerance", round(labels().DEFAULT_COLOR_TOLERANCE), *TOLERANCE_RANGE)

    @colour_tolerance.setter
    def colour_tolerance(self, value: int) -> None:
        self._write("colour_tolerance", int(value))
