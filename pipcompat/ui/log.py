"""pip's ``--log`` file: what a command shows, and its verbose-only messages, appended with a timestamp.

Each line starts with the local time in pip's form, ``2024-05-01T12:30:45,123`` and a space. Every line
of one message carries the same time. Nothing is styled, and the text passes through a redaction
function (given by the command layer) so that no password of a URL reaches the file, whatever the
console showed.

Imported only when a command has a log to write (``--log``, ``PIP_LOG``…): start-up without one pays
for none of this.
"""

from __future__ import annotations

import os
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

#: pip's timestamp: the date and time to the second, ``T`` between them, milliseconds after a comma.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def timestamp(seconds: float) -> str:
    """*seconds* since the epoch as local time in pip's log form: ``2024-05-01T12:30:45,123``."""
    millis = int((seconds - int(seconds)) * 1000)
    return f"{time.strftime(TIME_FORMAT, time.localtime(seconds))},{millis:03d}"


def format_message(text: str, when: float) -> str:
    """*text* as log lines: every line (blank ones too) prefixed by the time of *when*, each ended by
    a newline. One trailing newline of *text* ends its last line rather than adding an empty one."""
    prefix = timestamp(when) + " "
    body = text[:-1] if text.endswith("\n") else text
    return "".join(f"{prefix}{line}\n" for line in body.split("\n"))


class LogFile:
    """An open log: :meth:`write` appends one message (one or more lines) at a time; safe to call from
    worker threads."""

    def __init__(
        self,
        stream: TextIO,
        *,
        redact: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.stream = stream
        self.redact = redact
        self.clock = clock
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        """Append *text* (without styling) as timestamped lines and flush them to the file.

        Raises :class:`OSError` when the file cannot take them (a full disk).
        """
        if self.redact is not None:
            text = self.redact(text)
        lines = format_message(text, self.clock())
        with self._lock:
            self.stream.write(lines)
            self.stream.flush()

    def close(self) -> None:
        with self._lock:
            self.stream.close()


def open_log(path: str, *, redact: Callable[[str], str] | None = None) -> LogFile:
    """Open *path* for appending (UTF-8), creating its missing parent directories as pip does.

    Raises :class:`OSError` when the file or a directory cannot be made or opened.
    """
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        try:
            os.makedirs(parent)
        except FileExistsError:
            pass  # a file where a directory should be: opening says so ("Not a directory")
    stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 -- closed by LogFile.close
    return LogFile(stream, redact=redact)
