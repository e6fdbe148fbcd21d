"""A project's own requirements as input: ``pyproject.toml`` (PEP 621), or a project's core metadata.

pip-compile reads a ``pyproject.toml`` without running anything when its ``[project]`` table has a name
and its dependencies are not ``dynamic`` (:func:`read_static_pyproject`); otherwise — and always for
``setup.py`` and ``setup.cfg`` — it asks the project's build backend for the core metadata
(``prepare_metadata_for_build_wheel``) and reads ``Requires-Dist`` and ``Provides-Extra`` from it
(:func:`requirements_from_metadata`). The command layer runs the backend; this module only reads.

Both return a :class:`ProjectRequirements`: each requirement with the marker that decides whether it
applies (for a static optional dependency, pip-tools puts ``extra == '<name>'`` in place of the
dependency's own marker; from metadata, the ``Requires-Dist`` marker as it is), and the annotation
pip-tools shows for it, ``<name> (<file as given, posix>)``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesParser
from pathlib import Path, PurePath

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement

from pipcompat.errors import PipcompatError

#: The project files pip-compile accepts as input.
PROJECT_FILES = frozenset({"setup.py", "setup.cfg", "pyproject.toml"})


@dataclass(frozen=True)
class ProjectRequirement:
    requirement: Requirement
    marker: Marker | None
    """The marker that decides whether it applies (may test ``extra``)."""
    text: str


@dataclass(frozen=True)
class ProjectRequirements:
    """What a project file asks for."""

    name: str
    comes_from: str
    """``<name> (<file>)``, as pip-tools annotates the requirements."""
    requirements: tuple[ProjectRequirement, ...]
    extras: tuple[str, ...]


def is_project_file(name: str) -> bool:
    """Whether *name* (a path as given) is a ``setup.py``, ``setup.cfg`` or ``pyproject.toml``."""
    return PurePath(name).name in PROJECT_FILES


def _comes_from(name: str, shown: str) -> str:
    return f"{name} ({PurePath(shown).as_posix()})"


# pip-tools compares the names as written: only an exact match is the project itself.
def _self_reference(shown: str, text: str) -> PipcompatError:
    return PipcompatError(
        f"{shown}: {text!r} refers to the project itself, which 'pipcompat pip compile' cannot resolve yet",
        hint="list the extra's requirements directly, or use pip-compile for this project",
    )


def read_static_pyproject(path: Path, shown: str) -> ProjectRequirements | None:
    """The requirements of the ``pyproject.toml`` at *path* read as text, or ``None`` when they need the
    build backend: the file is not TOML, ``[project]`` has no name, or the dependencies are dynamic."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PipcompatError(f"could not read {shown}: {exc}") from None
    except ValueError:
        return None
    project = data.get("project")
    if not isinstance(project, dict) or "name" not in project:
        return None
    dynamic = project.get("dynamic", [])
    if "dependencies" in dynamic or "optional-dependencies" in dynamic:
        return None
    name = str(project["name"])
    result: list[ProjectRequirement] = []
    for text in project.get("dependencies", []):
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement as exc:
            raise PipcompatError(f"{shown}: invalid dependency {text!r}: {exc}") from None
        result.append(ProjectRequirement(requirement, requirement.marker, str(text)))
    optional = project.get("optional-dependencies", {}) or {}
    for extra, texts in optional.items():
        for text in texts:
            try:
                requirement = Requirement(str(text))
            except InvalidRequirement as exc:
                raise PipcompatError(f"{shown}: invalid optional dependency {text!r}: {exc}") from None
            if requirement.name == name:
                raise _self_reference(shown, str(text))
            # pip-tools replaces the dependency's own marker by the extra's.
            result.append(ProjectRequirement(requirement, Marker(f"extra == '{extra}'"), str(text)))
    return ProjectRequirements(name, _comes_from(name, shown), tuple(result), tuple(optional))


def build_requirement_sources(
    name: str, shown: str, system: Sequence[str], backend: Mapping[str, Sequence[str]]
) -> list[tuple[str, str]]:
    """A project's build dependencies with the annotation pip-tools gives each: ``build-system.requires``
    entries as ``<name> (<dir>/pyproject.toml::build-system.requires)``, what the backend's
    ``get_requires_for_build_<target>`` adds as ``<name> (<dir>/pyproject.toml::build-system.backend::
    <target>)`` — the ``pyproject.toml`` next to the project file *shown*, whichever file that is."""
    pyproject = (PurePath(shown).parent / "pyproject.toml").as_posix()
    result = [(text, f"{name} ({pyproject}::build-system.requires)") for text in system]
    for target, texts in backend.items():
        result += [(text, f"{name} ({pyproject}::build-system.backend::{target})") for text in texts]
    return result


def requirements_from_metadata(metadata: bytes, shown: str) -> ProjectRequirements:
    """The requirements in a project's core metadata (``METADATA``/``PKG-INFO`` bytes) built from the
    project file *shown*."""
    message = BytesParser().parsebytes(metadata)
    name = message.get("Name")
    if not name:
        raise PipcompatError(f"the metadata the build backend gave for {shown} has no Name")
    name = str(name).strip()
    result: list[ProjectRequirement] = []
    for value in message.get_all("Requires-Dist") or []:
        text = str(value).strip()
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise PipcompatError(
                f"{shown}: the build backend gave an invalid requirement {text!r}: {exc}"
            ) from None
        if requirement.name == name:
            raise _self_reference(shown, text)
        result.append(ProjectRequirement(requirement, requirement.marker, text))
    extras = tuple(str(extra).strip() for extra in message.get_all("Provides-Extra") or [])
    return ProjectRequirements(name, _comes_from(name, shown), tuple(result), extras)


__all__ = [
    "PROJECT_FILES",
    "ProjectRequirement",
    "ProjectRequirements",
    "build_requirement_sources",
    "is_project_file",
    "read_static_pyproject",
    "requirements_from_metadata",
]
