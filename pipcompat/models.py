"""Plain values shared by every layer."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field


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


def apply_name_set(value: str, target: set[str], other: set[str] | None = None) -> list[str]:
    """pip's ``:all:`` / ``:none:`` / ``a,b`` grammar (``--no-binary`` and its kin) applied to *target*.

    Names go into *target* (canonical) and out of *other*; ``:all:`` empties both and stands alone in
    *target*, and names after it only count when a ``:none:`` follows; ``:none:`` empties *target*.
    Returns the entries applied, in order (``:all:``, ``:none:`` or a canonical name).
    """
    from packaging.utils import canonicalize_name

    applied: list[str] = []
    entries = value.split(",")
    while ":all:" in entries:
        if other is not None:
            other.clear()
        target.clear()
        target.add(":all:")
        applied.append(":all:")
        entries = entries[entries.index(":all:") + 1 :]
        if ":none:" not in entries:
            return applied
    for entry in entries:
        if entry == ":none:":
            target.clear()
            applied.append(":none:")
            continue
        name = str(canonicalize_name(entry))
        if other is not None:
            other.discard(name)
        target.add(name)
        applied.append(name)
    return applied


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


@dataclass(frozen=True)
class Link:
    """One file an index or find-links location offers (PEP 503/691), before anything is downloaded.

    ``hashes`` maps an algorithm to a hex digest (from the URL fragment or the JSON ``hashes``);
    ``metadata_hashes`` is ``None`` when no PEP 658/714 metadata file is advertised, else its hashes (possibly
    empty); ``yanked`` is ``None`` when the file is not yanked, else the reason (possibly empty).
    """

    filename: str
    url: str
    index_url: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: str | None = None
    metadata_hashes: Mapping[str, str] | None = None
    upload_time: str | None = None
    size: int | None = None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def is_yanked(self) -> bool:
        return self.yanked is not None


@dataclass(frozen=True)
class TargetEnvironment:
    """What a resolution is for: the interpreter that will run the packages (real or synthetic).

    ``markers`` is a full PEP 508 marker environment; ``tags`` are the wheel tags the target supports, most
    preferred first, as ``interpreter-abi-platform`` strings; ``python_version`` is ``X.Y.Z``.
    """

    python_version: str
    markers: Mapping[str, str]
    tags: tuple[str, ...]
    implementation: str = "cpython"
