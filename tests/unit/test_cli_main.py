"""The top-level command line: version, help, unknown commands, and how the process ends."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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


def _run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-c", code]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False
    )


def _run_entry_point(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.argv = {['pipcompat', *argv]!r}; from pipcompat.cli.main import run; run()"
    return _run_python(code, tmp_path)


def test_console_entry_point_keeps_exit_status_and_all_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``run()`` skips the interpreter's teardown; what a user sees must not change."""
    result = _run_entry_point(["pipp"], tmp_path)
    assert result.returncode == 2
    assert "error: unknown command 'pipp'" in result.stderr
    assert main(["pip", "install", "--help"]) == 0
    in_process = capsys.readouterr().out
    helped = _run_entry_point(["pip", "install", "--help"], tmp_path)
    assert helped.returncode == 0
    assert helped.stdout == in_process
    assert "--no-deps" in helped.stdout


def test_exit_waits_for_threads_pools_and_exit_handlers(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import atexit, sys, threading, time
        from concurrent.futures import ThreadPoolExecutor
        from pathlib import Path
        from pipcompat.cli.main import _exit_without_teardown

        def late(name):
            time.sleep(0.2)
            Path(name).write_text("done")

        threading.Thread(target=late, args=("thread",)).start()
        pool = ThreadPoolExecutor(2)
        pool.submit(late, "pool")  # never shut down: interpreter shutdown would still wait for it
        atexit.register(Path("atexit").write_text, "done")
        sys.stdout.write("x" * 100_000)  # no newline: still in the buffer
        _exit_without_teardown(3)
        """
    )
    result = _run_python(code, tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stdout == "x" * 100_000
    for name in ("thread", "pool", "atexit"):
        assert (tmp_path / name).read_text() == "done"


def test_exit_with_a_closed_stdout_keeps_the_status(tmp_path: Path) -> None:
    code = "import sys; from pipcompat.cli.main import _exit_without_teardown as end; "
    code += "sys.stdout.close(); end(4)"
    assert _run_python(code, tmp_path).returncode == 4
