"""pip's ``--log`` file as the printer writes it: timestamped lines of everything shown, and more."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest

from pipcompat.errors import PipcompatError
from pipcompat.settings import redact
from pipcompat.ui import Printer
from pipcompat.ui.log import LogFile, format_message, open_log, timestamp

#: pip's prefix: local date and time, ``T`` between them, milliseconds after a comma, then a space.
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} "


def _printer(tmp_path: Path, verbosity: int = 0, colour: bool = False) -> tuple[Printer, io.StringIO, Path]:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(verbosity=verbosity, out=out, err=err, colour=colour)
    path = tmp_path / "pip.log"
    printer.start_log(str(path), redact=redact)
    return printer, err, path


def _logged(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        assert re.match(STAMP, line), line
    return [line[len("2024-05-01T12:30:45,123 ") :] for line in lines]


def test_timestamp_is_pips_local_time_with_milliseconds() -> None:
    when = time.mktime((2024, 5, 1, 12, 30, 45, 0, 0, -1)) + 0.0625
    assert timestamp(when) == "2024-05-01T12:30:45,062"


def test_every_line_of_a_message_gets_the_same_prefix_and_one_newline_ends_it() -> None:
    when = time.mktime((2024, 5, 1, 12, 30, 45, 0, 0, -1))
    assert format_message("first\n\nthird\n", when) == (
        "2024-05-01T12:30:45,000 first\n2024-05-01T12:30:45,000 \n2024-05-01T12:30:45,000 third\n"
    )
    assert format_message("alone", when) == "2024-05-01T12:30:45,000 alone\n"


def test_log_file_redacts_passwords_before_writing() -> None:
    stream = io.StringIO()
    LogFile(stream, redact=redact, clock=lambda: 0.0).write("from https://user:s3cret@example.org/simple")
    assert "s3cret" not in stream.getvalue()
    assert "https://user:****@example.org/simple" in stream.getvalue()


def test_log_option_appends_timestamped_lines_of_every_message(tmp_path: Path) -> None:
    printer, err, path = _printer(tmp_path, colour=True)
    printer.data("pkg==1.0")
    printer.info("Audited 1 package")
    printer.detail("only with -v")
    printer.debug("only with -vv")
    printer.warning("careful")
    printer.pip_warning("pip's own warning")
    printer.pip_error("pip's own error\nsecond line")
    printer.tool_warning("pip-compile's words")
    printer.error(PipcompatError("it broke", hint="try again"))
    printer.end_log()
    assert _logged(path) == [
        "pkg==1.0",
        "Audited 1 package",
        "only with -v",
        "only with -vv",
        "warning: careful",
        "WARNING: pip's own warning",
        "ERROR: pip's own error",
        "second line",
        "pip-compile's words",
        "error: it broke",
        "  hint: try again",
    ]
    # the console still has its colours and hides what the verbosity hides; the log has neither
    assert "\033[" in err.getvalue() and "only with -v" not in err.getvalue()


def test_quiet_hides_from_the_console_but_not_from_the_log(tmp_path: Path) -> None:
    printer, err, path = _printer(tmp_path, verbosity=-3)
    printer.info_out("Package    Version")
    printer.info("Resolved 3 packages")
    printer.pip_warning("hidden by -qq")
    printer.end_log()
    assert err.getvalue() == ""
    assert _logged(path) == ["Package    Version", "Resolved 3 packages", "WARNING: hidden by -qq"]


def test_log_is_appended_to_and_its_directories_made(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "pip.log"
    for text in ("first run", "second run"):
        log = open_log(str(path))
        log.write(text)
        log.close()
    assert _logged(path) == ["first run", "second run"]


@pytest.mark.parametrize("where", ["a-file/pip.log", "a-directory"])
def test_unwritable_log_is_one_warning_and_the_command_goes_on(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-directory").mkdir()
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(verbosity=-3, out=out, err=err, colour=False)
    printer.start_log(str(tmp_path / where))
    printer.data("still printed")
    printer.end_log()
    assert out.getvalue() == "still printed\n"
    message = err.getvalue()
    assert message.count("\n") == 1
    assert message.startswith(f"warning: cannot write the log file '{tmp_path / where}' (")
    assert "Traceback" not in message


def test_printer_without_a_log_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    printer = Printer(out=io.StringIO(), err=io.StringIO(), colour=False)
    printer.data("x")
    printer.error(PipcompatError("y"))
    printer.end_log()
    assert list(tmp_path.iterdir()) == []
