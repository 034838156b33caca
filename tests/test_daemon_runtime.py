"""The daemon's runtime folder, locks, keys and endpoints (issue 22, defects 6 and 9)."""

import os
import stat
import subprocess
import threading

import pytest
from daemon_process import DaemonProcess

from maskgan_client import Client
from maskgan_client.endpoint import UnsafeRuntimeDir, default_endpoint, runtime_dir
from maskgan_daemon import runtime


def fallback_env(monkeypatch, tmp_path):
    """No XDG_RUNTIME_DIR: the runtime folder is <temp>/maskgan-<user>."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("USER", "probe")
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    return tmp_path / "maskgan-probe"


def test_a_world_writable_fallback_folder_is_refused_with_its_planted_discovery_file(monkeypatch, tmp_path):
    folder = fallback_env(monkeypatch, tmp_path)
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)  # as if another user made it first
    (folder / "endpoint.json").write_text('{"endpoint": "tcp://attacker.example:1", "pid": 1}')
    with pytest.raises(
        UnsafeRuntimeDir, match=f"the MaskGAN runtime folder {folder} has mode 777: other users may use it"
    ):
        default_endpoint()
    with pytest.raises(UnsafeRuntimeDir):
        Client()
    folder.chmod(0o700)
    assert runtime_dir() == folder and default_endpoint() == "tcp://attacker.example:1"  # private again: trusted


def test_a_fallback_folder_that_is_a_symlink_is_refused(monkeypatch, tmp_path):
    folder = fallback_env(monkeypatch, tmp_path)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    folder.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeRuntimeDir, match="is not a folder \\(a symbolic link\\?\\)"):
        runtime_dir()


def test_the_daemon_start_says_so_in_one_line(monkeypatch, tmp_path, capsys):
    from maskgan_cli.main import main

    folder = fallback_env(monkeypatch, tmp_path)
    folder.mkdir()
    folder.chmod(0o775)
    assert main(["daemon", "start"]) == 2
    assert "has mode 775: other users may use it" in capsys.readouterr().err


def test_a_second_daemon_from_another_runtime_folder_cannot_take_the_socket(tiny_weights, tmp_path):
    first = DaemonProcess(tmp_path / "a", tiny_weights).start()
    try:
        second = DaemonProcess(tmp_path / "b", tiny_weights, endpoint=first.endpoint)  # its own runtime folder
        result = subprocess.run(second.command, env=second.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 2
        assert f"another MaskGAN daemon (pid {first.process.pid} at {first.endpoint}) is listening on" in result.stderr
        with Client(first.endpoint, timeout=10) as client:
            assert client.call("status").result["endpoint"] == first.endpoint  # still the first one's socket
    finally:
        first.stop()
    assert first.process.returncode == 0
    assert not (tmp_path / "a" / "d.sock").exists()  # a clean stop leaves no socket file


def test_curve_keys_are_private_from_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    modes = []
    real_open = os.open

    def spying_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).endswith("server.key"):
            modes.append(stat.S_IMODE(os.fstat(fd).st_mode))  # the mode the moment it exists, before any write
        return fd

    monkeypatch.setattr(os, "open", spying_open)
    previous = os.umask(0)  # the most permissive umask: the file's own mode must protect it
    try:
        secret, public = runtime.make_keys()
    finally:
        os.umask(previous)
    assert modes == [0o600]
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    assert len(secret.read_bytes()) == 40 and len(public.read_bytes()) == 40


@pytest.mark.parametrize(
    "endpoint,needs",
    [
        ("ipc:///run/user/1/maskgan/daemon.sock", False),
        ("tcp://127.0.0.1:5563", False),
        ("tcp://localhost:1", False),
        ("tcp://[::1]:1", False),
        ("tcp://0.0.0.0:5563", True),
        ("tcp://192.168.1.2:1", True),
        ("tipc://{5560,0,0}", True),
        ("ws://127.0.0.1:1", True),
        ("pgm://eth0;239.192.1.1:5555", True),
    ],
)
def test_every_transport_but_ipc_and_loopback_tcp_needs_curve(endpoint, needs):
    assert runtime.needs_curve(endpoint) is needs


@pytest.mark.parametrize("value", ["0", "-3"])
def test_queue_size_must_be_positive(value, capsys):
    from maskgan_cli.main import main

    with pytest.raises(SystemExit) as info:
        main(["daemon", "start", "--queue-size", value])
    assert info.value.code == 2
    assert f"argument --queue-size: must be between 1 and 1024, got {value}" in capsys.readouterr().err


def test_a_daemon_paused_briefly_still_answers_a_waiting_call(tiny_weights, tmp_path):
    """Faults: SIGSTOP then SIGCONT within the liveness ping's 6 s; the blocking call gets its result."""
    import signal
    import threading

    from helpers import synthetic_photo

    process = DaemonProcess(tmp_path / "d", tiny_weights).start()
    try:
        image, source, edited = synthetic_photo()
        with Client(process.endpoint, timeout=60) as client:
            process.process.send_signal(signal.SIGSTOP)
            threading.Timer(1.5, process.process.send_signal, (signal.SIGCONT,)).start()
            reply = client.call("edit", {}, {"image": image, "source_mask": source, "edited_mask": edited})
        assert reply.arrays["image"].shape == image.shape and reply.result["changed"]
    finally:
        process.process.send_signal(signal.SIGCONT)
        process.stop()


def test_the_engine_loads_off_the_main_thread_and_its_errors_reach_the_caller():
    """serve.py loads the Editor so: torch work on the main thread would leave an OpenMP pool beside the worker's."""
    from maskgan_daemon.serve import off_main_thread

    assert off_main_thread(lambda: threading.current_thread() is threading.main_thread()) is False
    with pytest.raises(FileNotFoundError, match="no such weights"):
        off_main_thread(lambda: (_ for _ in ()).throw(FileNotFoundError("no such weights")))


def test_a_detached_start_that_fails_says_the_daemons_own_error_and_not_an_earlier_starts(tiny_weights, tmp_path):
    corrupt = tmp_path / "corrupt.safetensors"
    data = bytearray(tiny_weights.read_bytes())
    data[-1] ^= 0xFF  # a tensor's last byte: the header and card still read, the tensors' digest no longer holds
    corrupt.write_bytes(bytes(data))
    daemon = DaemonProcess(tmp_path / "d", corrupt)
    out = tmp_path / "d" / "state" / "maskgan" / "daemon.out"
    out.parent.mkdir(parents=True)
    out.write_text("maskgan daemon: error: an earlier start's error\nINFO stopping\n")  # the log outlives starts
    result = subprocess.run([*daemon.command, "--detach"], env=daemon.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == (
        f"maskgan daemon: error: the daemon exited at start (2): {corrupt}: the tensors do not match the card's "
        "tensors_sha256; the file is corrupt or was edited. Export or import it again.\n"
    )
