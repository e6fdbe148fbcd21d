"""The top-level command line: version, help and unknown commands."""

from __future__ import annotations

import pytest

from pipcompat import __version__
from pipcompat.cli.main import main


def test_version_prints_pipcompat_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pipcompat {__version__}"


def test_help_lists_front_doors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "pip " in out and "venv " in out


def test_unknown_command_suggests_close_name_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pipp", "install"]) == 2
    err = capsys.readouterr().err
    assert "error: unknown command 'pipp'" in err
    assert "did you mean 'pip'?" in err
    assert "Traceback" not in err


def test_unknown_top_level_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--frobnicate"]) == 2
    assert "unknown option '--frobnicate'" in capsys.readouterr().err
