"""``pylock.toml`` (PEP 751) as ``pip lock`` writes it: one file per package, in pip's TOML layout.

:func:`render` lays the document out as pip's writer does (top-level keys, then one ``[[packages]]`` table
per package, sorted by name, each with its scalar keys first and then its sub-tables —
``[[packages.wheels]]``, ``[packages.sdist]``, ``[packages.vcs]``, ``[packages.directory]``,
``[packages.archive]`` and their ``hashes`` tables — each after a blank line), so that the same resolution
gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: PEP 751's file names: ``pylock.toml`` or ``pylock.<name>.toml``.
_VALID_NAME = re.compile(r"^pylock\.([^.]+)\.toml$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def is_valid_name(name: str) -> bool:
    return name == "pylock.toml" or _VALID_NAME.match(name) is not None


@dataclass(frozen=True)
class LockedFile:
    """One file of a package: a wheel or an sdist (``name``, ``url``, ``hashes``), or a direct archive
    (``url``, ``hashes``, ``subdirectory``)."""

    url: str
    hashes: Mapping[str, str]
    name: str | None = None
    subdirectory: str | None = None


@dataclass(frozen=True)
class LockedPackage:
    """One package: from an index (``version`` and one wheel or sdist), or a direct reference (a VCS
    checkout, a local directory or an archive, without a version)."""

    name: str
    version: str | None = None
    wheels: Sequence[LockedFile] = ()
    sdist: LockedFile | None = None
    vcs: Mapping[str, str] | None = None
    """``type``, ``url``, ``requested-revision``, ``commit-id``, ``subdirectory`` (the ones that apply)."""
    directory: Mapping[str, str | bool] | None = None
    """``path`` (relative to the lock file's directory), ``editable``, ``subdirectory``."""
    archive: LockedFile | None = None


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(
        ch
        if ord(ch) >= 0x20 and ch != "\x7f"
        else {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\u{ord(ch):04x}")
        for ch in escaped
    )
    return f'"{escaped}"'


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _string(name)


def _value(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _string(value)


def _table(lines: list[str], header: str, items: Mapping[str, str | bool]) -> None:
    lines += ["", header]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in items.items()]


def _file(lines: list[str], header: str, path: str, item: LockedFile, *, named: bool) -> None:
    scalars: dict[str, str | bool] = {}
    if named and item.name is not None:
        scalars["name"] = item.name
    scalars["url"] = item.url
    if item.subdirectory and not named:
        scalars["subdirectory"] = item.subdirectory
    _table(lines, header, scalars)
    _table(lines, f"[{path}.hashes]", dict(item.hashes))


def render(packages: Sequence[LockedPackage], *, created_by: str) -> str:
    """The ``pylock.toml`` text for *packages* (sorted by name here)."""
    lines = ['lock-version = "1.0"', f"created-by = {_string(created_by)}"]
    for package in sorted(packages, key=lambda p: p.name):
        scalars: dict[str, str | bool] = {"name": package.name}
        if package.version is not None:
            scalars["version"] = package.version
        _table(lines, "[[packages]]", scalars)
        if package.vcs is not None:
            _table(lines, "[packages.vcs]", dict(package.vcs))
        if package.directory is not None:
            _table(lines, "[packages.directory]", dict(package.directory))
        if package.archive is not None:
            _file(lines, "[packages.archive]", "packages.archive", package.archive, named=False)
        if package.sdist is not None:
            _file(lines, "[packages.sdist]", "packages.sdist", package.sdist, named=True)
        for wheel in package.wheels:
            _file(lines, "[[packages.wheels]]", "packages.wheels", wheel, named=True)
    return "\n".join(lines) + "\n"
