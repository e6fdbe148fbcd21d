"""A one-line progress bar on stderr, for downloads and builds, shown only on a terminal.

pip's ``--progress-bar`` decides: ``off`` shows nothing; ``raw`` prints ``Progress N of M`` lines whatever
the stream (pip's form for programs that read it); any other value draws a bar, but only when stderr is a
terminal, the output is not quieted (``-q``) and the work lasts long enough to be worth a bar (nothing is
drawn during the first moments, so a run served from the cache prints no bar at all). The line is erased
when the work ends, leaving the usual summary lines alone in the output.
"""

from __future__ import annotations

import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

#: Seconds before a bar appears, and the least time between two redraws.
DELAY = 0.25
INTERVAL = 0.1
_WIDTH = 24


def progress_mode(setting: str | None, stream: TextIO, verbosity: int) -> str:
    """``"bar"``, ``"raw"`` or ``"off"`` for pip's ``--progress-bar`` *setting* on *stream*."""
    value = (setting or "on").lower()
    if value == "off" or verbosity < 0:
        return "off"
    if value == "raw":
        return "raw"
    isatty = getattr(stream, "isatty", None)
    return "bar" if isatty is not None and isatty() else "off"


class Progress:
    """Counts finished items out of *total* and shows it in *mode*; safe to call from worker threads."""

    def __init__(self, stream: TextIO, total: int, label: str, mode: str) -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.mode = mode
        self.done = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._drawn = False

    def advance(self, name: str = "") -> None:
        with self._lock:
            self.done += 1
            if self.mode == "raw":
                self.stream.write(f"Progress {self.done} of {self.total}\n")
                self.stream.flush()
                return
            if self.mode != "bar":
                return
            now = time.monotonic()
            if now - self._started < DELAY or (now - self._drawn_at < INTERVAL and self.done < self.total):
                return
            self._drawn_at = now
            filled = _WIDTH * self.done // max(self.total, 1)
            bar = "=" * filled + (">" if filled < _WIDTH else "") + " " * max(_WIDTH - filled - 1, 0)
            line = f"{self.label} [{bar}] {self.done}/{self.total} {name}"
            self.stream.write("\r\033[2K" + line[:100])
            self.stream.flush()
            self._drawn = True

    def close(self) -> None:
        """Erase the bar (if one was drawn)."""
        with self._lock:
            if self._drawn:
                self.stream.write("\r\033[2K")
                self.stream.flush()
                self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
