"""Runs Python inside real GIMP 3 (gimp-console-3.0, no display) in a Debian 13 chroot.

Debian 12 has only GIMP 2.10, so GIMP 3 runs from a Debian 13 root file system that
gimp_root.sh builds once with mmdebstrap (about 850 MB, cached outside the
repository: $MASKGAN_GIMP_ROOT, default /var/cache/maskgan-gimp-root).

Each run gets a private mount namespace (``unshare --mount``): the folders it names
are bind-mounted at the same paths inside the root, so a daemon's ipc socket, the
profile and the result files have one path on both sides; the mounts vanish with the
process, so a killed run leaves nothing mounted. The script runs in GIMP's
python-fu-eval interpreter, then GIMP quits; it reports through files in a bound
folder (gimp-console exits 0 whether or not the script raised).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT_SCRIPT = HERE / "gimp_root.sh"
DEFAULT_ROOT = Path("/var/cache/maskgan-gimp-root")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
STAMP = ".maskgan-gimp-root"
GIMP_PYTHON = "3.13"  # Debian 13's GIMP 3.0.4 runs plug-ins with the system Python 3.13
QUIT = "Gimp.get_pdb().lookup_procedure('gimp-quit').run(None)"


class GimpUnavailable(RuntimeError):
    """GIMP 3 cannot run here; the message says why."""


def root_path() -> Path:
    return Path(os.environ.get("MASKGAN_GIMP_ROOT") or DEFAULT_ROOT)


def why_unavailable() -> str | None:
    """Why the real-GIMP tests cannot run here (None: they can); builds nothing."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the GIMP 3 chroot needs root"
    for tool in ("chroot", "unshare"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    if (root_path() / STAMP).exists():
        return None
    if shutil.which("mmdebstrap") is None:
        return "mmdebstrap is missing to build the GIMP 3 root file system (apt-get install mmdebstrap)"
    mirror = os.environ.get("MASKGAN_GIMP_MIRROR") or DEFAULT_MIRROR
    try:
        urllib.request.urlopen(f"{mirror}/dists/trixie/Release", timeout=10).close()
    except OSError as error:
        return f"Debian's mirror {mirror} cannot be reached to build the GIMP 3 root file system ({error})"
    return None


def ensure_root() -> Path:
    """The Debian 13 root with GIMP 3, built now if it is not cached (about a minute)."""
    completed = subprocess.run([str(ROOT_SCRIPT)], capture_output=True, text=True)
    if completed.returncode != 0:
        raise GimpUnavailable(f"gimp_root.sh failed: {completed.stderr.strip()[-2000:]}")
    return Path(completed.stdout.strip().splitlines()[-1])


@dataclass
class GimpRun:
    returncode: int
    output: str  # GIMP's stdout and stderr together


def run_in_gimp(
    root: Path, script: Path, profile: Path, binds: list[Path], env: dict[str, str], timeout: float = 300
) -> GimpRun:
    """Run ``script`` in gimp-console-3.0 inside ``root`` with the profile folder ``profile``
    (GIMP3_DIRECTORY); ``binds`` (folders) are visible at the same paths inside."""
    binds = sorted({Path(b).resolve() for b in [*binds, profile, script.parent]})
    mounts = [f"mount -t proc proc {shlex.quote(str(root / 'proc'))}"]
    for folder in binds:
        inside = root / folder.relative_to("/")
        mounts.append(
            f"mkdir -p {shlex.quote(str(inside))} && mount --bind {shlex.quote(str(folder))} {shlex.quote(str(inside))}"
        )
    variables = {
        "HOME": str(profile / "home"),
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "GIMP3_DIRECTORY": str(profile),
        **env,
    }
    (profile / "home").mkdir(parents=True, exist_ok=True)
    gimp = [
        "env",
        "-i",
        *(f"{k}={v}" for k, v in variables.items()),
        "gimp-console-3.0",
        "-i",
        "--no-fonts",
        "--batch-interpreter=python-fu-eval",
        "-b",
        f"exec(open({str(script)!r}).read())",
        "-b",
        QUIT,
    ]
    command = " && ".join(mounts) + f" && exec chroot {shlex.quote(str(root))} " + " ".join(map(shlex.quote, gimp))
    try:
        completed = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        return GimpRun(
            124,
            (error.stdout or b"").decode(errors="replace")
            if isinstance(error.stdout, bytes)
            else str(error.stdout or ""),
        )
    return GimpRun(completed.returncode, completed.stdout)
