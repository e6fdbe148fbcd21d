"""Everything a user sees: output levels, colour only on a terminal, and how errors print.

Data goes to stdout; messages, warnings and errors go to stderr. ``NO_COLOR`` and ``-q`` are respected.
With pip's ``--log``, every line shown, and every message that ``-v`` would show, is also appended to the
log file (:mod:`pipcompat.ui.log`), whatever the verbosity.
"""

from __future__ import annotations

import os
import sys

# Only what type checking needs: this module is on every command's start-up path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    from pipcompat.errors import PipcompatError
    from pipcompat.ui.log import LogFile


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
    terminal" (and ``NO_COLOR`` is not set). With a log (:meth:`start_log`), every method also appends
    its text, unstyled, to the log, even when the verbosity hides it from the console.
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
        self.log: LogFile | None = None
        self._log_path = ""

    def __repr__(self) -> str:
        return f"Printer(verbosity={self.verbosity!r}, colour={self.colour!r})"

    # -- the log ------------------------------------------------------------------------------------------
    def start_log(self, path: str, *, redact: Callable[[str], str] | None = None) -> None:
        """Append from now on to the log file *path* (pip's ``--log``).

        A file that cannot be opened does not stop the command (pip carries on, and exits with the
        command's own status): one warning line says so, whatever the verbosity, and nothing is logged.
        """
        from pipcompat.ui.log import open_log

        self._log_path = path
        try:
            self.log = open_log(path, redact=redact)
        except OSError as exc:
            self._log_failed(exc)

    def end_log(self) -> None:
        """Close the log file, if one is open."""
        log, self.log = self.log, None
        if log is not None:
            try:
                log.close()
            except OSError as exc:
                self._log_failed(exc)

    def _log(self, text: str) -> None:
        if self.log is None:
            return
        try:
            self.log.write(text)
        except OSError as exc:
            self.log = None
            self._log_failed(exc)

    def _log_failed(self, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        self._write(
            self.err,
            self._style("warning", "33")
            + f": cannot write the log file {self._log_path!r} ({reason}); going on without it",
        )

    # -- messages ------------------------------------------------------------------------------------------
    def data(self, text: str) -> None:
        """Print the command's result (always shown, even with ``-q``)."""
        self._write(self.out, text)
        self._log(text)

    def info_out(self, text: str) -> None:
        """A line on stdout at pip's info level (pip's ``write_output``): hidden by ``-q``."""
        if self.verbosity >= 0:
            self._write(self.out, text)
        self._log(text)

    def info(self, text: str) -> None:
        if self.verbosity >= 0:
            self._message(text)
        self._log(text)

    def detail(self, text: str) -> None:
        """A message shown with ``-v``; always in the log."""
        if self.verbosity >= 1:
            self._message(text)
        self._log(text)

    def debug(self, text: str) -> None:
        """A message shown with ``-vv``; always in the log."""
        if self.verbosity >= 2:
            self._message(text)
        self._log(text)

    def warning(self, text: str) -> None:
        if self.verbosity >= -1:
            self._message(self._style("warning", "33") + f": {text}")
        self._log(f"warning: {text}")

    def pip_warning(self, text: str) -> None:
        """A warning in pip's own form, ``WARNING: …`` (where output must match pip's): hidden by ``-qq``."""
        if self.verbosity >= -1:
            self._message(f"WARNING: {text}")
        self._log(f"WARNING: {text}")

    def pip_error(self, text: str) -> None:
        """A problem reported in pip's own form, ``ERROR: …``, that does not end the command: always shown."""
        self._message(f"ERROR: {text}")
        self._log(f"ERROR: {text}")

    def tool_warning(self, text: str) -> None:
        """A warning in another tool's exact words (pip-compile's, pip-sync's): no ``warning:`` label added,
        shown even with ``-q`` as that tool shows it, yellow on a terminal."""
        self._message(f"\033[33m{text}\033[0m" if self.colour else text)
        self._log(text)

    def error(self, error: PipcompatError) -> None:
        render_error(error, self.err, colour=bool(self.colour))
        self.log_error(error)

    def log_error(self, error: PipcompatError) -> None:
        """Append *error* to the log as :func:`render_error` prints it (the console is left alone)."""
        if self.log is not None:
            self._log(error_text(error))

    def log_traceback(self, text: str) -> None:
        """Append the traceback of an unexpected exception to the log (Python prints it on the console)."""
        self._log(text)

    def _message(self, text: str) -> None:
        self._write(self.err, text)

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        stream.write(text if text.endswith("\n") else text + "\n")

    def _style(self, text: str, code: str) -> str:
        return f"\033[1;{code}m{text}\033[0m" if self.colour else text


def error_text(error: PipcompatError, *, colour: bool = False) -> str:
    """*error* as it prints: an optional usage block, one ``error:`` line and an optional ``hint:`` line."""
    label = "\033[1;31merror\033[0m" if colour else "error"
    text = ""
    usage = getattr(error, "usage", "")
    if usage:
        text += usage.rstrip() + "\n\n"
    text += f"{label}: {error.message}\n"
    if error.hint:
        hint_label = "\033[1;36mhint\033[0m" if colour else "hint"
        text += f"  {hint_label}: {error.hint}\n"
    return text


def render_error(error: PipcompatError, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
    """Print *error* (:func:`error_text`) on *stream*, stderr by default."""
    stream = stream if stream is not None else sys.stderr
    if colour is None:
        colour = _wants_colour(stream, os.environ)
    stream.write(error_text(error, colour=colour))
