"""The plug-in's persistent settings, kept in Krita's own settings file (kritarc, group [MaskGAN]).

``store`` is anything with Krita's ``readSetting(group, name, default) -> str`` and
``writeSetting(group, name, value)``: ``Krita.instance()`` inside Krita, a dict-backed
fake in tests. Values are strings on disk; this module owns their types and defaults.
"""

from __future__ import annotations

from maskgan_client.protocol import FEATHER, LOOK, METHODS, VARIANTS
from maskgan_plugin_common.label_table import labels
from maskgan_plugin_common.options import MASK_MODES, TOLERANCE_RANGE

GROUP = "MaskGAN"
BATCH_SCOPES = ("documents", "layers")  # every open document, or the selected layers of the active one
PRECISIONS = ("auto", "fp32", "bf16")  # `maskgan daemon start --precision`, for daemons the docker starts
RESULT_PLACES = ("above_photo", "results_group")  # above the photo layer, or in the group "MaskGAN results"
PHOTO_SOURCES = ("layer", "image")  # the active (or bottom-most) paint layer, or the document's projection


class _Choice:
    """A setting that is one of ``choices``; the first is the default, and a stored value that is none of
    them (an older plug-in's, or a hand edit) reads as the default."""

    def __init__(self, choices: tuple[str, ...]):
        self.choices = choices

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, settings, owner=None):
        if settings is None:
            return self
        value = settings._read(self.name, self.choices[0])
        return value if value in self.choices else self.choices[0]

    def __set__(self, settings, value: str) -> None:
        if value not in self.choices:
            raise ValueError(f"{self.name.replace('_', ' ')} must be one of {self.choices}, got {value!r}")
        settings._write(self.name, value)


class Settings:
    """Typed accessors; every setter writes through at once, so nothing is lost on a crash."""

    def __init__(self, store):
        self._store = store

    def _read(self, name: str, default: str) -> str:
        return str(self._store.readSetting(GROUP, name, default))

    def _write(self, name: str, value) -> None:
        self._store.writeSetting(GROUP, name, str(value))

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
        """Feather radius in pixels of the pasted-back edit."""
        return self._int("feather", FEATHER.default, *FEATHER.range)  # what the daemon takes

    @feather.setter
    def feather(self, value: int) -> None:
        self._write("feather", int(value))

    @property
    def look(self) -> int:
        """How added worn parts are drawn (the daemon's `look`): -1 automatic, 0 the photo's own style, 1..16 a built-in look."""
        return self._int("look", LOOK.default, *LOOK.range)  # what the daemon takes

    @look.setter
    def look(self, value: int) -> None:
        self._write("look", int(value))

    @property
    def looks_from_style(self) -> bool:
        """Whether added parts are drawn from the “Style from” document rather than a built-in look."""
        return self._read("looks_from_style", "false") == "true"

    @looks_from_style.setter
    def looks_from_style(self, value: bool) -> None:
        self._write("looks_from_style", "true" if value else "false")

    @property
    def variants(self) -> int:
        """How many variants one click asks for."""
        return self._int("variants", VARIANTS.default, *VARIANTS.range)  # what the daemon takes

    @variants.setter
    def variants(self, value: int) -> None:
        self._write("variants", int(value))

    # each one of a few values (the constants above say what they mean)
    mask_mode = _Choice(MASK_MODES)
    batch_scope = _Choice(BATCH_SCOPES)
    precision = _Choice(PRECISIONS)  # for a daemon the docker starts; a running daemon keeps its own
    result_place = _Choice(RESULT_PLACES)
    photo_source = _Choice(PHOTO_SOURCES)
    method = _Choice(
        METHODS
    )  # the daemon's `method`: the photo's own pixels first, the generator everywhere, or never the generator

    @property
    def colour_tolerance(self) -> int:
        """How far a painted colour may be from a class's palette colour (or a blend of two) and still count as it."""
        return self._int("colour_tolerance", round(labels().DEFAULT_COLOR_TOLERANCE), *TOLERANCE_RANGE)

    @colour_tolerance.setter
    def colour_tolerance(self, value: int) -> None:
        self._write("colour_tolerance", int(value))
