"""Core metadata (``METADATA`` / ``PKG-INFO``, RFC 822) reduced to what resolution needs."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import compat32

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


def parse_metadata(data: bytes, *, where: str) -> CoreMetadata:
    """Parse raw core metadata; ``PipcompatError`` naming *where* when it is unusable."""
    message = BytesParser(policy=compat32).parsebytes(data, headersonly=True)
    name = message.get("Name")
    version = message.get("Version")
    if not name or not version:
        raise PipcompatError(f"the metadata of {where} has no Name or Version")
    requires: list[Requirement] = []
    for text in message.get_all("Requires-Dist") or ():
        try:
            requires.append(Requirement(str(text)))
        except InvalidRequirement as error:
            raise PipcompatError(
                f"{where} has an invalid requirement {str(text)!r} in its metadata: {error}"
            ) from None
    requires_python = message.get("Requires-Python")
    extras = frozenset(canonicalize_name(str(e)) for e in message.get_all("Provides-Extra") or ())
    return CoreMetadata(
        name=str(name).strip(),
        version=str(version).strip(),
        requires_dist=tuple(requires),
        requires_python=str(requires_python).strip() if requires_python else None,
        provides_extra=extras,
    )
