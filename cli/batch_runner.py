"""Batch edits through the daemon: read a manifest, run its items with several requests in flight, resume.

A manifest is a CSV (with a header row) or JSON list of rows {image, mask, edited_mask,
op, reference_image, reference_mask, output, method}, or a folder holding NAME.png +
NAME.mask.png + NAME.edited.png. Relative input paths are relative to the manifest's
folder, relative outputs to the output folder. An edit's ``method`` (auto | generate |
photo, see maskgan.infer.routes) defaults to the batch's.

An item is done when its output was written (atomically) and then recorded in the
output folder's state file, so an interrupted batch resumes without redoing finished
items, and an output deleted by hand is made again. Bad items (missing or unreadable
files, bad mask colours, size mismatches, daemon errors) fail alone; the batch goes on.

The runner writes into folders full of people's work, so before anything runs the
manifest is refused, naming the rows, when an output would land outside the output
folder (``../``, absolute paths, symlinks), on any item's input, on the runner's own
files (its state file and report), or on a file that exists and that this batch did
not write (the state file records each output before it is written, so a file left
by a killed run is still known as the batch's own). The state file is never
followed when it is a symbolic link. Temporary files of writers killed mid-write
are removed on the next run.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from maskgan.core.atomic_files import remove_stale_temporaries, write_atomically
from maskgan.imageio import load_mask, load_rgb, save_png
from maskgan.progress import Progress
from maskgan_client.protocol import METHODS

FIELDS = ("image", "mask", "edited_mask", "op", "reference_image", "reference_mask", "output", "method")
EDIT_ONLY = ("method",)
# op -> the input fields it needs (all files); the first one names the default output
OP_INPUTS = {"edit": ("image", "mask", "edited_mask"), "style_copy": ("mask", "reference_image", "reference_mask")}
STATE_FILE = "batch-state.jsonl"
REPORT_FILE = "report.json"


class ManifestError(ValueError):
    """The manifest as a whole cannot be read (as opposed to one bad item in it)."""


class ItemError(Exception):
    """Why one item cannot run; becomes its 'reason' in the report."""


@dataclass
class Item:
    number: int  # 1-based position in the manifest
    name: str
    op: str
    inputs: dict[str, Path]  # field -> absolute path
    output: Path | None
    problem: str | None = None  # found while reading the manifest: the item fails without running
    method: str = "auto"  # how an edit makes its regions

    def record(self, feather: int) -> dict:
        """What the state file remembers: an item changed in the manifest is not 'done' any more."""
        edit = self.op == "edit"
        return {
            "output": str(self.output),
            "op": self.op,
            "feather": feather if edit else None,
            "method": self.method if edit else None,
            "inputs": {k: str(v) for k, v in sorted(self.inputs.items())},
        }


class Status(str, Enum):
    """How an item of a batch ended (its report.json value)."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # done by an earlier run with the same inputs and settings


@dataclass
class Outcome:
    item: Item
    status: Status
    reason: str = ""


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    aborted: str | None = None  # set when the daemon stopped answering mid-batch

    def count(self, status: Status) -> int:
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> str:
        return f"{self.count('ok')} done, {self.count('failed')} failed, {self.count('skipped')} skipped (already done)"


# --- manifest ----------------------------------------------------------------------------------


def default_output_dir(manifest: Path) -> Path:
    return (manifest if manifest.is_dir() else manifest.parent) / "edited"


def read_manifest(manifest: Path, output_dir: Path, method: str = "auto") -> list[Item]:
    """Items of a CSV/JSON manifest or a folder, edits made by ``method`` unless a row says otherwise; raises
    ManifestError when it cannot be read at all, or when an output would land where it must not (see check_outputs)."""
    items = _read_items(Path(manifest), output_dir, method)
    check_outputs(items, output_dir, State(output_dir).owned)
    return items


def _read_items(manifest: Path, output_dir: Path, method: str) -> list[Item]:
    if manifest.is_dir():
        return _items(_folder_rows(manifest), manifest, output_dir, method)
    if not manifest.is_file():
        raise ManifestError(f"no such manifest: {manifest}")
    suffix = manifest.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(manifest)
    elif suffix == ".json":
        rows = _json_rows(manifest)
    else:
        raise ManifestError(
            f"{manifest}: a manifest is a .csv or .json file, or a folder of NAME.png + NAME.mask.png + NAME.edited.png"
        )
    return _items(rows, manifest.parent, output_dir, method)


def _folder_rows(folder: Path) -> list[dict]:
    photos = sorted(
        p
        for p in folder.glob("*.png")
        if not p.name.startswith(".") and not p.name.endswith((".mask.png", ".edited.png"))
    )
    if not photos:
        raise ManifestError(f"{folder} holds no NAME.png photos (with NAME.mask.png and NAME.edited.png beside them)")
    return [{"image": p.name, "mask": p.stem + ".mask.png", "edited_mask": p.stem + ".edited.png"} for p in photos]


