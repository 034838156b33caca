import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from krita_importer import import_zip, load_importer

from maskgan_cli.main import main
from maskgan_installer.krita_install import InstallError, InstallPlan, build_zip, install, uninstall
from maskgan_installer.krita_paths import (
    KritaLocation,
    current_python_version,
    detect_krita_python_version,
    find_krita_location,
    wheel_platform_tags,
)
from maskgan_installer.kritarc import read_python_setting, write_python_setting

KRITARC = "[General]\nfoo=1\n\n[python]\nenable_other=true\nenable_maskgan_krita=false\n\n[Zeta]\nx=y\n"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def profile(tmp_path):
    location = KritaLocation(tmp_path / "data" / "krita", tmp_path / "config" / "kritarc")
    location.kritarc.parent.mkdir(parents=True)
    location.kritarc.write_text(KRITARC)
    (location.pykrita / "someone_elses_plugin").mkdir(parents=True)
    (location.pykrita / "someone_elses_plugin" / "__init__.py").write_text("x = 1\n")
    return location


def test_kritarc_edits_one_line_and_keeps_the_rest(tmp_path):
    rc = tmp_path / "kritarc"
    rc.write_text(KRITARC)
    assert read_python_setting(rc, "enable_maskgan_krita") == "false"
    write_python_setting(rc, "enable_maskgan_krita", "true")
    assert read_python_setting(rc, "enable_maskgan_krita") == "true"
    assert read_python_setting(rc, "enable_other") == "true"
    assert "[Zeta]\nx=y" in rc.read_text() and "[General]\nfoo=1" in rc.read_text()
    write_python_setting(rc, "enable_maskgan_krita", None)
    assert read_python_setting(rc, "enable_maskgan_krita") is None
    missing = tmp_path / "new" / "kritarc"
    write_python_setting(missing, "enable_x", "true")
    assert missing.read_text() == "[python]\nenable_x=true\n"


def test_locations_follow_krita_per_platform(tmp_path):
    linux = find_krita_location(system="Linux", env={"HOME": "/h", "XDG_DATA_HOME": "/d", "XDG_CONFIG_HOME": "/c"})
    assert linux == KritaLocation(Path("/d/krita"), Path("/c/kritarc"))
    assert find_krita_location(system="Linux", env={"HOME": "/h"}) == KritaLocation(
        Path("/h/.local/share/krita"), Path("/h/.config/kritarc")
    )
    windows = find_krita_location(system="Windows", env={"APPDATA": "A", "LOCALAPPDATA": "L", "HOME": "/h"})
    assert windows == KritaLocation(Path("A/krita"), Path("L/kritarc"))
    mac = find_krita_location(system="Darwin", env={"HOME": "/h"})
    assert mac.resources == Path("/h/Library/Application Support/krita")
    assert mac.kritarc == Path("/h/Library/Preferences/kritarc")
    (tmp_path / "kritarc").write_text("")
    portable = find_krita_location(tmp_path, system="Linux", env={"HOME": "/h"})
    assert portable == KritaLocation(tmp_path, tmp_path / "kritarc")


def test_install_vendors_client_and_enables_plugin(profile, wheels):
    receipt = install(InstallPlan(profile, current_python_version(), wheel_platform_tags(), wheels=wheels))
    plugin = profile.pykrita / "maskgan_krita"
    assert (plugin / "__init__.py").exists() and (profile.pykrita / "maskgan_krita.desktop").exists()
    assert (profile.actions / "maskgan_krita.action").exists()
    for vendored in (
        "maskgan_client/__init__.py",
        "maskgan_plugin_common/mask_colours.py",
        "maskgan_labels.py",
        "zmq/__init__.py",
        "msgpack/__init__.py",
        "numpy/__init__.py",
    ):
        assert (plugin / "vendor" / vendored).exists(), vendored
    assert read_python_setting(profile.kritarc, "enable_maskgan_krita") == "true"
    assert json.loads((plugin / "daemon.json").read_text())["command"][-2:] == ["maskgan_cli", "daemon"]
    assert receipt["kritarc_before"] == "false"


def test_uninstall_removes_exactly_what_install_added(profile, wheels):
    before = tree(profile.resources)
    rc_before = profile.kritarc.read_text()
    plan = InstallPlan(profile, current_python_version(), wheel_platform_tags(), wheels=wheels)
    install(plan)
    install(plan)  # re-running upgrades in place and must not forget the original kritarc value
    uninstall(profile)
    assert tree(profile.resources) == before
    assert profile.kritarc.read_text() == rc_before
    with pytest.raises(InstallError, match="no MaskGAN plug-in installed"):
        uninstall(profile)


