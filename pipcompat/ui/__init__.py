"""Everything a user sees: output levels, colour only on a terminal, and how errors print.

Data goes to stdout; messages, warnings and errors go to stderr. ``NO_COLOR`` and ``-q`` are respected.
"""

from __future__ import annotations

import os
import sys

# Only what type checking needs: this module is on every command's start-up path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from pipcompat.errors import PipcompatError


def _wants_colour(stream: TextIO, environ: dict[str, str] | os._Environ[str]) -> bool:
    if "NO_COLOR" in environ:
        return False
    if environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Printer:
    """Writes messages at a verbosity level: ``-q`` lowers it, ``-v`` raises it (0 is the default).

    ``out`` and ``err`` default to the process's streams; ``colour`` ``None`` means "when ``err`` is a
    terminal" (and ``NO_COLOR`` is not set).
    """

    def __init__(
        self,
        verbosity: int = 0,
        out: TextIO | None = None,
        err: TextIO | None = None,
        colour: bool | None = None,
    ) -> None:
        self.verbosity = verbosity
        self.out: TextIO = sys.stdout if out is None else out
        self.err: TextIO = sys.stderr if err is None else err
        self.colour: bool | None = _wants_colour(self.err, os.environ) if colour is None else colour

    def __repr__(self) -> str:
        return f"Printer(verbosity={self.verbosity!r}, colour={self.colour!r})"

    def data(self, text: str) -> None:
        """Print the command's result (always shown, even with ``-q``)."""
        self.out.write(text if text.endswith("\n") else text + "\n")

    def info(self, text: str) -> None:
        if self.verbosity >= 0:
            self._message(text)

    def detail(self, text: str) -> None:
        if self.verbosity >= 1:
            self._message(text)

    def warning(self, text: str) -> None:
        if self.verbosity >= -1:
            self._message(self._style("warning", "33") + f": {text}")

    def tool_warning(self, text: str) -> None:
        """A warning in another tool's exact words (pip-compile's, pip-sync's): no ``warning:`` label added,
        shown even with ``-q`` as that tool shows it, yellow on a terminal."""
        self._message(f"\033[33m{text}\033[0m" if self.colour else text)

    def error(self, error: PipcompatError) -> None:
        render_error(error, self.err, colour=bool(self.colour))

    def _message(self, text: str) -> None:
        self.err.write(text if text.endswith("\n") else text + "\n")

    def _style(self, text: str, code: str) -> str:
        return f"\033[1;{code}m{text}\033[0m" if self.colour else text


def render_error(error: PipcompatError, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
    """Print *error* as one ``error:`` line, an optional usage block and an optional ``hint:`` line."""
    stream = stream if stream is not None else sys.stderr
    if colour is None:
        colour = _wants_colour(stream, os.environ)
    label = "\033[1;31merror\033[0m" if colour else "error"
    usage = getattr(error, "usage", "")
    if usage:
        stream.write(usage.rstrip() + "\n\n")
    stream.write(f"{label}: {error.message}\n")
    if error.hint:
        hint_label = "\033[1;36mhint\033[0m" if colour else "hint"
        stream.write(f"  {hint_label}: {error.hint}\n")
