"""The resolvelib provider: requirements, lazy candidates, preferences. Imported only when resolving."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter
from resolvelib.structs import RequirementInformation

from pipcompat.errors import PipcompatError
from pipcompat.models import Link
from pipcompat.resolver.finder import (
    FileChoice,
    ProjectCache,
    ProjectFiles,
    Selection,
    is_pinned,
    parse_version,
    sdist_version,
    select,
)
from pipcompat.resolver.metadata import CoreMetadata, parse_metadata
from pipcompat.resolver.model import ResolveOptions, RootRequirement
from pipcompat.resolver.target import marker_environment

PYTHON = "<python>"
"""The identifier of the target interpreter, a virtual project every ``Requires-Python`` depends on."""


Preference = tuple[bool, bool, bool, bool, int, int, str]
"""What ``get_preference`` ranks by (lowest first)."""


def release_key(version: Version) -> tuple[int, tuple[int, ...]]:
    """A version's epoch and release without trailing zeros: versions an ``==V`` specifier admits (with
    or without a local label, zero-padded) all have the key of ``V``."""
    release = version.release
    end = len(release)
    while end and release[end - 1] == 0:  # as ``packaging`` compares them: "0.0" gives ()
        end -= 1
    return (version.epoch, release[:end])


def identifier_of(name: str, extras: frozenset[str]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


def strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


@dataclass(frozen=True, eq=False)
class Req:
    """A requirement as the resolver sees it; ``source`` is the ``comes_from`` of a root requirement.

    Compared by identity (hashing a ``Requirement`` is costly); the provider keeps the ones it made.
    """

    name: str
    extras: frozenset[str]
    specifier: SpecifierSet
    url: str | None = None
    text: str = ""
    source: str | None = None
    original: Requirement | None = None
    # Facts the provider asks for thousands of times per resolution, computed once when the Req is made.
    pinned: bool = field(init=False, repr=False)
    """Whether the specifier pins one version (``==`` without a wildcard, or ``===``)."""
    spec_key: str = field(init=False, repr=False)
    """The specifier as text: equal texts mean equal specifiers (for caching what they select)."""
    any_version: bool = field(init=False, repr=False)
    """No URL and an empty specifier: every candidate of the project satisfies it."""
    satisfied: dict[Candidate, bool] = field(init=False, repr=False, default_factory=dict)
    """``is_satisfied_by`` answers by candidate (candidates hash by identity, as Reqs do)."""
    pinned_release: tuple[int, tuple[int, ...]] | None = field(init=False, repr=False)
    """For a specifier with a non-wildcard ``==``: the epoch and release (trailing zeros dropped) every
    version it admits has (see :func:`release_key`)."""

    def __post_init__(self) -> None:
        spec_key = str(self.specifier)
        object.__setattr__(self, "spec_key", spec_key)
        object.__setattr__(self, "pinned", bool(spec_key) and is_pinned(self.specifier))
        object.__setattr__(self, "any_version", not spec_key and not self.url)
        pinned_release = None
        if spec_key:
            for spec in self.specifier:
                if spec.operator == "==" and not spec.version.endswith(".*"):
                    version = parse_version(spec.version)
                    if version is not None:
                        pinned_release = release_key(version)
                        break
        object.__setattr__(self, "pinned_release", pinned_release)

    @property
    def identifier(self) -> str:
        return identifier_of(self.name, self.extras)

    @classmethod
    def from_requirement(cls, req: Requirement, source: str | None = None) -> Req:
        name = canonicalize_name(req.name)
        extras = frozenset(canonicalize_name(e) for e in req.extras)
        text = str(req).split(";", 1)[0].strip()
        return cls(name, extras, req.specifier, req.url, text, source, req)


@dataclass(frozen=True, eq=False)
class Candidate:
    """One version of a project (with extras, if asked) and its usable files, best first."""

    name: str
    version: Version
    extras: frozenset[str] = frozenset()
    files: tuple[FileChoice, ...] = ()
    direct_url: str | None = None

    @property
    def identifier(self) -> str:
        return identifier_of(self.name, self.extras)

    @property
    def link(self) -> Link | None:
        return self.files[0].link if self.files else None

    def __str__(self) -> str:
        return f"{self.name} {self.version}" if not self.extras else f"{self.identifier} {self.version}"


@dataclass
class Constraint:
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    urls: list[str] = field(default_factory=list)
    sources: list[RootRequirement] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class ConflictCounter(BaseReporter):  # type: ignore[type-arg]
    """Counts, per project, how often it took part in a conflict (for ``get_preference``)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def resolving_conflicts(self, causes: Collection[Any]) -> None:
        for cause in causes:
            self.counts[cause.requirement.name] += 1
            if cause.parent is not None:
                self.counts[cause.parent.name] += 1


