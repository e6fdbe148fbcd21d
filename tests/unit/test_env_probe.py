"""The interpreter probe, the tags computed from it, version requests, pyvenv.cfg and activation quoting."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from packaging import tags

from pipcompat.cache import Cache
from pipcompat.env.activation import activation_scripts
from pipcompat.env.interpreters import VersionRequest, parse_version_request
from pipcompat.env.probe import Interpreter, linux_platforms, probe_cache_entry, probe_interpreter
from pipcompat.env.probe_script import PROBE_SCRIPT
from pipcompat.env.venv import VenvOptions, pyvenv_cfg


@pytest.fixture(scope="module")
def running() -> Interpreter:
    return probe_interpreter(sys.executable)


def test_probe_describes_the_running_interpreter(running: Interpreter) -> None:
    assert running.version == tuple(sys.version_info[:3])
    assert running.implementation == sys.implementation.name
    assert running.prefix == sys.prefix
    assert running.base_prefix == sys.base_prefix
    assert running.is_venv == (sys.prefix != sys.base_prefix)
    assert running.paths["purelib"]
    assert running.markers["python_full_version"] == ".".join(map(str, sys.version_info[:3]))


def test_tags_from_the_probe_equal_packaging_sys_tags(running: Interpreter) -> None:
    assert list(running.tags) == [str(tag) for tag in tags.sys_tags()]


def test_target_environment_carries_version_markers_and_tags(running: Interpreter) -> None:
    target = running.target_environment()
    assert target.python_version == running.python_version
    assert target.markers["sys_platform"] == sys.platform
    assert target.tags[0] == str(next(iter(tags.sys_tags())))


def test_probe_script_has_no_syntax_newer_than_python_3_8() -> None:
    import ast

    ast.parse(PROBE_SCRIPT, feature_version=(3, 8))


def test_manylinux_tags_follow_the_glibc_version_with_legacy_aliases(running: Interpreter) -> None:
    fake = Interpreter.from_probe({**running.raw, "platform": "linux-x86_64", "glibc": "2.17", "musl": None})
    platforms = linux_platforms(fake)
    assert platforms[:3] == ["linux_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]
    assert platforms[-2:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64"]
    musl = Interpreter.from_probe(
        {**running.raw, "platform": "linux-aarch64", "glibc": None, "musl": "1.2.4"}
    )
    assert linux_platforms(musl) == [
        "linux_aarch64",
        "musllinux_1_2_aarch64",
        "musllinux_1_1_aarch64",
        "musllinux_1_0_aarch64",
    ]


def test_free_threaded_abi_comes_from_soabi(running: Interpreter) -> None:
    fake = Interpreter.from_probe(
        {**running.raw, "version": [3, 13, 0], "soabi": "cpython-313t-x86_64-linux-gnu", "gil_disabled": True}
    )
    assert fake.tags[0].startswith("cp313-cp313t-")
    assert not any("-abi3-" in tag for tag in fake.tags)


def test_probe_is_read_from_the_cache_the_second_time(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    first = probe_interpreter(sys.executable, cache)
    entry = probe_cache_entry(sys.executable, cache)
    assert entry.is_file()
    # Change the cached answer: if the second call ran the interpreter it would not see this.
    data = json.loads(entry.read_text())
    data["full_version"] = "cached"
    entry.write_text(json.dumps(data))
    second = probe_interpreter(sys.executable, cache)
    assert second.full_version == "cached"
    assert second.version == first.version


def test_a_different_interpreter_file_has_another_cache_entry(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    link = tmp_path / "python"
    link.symlink_to(os.path.realpath(sys.executable))
    assert probe_cache_entry(link, cache) != probe_cache_entry(sys.executable, cache)
    probe_interpreter(link, cache)
    assert probe_cache_entry(link, cache).is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12", VersionRequest(3, 12)),
        ("3", VersionRequest(3)),
        ("3.12.1", VersionRequest(3, 12, 1)),
        ("cpython3.12", VersionRequest(3, 12, implementation="cpython")),
        ("cpython-3.12", VersionRequest(3, 12, implementation="cpython")),
        ("python3.12", VersionRequest(3, 12)),
        ("cp312", VersionRequest(3, 12, implementation="cpython")),
        ("312", VersionRequest(3, 12)),
        ("3.13t", VersionRequest(3, 13, free_threaded=True)),
        ("pypy3.10", VersionRequest(3, 10, implementation="pypy")),
        ("python", None),
        ("/usr/bin/python3", None),
        ("jython", None),
    ],
)
def test_version_requests(text: str, expected: VersionRequest | None) -> None:
    assert parse_version_request(text) == expected


def test_pyvenv_cfg_has_cpython_lines_for_the_target_version(running: Interpreter, tmp_path: Path) -> None:
    text = pyvenv_cfg(
        tmp_path / "env", running, VenvOptions(prompt="dev"), prompt="dev", pipcompat_version="1.0"
    )
    lines = text.splitlines()
    assert lines[0] == f"home = {os.path.dirname(os.path.abspath(running.executable))}"
    assert "include-system-site-packages = false" in lines
    assert f"version = {running.python_version}" in lines
    assert "prompt = 'dev'" in lines
    assert lines[-1] == "pipcompat = 1.0"
    old = Interpreter.from_probe({**running.raw, "version": [3, 10, 13]})
    assert not any(
        line.startswith(("executable", "command"))
        for line in pyvenv_cfg(
            tmp_path / "env", old, VenvOptions(), prompt=None, pipcompat_version=None
        ).splitlines()
    )


@pytest.mark.parametrize("prompt", ["plain", 'it\'s $HOME `x` "q"', "(paren) ; rm -rf /"])
def test_bash_activation_keeps_odd_prompts_and_paths_literal(tmp_path: Path, prompt: str) -> None:
    venv = tmp_path / "a dir $x"
    (venv / "bin").mkdir(parents=True)
    script = activation_scripts(venv_dir=str(venv), bin_name="bin", prompt=prompt)["activate"]
    (venv / "bin" / "activate").write_text(script)
    activate = shlex.quote(str(venv / "bin" / "activate"))
    probe = f'source {activate}; printf "%s\\n" "$VIRTUAL_ENV" "$VIRTUAL_ENV_PROMPT"'
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [str(venv), prompt]
