"""``pipcompat pip list``: installed distributions as columns, ``freeze`` lines or JSON, as pip prints them.

``--outdated`` and ``--uptodate`` need the index client; until it is there they are refused (exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pipcompat.commands.pip_freeze import check_path_option, name_version, select
from pipcompat.env.installed import STDLIB_PACKAGES, InstalledDistribution, requirement_names
from pipcompat.errors import SUCCESS
from pipcompat.install.target import installed_distributions, locate_target

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = frozenset(
    {
        "editable",
        "local",
        "user",
        "path",
        "list_format",
        "not_required",
        "include_editable",
        "excludes",
        "python",
    }
)


def tabulate(rows: Sequence[Sequence[str]]) -> tuple[list[str], list[int]]:
    """Left-justified columns separated by one space, trailing blanks removed (pip's ``tabulate``)."""
    sizes = [max(map(len, column)) for column in zip_longest(*rows, fillvalue="")]
    table = [
        " ".join(cell.ljust(size) for cell, size in zip(row, sizes, strict=False)).rstrip() for row in rows
    ]
    return table, sizes


def columns(dists: Sequence[InstalledDistribution], *, verbose: int) -> list[str]:
    """The ``--format columns`` lines (nothing at all for an empty list)."""
    if not dists:
        return []
    header = ["Package", "Version"]
    build_tags = [dist.build_tag() for dist in dists]
    has_build_tags = any(build_tags)
    if has_build_tags:
        header.append("Build")
    has_editables = any(dist.editable for dist in dists)
    if has_editables:
        header.append("Editable project location")
    if verbose >= 1:
        header += ["Location", "Installer"]
    rows = [header]
    for dist, build_tag in zip(dists, build_tags, strict=True):
        row = [dist.raw_name, dist.raw_version]
        if has_build_tags:
            row.append(build_tag or "")
        if has_editables:
            row.append(dist.editable_project_location or "")
        if verbose >= 1:
            row += [str(dist.location), dist.installer]
        rows.append(row)
    lines, sizes = tabulate(rows)
    lines.insert(1, " ".join("-" * size for size in sizes))
    return lines


def as_json(dists: Sequence[InstalledDistribution], *, verbose: int) -> str:
    data = []
    for dist in dists:
        info: dict[str, str] = {"name": dist.raw_name, "version": dist.version_text}
        if verbose >= 1:
            info["location"] = str(dist.location)
            info["installer"] = dist.installer
        if dist.editable_project_location:
            info["editable_project_location"] = dist.editable_project_location
        data.append(info)
    return json.dumps(data)


def run(settings: CommandSettings, ctx: Context) -> int:
    check_path_option(settings)
    target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    dists = select(
        installed_distributions(target, settings.get("path") or None),
        local_only=bool(settings.get("local")),
        user_only=bool(settings.get("user")),
        editables_only=bool(settings.get("editable")),
        include_editables=bool(settings.get("include_editable", True)),
        skip=STDLIB_PACKAGES,
    )
    if settings.get("not_required"):
        required = set().union(*(requirement_names(d, target.markers) for d in dists))
        dists = [d for d in dists if d.canonical_name not in required]
    excludes = {canonicalize_name(n) for n in settings.get("excludes") or ()}
    if excludes:
        dists = [d for d in dists if d.canonical_name not in excludes]
    dists = sorted(dists, key=lambda d: d.canonical_name)
    verbose = int(settings.get("verbose") or 0)
    if ctx.printer.verbosity < 0:  # pip writes these lines at its info level, which -q silences
        return SUCCESS
    list_format = settings.get("list_format") or "columns"
    if list_format == "columns":
        for line in columns(dists, verbose=verbose):
            ctx.printer.data(line)
    elif list_format == "freeze":
        for dist in dists:
            line = name_version(dist)
            ctx.printer.data(f"{line} ({dist.location})" if verbose >= 1 else line)
    else:
        ctx.printer.data(as_json(dists, verbose=verbose))
    return SUCCESS
