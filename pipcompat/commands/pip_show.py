"""``pipcompat pip show``: installed distributions' metadata, field for field as pip prints it."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name

from pipcompat.env.installed import InstalledDistribution, requirement_names
from pipcompat.errors import ERROR, SUCCESS
from pipcompat.install.target import installed_distributions, locate_target

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset({"files", "python", "require_venv"})
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True

_LABEL_NOISE = str.maketrans("", "", string.punctuation + string.whitespace)


def _homepage(dist: InstalledDistribution, project_urls: list[str]) -> str:
    homepage = str(dist.metadata.get("Home-page", "") or "")
    if homepage:
        return homepage
    for entry in project_urls:
        label, _, url = entry.partition(",")
        if label.translate(_LABEL_NOISE).lower() == "homepage":
            return url.strip()
    return ""


def describe(
    dist: InstalledDistribution,
    everything: Mapping[str, InstalledDistribution],
    markers: Mapping[str, str],
    *,
    files: bool,
    verbose: bool,
) -> list[str]:
    """The lines ``pip show`` prints for one distribution."""
    metadata = dist.metadata
    try:
        requires = sorted({req.name for req in dist.dependencies(markers)}, key=str.lower)
    except InvalidRequirement:
        requires = sorted(dist.requires, key=str.lower)
    required_by = sorted(
        (
            str(other.metadata.get("Name") or "UNKNOWN")
            for other in everything.values()
            if dist.canonical_name in requirement_names(other, markers)
        ),
        key=str.lower,
    )
    project_urls = [str(v) for v in metadata.get_all("Project-URL") or []]
    metadata_version = dist.metadata_version
    try:
        version_tuple = tuple(int(part) for part in metadata_version.split(".")) if metadata_version else ()
    except ValueError:
        version_tuple = ()
    license_expression = str(metadata.get("License-Expression", "") or "")
    lines = [
        f"Name: {dist.raw_name}",
        f"Version: {dist.raw_version}",
        f"Summary: {metadata.get('Summary', '') or ''}",
        f"Home-page: {_homepage(dist, project_urls)}",
        f"Author: {metadata.get('Author', '') or ''}",
        f"Author-email: {metadata.get('Author-email', '') or ''}",
    ]
    if version_tuple >= (2, 4) and license_expression:
        lines.append(f"License-Expression: {license_expression}")
    else:
        lines.append(f"License: {metadata.get('License', '') or ''}")
    lines.append(f"Location: {dist.location}")
    if dist.editable_project_location is not None:
        lines.append(f"Editable project location: {dist.editable_project_location}")
    lines.append(f"Requires: {', '.join(requires)}")
    lines.append(f"Required-by: {', '.join(required_by)}")
    if verbose:
        lines.append(f"Metadata-Version: {metadata_version}")
        lines.append(f"Installer: {dist.installer}")
        lines.append("Classifiers:")
        lines += [f"  {c}" for c in metadata.get_all("Classifier") or []]
        lines.append("Entry-points:")
        lines += [f"  {line.strip()}" for line in (dist.read_text("entry_points.txt") or "").splitlines()]
        lines.append("Project-URLs:")
        lines += [f"  {url}" for url in project_urls]
    if files:
        lines.append("Files:")
        entries = dist.record_entries()
        if entries is None:
            lines.append("Cannot locate RECORD or installed-files.txt")
        else:
            lines += [f"  {entry.strip()}" for entry in sorted(entries)]
    return lines


def run(settings: CommandSettings, ctx: Context) -> int:
    warn = ctx.printer.pip_warning
    out: Callable[[str], None] = ctx.printer.info_out
    if not settings.args:
        warn("ERROR: Please provide a package name or names.")
        return ERROR
    target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    everything = {dist.canonical_name: dist for dist in installed_distributions(target)}
    query = [(name, canonicalize_name(name)) for name in settings.args]
    missing = sorted(name for name, key in query if key not in everything)
    if missing:
        warn(f"Package(s) not found: {', '.join(missing)}")
    printed = False
    for _name, key in query:
        dist = everything.get(key)
        if dist is None:
            continue
        if printed:
            out("---")
        printed = True
        for line in describe(
            dist,
            everything,
            target.markers,
            files=bool(settings.get("files")),
            verbose=int(settings.get("verbose") or 0) > 0,
        ):
            out(line)
    return SUCCESS if printed else ERROR
