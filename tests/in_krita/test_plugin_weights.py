"""The docker's Weights tab in real Krita: official-format weights and parser imported through it, the daemon
the docker started restarted with them (its hello's model card and parser on the connection line), and back."""

import os
import shutil
from pathlib import Path

from maskgan_krita.weights_choice import EDITING, RESTART, switched

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREENSHOT = "krita_weights_tab.png"


def test_the_weights_tab_lists_the_installed_weights_once_shown(weights_session):
    values = weights_session.check("check_weights_tab_lists_what_is_installed")
    assert values["before_tab"] == ["reading `maskgan weights list`…"]  # nothing runs until the tab shows
    assert values["listed"] == {
        "editing weights": ["demo", "Import official weights…"],
        "face parser": ["landmarks", "Import official parser…"],
    }
    assert values["listed_current"] == {"editing weights": "demo", "face parser": "landmarks"}
    assert values["listed_tooltip"] == values["demo_model"]
    assert values["demo_connection"].endswith(f", {values['demo_model']}; parser landmarks")
    assert values["settings_before"] is False  # the profile's own settings file: no choice made yet


def test_a_file_that_is_no_checkpoint_is_refused_with_the_clis_error(weights_session):
    values = weights_session.check("check_a_file_that_is_no_checkpoint_is_refused_in_the_clis_words")
    notes = weights_session.inputs / "notes.pth"
    assert values["refused_status"].startswith(f"Importing notes.pth failed: {notes} ")
    assert "maskgan weights: error" not in values["refused_status"] and "step 1/4" not in values["refused_status"]
    assert values["refused_settings"] is False and values["refused_connection"] == values["demo_connection"]
    assert values["dialog_titles"] == ["The official MaskGAN generator (latest_net_G.pth)"]


def test_cancel_stops_an_import_and_changes_nothing(weights_session):
    values = weights_session.check("check_cancel_stops_an_import")
    assert values["cancel_visible"] is True
    assert values["cancelled_status"] == "Importing latest_net_G.pth cancelled; the daemon keeps its editing weights."
    assert values["cancelled_settings"] is False


def test_importing_official_weights_restarts_the_started_daemon_with_them(weights_session):
    values = weights_session.check("check_importing_official_weights_restarts_the_daemon_with_them")
    statuses = [text for text, _ in values["import_statuses"]]
    steps = [text for text in statuses if text.startswith("Importing latest_net_G.pth: step")]
    assert steps == [
        "Importing latest_net_G.pth: step 1 of 4, reading the checkpoint",
        "Importing latest_net_G.pth: step 2 of 4, converting its tensors",
        "Importing latest_net_G.pth: step 3 of 4, fingerprinting the checkpoint",
        "Importing latest_net_G.pth: step 4 of 4, writing the bundle",
    ]  # each line of the CLI's stderr, in order
    progress = [fraction for text, fraction in values["import_statuses"] if text in steps]
    assert progress == [0.0, 0.25, 0.5, 0.75]
    assert statuses[-1] == switched(EDITING, "official", RESTART, values["endpoint"])
    assert values["busy_box_enabled"] is False
    assert values["restarting_connection"] == "Restarting the daemon…"
    assert values["official_connection"] == values["demo_connection"].replace(
        values["demo_model"], "official MaskGAN generator (latest_net_G.pth)"
    )
    assert values["official_current"] == "official"
    assert values["official_entries"] == ["demo", "official", "Import official weights…"]
    assert 'weights = "official"' in values["official_settings"]
    assert values["official_folder"] == ["official.json", "official.safetensors"]
    assert values["official_pid"] != values["demo_pid"]  # a new daemon process


def test_importing_the_official_parser_makes_the_daemon_and_parse_face_use_it(weights_session):
    values = weights_session.check("check_importing_the_official_parser_makes_parse_face_use_it")
    assert values["parser_connection"].endswith(
        ", official MaskGAN generator (latest_net_G.pth); parser official-parser"
    )
    assert 'weights = "official"\nparser_weights = "official-parser"' in values["parser_settings"]
    # random weights may find no face; either way the message names the imported parser
    assert "learned parser (official CelebAMask-HQ face_parsing UNet (model.pth))" in values["parse_message"]
    shot = weights_session.artefacts / SCREENSHOT
    assert shot.stat().st_size > 10_000
    if os.environ.get("MASKGAN_UPDATE_SCREENSHOTS") == "1":  # refresh the docs' picture on request only
        shutil.copy2(shot, DOCS / SCREENSHOT)


def test_weights_the_restarted_daemon_cannot_load_are_named_with_its_error_and_the_tab_stays_usable(weights_session):
    values = weights_session.check("check_weights_the_daemon_cannot_load_are_named_with_its_error")
    error = (
        "the tensors do not match the card's tensors_sha256; the file is corrupt or was edited. "
        "Export or import it again."
    )
    status = values["broken_status"]
    assert status.startswith("The daemon could not start with the editing weights broken: the daemon exited at start")
    assert f"broken.safetensors: {error}. Choose other editing weights here (demo always loads)" in status
    assert status.endswith("from a terminal: `maskgan weights use demo`.")
    assert values["broken_message"].startswith("The daemon did not start: ") and error in values["broken_message"]
    assert values["broken_connection"] == "Not connected: no MaskGAN daemon answers"
    assert 'weights = "broken"' in values["broken_settings"]  # still chosen: the message says the way back
    assert values["broken_box_enabled"] is True
    assert values["broken_entries"] == ["demo", "broken", "official", "Import official weights…"]
    assert values["broken_start_visible"] is True


def test_the_demo_weights_and_the_landmark_parser_can_be_chosen_again(weights_session):
    values = weights_session.check("check_choosing_the_demo_weights_and_landmarks_goes_back")
    assert values["demo_again_connection"].endswith(f", {values['demo_model']}; parser official-parser")
    assert values["back_connection"] == values["demo_connection"]
    assert 'weights = "demo"\nparser_weights = "landmarks"' in values["back_settings"]
    assert values["back_current"] == {"editing weights": "demo", "face parser": "landmarks"}