class MetadataStore:
    """Parsed metadata by URL, shared by every round of a resolution."""

    def __init__(self) -> None:
        self.by_url: dict[str, CoreMetadata] = {}


class Provider(AbstractProvider):  # type: ignore[type-arg]
    def __init__(
        self,
        *,
        projects: ProjectCache,
        metadata: MetadataStore,
        options: ResolveOptions,
        constraints: Mapping[str, Constraint],
        direct_names: frozenset[str],
        root_links: Mapping[str, Link],
        conflicts: ConflictCounter,
    ) -> None:
        self.projects = projects
        self.source = projects.source
        self.metadata_store = metadata
        self.options = options
        self.target = options.target
        self.constraints = constraints
        self.direct_names = direct_names
        self.root_links = root_links
        self.conflicts = conflicts
        self.python = Candidate(PYTHON, Version(self.target.python_version))
        self.preferred = {
            name: version
            for name, version in options.preferences.items()
            if not options.upgrade_all and name not in options.upgrade
        }
        overrides: dict[str, list[Requirement]] = {}
        for req in options.overrides:
            overrides.setdefault(canonicalize_name(req.name), []).append(req)
        self.overrides = overrides
        self._candidates: dict[tuple[str, Version], Candidate] = {}
        self._direct: dict[tuple[str, str], Candidate] = {}
        self._counts: dict[str, int] = {}
        self._metadata_prefetched: set[str] = set()
        self.dependencies: dict[str, dict[Version, list[Requirement]]] = {}
        self.display_names: dict[str, str] = {}
        self._env = marker_environment(self.target)
        self._dependency_reqs: dict[tuple[str, Version, str | None], list[Req]] = {}
        self._selections: dict[tuple[str, frozenset[str]], Selection] = {}

    # -- resolvelib interface -------------------------------------------------------------------------

    def identify(self, requirement_or_candidate: Req | Candidate) -> str:
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
        backtrack_causes: Sequence[RequirementInformation[Req, Candidate]],
    ) -> Preference:
        return self._preference(identifier, information)

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
        backtrack_causes: Sequence[RequirementInformation[Req, Candidate]],
    ) -> list[str]:
        """The one identifier ``get_preference`` ranks first (resolvelib ≥ 1.1 asks this before ranking).

        resolvelib then pins it without calling ``get_preference`` for every unpinned identifier of every
        round, which cost more than the rest of the provider. The choice is the same: the preference's last
        element is the identifier itself, so exactly one identifier has the smallest preference.
        """
        preference = self._preference
        best: str | None = None
        best_key: Preference | None = None
        for identifier in identifiers:
            if identifier == PYTHON:
                return [PYTHON]
            key = preference(identifier, information)
            if best_key is None or key < best_key:
                best, best_key = identifier, key
        return [] if best is None else [best]

    def _preference(
        self,
        identifier: str,
        information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
    ) -> Preference:
        """Direct URLs, then exact pins, then previously pinned versions, then projects that took part in
        the most conflicts so far, then fewest candidates, then by identifier (lowest first)."""
        if identifier == PYTHON:
            return (False, False, False, False, 0, 0, "")
        name: str | None = None
        direct = pinned = False
        for info in information[identifier]:
            req = info.requirement
            if name is None:
                name = req.name
            if req.url:
                direct = True
            if req.pinned:
                pinned = True
        if name is None:
            name = identifier
        return (
            True,
            not direct,
            not pinned,
            name not in self.preferred,
            -self.conflicts.counts[name],
            self._counts.get(identifier, 1 << 30),
            identifier,
        )

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Req]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> list[Candidate]:
        reqs = list(requirements[identifier])
        bad = list(incompatibilities.get(identifier, ()))
        if identifier == PYTHON:
            ok = all(self.is_satisfied_by(r, self.python) for r in reqs) and self.python not in bad
            return [self.python] if ok else []
        name, extras = reqs[0].name, reqs[0].extras
        constraint = self.constraints.get(name)
        urls = {strip_fragment(r.url) for r in reqs if r.url}
        if constraint is not None:
            urls |= {strip_fragment(u) for u in constraint.urls}
        if urls:
            return self._direct_matches(
                name=name, extras=extras, urls=urls, reqs=reqs, constraint=constraint, bad=bad
            )
        project = self.projects.get(name)
        # The same specifiers come back often (a requirement added by one more parent changes nothing):
        # select once per distinct set of them.
        selection_key = (name, frozenset([r.spec_key for r in reqs]))
        selection = self._selections.get(selection_key)
        if selection is None:
            specifier = SpecifierSet()
            pinned_release = None
            for req in reqs:
                specifier &= req.specifier
                pinned_release = pinned_release or req.pinned_release
            if constraint is not None:
                specifier &= constraint.specifier
            if pinned_release is not None:
                # An ``==`` pin admits only versions of one release: filter those, not every version of
                # the project (the same outcome: the filter's pre-release rule looks only at the matches).
                project = self._releases_of(project, pinned_release)
            selection = self._selections[selection_key] = select(project, specifier, self.options)
        entries = selection.matches
        lowest = self.options.strategy == "lowest" or (
            self.options.strategy == "lowest-direct" and name in self.direct_names
        )
        if not lowest:
            entries = entries[::-1]
        if self.options.prefer_binary:
            entries = sorted(entries, key=lambda e: not e.has_wheel)
        bad_versions = {c.version for c in bad}
        result: list[Candidate] = []
        for entry in entries:
            if entry.version in bad_versions:
                continue
            files = entry.usable(selection.allow_yanked)
            if not files:
                continue
            result.append(self._candidate(name, extras, entry.version, tuple(files)))
        preferred = self.preferred.get(name)
        if preferred is not None:
            for index, candidate in enumerate(result):
                if candidate.version == preferred:
                    result.insert(0, result.pop(index))
                    break
        self._counts[identifier] = len(result)
        if result and self.options.prefetch and identifier not in self._metadata_prefetched:
            self._metadata_prefetched.add(identifier)
            link = result[0].link
            if link is not None and link.url not in self.metadata_store.by_url:
                self.source.prefetch_metadata([link])
        return result

    def is_satisfied_by(self, requirement: Req, candidate: Candidate) -> bool:
        # resolvelib asks the same question many times (every pin against every requirement, each round):
        # answer each once, kept on the Req by candidate (both hash by identity; the provider keeps both).
        memo = requirement.satisfied
        ok = memo.get(candidate)
        if ok is not None:
            return ok
        if requirement.url:
            ok = candidate.direct_url is not None and strip_fragment(requirement.url) == strip_fragment(
                candidate.direct_url
            )
        elif requirement.any_version:
            ok = True
        else:
            ok = requirement.specifier.contains(candidate.version, prereleases=True)
        memo[candidate] = ok
        return ok

    def get_dependencies(self, candidate: Candidate) -> list[Req]:
        if candidate.name == PYTHON:
            return []
        key = (candidate.identifier, candidate.version, candidate.direct_url)
        cached = self._dependency_reqs.get(key)
        if cached is not None:
            return cached
        deps = self._dependencies(candidate)
        self._dependency_reqs[key] = deps
        return deps

    def _dependencies(self, candidate: Candidate) -> list[Req]:
        meta = self.metadata_for(candidate)
        deps: list[Req] = []
        chosen: list[Requirement] = []
        if candidate.extras:
            base_spec = SpecifierSet(f"==={candidate.version}")
            deps.append(
                Req(
                    candidate.name,
                    frozenset(),
                    base_spec,
                    candidate.direct_url,
                    f"{candidate.name}=={candidate.version}",
                )
            )
        elif meta.requires_python and not self.options.ignore_requires_python:
            try:
                deps.append(
                    Req(PYTHON, frozenset(), SpecifierSet(meta.requires_python), text=meta.requires_python)
                )
            except InvalidSpecifier:
                pass  # pip ignores an invalid Requires-Python
        overridden: set[str] = set()
        for req in meta.requires_dist:
            if not self._wanted(req, candidate.extras):
                continue
            name = canonicalize_name(req.name)
            if name in self.overrides:
                if name in overridden:
                    continue
                overridden.add(name)
                for override in self.overrides[name]:
                    if override.marker is None or override.marker.evaluate(dict(self._env)):
                        chosen.append(override)
                        deps.append(Req.from_requirement(override))
                continue
            chosen.append(req)
            deps.append(Req.from_requirement(req))
        self.dependencies.setdefault(candidate.identifier, {})[candidate.version] = chosen
        if self.options.prefetch:
            fresh = [d.name for d in deps if d.name != PYTHON and self.projects.known(d.name) is None]
            if fresh:
                self.source.prefetch(dict.fromkeys(fresh))
        return deps

    # -- helpers ------------------------------------------------------------------------------------------

    @staticmethod
    def _releases_of(project: ProjectFiles, key: tuple[int, tuple[int, ...]]) -> ProjectFiles:
        """*project* reduced to its versions whose :func:`release_key` is *key* (ascending, as there).

        Versions sort by epoch and release (trailing zeros dropped) before anything else, so those are
        one run of the ascending list, found by bisection.
        """
        ordered = project.ordered()
        low = bisect_left(ordered, key, key=release_key)
        high = bisect_right(ordered, key, lo=low, key=release_key)
        versions = project.versions
        subset = {version: versions[version] for version in ordered[low:high]}
        return ProjectFiles(project.name, project.link_count, subset, project.rejected)

    def _wanted(self, req: Requirement, extras: frozenset[str]) -> bool:
        """Base candidates take unconditional and ``extra == ""`` requirements; extras candidates take those
        their extras turn on."""
        if req.marker is None:
            return not extras
        env = dict(self._env)
        if not extras:
            return req.marker.evaluate(env)
        for extra in extras:
            env["extra"] = extra
            if req.marker.evaluate(env):
                env["extra"] = ""
                return not req.marker.evaluate(env)
        return False

    def _candidate(
        self, name: str, extras: frozenset[str], version: Version, files: tuple[FileChoice, ...]
    ) -> Candidate:
        key = (identifier_of(name, extras), version)
        candidate = self._candidates.get(key)
        if candidate is None or candidate.files != files:
            candidate = self._candidates[key] = Candidate(name, version, extras, files)
        return candidate

    def _direct_matches(
        self,
        *,
        name: str,
        extras: frozenset[str],
        urls: set[str],
        reqs: list[Req],
        constraint: Constraint | None,
        bad: list[Candidate],
    ) -> list[Candidate]:
        if len(urls) > 1:
            return []
        url = next(iter(urls))
        candidate = self._direct_candidate(name, extras, url)
        if any(strip_fragment(c.direct_url or "") == url for c in bad):
            return []
        if not all(r.specifier.contains(candidate.version, prereleases=True) for r in reqs):
            return []
        if constraint is not None and not constraint.specifier.contains(candidate.version, prereleases=True):
            return []
        self._counts[candidate.identifier] = 1
        return [candidate]

    def _direct_candidate(self, name: str, extras: frozenset[str], url: str) -> Candidate:
        key = (identifier_of(name, extras), url)
        if key in self._direct:
            return self._direct[key]
        link = self.root_links.get(url) or Link(filename=_filename(url), url=url, index_url="")
        version: Version | None = None
        filename = link.filename
        if filename.endswith(".whl"):
            parts = filename[:-4].split("-")
            if len(parts) in (5, 6):
                version = parse_version(parts[1])
        else:
            for ext in (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar"):
                if filename.endswith(ext):
                    text = sdist_version(filename[: -len(ext)], name)
                    version = parse_version(text) if text else None
                    break
        if version is None:
            meta = self._fetch_metadata(link, name)
            version = parse_version(meta.version)
            if version is None:
                raise PipcompatError(f"{url} has an invalid version {meta.version!r} in its metadata")
        choice = FileChoice(link, version, filename.endswith(".whl"), 0)
        candidate = self._direct[key] = Candidate(name, version, extras, (choice,), direct_url=url)
        return candidate

    def _fetch_metadata(self, link: Link, name: str) -> CoreMetadata:
        meta = self.metadata_store.by_url.get(link.url)
        if meta is None:
            raw = self.source.metadata(link)
            meta = parse_metadata(raw, where=link.filename)
            self.metadata_store.by_url[link.url] = meta
        if canonicalize_name(meta.name) != name:
            raise PipcompatError(
                f"{link.filename} was expected to be {name}, but its metadata names {meta.name!r}",
                hint=f"check the requirement that points at {link.url}",
            )
        return meta

    def metadata_for(self, candidate: Candidate) -> CoreMetadata:
        link = candidate.link
        assert link is not None
        meta = self._fetch_metadata(link, candidate.name)
        self.display_names.setdefault(candidate.name, meta.name)
        if candidate.direct_url is None and parse_version(meta.version) != candidate.version:
            raise PipcompatError(
                f"{link.filename} has inconsistent metadata: version {meta.version!r}, "
                f"expected {candidate.version}",
            )
        return meta


def _filename(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    path = urlsplit(url).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1])


def roots_to_reqs(roots: Iterable[RootRequirement]) -> list[Req]:
    return [Req.from_requirement(r.requirement, r.comes_from) for r in roots]
