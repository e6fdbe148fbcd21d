"""``pipcompat pip sync``: an environment made to hold exactly what the files say (pip-sync 7.6.2)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.context import TestContext, dead_proxy_environ, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("alpha", "1.0"),
    PackageSpec("alpha", "2.0"),
    PackageSpec("beta", "1.0"),
    PackageSpec("gamma", "1.0"),
    PackageSpec("delta", "1.0", deps=["beta"]),
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


def test_pip_no_proxy_env_variable_syncs_past_a_proxy_the_environment_names(
    ctx: TestContext, server: IndexServer
) -> None:
    env = dead_proxy_environ()
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "beta==1.0\n")
    args = ("pip", "sync", "--python-executable", str(venv_python(venv)), "-i", server.url)
    env |= {"PIP_RETRIES": "0"}
    failed = ctx.run(*args, env=env).assert_failure(1)
    assert "proxy" in failed.stderr and "Traceback" not in failed.stderr
    ctx.run(*args, env=env | {"PIP_NO_PROXY_ENV": "1"}).assert_success()
    assert "beta==1.0" in freeze(ctx, venv)


def test_pip_configuration_chooses_the_index_as_for_the_pip_install_pip_sync_runs(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "beta==1.0\n")
    args = ("pip", "sync", "--python-executable", str(venv_python(venv)))
    ctx.run(*args, env={"PIP_INDEX_URL": server.url}).assert_success()
    assert "beta==1.0" in freeze(ctx, venv)
    ctx.write("requirements.txt", "gamma==1.0\n")
    config = ctx.write("pip.conf", f"[install]\nindex-url = {server.url}\n")
    ctx.run(*args, env={"PIP_CONFIG_FILE": str(config)}).assert_success()
    assert "gamma==1.0" in freeze(ctx, venv) and "beta==1.0" not in freeze(ctx, venv)
    # pip-sync's own --index-url is a command-line option of that pip install: it wins
    ctx.write("requirements.txt", "alpha==2.0\n")
    ctx.run(*args, "-i", server.url, env={"PIP_INDEX_URL": "http://127.0.0.1:9/simple"}).assert_success()
    assert "alpha==2.0" in freeze(ctx, venv)


def test_pip_args_are_options_of_the_pip_install_pip_sync_runs(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "delta==1.0\n")
    sync(ctx, venv, server, "--pip-args", "--no-deps --compile --progress-bar off").assert_success()
    assert freeze(ctx, venv) == ["delta==1.0"]
    site = next(venv.glob("lib/python3*/site-packages"))
    assert list((site / "delta" / "__pycache__").glob("__init__.*.pyc"))
    ctx.write("requirements.txt", "gamma==1.0\n")
    sync(ctx, venv, server).assert_success()
    assert freeze(ctx, venv) == ["gamma==1.0"]
    assert not (site / "gamma" / "__pycache__").exists()


def test_pip_args_that_pip_install_refuses_or_that_name_requirements_change_nothing(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "alpha==2.0\n")
    unknown = sync(ctx, venv, server, "--pip-args", "--no-such-option").assert_failure(2)
    assert "no such option: --no-such-option" in unknown.stderr
    extra = sync(ctx, venv, server, "--pip-args", "gamma -r more.txt").assert_failure(2)
    assert "'gamma more.txt'" in extra.stderr and "Traceback" not in extra.stderr
    assert freeze(ctx, venv) == []


def test_require_virtualenv_from_the_environment_refuses_a_base_interpreter(
    ctx: TestContext, server: IndexServer
) -> None:
    base = Path(sys.base_prefix, "bin", "python3")
    if not base.exists():
        pytest.skip("no base interpreter")
    ctx.write("requirements.txt", "alpha==2.0\n")
    args = ("pip", "sync", "--dry-run", "--python-executable", str(base), "-i", server.url)
    refused = ctx.run(*args, env={"PIP_REQUIRE_VIRTUALENV": "1"}).assert_failure(3)
    assert "virtual" in refused.stderr and "Would install" not in refused.stdout
    ctx.run(*args).assert_failure(1)  # without it, pip-sync's dry run lists the changes
