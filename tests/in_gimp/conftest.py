"""Fixtures for tests that run inside real GIMP 3 (see gimp_runner.py).

They are skipped where GIMP 3 cannot run (not root, no mmdebstrap or no network to
Debian's mirror to build its root file system), unless MASKGAN_REQUIRE_GIMP=1:
then that fails the run.
"""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from gimp_runner import GIMP_PYTHON, ensure_root, run_in_gimp, why_unavailable

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from daemon_process import DaemonProcess  # noqa: E402
from helpers import synthetic_photo  # noqa: E402

SCENARIO = Path(__file__).parent / "scenarios" / "plugin_session.py"


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if "tests/in_gimp/" in str(item.fspath)]
    if not mine:
        return
    reason = why_unavailable()
    if reason is None:
        return
    if os.environ.get("MASKGAN_REQUIRE_GIMP") == "1":
        raise pytest.UsageError(f"MASKGAN_REQUIRE_GIMP=1 but GIMP 3 cannot run here: {reason}")
    for item in mine:
        item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class GimpSession:
    """One GIMP start that ran scenarios/plugin_session.py: its JSON result, its files and what it was given."""

    result: dict
    folder: Path  # inputs/ it read, out/ it wrote
    output: str  # GIMP's console output

    def check(self, name: str) -> dict:
        """The session's values, after asserting that check ``name`` ran and passed."""
        check = self.result["checks"].get(name)
        assert check is not None, f"{name} did not run; GIMP said:\n{self.output[-3000:]}"
        assert check["ok"], check.get("error")
        return self.result["values"]

    def out(self, name: str) -> np.ndarray:
        return np.load(self.folder / "out" / name)

    def input(self, name: str) -> np.ndarray:
        return np.load(self.folder / "inputs" / f"{name}.npy")


ASTRONAUT_GLASSES = 0.012  # the frame's half-thickness as a share of the face box's side (RETOUCH_EDITS')


def astronaut_masks(parser) -> tuple[np.ndarray, np.ndarray]:
    """(the parse of the astronaut, that mask with glasses painted on): what the daemon's Parse face gives and
    what a user paints on it."""
    from maskgan.data.real_photos import load_astronaut
    from maskgan.eval.retouch_edits import glasses_on

    parsed = parser.parse(load_astronaut())
    x0, y0, x1, y1 = parsed.summary()["faces"][0]
    return parsed.labels, glasses_on(parsed.labels, max(1, round(ASTRONAUT_GLASSES * max(x1 - x0, y1 - y0))))


def write_inputs(folder: Path, parser) -> None:
    """The photos and masks the scenario opens as images (arrays; the scenario has the plug-in's numpy)."""
    from maskgan.data.real_photos import load_astronaut
    from maskgan.infer.demo_samples import load_demo_sample
    from maskgan.labels import label_to_color
    from maskgan_plugin_common.pixels import label_to_colour_layer

    folder.mkdir(parents=True)
    sample = load_demo_sample()
    image, source, edited = synthetic_photo()
    arrays = {
        "astronaut": load_astronaut(),
        "photo": sample.image,
        "source": sample.source_mask,
        "edited": sample.edited_mask,
        "photo2": image,
        "source2": source,
        "edited2": edited,
    }
    arrays["astronaut_source"], arrays["astronaut_edited"] = astronaut_masks(parser)
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array)
        if name.startswith(("source", "edited")):
            np.save(folder / f"{name}_colour.npy", label_to_color(array))
    np.save(folder / "astronaut_edited_rgba.npy", label_to_colour_layer(arrays["astronaut_edited"]))


@pytest.fixture(scope="session")
def gimp_wheels(tmp_path_factory):
    """pyzmq/msgpack/numpy wheels for the Python of Debian 13's GIMP, downloaded once per session."""
    from maskgan_installer.krita_paths import wheel_platform_tags
    from maskgan_installer.vendor import download_wheels

    folder = tmp_path_factory.mktemp("gimp-wheels")
    download_wheels(folder, GIMP_PYTHON, wheel_platform_tags())
    return folder


def load_parser_now(endpoint: str, photo: np.ndarray) -> None:
    """Have the daemon load its parser (it does on the first parse) before GIMP asks.

    Loading mediapipe took 16 s on this 2-core machine under load, and the daemon's socket thread answered
    no liveness ping meanwhile, so the plug-in's blocking call (pings after 2 s, gives up 4 s later) gave up
    (it then says the daemon stalled and to run the filter again: test_gimp_daemon_link.py). Here the
    request is polled without pings.
    """
    from maskgan_client import Client

    with Client(endpoint) as client:
        request = client.submit("parse", {}, {"image": photo})
        for _ in range(600):
            if any(e.request_id == request and e.type != "progress" for e in client.poll(1000)):
                return
    raise RuntimeError("the daemon's parser did not load in 10 minutes")


@pytest.fixture(scope="session")
def gimp_session(gimp_wheels, landmark_parser, tmp_path_factory):
    """The plug-in installed by our installer into a fresh GIMP profile, against a real daemon (demo weights,
    the landmark parser, as a daemon started with its defaults has) that GIMP finds through its discovery file, driven through every check of
    plugin_session.py in one GIMP start."""
    from maskgan.infer.weights_path import DEFAULT_WEIGHTS
    from maskgan_installer.gimp_install import PLUGIN, GimpInstallPlan, install
    from maskgan_installer.gimp_paths import detect_gimp_python_version
    from maskgan_installer.krita_paths import wheel_platform_tags

    root = ensure_root()
    assert detect_gimp_python_version(root) == GIMP_PYTHON
    folder = tmp_path_factory.mktemp("gimp")
    profile = folder / "profile"
    profile.mkdir()
    install(GimpInstallPlan(profile, GIMP_PYTHON, wheel_platform_tags(), gimp_wheels))
    write_inputs(folder / "inputs", landmark_parser)
    (folder / "out").mkdir()
    daemon = DaemonProcess(folder / "daemon", DEFAULT_WEIGHTS, parser_args=("--parser", "landmarks")).start()
    load_parser_now(daemon.endpoint, np.load(folder / "inputs" / "astronaut.npy"))
    env = {
        "MASKGAN_GIMP_TEST": str(folder),
        "XDG_RUNTIME_DIR": str(folder / "daemon" / "runtime"),
        "MASKGAN_GIMP_VENDOR": str(profile / "plug-ins" / PLUGIN / "vendor"),
        "MASKGAN_DEAD_ENDPOINT": f"ipc://{folder / 'nobody.sock'}",
    }
    try:
        run = run_in_gimp(root, SCENARIO, profile, [folder], env, timeout=400)
    finally:
        daemon.stop()
    result_file = folder / "out" / "result.json"
    assert result_file.exists(), f"GIMP wrote no result (exit {run.returncode}):\n{run.output[-4000:]}"
    return GimpSession(json.loads(result_file.read_text()), folder, run.output)


@pytest.fixture(scope="session")
def landmark_parser():
    from maskgan.parsing import load_parser

    return load_parser("landmarks")


@pytest.fixture(scope="session")
def demo_editor():
    """The engine on the demo weights, as the test daemon runs it: the expected pixels."""
    from maskgan.infer import Editor

    return Editor.load(None, device="cpu", precision="fp32")
