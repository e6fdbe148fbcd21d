"""``pipcompat pip sync``: make an environment hold exactly what requirement files say (pip-sync 7.6.2).

The files' requirements (markers evaluated for the target) are merged by name — two different specifiers for
one name are an error unless ``--force`` — and compared with what is installed, as pip-sync compares them:
an installed distribution whose name is not wanted is removed (except pip-sync's keep-list and what it
depends on, :func:`pipcompat.install.plan.sync_keep_list`); a wanted requirement the installed version does
not satisfy is installed, with its dependencies, like ``pip install -r`` of those lines. Removals and
installs happen in one transaction. ``--dry-run`` (and ``--ask``) print pip-sync's ``Would uninstall:`` /
``Would install:`` lists and exit 1 when something would change; ``Everything up-to-date`` otherwise.
"""

from __future__ import annotations

import os
import shlex
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
    ResolvePolicy,
    Root,
    _count,
    _elapsed,
    _root_from_parsed,
    install_planned,
    make_client,
    plan_install,
    prepare,
    resolve_request,
)
from pipcompat.errors import SUCCESS, UsageError
from pipcompat.requirements import FileOptions, parse_requirements_files

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


def file_options(settings: CommandSettings) -> FileOptions:
    """pip-sync's index options, then ``--pip-args``' ones, as the options requirement files start from."""
    index_url = settings.get("index_url") or None
    extra = _strings(settings.get("extra_index_url"))
    find_links = _strings(settings.get("find_links"))
    trusted = _strings(settings.get("trusted_host"))
    no_index = bool(settings.get("no_index"))
    pre = False
    prefer_binary = False
    only_binary: set[str] = set()
    no_binary: set[str] = set()
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


def _display(root: Root) -> str:
    """pip-sync's ``format_requirement``: the requirement with its name canonicalized."""
    from packaging.requirements import Requirement

    copy = Requirement(str(root.requirement))
    copy.name = canonicalize_name(copy.name)
    return str(copy)


def _described(root: Root) -> str:
    return f"{root.text} (from {root.comes_from})" if root.comes_from else root.text


def merge(roots: Sequence[Root], markers: Mapping[str, str], *, force: bool) -> dict[str, Root]:
    """pip-sync's ``merge``: one requirement per name (the last one), different specifiers refused."""
    by_key: dict[str, Root] = {}
    for root in roots:
        if not _markers_match(root, markers):
            continue
        existing = by_key.get(root.key)
        if (
            existing is not None
            and not force
            and existing.requirement.specifier != root.requirement.specifier
        ):
            raise UsageError(
                f"Incompatible requirements found: {_described(root)} and {_described(existing)}"
            )
        by_key[root.key] = root
    return by_key


def diff(
    wanted: Mapping[str, Root], installed: Sequence[InstalledDistribution], python_version: Sequence[int]
) -> tuple[list[Root], list[InstalledDistribution]]:
    """pip-sync's ``diff``: requirements to install, distributions to remove."""
    from pipcompat.install.plan import installed_from, sync_keep_list

    keep = sync_keep_list(installed_from(installed), python_version=python_version)
    satisfied: set[str] = set()
    remove: list[InstalledDistribution] = []
    for dist in installed:
        key = dist.canonical_name
        root = wanted.get(key)
        if root is None:
            if key not in keep:
                remove.append(dist)
            continue
        if root.is_direct:
            reference = (dist.direct_url or {}).get("url")
            if (
                root.requirement.url
                and reference == root.requirement.url.split("#", 1)[0]
                and "#" in (root.requirement.url or "")
            ):
                satisfied.add(key)
            continue
        try:
            if root.requirement.specifier.contains(dist.version, prereleases=True):
                satisfied.add(key)
        except InvalidVersion:
            continue
    to_install = [root for key, root in wanted.items() if key not in satisfied]
    return sorted(to_install, key=lambda r: r.key), sorted(remove, key=lambda d: d.canonical_name)


def _confirm(ctx: Context) -> bool:
    import sys

    ctx.printer.err.flush()
    ctx.printer.out.write("Would you like to proceed with these changes? [y/N]: ")
    ctx.printer.out.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def _sync_settings_for_install(settings: CommandSettings) -> CommandSettings:
    """The settings pip install's helpers read (``python``, ``cert``...), from pip-sync's option names."""
    from pipcompat.settings import CommandSettings

    values = dict(settings.values)
    values["python"] = settings.get("python_executable") or None
    values["use_user_site"] = bool(settings.get("user_only")) or None
    origins = dict(settings.origins)
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
        printer.warning(message)
    paths = [name if os.path.isabs(name) else str(ctx.cwd / name) for name in src_files]
    result = parse_requirements_files(paths, environ=ctx.environ, options=file_options(settings))
    for warning in result.warnings:
        printer.warning(str(warning))
    for item in result.requirements:
        if item.is_editable:
            raise UsageError(
                "editable installs are not available yet",
                hint="compile without -e lines, or use pip-sync for editable requirements for now",
            )
    roots = [_root_from_parsed(item, ctx.cwd) for item in result.requirements]
    install_settings = _sync_settings_for_install(settings)
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
        to_install, to_remove = diff(wanted, installed, target.version)
        if not to_install and not to_remove:
            printer.data("Everything up-to-date")
            return SUCCESS
        if dry_run:
            if to_remove:
                printer.data("Would uninstall:")
                for dist in to_remove:
                    printer.data(f"  {dist.canonical_name}")
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
        if to_install:
            client = make_client(install_settings, ctx, request.options, cache)
            with client:
                resolution = resolve_request(
                    request,
                    client,
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
                with Progress(printer.err, 0, "Preparing", mode) as progress:
                    prepared = prepare(planned, request, client, cache, progress)
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
        )
        plan = planned.plan
        if plan.reinstall or plan.remove:
            printer.info(f"Uninstalled {_count(len(plan.reinstall) + len(plan.remove))} in {_elapsed(start)}")
        if plan.installs:
            printer.info(f"Installed {_count(len(plan.installs))} in {_elapsed(start)}")
        for line in plan.summary_lines():
            printer.info(line)
    return SUCCESS
