"""``pipcompat pip sync``: an environment made to hold exactly what the files say (pip-sync 7.6.2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("alpha", "1.0"),
    PackageSpec("alpha", "2.0"),
    PackageSpec("beta", "1.0"),
    PackageSpec("gamma", "1.0"),
    PackageSpec("pip", "24.0"),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def freeze(ctx: TestContext, venv: Path) -> list[str]:
    result = ctx.run_pip("--python", venv_python(venv), "freeze", "--all").assert_success()
    return [line for line in result.stdout.splitlines() if line]


def sync(ctx: TestContext, venv: Path, server: IndexServer, *args: str) -> object:
    return ctx.run("pip", "sync", "--python-executable", str(venv_python(venv)), "-i", server.url, *args)


def populate(ctx: TestContext, venv: Path, server: IndexServer) -> None:
    ctx.run(
        "pip", "--python", venv_python(venv), "install", "-i", server.url, "alpha==1.0", "gamma", "pip"
    ).assert_success()


def test_sync_installs_upgrades_and_removes_but_keeps_pip(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    populate(ctx, venv, server)
    ctx.write("requirements.txt", "alpha==2.0\nbeta==1.0\n")
    result = sync(ctx, venv, server).assert_success()
    assert freeze(ctx, venv) == ["alpha==2.0", "beta==1.0", "pip==24.0"]
    assert [line for line in result.stderr.splitlines() if line.startswith(" ")] == [
        " - alpha==1.0",
        " + alpha==2.0",
        " + beta==1.0",
        " - gamma==1.0",
    ]


def test_dry_run_lists_changes_like_pip_sync_and_exits_1(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    populate(ctx, venv, server)
    ctx.write("requirements.txt", "alpha==2.0\nbeta==1.0\n")
    result = sync(ctx, venv, server, "--dry-run").assert_failure(1)
    assert result.stdout == "Would uninstall:\n  gamma\nWould install:\n  alpha==2.0\n  beta==1.0\n"
    assert freeze(ctx, venv) == ["alpha==1.0", "gamma==1.0", "pip==24.0"]


def test_nothing_to_do_is_everything_up_to_date(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    populate(ctx, venv, server)
    ctx.write("requirements.txt", "alpha==1.0\ngamma==1.0\n")
    result = sync(ctx, venv, server, "--dry-run").assert_success()
    assert result.stdout == "Everything up-to-date\n"


def test_conflicting_pins_are_refused_unless_forced(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    ctx.write("a.txt", "alpha==1.0\n")
    ctx.write("b.txt", "alpha==2.0\n")
    result = sync(ctx, venv, server, "a.txt", "b.txt").assert_failure(2)
    assert "Incompatible requirements found" in result.stderr
    sync(ctx, venv, server, "--force", "a.txt", "b.txt").assert_success()
    assert freeze(ctx, venv) == ["alpha==2.0"]


def test_in_files_are_refused(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    ctx.write("requirements.in", "alpha\n")
    result = sync(ctx, venv, server, "requirements.in").assert_failure(2)
    assert "Some input files have the .in extension" in result.stderr
