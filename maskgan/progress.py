"""A console progress bar with rate, ETA and extra fields (losses, counts).

Writes to stderr, redraws in place on a terminal and prints a plain line at most
every ``log_every`` seconds otherwise (CI logs, files), so it never floods a log.
"""

from __future__ import annotations

import sys
import time


def _format_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class Progress:
    def __init__(self, total: int, desc: str = "", stream=None, log_every: float = 10.0, start: int = 0):
        self.total = total
        self.desc = desc
        self.stream = stream or sys.stderr
        self.done = start
        self._start_count = start
        self._t0 = time.monotonic()
        self._last_draw = 0.0
        self._interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._log_every = 0.1 if self._interactive else log_every
        self.fields: dict[str, object] = {}

    def update(self, n: int = 1, **fields) -> None:
        self.done += n
        self.fields.update(fields)
        now = time.monotonic()
        if now - self._last_draw >= self._log_every or self.done >= self.total:
            self._last_draw = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = now - self._t0
        rate = (self.done - self._start_count) / elapsed if elapsed > 0 else 0.0
        remaining = (self.total - self.done) / rate if rate > 0 else float("nan")
        fraction = self.done / self.total if self.total else 1.0
        bar = "#" * int(20 * fraction)
        extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.fields.items())
        eta = _format_duration(remaining) if remaining == remaining else "?"
        return (
            f"{self.desc} [{bar:<20}] {self.done}/{self.total} "
            f"{rate:.2f}/s elapsed {_format_duration(elapsed)} eta {eta} {extra}"
        ).strip()

    def _draw(self, now: float) -> None:
        text = self.line(now)
        if self._interactive:
            self.stream.write("\r\x1b[K" + text)
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._interactive and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()
