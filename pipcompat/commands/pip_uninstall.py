"""``pipcompat pip uninstall``: remove distributions from their RECORD, with pip's prompt and messages.

Each distribution is removed in its own transaction: its files are moved aside first and deleted only when
everything was moved, so an error (or Ctrl-C) midway puts every file back.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipcompat.env.installed import InstalledDistribution, normalize_path
from pipcompat.env.interpreters import require_virtualenv
from pipcompat.errors import SUCCESS, PipcompatError
from pipcompat.install.target import TargetPython, installed_distributions, locate_target
from pipcompat.install.transaction import Transaction
from pipcompat.install.uninstall import UninstallSet, compact, remove_in, uninstall_set

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = frozenset(
    {"requirements", "yes", "python", "root_user_action", "override_externally_managed", "require_venv"}
)
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True

PROMPT = "Proceed (Y/n)? "


def output_listing(paths: Iterable[str]) -> tuple[set[str], set[str]]:
    """pip's display form: a package directory as ``dir/*``, plus files there it would not remove."""
    will_remove = set(paths)
    folders: set[str] = set()
    files: set[str] = set()
    for path in will_remove:
        if path.endswith(".pyc"):
            continue
        if path.endswith("__init__.py") or ".dist-info" in path:
            folders.add(os.path.dirname(path))
        files.add(path)
    normalized = {os.path.normcase(f) for f in files}
    folders = compact(folders)
    will_skip: set[str] = set()
    for folder in folders:
        for directory, _subdirs, names in os.walk(folder):
            for name in names:
                if name.endswith(".pyc"):
                    continue
                path = os.path.join(directory, name)
                if os.path.isfile(path) and os.path.normcase(path) not in normalized:
                    will_skip.add(path)
    return files | {os.path.join(folder, "*") for folder in folders}, will_skip


def _names(settings: CommandSettings, ctx: Context, warn: Callable[[str], None]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for text in settings.args:
        try:
            name = Requirement(text).name
        except InvalidRequirement:
            warn(f"Invalid requirement: {text!r} ignored - the uninstall command expects named requirements.")
            continue
        wanted[canonicalize_name(name)] = name
    files = tuple(settings.get("requirements") or ())
    if files:
        from pipcompat.requirements import parse_requirements_files

        cwd = os.getcwd()
        try:
            os.chdir(ctx.cwd)
            parsed = parse_requirements_files(files, environ=ctx.environ)
        finally:
            os.chdir(cwd)
        for requirement in parsed.requirements:
            if requirement.name and not requirement.is_constraint:
                wanted[canonicalize_name(requirement.name)] = requirement.name
    return wanted


def _ask(ctx: Context, out: Callable[[str], None]) -> bool:
    if ctx.environ.get("PIP_NO_INPUT") or ctx.environ.get("PIPCOMPAT_NO_INPUT"):
        raise PipcompatError(f"No input was expected ($PIP_NO_INPUT set); question: {PROMPT}")
    while True:
        ctx.printer.out.write(PROMPT)
        ctx.printer.out.flush()
        line = sys.stdin.readline()
        if not line:
            raise PipcompatError("no answer to the confirmation prompt (stdin is closed)", hint="pass -y")
        answer = line.strip().lower()
        if answer in ("y", "n", ""):
            return answer != "n"
        out(f"Your response ({answer!r}) was not one of the expected responses: y, n, ")


def _uninstall_one(
    dist: InstalledDistribution,
    target: TargetPython,
    ctx: Context,
    *,
    yes: bool,
    verbose: bool,
    out: Callable[[str], None],
) -> None:
    out(f"Found existing installation: {dist}")
    prefix = str(target.prefix) if target.in_virtualenv else None
    if not dist.local:
        out(
            f"Not uninstalling {dist.canonical_name} at {normalize_path(str(dist.location))}, "
            f"outside environment {target.prefix}"
        )
        out(f"Can't uninstall '{dist.raw_name}'. No files were found to uninstall.")
        return
    scripts_dir = target.paths["scripts"]
    if dist.in_usersite and target.user_base:
        scripts_dir = os.path.join(target.user_base, "Scripts" if os.name == "nt" else "bin")
    removal: UninstallSet = uninstall_set(
        dist, scripts_dir=scripts_dir, prefix=prefix, cache_tag=target.cache_tag
    )
    if not removal.paths:
        out(f"Can't uninstall '{dist.raw_name}'. No files were found to uninstall.")
        return
    name_version = f"{dist.raw_name}-{dist.raw_version}"
    out(f"Uninstalling {name_version}:")
    if not yes:
        will_remove: set[str]
        will_skip: set[str]
        if verbose:
            will_remove, will_skip = set(removal.paths), set()
        else:
            will_remove, will_skip = output_listing(removal.paths)
        for title, paths in (
            ("Would remove:", will_remove),
            ("Would not remove (might be manually added):", will_skip),
            ("Would not remove (outside of prefix):", removal.refused),
        ):
            if paths:
                out(f"  {title}")
                for path in sorted(compact(paths)):
                    out(f"    {path}")
        if not _ask(ctx, out):
            return
    stops = [Path(target.paths[k]) for k in ("purelib", "platlib", "scripts", "data") if target.paths.get(k)]
    if target.user_site:
        stops.append(Path(target.user_site))
    with Transaction() as transaction:
        remove_in(transaction, removal, stop_dirs=stops)
    out(f"  Successfully uninstalled {name_version}")


def run(settings: CommandSettings, ctx: Context) -> int:
    warn = ctx.printer.pip_warning
    out = ctx.printer.info_out

    target = None
    if settings.get("require_venv"):  # checked first, as pip checks it before reading anything
        target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
        require_virtualenv(target.in_virtualenv)
    wanted = _names(settings, ctx, warn)
    if not wanted:
        raise PipcompatError('You must give at least one requirement to uninstall (see "pip help uninstall")')
    if target is None:
        target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    if not settings.get("override_externally_managed") and not target.in_virtualenv:
        marker = Path(target.paths.get("stdlib", "")) / "EXTERNALLY-MANAGED"
        if target.paths.get("stdlib") and marker.is_file():
            raise PipcompatError(
                "This environment is externally managed",
                hint="pass --break-system-packages to remove packages from it anyway, or use a virtualenv",
            )
    everything = {d.canonical_name: d for d in installed_distributions(target)}
    verbose = int(settings.get("verbose") or 0) > 0
    for key, name in wanted.items():
        dist = everything.get(key)
        if dist is None:
            warn(f"Skipping {name} as it is not installed.")
            continue
        _uninstall_one(dist, target, ctx, yes=bool(settings.get("yes")), verbose=verbose, out=out)
    return SUCCESS
