"""Reading a project's own requirements: statically from ``pyproject.toml`` when pip-compile does, else
from the core metadata its build backend prepares."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipcompat.errors import PipcompatError
from pipcompat.requirements.project_inputs import (
    is_project_file,
    read_static_pyproject,
    requirements_from_metadata,
)


def _pyproject(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_static_dependencies_and_extras_are_read_without_a_build(tmp_path: Path) -> None:
    path = _pyproject(
        tmp_path,
        '[project]\nname = "App"\ndependencies = ["a>=1", "b; python_version < \'3.99\'"]\n'
        "[project.optional-dependencies]\ndev = [\"c; os_name == 'nt'\"]\n",
    )
    project = read_static_pyproject(path, "sub/pyproject.toml")
    assert project is not None
    assert project.comes_from == "App (sub/pyproject.toml)"
    assert project.extras == ("dev",)
    assert [item.text for item in project.requirements] == [
        "a>=1",
        "b; python_version < '3.99'",
        "c; os_name == 'nt'",
    ]
    # The optional dependency's own marker gives way to the extra's, as in pip-tools.
    assert str(project.requirements[2].marker) == 'extra == "dev"'
    assert str(project.requirements[1].marker) == 'python_version < "3.99"'


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "app"\ndynamic = ["dependencies"]\n',
        '[project]\nname = "app"\ndynamic = ["optional-dependencies"]\ndependencies = ["a"]\n',
        '[build-system]\nrequires = ["setuptools"]\n',
        "[project\nnot toml",
    ],
)
def test_pyproject_files_that_need_the_build_backend(tmp_path: Path, text: str) -> None:
    assert read_static_pyproject(_pyproject(tmp_path, text), "pyproject.toml") is None


def test_requirements_come_from_the_metadata_the_backend_prepared() -> None:
    metadata = (
        b"Metadata-Version: 2.1\nName: legacy_app\nVersion: 0.1\n"
        b"Requires-Dist: webapp>=1\n"
        b'Requires-Dist: Alpha_Pkg; python_version >= "3"\n'
        b"Provides-Extra: tls\n"
        b'Requires-Dist: webapp[tls]; extra == "tls"\n\nlong description\n'
    )
    project = requirements_from_metadata(metadata, "setup.py")
    assert project.name == "legacy_app"
    assert project.comes_from == "legacy_app (setup.py)"
    assert project.extras == ("tls",)
    assert [str(item.requirement) for item in project.requirements] == [
        "webapp>=1",
        'Alpha_Pkg; python_version >= "3"',
        'webapp[tls]; extra == "tls"',
    ]
    assert str(project.requirements[2].marker) == 'extra == "tls"'


def test_an_extra_requiring_the_project_itself_is_refused() -> None:
    metadata = b"Metadata-Version: 2.1\nName: app\nVersion: 1\nRequires-Dist: app[tls]; extra == 'all'\n"
    with pytest.raises(PipcompatError, match="refers to the project itself"):
        requirements_from_metadata(metadata, "setup.py")


def test_project_files_are_known_by_name() -> None:
    assert is_project_file("sub/setup.py")
    assert is_project_file("setup.cfg")
    assert not is_project_file("requirements.in")
