"""Plain values shared by every layer."""

from __future__ import annotations

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
