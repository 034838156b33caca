"""Fixtures for tests that run inside real Krita (see krita_runner.py).

They are skipped where Krita or Xvfb is missing, unless MASKGAN_REQUIRE_KRITA=1
(set by .ci/run, which installs both): then a missing editor fails the run.
"""

import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from krita_runner import build_template_profile, krita_available, run_scenario

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
from daemon_process import DaemonProcess  # noqa: E402
from helpers import synthetic_photo  # noqa: E402

SCENARIOS = Path(__file__).parent / "scenarios"


def pytest_collection_modifyitems(config, items):
    if krita_available():
        return
    if os.environ.get("MASKGAN_REQUIRE_KRITA") == "1":
        raise pytest.UsageError("MASKGAN_REQUIRE_KRITA=1 but krita or xvfb-run is not installed")
    skip = pytest.mark.skip(reason="Krita 5 and xvfb-run are not installed (apt-get install krita xvfb)")
    for item in items:
        if "tests/in_krita/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def krita_template(tmp_path_factory):
    return build_template_profile(tmp_path_factory.mktemp("krita-template"))


@dataclass
class PluginSession:
    """One Krita start that ran scenarios/plugin_session.py: its JSON result and what it was given."""

    result: dict
    artefacts: Path  # .npy files and screenshots the scenario wrote
    inputs: Path  # what it read (see write_inputs)

    def check(self, name: str) -> dict:
        """The values of the session, after asserting that check ``name`` ran and passed."""
        check = self.result["checks"].get(name)
        assert check is not None, f"{name} did not run; errors: {self.result['errors']}"
        assert check["ok"], check.get("error")
        return self.result["values"]

    def artefact(self, name: str) -> np.ndarray:
        return np.load(self.artefacts / name)

    def input(self, name: str) -> np.ndarray:
        return np.load(self.inputs / name)


def write_inputs(folder: Path) -> Path:
    """The scenario's photos: the bundled demo sample (glasses to add) and a second synthetic portrait."""
    from maskgan.imageio import save_mask
    from maskgan.infer.demo_samples import load_demo_sample

    folder.mkdir()
    sample = load_demo_sample()
    np.save(folder / "photo.npy", sample.image)
    np.save(folder / "glasses.npy", sample.edited_mask == 3)  # where the sample's edit paints eyeglasses
    image, source, edited = synthetic_photo()
    np.save(folder / "photo2.npy", image)
    np.save(folder / "source2.npy", source)
    np.save(folder / "edited2.npy", edited)
    save_mask(folder / "source2.png", source)
    np.save(folder / "sample_source.npy", sample.source_mask)
    np.save(folder / "sample_edited.npy", sample.edited_mask)
    np.save(folder / "large_photo.npy", large(sample.image, 90))
    np.save(folder / "large_source.npy", large(sample.source_mask))
    np.save(folder / "large_edited.npy", large(sample.edited_mask))
    from maskgan.data.real_photos import load_astronaut

    np.save(folder / "astronaut.npy", load_astronaut())
    image, label = glasses_wearer()
    np.save(folder / "wearer.npy", image)
    np.save(folder / "wearer_mask.npy", label)
    save_mask(folder / "wearer.png", label)
    return folder


LARGE = (4000, 6000)  # the large photo of the responsiveness check: 24 MP
LARGE_SCALE, LARGE_AT = 6, (900, 2100)  # the demo sample, 6 times enlarged, with its top-left corner there


def large(array, fill=0):
    """``array`` (the demo sample's photo or a mask) enlarged LARGE_SCALE times into a LARGE canvas."""
    big = np.kron(array, np.ones((LARGE_SCALE, LARGE_SCALE) + (1,) * (array.ndim - 2), array.dtype))
    canvas = np.full(LARGE + array.shape[2:], fill, array.dtype)
    y, x = LARGE_AT
    canvas[y : y + big.shape[0], x : x + big.shape[1]] = big
    return canvas


def glasses_wearer():
    """(photo, mask) of the first training face of the synthetic world with large glasses (a reference for looks)."""
    from maskgan.data.synthetic import sample_label, sample_photo

    seed = next(s for s in range(1000) if np.count_nonzero(sample_label(s, 192) == 3) > 150)
    return sample_photo(seed, 192)


