"""``pipcompat cache dir|clean [PACKAGE…]|prune``: uv's cache commands on pipcompat's cache.

Also home of :func:`cache_root` and :func:`command_cache`, the one way every command finds and opens the
cache: ``--cache-dir`` > ``PIPCOMPAT_CACHE_DIR`` > ``PIP_CACHE_DIR`` > ``cache-dir`` in configuration
files > the user cache directory (:func:`pipcompat.settings.default_cache_dir`); ``--no-cache-dir`` gives
a temporary cache removed when the command ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipcompat.cache import Cache, open_cache
from pipcompat.errors import SUCCESS, PipcompatError

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = frozenset({"cache_dir"})

ACTIONS = ("dir", "clean", "prune")


def cache_root(settings: CommandSettings, environ: Mapping[str, str] | None = None) -> Path | None:
    """The cache directory *settings* ask for, or ``None`` when the cache is disabled."""
    from pipcompat.settings import GeneralSettings

    return GeneralSettings.from_settings(settings, environ).cache_dir


@contextlib.contextmanager
def command_cache(settings: CommandSettings, ctx: Context) -> Iterator[Cache]:
    """The cache a command uses, held shared (or a temporary one with ``--no-cache-dir``)."""
    with open_cache(cache_root(settings, ctx.environ)) as cache:
        yield cache


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.cache import manage

    action, *names = settings.args or ("",)
    root = cache_root(settings, ctx.environ)
    if root is None:
        raise PipcompatError("the cache is disabled (--no-cache-dir)", hint="name one with --cache-dir")
    cache = Cache(root)
    printer = ctx.printer
    if action == "dir":
        if names:
            raise PipcompatError("'cache dir' takes no arguments", exit_code=2)
        printer.data(str(root))
        return SUCCESS
    if action == "clean":
        if not root.exists():
            printer.info(f"No cache found at: {root}")
            return SUCCESS
        if not names:
            printer.info(f"Clearing cache at: {root}")
        results = manage.clean(cache, names or None, waiting=lambda: printer.info(manage.WAITING_MESSAGE))
        for name, removal in results.items():
            for path in removal.paths:
                printer.detail(f"Removed {path}")
            if not name:
                printer.info(manage.describe_removal(removal, empty="No cache entries found"))
            elif removal.empty:
                printer.warning(f"No cache entries found for {name}")
            else:
                printer.info(manage.describe_removal(removal, empty="", suffix=f" for {name}"))
        return SUCCESS
    if action == "prune":
        if names:
            raise PipcompatError("'cache prune' takes no arguments", exit_code=2)
        if not root.exists():
            printer.info(f"No cache found at: {root}")
            return SUCCESS
        printer.info(f"Pruning cache at: {root}")
        removal = manage.prune(cache, waiting=lambda: printer.info(manage.WAITING_MESSAGE))
        for path in removal.paths:
            printer.detail(f"Removed {path}")
        printer.info(manage.describe_removal(removal, empty="No unused entries found"))
        return SUCCESS
    raise PipcompatError(
        f"unknown cache command {action!r}" if action else "a cache command is required",
        hint="use one of: " + ", ".join(ACTIONS),
        exit_code=2,
    )
