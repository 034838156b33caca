"""`maskgan install krita --zip` as a user installs it: Krita's own importer code, then a real Krita start."""

import sys
from pathlib import Path

from krita_runner import run_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from krita_importer import import_zip  # noqa: E402

SCENARIOS = Path(__file__).parent / "scenarios"


def test_zip_imported_by_krita_loads_with_its_shortcuts(krita_template, wheels, tmp_path):
    from maskgan_installer.krita_install import InstallPlan, build_zip
    from maskgan_installer.krita_paths import KritaLocation, current_python_version, wheel_platform_tags

    plan = InstallPlan(
        KritaLocation(tmp_path / "unused", tmp_path / "rc"),
        current_python_version(),
        wheel_platform_tags(),
        wheels=wheels,
    )
    profile = krita_template.copy_to(tmp_path / "profile")
    assert import_zip(build_zip(tmp_path / "maskgan.zip", plan), profile.data / "krita") == ["maskgan_krita"]
    profile.enable_plugin("maskgan_krita")  # what the user ticks in the Python Plugin Manager after importing
    result = run_scenario(profile, SCENARIOS / "plugin_zip.py")
    assert result["errors"] == []
    check = result["checks"]["check_imported_plugin_loads_with_its_shortcuts"]
    assert check["ok"], check.get("error")
    assert "maskgan_docker" in result["values"]["dockers"]
    shared = Path(result["values"]["shared_package"])
    assert shared == profile.data / "krita/pykrita/maskgan_krita/vendor/maskgan_plugin_common/__init__.py"
    assert result["values"]["shortcuts"] == {
        "maskgan_parse_face": "Ctrl+Alt+Shift+P",
        "maskgan_apply_edit": "Ctrl+Alt+Shift+E",
        "maskgan_variants": "Ctrl+Alt+Shift+V",
        "maskgan_cancel": "Ctrl+Alt+Shift+X",
    }
