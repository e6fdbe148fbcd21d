"""``pipcompat pip cache dir|info|list|remove|purge``: pip's cache command, on pipcompat's cache.

pip's cache holds index pages (``http-v2``) and locally built wheels (``wheels``). pipcompat's holds index
pages (``http``), core metadata (``metadata``), wheels unpacked once (``archives``) and wheels built from
sources (``built``); ``info`` reports each with pip's line shapes, ``list``/``remove`` act on the wheels
(unpacked and built), ``purge`` empties the cache (as ``pipcompat cache clean`` does). Sizes, patterns,
messages and exit statuses are pip's.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from pipcompat.cache import ROOT_LOCK, Cache
from pipcompat.errors import ERROR, SUCCESS, PipcompatError

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset({"list_format", "cache_dir", "require_venv"})
#: Reaches no index (its cache options are its own).
OFFLINE = True

ACTIONS = ("dir", "info", "list", "purge", "remove")


class CacheCommandError(PipcompatError):
    """pip's ``CommandError`` for ``pip cache``: one line, exit status 1."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=ERROR)


def format_size(size: float) -> str:
    """pip's sizes: ``123 bytes``, ``1.5 kB``, ``45 kB``, ``1.2 MB`` (powers of 1000)."""
    if size > 1000 * 1000:
        return f"{size / 1000.0 / 1000:.1f} MB"
    if size > 10 * 1000:
        return f"{int(size / 1000)} kB"
    if size > 1000:
        return f"{size / 1000.0:.1f} kB"
    return f"{int(size)} bytes"


def wheel_pattern(pattern: str) -> str:
    """pip's reading of a pattern: a name (``-*.whl`` appended) or a name and version (``*.whl``)."""
    return pattern + ("*.whl" if "-" in pattern else "-*.whl")


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.commands.cache import cache_root

    root = cache_root(settings, ctx.environ)
    if root is None:
        raise PipcompatError("pip cache commands can not function since cache is disabled.", exit_code=ERROR)
    args = list(settings.args)
    if not args or args[0] not in ACTIONS:
        raise PipcompatError(f"Need an action ({', '.join(sorted(ACTIONS))}) to perform.", exit_code=ERROR)
    action, rest = args[0], args[1:]
    cache = Cache(root)
    say = ctx.printer.info_out  # pip writes these at its info level, which -q silences

    if action == "dir":
        if rest:
            raise CacheCommandError("Too many arguments")
        say(str(root))
    elif action == "info":
        if rest:
            raise CacheCommandError("Too many arguments")
        say(_info(cache))
    elif action == "list":
        if len(rest) > 1:
            raise CacheCommandError("Too many arguments")
        _list(cache, rest[0] if rest else "*", str(settings.get("list_format") or "human"), say)
    elif action == "remove":
        if len(rest) > 1:
            raise CacheCommandError("Too many arguments")
        if not rest:
            raise CacheCommandError("Please provide a pattern")
        _remove(cache, rest[0], ctx, say)
    else:  # purge
        if rest:
            raise CacheCommandError("Too many arguments")
        _remove(cache, "*", ctx, say)
    return SUCCESS


def _info(cache: Cache) -> str:
    from pipcompat.cache.manage import bucket_info, cached_wheels

    http = bucket_info(cache, "http")
    metadata = bucket_info(cache, "metadata")
    archives = bucket_info(cache, "archives")
    built = bucket_info(cache, "built")
    built_wheels = [path for _name, path in cached_wheels(cache) if path.is_file()]
    lines = [
        f"Package index page cache location (pip v23.3+): {http.path}",
        f"Package index page cache size: {format_size(http.size)}",
        f"Number of HTTP files: {http.entries}",
        f"Package metadata cache location: {metadata.path}",
        f"Package metadata cache size: {format_size(metadata.size)}",
        f"Number of metadata files: {metadata.entries}",
        f"Unpacked wheels location: {archives.path}",
        f"Unpacked wheels size: {format_size(archives.size)}",
        f"Number of unpacked wheels: {archives.entries}",
        f"Locally built wheels location: {built.path}",
        f"Locally built wheels size: {format_size(built.size)}",
        f"Number of locally built wheels: {len(built_wheels)}",
    ]
    return "\n".join(lines)


def _matching(cache: Cache, pattern: str) -> list[tuple[str, str]]:
    """``(wheel file name, absolute path)`` of the cached wheels *pattern* matches (pip's rules)."""
    from pipcompat.cache.manage import cached_wheels

    glob = wheel_pattern(pattern)
    return [(name, str(path)) for name, path in cached_wheels(cache) if fnmatch.fnmatch(name, glob)]


def _list(cache: Cache, pattern: str, list_format: str, say: Callable[[str], None]) -> None:
    from pathlib import Path

    from pipcompat.cache.manage import directory_size

    wheels = _matching(cache, pattern)
    if list_format == "abspath":
        if wheels:
            say("\n".join(sorted(path for _name, path in wheels)))
        return
    if not wheels:
        say("No locally built wheels cached.")
        return
    rows = []
    for name, path in wheels:
        entry = Path(path)
        size = entry.stat().st_size if entry.is_file() else directory_size(entry)
        rows.append(f" - {name} ({format_size(size)})")
    say("Cache contents:")
    say("")
    say("\n".join(sorted(rows)))


def _remove(cache: Cache, pattern: str, ctx: Context, say: Callable[[str], None]) -> None:
    from pathlib import Path

    from pipcompat.cache import manage

    removal = manage.Removal()
    with cache.exclusive(lambda: ctx.printer.info(manage.WAITING_MESSAGE)):
        if pattern == "*":
            for child in sorted(cache.root.iterdir()) if cache.root.is_dir() else ():
                if child.name != ROOT_LOCK:
                    removal.add(manage.remove_path(child))
            if removal.empty:
                ctx.printer.warning("No matching packages")
        else:
            wheels = _matching(cache, pattern)
            if not wheels:
                ctx.printer.warning(f'No matching packages for pattern "{pattern}"')
            for _name, where in wheels:
                removal.add(manage.remove_entry(cache, Path(where)))
            removal.dirs += manage.remove_empty_dirs(cache)
    for removed in removal.paths:
        ctx.printer.detail(f"Removed {removed}")
    say(f"Files removed: {removal.files} ({format_size(removal.bytes)})")
    say(f"Directories removed: {removal.dirs}")
