"""The fork driver of universal resolution (see :mod:`pipcompat.resolver.universal`). Imports resolvelib.

Each fork is a set of environments (a mask of the universe). A fork is resolved by the ordinary provider
for a target made from the fork (its lowest Python, every wheel tag of its environments), except that a
dependency is taken when its marker can be true somewhere in the fork. Every requirement remembers where
it applies; a dependency list that names one project with different markers (uv's fork markers) splits the
fork along one of them as soon as it is read, and each part is resolved again; a conflict never splits.
After a fork resolves, each pinned project gets the environments that reach it from the roots (the
markers of the edges along the way, combined), and the forks are merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from resolvelib import ResolutionImpossible, ResolutionTooDeep

from pipcompat.errors import PipcompatError
from pipcompat.models import Link
from pipcompat.resolver.engine import _build
from pipcompat.resolver.explain import Explainer
from pipcompat.resolver.finder import LinkEvaluator, ProjectCache, parse_version
from pipcompat.resolver.metadata import CoreMetadata
from pipcompat.resolver.model import (
    PackageSource,
    Resolution,
    ResolvedPackage,
    ResolveOptions,
    RootRequirement,
)
from pipcompat.resolver.provider import (
    PYTHON,
    Candidate,
    ConflictCounter,
    Constraint,
    MetadataStore,
    Provider,
    Req,
    strip_fragment,
)
from pipcompat.resolver.rounds import Resolver
from pipcompat.resolver.universal import ScopedPreference, UniversalResolution, Universe


class _Split(Exception):
    """Raised from inside the resolver when a fork must be split along *mask* (uv's fork markers)."""

    def __init__(self, mask: int) -> None:
        super().__init__(mask)
        self.mask = mask


def sibling_split(universe: Universe, fork: int, masks: Sequence[tuple[str, int]]) -> int | None:
    """Where to split *fork* given one dependency list (``(name, environments)`` of each entry), as uv
    forks: when a project is named more than once with markers that differ within the fork, along the
    first of them that holds in part of the fork; when a project named once applies only from a higher
    Python than the fork's lowest, along it (so that part resolves for its own Python range). ``None``
    when the list needs no split."""
    by_name: dict[str, list[int]] = {}
    for name, where in masks:
        if where & fork:
            by_name.setdefault(name, []).append(where & fork)
    lowest = universe.lowest_python(fork)
    for found in by_name.values():
        if len(set(found)) > 1:
            for mask in found:
                if mask != fork:
                    return mask
        mask = found[0]
        if mask != fork and all(m == mask for m in found) and universe.lowest_python(mask) != lowest:
            return mask
    return None


class ForkProvider(Provider):
    """The provider for one fork: dependencies are kept when their marker can hold in the fork, and every
    requirement it hands out remembers the environments where it applies."""

    def __init__(self, *, universe: Universe, fork: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.universe = universe
        self.fork = fork
        self.req_masks: dict[int, int] = {}
        self.req_parent: dict[int, str] = {}
        self.inherited: dict[str, int] = {}
        """An over-approximation of where each identifier is needed (every path tried so far)."""

    def _wanted(self, req: Requirement, extras: frozenset[str]) -> bool:
        return bool(self.universe.requirement_mask(req, extras) & self.fork)

    def _dependencies(self, candidate: Candidate) -> list[Req]:
        deps = super()._dependencies(candidate)
        for dep in deps:
            if dep.original is not None:
                mask = self.universe.requirement_mask(dep.original, candidate.extras) & self.fork
            else:
                mask = self.fork
            self.req_masks[id(dep)] = mask
            self.req_parent[id(dep)] = candidate.identifier
        split = sibling_split(
            self.universe,
            self.fork,
            [(dep.name, self.req_masks[id(dep)]) for dep in deps if dep.name != PYTHON],
        )
        if split is not None:
            raise _Split(split)
        return deps

    def get_dependencies(self, candidate: Candidate) -> list[Req]:
        deps = super().get_dependencies(candidate)
        reach = self.inherited.get(candidate.identifier, self.fork)
        for dep in deps:
            if dep.name == PYTHON:
                continue
            extra = self.req_masks.get(id(dep), self.fork) & reach
            self.inherited[dep.identifier] = self.inherited.get(dep.identifier, 0) | extra
        return deps

    def metadata_for(self, candidate: Candidate) -> CoreMetadata:
        """As uv does, a version this fork can install only from its sdist reads its metadata from one of its
        wheels for other environments when it has one (a version's files share their dependencies), so a
        fork for a Python no wheel supports yet (3.15) does not need an sdist build."""
        link = candidate.link
        if candidate.direct_url is None and link is not None and not link.filename.endswith(".whl"):
            for other in self.source.links(candidate.name):
                name = other.filename
                wheel = name.endswith(".whl") and name.count("-") >= 4
                if wheel and parse_version(name.split("-")[1]) == candidate.version:
                    return super().metadata_for(
                        replace(candidate, files=(candidate.files[0]._replace(link=other),))
                    )
        return super().metadata_for(candidate)

    def effective_mask(self, req: Req, parent: Candidate | None) -> int:
        """Where *req* (asked for by *parent*) applies, as far as this fork knows."""
        mask = self.req_masks.get(id(req), self.fork)
        if parent is not None:
            mask &= self.inherited.get(parent.identifier, self.fork)
        return mask & self.fork


@dataclass
class _Merged:
    package: ResolvedPackage
    mask: int = 0
    extras: set[str] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    dependencies: dict[str, Requirement] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)
    requested: bool = False


@dataclass
class _Shared:
    """What every fork of one universal resolution shares: evaluated projects, metadata, conflict counts."""

    projects: dict[tuple[str, tuple[str, ...]], ProjectCache] = field(default_factory=dict)
    metadata: MetadataStore = field(default_factory=MetadataStore)
    conflicts: ConflictCounter = field(default_factory=ConflictCounter)


def _partition(full: int, masks: Sequence[int]) -> list[int]:
    parts = [full]
    for mask in masks:
        split: list[int] = []
        for part in parts:
            for piece in (part & mask, part & ~mask):
                if piece:
                    split.append(piece)
        parts = split
    return parts


def resolve_forks(
    roots: Sequence[RootRequirement],
    source: PackageSource,
    options: ResolveOptions,
    universe: Universe,
    *,
    max_forks: int = 64,
    scoped_preferences: Sequence[ScopedPreference] = (),
) -> UniversalResolution:
    universe = universe.covering(root.requirement.marker for root in roots)
    scoped: dict[str, list[tuple[Version, int]]] = {}
    for preference in scoped_preferences:
        scoped.setdefault(preference.name, []).append((preference.version, universe.mask(preference.marker)))
    root_masks = [universe.mask(root.requirement.marker) for root in roots]
    ignored = tuple(root for root, mask in zip(roots, root_masks, strict=True) if not mask)
    # Constraints with markers cannot be half-applied: resolve each side of them on its own from the start.
    constraint_masks = {
        mask
        for root, mask in zip(roots, root_masks, strict=True)
        if root.is_constraint and mask and mask != universe.full
    }
    pending = _partition(universe.full, sorted(constraint_masks))
    shared = _Shared()
    done: list[tuple[int, Resolution, dict[str, int], dict[str, list[str]]]] = []
    chosen: dict[str, Version] = {}
    if options.prefetch:
        source.prefetch(
            dict.fromkeys(canonicalize_name(r.requirement.name) for r in roots if not r.is_constraint)
        )
    while pending:
        fork = pending.pop(0)
        # Forks split eagerly, so count the parts of the universe, not the attempts.
        if len(done) + len(pending) + 1 > max_forks:
            raise PipcompatError(
                f"the universal resolution needed more than {max_forks} forks",
                hint="add requirements with markers that keep the versions apart, or resolve for one "
                "environment with --python-version / --python-platform",
            )
        outcome = _resolve_fork(
            roots,
            root_masks,
            source,
            options,
            universe,
            fork,
            shared,
            _fork_preferences(options, chosen, scoped, fork),
        )
        if isinstance(outcome, tuple):
            done.append((fork, *outcome))
            for package in outcome[0].packages:
                chosen.setdefault(package.name, package.version)
            continue
        # A split: resolve the parts in order (later ones prefer the versions earlier ones chose), the part
        # with the higher lowest Python first, as uv does: newer Pythons get the newest versions they can
        # use, and older ones take those too when their Requires-Python allows.
        outcome.sort(key=lambda part: Version(universe.lowest_python(part)), reverse=True)
        pending[:0] = outcome
    return _merge(universe, done, ignored)


def _fork_preferences(
    options: ResolveOptions,
    chosen: dict[str, Version],
    scoped: dict[str, list[tuple[Version, int]]],
    fork: int,
) -> dict[str, Version]:
    """The versions *fork* tries first: the earlier forks' choices, overridden by the previous pins; a pin
    with a marker (*scoped*) counts only where its marker meets the fork (the one covering most of it wins;
    the earlier line on a tie), as uv keeps a forked lock's versions in their own forks."""
    preferences = dict(chosen)
    preferences.update(options.preferences)
    for name, entries in scoped.items():
        if name not in options.preferences:
            continue  # --upgrade / --upgrade-package
        overlaps = [
            (_popcount(mask & fork), -index, version) for index, (version, mask) in enumerate(entries)
        ]
        best = max(overlaps)
        if best[0]:
            preferences[name] = best[2]
        elif name in chosen:
            preferences[name] = chosen[name]
        else:
            del preferences[name]
    return preferences


def _popcount(value: int) -> int:
    return bin(value).count("1")


def _resolve_fork(  # noqa: PLR0917 - one call site, every argument named there
    roots: Sequence[RootRequirement],
    root_masks: Sequence[int],
    source: PackageSource,
    options: ResolveOptions,
    universe: Universe,
    fork: int,
    shared: _Shared,
    preferences: dict[str, Version],
) -> tuple[Resolution, dict[str, int], dict[str, list[str]]] | list[int]:
    """One fork: ``(resolution, environments by name, marker hints by name)``, or the forks to resolve
    instead."""
    target = universe.target(fork)
    fork_options = replace(options, target=target, preferences=preferences, preferences_as_constraints=False)
    active = [(root, mask & fork) for root, mask in zip(roots, root_masks, strict=True) if mask & fork]
    requirements = [(root, mask) for root, mask in active if not root.is_constraint]
    constraints: dict[str, Constraint] = {}
    for root, _ in active:
        if root.is_constraint:
            entry = constraints.setdefault(canonicalize_name(root.requirement.name), Constraint())
            entry.specifier &= root.requirement.specifier
            if root.requirement.url:
                entry.urls.append(root.requirement.url)
            entry.sources.append(root)
            entry.texts.append(str(root.requirement).split(";", 1)[0].strip())
    root_links: dict[str, Link] = {}
    for root, _ in active:
        if root.link is not None and root.requirement.url:
            root_links[strip_fragment(root.requirement.url)] = root.link
    key = (target.python_version, target.tags)
    projects = shared.projects.get(key)
    if projects is None:
        projects = shared.projects[key] = ProjectCache(source, LinkEvaluator(target, fork_options))
    provider = ForkProvider(
        universe=universe,
        fork=fork,
        projects=projects,
        metadata=shared.metadata,
        options=fork_options,
        constraints=constraints,
        direct_names=frozenset(canonicalize_name(r.requirement.name) for r, _ in requirements),
        root_links=root_links,
        conflicts=shared.conflicts,
    )
    split = sibling_split(
        universe, fork, [(canonicalize_name(root.requirement.name), mask) for root, mask in requirements]
    )
    if split is not None:
        return [fork & split, fork & ~split]
    reqs: list[Req] = []
    for root, mask in requirements:
        req = Req.from_requirement(root.requirement, root.comes_from)
        provider.req_masks[id(req)] = mask
        provider.inherited[req.identifier] = provider.inherited.get(req.identifier, 0) | mask
        reqs.append(req)
    resolver = Resolver(provider, shared.conflicts)
    try:
        result = resolver.resolve(reqs, max_rounds=options.max_rounds)
    except _Split as signal:
        # A dependency list that forks (uv's fork markers): resolve each side again from the start.
        return [fork & signal.mask, fork & ~signal.mask]
    except ResolutionImpossible as error:
        # As in uv, a conflict is not a reason to fork: requirements that apply in different environments
        # but are not siblings (``a; sys_platform == "linux"`` -> ``c<2``, ``b; sys_platform == "darwin"``
        # -> ``c>=2``) must agree.
        causes = [(c.requirement, c.parent) for c in error.causes]
        known = (
            [r.name for r in reqs]
            + list(options.preferences)
            + [n for n in projects if projects.get(n).exists]
        )
        explained = Explainer(provider, known).error(causes)
        # Name the environments the conflict concerns: where every requirement involved applies (as far as
        # this fork knows), else the whole fork (requirements that never meet, as in the example above).
        concerned = fork
        for req, parent in causes:
            concerned &= provider.effective_mask(req, parent)
        where = universe.render(concerned or fork)
        if where is not None:
            explained = PipcompatError(
                f"{explained.message} (in the environments where {where})", hint=explained.hint
            )
        raise explained from None
    except ResolutionTooDeep:
        raise PipcompatError(
            "the resolver gave up after too many steps without finding a set of compatible versions",
            hint="add tighter requirements or constraints for the packages that keep changing",
        ) from None
    boundary = _python_boundary(provider, result, universe, fork)
    if boundary is not None:
        # Newer Pythons get the newer versions: resolve them first, older ones then prefer what they can.
        return [fork & boundary, fork & ~boundary]
    resolution = _build(
        mapping=result.mapping,
        graph=result.graph,
        provider=provider,
        active=[root for root, _ in active],
        ignored=(),
        discarded=[],
    )
    masks, hints = _reach(provider, result.mapping, reqs, fork)
    return resolution, masks, hints


def _python_boundary(provider: ForkProvider, result: Any, universe: Universe, fork: int) -> int | None:
    """uv's Requires-Python forks: when a newer version of a pinned project was left out only because its
    ``Requires-Python`` excludes the fork's lowest Python but admits a higher Python of the fork, the
    environments from that Python up (the lowest such boundary over every project), else ``None``."""
    from pipcompat.models import allows_prereleases
    from pipcompat.resolver.finder import SDIST_EXTENSIONS, parse_version, sdist_version

    lowest = Version(provider.target.python_version)
    pythons: list[tuple[Version, int]] = []
    for index, environment in enumerate(universe.environments):
        if fork >> index & 1:
            version = Version(environment.full_version)
            if version > lowest:
                pythons.append((version, 1 << index))
    if not pythons:
        return None
    pythons.sort(key=lambda item: item[0])
    boundary: Version | None = None
    options = provider.options
    for identifier, candidate in result.mapping.items():
        if identifier == PYTHON or candidate.extras or candidate.direct_url is not None:
            continue
        project = provider.projects.known(candidate.name)
        rejected = project.rejected.get("requires-python") if project is not None else None
        if not rejected:
            continue
        assert project is not None
        newer = {v for v in rejected if v > candidate.version and v not in project.versions}
        if not newer:
            continue
        specifier = SpecifierSet()
        for information in result.criteria[identifier].information:
            specifier &= information.requirement.specifier
        constraint = provider.constraints.get(candidate.name)
        if constraint is not None:
            specifier &= constraint.specifier
        pre = allows_prereleases(
            candidate.name, all_releases=options.all_releases, only_final=options.only_final
        )
        newer = {v for v in newer if specifier.contains(v, prereleases=True) and (pre or not v.is_prerelease)}
        if not newer:
            continue
        for link in provider.source.links(candidate.name):
            if not link.requires_python:
                continue
            name = link.filename
            link_version: Version | None
            if name.endswith(".whl"):
                link_version = parse_version(name.split("-")[1]) if name.count("-") >= 4 else None
            else:
                stem = next((name[: -len(e)] for e in SDIST_EXTENSIONS if name.lower().endswith(e)), None)
                text = sdist_version(stem, candidate.name) if stem else None
                link_version = parse_version(text) if text else None
            if link_version not in newer:
                continue
            try:
                requires = SpecifierSet(link.requires_python)
            except ValueError:
                continue
            for python, _ in pythons:
                if requires.contains(python, prereleases=True):
                    if boundary is None or python < boundary:
                        boundary = python
                    break
    if boundary is None:
        return None
    mask = 0
    for python, bit in pythons:
        if python >= boundary:
            mask |= bit
    return mask


def _marker_text(req: Requirement | None) -> str | None:
    if req is None or req.marker is None:
        return None
    text = str(req.marker)
    return None if "extra" in text else text


def _reach(
    provider: ForkProvider, mapping: dict[str, Candidate], roots: list[Req], fork: int
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Where each pinned project is needed: the roots' environments carried along the edges' markers."""
    reach: dict[str, int] = {}
    hints: dict[str, list[str]] = {}
    for req in roots:
        reach[req.identifier] = reach.get(req.identifier, 0) | provider.req_masks[id(req)]
        text = _marker_text(req.original)
        if text:
            hints.setdefault(req.name, []).append(text)
    work = list(reach)
    while work:
        identifier = work.pop()
        candidate = mapping.get(identifier)
        if candidate is None or identifier == PYTHON:
            continue
        for dep in provider.get_dependencies(candidate):
            if dep.name == PYTHON:
                continue
            mask = reach[identifier] & provider.req_masks.get(id(dep), fork)
            text = _marker_text(dep.original)
            if mask:
                known = hints.setdefault(dep.name, [])
                # A dependency needed wherever its parent is may be described by the parent's markers.
                for hint in ([text] if text else []) + hints.get(candidate.name, [])[:8]:
                    if hint not in known:
                        known.append(hint)
            if mask & ~reach.get(dep.identifier, 0):
                reach[dep.identifier] = reach.get(dep.identifier, 0) | mask
                work.append(dep.identifier)
    by_name: dict[str, int] = {}
    for identifier, mask in reach.items():
        candidate = mapping.get(identifier)
        if candidate is not None and identifier != PYTHON:
            by_name[candidate.name] = by_name.get(candidate.name, 0) | mask
    return by_name, hints


def _merge(
    universe: Universe,
    done: list[tuple[int, Resolution, dict[str, int], dict[str, list[str]]]],
    ignored: tuple[RootRequirement, ...],
) -> UniversalResolution:
    merged: dict[tuple[str, Version, str | None], _Merged] = {}
    for fork, resolution, masks, hints in done:
        for package in resolution.packages:
            mask = masks.get(package.name, fork) & fork
            if not mask:
                continue
            key = (package.name, package.version, package.link.url if package.is_direct else None)
            entry = merged.get(key)
            if entry is None:
                entry = merged[key] = _Merged(package)
            entry.mask |= mask
            entry.extras |= package.extras
            entry.parents |= package.parents
            entry.requested = entry.requested or package.requested
            for item in package.sources:
                if item not in entry.sources:
                    entry.sources.append(item)
            for dep in package.dependencies:
                entry.dependencies.setdefault(str(dep), dep)
            for text in hints.get(package.name, ()):
                if text not in entry.hints:
                    entry.hints.append(text)
    packages: list[ResolvedPackage] = []
    package_masks: list[int] = []
    for key in sorted(merged, key=lambda k: (k[0], k[1], k[2] or "")):
        entry = merged[key]
        rendered = universe.render(entry.mask, entry.hints)
        packages.append(
            replace(
                entry.package,
                extras=frozenset(entry.extras),
                parents=frozenset(entry.parents),
                sources=tuple(entry.sources),
                dependencies=tuple(entry.dependencies.values()),
                requested=entry.requested,
                markers=Marker(rendered) if rendered is not None else None,
            )
        )
        package_masks.append(entry.mask)
    forks = tuple(universe.render(fork) for fork, *_ in done)
    return UniversalResolution(
        packages=tuple(packages),
        ignored=ignored,
        forks=forks,
        masks=tuple(package_masks),
        universe=universe,
    )
