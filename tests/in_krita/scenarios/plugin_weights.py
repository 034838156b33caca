"""Checks: the Weights tab switches the daemon the docker started to official-format weights and parser, and back.

Inputs (conftest.weights_session): latest_net_G.pth (the shared reference's small generator in the official
format), model.pth (a face_parsing unet in the official format), notes.pth (not a checkpoint), photo.npy.
Krita's environment names the profile's own settings file and weights folder, and the `maskgan weights`
commands and the daemons the docker starts inherit it. The file dialog is replaced by one that answers with
the file a check names, as a user picking it would.
"""

import json
import os
from pathlib import Path

from krita_checks import INPUTS, arrange_window, docker, idle, load, open_document, press, set_endpoint, wait_for
from plugin_daemon import ANNOUNCED, START_S, shut_down_started_daemon
from PyQt5.QtCore import QPoint, QRect

import maskgan_krita.docker as docker_module
from maskgan_krita.weights_choice import EDITING, PARSER

CLI_S = 120  # a `maskgan weights` command imports torch: slow on a loaded machine
SETTINGS = Path(os.environ["XDG_CONFIG_HOME"]) / "maskgan" / "config.toml"
WEIGHTS_FOLDER = Path(os.environ["XDG_DATA_HOME"]) / "maskgan" / "weights"
OFFICIAL = "official MaskGAN generator (latest_net_G.pth)"
SCREENSHOT = "krita_weights_tab.png"


class PickedFile:
    """QFileDialog as the docker uses it: getOpenFileName answers with ``path`` (and records the dialog's title)."""

    path = ""
    titles = []

    @classmethod
    def getOpenFileName(cls, parent, title, folder, filters):
        cls.titles.append(title)
        return cls.path, filters.split(";;")[0]


def entries(box):
    return [box.itemText(i) for i in range(box.count())]


def pick(box, text):
    """Choose the entry ``text`` of a weights box as a user does."""
    index = box.findText(text)
    assert index >= 0, f"{text!r} is not among {entries(box)}"
    box.setCurrentIndex(index)
    box.activated.emit(index)


def import_through_the_docker(dock, kind, file):
    """Pick the import entry of ``kind``'s box with the dialog answering ``file`` (in the inputs)."""
    PickedFile.path = str(INPUTS / file)
    docker_module.QFileDialog = PickedFile
    dock.refresh()
    box = dock.weights_boxes[kind]
    pick(box, entries(box)[-1])


def record_statuses(dock):
    """Record every text the Weights tab's line shows from now on (a list, extended as they come)."""
    chooser, seen = dock.controller.weights, []
    shown = chooser.say

    def say(text):
        seen.append((text, chooser.progress))
        shown(text)

    chooser.say = say
    return seen


def serving(dock, model=None, parser_weights=...):
    """Whether a daemon answers (not restarting) with this model card name and this parser weights file."""
    hello = dock.controller.link.daemon
    if hello is None or dock.controller.link.restarting:
        return False
    return (model is None or hello["model"].get("name") == model) and (
        parser_weights is ... or hello["parser"]["weights"] == parser_weights
    )


def announced_pid():
    return int(json.loads(ANNOUNCED.read_text())["pid"]) if ANNOUNCED.exists() else None


def check_docker_starts_a_daemon_with_the_demo_weights(ctx):
    dock = docker(ctx)
    dock.setVisible(True)
    ctx.values["endpoint"] = "ipc://" + str(Path(ctx.artefacts) / "weights.sock")
    set_endpoint(dock, ctx.values["endpoint"])
    yield from wait_for(lambda: dock.connection_label.text().startswith("Not connected"), "the failed hello")
    dock.start_button.click()
    yield from wait_for(lambda: serving(dock), "the started daemon's hello", START_S)
    ctx.values["demo_connection"] = dock.connection_label.text()
    ctx.values["demo_model"] = dock.controller.link.daemon["model"]["name"]
    ctx.values["demo_pid"] = announced_pid()
    ctx.values["settings_before"] = SETTINGS.exists()


