"""The MaskGAN procedures GIMP 3 shows under Filters > MaskGAN, their arguments and their runs (needs GIMP).

Every argument takes its range or choices from the protocol table (maskgan_client.protocol) or the
plug-ins' shared options (maskgan_plugin_common.options), so GIMP offers exactly what the daemon
accepts. A run that fails ends with EXECUTION_ERROR and a message that says what to do; a run that
works returns its message (the same GIMP shows) as the string return value ``message``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("GimpUi", "3.0")
from gi.repository import Gimp, GimpUi, GLib, GObject  # noqa: E402

from maskgan_client.protocol import FACE, FEATHER, LOOK, METHODS, SEED, VARIANTS  # noqa: E402
from maskgan_plugin_common import naming  # noqa: E402
from maskgan_plugin_common.errors import PluginError  # noqa: E402
from maskgan_plugin_common.label_table import labels  # noqa: E402
from maskgan_plugin_common.options import MASK_MODES, TOLERANCE_RANGE  # noqa: E402

from . import actions  # noqa: E402
from .cancel_watch import WatchedClient  # noqa: E402
from .daemon_link import Daemon  # noqa: E402

MENU = "<Image>/Filters/MaskGAN"
PREFIX = "plug-in-maskgan-"
METHOD_LABELS = {
    "auto": "Photo first (moved, transferred or drawn from the photo; the generator for the rest)",
    "generate": "Generator everywhere (the paper's behaviour)",
    "photo": "Photo only (never the generator)",
}
MASK_MODE_LABELS = {"colour": "One colour layer", "classes": "One layer per class"}
READWRITE = GObject.ParamFlags.READWRITE
CANCEL_LOG = Path(__file__).resolve().parents[2] / "cancelled.log"  # in the plug-in's folder (uninstall removes it)


def _choice(labels_by_id: dict[str, str]):
    choice = Gimp.Choice.new()
    for index, (nick, label) in enumerate(labels_by_id.items()):
        choice.add(nick, index, label, "")
    return choice


def _daemon_args(procedure) -> None:
    procedure.add_string_argument(
        "endpoint",
        "Daemon endpoint",
        "Where the MaskGAN daemon listens; empty: the one it announced (maskgan daemon start)",
        "",
        READWRITE,
    )


def _look_args(procedure) -> None:
    procedure.add_choice_argument(
        "method",
        "Edit made by",
        "How changed regions are made",
        _choice({m: METHOD_LABELS[m] for m in METHODS}),
        METHODS[0],
        READWRITE,
    )
    procedure.add_int_argument(
        "look",
        "Look of added parts",
        "-1: automatic, 0: the photo's own style, 1..16: a built-in look",
        *LOOK.range,
        LOOK.default,
        READWRITE,
    )
    procedure.add_int_argument(
        "feather", "Feather", "Soft edge of the pasted-back edit, pixels", *FEATHER.range, FEATHER.default, READWRITE
    )
    _tolerance_arg(procedure)


def _tolerance_arg(procedure) -> None:
    """The masks' colour tolerance: every procedure that reads painted masks takes it (after its own arguments)."""
    procedure.add_int_argument(
        "colour-tolerance",
        "Colour tolerance",
        "How far a painted colour may be from a palette colour and still count as it",
        *TOLERANCE_RANGE,
        round(labels().DEFAULT_COLOR_TOLERANCE),
        READWRITE,
    )


def _declare(procedure, name: str) -> None:
    if name == "parse-face":
        procedure.add_int_argument("face", "Face", "Which face: 0 is the largest", *FACE.range, FACE.default, READWRITE)
        procedure.add_choice_argument(
            "mask-mode",
            "Mask as",
            "One colour layer or one layer per class",
            _choice({m: MASK_MODE_LABELS[m] for m in MASK_MODES}),
            MASK_MODES[0],
            READWRITE,
        )
    elif name == "style-copy":
        procedure.add_image_argument("reference", "Reference", "Another open image with MaskGAN masks", True, READWRITE)
        _tolerance_arg(procedure)
    else:
        _look_args(procedure)
        if name == "apply-edit":
            procedure.add_layer_argument(
                "photo", "Photo", "The photo layer (none: the selected or bottom layer)", True, READWRITE
            )
            for key, label, found in (
                ("source-mask", "Source mask", naming.SOURCE_MASK),
                ("edited-mask", "Edited mask", naming.EDITED_MASK),
            ):
                procedure.add_layer_argument(
                    key,
                    label,
                    f"A colour mask layer or per-class group (none: the MaskGAN group's “{found}”)",
                    True,
                    READWRITE,
                )
        if name == "variants":
            procedure.add_int_argument("n", "Variants", "How many", *VARIANTS.range, VARIANTS.default, READWRITE)
            procedure.add_int_argument("seed", "Seed", "-1: a fresh one each run", -1, SEED.high, -1, READWRITE)
    _daemon_args(procedure)
    procedure.add_string_return_value("message", "Message", "What the procedure did", "", READWRITE)


