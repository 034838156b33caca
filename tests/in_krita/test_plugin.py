"""The MaskGAN plug-in in real Krita: installed by our installer, talking to a real daemon."""

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from krita_runner import run_scenario
from maskgan.infer import Editor
from maskgan.labels import label_to_color
from maskgan_installer.krita_install import InstallPlan, install
from maskgan_installer.krita_paths import KritaLocation, current_python_version, wheel_platform_tags

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from daemon_process import DaemonProcess  # noqa: E402
from helpers import synthetic_photo  # noqa: E402

SCENARIOS = Path(__file__).parent / "scenarios"
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def run(krita_template, wheels, tiny_weights, tmp_path_factory):
    """One Krita start running the whole plug-in scenario; returns (result JSON, artefacts folder, inputs)."""
    root = tmp_path_factory.mktemp("plugin")
    profile = krita_template.copy_to(root / "profile")
    install(InstallPlan(KritaLocation(profile.data / "krita", profile.kritarc), current_python_version(),
                        wheel_platform_tags(), wheels=wheels))
    inputs = root / "inputs"
    inputs.mkdir()
    image, source, edited = synthetic_photo()
    np.save(inputs / "photo.npy", image)
    np.save(inputs / "edited.npy", edited)
    Image.fromarray(label_to_color(source)).save(inputs / "source.png")
    daemon = DaemonProcess(root / "daemon", tiny_weights).start()
    try:
        with open(profile.kritarc, "a") as rc:  # the endpoint reaches the plug-in as a persisted setting
            rc.write(f"\n[MaskGAN]\nendpoint={daemon.endpoint}\n")
        os.environ["MASKGAN_TEST_INPUTS"] = str(inputs)
        result = run_scenario(profile, SCENARIOS / "plugin_apply.py", timeout=150)
    finally:
        daemon.stop()
    return result, Path(profile.root), (image, source, edited)


def ok(result, name):
    check = result["checks"].get(name)
    assert check is not None, f"{name} did not run; errors: {result['errors']}"
    assert check["ok"], check.get("error")


def test_docker_shows_the_connected_daemon(run):
    result, _, _ = run
    ok(result, "check_docker_shows_connected")
    assert "on cpu, tiny random" in result["values"]["connection"]
    assert result["errors"] == []


def test_import_mask_makes_the_group_with_a_locked_source(run):
    result, artefacts, (_, source, _) = run
    ok(result, "check_import_creates_group")
    values = result["values"]
    assert values["group_children"] == ["Source mask (locked)", "Edited mask"]
    assert values["source_locked"] is True
    assert values["top_level"] == ["Background", "MaskGAN"]
    assert np.array_equal(np.load(artefacts / "imported_source.npy"), source)


def test_apply_edit_layer_equals_a_direct_editor_call(run, tiny_weights):
    result, artefacts, (image, source, edited) = run
    ok(result, "check_apply_edit_adds_result_layer")
    values = result["values"]
    assert values["layers_after_apply"] == ["Background", "MaskGAN edit 1", "MaskGAN"], values["apply_message"]
    assert values["unchanged_after_apply"] is True
    expected = Editor.load(tiny_weights, device="cpu", precision="fp32").edit(image, source, edited, feather=8)
    got = np.load(artefacts / "result_layer.npy")
    assert got.shape == expected.layer.shape
    assert np.array_equal(got, expected.layer)
    assert values["apply_message"].startswith("Added “MaskGAN edit 1”")
    screenshot = artefacts / "krita_apply_edit.png"
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("MASKGAN_UPDATE_SCREENSHOTS") == "1":  # refresh the docs' picture on request only
        shutil.copy2(screenshot, DOCS / "krita_apply_edit.png")


def test_editable_mask_converts_between_colour_and_class_layers(run):
    result, _, _ = run
    ok(result, "check_class_layers_convert_and_swatches_pick")
    values = result["values"]
    assert values["class_mode_children"] == ["Source mask (locked)", "Edited mask (per class)"]
    assert values["class_layer_names"][0] == "01 Skin" and values["class_layer_names"][-1] == "18 Cloth"
    assert len(values["class_layer_names"]) == 18
    assert values["class_mode_same_label"] is True and values["colour_mode_same_label"] is True
    assert values["colour_mode_children"] == ["Source mask (locked)", "Edited mask"]
    assert values["foreground"] == [0, 0, 204]  # the palette colour of 13 Hair
    assert values["active_layer"] == "13 Hair"
    assert values["mask_mode_setting"] == "colour"


def test_parse_and_variants_show_the_daemons_unsupported_message(run):
    result, _, _ = run
    ok(result, "check_parse_and_variants_show_the_daemons_message")
    values = result["values"]
    assert values["parse_message"] == ("Parse face: face parsing is not available in this version yet; import a colour "
                                       "mask (official palette) for the photo instead. Use Import mask… with a colour "
                                       "mask in the official palette.")
    assert values["variants_message"].startswith("Variants failed: variants needs weights with a MaskVAE")


def test_batch_applies_the_edit_to_each_document_and_summarises(run):
    result, _, _ = run
    ok(result, "check_batch_applies_to_every_document_with_masks")
    values = result["values"]
    assert values["batch_message"] == "Batch: 2 of 2 applied"
    assert values["batch_layers_1"] == ["Background", "MaskGAN edit 2", "MaskGAN edit 1", "MaskGAN"]
    assert values["batch_layers_2"] == ["Background", "MaskGAN edit 1", "MaskGAN"]


def test_bad_mask_colours_are_named_in_the_docker(run):
    result, _, _ = run
    ok(result, "check_bad_colours_are_reported")
    message = result["values"]["bad_colour_message"]
    assert "“portrait”: the mask has 16 pixels in 1 colours that match no class of the palette: RGB(250, 0, 250) x16" in message
    assert result["values"]["unchanged_after_bad_colours"] is True


def test_non_rgba8_documents_are_told_to_convert(run):
    result, _, _ = run
    ok(result, "check_non_rgba8_is_reported")
    assert result["values"]["depth_message"] == (
        "“sixteen bit” is RGBA U16; MaskGAN needs 8-bit RGBA: convert it with Image > Convert Image Color Space… "
        "to RGB/Alpha, 8-bit integer/channel")


def test_daemon_down_is_reported_and_the_endpoint_persists(run):
    result, artefacts, _ = run
    ok(result, "check_daemon_down_is_reported")
    values = result["values"]
    assert values["down_connection"].startswith("Not connected: no MaskGAN daemon answered at ipc://")
    assert values["start_button_visible"] is True
    assert values["down_message"].startswith("no MaskGAN daemon is connected (Not connected: no MaskGAN daemon answered")
    assert values["endpoint_setting"].endswith("nobody-listens.sock")
