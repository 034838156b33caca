"""`maskgan install gimp` / `uninstall gimp` and GIMP 3's profile per platform, outside GIMP
(tests/in_gimp/ runs the installed plug-in in real GIMP 3)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from maskgan_cli.main import main
from maskgan_installer.gimp_install import PLUGIN, GimpInstallPlan, install, uninstall
from maskgan_installer.gimp_paths import detect_gimp_python_version, find_gimp_profile
from maskgan_installer.krita_paths import current_python_version, wheel_platform_tags
from maskgan_installer.receipt import RECEIPT
from maskgan_installer.vendor import InstallError


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def profile(tmp_path):
    """A GIMP profile with settings and someone else's plug-in, which install and uninstall must not touch."""
    folder = tmp_path / "GIMP" / "3.0"
    (folder / "plug-ins" / "other").mkdir(parents=True)
    (folder / "plug-ins" / "other" / "other.py").write_text("print('other')\n")
    (folder / "gimprc").write_text('(theme "Dark")\n')
    return folder


def test_profile_follows_gimp_per_platform(tmp_path):
    home = tmp_path / "home"
    assert find_gimp_profile(system="Linux", env={"HOME": str(home)}) == home / ".config/GIMP/3.0"
    assert find_gimp_profile(system="Linux", env={"HOME": str(home), "XDG_CONFIG_HOME": "/x"}) == Path("/x/GIMP/3.0")
    assert (
        find_gimp_profile(system="Windows", env={"APPDATA": r"C:\Users\a\AppData\Roaming"})
        == Path(r"C:\Users\a\AppData\Roaming") / "GIMP" / "3.0"
    )
    assert find_gimp_profile(system="Darwin", env={"HOME": str(home)}) == home / "Library/Application Support/GIMP/3.0"
    assert find_gimp_profile(system="Linux", env={"HOME": str(home), "GIMP3_DIRECTORY": "/p"}) == Path("/p")
    assert find_gimp_profile(tmp_path / "given", system="Windows", env={}) == tmp_path / "given"
    flatpak = home / ".var/app/org.gimp.GIMP/config/GIMP/3.0"
    flatpak.mkdir(parents=True)
    assert find_gimp_profile(system="Linux", env={"HOME": str(home)}) == flatpak  # the only one there
    (home / ".config/GIMP/3.0").mkdir(parents=True)
    assert find_gimp_profile(system="Linux", env={"HOME": str(home)}) == home / ".config/GIMP/3.0"


def test_each_platform_keeps_to_its_own_profile_rules(tmp_path):
    """Windows and macOS are only unit-tested here: each rule of gimpenv.c's, and none of another platform's."""
    home = tmp_path / "home"
    xdg = {"HOME": str(home), "XDG_CONFIG_HOME": "/x"}
    # Windows: %APPDATA%, else the user's AppData\Roaming; XDG_CONFIG_HOME means nothing there
    assert find_gimp_profile(system="Windows", env={**xdg, "APPDATA": "A"}) == Path("A/GIMP/3.0")
    assert find_gimp_profile(system="Windows", env={"USERPROFILE": "U"}) == Path("U/AppData/Roaming/GIMP/3.0")
    # macOS: ~/Library/Application Support, whatever XDG_CONFIG_HOME says
    assert find_gimp_profile(system="Darwin", env=xdg) == home / "Library/Application Support/GIMP/3.0"
    # GIMP3_DIRECTORY wins on every platform
    for system in ("Linux", "Windows", "Darwin"):
        assert find_gimp_profile(system=system, env={**xdg, "APPDATA": "A", "GIMP3_DIRECTORY": "/p"}) == Path("/p")
    # the Flatpak's folder is Linux's alone
    (home / ".var/app/org.gimp.GIMP/config/GIMP/3.0").mkdir(parents=True)
    assert find_gimp_profile(system="Darwin", env={"HOME": str(home)}) == home / "Library/Application Support/GIMP/3.0"
    assert find_gimp_profile(system="Windows", env={"HOME": str(home), "APPDATA": "A"}) == Path("A/GIMP/3.0")


def test_wheels_are_asked_for_the_target_platform():
    assert wheel_platform_tags("Windows", "AMD64") == ["win_amd64"]
    assert wheel_platform_tags("Darwin", "arm64")[0] == "macosx_11_0_arm64"
    assert wheel_platform_tags("Darwin", "x86_64")[:2] == ["macosx_11_0_x86_64", "macosx_10_9_x86_64"]
    assert "macosx_11_0_universal2" in wheel_platform_tags("Darwin", "arm64")
    assert wheel_platform_tags("Linux", "aarch64")[0] == "manylinux_2_28_aarch64"
    assert wheel_platform_tags("Linux", "x86_64")[0] == "manylinux_2_28_x86_64"


@pytest.mark.parametrize(("platform", "tag"), [("windows", "win_amd64"), ("macos", "macosx_")])
def test_cli_installs_for_another_platform_with_its_python(profile, wheels, monkeypatch, platform, tag):
    """`--platform` with `--python-version`: the wheels are asked for that platform and Python (a Windows or macOS
    GIMP bundles its own Python, which cannot be probed from here)."""
    asked = []

    def download(dest, python_version, platforms):
        asked.append((python_version, platforms))
        return sorted(wheels.glob("*.whl"))  # this machine's: only what was asked for matters here

    monkeypatch.setattr("maskgan_installer.vendor.download_wheels", download)
    args = ["--gimp-dir", str(profile), "--platform", platform, "--python-version", "3.12"]
    assert main(["install", "gimp", *args]) == 0
    ((version, platforms),) = asked
    assert version == "3.12" and platforms[0].startswith(tag)
    receipt = (profile / "plug-ins" / PLUGIN / RECEIPT).read_text()
    assert '"python_version": "3.12"' in receipt and tag in receipt


