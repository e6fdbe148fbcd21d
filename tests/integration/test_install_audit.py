"""pip install when the environment already satisfies the request: audited without asking the index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

PACKAGES = [
    PackageSpec("app", "1.0", deps=["lib>=1", "util", "extra-only; extra == 'fancy'"], extras={"fancy": []}),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
    PackageSpec("util", "1.0"),
    PackageSpec("extra-only", "1.0"),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(PACKAGES)


def install(ctx: TestContext, venv: Path, server: IndexServer, *args: str) -> object:
    return ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)


def site_packages(venv: Path) -> Path:
    return next(venv.glob("lib/python*/site-packages"))


def test_a_satisfied_requirements_file_is_audited_without_any_index_request(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "app==1.0\nlib==1.0\nutil==1.0\n")
    install(ctx, venv, server, "-r", "requirements.txt").assert_success()
    server.clear_log()
    result = install(ctx, venv, server, "-r", "requirements.txt").assert_success()
    assert result.stderr.splitlines()[-1].startswith("Audited 3 packages in ")
    assert server.paths() == []


def test_a_missing_dependency_is_installed_again(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "app").assert_success()
    shutil.rmtree(next(site_packages(venv).glob("util-1.0.dist-info")))
    result = install(ctx, venv, server, "app").assert_success()
    assert " + util==1.0" in result.stderr.splitlines()


def test_a_new_extra_installs_what_it_adds(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "app").assert_success()
    result = install(ctx, venv, server, "app[fancy]").assert_success()
    assert " + extra-only==1.0" in result.stderr.splitlines()
    again = install(ctx, venv, server, "app[fancy]").assert_success()
    assert again.stderr.splitlines()[-1].startswith("Audited 4 packages in ")


def test_a_constraint_the_installed_version_breaks_goes_to_the_resolver(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "app").assert_success()
    ctx.write("constraints.txt", "lib<2\n")
    result = install(ctx, venv, server, "app", "-c", "constraints.txt").assert_success()
    assert " - lib==2.0" in result.stderr.splitlines()
    assert " + lib==1.0" in result.stderr.splitlines()
