"""``pipcompat pip compile`` as a user runs it: files written or not, messages, errors, pip configuration."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.support.context import TestContext, dead_proxy_environ
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=["lib>=1"]),
    PackageSpec("app", "2.0", deps=["lib>=2"]),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def compile_args(ctx: TestContext, server: IndexServer, *args: str) -> list[str]:
    return ["pip", "compile", "--no-config", "--strip-extras", "-i", server.url, *args]


def test_writes_the_derived_output_file_and_echoes_it(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    result = ctx.run(*compile_args(ctx, server)).assert_success()
    text = ctx.read("requirements.txt")
    assert "app==2.0\n    # via -r requirements.in\nlib==2.0\n    # via app\n" in text
    assert f"#    pip-compile --index-url={server.url} --strip-extras\n" in text
    assert "lib==2.0" in result.stderr
    assert result.stdout == ""


def test_quiet_does_not_echo(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    result = ctx.run(*compile_args(ctx, server, "-q", "requirements.in")).assert_success()
    assert result.stderr == ""
    assert "app==2.0" in ctx.read("requirements.txt")


def test_dry_run_writes_nothing(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    result = ctx.run(*compile_args(ctx, server, "--dry-run", "requirements.in")).assert_success()
    assert not ctx.path("requirements.txt").exists()
    assert "app==2.0" in result.stderr
    assert result.stderr.rstrip().endswith("Dry-run, so nothing updated.")


def test_output_to_stdout(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app==1.0\n")
    result = ctx.run(*compile_args(ctx, server, "-q", "-o", "-", "requirements.in")).assert_success()
    assert "app==1.0\n" in result.stdout
    assert "lib==2.0\n" in result.stdout
    assert not ctx.path("requirements.txt").exists()


def test_reads_standard_input(ctx: TestContext, server: IndexServer) -> None:
    result = ctx.run(*compile_args(ctx, server, "-q", "-o", "out.txt", "-"), input="app==1.0\n")
    result.assert_success()
    assert "app==1.0\n    # via -r -\n" in ctx.read("out.txt")


def test_unknown_package_fails_without_touching_the_output(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\nno-such-package\n")
    ctx.write("requirements.txt", "app==1.0\n")
    result = ctx.run(*compile_args(ctx, server)).assert_failure()
    assert "no-such-package" in result.stderr
    assert "Traceback" not in result.stderr
    assert ctx.read("requirements.txt") == "app==1.0\n"
    assert not [p for p in ctx.temp_dir.iterdir() if p.name.startswith(".requirements.txt")]


def test_existing_pins_are_kept_until_upgraded(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    ctx.write("requirements.txt", "app==1.0\nlib==1.0\n")
    ctx.run(*compile_args(ctx, server, "-q")).assert_success()
    assert "app==1.0\n" in ctx.read("requirements.txt")
    assert "lib==1.0\n" in ctx.read("requirements.txt")
    ctx.run(*compile_args(ctx, server, "-q", "-P", "lib")).assert_success()
    assert "app==1.0\n" in ctx.read("requirements.txt")
    assert "lib==2.0\n" in ctx.read("requirements.txt")
    ctx.run(*compile_args(ctx, server, "-q", "--upgrade")).assert_success()
    assert "app==2.0\n" in ctx.read("requirements.txt")


def test_custom_compile_command_replaces_the_header_line(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "lib\n")
    ctx.run(*compile_args(ctx, server, "-q"), env={"CUSTOM_COMPILE_COMMAND": "make lock"}).assert_success()
    assert "#    make lock\n" in ctx.read("requirements.txt")


def test_missing_default_input_is_a_usage_error(ctx: TestContext) -> None:
    result = ctx.run("pip", "compile", "--no-config").assert_failure(2)
    assert "requirements.in, setup.py, pyproject.toml, setup.cfg" in result.stderr


def test_stdin_needs_an_output_file(ctx: TestContext, server: IndexServer) -> None:
    result = ctx.run(*compile_args(ctx, server, "-"), input="lib\n").assert_failure(2)
    assert "--output-file is required if input is from stdin" in result.stderr


def test_pip_args_take_any_pip_install_option_and_abbreviation_as_pip_compile_does(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("requirements.in", "app\n")
    pip_args = f"--no-deps --progress-bar off -C key=value --index-u {server.url}"
    args = ("pip", "compile", "--no-config", "--strip-extras", "-q", "-o", "-", "--pip-args", pip_args)
    result = ctx.run(*args, "requirements.in").assert_success()
    # the index comes from --pip-args alone; --no-deps changes nothing: pip-compile does not install
    assert "app==2.0\n" in result.stdout and "lib==2.0\n" in result.stdout


def test_pip_args_option_pip_does_not_know_is_refused_as_pip_refuses_it(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("requirements.in", "lib\n")
    result = ctx.run(*compile_args(ctx, server, "--pip-args", "--no-such-option")).assert_failure(2)
    assert "no such option: --no-such-option" in result.stderr and "Traceback" not in result.stderr
    assert not ctx.path("requirements.txt").exists()


@pytest.mark.parametrize(
    ("option", "variables"),
    [(("--pip-args", "--no-proxy-env"), {}), ((), {"PIP_NO_PROXY_ENV": "1"})],
    ids=["pip-args", "pip-variable"],
)
def test_no_proxy_env_compiles_past_a_proxy_the_environment_names(
    ctx: TestContext, server: IndexServer, option: tuple[str, ...], variables: dict[str, str]
) -> None:
    env = dead_proxy_environ()
    ctx.write("requirements.in", "app==1.0\n")
    args = compile_args(ctx, server, "-q", "--pip-args", "--retries 0", "-o", "-", "requirements.in")
    failed = ctx.run(*args, env=env).assert_failure(1)
    assert "proxy" in failed.stderr and "Traceback" not in failed.stderr
    result = ctx.run(
        *compile_args(ctx, server, "-q", *option, "-o", "-", "requirements.in"), env=env | variables
    )
    assert "app==1.0\n" in result.assert_success().stdout


def test_pip_configuration_is_read_as_pip_compile_reads_it(
    ctx: TestContext, server: IndexServer, tmp_path: Path
) -> None:
    """pip.conf and PIP_* options reach the output file exactly as pip-compile writes them."""
    pytest.importorskip("piptools")
    wheels = ctx.path("wheels")
    wheels.mkdir()
    conf = ctx.write(
        "pip.conf",
        f"[global]\nextra-index-url = {server.url}\n    file:///nonexistent-pipcompat/simple\n"
        "trusted-host = conf.invalid\n[install]\nonly-binary = lib\n",
    )
    env = {"PIP_CONFIG_FILE": str(conf), "PIP_FIND_LINKS": str(wheels)}
    ctx.write("requirements.in", "app\n")
    args = ["--no-config", "--strip-extras", "-q", "--cache-dir", str(tmp_path / "c"), "-i", server.url]
    ctx.run_cmd(
        [sys.executable, "-m", "piptools", "compile", *args, "-o", "theirs.txt"], env=env
    ).assert_success()
    ctx.run("pip", "compile", *args, "-o", "ours.txt", env=env).assert_success()
    theirs = ctx.read("theirs.txt").replace("theirs.txt", "X")
    assert ctx.read("ours.txt").replace("ours.txt", "X") == theirs
    assert f"--find-links {wheels}\n" in theirs


def test_credentials_in_index_urls_never_reach_the_output_file(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    private = index_server(SPECS, auth=("deploy", "s3cr3t-token"))
    ctx.write("requirements.in", f"--index-url {private.auth_url()}\napp\n")
    result = ctx.run("pip", "compile", "--no-config", "--strip-extras", "requirements.in").assert_success()
    text = ctx.read("requirements.txt")
    assert "s3cr3t-token" not in text + result.stdout + result.stderr
    assert f"--index-url {private.url}\n" in text
    assert "app==2.0" in text
    assert "are not written to the output file" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--all-build-deps", "--build-deps-for", "wheel", "pyproject.toml"],
            "--build-deps-for has no effect when used with --all-build-deps",
        ),
        (
            ["--only-build-deps", "pyproject.toml"],
            "--only-build-deps requires either --build-deps-for or --all-build-deps",
        ),
        (
            ["--only-build-deps", "--all-build-deps", "--all-extras", "pyproject.toml"],
            "--only-build-deps cannot be used with any of --extra, --all-extras",
        ),
        (
            ["--all-build-deps", "requirements.in"],
            "--build-deps-for and --all-build-deps can be used only with the setup.py, setup.cfg and "
            "pyproject.toml specs.",
        ),
    ],
)
def test_build_dependency_options_are_checked_as_pip_compile_checks_them(
    ctx: TestContext, args: list[str], message: str
) -> None:
    ctx.write("requirements.in", "anything\n")
    ctx.write("pyproject.toml", '[project]\nname = "p"\nversion = "1"\n')
    result = ctx.run("pip", "compile", "--no-config", "--no-index", *args).assert_failure(2)
    assert result.stderr.splitlines()[0] == f"error: {message}"
    assert not ctx.path("requirements.txt").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_output_into_a_named_pipe_is_written_not_replaced(ctx: TestContext, server: IndexServer) -> None:
    # As with ``-o /dev/null``: a device or a pipe given as the output is written into, and stays what it was.
    ctx.write("requirements.in", "app==1.0\n")
    pipe = ctx.path("pins.pipe")
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        ctx.run(*compile_args(ctx, server, "-q", "-o", "pins.pipe", "requirements.in")).assert_success()
        written = os.read(reader, 65536).decode()
    finally:
        os.close(reader)
    assert "app==1.0\n" in written and "lib==2.0\n" in written
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