def _csv_rows(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [{k: v for k, v in row.items() if v not in (None, "")} for row in reader]
            columns = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ManifestError(f"cannot read {path} as CSV ({error})") from error
    unknown = [c for c in columns if c not in FIELDS]
    if unknown:
        raise ManifestError(f"{path}: unknown column {', '.join(map(repr, unknown))}; columns are {', '.join(FIELDS)}")
    return rows


def _json_rows(path: Path) -> list[dict]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"cannot read {path} as JSON ({error})") from error
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ManifestError(f"{path}: a JSON manifest is a list of objects with fields {', '.join(FIELDS)}")
    for number, row in enumerate(rows, 1):
        unknown = [k for k in row if k not in FIELDS]
        if unknown:
            raise ManifestError(
                f"{path}: row {number} has unknown field {', '.join(map(repr, unknown))}; "
                f"fields are {', '.join(FIELDS)}"
            )
    return rows


def _items(rows: list[dict], base: Path, output_dir: Path, method: str) -> list[Item]:
    items, owners = [], {}
    for number, row in enumerate(rows, 1):
        item = _item(number, row, base.resolve(), output_dir.resolve(), method)
        if item.problem is None and item.output in owners:
            item.problem = f"its output {item.output} is also the output of item {owners[item.output]}"
        owners.setdefault(item.output, number)
        items.append(item)
    return items


def _item(number: int, row: dict, base: Path, output_dir: Path, default_method: str) -> Item:
    op = row.get("op") or "edit"
    op = op if isinstance(op, str) else repr(op)
    fields = OP_INPUTS.get(op, ())
    inputs = {k: base / row[k] for k in fields if isinstance(row.get(k), str) and row[k]}
    # "faces/eve.png" (edit) or "faces/eve.mask.png" (style copy) -> "eve"; a style copy gets its own
    # default output, so that an edit and a style copy of one photo do not collide
    name = Path(row[fields[0]]).stem.removesuffix(".mask") if fields and fields[0] in inputs else f"item {number}"
    output = row.get("output") or (f"{name}.png" if op == "edit" else f"{name}.{op}.png")
    item = Item(
        number,
        name,
        op,
        inputs,
        output_dir / output if isinstance(output, str) else None,
        method=row.get("method") or default_method,
    )
    if op not in OP_INPUTS:
        item.problem = f"unknown op {op!r}; ops are {', '.join(OP_INPUTS)}"
    elif missing := [k for k in fields if k not in inputs]:
        item.problem = f"{op} needs {', '.join(missing)} (a path)"
    elif extra := [k for k in FIELDS if row.get(k) and k not in fields + ("op", "output") + EDIT_ONLY * (op == "edit")]:
        item.problem = f"{op} takes no {', '.join(extra)}"
    elif item.method not in METHODS:  # checked here so that one bad row fails alone, before anything is sent
        item.problem = f"unknown method {item.method!r}; methods are {', '.join(METHODS)}"
    elif item.output is None:
        item.problem = "'output' must be a path"
    return item


RUNNER_FILES = (STATE_FILE, REPORT_FILE)


def check_outputs(items: list[Item], output_dir: Path, owned: set[str]) -> None:
    """Raise ManifestError, naming the rows, unless every output stays inside ``output_dir`` and overwrites
    neither an input, nor the runner's own files, nor a file the batch did not write (``owned``: outputs
    the state file records)."""
    folder = output_dir.resolve()
    inputs = {path.resolve(): item.number for item in items for path in item.inputs.values()}
    problems = []
    for item in items:
        if item.output is None or item.problem:
            continue
        output, resolved = item.output, item.output.resolve()  # resolve: a symlink on the way counts where it leads
        if not resolved.is_relative_to(folder) or resolved == folder:
            why = f"its output {output} is outside the output folder {folder}"
        elif resolved in inputs:
            why = f"its output {output} is an input of item {inputs[resolved]}"
        elif resolved.parent == folder and (resolved.name in RUNNER_FILES or resolved.name.startswith(".report.")):
            why = f"its output {output} is the batch's own {resolved.name}"
        elif output.is_symlink() or output.is_dir():
            why = f"its output {output} is a {'symbolic link' if output.is_symlink() else 'folder'}"
        elif output.exists() and str(output) not in owned:
            why = f"its output {output} already exists and this batch did not write it"
        else:
            continue
        problems.append(f"row {item.number}: {why}")
    if problems:
        more = f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        raise ManifestError(
            f"nothing was run: {len(problems)} output(s) would land where they must not: "
            + "; ".join(problems[:8])
            + more
            + ". Outputs stay inside the output folder and never "
            "replace an input or a file the batch did not write: move those files or change the rows"
        )


