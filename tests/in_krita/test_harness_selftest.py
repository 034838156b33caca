from pathlib import Path

from krita_runner import run_scenario

SCENARIOS = Path(__file__).parent / "scenarios"


def test_harness_runs_checks_inside_krita(krita_template, tmp_path):
    profile = krita_template.copy_to(tmp_path / "profile")
    result = run_scenario(profile, SCENARIOS / "harness_selftest.py")
    checks = result["checks"]
    assert checks["check_pixels_round_trip"]["ok"], checks["check_pixels_round_trip"].get("error")
    assert result["values"]["first_pixel"] == [10, 20, 30, 255]
    assert result["values"]["layer_names"] == ["Background", "selftest layer"]
    assert checks["check_async_steps"]["ok"] and result["values"]["steps"] == [10, 20]
    assert not checks["check_failure_is_recorded"]["ok"]
    assert "RuntimeError: deliberate failure" in checks["check_failure_is_recorded"]["error"]
    assert result["errors"] == []