def stop_started_daemons(profile) -> None:
    """Stop a daemon the plug-in started and the scenario left running (it announces itself in the profile)."""
    announced = profile.runtime / "maskgan" / "endpoint.json"
    if announced.exists():
        try:
            os.kill(int(json.loads(announced.read_text())["pid"]), signal.SIGTERM)
        except (ProcessLookupError, ValueError, KeyError):
            pass


def installed_profile(krita_template, wheels, root: Path):
    """A copy of the warm template profile under ``root`` with the plug-in installed by our installer."""
    from maskgan_installer.krita_install import InstallPlan, install
    from maskgan_installer.krita_paths import KritaLocation, current_python_version, wheel_platform_tags

    profile = krita_template.copy_to(root / "profile")
    install(
        InstallPlan(
            KritaLocation(profile.data / "krita", profile.kritarc),
            current_python_version(),
            wheel_platform_tags(),
            wheels=wheels,
        )
    )
    return profile


@pytest.fixture(scope="session")
def plugin_session(krita_template, wheels, tmp_path_factory):
    """The plug-in installed by our installer, against a real daemon with the demo weights and the
    shipped learned parser, driven through every check of plugin_session.py in one Krita start."""
    from maskgan.infer.weights_path import DEFAULT_WEIGHTS

    root = tmp_path_factory.mktemp("plugin")
    profile = installed_profile(krita_template, wheels, root)
    inputs = write_inputs(root / "inputs")
    daemon = DaemonProcess(root / "daemon", DEFAULT_WEIGHTS, parser_args=("--parser", "learned")).start()
    # the screenshots parse a real photo: with the landmark parser, as a daemon started with its defaults does
    landmarks = DaemonProcess(root / "landmarks", DEFAULT_WEIGHTS, parser_args=("--parser", "landmarks")).start()
    try:
        with open(profile.kritarc, "a") as rc:  # the endpoint reaches the plug-in as a persisted setting
            rc.write(f"\n[MaskGAN]\nendpoint={daemon.endpoint}\n")
        os.environ["MASKGAN_TEST_INPUTS"] = str(inputs)
        os.environ["MASKGAN_TEST_DAEMON_PID"] = str(daemon.process.pid)  # the liveness checks stop it
        os.environ["MASKGAN_TEST_LANDMARKS_ENDPOINT"] = landmarks.endpoint
        result = run_scenario(profile, SCENARIOS / "plugin_session.py", timeout=400)
    finally:
        daemon.stop()
        landmarks.stop()
        stop_started_daemons(profile)
    return PluginSession(result, Path(profile.root), inputs)


@pytest.fixture(scope="session")
def weights_session(krita_template, wheels, tmp_path_factory, official_reference):
    """The plug-in with no daemon running, driven through scenarios/plugin_weights.py in one Krita start: the
    docker starts a daemon, switches it to official-format weights and parser imported through the Weights tab,
    and back. The settings file and the weights folder are the profile's own (its XDG folders)."""
    from official_unet import official_state_dict

    from maskgan.infer.demo_samples import load_demo_sample

    root = tmp_path_factory.mktemp("weights")
    profile = installed_profile(krita_template, wheels, root)
    inputs = root / "inputs"
    inputs.mkdir()
    torch.save(official_reference["state_dict"], inputs / "latest_net_G.pth")  # the shared reference's generator
    torch.save(official_state_dict(feature_scale=16), inputs / "model.pth")  # a face_parsing unet, 4 base channels
    (inputs / "notes.pth").write_bytes(b"not a checkpoint")
    np.save(inputs / "photo.npy", load_demo_sample().image)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MASKGAN_TEST_INPUTS", str(inputs))
        try:
            result = run_scenario(profile, SCENARIOS / "plugin_weights.py", timeout=600)
        finally:
            stop_started_daemons(profile)
    return PluginSession(result, Path(profile.root), inputs)


@pytest.fixture(scope="session")
def learned_parser():
    """The daemon's parser (the shipped learned one), to parse here directly."""
    from maskgan.parsing.learned import LearnedParser

    return LearnedParser.from_bundle(None)


@pytest.fixture(scope="session")
def parsed(plugin_session, learned_parser):
    """What the daemon's parser makes of the demo photo."""
    return learned_parser.parse(plugin_session.input("photo.npy"))


@pytest.fixture(scope="session")
def demo_editor():
    """The engine on the demo weights, as the test daemon runs it: the expected pixels."""
    from maskgan.infer import Editor

    return Editor.load(None, device="cpu", precision="fp32")
