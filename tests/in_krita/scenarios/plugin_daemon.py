"""Checks: no daemon at the endpoint, then the plug-in starts one (Start daemon, then auto-start).

The daemons start from the command the installer wrote in daemon.json, with this
Krita's environment: their runtime folder (lock, discovery file) is the profile's.
Each is shut down again before the next starts (one daemon per user). Each starts in the precision the
Precision setting names (fp32, then bf16); the setting is back at auto at the end.
"""

import json
import os
from pathlib import Path

from krita_checks import activate, choose, docker, set_endpoint, state, wait_for

START_S = 150  # a daemon's start imports torch and loads the demo weights: slow on a loaded machine
ANNOUNCED = Path(os.environ.get("XDG_RUNTIME_DIR", ".")) / "maskgan" / "endpoint.json"


def shut_down_started_daemon(ctx, dock, key):
    """Generator: record the started daemon's pid, ask it to stop, wait until it has withdrawn its announcement."""
    ctx.values[f"{key}_pid"] = json.loads(ANNOUNCED.read_text())["pid"]
    dock.controller.connection.submit("shutdown", on_result=lambda *_: None, on_error=lambda *_: None)
    yield from wait_for(lambda: not ANNOUNCED.exists(), "the started daemon to stop", START_S)


def check_daemon_down_is_reported(ctx):
    dock = docker(ctx)
    set_endpoint(dock, "ipc://" + str(Path(ctx.artefacts) / "nobody-listens.sock"))
    yield from wait_for(lambda: dock.connection_label.text().startswith("Not connected"), "the failed hello")
    ctx.values["down_connection"] = dock.connection_label.text()
    ctx.values["down_connection_tooltip"] = dock.connection_label.toolTip()
    ctx.values["start_button_visible"] = dock.start_button.isVisible()
    yield from activate(ctx, state["portrait"])
    dock.refresh()
    ctx.values["down_buttons"] = {key: (button.isEnabled(), button.toolTip()) for key, button in dock.buttons.items()}
    ctx.krita.action("maskgan_apply_edit").trigger()  # the shortcut works whatever the buttons show
    ctx.values["down_message"] = dock.message.text()
    ctx.values["endpoint_setting"] = ctx.krita.readSetting("MaskGAN", "endpoint", "")


def check_start_daemon_button_connects(ctx):
    dock = docker(ctx)
    ctx.values["announced_before_start"] = ANNOUNCED.exists()
    set_endpoint(dock, "ipc://" + str(Path(ctx.artefacts) / "started.sock"))
    yield from wait_for(lambda: dock.connection_label.text().startswith("Not connected"), "the failed hello")
    choose(dock.precision, "fp32")
    dock.start_button.click()
    ctx.values["start_message"] = dock.message.text()
    ctx.values["start_message_tooltip"] = dock.message.toolTip()
    yield from wait_for(lambda: dock.controller.link.daemon is not None, "the started daemon's hello", START_S)
    ctx.values["started_message"] = dock.message.text()
    ctx.values["started_connection"] = dock.connection_label.text()
    ctx.values["started_precision_note"] = dock.precision_note.text()
    ctx.values["start_button_visible_when_connected"] = dock.start_button.isVisible()
    yield from shut_down_started_daemon(ctx, dock, "started")


def check_auto_start_when_the_setting_is_on(ctx):
    dock = docker(ctx)
    dock.auto_start.setChecked(True)
    choose(dock.precision, "bf16")
    ctx.values["auto_start_setting"] = ctx.krita.readSetting("MaskGAN", "auto_start", "")
    set_endpoint(dock, "ipc://" + str(Path(ctx.artefacts) / "auto.sock"))
    yield from wait_for(lambda: "auto.sock" in dock.controller.board.message_detail, "the auto-start", 30)
    ctx.values["auto_start_message"] = dock.message.toolTip()
    yield from wait_for(lambda: dock.controller.link.daemon is not None, "the auto-started daemon's hello", START_S)
    ctx.values["auto_connection"] = dock.connection_label.text()
    ctx.values["auto_precision_note"] = dock.precision_note.text()
    yield from shut_down_started_daemon(ctx, dock, "auto")
    dock.auto_start.setChecked(False)
    choose(dock.precision, "auto")
    ctx.values["precision_setting_at_the_end"] = ctx.krita.readSetting("MaskGAN", "precision", "")


checks = [check_daemon_down_is_reported, check_start_daemon_button_connects, check_auto_start_when_the_setting_is_on]