# --- loading one item --------------------------------------------------------------------------


@dataclass
class Request:
    """The daemon request of an item; an edit sends only the face's window of the photo (maskgan_client.regions)
    and gets the changed box back, pasted into ``photo`` when it arrives."""

    op: str
    args: dict
    arrays: dict
    face: object = None  # an edit's maskgan_client.regions.FaceRequest, which pastes its box back

    def output(self, result: dict, arrays: dict):
        """The image to write from the reply."""
        return arrays["image"] if self.face is None else self.face.whole(result, arrays)["image"]


def load_request(item: Item, feather: int) -> Request:
    """The daemon request for an item; raises ItemError naming what is wrong."""
    try:
        loaded = {k: (load_rgb(p) if k.endswith("image") else load_mask(p)) for k, p in item.inputs.items()}
    except (FileNotFoundError, ValueError) as error:  # ValueError covers unreadable files and bad mask colours
        raise ItemError(str(error)) from None
    if item.op == "edit":
        _same_size(loaded, item, ("image", "mask", "edited_mask"))
        from maskgan_client.regions import FaceRequest

        arrays = {"image": loaded["image"], "source_mask": loaded["mask"], "edited_mask": loaded["edited_mask"]}
        face = FaceRequest("edit", {"feather": feather, "method": item.method}, arrays)
        return Request(face.op, face.args, face.arrays, face)
    _same_size(loaded, item, ("reference_image", "reference_mask"))
    arrays = {
        "target_mask": loaded["mask"],
        "reference_image": loaded["reference_image"],
        "reference_mask": loaded["reference_mask"],
    }
    return Request("style_copy", {}, arrays)


def _same_size(loaded: dict, item: Item, fields: tuple[str, ...]) -> None:
    sizes = {k: loaded[k].shape[:2] for k in fields}
    if len(set(sizes.values())) > 1:
        described = ", ".join(f"{k} {item.inputs[k].name} is {w}x{h}" for k, (h, w) in sizes.items())
        raise ItemError(f"size mismatch: {described}")


# --- state and report ----------------------------------------------------------------------------


class State:
    """The output folder's record of items: a JSON line appended before an output is written ("writing": true)
    and one after (the item's record); the first makes a file left by a killed run the batch's own."""

    def __init__(self, output_dir: Path):
        self.path = output_dir / STATE_FILE
        self.finished: dict[str, dict] = {}
        self.owned: set[str] = set()  # outputs this batch wrote or began to write
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise ManifestError(
                f"the batch state file {self.path} is not a plain file (a symbolic link?); "
                "it is never followed: remove it, or choose another output folder"
            )
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                    self.owned.add(record["output"])
                    if not record.get("writing"):
                        self.finished[record["output"]] = record
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a line cut short by an interruption: that item is simply redone

    def is_done(self, item: Item, feather: int) -> bool:
        return self.finished.get(str(item.output)) == item.record(feather) and item.output.is_file()

    def begin(self, item: Item) -> None:
        """Record that ``item``'s output is about to be written (before it exists)."""
        self._append({"output": str(item.output), "writing": True})
        self.owned.add(str(item.output))

    def add(self, item: Item, feather: int) -> None:
        record = item.record(feather)
        self._append(record)
        self.finished[record["output"]] = record

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a symbolic link planted under the state file's name is refused, not written through
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def write_report(output_dir: Path, result: BatchResult) -> Path:
    """DIR/report.json (written atomically): a summary and, per item, status, reason and output."""
    report = {
        "summary": {
            "done": result.count(Status.OK),
            "failed": result.count(Status.FAILED),
            "skipped": result.count(Status.SKIPPED),
        },
        "aborted": result.aborted,
        "items": [
            {
                "item": o.item.number,
                "name": o.item.name,
                "op": o.item.op,
                "status": o.status.value,
                "reason": o.reason,
                "output": str(o.item.output) if o.item.output else None,
            }
            for o in result.outcomes
        ],
    }
    path = output_dir / REPORT_FILE
    write_atomically(path, lambda tmp: tmp.write_text(json.dumps(report, indent=2), encoding="utf-8"))
    return path


# --- runner ------------------------------------------------------------------------------------


@dataclass
class _Running:
    item: Item
    outcome_index: int
    sent_at: float  # time.monotonic() when it went out
    request: Request


