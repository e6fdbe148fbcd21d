"""PEP 735 dependency groups as pip's ``--group [path:]group`` reads them.

Each ``pyproject.toml`` named (``pyproject.toml`` in the working directory when no path is given) is read
once; its ``[dependency-groups]`` table is resolved by ``packaging``'s resolver (name normalization,
``{include-group = "…"}`` entries, cycles), and every problem is one error in pip's words, naming the file
and the group.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipcompat.errors import PipcompatError


def split_group(item: str | Sequence[str]) -> tuple[str, str]:
    """``(path, group)`` of a ``--group`` value as parsed (a pair) or as written (``[path:]group``)."""
    if not isinstance(item, str):
        path, group = item
        return str(path), str(group)
    path, colon, group = item.rpartition(":")
    return (path if colon else "pyproject.toml"), group


def group_requirements(groups: Iterable[tuple[str, str]], *, cwd: Path) -> list[tuple[str, str, str]]:
    """The requirements of each ``(path, group)``, in order, as ``(requirement, path, group)``.

    Paths are relative to *cwd*. Raises :class:`PipcompatError` (exit status 1, as pip's
    ``InstallationError``) for a missing or unreadable file, a missing or malformed table, an unknown
    group, a cycle of includes or an invalid requirement.
    """
    from packaging.dependency_groups import DependencyGroupResolver
    from packaging.errors import ExceptionGroup

    resolvers: dict[str, Any] = {}
    found: list[tuple[str, str, str]] = []
    for path, group in groups:
        resolver = resolvers.get(path)
        if resolver is None:
            table = _dependency_groups_table(path, cwd)
            try:
                resolver = resolvers[path] = DependencyGroupResolver(table)
            except ExceptionGroup as errors:
                raise PipcompatError(
                    f"[dependency-groups] data was invalid in {path}: {_messages(errors)}"
                ) from None
        try:
            requirements = resolver.resolve(group)
        except ExceptionGroup as errors:
            raise PipcompatError(
                f"[dependency-groups] resolution failed for '{group}' from '{path}': {_messages(errors)}"
            ) from None
        found.extend((str(requirement), path, group) for requirement in requirements)
    return found


def _dependency_groups_table(path: str, cwd: Path) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    try:
        with open(cwd / path, "rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise PipcompatError(f"{path} not found. Cannot resolve '--group' option.") from None
    except tomllib.TOMLDecodeError as error:
        raise PipcompatError(f"Error parsing {path}: {error}") from None
    except OSError as error:
        raise PipcompatError(f"Error reading {path}: {error.strerror or error}") from None
    if "dependency-groups" not in data:
        raise PipcompatError(
            f"[dependency-groups] table was missing from '{path}'. Cannot resolve '--group' option."
        )
    table = data["dependency-groups"]
    if not isinstance(table, dict):
        raise PipcompatError(
            f"[dependency-groups] table was malformed in {path}. Cannot resolve '--group' option."
        )
    return table


def _messages(errors: BaseException) -> str:
    """The messages of an exception group, one line."""
    inner = getattr(errors, "exceptions", (errors,))
    return "; ".join(" ".join(str(error).split()) for error in inner)
