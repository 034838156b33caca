"""Batch over open images: several requests at the daemon at once, through the plug-ins' shared batch queue
(maskgan_plugin_common.jobs and its maskgan_client.flow), with no GIMP here.

GIMP runs a procedure to its end in the plug-in's own process, so the batch is one loop:
send what the queue allows (``prepare`` reads an image into a request), poll the
daemon's answers, add each result as it comes (``add``), and show the queue's progress.
A ``busy`` answer puts its image back in line (read again when it goes out again),
with fewer in flight for a while; an image that cannot be read, or whose request
fails, ends FAILED with its reason and the others go on. While requests run, the
daemon is pinged (maskgan_client.liveness): a daemon gone (or stalled) ends the batch
with the plug-in's words for it.
"""

from __future__ import annotations

import time

from maskgan_client import DaemonUnavailable
from maskgan_client.client import Reply
from maskgan_client.liveness import Liveness
from maskgan_plugin_common.errors import PluginError
from maskgan_plugin_common.jobs import DONE, FAILED, RUNNING, Batch, Item

POLL_MS = 200  # longest wait for the daemon's next word before the loop looks at its pings and the queue again


def run(daemon, batch: Batch, prepare, add, progress, clock=time.monotonic) -> None:
    """Run ``batch`` through ``daemon`` (daemon_link.Daemon): ``prepare(item) -> (op, args, arrays)``,
    ``add(item, reply) -> message`` (the item's line once done), ``progress(fraction, text)``. Raises
    DaemonDown, after failing the items left, when the daemon stops answering."""
    client = daemon.client
    running: dict[str, Item] = {}
    liveness = Liveness(client, clock())
    while not batch.over:
        for item in batch.start_next(clock()):
            try:
                running[client.submit(*prepare(item))] = item
            except PluginError as error:  # this image cannot be sent; the others go on
                batch.finish(item, FAILED, str(error))
        if batch.over:
            break
        now = clock()
        try:
            liveness.check(bool(running), now)
        except DaemonUnavailable as gone:
            reason = "not finished: the daemon stopped answering"
            for item in [*batch.stop(FAILED, reason), *running.values()]:
                batch.finish(item, FAILED, reason)
            raise daemon.down_or_stalled(batch.title, gone) from None
        wait = batch.flow.wait(now) if not running else 0.0  # nothing out: only a busy pause to wait out
        for event in client.poll(max(1, min(POLL_MS, round(wait * 1000)) if wait else POLL_MS)):
            if liveness.answered(event, clock()):
                continue
            item = running.get(event.request_id)
            if item is None:
                continue
            if event.type == "progress":
                total = event.header.get("total") or 0
                item.step = min(int(event.header.get("done") or 0) / total, 1.0) if total else item.step
                item.message = str(event.header.get("message", ""))
            elif event.type == "result":
                del running[event.request_id]
                _finish(batch, item, add, event)
            else:
                del running[event.request_id]
                if event.header.get("code") == "busy":  # the daemon's queue is full: this image goes again, later
                    batch.refused(item, event.header.get("retry_after"), clock())
                else:
                    batch.finish(item, FAILED, f"{batch.title} failed: {event.header.get('message', '')}")
        progress(batch.progress(), _progress_text(batch))


def _finish(batch: Batch, item: Item, add, event) -> None:
    try:
        batch.finish(item, DONE, add(item, Reply(event.header, event.arrays)))
    except Exception as error:  # noqa: BLE001 - the result could not be added to this image; the others go on
        why = str(error) if isinstance(error, PluginError) else f"{type(error).__name__}: {error}"
        batch.finish(item, FAILED, why)


def _progress_text(batch: Batch) -> str:
    running = [line for item, line in zip(batch.items, batch.lines()) if item.state == RUNNING]
    return f"{batch.title}: " + ("; ".join(running) if running else "waiting for the daemon")
