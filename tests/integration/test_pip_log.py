"""pip's ``--log``: a pip command still prints what it prints, and appends it, timestamped, to a file.

Each test runs ``python -m pipcompat`` (and, where exit statuses are compared, the devenv's pip) in a clean
sandbox. ``pip freeze --path`` and ``pip list --path`` read a directory of hand-made ``.dist-info``
entries, so no environment has to be built.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.context import TestContext

pytestmark = pytest.mark.integration

#: pip's prefix: local date and time, ``T`` between them, milliseconds after a comma, then a space.
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} (?P<text>.*)$")


def logged(path: Path) -> list[str]:
    """The lines of the log at *path* without their timestamps (every line must have one)."""
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = STAMPED.match(line)
        assert match is not None, f"no timestamp: {line!r}"
        texts.append(match["text"])
    return texts


def test_freeze_with_log_prints_its_lines_and_appends_them_timestamped(
    ctx: TestContext, dist_info_site: Path
) -> None:
    log = ctx.temp_dir / "logs" / "nested" / "pip.log"  # missing directories are made, as pip does
    first = ctx.run("pip", "freeze", "--path", dist_info_site, "--log", log).assert_success()
    assert first.stdout == "alpha==1.0\nbeta==2.0\n"
    second = ctx.run("pip", "freeze", "--path", dist_info_site, "--log-file", log).assert_success()
    assert second.stdout == first.stdout
    ctx.run("pip", "freeze", "--path", dist_info_site, "--local-log", log).assert_success()
    assert logged(log) == ["alpha==1.0", "beta==2.0"] * 3


@pytest.mark.parametrize("variable", ["PIP_LOG", "PIP_LOG_FILE", "PIP_LOCAL_LOG"])
def test_log_named_by_the_environment(ctx: TestContext, dist_info_site: Path, variable: str) -> None:
    result = ctx.run("pip", "freeze", "--path", dist_info_site, env={variable: "env.log"}).assert_success()
    assert result.stdout == "alpha==1.0\nbeta==2.0\n"
    assert logged(ctx.temp_dir / "env.log") == ["alpha==1.0", "beta==2.0"]


def test_log_named_by_pip_conf(ctx: TestContext, dist_info_site: Path) -> None:
    config = ctx.write("pip.conf", "[global]\nlog = from-config.log\n")
    ctx.run("pip", "freeze", "--path", dist_info_site, env={"PIP_CONFIG_FILE": str(config)}).assert_success()
    assert logged(ctx.temp_dir / "from-config.log") == ["alpha==1.0", "beta==2.0"]


def test_quiet_hides_output_but_the_log_keeps_it(ctx: TestContext, dist_info_site: Path) -> None:
    result = ctx.run("pip", "list", "--path", dist_info_site, "-qqq", "--log", "quiet.log").assert_success()
    assert (result.stdout, result.stderr) == ("", "")
    lines = logged(ctx.temp_dir / "quiet.log")
    assert lines[0].split() == ["Package", "Version"]
    assert [line.split() for line in lines[2:]] == [["alpha", "1.0"], ["beta", "2.0"]]


def test_a_failing_install_logs_its_error_and_exits_as_pip(ctx: TestContext) -> None:
    ctx.write("bad.txt", "alpha==1.0\n-z bad\n")
    ours = ctx.run("pip", "install", "-r", "bad.txt", "--no-index", "--log", "pip.log")
    theirs = ctx.run_pip("install", "-r", "bad.txt", "--no-index", "--log", "pip-own.log")
    assert ours.returncode == theirs.returncode == 1
    error_lines = [line for line in ours.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1 and "bad.txt:2" in error_lines[0]
    assert logged(ctx.temp_dir / "pip.log")[-1] == error_lines[0]
    assert "Traceback" not in ours.stderr


def test_a_command_line_pip_cannot_parse_is_refused_before_any_log_is_written(ctx: TestContext) -> None:
    ours = ctx.run("pip", "install", "--log", "pip.log", "--no-such-option")
    theirs = ctx.run_pip("install", "--log", "pip-own.log", "--no-such-option")
    assert ours.returncode == theirs.returncode == 2
    assert not (ctx.temp_dir / "pip.log").exists()
    assert not (ctx.temp_dir / "pip-own.log").exists()


def test_the_log_never_holds_a_password(ctx: TestContext) -> None:
    url = "https://someone:s3cret-token@example.invalid/simple"
    result = ctx.run("pip", "config", "list", "--log", "pip.log", env={"PIP_INDEX_URL": url}).assert_success()
    assert f":env:.index-url='{url}'" in result.stdout.splitlines()  # what pip prints, unchanged
    text = (ctx.temp_dir / "pip.log").read_text(encoding="utf-8")
    assert "https://someone:****@example.invalid/simple" in text
    assert "s3cret" not in text


@pytest.mark.parametrize("where", ["a-file/pip.log", "a-directory"])
def test_an_unwritable_log_is_one_warning_and_the_exit_status_is_pips(
    ctx: TestContext, dist_info_site: Path, where: str
) -> None:
    ctx.write("a-file", "")
    (ctx.temp_dir / "a-directory").mkdir()
    ours = ctx.run("pip", "freeze", "--path", dist_info_site, "--log", where)
    theirs = ctx.run_pip("freeze", "--path", dist_info_site, "--log", where)
    assert ours.returncode == theirs.returncode == 0  # pip complains but carries on
    assert ours.stdout == theirs.stdout == "alpha==1.0\nbeta==2.0\n"
    assert ours.stderr == f"warning: cannot write the log file {where!r} (" + (
        "Not a directory); going on without it\n"
        if where.startswith("a-file")
        else "Is a directory); going on without it\n"
    )
