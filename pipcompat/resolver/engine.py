"""Run a resolution: roots in, ``Resolution`` out, errors explained. Imports resolvelib."""

from __future__ import annotations

from collections.abc import Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib import ResolutionImpossible, ResolutionTooDeep

from pipcompat.errors import PipcompatError
from pipcompat.models import Link
from pipcompat.resolver.crawl import Crawler, wants_crawl
from pipcompat.resolver.explain import Explainer
from pipcompat.resolver.finder import LinkEvaluator, ProjectCache
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
from pipcompat.resolver.target import marker_environment


def _applies(root: RootRequirement, env: dict[str, str]) -> bool:
    marker = root.requirement.marker
    return marker is None or marker.evaluate(env)


def resolve(roots: Sequence[RootRequirement], source: PackageSource, options: ResolveOptions) -> Resolution:
    from packaging.utils import canonicalize_name

    env = dict(marker_environment(options.target))
    active = [r for r in roots if _applies(r, env)]
    ignored = tuple(r for r in roots if not _applies(r, env))
    requirements = [r for r in active if not r.is_constraint]
    base_constraints: dict[str, Constraint] = {}
    for root in active:
        if root.is_constraint:
            name: str = canonicalize_name(root.requirement.name)
            entry = base_constraints.setdefault(name, Constraint())
            entry.specifier &= root.requirement.specifier
            if root.requirement.url:
                entry.urls.append(root.requirement.url)
            entry.sources.append(root)
            entry.texts.append(str(root.requirement).split(";", 1)[0].strip())
    root_links: dict[str, Link] = {}
    for root in active:
        if root.link is not None and root.requirement.url:
            root_links[strip_fragment(root.requirement.url)] = root.link
    direct_names = frozenset(canonicalize_name(r.requirement.name) for r in requirements)
    reqs = [Req.from_requirement(r.requirement, r.comes_from) for r in requirements]

    pins: dict[str, Version] = {}
    if options.preferences_as_constraints and not options.upgrade_all:
        for name, version in options.preferences.items():
            if name in options.upgrade:
                continue
            primary = [r for r in reqs if r.name == name]
            if any(r.url for r in primary):
                continue
            if all(r.specifier.contains(version, prereleases=True) for r in primary):
                pins[name] = version
    discarded: list[str] = []

    evaluator = LinkEvaluator(options.target, options)
    projects = ProjectCache(source, evaluator)
    store = MetadataStore()
    conflicts = ConflictCounter()
    recalled: list[str] | None = None
    if options.prefetch and reqs:
        source.prefetch(dict.fromkeys(r.name for r in reqs))
        recalled = _recall_projects(source, evaluator, options, reqs)
    crawler = _crawler(projects, store, source, options, reqs)
    try:
        while True:
            constraints = {
                name: Constraint(c.specifier, list(c.urls), list(c.sources), list(c.texts))
                for name, c in base_constraints.items()
            }
            for name, version in pins.items():
                entry = constraints.setdefault(name, Constraint())
                entry.specifier &= SpecifierSet(f"=={version}")
            provider = Provider(
                projects=projects,
                metadata=store,
                options=options,
                constraints=constraints,
                direct_names=direct_names,
                root_links=root_links,
                conflicts=conflicts,
            )
            resolver = Resolver(provider, conflicts)
            try:
                result = resolver.resolve(reqs, max_rounds=options.max_rounds)
            except ResolutionImpossible as error:
                causes = [(c.requirement, c.parent) for c in error.causes]
                names = {req.name for req, _ in causes}
                if pins and names and names <= set(pins):
                    for name in sorted(names):
                        discarded.append(f"{name}=={pins.pop(name)}")
                    continue
                known = (
                    [r.name for r in reqs]
                    + list(options.preferences)
                    + [n for n in projects if projects.get(n).exists]
                )
                raise Explainer(provider, known).error(causes) from None
            except ResolutionTooDeep:
                raise PipcompatError(
                    "the resolver gave up after too many steps without finding a set of compatible versions",
                    hint="add tighter requirements or constraints for the packages that keep changing",
                ) from None
            break
    finally:
        if crawler is not None:
            crawler.stop()
    if options.prefetch and reqs:
        _remember_projects(
            source, evaluator=evaluator, options=options, reqs=reqs, projects=projects, recalled=recalled
        )
    return _build(
        mapping=result.mapping,
        graph=result.graph,
        provider=provider,
        active=active,
        ignored=ignored,
        discarded=discarded,
    )


