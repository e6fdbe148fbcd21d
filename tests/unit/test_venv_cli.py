"""``pipcompat venv``'s command line: CPython's ``python -m venv`` options parse as CPython parses them."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import pipcompat.config
from pipcompat.cli.venv import DEFAULT_DIRECTORY, OPTIONS, main, parse
from pipcompat.errors import PipcompatError
from pipcompat.models import ConfigValue

# CPython's venv.main() with EnvBuilder replaced by a recorder: what it would have built, or how it exited.
HARNESS = r"""
import contextlib, io, json, sys, venv

results = []
for args in json.load(sys.stdin):
    record = {}

    class Recorder:
        def __init__(self, **kwargs):
            record.update(kwargs)

        def create(self, env_dir):
            record.setdefault("dirs", []).append(env_dir)

    venv.EnvBuilder = Recorder
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            venv.main(list(args))
    except SystemExit as exc:
        results.append({"exit": exc.code})
    except ValueError:
        results.append({"exit": 1})
    else:
        values = {
            "system_site": record["system_site_packages"],
            "clear": record["clear"],
            "symlinks": record["symlinks"],
            "upgrade": record["upgrade"],
            "with_pip": record["with_pip"],
            "prompt": record["prompt"],
            "upgrade_deps": record["upgrade_deps"],
            "scm_ignore_files": sorted(record["scm_ignore_files"]),
            "dirs": record["dirs"],
        }
        results.append({"exit": 0, "values": values})
