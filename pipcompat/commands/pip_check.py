"""``pipcompat pip check``: installed distributions whose dependencies are missing, conflicting or whose
wheel tags the target does not support, with pip's messages and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.tags import parse_tag
from packaging.utils import canonicalize_name
from packaging.version import Version

from pipcompat.commands.pip_freeze import select
from pipcompat.env.installed import STDLIB_PACKAGES, InstalledDistribution
from pipcompat.errors import ERROR, SUCCESS
from pipcompat.install.target import installed_distributions, locate_target, supported_tags

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset({"python", "require_venv"})
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True


def check_lines(
    dists: list[InstalledDistribution],
    markers: dict[str, str],
    tags: set[str],
    *,
    warn: Callable[[str], None],
) -> tuple[list[str], bool]:
    """pip's report lines and whether anything is broken."""
    package_set: dict[str, tuple[Version, list[Requirement]]] = {}
    problems = False
    for dist in dists:
        try:
            package_set[dist.canonical_name] = (dist.version, dist.dependencies(markers))
        except (OSError, ValueError) as exc:
            warn(f"Error parsing dependencies of {dist.canonical_name}: {exc}")
            problems = True
    missing: dict[str, list[tuple[str, Requirement]]] = {}
    conflicting: dict[str, list[tuple[str, Version, Requirement]]] = {}
    for name, (_version, requirements) in package_set.items():
        missing_deps: set[tuple[str, Requirement]] = set()
        conflicting_deps: set[tuple[str, Version, Requirement]] = set()
        for requirement in requirements:
            dep = str(canonicalize_name(requirement.name))
            if dep not in package_set:
                if requirement.marker is None or requirement.marker.evaluate({**markers, "extra": ""}):
                    missing_deps.add((dep, requirement))
                continue
            dep_version = package_set[dep][0]
            if not requirement.specifier.contains(dep_version, prereleases=True):
                conflicting_deps.add((dep, dep_version, requirement))
        if missing_deps:
            missing[name] = sorted(missing_deps, key=str)
        if conflicting_deps:
            conflicting[name] = sorted(conflicting_deps, key=str)
    lines = []
    for name, deps in missing.items():
        for dep_name, _requirement in deps:
            lines.append(f"{name} {package_set[name][0]} requires {dep_name}, which is not installed.")
    for name, conflicts in conflicting.items():
        for dep_name, dep_version, requirement in conflicts:
            version = package_set[name][0]
            lines.append(
                f"{name} {version} has requirement {requirement}, but you have {dep_name} {dep_version}."
            )
    unsupported = 0
    for dist in select(dists, skip=STDLIB_PACKAGES):
        wheel_tags = dist.wheel_tags()
        if wheel_tags is None:
            continue
        expanded = {str(t) for text in wheel_tags for t in parse_tag(text)}
        if expanded.isdisjoint(tags):
            lines.append(f"{dist.raw_name} {dist.version} is not supported on this platform")
            unsupported += 1
    return lines, bool(missing or conflicting or problems or unsupported)


def run(settings: CommandSettings, ctx: Context) -> int:
    warn = ctx.printer.pip_warning

    target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    lines, broken = check_lines(
        installed_distributions(target), dict(target.markers), set(supported_tags(target)), warn=warn
    )
    if not broken:
        lines.append("No broken requirements found.")
    for line in lines:
        ctx.printer.info_out(line)
    return ERROR if broken else SUCCESS
