"""The Krita plug-in's daemon_launch.py outside Krita: the daemon's start command."""

import pytest


def test_daemon_start_command_comes_from_daemon_json(tmp_path):
    from maskgan_krita.daemon_launch import start_command
    from maskgan_plugin_common.errors import PluginError

    config = tmp_path / "daemon.json"
    config.write_text('{"command": ["/py", "-m", "maskgan_cli", "daemon"]}')
    assert start_command("ipc:///e", "bf16", config) == [
        "/py",
        "-m",
        "maskgan_cli",
        "daemon",
        "start",
        "--detach",
        "--precision",
        "bf16",
        "--endpoint",
        "ipc:///e",
    ]
    assert start_command("", "auto", config)[-4:] == ["start", "--detach", "--precision", "auto"]
    with pytest.raises(PluginError, match="daemon.json is missing or broken.*run `maskgan install krita` again"):
        start_command("", "auto", tmp_path / "gone" / "daemon.json")


def test_other_maskgan_commands_run_with_the_python_daemon_json_names(tmp_path):
    from maskgan_krita.daemon_launch import cli_command
    from maskgan_plugin_common.errors import PluginError

    config = tmp_path / "daemon.json"
    config.write_text('{"command": ["/venv/bin/python", "-m", "maskgan_cli", "daemon"]}')
    assert cli_command(["weights", "use", "official"], config) == [
        "/venv/bin/python",
        "-m",
        "maskgan_cli",
        "weights",
        "use",
        "official",
    ]
    config.write_text('{"command": ["/venv/bin/maskgan-daemon"]}')
    with pytest.raises(PluginError, match=r"cannot run `maskgan weights list`: the command in .* does not end in"):
        cli_command(["weights", "list", "--json"], config)
    with pytest.raises(PluginError, match="cannot run `maskgan weights list`: .*daemon.json is missing or broken"):
        cli_command(["weights", "list"], tmp_path / "gone" / "daemon.json")
