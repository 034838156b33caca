"""Connection problems and daemons the plug-in starts itself, in real Krita."""

from pathlib import Path


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a parent that is not ours to reap it counts as exited)."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" in status.read_text()
    except FileNotFoundError:
        return True


def test_daemon_down_is_reported_and_the_endpoint_persists(plugin_session):
    values = plugin_session.check("check_daemon_down_is_reported")
    assert values["down_connection"] == "Not connected: no MaskGAN daemon answers"  # short; the socket in the tooltip
    assert values["down_connection_tooltip"].startswith("no MaskGAN daemon answered at ipc://")
    assert values["down_connection_tooltip"].endswith(
        "nobody-listens.sock within 3s; start one with `maskgan daemon start`"
    )
    assert values["start_button_visible"] is True
    reason = "no MaskGAN daemon is connected: press Start daemon"
    assert {key: state for key, state in values["down_buttons"].items() if key not in ("import", "cancel")} == {
        key: [False, reason] for key in ("parse", "apply", "variants", "style", "batch_apply", "batch_parse")
    }
    assert values["down_buttons"]["import"] == [True, ""]
    assert values["down_buttons"]["cancel"] == [False, "nothing is running"]
    assert values["down_message"] == (
        "no MaskGAN daemon is connected: press Start daemon or run `maskgan daemon start`, then try again"
    )
    assert values["endpoint_setting"].endswith("nobody-listens.sock")


def test_start_daemon_button_starts_one_and_connects(plugin_session):
    values = plugin_session.check("check_start_daemon_button_connects")
    assert values["announced_before_start"] is False  # no daemon of this profile ran before the click
    assert values["start_message"] == "Starting the daemon…"  # the command line is in the tooltip
    assert values["start_message_tooltip"].startswith("Started with: ")
    assert values["start_message_tooltip"].endswith(
        " -m maskgan_cli daemon start --detach --precision fp32 --endpoint ipc://"
        f"{plugin_session.artefacts}/started.sock"
    )
    assert values["started_message"] == "The daemon started."
    assert values["started_connection"].startswith("Connected: MaskGAN ")
    assert " (fp32), MaskGAN trained on synthetic" in values["started_connection"]  # it runs as it was told
    assert values["started_precision_note"] == ""
    assert values["start_button_visible_when_connected"] is False
    assert gone(values["started_pid"])


def test_auto_start_starts_a_daemon_when_none_answers(plugin_session):
    values = plugin_session.check("check_auto_start_when_the_setting_is_on")
    assert values["auto_start_setting"] == "true"
    assert values["auto_start_message"].endswith(
        f" start --detach --precision bf16 --endpoint ipc://{plugin_session.artefacts}/auto.sock"
    )
    assert values["auto_connection"].startswith("Connected: MaskGAN ") and " (bf16), " in values["auto_connection"]
    assert values["auto_precision_note"] == ""
    assert values["precision_setting_at_the_end"] == "auto"
    assert gone(values["auto_pid"])
