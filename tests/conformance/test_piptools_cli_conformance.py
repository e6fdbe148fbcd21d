"""``pipcompat pip compile/sync`` parse their command lines exactly as pip-compile/pip-sync 7.6.2 do.

pip-tools' own click commands build a context for every argument vector (in a subprocess with a clean,
isolated environment, in a prepared directory); our parser parses the same vector with the same
environment and directory. The exit status must match (0, or 2 for a usage error, 1 for an unreadable
configuration file) and, when both succeed, so must every parameter's value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pipcompat.cli.piptools import parse
from pipcompat.cli.piptools_options import (
    PIPCOMPAT_EXTENSION_OPTS,
    PIPCOMPAT_EXTENSIONS,
    SHOW_SETTINGS_OPTS,
    SPECS,
    build_parser,
    render_help,
)
from pipcompat.errors import PipcompatError

pytest.importorskip("piptools")

HARNESS = r"""
import contextlib, io, json, pathlib, sys
import click
from piptools.scripts.compile import cli as compile_cli
from piptools.scripts.sync import cli as sync_cli

COMMANDS = {"compile": (compile_cli, "pip-compile"), "sync": (sync_cli, "pip-sync")}

def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    name = getattr(value, "name", None)
    if name is not None:
        return "-" if name == "<stdout>" else str(name)
    return repr(value)

results = []
for command, args in json.load(sys.stdin):
    cli, prog = COMMANDS[command]
    sink = io.TextIOWrapper(io.BytesIO(), encoding='utf-8')
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            ctx = cli.make_context(prog, list(args))
    except click.exceptions.Exit as exc:
        results.append({"exit": exc.exit_code})
    except click.ClickException as exc:
        results.append({"exit": exc.exit_code, "error": exc.format_message()})
    except Exception as exc:
        results.append({"exit": 1, "error": f"{type(exc).__name__}: {exc}"})
    else:
        results.append({"exit": 0, "params": {key: plain(value) for key, value in ctx.params.items()}})
print(json.dumps(results))
"""

PIP_TOOLS_CONFIG = """\
[tool.pip-tools]
dry-run = true
no-header = true
max-rounds = 7
verbose = 1
pip-args = "--no-deps"
find-links = ["./wheels"]

[tool.pip-tools.compile]
annotation-style = "line"
extra = ["dev"]
upgrade-package = ["a"]
no-emit-index-url = true
newline = "crlf"

[tool.pip-tools.sync]
ask = true
python-executable = "python3"
"""

PYPROJECT = """\
[project]
name = "demo"
version = "1"

