"""Hostile-client probe of a real daemon: fuzzed messages, load with retrying clients, a busy storm; the daemon's RSS.

Every fuzzed message whose envelope is usable (a msgpack map header with a printable
id of 1..256 characters) must get exactly one final reply with that id; the others at
most one, with id "". Load: C clients x N edits, one at a time (Client.call) and
pipelined 8 deep (submit/poll, retrying `busy` with busy_delay): 0 lost, 0
duplicated, 0 wrong (pixels against the in-process Editor, up to batching rounding).
Busy storm: the same pipelined load on a daemon with a queue of 2, clients retrying
`busy` at once (as before issue 22) and with busy_delay. Seeded; the figures go to
docs/benchmarks.md (the current ones) and docs/benchmarks_history.md (each run).

  .venv/bin/python benchmarks/probe_daemon.py             # full: 10,000 messages, 8 clients x 100 edits
  .venv/bin/python benchmarks/probe_daemon.py --short     # the form tests/test_probes.py runs
  .venv/bin/python benchmarks/probe_daemon.py --memory    # the daemon's peak RSS under the memory probes
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgpack
import numpy as np
import zmq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from daemon_process import DaemonProcess  # noqa: E402
from helpers import synthetic_photo, tiny_generator  # noqa: E402

from maskgan_client import Client, busy_delay  # noqa: E402
from maskgan_client.wire import MAX_HEADER_BYTES, MAX_ID_LENGTH, encode  # noqa: E402

OPS = ["hello", "status", "cancel", "edit", "variants", "parse", "interpolate", "style_copy", "shutdown!", "", None]


def rss_kib(pid: int) -> dict[str, int]:
    """The process's current and peak resident set size (KiB) from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss": int(fields["VmRSS"].split()[0]), "peak": int(fields["VmHWM"].split()[0])}


# --- fuzz ------------------------------------------------------------------------------------------------
def hostile_value(rng: random.Random, depth: int = 0):
    choices = [
        lambda: rng.randint(-(2**63), 2**64 - 1),
        lambda: rng.random() * 1e300,
        lambda: None,
        lambda: True,
        lambda: "x" * rng.choice([0, 1, 300, 70_000]),
        lambda: "\n\r\x00",
        lambda: [],
        lambda: {"k": 1},
        lambda: nested(rng.choice([10, 200, 900])),
    ]
    return rng.choice(choices)()


def nested(depth: int):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


def fuzzed_message(rng: random.Random, n: int) -> tuple[list[bytes], str | None]:
    """(frames, the id a reply must carry, or None when the envelope is not usable)."""
    kind = rng.random()
    if kind < 0.1:  # raw garbage frames
        return [rng.randbytes(rng.randint(0, 64)) for _ in range(rng.randint(1, 3))], None
    header = {"v": 1, "id": f"f{n}", "op": rng.choice(OPS)}
    for key in rng.sample(["v", "id", "op", "args", "arrays", "extra"], rng.randint(0, 3)):
        header[key] = hostile_value(rng)
    if rng.random() < 0.5:
        shape = rng.choice([[2**62, 0, 3], [0, 2**63], [-1], [8, 8, 3], [8, 8], [1] * 9, "x", [0, 10**6, 10**6]])
        header["arrays"] = [
            {"name": rng.choice(["image", "source_mask", 7]), "dtype": rng.choice(["uint8", "float64"]), "shape": shape}
        ]
    try:
        frame = msgpack.packb(header, use_bin_type=True)
    except (ValueError, OverflowError, TypeError):  # some hostile values msgpack cannot pack: send garbage instead
        return [b"\xc1"], None
    frames = [frame] + [b"\0" * rng.choice([0, 3, 64, 192]) for _ in range(rng.randint(0, 3))]
    request_id = header.get("id")
    usable = (
        isinstance(request_id, str)
        and 0 < len(request_id) <= MAX_ID_LENGTH
        and request_id.isprintable()
        and len(frame) <= MAX_HEADER_BYTES
    )
    return frames, request_id if usable else None


