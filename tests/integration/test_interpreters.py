"""Which interpreter a command targets, rule by rule, with real interpreters and real environments."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.env.interpreters import (
    VIRTUALENV_NOT_FOUND,
    check_externally_managed,
    check_require_virtualenv,
    find_requested,
    find_target,
    find_venv_base,
)
from pipcompat.env.probe import Interpreter, InterpreterError, probe_interpreter
from pipcompat.env.venv import VenvOptions, create_venv
from pipcompat.errors import PipcompatError

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv")))
BASE = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    return Cache(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def base(cache: Cache) -> Interpreter:
    return probe_interpreter(BASE, cache)


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory, base: Interpreter, cache: Cache) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("venvs")
    made = {}
    for name in ("active", "conda", "project/.venv"):
        made[name] = create_venv(root / name, base, VenvOptions(with_pip=False), cache=cache).root
    (root / "project" / "src" / "deep").mkdir(parents=True)
    return made


def _env(**values: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", os.defpath), "PYENV_ROOT": str(PYENV_ROOT)}
    env.update(values)
    return env


def test_python_option_wins_over_everything(venvs: dict[str, Path], cache: Cache) -> None:
    found = find_target(
        str(venvs["conda"]),
        environ=_env(VIRTUAL_ENV=str(venvs["active"])),
        cwd=venvs["project/.venv"].parent,
        cache=cache,
    )
    assert found.interpreter.prefix == str(venvs["conda"])
    assert found.source == f"--python {venvs['conda']}"


def test_virtual_env_wins_over_conda_and_dot_venv(venvs: dict[str, Path], cache: Cache) -> None:
    environ = _env(VIRTUAL_ENV=str(venvs["active"]), CONDA_PREFIX=str(venvs["conda"]))
    found = find_target(environ=environ, cwd=venvs["project/.venv"].parent, cache=cache)
    assert (found.interpreter.prefix, found.source) == (str(venvs["active"]), "VIRTUAL_ENV")


def test_conda_prefix_wins_over_dot_venv(venvs: dict[str, Path], cache: Cache) -> None:
    environ = _env(CONDA_PREFIX=str(venvs["conda"]))
    found = find_target(environ=environ, cwd=venvs["project/.venv"].parent, cache=cache)
    assert (found.interpreter.prefix, found.source) == (str(venvs["conda"]), "CONDA_PREFIX")


def test_dot_venv_is_found_in_a_parent_directory(venvs: dict[str, Path], cache: Cache) -> None:
    deep = venvs["project/.venv"].parent / "src" / "deep"
    found = find_target(environ=_env(), cwd=deep, cache=cache, as_module=False)
    assert found.interpreter.prefix == str(venvs["project/.venv"])


def test_the_running_interpreter_when_it_is_not_a_venv(
    tmp_path: Path, base: Interpreter, cache: Cache
) -> None:
    found = find_target(environ=_env(), cwd=tmp_path, cache=cache, running=BASE, as_module=False)
    assert found.interpreter.executable == base.executable
    assert found.source == "the interpreter running pipcompat"


def test_a_running_venv_is_not_a_target_unless_run_as_module(
    tmp_path: Path, venvs: dict[str, Path], cache: Cache
) -> None:
    running = str(venvs["active"] / "bin" / "python")
    with pytest.raises(InterpreterError) as caught:
        find_target(environ=_env(), cwd=tmp_path, cache=cache, running=running, as_module=False)
    assert "no virtual environment found" in caught.value.message
    assert caught.value.hint is not None and "pipcompat venv" in caught.value.hint
    found = find_target(environ=_env(), cwd=tmp_path, cache=cache, running=running, as_module=True)
    assert found.interpreter.prefix == str(venvs["active"])


def test_virtual_env_pointing_nowhere_is_an_error(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(InterpreterError, match="VIRTUAL_ENV is set to"):
        find_target(environ=_env(VIRTUAL_ENV=str(tmp_path / "gone")), cwd=tmp_path, cache=cache)


@pytest.mark.parametrize("spelling", ["3.12", "cpython3.12", "python3.12", "cp312", "3.12.1"])
def test_versions_are_found_through_pyenv_even_behind_broken_shims(
    tmp_path: Path, cache: Cache, spelling: str
) -> None:
    matches = sorted((PYENV_ROOT / "versions").glob("3.12.*/bin/python3"))
    if not matches:
        pytest.skip("no pyenv Python 3.12")
    if spelling == "3.12.1" and "3.12.1" not in str(matches[-1]):
        pytest.skip("pyenv's 3.12 is not 3.12.1")
    # pyenv's shims directory is first on PATH here; its python3.12 shim exists but fails.
    path = os.pathsep.join([str(PYENV_ROOT / "shims"), os.environ.get("PATH", "")])
    found = find_requested(spelling, environ=_env(PATH=path), cwd=tmp_path, cache=cache)
    assert found.interpreter.short_version == "3.12"


def test_a_version_nobody_has_is_a_clear_error(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(InterpreterError, match=r"no interpreter found for Python 3\.99"):
        find_requested("3.99", environ=_env(), cwd=tmp_path, cache=cache)


def test_a_name_on_path(tmp_path: Path, cache: Cache) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mypython").symlink_to(BASE)
    found = find_requested("mypython", environ=_env(PATH=str(bin_dir)), cwd=tmp_path, cache=cache)
    assert found.interpreter.version == tuple(sys.version_info[:3])


def test_venv_base_of_a_venv_is_the_interpreter_it_was_made_from(
    tmp_path: Path, venvs: dict[str, Path], base: Interpreter, cache: Cache
) -> None:
    found = find_venv_base(str(venvs["active"]), environ=_env(), cwd=tmp_path, cache=cache)
    assert found.interpreter.prefix == base.prefix
    assert not found.interpreter.is_venv


def test_venv_made_inside_another_venv_leads_back_to_the_real_installation(
    tmp_path: Path, venvs: dict[str, Path], base: Interpreter, cache: Cache
) -> None:
    # As under tox on 3.10: `python -m venv` run by a virtualenv's Python records that venv's bin as `home`.
    outer = venvs["active"]
    inner = create_venv(tmp_path / "inner", base, VenvOptions(with_pip=False), cache=cache).root
    cfg = inner / "pyvenv.cfg"
    lines = cfg.read_text().splitlines()
    cfg.write_text(
        "\n".join(f"home = {outer / 'bin'}" if line.startswith("home") else line for line in lines) + "\n"
    )
    found = find_venv_base(str(inner), environ=_env(), cwd=tmp_path, cache=cache)
    assert found.interpreter.prefix == base.prefix
    assert not found.interpreter.is_venv


def test_require_virtualenv(venvs: dict[str, Path], base: Interpreter, cache: Cache) -> None:
    check_require_virtualenv(probe_interpreter(venvs["active"] / "bin" / "python", cache))
    with pytest.raises(PipcompatError) as caught:
        check_require_virtualenv(base)
    assert caught.value.exit_code == VIRTUALENV_NOT_FOUND


@pytest.mark.skipif(
    not (SYSTEM_PYTHON.exists() and list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED"))),
    reason="no externally managed system Python here",
)
def test_externally_managed_system_python_is_refused_without_break_system_packages(cache: Cache) -> None:
    system = probe_interpreter(SYSTEM_PYTHON, cache)
    assert system.externally_managed
    with pytest.raises(PipcompatError) as caught:
        check_externally_managed(system, break_system_packages=False)
    assert caught.value.message.startswith("externally-managed-environment")
    assert caught.value.hint is not None and "--break-system-packages" in caught.value.hint
    check_externally_managed(system, break_system_packages=True)