@dataclass
class Runner:
    """Keeps up to ``in_flight`` requests at the daemon so that it can batch them."""

    client: object  # maskgan_client.Client
    output_dir: Path
    feather: int = 8
    in_flight: int = 4
    silence_timeout: float = 120.0  # no word about any running request for this long: the daemon is gone
    stream: object = None  # where the progress bar goes (stderr by default)
    _running: dict[str, _Running] = field(default_factory=dict)
    _ping: str | None = None  # the liveness ping in flight (a `status`, answered outside the queue)
    _ping_sent: float = 0.0

    def run(self, items: list[Item]) -> BatchResult:
        from maskgan_client import DaemonUnavailable

        state = State(self.output_dir)
        for item in items:
            if item.output is not None and not item.problem:
                remove_stale_temporaries(item.output)
        outcomes: list[Outcome | None] = [None] * len(items)
        pending: deque[int] = deque()
        for i, item in enumerate(items):
            if item.problem:
                outcomes[i] = Outcome(item, Status.FAILED, item.problem)
            elif state.is_done(item, self.feather):
                outcomes[i] = Outcome(item, Status.SKIPPED, "already done")
            else:
                pending.append(i)
        result = BatchResult(outcomes)  # filled in place as items finish
        bar = Progress(len(pending), desc="batch", stream=self.stream)
        try:
            self._loop(items, pending, outcomes, state, bar)
        except DaemonUnavailable as error:
            result.aborted = error.message
            for i, outcome in enumerate(outcomes):
                if outcome is None:
                    outcomes[i] = Outcome(items[i], Status.FAILED, "not run: the daemon stopped answering")
        except BaseException:  # Ctrl-C: stop the daemon's work for us; finished items stay recorded
            for request_id in self._running:
                self.client.cancel(request_id)
            raise
        finally:
            bar.close()
        return result

    def _loop(self, items, pending: deque, outcomes: list, state: State, bar: Progress) -> None:
        from maskgan_client import DaemonUnavailable
        from maskgan_client.client import PING_INTERVAL, PING_TIMEOUT
        from maskgan_client.flow import FlowControl

        flow = FlowControl(self.in_flight)  # fewer in flight after a busy, one more per answer
        last_heard = time.monotonic()
        while pending or self._running:
            for _ in range(min(len(pending), flow.room(len(self._running), time.monotonic()))):
                i = pending.popleft()
                try:
                    request = load_request(items[i], self.feather)
                except ItemError as error:
                    outcomes[i] = Outcome(items[i], Status.FAILED, str(error))
                    bar.update(failed=_failed(outcomes))
                    continue
                if not self._running:
                    last_heard = time.monotonic()
                request_id = self.client.submit(request.op, request.args, request.arrays)
                self._running[request_id] = _Running(items[i], i, time.monotonic(), request)
            self._keep_alive(PING_INTERVAL, PING_TIMEOUT)
            for event in self.client.poll(200):
                if event.request_id == self._ping:
                    self._ping = None
                    continue
                running = self._running.get(event.request_id)
                if running is None:
                    continue  # a reply to a request we cancelled, or one unreadable
                last_heard = time.monotonic()
                if event.type == "progress":
                    continue
                del self._running[event.request_id]
                code = event.header.get("code")
                if event.type == "error" and code == "busy":  # the daemon's queue is full: later, with fewer in flight
                    pending.appendleft(running.outcome_index)
                    flow.refused(len(self._running), event.header.get("retry_after"), time.monotonic(), running.sent_at)
                    continue
                flow.answered()
                outcomes[running.outcome_index] = self._finish(running, event, state)
                bar.update(failed=_failed(outcomes))
            if self._running and time.monotonic() - last_heard > self.silence_timeout:
                raise DaemonUnavailable(self.client.endpoint, self.silence_timeout)

    def _keep_alive(self, interval: float, timeout: float) -> None:
        """While requests run, ping the daemon every ``interval``; one unanswered for ``timeout``: it is gone."""
        from maskgan_client import DaemonUnavailable

        now = time.monotonic()
        if self._ping is not None and now - self._ping_sent > timeout:
            raise DaemonUnavailable(self.client.endpoint, timeout)
        if self._ping is None and self._running and now - self._ping_sent > interval:
            self._ping, self._ping_sent = self.client.submit("status"), now

    def _finish(self, running: _Running, event, state: State) -> Outcome:
        item = running.item
        if event.type != "result":
            return Outcome(
                item, Status.FAILED, f"daemon: {event.header.get('message', '')} [{event.header.get('code')}]"
            )
        try:
            state.begin(item)
            save_png(item.output, running.request.output(event.header["result"], event.arrays))
        except (OSError, ValueError, KeyError) as error:
            return Outcome(item, Status.FAILED, f"cannot write {item.output}: {error}")
        state.add(item, self.feather)
        return Outcome(item, Status.OK)


def _failed(outcomes: list) -> int:
    return sum(o is not None and o.status is Status.FAILED for o in outcomes)