def fuzz(endpoint: str, count: int, seed: int) -> dict:
    """Send ``count`` fuzzed messages one after another; count the final replies each usable request id got.

    Replies are tallied by their id, not by when they come: a reply slowed by a busy
    machine past the next message is still its own request's, never an "extra" of the
    next one.
    """
    rng = random.Random(seed)
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    finals: dict[str, int] = {}  # usable request id -> final replies seen
    sent: dict[str, int] = {}  # usable request id -> messages sent with it (a hostile id may repeat)
    stray = shutdowns = 0

    def take(wait_ms: int) -> list[dict]:
        nonlocal stray, shutdowns
        seen = []
        while socket.poll(wait_ms):
            header = msgpack.unpackb(socket.recv_multipart()[0])
            if header.get("type") not in ("result", "error"):
                continue
            seen.append(header)
            if header.get("id") in finals:
                finals[header["id"]] += 1
                result = header.get("result")
                shutdowns += isinstance(result, dict) and bool(result.get("stopping"))
            else:
                stray += 1  # a reply to an envelope without a usable id (an error naming it, at most one)
            wait_ms = 30
        return seen

    for n in range(count):
        frames, request_id = fuzzed_message(rng, n)
        if request_id is not None:
            finals.setdefault(request_id, 0)
            sent[request_id] = sent.get(request_id, 0) + 1
        socket.send_multipart(frames)
        take(10_000 if request_id is not None else 30)
    take(1_000)  # the last late replies
    socket.close()
    answered = sum(min(finals[i], sent[i]) for i in sent)
    return {
        "messages": count,
        "usable": sum(sent.values()),
        "answered_once": answered,
        "unanswered": sum(max(0, sent[i] - finals[i]) for i in sent),
        "more_than_one": sum(max(0, finals[i] - sent[i]) for i in sent),
        "unusable_replies": stray,
        "shutdowns": shutdowns,
    }


# --- load ------------------------------------------------------------------------------------------------
@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def close_enough(actual: np.ndarray, expected: np.ndarray) -> bool:
    difference = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    return difference.max() <= 8 and (difference > 0).any(axis=-1).mean() <= 0.002


def one_at_a_time(endpoint, photos, expected, edits, tally):
    with Client(endpoint, timeout=120) as client:
        for k in range(edits):
            seed = k % len(photos)
            started = time.perf_counter()
            reply = client.call("edit", {}, photos[seed])
            with tally.lock:
                tally.latencies.append(time.perf_counter() - started)
                tally.wrong += not close_enough(reply.arrays["image"], expected[seed])


MAX_DOUBLINGS = 2  # a pipelining client waits at most 4x the daemon's retry_after


def pipelined(endpoint, photos, expected, edits, tally, depth=8, backoff=True, rng=None):
    """Up to ``depth`` requests in flight; `busy` answers are sent again (after busy_delay, or at once).

    With backoff (what a pipelining client should do; maskgan_client.flow is to do the same):
    * a `busy` starts a back-off: no sends for busy_delay(retry_after, refusals), and fewer in flight (those
      the daemon holds); then one more in flight per ``cap`` results, one per round trip, probing for room;
    * a `busy` answer to a request sent before the back-off began is part of the same refusal (the daemon
      read a burst sent together): its request goes back in line, the wait is neither doubled nor pushed on.
      Counting each answer of a burst of 8 as a refusal of its own made clients wait busy_delay(hint, 7),
      seconds, while the daemon's queue ran dry;
    * the wait grows to at most 4x the daemon's retry_after (it is the measured run time of a batch): a
      client refused because others took the freed places is not sent seconds away, to come back to an idle
      daemon at the end of a run.
    """
    rng = rng or random.Random(0)
    with Client(endpoint, timeout=120) as client:
        todo = list(range(edits))
        flying: dict[str, tuple[int, float]] = {}
        finals: dict[int, int] = {}
        resume_at, refusals, cap, results_at_cap = 0.0, 0, depth, 0
        backoff_began = float("-inf")  # perf_counter time of the current back-off's first busy answer
        while todo or flying:
            while todo and len(flying) < cap and time.monotonic() >= resume_at:
                k = todo.pop(0)
                flying[client.submit("edit", {}, photos[k % len(photos)])] = (k, time.perf_counter())
            for event in client.poll(20):
                if event.type not in ("result", "error") or event.request_id not in flying:
                    continue
                k, started = flying.pop(event.request_id)
                if event.type == "error" and event.header.get("code") == "busy":
                    with tally.lock:
                        tally.busy += 1
                    todo.insert(0, k)
                    if backoff and started > backoff_began:
                        backoff_began = time.perf_counter()
                        resume_at = time.monotonic() + busy_delay(
                            event.header.get("retry_after"), min(refusals, MAX_DOUBLINGS), rng
                        )
                        refusals, cap, results_at_cap = refusals + 1, max(1, len(flying)), 0
                    continue
                refusals, results_at_cap = 0, results_at_cap + 1
                if results_at_cap >= cap:
                    cap, results_at_cap = min(depth, cap + 1), 0
                finals[k] = finals.get(k, 0) + 1
                with tally.lock:
                    tally.latencies.append(time.perf_counter() - started)
                    tally.wrong += event.type != "result" or not close_enough(
                        event.arrays["image"], expected[k % len(photos)]
                    )
        with tally.lock:
            tally.lost += sum(1 for k in range(edits) if k not in finals)
            tally.duplicated += sum(count - 1 for count in finals.values())