def test_missing_wheels_are_named(profile, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InstallError, match="has no wheel for pyzmq, msgpack, numpy"):
        install(InstallPlan(profile, "3.11", wheel_platform_tags(), wheels=empty))
    assert not (profile.pykrita / "maskgan_krita").exists()


@pytest.mark.skipif(detect_krita_python_version() is None, reason="no distribution-built Krita installed")
def test_vendored_packages_import_in_kritas_own_python(profile, wheels):
    """Krita's embedded Python is the system one on Linux distributions: it must import the vendor folder."""
    version = detect_krita_python_version()
    if version != current_python_version():
        pytest.fail(f"Krita embeds Python {version}; this test downloads wheels for {current_python_version()}")
    install(InstallPlan(profile, version, wheel_platform_tags(), wheels=wheels))
    vendor = profile.pykrita / "maskgan_krita" / "vendor"
    code = (
        f"import sys; sys.path.insert(0, {str(vendor)!r}); import zmq, msgpack, numpy, maskgan_labels, maskgan_client; "
        "from maskgan_plugin_common import jobs, mask_colours, messages, naming, pixels; "
        "print(zmq.zmq_version(), maskgan_labels.NUM_CLASSES, len(naming.class_layer_name(13, maskgan_labels.CLASS_NAMES)))"
    )
    system_python = shutil.which("python3", path="/usr/bin")
    completed = subprocess.run([system_python, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split()[1:] == ["19", "7"]  # "13 Hair": the shared package found the vendored table


def test_zip_has_krita_importer_layout(tmp_path, wheels):
    plan = InstallPlan(
        KritaLocation(tmp_path / "unused", tmp_path / "rc"),
        current_python_version(),
        wheel_platform_tags(),
        wheels=wheels,
    )
    names = zipfile.ZipFile(build_zip(tmp_path / "maskgan.zip", plan)).namelist()
    assert "maskgan_krita.desktop" in names and "maskgan_krita/__init__.py" in names
    assert "maskgan_krita/vendor/maskgan_client/__init__.py" in names
    assert "maskgan_krita/vendor/maskgan_plugin_common/" in names  # a folder entry, as Krita's importer wants
    assert "maskgan_krita/vendor/maskgan_plugin_common/mask_colours.py" in names
    assert not any(name.endswith("install.json") for name in names)
    assert not (tmp_path / "unused").exists()


@pytest.mark.skipif(
    load_importer() is None, reason="Krita's plugin_importer.py is not installed (apt-get install krita)"
)
def test_krita_importer_takes_the_zip_with_its_shortcuts(tmp_path, wheels):
    plan = InstallPlan(
        KritaLocation(tmp_path / "unused", tmp_path / "rc"),
        current_python_version(),
        wheel_platform_tags(),
        wheels=wheels,
    )
    resources = tmp_path / "resources"
    resources.mkdir()
    assert import_zip(build_zip(tmp_path / "maskgan.zip", plan), resources) == ["maskgan_krita"]
    package = resources / "pykrita" / "maskgan_krita"
    assert (package / "__init__.py").is_file() and (package / "vendor" / "maskgan_labels.py").is_file()
    assert (package / "vendor" / "maskgan_plugin_common" / "mask_colours.py").is_file()
    assert (resources / "pykrita" / "maskgan_krita.desktop").is_file()
    action = (resources / "actions" / "maskgan_krita.action").read_text()
    assert "<shortcut>Ctrl+Alt+Shift+E</shortcut>" in action


def test_cli_install_and_uninstall(tmp_path, wheels, capsys):
    krita_dir = tmp_path / "krita"
    (krita_dir).mkdir()
    (krita_dir / "kritarc").write_text("")
    args = ["--krita-dir", str(krita_dir), "--python-version", current_python_version(), "--wheels", str(wheels)]
    assert main(["install", "krita", *args]) == 0
    assert "installed the MaskGAN plug-in" in capsys.readouterr().out
    assert main(["uninstall", "krita", "--krita-dir", str(krita_dir)]) == 0
    assert tree(krita_dir) == {"kritarc": b""}
    assert main(["uninstall", "krita", "--krita-dir", str(krita_dir)]) == 2
    assert "no MaskGAN plug-in installed" in capsys.readouterr().err
