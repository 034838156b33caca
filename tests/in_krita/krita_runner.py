"""Runs scenario scripts inside real Krita 5 under Xvfb, with an isolated profile.

A first start builds Krita's resource store (about 15 s, 87 MB); later runs copy
that template profile so each scenario starts warm and clean. The test-only
harness extension (harness_plugin/) executes the scenario's checks and writes a
JSON result; see its docstring for the scenario format.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HARNESS = Path(__file__).parent / "harness_plugin"
HARNESS_NAME = "maskgan_test_harness"


def krita_available() -> bool:
    return bool(shutil.which("krita") and shutil.which("xvfb-run"))


@dataclass
class Profile:
    """An isolated Krita profile: XDG config, data and runtime folders."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def pykrita(self) -> Path:
        return self.data / "krita" / "pykrita"

    @property
    def kritarc(self) -> Path:
        return self.config / "kritarc"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            XDG_CONFIG_HOME=str(self.config),
            XDG_DATA_HOME=str(self.data),
            XDG_RUNTIME_DIR=str(self.runtime),
            XDG_CACHE_HOME=str(self.root / "cache"),
            XDG_STATE_HOME=str(self.root / "state"),  # logs of daemons the plug-in starts
            # Krita is a single-instance application: a second start hands over to the first through a local
            # socket in the temporary folder and exits. One per profile keeps simultaneous runs apart.
            TMPDIR=str(self.root / "tmp"),
            QT_QPA_PLATFORM="xcb",
        )
        return env

    def create(self) -> "Profile":
        for folder in (self.config, self.data, self.runtime, self.pykrita, self.root / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        return self

    def enable_plugin(self, name: str) -> None:
        """Add ``enable_NAME=true`` to the [python] group of kritarc."""
        lines = self.kritarc.read_text().splitlines() if self.kritarc.exists() else []
        if "[python]" not in lines:
            lines += ["", "[python]"]
        entry = f"enable_{name}=true"
        if entry not in lines:
            lines.insert(lines.index("[python]") + 1, entry)
        self.kritarc.write_text("\n".join(lines) + "\n")

    def install_harness(self) -> None:
        shutil.copytree(HARNESS / HARNESS_NAME, self.pykrita / HARNESS_NAME, dirs_exist_ok=True)
        shutil.copy2(HARNESS / f"{HARNESS_NAME}.desktop", self.pykrita)
        self.enable_plugin(HARNESS_NAME)

    def copy_to(self, root: Path) -> "Profile":
        # not the temporary folder: Krita's single-instance socket there belongs to the run that made it
        shutil.copytree(
            self.root, root, symlinks=True, ignore=lambda folder, names: ["tmp"] if Path(folder) == self.root else []
        )
        (root / "tmp").mkdir()
        return Profile(root)


class KritaRunFailed(AssertionError):
    pass


def run_scenario(profile: Profile, scenario: Path, timeout: int = 120, screen: str = "1600x1200x24") -> dict:
    """Start Krita on ``profile``, run ``scenario``'s checks, return the harness's JSON result."""
    result_path = profile.root / f"result-{scenario.stem}.json"
    result_path.unlink(missing_ok=True)
    env = profile.env()
    env.update(
        MASKGAN_KRITA_SCENARIO=str(scenario),
        MASKGAN_KRITA_RESULT=str(result_path),
        MASKGAN_KRITA_ARTEFACTS=str(profile.root),
    )
    # timeout inside xvfb-run: a hung Krita must not leave Xvfb orphaned.
    command = [
        "xvfb-run",
        "-a",
        "-s",
        f"-screen 0 {screen}",
        "timeout",
        "-k",
        "5",
        str(timeout),
        "krita",
        "--nosplash",
    ]
    log = profile.root / f"krita-{scenario.stem}.log"
    with open(log, "w") as handle:
        completed = subprocess.run(command, env=env, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout + 30)
    if not result_path.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise KritaRunFailed(
            f"Krita exited with {completed.returncode} without writing results for {scenario.name}; "
            f"last log lines:\n{tail}"
        )
    return json.loads(result_path.read_text())


def build_template_profile(root: Path) -> Profile:
    """A profile whose resource store Krita has already built (first start is slow)."""
    profile = Profile(root).create()
    profile.install_harness()
    warmup = root / "warmup_scenario.py"
    warmup.write_text("checks = []\n")
    result = run_scenario(profile, warmup, timeout=180)
    if result["errors"]:
        raise KritaRunFailed("\n".join(result["errors"]))
    return profile