def check_weights_tab_lists_what_is_installed(ctx):
    dock = docker(ctx)
    ctx.values["before_tab"] = entries(dock.weights_boxes[EDITING])
    dock.tabs.setCurrentIndex(dock.weights_tab)  # showing the tab reads `maskgan weights list --json`
    yield from wait_for(lambda: dock.controller.weights.listing is not None, "the weights listing", CLI_S)
    dock.refresh()
    ctx.values["listed"] = {kind: entries(box) for kind, box in dock.weights_boxes.items()}
    ctx.values["listed_current"] = {kind: box.currentText() for kind, box in dock.weights_boxes.items()}
    ctx.values["listed_tooltip"] = dock.weights_boxes[EDITING].itemData(0, 3)  # Qt.ToolTipRole


def check_a_file_that_is_no_checkpoint_is_refused_in_the_clis_words(ctx):
    dock = docker(ctx)
    import_through_the_docker(dock, EDITING, "notes.pth")
    chooser = dock.controller.weights
    yield from wait_for(lambda: not chooser.running, "the failed import", CLI_S)
    dock.refresh()
    ctx.values["refused_status"] = dock.weights_status.text()
    ctx.values["refused_connection"] = dock.connection_label.text()
    ctx.values["refused_settings"] = SETTINGS.exists()
    ctx.values["dialog_titles"] = list(PickedFile.titles)


def check_cancel_stops_an_import(ctx):
    dock = docker(ctx)
    import_through_the_docker(dock, EDITING, "latest_net_G.pth")
    yield 50
    dock.refresh()
    ctx.values["cancel_visible"] = dock.weights_cancel.isVisible()
    dock.weights_cancel.click()
    chooser = dock.controller.weights
    yield from wait_for(lambda: chooser.progress is None, "the cancelled import", CLI_S)
    ctx.values["cancelled_status"] = chooser.status
    ctx.values["cancelled_settings"] = SETTINGS.exists()
    yield from wait_for(lambda: not chooser.running, "the listing after Cancel", CLI_S)


def check_importing_official_weights_restarts_the_daemon_with_them(ctx):
    dock = docker(ctx)
    seen = record_statuses(dock)
    import_through_the_docker(dock, EDITING, "latest_net_G.pth")
    ctx.values["busy_box_enabled"] = dock.weights_boxes[EDITING].isEnabled()
    yield from wait_for(lambda: dock.controller.link.restarting, "the restart", CLI_S)
    ctx.values["restarting_connection"] = dock.connection_label.text()
    yield from wait_for(lambda: serving(dock, OFFICIAL), "the daemon with the official weights", CLI_S + START_S)
    dock.refresh()
    ctx.values["import_statuses"] = list(seen)  # the recorder goes on: the next checks say more
    ctx.values["official_connection"] = dock.connection_label.text()
    ctx.values["official_current"] = dock.weights_boxes[EDITING].currentText()
    ctx.values["official_entries"] = entries(dock.weights_boxes[EDITING])
    ctx.values["official_settings"] = SETTINGS.read_text()
    ctx.values["official_folder"] = sorted(path.name for path in WEIGHTS_FOLDER.iterdir())
    ctx.values["official_pid"] = announced_pid()


def check_importing_the_official_parser_makes_parse_face_use_it(ctx):
    dock = docker(ctx)
    import_through_the_docker(dock, PARSER, "model.pth")
    parser = str(WEIGHTS_FOLDER / "official-parser.safetensors")
    yield from wait_for(lambda: serving(dock, OFFICIAL, parser), "the daemon with the official parser", CLI_S + START_S)
    ctx.values["parser_connection"] = dock.connection_label.text()
    ctx.values["parser_settings"] = SETTINGS.read_text()
    arrange_window(ctx)
    dock.refresh()
    yield 500  # let the docker repaint at its new size
    # the docker alone, on its Weights tab, down to the tab's line (the empty rest of the tall docker left out)
    bottom = dock.weights_status.mapTo(dock, QPoint(0, dock.weights_status.height())).y() + 12
    dock.grab(QRect(0, 0, dock.width(), bottom)).save(str(Path(ctx.artefacts) / SCREENSHOT))
    open_document(ctx, "portrait", load("photo.npy"))
    press(dock, "parse")
    yield from idle(ctx)
    ctx.values["parse_message"] = dock.message.text()


