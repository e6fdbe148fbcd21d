"""Plain values shared by every layer."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """Where a piece of input came from: a file (or URL) and a 1-based line number."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ConfigValue:
    """One raw configuration value; sequences of them are ordered lowest precedence first."""

    key: str
    """The long option name without dashes, normalised: ``index-url``."""
    value: str
    origin: str
    """Where it came from, for people: ``/etc/pip.conf [global]`` or ``PIP_INDEX_URL``."""


def allowed_formats(name: str, *, only_binary: Set[str], no_binary: Set[str]) -> frozenset[str]:
    """pip's format control: which of ``binary`` and ``source`` may be used for canonical *name*.

    A named project beats ``:all:``, and ``--only-binary`` beats ``--no-binary`` for the same entry.
    """
    if name in only_binary:
        return frozenset({"binary"})
    if name in no_binary:
        return frozenset({"source"})
    if ":all:" in only_binary:
        return frozenset({"binary"})
    if ":all:" in no_binary:
        return frozenset({"source"})
    return frozenset({"binary", "source"})


def allows_prereleases(name: str, *, all_releases: Set[str], only_final: Set[str]) -> bool | None:
    """``--all-releases`` / ``--only-final`` for canonical *name*: True or False if they decide, else None."""
    if name in all_releases:
        return True
    if name in only_final:
        return False
    if ":all:" in all_releases:
        return True
    if ":all:" in only_final:
        return False
    return None