def load(endpoint, photos, expected, clients, edits, mode, **kwargs) -> dict:
    tally = Tally()
    target = one_at_a_time if mode == "one at a time" else pipelined
    threads = [
        threading.Thread(
            target=target,
            args=(endpoint, photos, expected, edits, tally),
            kwargs=dict(kwargs, rng=random.Random(i)) if target is pipelined else {},
        )
        for i in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    q = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    return {
        "mode": mode,
        "edits": clients * edits,
        "edits_per_s": round(clients * edits / seconds, 2),
        "p50": round(q[49], 3),
        "p95": round(q[94], 3),
        "p99": round(q[98], 3),
        "lost": tally.lost,
        "duplicated": tally.duplicated,
        "wrong": tally.wrong,
        "busy": tally.busy,
        "busy_per_s": round(tally.busy / seconds, 1),
    }


# --- memory -----------------------------------------------------------------------------------------------
def memory(folder: Path, weights: Path) -> dict:
    """The daemon's peak RSS (VmHWM, MiB) after each of the issue's memory probes, on a fresh daemon."""
    context = zmq.Context.instance()
    daemon = DaemonProcess(folder / "memory", weights, queue_size=8).start()
    pid, endpoint, mib = daemon.process.pid, daemon.endpoint, lambda: round(rss_kib(daemon.process.pid)["peak"] / 1024)
    figures = {"start_rss_mib": round(rss_kib(pid)["rss"] / 1024), "start_peak_mib": mib()}
    try:

        def send(frames, wait=5000):
            socket = context.socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(endpoint)
            socket.send_multipart(frames, copy=False)
            reply = msgpack.unpackb(socket.recv_multipart()[0]) if socket.poll(wait) else None
            socket.close()
            return reply

        side = 1000  # edit replies of 7 MB each, to a client that never reads
        image, source, edited = synthetic_photo(3, size=96, canvas=(side, side), offset=(400, 400))
        arrays = {"image": image, "source_mask": source, "edited_mask": edited}
        deaf = context.socket(zmq.DEALER)
        deaf.setsockopt(zmq.RCVHWM, 1)
        deaf.setsockopt(zmq.LINGER, 0)
        deaf.connect(endpoint)
        before = round(rss_kib(pid)["rss"] / 1024)
        with Client(endpoint, timeout=120) as client:
            served = client.call("status").result["served"]
            for n in range(80):
                while True:  # one at a time into the queue: the probe is about replies, not the queue
                    if client.call("status").result["queued"] < 4:
                        break
                    time.sleep(0.05)
                deaf.send_multipart(encode({"v": 1, "id": f"deaf{n}", "op": "edit"}, arrays))
            while client.call("status").result["served"] < served + 80:
                time.sleep(0.2)
            status = client.call("status").result
            figures["80_unread_7MB_replies"] = {
                "rss_before_mib": before,
                "rss_mib": round(rss_kib(pid)["rss"] / 1024),
                "peak_mib": mib(),
                "held_mib": round(status["held_reply_bytes"] / 2**20, 1),
                "dropped": status["dropped_replies"],
            }
            deaf.close()
            time.sleep(1.0)  # the held replies of a client that has gone are let go on the next turns of the loop
            client.call("status")
            figures["80_unread_7MB_replies"]["rss_after_the_client_went_mib"] = round(rss_kib(pid)["rss"] / 1024)
        header = msgpack.packb({"v": 1, "id": "big", "op": "hello"})
        reply = send([header, b"\0" * 800_000_000])
        figures["one_800MB_frame"] = {"reply": reply and reply.get("code"), "peak_mib": mib()}
        specs = [{"name": f"a{i}", "dtype": "uint8", "shape": [200_000_000]} for i in range(4)]
        reply = send([msgpack.packb({"v": 1, "id": "big", "op": "edit", "arrays": specs})] + [b"\0" * 200_000_000] * 4)
        figures["four_200MB_frames"] = {"reply": reply and reply.get("code"), "peak_mib": mib()}
        # 8 valid 228 MB requests (45.6 MP) at once: the byte budget takes what fits, the rest hear 'busy'
        big = {
            "image": np.zeros((6752, 6752, 3), np.uint8),
            "source_mask": np.zeros((6752, 6752), np.uint8),
            "edited_mask": np.zeros((6752, 6752), np.uint8),
        }  # equal masks: accepted, and nothing to render
        with Client(endpoint, timeout=120) as client:
            ids = [client.submit("edit", {}, big) for _ in range(8)]
            codes = {}
            while len(codes) < 8:
                for event in client.poll(1000):
                    if event.type in ("result", "error") and event.request_id in ids:
                        codes[event.request_id] = event.header.get("code", "result")
            figures["eight_228MB_requests"] = {"answers": sorted(codes.values()), "peak_mib": mib()}
        figures["alive"] = daemon.process.poll() is None
    finally:
        daemon.stop()
    return figures


# --- main -------------------------------------------------------------------------------------------------
def run(folder: Path, messages: int, clients: int, edits: int, seed: int = 0) -> dict:
    from maskgan.infer import Editor
    from maskgan.weights import save_bundle

    weights = folder / "tiny.safetensors"
    save_bundle(
        weights, {"generator": tiny_generator(seed=1, n_downsample=4)}, {"name": "tiny random", "resolution": 64}
    )
    photos = []
    for s in range(4):
        image, source, edited = synthetic_photo(3 + s)
        photos.append({"image": image, "source_mask": source, "edited_mask": edited})
    editor = Editor.load(weights, device="cpu", precision="fp32")
    expected = [editor.edit(**p).image for p in photos]
    figures = {}
    daemon = DaemonProcess(folder / "daemon", weights).start()
    try:
        pid = daemon.process.pid
        figures["rss_start_kib"] = rss_kib(pid)
        figures["fuzz"] = fuzz(daemon.endpoint, messages, seed)
        figures["rss_after_fuzz_kib"] = rss_kib(pid)
        figures["load"] = [
            load(daemon.endpoint, photos, expected, clients, edits, "one at a time"),
            load(daemon.endpoint, photos, expected, clients, edits, "pipelined 8 deep"),
        ]
        figures["rss_after_load_kib"] = rss_kib(pid)
        figures["alive"] = daemon.process.poll() is None
    finally:
        daemon.stop()
    storm = DaemonProcess(folder / "storm", weights, queue_size=2).start()
    try:
        figures["busy_storm"] = [
            load(storm.endpoint, photos, expected, clients, edits, "retry at once", backoff=False),
            load(storm.endpoint, photos, expected, clients, edits, "busy_delay backoff", backoff=True),
        ]
        figures["rss_after_storm_kib"] = rss_kib(storm.process.pid)
    finally:
        storm.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="300 messages, 2 clients x 10 edits (the test's form)")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--edits", type=int, default=100, help="edits per client")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--memory",
        action="store_true",
        help="only the memory probes: 800 MB messages, 80 unread replies, 8 x 228 MB requests (~4 GB free)",
    )
    args = parser.parse_args()
    if args.short:
        args.messages, args.clients, args.edits = 300, 2, 10
    with tempfile.TemporaryDirectory(prefix="probe-daemon-") as folder:
        if args.memory:
            from maskgan.weights import save_bundle

            weights = Path(folder) / "tiny.safetensors"
            save_bundle(
                weights,
                {"generator": tiny_generator(seed=1, n_downsample=4)},
                {"name": "tiny random", "resolution": 64},
            )
            figures = memory(Path(folder), weights)
        else:
            figures = run(Path(folder), args.messages, args.clients, args.edits, args.seed)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
