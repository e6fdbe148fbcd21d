"""Whether an environment already satisfies a request, without a resolver or an index.

pip says "Requirement already satisfied" and asks no index when every requirement is met by what is
installed; uv audits the environment the same way. :func:`satisfied_closure` walks the requirements, the
constraints that apply to them and, recursively, the installed distributions' own dependencies (with the
extras asked for, markers evaluated for the target) and returns the names of the distributions that make
up the request — or ``None`` as soon as anything is missing, does not match or cannot be read, in which
case the caller resolves as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from pipcompat.env.installed import InstalledDistribution


def satisfied_closure(
    requirements: Iterable[Requirement],
    constraints: Iterable[Requirement],
    installed: Mapping[str, InstalledDistribution],
    markers: Mapping[str, str],
) -> set[str] | None:
    """The canonical names of the installed distributions that satisfy *requirements*, or ``None``.

    *installed* maps canonical names to distributions; *markers* is the target's marker environment.
    Requirements whose markers do not apply are skipped (as the resolver ignores them); a direct
    reference (``name @ url``) is never taken as satisfied here.
    """
    environment = dict(markers)

    def applies(requirement: Requirement, extra: str) -> bool:
        marker = requirement.marker
        if marker is None:
            return True
        environment["extra"] = extra
        return bool(marker.evaluate(environment))

    limits: dict[str, list[Requirement]] = {}
    for constraint in constraints:
        if constraint.url:
            return None
        if applies(constraint, ""):
            limits.setdefault(str(canonicalize_name(constraint.name)), []).append(constraint)
    done: set[tuple[str, str]] = set()
    names: set[str] = set()
    stack: list[tuple[Requirement, str]] = [(r, "") for r in requirements]
    while stack:
        requirement, extra = stack.pop()
        if requirement.url:
            return None
        if not applies(requirement, extra):
            continue
        key = str(canonicalize_name(requirement.name))
        dist = installed.get(key)
        if dist is None:
            return None
        try:
            version = dist.version
        except InvalidVersion:
            return None
        for spec in (requirement, *limits.get(key, ())):
            if not spec.specifier.contains(version, prereleases=True):
                return None
        names.add(key)
        extras = {str(canonicalize_name(e)) for e in requirement.extras}
        todo = [e for e in ("", *sorted(extras)) if (key, e) not in done]
        if not todo:
            continue
        if extras:
            provided = {str(canonicalize_name(str(e))) for e in dist.metadata.get_all("Provides-Extra") or []}
            if not extras <= provided:
                return None
        try:
            dependencies = [Requirement(text) for text in dist.requires]
        except InvalidRequirement:
            return None
        for item in todo:
            done.add((key, item))
            for dependency in dependencies:
                if item and (dependency.marker is None or applies(dependency, "")):
                    continue  # not specific to the extra: already walked with ""
                if applies(dependency, item):
                    stack.append((dependency, item))
    return names
