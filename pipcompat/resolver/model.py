"""The resolver's inputs and outputs: plain values, no resolvelib, no HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

from pipcompat.models import Link, TargetEnvironment

Strategy = Literal["highest", "lowest", "lowest-direct"]
STRATEGIES: tuple[Strategy, ...] = ("highest", "lowest", "lowest-direct")


class PackageSource(Protocol):
    """Where the resolver gets files and metadata: the index client, or an in-memory source in tests.

    ``links`` returns every file a project offers (an empty list when the project is unknown);
    ``metadata`` returns a file's raw core metadata (RFC 822) and may raise ``PipcompatError``;
    the two ``prefetch`` calls only start work in the background and return at once.
    """

    def links(self, name: str) -> list[Link]: ...

    def metadata(self, link: Link) -> bytes: ...

    def prefetch(self, names: Iterable[str]) -> None: ...

    def prefetch_metadata(self, links: Iterable[Link]) -> None: ...


class WrappingSource:
    """Base of a source that wraps another (``self.source``) and changes part of what it answers: passes
    ``links`` through, and the optional cache hooks the resolver uses when the wrapped source has them
    (``derived``/``store_derived``: data kept for a project's unchanged pages; ``recall``/``remember``:
    notes by key; see ``IndexClient``)."""

    source: Any

    def links(self, name: str) -> list[Link]:
        links: list[Link] = self.source.links(name)
        return links

    def link_groups(self, name: str) -> list[Any]:
        """``links(name)`` in parts (see ``IndexClient.link_groups``); one part when the wrapped source
        has no parts."""
        groups = getattr(self.source, "link_groups", None)
        if groups is None or type(self).links is not WrappingSource.links:
            return [self.links(name)]
        found: list[Any] = groups(name)
        return found

    def derived(self, name: str, kind: str) -> bytes | None:
        """The source's data derived from *name*'s unchanged pages (see ``IndexClient.derived``)."""
        get = getattr(self.source, "derived", None)
        return None if get is None else get(name, kind)

    def store_derived(self, name: str, kind: str, data: bytes | Callable[[], bytes]) -> None:
        store = getattr(self.source, "store_derived", None)
        if store is not None:
            store(name, kind, data)

    def recall(self, key: str) -> bytes | None:
        get = getattr(self.source, "recall", None)
        return None if get is None else get(key)

    def remember(self, key: str, data: bytes) -> None:
        keep = getattr(self.source, "remember", None)
        if keep is not None:
            keep(key, data)


@dataclass(frozen=True)
class RootRequirement:
    """One thing the user asked for (or one constraint), with where it came from.

    ``comes_from`` is what annotations and errors show as its source: ``-r requirements.in``,
    ``-c constraints.txt``, ``pyproject.toml``, or ``""`` for the command line. A constraint
    (``is_constraint=True``) only restricts the versions of a project the resolution already needs; it never
    adds the project and its extras are ignored. ``link`` is the file of a direct URL requirement when the
    caller already knows it (with hashes, for example); without it a ``name @ url`` requirement gets a
    link made from its URL.
    """

    requirement: Requirement
    comes_from: str = ""
    is_constraint: bool = False
    link: Link | None = None

    @classmethod
    def parse(cls, text: str, comes_from: str = "", *, is_constraint: bool = False) -> RootRequirement:
        """A root requirement from PEP 508 text: ``RootRequirement.parse("a>=1", "-r requirements.in")``."""
        return cls(Requirement(text), comes_from, is_constraint)


@dataclass(frozen=True)
class ResolveOptions:
    """How to resolve, built by a command from its settings.

    - ``all_releases`` / ``only_final``: pip 26 release control (``--pre`` is ``all_releases={":all:"}``);
      without a decision, pre-releases are used when a specifier names one or when nothing else matches.
    - ``only_binary`` / ``no_binary`` / ``prefer_binary``: pip's format control.
    - ``uploaded_prior_to``: ``--exclude-newer`` / ``--uploaded-prior-to``; files uploaded at or after it are
      ignored, and so are index files without an upload time (local ``file:`` files are exempt, as in pip).
    - ``preferences``: versions pinned in an existing output file, kept unless the name is in ``upgrade``
      or ``upgrade_all`` is set. With ``preferences_as_constraints`` (pip-compile's behaviour) they act as
      ``==`` constraints that are dropped, one resolution round at a time, when they cause a conflict;
      otherwise they are only tried first.
    - ``overrides``: requirements that replace every dependency on the same project (uv's overrides).
    - ``index_urls``: named in error messages as the places that were searched.
    """

    target: TargetEnvironment
    strategy: Strategy = "highest"
    all_releases: frozenset[str] = frozenset()
    only_final: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    no_binary: frozenset[str] = frozenset()
    prefer_binary: bool = False
    uploaded_prior_to: datetime | None = None
    preferences: Mapping[str, Version] = field(default_factory=dict)
    upgrade: frozenset[str] = frozenset()
    upgrade_all: bool = False
    preferences_as_constraints: bool = False
    overrides: Sequence[Requirement] = ()
    ignore_requires_python: bool = False
    index_urls: tuple[str, ...] = ()
    max_rounds: int = 200_000
    prefetch: bool = True


@dataclass(frozen=True)
class ResolvedPackage:
    """One pinned project.

    ``links`` holds every file of this version the target could install, best first (``link`` is the
    first), for hashes; ``dependencies`` are the requirements it brought in (markers already evaluated,
    extras included); ``parents`` are the canonical names of pinned projects that depend on it; ``sources``
    are the ``comes_from`` of root requirements and constraints that named it, in input order. ``markers``
    is ``None`` for a resolution for one environment (universal resolution sets it).
    """

    name: str
    display_name: str
    version: Version
    link: Link
    links: tuple[Link, ...]
    extras: frozenset[str] = frozenset()
    dependencies: tuple[Requirement, ...] = ()
    parents: frozenset[str] = frozenset()
    sources: tuple[str, ...] = ()
    requested: bool = False
    is_direct: bool = False
    pin_operator: str = "=="
    markers: Marker | None = None

    @property
    def pin(self) -> str:
        """``name==version`` (``name @ url`` for a direct URL)."""
        if self.is_direct:
            return f"{self.name} @ {self.link.url}"
        return f"{self.name}{self.pin_operator}{self.version}"


@dataclass(frozen=True)
class Resolution:
    """The result: pinned projects sorted by canonical name, and notes about the input.

    ``ignored`` holds root requirements whose markers do not match the target; ``discarded_preferences``
    the previously pinned versions that had to be dropped (pip-compile's "Discarding ..." warning).
    """

    packages: tuple[ResolvedPackage, ...]
    ignored: tuple[RootRequirement, ...] = ()
    discarded_preferences: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> ResolvedPackage:
        from packaging.utils import canonicalize_name

        wanted = canonicalize_name(name)
        for package in self.packages:
            if package.name == wanted:
                return package
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True

    def pins(self) -> dict[str, str]:
        """``{canonical name: version string}``, handy in tests and reports."""
        return {p.name: str(p.version) for p in self.packages}