print(json.dumps(results))
"""

VECTORS: list[list[str]] = [
    ["env"],
    ["env", "--system-site-packages"],
    ["--sys", "env"],
    ["--symlinks", "env"],
    ["--copies", "env"],
    ["--cop", "env"],
    ["--symlinks", "--copies", "env"],
    ["env", "--symlinks", "--symlinks"],
    ["--clear", "env"],
    ["--cl", "env"],
    ["--upgrade", "env"],
    ["--upgrade", "--clear", "env"],
    ["--u", "env"],
    ["--upgrade-d", "env"],
    ["--upgrade-deps", "env"],
    ["--without-pip", "env"],
    ["--without", "env"],
    ["--without-p", "env"],
    ["--without-scm-ignore-files", "env"],
    ["--without-scm", "env"],
    ["--prompt", "hi", "env"],
    ["--prompt=hi there", "env"],
    ["--pro=x", "env"],
    ["--p", "x", "env"],
    ["--prompt", "-x", "env"],
    ["--prompt=-x", "env"],
    ["--prompt", "", "env"],
    ["--prompt", "-5", "env"],
    ["a", "b"],
    ["a", "b", "--clear"],
    ["a", "--clear", "b"],
    ["--", "-e"],
    ["env", "--", "--clear"],
    ["--bogus", "env"],
    ["-x", "env"],
    ["--clear=1", "env"],
    ["--prompt"],
    ["-h"],
    ["--h"],
    ["--help", "--bogus"],
    ["--bogus", "-h"],
    ["--symlinks", "--copies", "-h"],
    ["-h", "--symlinks", "--copies"],
    ["--upgrade", "--clear", "-h"],
    ["--prompt", "-h"],
    ["-h", "--u"],
    ["--prompt", "--cl", "env"],
]


def _cpython() -> str | None:
    """An interpreter whose venv has 3.13's options (``--without-scm-ignore-files``)."""
    if sys.version_info >= (3, 13):
        return sys.executable
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates: list[str | None] = [
        *sorted(glob.glob(os.path.join(root, "versions", "3.1[3-9]*", "bin", "python3"))),
        *(shutil.which(f"python3.{minor}") for minor in range(13, 16)),
    ]
    for path in candidates:
        if path is None:
            continue
        probe = subprocess.run(
            [path, "-c", "import sys; print(sys.version_info >= (3, 13))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return path
    return None


def _theirs(vectors: Sequence[Sequence[str]], tmp_path: Path) -> list[dict[str, Any]]:
    python = _cpython()
    if python is None:
        pytest.skip("no Python 3.13+ to compare with")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP", "PYTHON"))}
    done = subprocess.run(
        [python, "-I", "-c", HARNESS],
        input=json.dumps([list(args) for args in vectors]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def _ours(args: Sequence[str], tmp_path: Path) -> dict[str, Any]:
    try:
        parsed = parse(args, environ={}, cwd=tmp_path, config=())
    except PipcompatError as exc:
        return {"exit": exc.exit_code}
    if parsed.settings is None:
        return {"exit": 0}
    values = dict(parsed.settings.values)
    values["scm_ignore_files"] = sorted(values["scm_ignore_files"])
    values["dirs"] = list(values["dirs"])
    return {"exit": 0, "values": values}


def test_enough_vectors() -> None:
    assert len(VECTORS) >= 20


def test_same_as_cpython_venv(tmp_path: Path) -> None:
    problems = []
    for args, expected in zip(VECTORS, _theirs(VECTORS, tmp_path), strict=True):
        got = _ours(args, tmp_path)
        if got["exit"] != expected["exit"]:
            problems.append((args, f"exit {got['exit']} != {expected['exit']}"))
        elif "values" in expected:
            if "values" not in got:
                problems.append((args, "printed instead of parsing"))
                continue
            for key, value in expected["values"].items():
                if got["values"][key] != value:
                    problems.append((args, f"{key}: {got['values'][key]!r} != {value!r}"))
    assert problems == []


def test_directory_defaults_to_dot_venv_where_cpython_requires_one(tmp_path: Path) -> None:
    assert _theirs([[], ["--clear"]], tmp_path) == [{"exit": 2}, {"exit": 2}]
    parsed = parse([], environ={}, cwd=tmp_path, config=())
    assert parsed.settings is not None
    assert parsed.settings.args == (DEFAULT_DIRECTORY,) == (".venv",)
    assert parsed.settings.origins["dirs"] == "default"


def test_pipcompat_options(tmp_path: Path) -> None:
    parsed = parse(
        ["-p", "3.12", "--seed", "--allow-existing", "-vv", "-q", "env"], environ={}, cwd=tmp_path, config=()
    )
    assert parsed.settings is not None
    values = parsed.settings.values
    assert (values["python"], values["seed"], values["allow_existing"]) == ("3.12", True, True)
    assert (values["verbose"], values["quiet"]) == (2, 1)
    assert parsed.settings.given == {
        "python": "-p",
        "seed": "--seed",
        "allow_existing": "--allow-existing",
        "verbose": "-v",
        "quiet": "-q",
    }
    again = parse(["--python=python3", "-p3.11"], environ={}, cwd=tmp_path, config=())
    assert again.settings is not None and again.settings.values["python"] == "3.11"


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "--without-pip"],
        ["--clear", "--allow-existing"],
        ["--all"],  # pipcompat's own options are never abbreviated
        ["--se"],
        ["--show"],
        ["--python"],
    ],
)
def test_pipcompat_usage_errors(tmp_path: Path, args: list[str]) -> None:
    with pytest.raises(PipcompatError) as caught:
        parse(args, environ={}, cwd=tmp_path, config=())
    assert caught.value.exit_code == 2


def test_configuration_values_are_defaults(tmp_path: Path) -> None:
    config = [
        ConfigValue("without-pip", "yes", "PIPCOMPAT_WITHOUT_PIP"),
        ConfigValue("copies", "true", "pipcompat.toml"),
        ConfigValue("prompt", "from-config", "pipcompat.toml"),
        ConfigValue("verbose", "2", "PIPCOMPAT_VERBOSE"),
        ConfigValue("index-url", "https://ignored.example", "PIPCOMPAT_INDEX_URL"),
        ConfigValue("help", "yes", "PIPCOMPAT_HELP"),
    ]
    parsed = parse(["--prompt", "cli", "env"], environ={}, cwd=tmp_path, config=config)
    assert parsed.settings is not None
    values, origins = parsed.settings.values, parsed.settings.origins
    assert (values["with_pip"], origins["with_pip"]) == (False, "PIPCOMPAT_WITHOUT_PIP")
    assert (values["symlinks"], origins["symlinks"]) == (False, "pipcompat.toml")
    assert (values["prompt"], origins["prompt"]) == ("cli", "command line")
    assert values["verbose"] == 2
    assert "index_url" not in values


def test_bad_configuration_value_exits_3(tmp_path: Path) -> None:
    with pytest.raises(PipcompatError) as caught:
        parse(["env"], environ={}, cwd=tmp_path, config=[ConfigValue("clear", "maybe", "PIPCOMPAT_CLEAR")])
    assert caught.value.exit_code == 3
    assert "PIPCOMPAT_CLEAR" in caught.value.message


def test_configuration_comes_from_load_config_values_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake(command: str, **kwargs: Any) -> tuple[ConfigValue, ...]:
        calls.append((command, kwargs))
        return (ConfigValue("system-site-packages", "1", "PIPCOMPAT_SYSTEM_SITE_PACKAGES"),)

    monkeypatch.setattr(pipcompat.config, "load_config_values", fake, raising=False)
    parsed = parse(["env"], environ={"X": "1"}, cwd=tmp_path)
    assert parsed.settings is not None and parsed.settings.values["system_site"] is True
    assert calls == [("venv", {"isolated": False, "environ": {"X": "1"}, "cwd": tmp_path})]
    monkeypatch.delattr(pipcompat.config, "load_config_values")
    parsed = parse(["env"], environ={}, cwd=tmp_path)
    assert parsed.settings is not None and parsed.settings.values["system_site"] is False


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pipcompat venv")
    for option in OPTIONS:
        for opt in option.opts:
            assert opt in out, opt
    assert "ENV_DIR" in out


def test_show_settings_prints_and_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert main(["--show-settings", "--prompt", "demo", "env"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "with_pip" in out


def test_bad_option_is_one_error_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--frobnicate", "env"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: unrecognized arguments: --frobnicate"
    ]


def test_upgrade_with_clear_exits_1_like_cpython(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--upgrade", "--clear", "env"]) == 1
    assert "you cannot supply --upgrade and --clear together" in capsys.readouterr().err
