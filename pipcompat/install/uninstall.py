"""Which paths uninstalling a distribution removes, and removing them inside a transaction.

The set follows pip: every ``RECORD`` entry (or ``installed-files.txt`` line), the ``.pyc``/``.pyo`` next
to each ``.py`` and its ``__pycache__`` file, and the console/gui scripts of its entry points in the
scripts directory. Paths outside the target prefix (in a virtual environment) are refused, not removed.
Directories left empty are removed too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.util import cache_from_source
from pathlib import Path

from pipcompat.env.installed import InstalledDistribution, normalize_path
from pipcompat.errors import PipcompatError
from pipcompat.install.transaction import Transaction


class UninstallError(PipcompatError):
    pass


@dataclass
class UninstallSet:
    dist: InstalledDistribution
    paths: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)


def _script_names(bin_dir: str, name: str, gui: bool) -> list[str]:
    path = os.path.join(bin_dir, name)
    if os.name != "nt":
        return [path]
    suffix = "-script.pyw" if gui else "-script.py"
    return [path, f"{path}.exe", f"{path}.exe.manifest", f"{path}{suffix}"]


def uninstall_set(
    dist: InstalledDistribution,
    *,
    scripts_dir: str,
    prefix: str | None = None,
    cache_tag: str | None = None,
) -> UninstallSet:
    """What removing *dist* removes. *prefix* is the virtual environment's prefix (``None`` outside one)."""
    result = UninstallSet(dist)
    normalized_prefix = normalize_path(prefix) if prefix else None

    def add(path: str) -> None:
        head, tail = os.path.split(path)
        path = os.path.join(normalize_path(head), os.path.normcase(tail))
        if not os.path.lexists(path):
            return
        if normalized_prefix is None or path.startswith(normalized_prefix):
            result.paths.add(path)
        else:
            result.refused.add(path)
        if path.endswith(".py"):
            if cache_tag:
                directory, name = os.path.split(path)
                add(os.path.join(directory, "__pycache__", f"{name[:-3]}.{cache_tag}.pyc"))
            else:
                add(cache_from_source(path))

    entries = dist.record_entries()
    if entries is None:
        raise UninstallError(
            f"Cannot uninstall {dist.raw_name} {dist.raw_version}: it has no RECORD",
            hint="it was installed by a tool that records no file list; remove its files by hand",
        )
    location = str(dist.location)
    if not dist.is_dist_info:
        add(str(dist.info_path))
    for entry in entries:
        path = os.path.join(location, entry)
        add(path)
        if path.endswith(".py"):
            base = path[:-3]
            add(base + ".pyc")
            add(base + ".pyo")
    for group, name, _value in dist.entry_points():
        if group in ("console_scripts", "gui_scripts"):
            for script in _script_names(scripts_dir, name, group == "gui_scripts"):
                add(script)
    return result


def compact(paths: Iterable[str]) -> set[str]:
    """The shortest set of paths covering *paths* (a directory covers everything below it)."""
    short: set[str] = set()
    prefixes: set[str] = set()
    for path in sorted(paths, key=len):
        current = path[:-1] if path.endswith(os.sep + "*") else path
        parent = current.rstrip(os.sep)
        covered = False
        while parent:
            if parent in prefixes:
                covered = True
                break
            next_parent = os.path.dirname(parent).rstrip(os.sep)
            parent = "" if next_parent == parent else next_parent
        if not covered:
            short.add(path)
            prefixes.add(current.rstrip(os.sep))
    return short


def for_removal(paths: Iterable[str]) -> set[str]:
    """Whole directories where every file under them is being removed, else the files (pip's rename set)."""
    remaining = set(paths)
    directories = sorted({os.path.dirname(p) for p in remaining}, key=len)
    whole: set[str] = set()
    for directory in directories:
        if any(directory.startswith(w + os.sep) or directory == w for w in whole):
            continue
        everything = {os.path.join(root, name) for root, _dirs, names in os.walk(directory) for name in names}
        if everything and not (everything - remaining):
            remaining -= everything
            whole.add(directory)
    return remaining | whole


def remove_in(transaction: Transaction, removal: UninstallSet, *, stop_dirs: Iterable[Path]) -> None:
    """Stash every path of *removal* in *transaction*, then remove directories left empty."""
    stops = [Path(normalize_path(str(s))) for s in stop_dirs]
    for path in sorted(compact(for_removal(removal.paths))):
        target = Path(path)
        if not os.path.lexists(target):
            continue
        transaction.stash(target)
        for stop in stops:
            if stop in target.parents:
                transaction.remove_empty_parents(target, stop)
                break
