"""When the real-GIMP tests can run (tests/in_gimp/gimp_runner.py), decided without building anything."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "in_gimp"))
import gimp_runner  # noqa: E402


def test_why_the_gimp_tests_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setenv("MASKGAN_GIMP_ROOT", str(tmp_path / "root"))
    monkeypatch.setattr(gimp_runner.os, "geteuid", lambda: 1000)
    assert gimp_runner.why_unavailable() == "the GIMP 3 chroot needs root"
    monkeypatch.setattr(gimp_runner.os, "geteuid", lambda: 0)
    tools = {"chroot": "/usr/sbin/chroot", "unshare": "/usr/bin/unshare"}
    monkeypatch.setattr(gimp_runner.shutil, "which", tools.get)
    assert gimp_runner.why_unavailable() == (
        "mmdebstrap is missing to build the GIMP 3 root file system (apt-get install mmdebstrap)"
    )
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / gimp_runner.STAMP).write_text("gimp")
    assert gimp_runner.why_unavailable() is None  # a root built before needs neither mmdebstrap nor the mirror
    del tools["unshare"]
    assert gimp_runner.why_unavailable() == "unshare is missing"


def test_an_unreachable_mirror_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("MASKGAN_GIMP_ROOT", str(tmp_path / "root"))
    monkeypatch.setenv("MASKGAN_GIMP_MIRROR", "http://127.0.0.1:9/debian")  # the discard port: refused
    monkeypatch.setattr(gimp_runner.os, "geteuid", lambda: 0)
    monkeypatch.setattr(gimp_runner.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    assert gimp_runner.why_unavailable().startswith("Debian's mirror http://127.0.0.1:9/debian cannot be reached")
