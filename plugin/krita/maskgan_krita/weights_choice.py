"""The weights chooser's logic (pure: no Krita, no Qt): what the `maskgan weights` commands say and what the
docker makes of it.

The docker never reads the settings file or the weights folder itself: it runs the
CLI (`maskgan weights list --json`, `weights use NAME`, `weights import-official
PATH --use`, docs/official_weights.md), so the choice is the one `maskgan daemon
start` reads, and it persists across Krita restarts. This module reads the
commands' output (the listing, the imports' ``step i/n: ...`` lines on stderr, their
errors), decides what happens to the daemon after a switch, and words it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePath

from maskgan_plugin_common import messages
from maskgan_plugin_common.errors import PluginError

EDITING, PARSER = "editing weights", "face parser"  # the kinds `maskgan weights list --json` names
SWITCHED = {EDITING: "The daemon's weights are now {}", PARSER: "The daemon's face parser is now {}"}
IMPORT_COMMANDS = {EDITING: "import-official", PARSER: "import-official-parser"}  # `maskgan weights ...`
STEP_LINE = re.compile(r"^step (\d+)/(\d+): (.+)$")  # an import's progress (maskgan_cli.commands.weights)
CLI_ERROR = re.compile(r"^maskgan [\w-]+: error: ")  # how the CLI prints a failure (maskgan_cli.main)

# what happens to the daemon after the settings file chose other weights
RESTART = "restart"  # the connected daemon is one this docker started: stop it and start it again
ASK = "ask"  # the connected daemon was started elsewhere: the user restarts it
NEXT_START = "next start"  # no daemon answers: the next start loads the new choice
START = "start"  # no daemon answers because this docker's start with the last choice failed: start one with this
FALLBACK = {EDITING: "demo", PARSER: "landmarks"}  # the choices that always load: shipped in the package


@dataclass(frozen=True)
class Bundle:
    """One row of `maskgan weights list --json`."""

    name: str  # what `maskgan weights use` takes
    kind: str  # EDITING or PARSER
    title: str  # the model card's name
    in_use: bool
    problem: str | None = None  # why the file cannot be used (a broken bundle in the weights folder)


@dataclass(frozen=True)
class Listing:
    bundles: tuple[Bundle, ...]
    settings: str  # the settings file the choice goes to

    def of_kind(self, kind: str) -> list[Bundle]:
        return [bundle for bundle in self.bundles if bundle.kind == kind]

    def in_use(self, kind: str) -> Bundle | None:
        return next((bundle for bundle in self.of_kind(kind) if bundle.in_use), None)


def parse_listing(stdout: str) -> Listing:
    """The listing `maskgan weights list --json` printed; PluginError when it printed something else."""
    try:
        listing = json.loads(stdout)
        bundles = tuple(
            Bundle(
                str(row["name"]),
                str(row["kind"]),
                str(row.get("title") or ""),
                bool(row["in_use"]),
                row.get("problem") or None,
            )
            for row in listing["weights"]
        )
        settings = str(listing["settings"])
    except (ValueError, KeyError, TypeError) as error:
        raise PluginError(
            f"`maskgan weights list --json` printed no weights listing ({error}): update MaskGAN and the plug-in "
            f"together (`maskgan install krita`); it printed: {stdout.strip()[:200]!r}"
        ) from error
    return Listing(bundles, settings)


@dataclass(frozen=True)
class Step:
    done: int  # steps finished before this one
    total: int
    message: str

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def parse_step(line: str) -> Step | None:
    """An import's progress line ("step 2/4: converting its tensors"), None for any other line."""
    match = STEP_LINE.match(line.strip())
    if match is None:
        return None
    number, total = int(match.group(1)), int(match.group(2))
    return Step(number - 1, total, match.group(3))


def cli_failure(exit_code: int | None, stderr_lines: list[str]) -> str:
    """Why a CLI run failed, in the CLI's own words: its stderr without progress lines and without the
    "maskgan weights: error: " prefix; the exit code when it said nothing."""
    said = [CLI_ERROR.sub("", line.strip()) for line in stderr_lines if line.strip() and parse_step(line) is None]
    if said:
        return " ".join(said)
    return "it was stopped" if exit_code is None else f"it exited with code {exit_code} and said nothing"


def use_arguments(name: str) -> list[str]:
    return ["weights", "use", name]


def import_arguments(kind: str, path: str) -> list[str]:
    return ["weights", IMPORT_COMMANDS[kind], path, "--use"]


def after_switch(connected: bool, started_here: bool, start_failed: bool = False) -> str:
    """What to do with the daemon once the settings file chose other weights: RESTART, ASK, START or NEXT_START
    (``start_failed``: this docker's last start, with the choice before, did not start a daemon)."""
    if not connected:
        return START if start_failed else NEXT_START
    return RESTART if started_here else ASK


def switched(kind: str, name: str, plan: str, endpoint: str) -> str:
    """What the docker says after ``name`` became the daemon's ``kind``, given what ``after_switch`` decided."""
    what = SWITCHED[kind].format(name)
    if plan == RESTART:
        return f"{what}: the daemon this docker started restarts to load it (the connection line names what it runs)."
    if plan == ASK:
        return (
            f"{what} from the daemon's next start. The daemon at {endpoint} was not started by this docker: "
            f"restart it (`maskgan daemon stop`, then Start daemon or `maskgan daemon start`) so that it loads {name}."
        )
    if plan == START:
        return f"{what}: the daemon starts with it (the connection line names what it runs)."
    return f"{what}: the next daemon start loads {name} (Start daemon)."


def cannot_load(kind: str, name: str, why: str) -> str:
    """What the docker says when the daemon did not start with ``name`` as its ``kind``: the daemon's own
    error, and the way back (the settings file still chooses ``name``, so every start would fail the same)."""
    fallback = FALLBACK[kind]
    return (
        f"The daemon could not start with the {kind} {name}: {why}. Choose other {kind} here ({fallback} "
        f"always loads): the daemon then starts with them. Every start loads {name} until then; from a "
        f"terminal: `maskgan weights use {fallback}`."
    )


def parser_named(hello: dict) -> str:
    """The face parser a daemon's hello names (its ``parser`` entry), "" when the hello has none."""
    entry = hello.get("parser")
    if not isinstance(entry, dict):
        return ""
    if entry.get("weights"):
        name = PurePath(str(entry["weights"])).stem  # the bundle's name in the weights folder
    elif entry.get("kind") == "learned":
        name = "the shipped learned parser"
    else:
        name = "landmarks"
    return name + (" (unavailable)" if entry.get("problem") else "")


def connection_line(hello: dict) -> str:
    """The connection line for a daemon's hello: version, device, the weights' model card name and the parser."""
    parser = parser_named(hello)
    return messages.connected(hello) + (f"; parser {parser}" if parser else "")