[tool.pip-tools]
generate-hashes = true
quiet = 2
"""


def _write_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in ("requirements.in", "dev.in", "requirements.txt", "dev.txt", "constraints.txt", "afile"):
        (root / name).write_text("", encoding="utf-8")
    (root / "-weird.in").write_text("", encoding="utf-8")
    (root / "subdir").mkdir(exist_ok=True)
    (root / "cfg.toml").write_text(PIP_TOOLS_CONFIG, encoding="utf-8")
    (root / "bad.toml").write_text("[tool.pip-tools]\nmax-rounds = 'many'\n", encoding="utf-8")
    (root / "unknown.toml").write_text("[tool.pip-tools]\nno-such-thing = 1\n", encoding="utf-8")
    (root / "broken.toml").write_text("[tool.pip-tools\n", encoding="utf-8")
    return root


def _environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("PIP_", "PIPCOMPAT_", "XDG_")) and key not in ("VIRTUAL_ENV", "HOME")
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "PIP_CONFIG_FILE": os.devnull, "NO_COLOR": "1"})
    env.update(extra or {})
    return env


def _pip_tools(vectors: Sequence[tuple[str, Sequence[str]]], cwd: Path, env: Mapping[str, str]) -> list[Any]:
    done = subprocess.run(
        [sys.executable, "-c", HARNESS],
        input=json.dumps([[command, list(args)] for command, args in vectors]),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(env),
        check=True,
    )
    results: list[Any] = json.loads(done.stdout.splitlines()[-1])
    return results


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _ours(command: str, args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> dict[str, Any]:
    try:
        parsed = parse(command, args, environ=env, cwd=cwd)
    except PipcompatError as exc:
        return {"exit": exc.exit_code, "error": exc.message}
    if parsed.settings is None:
        return {"exit": 0}
    return {"exit": 0, "params": {key: _plain(value) for key, value in parsed.settings.values.items()}}


def _compare(
    vectors: Sequence[tuple[str, Sequence[str]]], cwd: Path, env: Mapping[str, str]
) -> list[tuple[str, Sequence[str], str]]:
    """Every vector on which we differ from pip-tools, with what differs."""
    theirs = _pip_tools(vectors, cwd, env)
    problems: list[tuple[str, Sequence[str], str]] = []
    for (command, args), expected in zip(vectors, theirs, strict=True):
        got = _ours(command, args, cwd, env)
        if got["exit"] != expected["exit"]:
            problems.append(
                (command, args, f"exit {got['exit']} != pip-tools' {expected['exit']}: {expected}, {got}")
            )
            continue
        if "params" in expected:
            if "params" not in got:
                problems.append((command, args, "pip-tools parsed, we printed instead"))
                continue
            for key, value in expected["params"].items():
                if key not in got["params"]:
                    problems.append((command, args, f"{key} missing"))
                elif got["params"][key] != value:
                    problems.append((command, args, f"{key}: {got['params'][key]!r} != {value!r}"))
        elif "params" in got:
            problems.append((command, args, "pip-tools printed and exited, we parsed"))
    return problems


COMPILE_VECTORS: list[list[str]] = [
    [],
    ["requirements.in"],
    ["requirements.in", "dev.in"],
    ["-"],
    ["--", "-weird.in"],
    ["requirements.in", "--dry-run"],
    ["-U", "requirements.in", "-P", "x", "dev.in"],
    ["missing.in"],
    ["subdir"],
    # counting and clustering of short flags
    ["-v"],
    ["-vvv", "-q"],
    ["-qqv"],
    ["--quiet", "--quiet", "--verbose"],
    ["-nU"],
    ["-nUp", "-r"],
    ["-nrpU", "-vq"],
    ["-no", "out.txt"],
    ["-Pdjango", "-P", "requests"],
    ["-cconstraints.txt"],
    ["-vh"],
    ["-n=1"],
    ["-x"],
    # values: separate, attached with '=', repeated
    ["-P", "a", "--upgrade-package=b", "--upgrade-package", "c"],
    ["-o", "out.txt"],
    ["-oout.txt"],
    ["--output-file=out.txt"],
    ["-o", "-"],
    ["--output-file", "--dry-run"],
    ["-o"],
    ["--index-url", "https://a.example/simple", "-i", "https://b.example/simple"],
    ["-f", "./wheels", "--find-links=https://x.example/y", "-fwheels2"],
    ["--extra-index-url", "https://e1.example", "--extra-index-url=https://e2.example", "--no-index"],
    ["--trusted-host", "a", "--trusted-host", "b", "--cert", "ca.pem", "--client-cert", "c.pem"],
    ["--uploaded-prior-to", "2024-01-01T00:00:00Z"],
    ["-c", "constraints.txt", "--constraint=c2.txt"],
    ["--extra", "dev", "--extra=test"],
    ["--extra", ""],
    ["--all-extras"],
    ["--pip-args", "--no-cache-dir --timeout 5"],
    ["--pip-args=-v"],
    ["--unsafe-package", "pip", "--unsafe-package=setuptools", "--allow-unsafe"],
    # flag pairs: the last one wins
    ["--header", "--no-header"],
    ["--no-header", "--header"],
    ["-U", "--no-upgrade"],
    ["--no-upgrade", "-U"],
    ["--upgrade"],
    ["--no-annotate", "--annotate", "--no-annotate"],
    ["--emit-index-url", "--no-emit-index-url"],
    ["--no-emit-trusted-host", "--no-emit-find-links", "--no-emit-options"],
    ["--strip-extras"],
    ["--no-strip-extras"],
    ["--build-isolation", "--no-build-isolation"],
    ["--no-allow-unsafe"],
    ["--generate-hashes", "--no-reuse-hashes"],
    ["--reuse-hashes"],
    ["--color"],
    ["--no-color"],
    ["--pre"],
    ["-p"],
    ["--rebuild", "--dry-run", "-v"],
    # choices
    ["--annotation-style", "line"],
    ["--annotation-style=split"],
    ["--annotation-style", "LINE"],
    ["--annotation-style", "inline"],
    ["--newline", "crlf"],
    ["--newline=LF"],
    ["--newline", "Native"],
    ["--newline", "dos"],
    ["--newline", ""],
    ["--resolver", "legacy"],
    ["--resolver=backtracking"],
    ["--resolver", "new"],
    ["--build-deps-for", "wheel", "--build-deps-for=sdist"],
    ["--build-deps-for", "binary"],
    ["--all-build-deps", "--only-build-deps"],
    # integers and paths
    ["--max-rounds", "5"],
    ["--max-rounds=0"],
    ["--max-rounds", " 12 "],
    ["--max-rounds", "1_000"],
    ["--max-rounds", "-3"],
    ["--max-rounds", "abc"],
    ["--max-rounds", "1.5"],
    ["--max-rounds", "0x10"],
    ["--cache-dir", "subdir"],
    ["--cache-dir=newdir"],
    ["--cache-dir", "afile"],
    # configuration files
    ["--config", "cfg.toml"],
    ["--config=cfg.toml", "--header", "--max-rounds", "3"],
    ["--no-config"],
    ["--no-config", "--config", "cfg.toml"],
    ["--config", "cfg.toml", "--no-config"],
    ["--config", "missing.toml"],
    ["--config", "subdir"],
    ["--config", "bad.toml"],
    ["--config", "unknown.toml"],
    ["--config", "broken.toml"],
    ["--no-config", "--config", "bad.toml"],
    # prefixes, unknown options, values given to flags
    ["--dry"],
    ["--upgrade-pack", "x"],
    ["--head"],
    ["--no-head"],
    ["--annot", "line"],
    ["--dry-run=yes"],
    ["--no-index=1"],
    ["--bogus"],
    ["---dry-run"],
    ["--python-executable", "python3"],
    ["--ask"],
    # help and version are eager
    ["-h"],
    ["--help"],
    ["--help", "--bogus"],
    ["--max-rounds", "abc", "--help"],
    ["--version"],
    ["--config", "bad.toml", "--help"],
    ["--help", "--config", "bad.toml"],
]

SYNC_VECTORS: list[list[str]] = [
    [],
    ["requirements.txt"],
    ["requirements.txt", "dev.txt"],
    ["requirements.txt", "--force", "dev.txt"],
    ["--", "requirements.txt"],
    ["-"],
    ["missing.txt"],
    ["-a"],
    ["--ask", "-n"],
    ["-an"],
    ["-na", "-v", "-qq"],
    ["-vvvq"],
    ["--force"],
    ["--dry-run"],
    ["-f", "w", "-fw2", "--find-links=w3"],
    ["-i", "https://a.example", "--index-url=https://b.example"],
    ["--extra-index-url", "https://e.example", "--extra-index-url=https://f.example"],
    ["--trusted-host", "h1", "--trusted-host=h2"],
    ["--no-index"],
    ["--python-executable", "/usr/bin/python3"],
    ["--python-executable=py"],
    ["--user"],
    ["--cert", "c", "--client-cert=d"],
    ["--pip-args", "--no-deps -q"],
    ["--config", "cfg.toml"],
    ["--config", "cfg.toml", "--force"],
    ["--no-config"],
    ["--no-config", "--config", "cfg.toml"],
    ["--config", "cfg.toml", "--no-config"],
    ["--config", "missing.toml"],
    ["--config", "bad.toml"],
    ["--config", "unknown.toml"],
    ["-h"],
    ["--version"],
    ["--dry"],
    ["--python-exec", "x"],
    ["--header"],
    ["-U"],
    ["--user-only"],
    ["-o", "x"],
    ["--bogus"],
    ["--ask=1"],
    ["-ah"],
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("piptools-cli")
    return _write_tree(root / "work"), _environment(root / "home")


def test_enough_vectors() -> None:
    assert len(COMPILE_VECTORS) >= 60
    assert len(SYNC_VECTORS) >= 30


def test_compile_vectors_match_pip_compile(workspace: tuple[Path, dict[str, str]]) -> None:
    cwd, env = workspace
    assert _compare([("compile", args) for args in COMPILE_VECTORS], cwd, env) == []


def test_sync_vectors_match_pip_sync(workspace: tuple[Path, dict[str, str]]) -> None:
    cwd, env = workspace
    assert _compare([("sync", args) for args in SYNC_VECTORS], cwd, env) == []


def test_pyproject_in_the_current_directory_is_found(tmp_path: Path) -> None:
    cwd = _write_tree(tmp_path / "work")
    (cwd / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (cwd / ".pip-tools.toml").write_text("[tool.pip-tools]\nrebuild = true\n", encoding="utf-8")
    env = _environment(tmp_path / "home")
    vectors: list[tuple[str, Sequence[str]]] = [
        ("compile", []),
        ("compile", ["--no-config"]),
        ("compile", ["--config", "pyproject.toml"]),
        ("compile", ["--config", "cfg.toml"]),
        ("sync", ["--config", "pyproject.toml"]),
    ]
    assert _compare(vectors, cwd, env) == []
    (cwd / ".pip-tools.toml").unlink()
    assert _compare([("compile", []), ("sync", []), ("sync", ["-v"])], cwd, env) == []


def test_pip_tools_environment_variables(tmp_path: Path) -> None:
    cwd = _write_tree(tmp_path / "work")
    home = tmp_path / "home"
    env = _environment(home, {"PIP_TOOLS_RESOLVER": "legacy", "PIP_TOOLS_CACHE_DIR": str(tmp_path / "c")})
    vectors: list[tuple[str, Sequence[str]]] = [
        ("compile", []),
        ("compile", ["--resolver", "backtracking", "--cache-dir", "subdir"]),
        ("compile", ["--config", "cfg.toml"]),
        ("sync", []),
    ]
    assert _compare(vectors, cwd, env) == []
    bad = _environment(home, {"PIP_TOOLS_RESOLVER": "fancy", "PIP_TOOLS_CACHE_DIR": ""})
    assert _compare([("compile", []), ("compile", ["--resolver=legacy"]), ("sync", [])], cwd, bad) == []
    xdg = _environment(home, {"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert _compare([("compile", [])], cwd, xdg) == []


@pytest.mark.parametrize("command", ["compile", "sync"])
def test_option_strings_equal_pip_tools(command: str) -> None:
    from piptools.scripts.compile import cli as compile_cli
    from piptools.scripts.sync import cli as sync_cli

    cli = compile_cli if command == "compile" else sync_cli
    theirs = {
        opt for param in cli.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")
    }
    spec = SPECS[command]
    ours_only = set(PIPCOMPAT_EXTENSION_OPTS)  # pipcompat's own (uv's spellings), like --show-settings
    assert set(spec.option_strings) - ours_only == theirs
    parser = build_parser(spec, "prog")
    accepted = set(parser._long_opt) | set(parser._short_opt)
    assert accepted - set(SHOW_SETTINGS_OPTS) - ours_only == theirs
    names = {param.name for param in cli.params if param.expose_value}
    assert {param.name for param in spec.params if param.expose} - PIPCOMPAT_EXTENSIONS == names
    kinds = {param.name: param for param in cli.params}
    for param in spec.params:
        if param.name in PIPCOMPAT_EXTENSIONS:
            continue
        theirs_param = kinds[param.name]
        assert bool(getattr(theirs_param, "multiple", False)) == (param.kind == "multiple"), param.name
        assert bool(getattr(theirs_param, "count", False)) == (param.kind == "count"), param.name
        assert bool(theirs_param.is_eager) == param.eager, param.name


@pytest.mark.parametrize("command", ["compile", "sync"])
def test_help_lists_every_option_in_pip_tools_spelling(command: str, tmp_path: Path) -> None:
    spec = SPECS[command]
    text = render_help(spec, f"pipcompat pip {command}")
    for opt in spec.option_strings | set(SHOW_SETTINGS_OPTS):
        assert opt in text.replace(",", " ").split(), opt
    parsed = parse(command, ["--help"], environ={"HOME": str(tmp_path)}, cwd=tmp_path)
    assert parsed.settings is None and parsed.output is not None
    assert parsed.output.startswith(f"Usage: pipcompat pip {command} [OPTIONS] [SRC_FILES]...")


@pytest.mark.parametrize("command", ["compile", "sync"])
def test_main_usage_error_is_one_line_and_exit_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pipcompat.cli.piptools import main

    assert main(command, ["--definitely-not-an-option"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: no such option: --definitely-not-an-option"
    ]


@pytest.mark.parametrize("command", ["compile", "sync"])
def test_show_settings_prints_and_exits_0(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipcompat.cli.piptools import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(command, ["--show-settings", "--no-config", "-v"]) == 0
    out = capsys.readouterr().out
    assert "no_config" in out and "pip " + command in out


def test_settings_record_origins_and_given(tmp_path: Path) -> None:
    cwd = _write_tree(tmp_path / "work")
    env = {"HOME": str(tmp_path), "PIP_TOOLS_RESOLVER": "legacy"}
    parsed = parse(
        "compile", ["--config", "cfg.toml", "-n", "--no-header", "requirements.in"], environ=env, cwd=cwd
    )
    settings = parsed.settings
    assert settings is not None
    assert settings.command == "pip compile"
    assert settings.args == ("requirements.in",)
    assert settings.given == {"config": "--config", "dry_run": "-n", "header": "--no-header"}
    assert settings.origins["dry_run"] == "command line"
    assert settings.origins["max_rounds"] == "cfg.toml [tool.pip-tools]"
    assert settings.origins["annotation_style"] == "cfg.toml [tool.pip-tools.compile]"
    assert settings.origins["resolver_name"] == "PIP_TOOLS_RESOLVER"
    assert settings.origins["generate_hashes"] == "default"
    assert settings.values["newline"] == "CRLF"
    assert settings.values["extras"] == ("dev",)