def _projects_key(evaluator: LinkEvaluator, options: ResolveOptions, reqs: list[Req]) -> str:
    roots = sorted({r.identifier for r in reqs})
    return "\n".join(["projects-1", evaluator.fingerprint(), *options.index_urls, "", *roots])


def _recall_projects(
    source: PackageSource, evaluator: LinkEvaluator, options: ResolveOptions, reqs: list[Req]
) -> list[str] | None:
    """Start fetching the pages of every project the last resolution of the same roots needed.

    A warm run then gets all its pages in one wave at network speed, instead of learning level by level
    of the graph which pages come next. Only a hint: it never changes a result.
    """
    recall = getattr(source, "recall", None)
    if recall is None:
        return None
    data = recall(_projects_key(evaluator, options, reqs))
    if not isinstance(data, bytes):
        return None
    names = data.decode("utf-8", "replace").split("\n")
    source.prefetch(names)
    return names


def _remember_projects(
    source: PackageSource,
    *,
    evaluator: LinkEvaluator,
    options: ResolveOptions,
    reqs: list[Req],
    projects: ProjectCache,
    recalled: list[str] | None,
) -> None:
    remember = getattr(source, "remember", None)
    if remember is None:
        return
    names = sorted(projects)
    if names and names != recalled:
        remember(_projects_key(evaluator, options, reqs), "\n".join(names).encode())


def _crawler(
    projects: ProjectCache,
    store: MetadataStore,
    source: PackageSource,
    options: ResolveOptions,
    reqs: list[Req],
) -> Crawler | None:
    """Start walking the likely graph ahead of the resolver (index clients only; see ``crawl.py``)."""
    if not options.prefetch or not reqs or not wants_crawl(source):
        return None
    crawler = Crawler(projects, store.by_url, source, options)
    crawler.start((r.name, r.extras, r.specifier) for r in reqs if not r.url)
    return crawler


def _build(
    *,
    mapping: dict[str, Candidate],
    graph: object,
    provider: Provider,
    active: list[RootRequirement],
    ignored: tuple[RootRequirement, ...],
    discarded: list[str],
) -> Resolution:
    from packaging.utils import canonicalize_name
    from resolvelib.structs import DirectedGraph

    assert isinstance(graph, DirectedGraph)
    by_name: dict[str, list[Candidate]] = {}
    for identifier, candidate in mapping.items():
        if identifier == PYTHON:
            continue
        by_name.setdefault(candidate.name, []).append(candidate)
    roots_by_name: dict[str, list[RootRequirement]] = {}
    for root in active:
        roots_by_name.setdefault(canonicalize_name(root.requirement.name), []).append(root)
    packages: list[ResolvedPackage] = []
    for name in sorted(by_name):
        group = by_name[name]
        base = next((c for c in group if not c.extras), group[0])
        extras: set[str] = set()
        parents: set[str] = set()
        dependencies: list[str] = []
        seen_deps: dict[str, object] = {}
        for candidate in group:
            extras |= candidate.extras
            for parent in graph.iter_parents(candidate.identifier):
                if parent is None or parent == PYTHON:
                    continue
                parent_name = mapping[parent].name
                if parent_name != name:
                    parents.add(parent_name)
            for dep in provider.dependencies.get(candidate.identifier, {}).get(candidate.version, []):
                key = str(dep)
                if key not in seen_deps:
                    seen_deps[key] = dep
                    dependencies.append(key)
        sources: list[str] = []
        pin_operator = "=="
        requested = False
        for root in roots_by_name.get(name, ()):
            if not root.is_constraint:
                requested = True
                for spec in root.requirement.specifier:
                    if spec.operator == "===" and spec.version == str(base.version):
                        pin_operator = "==="
            if root.comes_from and root.comes_from not in sources:
                sources.append(root.comes_from)
        link = base.link
        assert link is not None
        packages.append(
            ResolvedPackage(
                name=name,
                display_name=provider.display_names.get(name, name),
                version=base.version,
                link=link,
                links=tuple(f.link for f in base.files),
                extras=frozenset(extras),
                dependencies=tuple(seen_deps[k] for k in dependencies),  # type: ignore[misc]
                parents=frozenset(parents),
                sources=tuple(sources),
                requested=requested,
                is_direct=base.direct_url is not None,
                pin_operator=pin_operator,
            )
        )
    return Resolution(tuple(packages), ignored, tuple(discarded))
