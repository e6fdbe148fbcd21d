"""``pipcompat pip lock``: ``pylock.toml`` as pip lock writes it for the same resolution."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory, serve_with_wheels
from tests.support.packages import APP_WITH_AN_SDIST

SPECS = APP_WITH_AN_SDIST


@pytest.fixture
def server(index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path) -> IndexServer:
    return serve_with_wheels(index_server, SPECS, setuptools_wheels, tmp_path / "dists")


def lock(ctx: TestContext, server: IndexServer, *args: str | Path) -> Result:
    venv = ctx.make_venv()
    return ctx.run("pip", "--python", venv_python(venv), "lock", "--index-url", server.url, *args)


def pips(ctx: TestContext, server: IndexServer, output: Path, *args: str | Path) -> str:
    venv = ctx.make_venv("pips")
    python = str(venv_python(venv))
    output.parent.mkdir(parents=True, exist_ok=True)
    args = ("lock", "-q", "--index-url", server.url, "-o", output, *args)
    ctx.run_pip("--python", python, *args).assert_success()
    return output.read_text().replace('created-by = "pip"', 'created-by = "pipcompat"')


def test_lock_writes_the_file_pip_lock_writes(ctx: TestContext, server: IndexServer) -> None:
    result = lock(ctx, server, "app").assert_success()
    assert "pip lock is currently an experimental command" in result.stderr
    ours = ctx.path("pylock.toml").read_text()
    assert ours == pips(ctx, server, ctx.path("theirs", "pylock.toml"), "app")
    assert '[[packages.wheels]]\nname = "lib-2.0-py3-none-any.whl"\n' in ours
    assert '[packages.sdist]\nname = "srconly-1.0.tar.gz"\n' in ours


def test_local_directories_and_archives_are_locked_as_pip_locks_them(
    ctx: TestContext, server: IndexServer
) -> None:
    project = ctx.path("work", "proj")
    (project / "proj").mkdir(parents=True)
    (project / "proj" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "proj"\nversion = "0.3"\ndependencies = ["lib<2"]\n'
    )
    archive = next(Path(server.dists_dir).glob("lib-1.0-*.whl"))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    args = ("-e", project, f"lib @ {archive.as_uri()}#sha256={digest}")
    lock(ctx, server, "-o", ctx.path("work", "pylock.dev.toml"), *args).assert_success()
    ours = ctx.path("work", "pylock.dev.toml").read_text()
    assert ours == pips(ctx, server, ctx.path("work", "pylock.theirs.toml"), *args)
    assert '[packages.directory]\npath = "proj"\neditable = true\n' in ours
    expected = (
        f'[packages.archive]\nurl = "{archive.as_uri()}"\n\n[packages.archive.hashes]\nsha256 = "{digest}"\n'
    )
    assert expected in ours


def test_stdout_and_a_name_that_is_not_a_lock_file_name(ctx: TestContext, server: IndexServer) -> None:
    result = lock(ctx, server, "-o", "-", "--no-deps", "lib").assert_success()
    head = 'lock-version = "1.0"\ncreated-by = "pipcompat"\n\n[[packages]]\nname = "lib"\n'
    assert result.stdout.startswith(head)
    named = lock(ctx, server, "-o", "new/locked.toml", "--no-deps", "lib").assert_success()
    assert "new/locked.toml is not a valid lock file name." in named.stderr
    assert ctx.path("new", "locked.toml").is_file()  # the directory is made (pip fails with a traceback)
