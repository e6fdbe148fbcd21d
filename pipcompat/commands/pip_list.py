"""``pipcompat pip list``: installed distributions as columns, ``freeze`` lines or JSON, as pip prints them.

``--outdated`` and ``--uptodate`` ask the indexes for each listed project's best candidate on the target
(:class:`pipcompat.commands.pip_index.LatestFinder`: pip's tags, ``Requires-Python``, format and release
control, yanked files left out); ``--outdated`` adds pip's ``Latest``/``Type`` columns (``latest_version``
and ``latest_filetype`` in JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pipcompat.commands.pip_freeze import check_path_option, name_version, select
from pipcompat.env.installed import STDLIB_PACKAGES, InstalledDistribution, requirement_names
from pipcompat.errors import ERROR, SUCCESS, PipcompatError
from pipcompat.install.target import installed_distributions, locate_target

#: Index and selection options (the same set as ``pip index``; pip accepts them without ``--outdated`` too).
_INDEX_OPTIONS = frozenset(
    {
        "index_url", "extra_index_urls", "no_index", "find_links", "pre", "format_control",
        "release_control", "prefer_binary", "uploaded_prior_to", "trusted_hosts", "cert", "client_cert",
        "timeout", "retries", "proxy", "keyring_provider", "cache_dir", "disable_pip_version_check",
    }
)  # fmt: skip

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.commands.pip_index import Latest
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = _INDEX_OPTIONS | frozenset(
    {
        "require_venv",
        "outdated",
        "uptodate",
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


def columns(
    dists: Sequence[InstalledDistribution], *, verbose: int, latest: Mapping[str, Latest] | None = None
) -> list[str]:
    """The ``--format columns`` lines (nothing at all for an empty list); *latest* adds ``Latest Type``."""
    if not dists:
        return []
    header = ["Package", "Version"]
    if latest is not None:
        header += ["Latest", "Type"]
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
        if latest is not None:
            found = latest[dist.canonical_name]
            row += [str(found.version), found.filetype]
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


def as_json(
    dists: Sequence[InstalledDistribution], *, verbose: int, latest: Mapping[str, Latest] | None = None
) -> str:
    data = []
    for dist in dists:
        info: dict[str, str] = {"name": dist.raw_name, "version": dist.version_text}
        if verbose >= 1:
            info["location"] = str(dist.location)
            info["installer"] = dist.installer
        if latest is not None:
            found = latest[dist.canonical_name]
            info["latest_version"] = str(found.version)
            info["latest_filetype"] = found.filetype
        if dist.editable_project_location:
            info["editable_project_location"] = dist.editable_project_location
        data.append(info)
    return json.dumps(data)


def latest_versions(
    settings: CommandSettings, ctx: Context, executable: str, dists: Sequence[InstalledDistribution]
) -> dict[str, Latest]:
    """The best candidate the indexes offer for each of *dists* (projects without one are left out)."""
    from pipcompat.commands.cache import command_cache
    from pipcompat.commands.pip_index import LatestFinder
    from pipcompat.env.probe import probe_interpreter
    from pipcompat.index import IndexClient

    found: dict[str, Latest] = {}
    with command_cache(settings, ctx) as cache:
        target = probe_interpreter(executable, cache).target_environment()
        client = IndexClient.from_settings(settings, cache=cache, environ=ctx.environ)
        try:
            finder = LatestFinder(settings, target, client, environ=ctx.environ)
            finder.prefetch(dist.canonical_name for dist in dists)
            for dist in dists:
                best = finder.latest(dist.canonical_name)
                if best is not None:
                    found[dist.canonical_name] = best
        finally:
            client.close()
    return found


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.commands.pip_index import check_release_control

    check_release_control(settings, ctx.environ)
    outdated, uptodate = bool(settings.get("outdated")), bool(settings.get("uptodate"))
    list_format = settings.get("list_format") or "columns"
    if outdated and uptodate:
        raise PipcompatError("Options --outdated and --uptodate cannot be combined.", exit_code=ERROR)
    if outdated and list_format == "freeze":
        raise PipcompatError(
            "List format 'freeze' cannot be used with the --outdated option.", exit_code=ERROR
        )
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
    latest: dict[str, Latest] | None = None
    if outdated or uptodate:
        latest = latest_versions(settings, ctx, str(target.executable), dists)
        dists = [
            d
            for d in dists
            if d.canonical_name in latest
            and (
                latest[d.canonical_name].version > d.version
                if outdated
                else latest[d.canonical_name].version == d.version
            )
        ]
        if uptodate:
            latest = None  # pip adds the Latest/Type columns for --outdated only
    dists = sorted(dists, key=lambda d: d.canonical_name)
    verbose = int(settings.get("verbose") or 0)
    # pip writes these lines at its info level, which -q silences
    if list_format == "columns":
        for line in columns(dists, verbose=verbose, latest=latest):
            ctx.printer.info_out(line)
    elif list_format == "freeze":
        for dist in dists:
            line = name_version(dist)
            ctx.printer.info_out(f"{line} ({dist.location})" if verbose >= 1 else line)
    else:
        ctx.printer.info_out(as_json(dists, verbose=verbose, latest=latest))
    return SUCCESS
