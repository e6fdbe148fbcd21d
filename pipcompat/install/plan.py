"""The plan: what is installed versus what is wanted → link from the cache, download, reinstall, remove.

Pure functions over plain data, so every rule is unit tested without a disk or a network:
:func:`plan_changes` for ``pip install`` (what to add or replace) and :func:`plan_sync` for ``pip sync``
(exactly the wanted set, except pip-sync's keep-list and what those keep-list packages depend on).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipcompat.env.installed import InstalledDistribution

#: pip's ``stdlib_pkgs``: names some old distributions register that are part of the standard library.
STDLIB_PACKAGES = ("python", "wsgiref", "argparse")

#: pip-sync 7.6's ``PACKAGES_TO_IGNORE`` (without the build backends, which depend on the Python version).
SYNC_KEEP = ("-markerlib", "pip", "pip-tools", "pip-review", "pkg-resources", *STDLIB_PACKAGES)
#: Added to :data:`SYNC_KEEP` when the target Python is older than 3.12, as pip-sync does.
SYNC_KEEP_BEFORE_312 = ("setuptools", "distribute", "wheel")


@dataclass(frozen=True)
class Installed:
    """What the plan needs to know about one installed distribution."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    """Raw ``Requires-Dist`` strings (used for pip-sync's keep-list closure)."""
    direct_url: str | None = None
    """The PEP 440 direct reference (``name @ url#sha256=…``) when it was installed from a URL."""
    editable: bool = False

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)


@dataclass(frozen=True)
class Wanted:
    """One distribution the resolution chose; ``cached`` says whether its unpacked wheel is in the cache."""

    name: str
    version: str
    cached: bool = False
    direct_url: str | None = None
    """Set for requirements from a URL or path: then the installed one only matches the same reference."""
    editable: bool = False
    requested: bool = False

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)


@dataclass(frozen=True)
class Plan:
    """What an install will do. ``reinstall`` are the installed distributions that get replaced."""

    link_from_cache: tuple[Wanted, ...] = ()
    download: tuple[Wanted, ...] = ()
    reinstall: tuple[Installed, ...] = ()
    remove: tuple[Installed, ...] = ()
    unchanged: tuple[Installed, ...] = field(default=(), compare=False)

    @property
    def installs(self) -> tuple[Wanted, ...]:
        return tuple(sorted((*self.link_from_cache, *self.download), key=lambda w: w.key))

    @property
    def is_noop(self) -> bool:
        return not (self.link_from_cache or self.download or self.reinstall or self.remove)

    def summary_lines(self) -> list[str]:
        """``- name==old`` / ``+ name==new`` lines, sorted by name (removals before additions)."""
        lines: list[tuple[str, int, str]] = []
        for old in (*self.reinstall, *self.remove):
            lines.append((old.key, 0, f" - {old.name}=={old.version}"))
        for new in self.installs:
            lines.append((new.key, 1, f" + {new.name}=={new.version}"))
        return [text for _key, _order, text in sorted(lines)]


def _same_version(installed: str, wanted: str) -> bool:
    try:
        return Version(installed) == Version(wanted)
    except InvalidVersion:
        return installed == wanted


def plan_changes(
    installed: Iterable[Installed],
    wanted: Iterable[Wanted],
    *,
    reinstall: bool | Collection[str] = False,
    remove_extraneous: bool = False,
    keep: Collection[str] = (),
) -> Plan:
    """Compare *installed* with *wanted*.

    A wanted distribution that is installed in the same version (and from the same direct reference, when
    it has one, and not editable when it is not wanted editable) is left alone unless *reinstall* is true
    or names it (``--force-reinstall`` / ``--reinstall-package``). Anything else wanted is linked from the
    cache when ``cached``, downloaded otherwise, and replaces the installed version. With
    *remove_extraneous* (``pip sync``), installed distributions that are not wanted are removed, except
    those whose canonical name is in *keep*.
    """
    by_key = {dist.key: dist for dist in installed}
    forced = {canonicalize_name(n) for n in reinstall} if not isinstance(reinstall, bool) else set()
    link: list[Wanted] = []
    download: list[Wanted] = []
    replaced: list[Installed] = []
    unchanged: list[Installed] = []
    seen: set[str] = set()
    for item in wanted:
        if item.key in seen:
            continue
        seen.add(item.key)
        current = by_key.get(item.key)
        if current is not None:
            matches = (
                _same_version(current.version, item.version)
                and (item.direct_url is None or item.direct_url == current.direct_url)
                and current.editable == item.editable
            )
            if matches and reinstall is not True and item.key not in forced:
                unchanged.append(current)
                continue
            replaced.append(current)
        (link if item.cached else download).append(item)
    removed: list[Installed] = []
    if remove_extraneous:
        kept = {canonicalize_name(n) for n in keep}
        removed = [d for key, d in by_key.items() if key not in seen and key not in kept]
    return Plan(
        link_from_cache=tuple(sorted(link, key=lambda w: w.key)),
        download=tuple(sorted(download, key=lambda w: w.key)),
        reinstall=tuple(sorted(replaced, key=lambda d: d.key)),
        remove=tuple(sorted(removed, key=lambda d: d.key)),
        unchanged=tuple(sorted(unchanged, key=lambda d: d.key)),
    )


def sync_keep_list(installed: Iterable[Installed], *, python_version: Sequence[int]) -> set[str]:
    """pip-sync's ignored packages: its keep-list and everything they depend on that is installed in a
    version their requirement accepts (followed transitively)."""
    by_key = {dist.key: dist for dist in installed}
    roots = [*SYNC_KEEP, *(SYNC_KEEP_BEFORE_312 if tuple(python_version[:2]) < (3, 12) else ())]
    kept: set[str] = set()
    for root in roots:
        queue = [by_key[root]] if root in by_key else []
        while queue:
            dist = queue.pop(0)
            if dist.key in kept:
                continue
            kept.add(dist.key)
            for text in dist.requires:
                try:
                    requirement = Requirement(text)
                except InvalidRequirement:
                    continue
                dep = by_key.get(canonicalize_name(requirement.name))
                if dep is None:
                    continue
                try:
                    if requirement.specifier.contains(Version(dep.version), prereleases=True):
                        queue.append(dep)
                except InvalidVersion:
                    continue
    return kept | {canonicalize_name(n) for n in roots}


def plan_sync(
    installed: Iterable[Installed],
    wanted: Iterable[Wanted],
    *,
    python_version: Sequence[int],
    reinstall: bool | Collection[str] = False,
) -> Plan:
    """``pip sync``: exactly *wanted*, keeping pip-sync's keep-list (see :func:`sync_keep_list`)."""
    installed = list(installed)
    keep = sync_keep_list(installed, python_version=python_version)
    return plan_changes(installed, wanted, reinstall=reinstall, remove_extraneous=True, keep=keep)


def installed_from(
    dists: Iterable[InstalledDistribution], direct_references: Mapping[str, str] | None = None
) -> list[Installed]:
    """:class:`Installed` values for scanned distributions (``direct_references``: canonical name → the
    PEP 440 direct reference it was installed from)."""
    return [
        Installed(
            name=dist.raw_name,
            version=dist.version_text,
            requires=tuple(dist.requires),
            direct_url=(direct_references or {}).get(dist.canonical_name),
            editable=dist.editable,
        )
        for dist in dists
    ]