PROCEDURES = {  # name -> (menu label, what it does)
    "parse-face": ("Parse face", "Parse the photo's face into the MaskGAN mask group (a source and an edited mask)"),
    "apply-edit": ("Apply edit", "Edit the face as the edited mask says: the result is a new layer above the photo"),
    "variants": ("Variants", "Several edits sampled near the edited mask, as a group of layers above the photo"),
    "style-copy": ("Style copy", "Render the edited mask in the style of another open image's face"),
    "batch-edit": ("Batch apply edit over open images", "Apply edit on every open image that has MaskGAN masks"),
}


def _show_progress(fraction: float, text: str) -> None:
    Gimp.progress_set_text(text)
    Gimp.progress_update(fraction)


def _look(config) -> actions.Look:
    return actions.Look(config.get_property("feather"), config.get_property("look"), config.get_property("method"))


def _work(name: str, image, drawables, config, daemon: Daemon) -> str:
    if name == "parse-face":
        return actions.parse_face(
            daemon, image, drawables, config.get_property("face"), config.get_property("mask-mode")
        )
    tolerance = config.get_property("colour-tolerance")
    if name == "apply-edit":
        return actions.apply_edit(
            daemon,
            image,
            drawables,
            _look(config),
            tolerance,
            *(config.get_property(key) for key in ("photo", "source-mask", "edited-mask")),
        )
    if name == "variants":
        seed = config.get_property("seed")
        return actions.variants(
            daemon,
            image,
            drawables,
            _look(config),
            tolerance,
            config.get_property("n"),
            seed if seed >= 0 else random.randrange(SEED.high + 1),
        )
    if name == "style-copy":
        return actions.style_copy(daemon, image, drawables, config.get_property("reference"), tolerance)
    return actions.batch_edit(daemon, list(Gimp.get_images()), _look(config), tolerance, _show_progress)


class MaskGAN(Gimp.PlugIn):
    def do_query_procedures(self):
        return [PREFIX + name for name in PROCEDURES]

    def do_set_i18n(self, name):
        return False

    def do_create_procedure(self, full_name):
        name = full_name[len(PREFIX) :]
        label, blurb = PROCEDURES[name]
        procedure = Gimp.ImageProcedure.new(self, full_name, Gimp.PDBProcType.PLUGIN, self.run, name)
        procedure.set_image_types("RGB*" if name != "batch-edit" else "*")
        if name == "batch-edit":
            procedure.set_sensitivity_mask(Gimp.ProcedureSensitivityMask.ALWAYS)
        procedure.set_menu_label(label)
        procedure.add_menu_path(MENU)
        procedure.set_documentation(
            blurb, blurb + ". Needs a running MaskGAN daemon (maskgan daemon start).", full_name
        )
        procedure.set_attribution("MaskGAN Studio", "MaskGAN Studio", "2026")
        _declare(procedure, name)
        return procedure

    def run(self, procedure, run_mode, image, drawables, config, name):
        label = PROCEDURES[name][0]
        if run_mode == Gimp.RunMode.INTERACTIVE:
            GimpUi.init("maskgan-gimp")
            dialog = GimpUi.ProcedureDialog.new(procedure, config, f"MaskGAN: {label}")
            dialog.fill(None)
            accepted = dialog.run()
            dialog.destroy()
            if not accepted:
                return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, None)
        Gimp.progress_init(f"MaskGAN: {label}")
        endpoint = config.get_property("endpoint") or None
        try:
            with WatchedClient(endpoint, CANCEL_LOG) as client:  # GIMP's Cancel kills us: the watcher tells the daemon
                message = _work(name, image, list(drawables), config, Daemon(client, _show_progress))
        except PluginError as error:
            return _failed(procedure, run_mode, str(error))
        except Exception as error:  # noqa: BLE001 - GIMP shows nothing useful for an escaped exception
            import traceback

            traceback.print_exc(file=sys.stderr)
            return _failed(procedure, run_mode, f"{label} failed: {type(error).__name__}: {error}")
        finally:
            Gimp.progress_end()
        Gimp.displays_flush()
        if run_mode == Gimp.RunMode.INTERACTIVE:
            Gimp.message(message)
        values = procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, None)
        values.insert(1, GObject.Value(GObject.TYPE_STRING, message))
        return values


def _failed(procedure, run_mode, message: str):
    return procedure.new_return_values(
        Gimp.PDBStatusType.EXECUTION_ERROR, GLib.Error.new_literal(Gimp.PlugIn.error_quark(), message, 0)
    )


def main(argv) -> None:
    Gimp.main(MaskGAN.__gtype__, argv)
