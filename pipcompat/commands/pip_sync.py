"""``pipcompat pip sync``: make an environment hold exactly what requirement files say (pip-sync 7.6.2).

The files' requirements (markers evaluated for the target) are merged by name — two different specifiers for
one name are an error unless ``--force`` — and compared with what is installed, as pip-sync compares them:
an installed distribution whose name is not wanted is removed (except pip-sync's keep-list and what it
depends on, :func:`pipcompat.install.plan.sync_keep_list`); a wanted requirement the installed version does
not satisfy is installed, with its dependencies, like ``pip install -r`` of those lines. Removals and
installs happen in one transaction. Direct references are compared as pip-sync compares them: one with a
name and a hash in its URL matches a distribution installed from that archive with that hash; any other
(editables, local directories and archives, URLs without a hash) never matches, so its installed
distribution is uninstalled and it is installed again on every sync. ``--dry-run`` (and ``--ask``) print
pip-sync's ``Would uninstall:`` / ``Would install:`` lists and exit 1 when something would change;
``Everything up-to-date`` otherwise.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from pipcompat.commands.cache import command_cache
from pipcompat.commands.pip_install import (
    Destination,
    Request,
    Root,
    _count,
    _elapsed,
    _root_from_parsed,
    attach_sources,
    base_file_options,
    install_entries_key,
    install_planned,
    make_client,
    plan_install,
    prepare,
    remember_entries,
    resolve_policy,
    resolve_request,
    src_dir,
    start_precheck,
    uploaded_prior_to,
    wants_compile,
)
from pipcompat.errors import SUCCESS, UsageError
from pipcompat.requirements import parse_requirements_files

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.env.installed import InstalledDistribution
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = frozenset(
    {
        "ask",
        "dry_run",
        "force",
        "find_links",
        "index_url",
        "extra_index_url",
        "trusted_host",
        "no_index",
        "python_executable",
        "user_only",
        "cert",
        "client_cert",
        "src_files",
        "pip_args_str",
        "config",
        "no_config",
    }
)

DEFAULT_REQUIREMENTS_FILE = "requirements.txt"


def install_settings(settings: CommandSettings) -> CommandSettings:
    """The settings of the ``pip install`` pip-sync runs: :func:`install_flags` as pip install's parser
    read them over pip's configuration (the command line puts them in ``pip_install``), aimed at
    ``--python-executable``. Requirements in ``--pip-args`` are refused: they would install more."""
    from pipcompat.settings import CommandSettings

    parsed = settings.get("pip_install")
    assert isinstance(parsed, CommandSettings), "the command line reads the pip install's options"
    extra = [str(a) for a in parsed.args]
    for name in (
        "requirements",
        "constraints",
        "editables",
        "dependency_groups",
        "requirements_from_scripts",
    ):
        extra += [str(v) for v in parsed.get(name) or ()]
    if extra:
        raise UsageError(
            f"--pip-args: {' '.join(extra)!r} would install more than the requirement files",
            hint="--pip-args carries pip install's options; name requirements in the files",
        )
    if not settings.get("python_executable"):
        return parsed
    values = {**parsed.values, "python": settings.get("python_executable")}
    origins = {**parsed.origins, "python": settings.origins.get("python_executable", "command line")}
    return CommandSettings(command="pip install", args=(), values=values, origins=origins, given=parsed.given)


def _markers_match(root: Root, markers: Mapping[str, str]) -> bool:
    marker = root.requirement.marker
    return marker is None or marker.evaluate({**markers, "extra": ""})


def _link_url(root: Root) -> str:
    """pip's ``ireq.link.url`` for a direct reference as pip-tools reads it: an editable keeps the text of
    its line (pip-tools undoes pip's path-to-URL change), anything else its (file) URL."""
    if root.editable:
        return root.text
    return root.url or root.text


def _fragment_parts(url: str) -> tuple[str | None, str | None]:
    """The first hash (``alg=value``, pip's ``Link.hash_name``/``hash``) and the ``subdirectory`` of *url*."""
    from pipcompat.commands.pip_install import _HASH_NAMES

    found_hash = subdirectory = None
    for part in url.partition("#")[2].split("&"):
        name, _, value = part.partition("=")
        if name in _HASH_NAMES and value and found_hash is None:
            found_hash = f"{name}={value}"
        elif name == "subdirectory" and value:
            subdirectory = value
    return found_hash, subdirectory


def sync_key(root: Root) -> str:
    """pip-tools' ``key_from_ireq``: the canonical name, or the link's URL for a requirement without one."""
    if root.unnamed:
        return _link_url(root)
    return str(canonicalize_name(root.requirement.name))


def _display(root: Root) -> str:
    """pip-sync's ``format_requirement``: ``-e <url>`` for editables, a direct reference (name
    canonicalized, the subdirectory and first hash kept) or the bare URL for other URLs and paths, else the
    requirement with its name canonicalized."""
    from packaging.requirements import Requirement

    if root.editable:
        return f"-e {_link_url(root)}"
    if root.is_direct:
        url = _link_url(root)
        if root.unnamed:
            return url
        extras = f"[{','.join(sorted(root.requirement.extras))}]" if root.requirement.extras else ""
        found_hash, subdirectory = _fragment_parts(url)
        fragments = [f"subdirectory={subdirectory}"] if subdirectory else []
        fragments += [found_hash] if found_hash else []
        line = f"{canonicalize_name(root.requirement.name)}{extras} @ {url.split('#', 1)[0]}"
        return line + (f"#{'&'.join(fragments)}" if fragments else "")
    copy = Requirement(str(root.requirement))
    copy.name = canonicalize_name(copy.name)
    return str(copy)


def _described(root: Root) -> str:
    return f"{root.text} (from {root.comes_from})" if root.comes_from else root.text


def merge(roots: Sequence[Root], markers: Mapping[str, str], *, force: bool) -> dict[str, Root]:
    """pip-sync's ``merge``: one requirement per key (:func:`sync_key`, the last one), different specifiers
    of named requirements refused."""
    by_key: dict[str, Root] = {}
    for root in roots:
        if not _markers_match(root, markers):
            continue
        key = sync_key(root)
        existing = by_key.get(key)
        if (
            existing is not None
            and not force
            and not (root.unnamed or existing.unnamed)
            and existing.requirement.specifier != root.requirement.specifier
        ):
            raise UsageError(
                f"Incompatible requirements found: {_described(root)} and {_described(existing)}"
            )
        by_key[key] = root
    return by_key


def _diff_key(root: Root) -> str:
    """pip-sync's ``diff_key_from_ireq``: a URL requirement matches an installed distribution only when it
    has a name and a hash (then as a PEP 440 direct reference); otherwise its URL, which never matches, so
    it is always (re)installed — editables and local directories included."""
    if not root.is_direct:
        return str(canonicalize_name(root.requirement.name))
    url = _link_url(root)
    found_hash, subdirectory = _fragment_parts(url)
    if root.unnamed or found_hash is None:
        return url
    fragments = [found_hash] + ([f"subdirectory={subdirectory}"] if subdirectory else [])
    return f"{root.requirement.name} @ {url.split('#', 1)[0]}#{'&'.join(fragments)}"


def _installed_key(dist: InstalledDistribution) -> str:
    """pip-sync's ``diff_key_from_req``: the canonical name, or a direct reference for a distribution
    installed from an archive whose hash ``direct_url.json`` records."""
    key = dist.canonical_name
    info = dist.direct_url or {}
    archive = info.get("archive_info")
    if not isinstance(archive, dict) or not (archive.get("hashes") or archive.get("hash")):
        return key
    hashes = archive.get("hashes")
    if isinstance(hashes, dict) and hashes:
        algorithm, value = next(iter(hashes.items()))
        fragments = [f"{algorithm}={value}"]
    else:
        fragments = []
    if info.get("subdirectory"):
        fragments.append(f"subdirectory={info['subdirectory']}")
    return f"{key} @ {info.get('url')}" + (f"#{'&'.join(fragments)}" if fragments else "")


def diff(
    wanted: Mapping[str, Root], installed: Sequence[InstalledDistribution], python_version: Sequence[int]
) -> tuple[list[Root], list[tuple[str, InstalledDistribution]]]:
    """pip-sync's ``diff``: requirements to install, and the distributions to remove with the key pip-sync
    shows them by (``Would uninstall:``)."""
    from pipcompat.install.plan import installed_from, sync_keep_list

    keep = sync_keep_list(installed_from(installed), python_version=python_version)
    lookup = {_diff_key(root): root for root in wanted.values()}
    satisfied: set[str] = set()
    remove: list[tuple[str, InstalledDistribution]] = []
    for dist in installed:
        key = _installed_key(dist)
        root = lookup.get(key)
        if root is None:
            if dist.canonical_name not in keep:
                remove.append((key, dist))
            continue
        try:
            if root.requirement.specifier.contains(dist.version, prereleases=True):
                satisfied.add(key)
        except InvalidVersion:
            continue
    to_install = [root for key, root in lookup.items() if key not in satisfied]
    return sorted(to_install, key=sync_key), sorted(remove, key=lambda item: item[0])


def _confirm(ctx: Context) -> bool:
    import sys

    ctx.printer.err.flush()
    ctx.printer.out.write("Would you like to proceed with these changes? [y/N]: ")
    ctx.printer.out.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.commands.pip_install import find_destination
    from pipcompat.settings import IndexSettings, InstallSettings

    printer = ctx.printer
    src_files = [str(s) for s in settings.args] or [str(s) for s in settings.get("src_files") or ()]
    if not src_files:
        if not (ctx.cwd / DEFAULT_REQUIREMENTS_FILE).exists():
            raise UsageError(
                f"No requirement files given and no {DEFAULT_REQUIREMENTS_FILE} found in the current "
                "directory"
            )
        src_files = [DEFAULT_REQUIREMENTS_FILE]
    if any(name.endswith(".in") for name in src_files):
        message = (
            "Some input files have the .in extension, which is most likely an error and can cause weird "
            "behaviour. You probably meant to use the corresponding *.txt file?"
        )
        if not settings.get("force"):
            raise UsageError(message)
        printer.tool_warning("WARNING: " + message)
    paths = [name if os.path.isabs(name) else str(ctx.cwd / name) for name in src_files]
    install = install_settings(settings)
    result = parse_requirements_files(
        paths, environ=ctx.environ, options=base_file_options(install, ctx.environ)
    )
    for warning in result.warnings:
        printer.warning(str(warning))
    roots = [_root_from_parsed(item, ctx.cwd) for item in result.requirements]
    dry_run = bool(settings.get("dry_run")) or bool(settings.get("ask"))
    with command_cache(install, ctx) as cache:
        destination = find_destination(install, ctx, cache, installing=not dry_run)
        target = destination.target
        wanted = merge(roots, target.markers, force=bool(settings.get("force")))
        installed = destination.installed
        if settings.get("user_only"):
            installed = [d for d in installed if d.in_usersite]
        else:
            installed = [d for d in installed if d.local]
        to_install, to_remove_keys = diff(wanted, installed, target.version)
        to_remove = [dist for _, dist in to_remove_keys]
        if not to_install and not to_remove:
            printer.data("Everything up-to-date")
            return SUCCESS
        if dry_run:
            if to_remove_keys:
                printer.data("Would uninstall:")
                for key, _ in to_remove_keys:
                    printer.data(f"  {key}")
            if to_install:
                printer.data("Would install:")
                for root in to_install:
                    printer.data(f"  {_display(root)}")
            if not (settings.get("ask") and _confirm(ctx)):
                return 1
        removing = {d.canonical_name for d in to_remove}
        remaining = [d for d in destination.installed if d.canonical_name not in removing]
        destination = Destination(
            target, destination.scheme, remaining, destination.uninstall_prefix, destination.kind
        )
        request = Request(
            roots=list(to_install),
            options=result.options,
            require_hashes=result.options.require_hashes
            or (not result.options.no_require_hashes and any(r.hashes for r in to_install)),
        )
        start = time.perf_counter()
        planned = None
        source: Any = None
        if to_install:
            from pipcompat.commands.source_builds import make_building_source

            client = make_client(install, ctx, request.options, cache)
            # pip install's -C reaches the command line's requirements only, and pip-sync hands its
            # requirements over in a file: a requirement line's own --config-settings are all that apply.
            source, fetcher = make_building_source(
                install,
                ctx,
                cache,
                client,
                python=str(target.executable),
                config_per_requirement=True,
                file_options=request.options,
            )
            entries_key = install_entries_key(request, destination)
            precheck = None if dry_run else start_precheck(client, cache, entries_key)
            policy = resolve_policy(install, InstallSettings.from_settings(install, ctx.environ))
            with client, contextlib.closing(fetcher), precheck or contextlib.nullcontext():
                attach_sources(request, source, src=src_dir(install, destination, ctx))
                resolution = resolve_request(
                    request,
                    source,
                    destination,
                    policy,
                    index_url=request.options.index_url or "https://pypi.org/simple",
                    cutoff=uploaded_prior_to(
                        IndexSettings.from_settings(install, ctx.environ).uploaded_prior_to
                    ),
                )
                planned = plan_install(resolution, request, destination, policy)
                printer.info(f"Resolved {_count(planned.count)} in {_elapsed(start)}")
                start = time.perf_counter()
                from pipcompat.ui.progress import Progress, progress_mode

                mode = progress_mode(install.get("progress_bar"), printer.err, printer.verbosity)
                if precheck is not None:
                    precheck.collect()
                with Progress(printer.err, 0, "Preparing", mode) as progress:
                    prepared = prepare(planned, request, source, cache, progress)
                remember_entries(client, entries_key, prepared, precheck)
                downloaded = sum(1 for p in prepared.values() if p.downloaded)
                if downloaded:
                    printer.info(f"Prepared {_count(downloaded)} in {_elapsed(start)}")
        from pipcompat.install.plan import Plan, installed_from

        removed_plan = tuple(sorted(installed_from(to_remove), key=lambda d: d.key))
        if planned is None:
            from pipcompat.commands.pip_install import Planned

            planned = Planned(Plan(remove=removed_plan), {}, {}, 0)
            prepared = {}
        else:
            planned = replace(planned, plan=replace(planned.plan, remove=removed_plan))
        start = time.perf_counter()
        install_planned(
            planned,
            prepared,
            Destination(target, destination.scheme, [*remaining, *to_remove], destination.uninstall_prefix),
            cache,
            compile=wants_compile(install),
            extra_removals=to_remove,
            source=source,
        )
        plan = planned.plan
        if plan.reinstall or plan.remove:
            printer.info(f"Uninstalled {_count(len(plan.reinstall) + len(plan.remove))} in {_elapsed(start)}")
        if plan.installs:
            printer.info(f"Installed {_count(len(plan.installs))} in {_elapsed(start)}")
        for line in plan.summary_lines():
            printer.info(line)
    return SUCCESS
