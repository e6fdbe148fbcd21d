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
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from pipcompat.commands.cache import command_cache
from pipcompat.commands.pip_install import (
    Destination,
    Request,
    ResolvePolicy,
    Root,
    _count,
    _elapsed,
    _root_from_parsed,
    attach_sources,
    install_entries_key,
    install_planned,
    make_client,
    plan_install,
    prepare,
    remember_entries,
    resolve_request,
    src_dir,
    start_precheck,
)
from pipcompat.errors import SUCCESS, UsageError
from pipcompat.requirements import FileOptions, parse_requirements_files

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.commands.pip_compile import IndexOptions
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

#: pip options ``--pip-args`` may carry (they change where packages come from); others are refused.
_PIP_ARGS_WITH_VALUE = {
    "-i": "index_url",
    "--index-url": "index_url",
    "--extra-index-url": "extra_index_urls",
    "-f": "find_links",
    "--find-links": "find_links",
    "--trusted-host": "trusted_hosts",
    "--only-binary": "only_binary",
    "--no-binary": "no_binary",
}
_PIP_ARGS_FLAGS = {"--no-index": "no_index", "--pre": "pre", "--prefer-binary": "prefer_binary"}
_PIP_ARGS_IGNORED = {"-q", "--quiet", "-v", "--verbose", "--no-cache-dir", "--disable-pip-version-check"}


def _strings(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def pip_configuration(environ: Mapping[str, str], cwd: Path) -> IndexOptions:
    """pip's configuration as the ``pip install`` that pip-sync runs reads it (``pip.conf`` ``[global]`` and
    ``[install]``, ``PIP_*`` variables): the index and session options, as ``pip compile`` reads them."""
    from pipcompat.commands.pip_compile import IndexOptions, apply_pip_config
    from pipcompat.config import load_config_values

    options = IndexOptions()
    apply_pip_config(options, load_config_values("sync", isolated=False, environ=environ, cwd=cwd))
    return options


def file_options(settings: CommandSettings, configured: IndexOptions) -> FileOptions:
    """pip's configuration (*configured*, from :func:`pip_configuration`), then pip-sync's index options,
    then ``--pip-args``' ones, as the options requirement files start from. pip-sync hands its options to
    pip as command-line options: an index URL replaces the configured one, the others add to theirs."""
    index_url = settings.get("index_url") or configured.index_url
    extra = [*configured.extra_index_urls, *_strings(settings.get("extra_index_url"))]
    find_links = [*configured.find_links, *_strings(settings.get("find_links"))]
    trusted = [*configured.trusted_hosts, *_strings(settings.get("trusted_host"))]
    no_index = bool(settings.get("no_index")) or configured.no_index
    pre = configured.pre
    prefer_binary = configured.prefer_binary
    only_binary = set(configured.only_binary)
    no_binary = set(configured.no_binary)
    words = shlex.split(str(settings.get("pip_args_str") or ""))
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        name, sep, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in _PIP_ARGS_FLAGS:
            key = _PIP_ARGS_FLAGS[name]
            no_index = no_index or key == "no_index"
            pre = pre or key == "pre"
            prefer_binary = prefer_binary or key == "prefer_binary"
            continue
        if name in _PIP_ARGS_IGNORED:
            continue
        if name in _PIP_ARGS_WITH_VALUE:
            if sep:
                value = inline
            elif position < len(words):
                value = words[position]
                position += 1
            else:
                raise UsageError(f"--pip-args: {name} needs a value")
            key = _PIP_ARGS_WITH_VALUE[name]
            if key == "index_url":
                index_url = value
            elif key == "extra_index_urls":
                extra.append(value)
            elif key == "find_links":
                find_links.append(value)
            elif key == "trusted_hosts":
                trusted.append(value)
            elif key == "only_binary":
                only_binary.update(value.split(","))
            else:
                no_binary.update(value.split(","))
            continue
        raise UsageError(
            f"--pip-args: {word!r} is not supported by 'pipcompat pip sync'",
            hint="--pip-args may carry index and package-selection options",
        )
    return FileOptions(
        index_url=index_url,
        extra_index_urls=tuple(extra),
        no_index=no_index,
        find_links=tuple(find_links),
        trusted_hosts=tuple(trusted),
        pre=pre,
        prefer_binary=prefer_binary,
        only_binary=frozenset(only_binary),
        no_binary=frozenset(no_binary),
    )


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


#: Session options of pip's configuration that reach the ``pip install`` pip-sync runs, by the name pip
#: install's settings give them (pip-sync's own ``--cert`` and ``--client-cert`` win over the configured).
_CONFIGURED_SESSION = (
    "cert",
    "client_cert",
    "timeout",
    "retries",
    "proxy",
    "no_proxy_env",
    "keyring_provider",
)


def _sync_settings_for_install(settings: CommandSettings, configured: IndexOptions) -> CommandSettings:
    """The settings pip install's helpers read (``python``, ``cert``...), from pip-sync's option names and
    the session options of pip's configuration (*configured*)."""
    from pipcompat.settings import CommandSettings

    values = dict(settings.values)
    values["python"] = settings.get("python_executable") or None
    values["use_user_site"] = bool(settings.get("user_only")) or None
    origins = dict(settings.origins)
    for name in _CONFIGURED_SESSION:
        value = getattr(configured, name)
        if value not in (None, False) and values.get(name) in (None, False):
            values[name] = value
            origins[name] = configured.origins.get(name.replace("_", "-"), "configuration")
    return CommandSettings(
        command="pip install", args=(), values=values, origins=origins, given=dict(settings.given)
    )


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.commands.pip_install import find_destination

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
    configured = pip_configuration(ctx.environ, ctx.cwd)
    result = parse_requirements_files(paths, environ=ctx.environ, options=file_options(settings, configured))
    for warning in result.warnings:
        printer.warning(str(warning))
    roots = [_root_from_parsed(item, ctx.cwd) for item in result.requirements]
    install_settings = _sync_settings_for_install(settings, configured)
    dry_run = bool(settings.get("dry_run")) or bool(settings.get("ask"))
    with command_cache(install_settings, ctx) as cache:
        destination = find_destination(install_settings, ctx, cache, installing=not dry_run)
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
            require_hashes=any(r.hashes for r in to_install) and not result.options.no_require_hashes,
        )
        start = time.perf_counter()
        planned = None
        source: Any = None
        if to_install:
            from pipcompat.commands.source_builds import make_building_source

            client = make_client(install_settings, ctx, request.options, cache)
            source, fetcher = make_building_source(
                install_settings,
                ctx,
                cache,
                client,
                python=str(target.executable),
                file_options=request.options,
            )
            entries_key = install_entries_key(request, destination)
            precheck = None if dry_run else start_precheck(client, cache, entries_key)
            with client, contextlib.closing(fetcher), precheck or contextlib.nullcontext():
                attach_sources(request, source, src=src_dir(install_settings, destination, ctx))
                resolution = resolve_request(
                    request,
                    source,
                    destination,
                    ResolvePolicy(),
                    index_url=request.options.index_url or "https://pypi.org/simple",
                    cutoff=None,
                )
                planned = plan_install(resolution, request, destination, ResolvePolicy())
                printer.info(f"Resolved {_count(planned.count)} in {_elapsed(start)}")
                start = time.perf_counter()
                from pipcompat.ui.progress import Progress, progress_mode

                mode = progress_mode("auto", printer.err, printer.verbosity)
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
            compile=False,
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
