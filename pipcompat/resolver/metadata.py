"""Core metadata (``METADATA`` / ``PKG-INFO``, RFC 822) reduced to what resolution needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipcompat.errors import PipcompatError


@dataclass(frozen=True)
class CoreMetadata:
    name: str
    version: str
    requires_dist: tuple[Requirement, ...]
    requires_python: str | None
    provides_extra: frozenset[str]


_HEADER_NAME = re.compile(r"[\041-\071\073-\176]+")


def _simple_headers(data: bytes) -> dict[str, list[str]] | None:
    """The header fields of *data* by lower-cased name, read as ``email`` (``compat32``) reads them, when
    they are plain enough for that (``Name: value`` lines, folded lines, ``\n`` line ends); ``None``
    otherwise. Values with non-ASCII bytes are left out (``email`` makes objects of those, never needed
    here but for the fields this module reads, which then go the ``email`` way).

    Metadata files carry the long description as their body; this never decodes it.
    """
    end = data.find(b"\n\n")
    head = data if end < 0 else data[: end + 1]
    if b"\r" in head or head.startswith(b"From "):
        return None
    fields: dict[str, list[str]] = {}
    values: list[str] | None = None
    lines = head.decode("ascii", "surrogateescape").split("\n")
    if lines[-1] == "":
        lines.pop()
    for line in lines:
        if line[:1] in (" ", "\t"):
            if values is None:
                return None
            values[-1] += "\n" + line
            continue
        name, sep, value = line.partition(":")
        if not sep or not _HEADER_NAME.fullmatch(name):
            return None
        values = fields.setdefault(name.lower(), [])
        values.append(value.lstrip(" \t"))
    for key in _READ:
        if not all(value.isascii() for value in fields.get(key, ())):
            return None
    return fields


_READ = ("name", "version", "requires-dist", "requires-python", "provides-extra")


def parse_metadata(data: bytes, *, where: str) -> CoreMetadata:
    """Parse raw core metadata; ``PipcompatError`` naming *where* when it is unusable."""
    fields = _simple_headers(data)
    if fields is None:
        message = BytesParser().parsebytes(data, headersonly=True)  # compat32, email's default policy

        def get_all(key: str) -> list[Any]:
            return message.get_all(key) or []

    else:

        def get_all(key: str) -> list[Any]:
            return fields.get(key.lower(), [])

    name = next(iter(get_all("Name")), None)
    version = next(iter(get_all("Version")), None)
    if not name or not version:
        raise PipcompatError(f"the metadata of {where} has no Name or Version")
    requires: list[Requirement] = []
    for text in get_all("Requires-Dist"):
        try:
            requires.append(Requirement(str(text)))
        except InvalidRequirement as error:
            raise PipcompatError(
                f"{where} has an invalid requirement {str(text)!r} in its metadata: {error}"
            ) from None
    requires_python = next(iter(get_all("Requires-Python")), None)
    extras = frozenset(canonicalize_name(str(e)) for e in get_all("Provides-Extra"))
    return CoreMetadata(
        name=str(name).strip(),
        version=str(version).strip(),
        requires_dist=tuple(requires),
        requires_python=str(requires_python).strip() if requires_python else None,
        provides_extra=extras,
    )