def test_gimps_python_is_found_beside_its_libraries(tmp_path):
    """Debian 13's GIMP runs plug-ins through #!/usr/bin/env python3 (a link to python3.13); a pygimp.interp,
    where a build has one, names another."""
    assert detect_gimp_python_version(tmp_path) is None  # no GIMP 3 there
    library = tmp_path / "usr/lib/x86_64-linux-gnu/gimp/3.0"
    (library / "plug-ins").mkdir(parents=True)
    (tmp_path / "usr/bin").mkdir(parents=True)
    for name in ("python3.13", "python3.12"):
        (tmp_path / "usr/bin" / name).write_text("")
    (tmp_path / "usr/bin/python3").symlink_to("python3.13")
    assert detect_gimp_python_version(tmp_path) == "3.13"
    (library / "interpreters").mkdir()
    (library / "interpreters/pygimp.interp").write_text("python=/usr/bin/python3.12\n/usr/bin/python=python\n")
    assert detect_gimp_python_version(tmp_path) == "3.12"


def test_install_puts_an_executable_entry_and_its_vendor_folder(profile, wheels):
    receipt = install(GimpInstallPlan(profile, current_python_version(), wheel_platform_tags(), wheels))
    target = profile / "plug-ins" / PLUGIN
    entry = target / f"{PLUGIN}.py"
    assert entry.read_text().startswith("#!/usr/bin/env python3\n")
    assert os.access(entry, os.X_OK)
    vendor = target / "vendor"
    for name in (
        "maskgan_gimp/procedures.py",
        "maskgan_client/protocol.py",
        "maskgan_labels.py",
        "maskgan_plugin_common/mask_colours.py",
        "zmq/__init__.py",
        "msgpack/__init__.py",
        "numpy/__init__.py",
    ):
        assert (vendor / name).is_file(), name
    assert not (vendor / "maskgan_krita").exists()  # the shared package, not the Krita plug-in
    assert receipt["files"] == [str(target)]


def test_uninstall_removes_exactly_what_install_added(profile, wheels):
    before = tree(profile)
    plan = GimpInstallPlan(profile, current_python_version(), wheel_platform_tags(), wheels)
    install(plan)
    install(plan)  # an upgrade in place
    assert (profile / "plug-ins" / PLUGIN / RECEIPT).exists()
    uninstall(profile)
    assert tree(profile) == before
    assert sorted(p.name for p in (profile / "plug-ins").iterdir()) == ["other"]
    with pytest.raises(InstallError, match="no MaskGAN plug-in installed"):
        uninstall(profile)


def test_install_refuses_a_missing_profile_and_a_folder_it_did_not_make(tmp_path, profile, wheels):
    with pytest.raises(InstallError, match="does not exist: start GIMP 3 once"):
        install(GimpInstallPlan(tmp_path / "nowhere", "3.13", wheel_platform_tags(), wheels))
    (profile / "plug-ins" / PLUGIN).mkdir()
    (profile / "plug-ins" / PLUGIN / "mine.txt").write_text("keep")
    with pytest.raises(InstallError, match="was not made by this installer"):
        install(GimpInstallPlan(profile, "3.13", wheel_platform_tags(), wheels))
    assert (profile / "plug-ins" / PLUGIN / "mine.txt").read_text() == "keep"


def test_vendored_shared_modules_import_without_the_project(profile, wheels):
    """The modules the plug-in shares with Krita's import from vendor/ alone (isolated Python: no site)."""
    install(GimpInstallPlan(profile, current_python_version(), wheel_platform_tags(), wheels))
    vendor = profile / "plug-ins" / PLUGIN / "vendor"
    code = (
        f"import sys; sys.path.insert(0, {str(vendor)!r}); import zmq, numpy, maskgan_client, maskgan_labels; "
        "from maskgan_plugin_common import jobs, mask_colours, messages, naming, pixels; "
        "import numpy as np; rgba = np.zeros((2, 2, 4), np.uint8); rgba[0, 0] = (1, 2, 250, 255); "
        "exec('try: mask_colours.read_label(rgba, 20, \"the mask\")\\nexcept Exception as e: print(e)')"
    )
    completed = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("the mask has 1 pixel off the palette, in 1 colour: RGB(1, 2, 250) x1")


def test_cli_install_and_uninstall_gimp(profile, wheels, capsys):
    before = tree(profile)
    args = ["--gimp-dir", str(profile), "--python-version", current_python_version(), "--wheels", str(wheels)]
    assert main(["install", "gimp", *args]) == 0
    assert "Filters > MaskGAN" in capsys.readouterr().out
    assert main(["uninstall", "gimp", "--gimp-dir", str(profile)]) == 0
    assert tree(profile) == before
    assert main(["install", "gimp", "--gimp-dir", str(profile), "--zip", "x.zip"]) == 2
    assert "--zip is for Krita only" in capsys.readouterr().err
