"""``pipcompat pip tree``: the installed packages as dependency trees (uv's ``pip tree``).

Nodes are the installed distributions the target sees, by canonical name; an edge is a ``Requires-Dist``
that applies to the target (markers evaluated against its environment, with the extras the parent was
required with) and names an installed distribution. The roots are the packages nothing else requires
(with ``--invert``, those that require nothing); packages only reachable through a cycle become roots too,
so every package shows up. ``--prune`` removes packages from the graph before roots are chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipcompat.errors import SUCCESS

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.env.installed import InstalledDistribution
    from pipcompat.settings import CommandSettings

#: ``--require-virtualenv`` is ignored, as by pip's ``list`` (uv's ``pip tree`` has no such option).
IMPLEMENTED_OPTIONS = frozenset(
    {
        "python",
        "depth",
        "prune",
        "packages",
        "no_dedupe",
        "invert",
        "show_version_specifiers",
        "strict",
        "require_venv",
    }
)
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True

Edges = dict[str, list[tuple[str, Requirement]]]


def dependency_edges(
    dists: Iterable[InstalledDistribution], markers: Mapping[str, str]
) -> tuple[dict[str, InstalledDistribution], Edges]:
    """The installed distributions by canonical name, and each one's edges to installed dependencies.

    A dependency required with extras (``b[x]``) brings in the requirements of ``b`` for those extras too.
    """
    by_name: dict[str, InstalledDistribution] = {}
    for dist in dists:
        by_name.setdefault(dist.canonical_name, dist)
    parsed: dict[str, list[Requirement]] = {}
    for name, dist in by_name.items():
        requirements = []
        for text in dist.requires:
            try:
                requirements.append(Requirement(text))
            except InvalidRequirement:
                continue
        parsed[name] = requirements
    extras_wanted: dict[str, set[str]] = {name: set() for name in by_name}
    edges: Edges = {name: [] for name in by_name}
    # Extras propagate along edges: repeat until no new extra is asked for (graphs are small).
    changed = True
    while changed:
        changed = False
        for name in by_name:
            seen: dict[str, Requirement] = {}
            for requirement in parsed[name]:
                if not _applies(requirement, markers, extras_wanted[name]):
                    continue
                dep = str(canonicalize_name(requirement.name))
                if dep not in by_name or dep == name:
                    continue
                seen.setdefault(dep, requirement)
                new = {str(canonicalize_name(e)) for e in requirement.extras} - extras_wanted[dep]
                if new:
                    extras_wanted[dep] |= new
                    changed = True
            edges[name] = sorted(seen.items())
    return by_name, edges


def _applies(requirement: Requirement, markers: Mapping[str, str], extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**markers, "extra": extra}) for extra in ("", *sorted(extras)))


def _roots(nodes: list[str], edges: Mapping[str, list[str]]) -> list[str]:
    """Nodes nobody points at; then, for what only cycles reach, the first node of each cycle that nothing
    outside the cycle points at (so a package required by a cycle is not mistaken for a top package)."""
    pointed = {kid for name in nodes for kid in edges.get(name, ())}
    roots = [name for name in nodes if name not in pointed]

    def reach(starts: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        return seen

    reached = reach(roots)
    while len(reached) < len(nodes):
        rest = [name for name in nodes if name not in reached]
        reaches = {name: reach([name]) for name in rest}
        source = next(
            name
            for name in rest
            if all(name not in reaches[other] or other in reaches[name] for other in rest)
        )
        roots.append(source)
        reached |= reaches[source]
    return sorted(roots)


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.commands.pip_check import check_lines
    from pipcompat.install.target import installed_distributions, locate_target, supported_tags
    from pipcompat.ui.tree import render_tree

    target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    dists = installed_distributions(target)
    markers = dict(target.markers)
    by_name, edges = dependency_edges(dists, markers)

    pruned = {str(canonicalize_name(str(n))) for n in settings.get("prune") or ()}
    nodes = sorted(name for name in by_name if name not in pruned)
    forward: dict[str, list[tuple[str, str]]] = {}
    backward: dict[str, list[tuple[str, str]]] = {name: [] for name in nodes}
    show_specifiers = bool(settings.get("show_version_specifiers"))
    for name in nodes:
        forward[name] = []
        for dep, requirement in edges[name]:
            if dep in pruned:
                continue
            specifier = str(requirement.specifier) or "*"
            forward[name].append((dep, f"[required: {specifier}]" if show_specifiers else ""))
            backward[dep].append(
                (name, f"[requires: {dep}{specifier if specifier != '*' else ''}]" if show_specifiers else "")
            )
    graph = backward if settings.get("invert") else forward
    for kids in graph.values():
        kids.sort()

    wanted = [str(canonicalize_name(str(n))) for n in settings.get("packages") or ()]
    if wanted:
        for name in wanted:
            if name not in by_name:
                ctx.printer.warning(f"package {name} is not installed")
        roots = [name for name in dict.fromkeys(wanted) if name in graph]
    else:
        roots = _roots(nodes, {name: [kid for kid, _ in kids] for name, kids in graph.items()})

    labels = {name: f"{name} v{by_name[name].version_text}" for name in nodes}
    depth = int(settings.get("depth", 255))
    for line in render_tree(roots, graph, labels, depth=max(depth, 0), dedupe=not settings.get("no_dedupe")):
        ctx.printer.data(line)

    if settings.get("strict"):
        problems, _broken = check_lines(dists, markers, set(supported_tags(target)), warn=ctx.printer.warning)
        for problem in problems:
            ctx.printer.warning(problem)
    return SUCCESS
