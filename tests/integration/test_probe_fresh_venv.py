"""A new virtual environment is described from an earlier one's probe, exactly as probing it would."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.env.probe import _run_probe, probe_cache_entry, probe_interpreter

PYENV = Path("/root/.pyenv/versions")
VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def base_python(version: str) -> Path:
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    if not found:
        pytest.skip(f"no CPython {version} under {PYENV}")
    return found[-1]


def make_venv(python: Path, where: Path, *options: str) -> Path:
    subprocess.run([str(python), "-m", "venv", "--without-pip", *options, str(where)], check=True)
    return where / "bin" / "python"


def record_probe_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The interpreters the probe runs from now on (it still runs them)."""
    spawned: list[str] = []

    def recording(executable: str) -> dict[str, object]:
        spawned.append(executable)
        return _run_probe(executable)

    monkeypatch.setattr("pipcompat.env.probe._run_probe", recording)
    return spawned


@pytest.mark.parametrize("version", VERSIONS)
def test_a_second_venv_of_the_same_base_is_described_as_its_own_probe_would(
    version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = base_python(version)
    cache = Cache(tmp_path / "cache")
    first = make_venv(python, tmp_path / "first")
    probe_interpreter(first, cache)
    second = make_venv(python, tmp_path / "a longer name" / "second")
    spawned = record_probe_runs(monkeypatch)
    derived = probe_interpreter(second, cache)
    assert spawned == []
    assert dict(derived.raw) == _run_probe(str(second))
    assert json.loads(probe_cache_entry(second, cache).read_bytes()) == dict(derived.raw)


def test_what_pth_files_added_to_the_first_venv_is_not_carried_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = base_python("3.11")
    cache = Cache(tmp_path / "cache")
    first = make_venv(python, tmp_path / "first")
    source = tmp_path / "src"
    source.mkdir()
    (tmp_path / "first" / "lib" / "python3.11" / "site-packages" / "_editable.pth").write_text(f"{source}\n")
    assert str(source) in probe_interpreter(first, cache).raw["sys_path"]
    second = make_venv(python, tmp_path / "second")
    spawned = record_probe_runs(monkeypatch)
    derived = probe_interpreter(second, cache)
    assert spawned == []
    assert str(source) not in derived.raw["sys_path"]
    assert dict(derived.raw) == _run_probe(str(second))


@pytest.mark.parametrize(
    "options",
    [pytest.param(("--system-site-packages",), id="system-site"), pytest.param(("--copies",), id="copies")],
)
def test_a_venv_made_differently_is_probed_itself(
    options: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = base_python("3.11")
    cache = Cache(tmp_path / "cache")
    probe_interpreter(make_venv(python, tmp_path / "first"), cache)
    other = make_venv(python, tmp_path / "other", *options)
    spawned = record_probe_runs(monkeypatch)
    described = probe_interpreter(other, cache)
    assert spawned == [str(other)]
    assert described.prefix == str(tmp_path / "other")


def test_a_venv_of_another_base_is_probed_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path / "cache")
    probe_interpreter(make_venv(base_python("3.11"), tmp_path / "first"), cache)
    other = make_venv(base_python("3.12"), tmp_path / "other")
    spawned = record_probe_runs(monkeypatch)
    assert probe_interpreter(other, cache).version[:2] == (3, 12)
    assert spawned == [str(other)]