def check_weights_the_daemon_cannot_load_are_named_with_its_error(ctx):
    """A bundle whose card reads but whose tensors were damaged since (`maskgan weights use` takes it, the daemon
    refuses it): the restart ends at once with the daemon's own error, and the tab can choose again."""
    dock = docker(ctx)
    official = WEIGHTS_FOLDER / "official.safetensors"
    damaged = bytearray(official.read_bytes())
    damaged[-1] ^= 0xFF  # the last tensor's last byte: the tensors' digest no longer holds
    (WEIGHTS_FOLDER / "broken.safetensors").write_bytes(bytes(damaged))
    chooser, link = dock.controller.weights, dock.controller.link
    yield from wait_for(lambda: chooser.why_not() is None, "the chooser", CLI_S)
    chooser.refresh()  # the tab lists the folder again when shown; here it is shown already
    yield from wait_for(lambda: not chooser.running, "the listing", CLI_S)
    dock.refresh()
    pick(dock.weights_boxes[EDITING], "broken")
    yield from wait_for(lambda: link.restarting, "the restart", CLI_S)
    yield from wait_for(
        lambda: not (link.restarting or link.starting or chooser.running), "the failed start", CLI_S + START_S
    )
    dock.refresh()
    ctx.values["broken_status"] = dock.weights_status.text()
    ctx.values["broken_message"] = dock.message.text()
    ctx.values["broken_connection"] = dock.connection_label.text()
    ctx.values["broken_settings"] = SETTINGS.read_text()
    ctx.values["broken_box_enabled"] = dock.weights_boxes[EDITING].isEnabled()
    ctx.values["broken_entries"] = entries(dock.weights_boxes[EDITING])
    ctx.values["broken_start_visible"] = dock.start_button.isVisible()


def check_choosing_the_demo_weights_and_landmarks_goes_back(ctx):
    dock = docker(ctx)
    yield from wait_for(lambda: dock.controller.weights.why_not() is None, "the chooser", CLI_S)
    dock.refresh()
    pick(dock.weights_boxes[EDITING], "demo")
    demo = ctx.values["demo_model"]
    yield from wait_for(lambda: serving(dock, demo), "the daemon with the demo weights", CLI_S + START_S)
    ctx.values["demo_again_connection"] = dock.connection_label.text()
    yield from wait_for(lambda: dock.controller.weights.why_not() is None, "the chooser", CLI_S)
    dock.refresh()
    pick(dock.weights_boxes[PARSER], "landmarks")
    yield from wait_for(lambda: serving(dock, demo, None), "the daemon with the landmark parser", CLI_S + START_S)
    yield from wait_for(lambda: dock.controller.weights.why_not() is None, "the listing", CLI_S)
    dock.refresh()
    ctx.values["back_connection"] = dock.connection_label.text()
    ctx.values["back_settings"] = SETTINGS.read_text()
    ctx.values["back_current"] = {kind: box.currentText() for kind, box in dock.weights_boxes.items()}
    yield from shut_down_started_daemon(ctx, dock, "weights")


checks = [
    check_docker_starts_a_daemon_with_the_demo_weights,
    check_weights_tab_lists_what_is_installed,
    check_a_file_that_is_no_checkpoint_is_refused_in_the_clis_words,
    check_cancel_stops_an_import,
    check_importing_official_weights_restarts_the_daemon_with_them,
    check_importing_the_official_parser_makes_parse_face_use_it,
    check_weights_the_daemon_cannot_load_are_named_with_its_error,
    check_choosing_the_demo_weights_and_landmarks_goes_back,
]
