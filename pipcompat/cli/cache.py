"""``pipcompat cache``: uv's cache commands (``dir``, ``clean [PACKAGE…]``, ``prune``).

The cache is the one every command uses: ``--cache-dir`` here, else ``PIPCOMPAT_CACHE_DIR``, else
``PIP_CACHE_DIR``, else ``cache-dir`` in pip.conf ``[global]``/``[cache]`` or pipcompat's files, else the
user cache directory. ``no-cache-dir`` in the configuration does not apply: these commands manage the
directory itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipcompat.cli.parser import COMMAND_LINE_ORIGIN, DEFAULT_ORIGIN, ParseError
from pipcompat.errors import PipcompatError
from pipcompat.settings import CommandSettings

COMMAND = "cache"
PROG = "pipcompat cache"
USAGE = f"usage: {PROG} {{dir,clean,prune}} [--cache-dir DIR] [-v] [-q] [PACKAGE ...]"
USAGE_HINT = "run 'pipcompat cache --help' for the commands"
HELP = f"""{USAGE}

Inspect and manage pipcompat's cache.

Commands:
  dir                 Print the cache directory
  clean [PACKAGE...]  Remove everything from the cache, or only the entries of these packages
  prune               Remove what no command will use again: old bucket versions, leftovers of
                      interrupted runs, partial entries

Options:
  --cache-dir DIR     The cache directory (default: PIPCOMPAT_CACHE_DIR, PIP_CACHE_DIR, the
                      configuration's cache-dir, else the user cache directory)
  -v, --verbose       Name every path removed
  -q, --quiet         Say less
  -h, --help          Show this help and exit
"""


def _config_cache_dir(environ: Mapping[str, str], cwd: Path) -> tuple[str, str] | None:
    """The configured ``cache-dir`` and its origin (the highest-precedence value), if any."""
    from pipcompat.config import load_config_values

    found = None
    for item in load_config_values(COMMAND, isolated=False, environ=environ, cwd=cwd):
        if item.key == "cache-dir" and item.value:
            found = (item.value, item.origin)
    return found


def parse(
    argv: Sequence[str], *, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> CommandSettings | str:
    """Settings for the command ``"cache"`` (``args`` = action and package names), or help text."""
    environ = dict(os.environ) if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    args: list[str] = []
    cache_dir: str | None = None
    given: dict[str, str] = {}
    verbose = quiet = 0
    items = list(argv)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        if arg == "--":
            args.extend(items[index:])
            break
        if arg in ("-h", "--help"):
            return HELP
        if arg == "--cache-dir" or arg.startswith("--cache-dir="):
            if "=" in arg:
                cache_dir = arg.partition("=")[2]
            elif index < len(items):
                cache_dir = items[index]
                index += 1
            else:
                raise ParseError("argument --cache-dir: expected one argument", usage=USAGE, hint=USAGE_HINT)
            given["cache_dir"] = "--cache-dir"
        elif arg.startswith("-") and len(arg) > 1 and set(arg[1:]) <= {"v", "q"} and arg[1] != "-":
            verbose += arg.count("v")
            quiet += arg.count("q")
        elif arg in ("--verbose", "--quiet"):
            verbose += arg == "--verbose"
            quiet += arg == "--quiet"
        elif arg.startswith("-") and arg != "-":
            raise ParseError(f"unrecognized arguments: {arg}", usage=USAGE, hint=USAGE_HINT)
        else:
            args.append(arg)
    if not args:
        raise ParseError("a command is required: dir, clean or prune", usage=USAGE, hint=USAGE_HINT)
    values: dict[str, object] = {"verbose": verbose, "quiet": quiet}
    origins: dict[str, str] = {"verbose": DEFAULT_ORIGIN, "quiet": DEFAULT_ORIGIN}
    if cache_dir is not None:
        values["cache_dir"], origins["cache_dir"] = cache_dir, COMMAND_LINE_ORIGIN
    else:
        configured = _config_cache_dir(environ, cwd)
        if configured is not None:
            values["cache_dir"], origins["cache_dir"] = configured
    return CommandSettings(command=COMMAND, args=tuple(args), values=values, origins=origins, given=given)


def main(argv: list[str]) -> int:
    """``pipcompat cache …``: returns the exit status, printing errors as one line."""
    try:
        parsed = parse(argv)
        if isinstance(parsed, str):
            sys.stdout.write(parsed)
            return 0
        from pipcompat.commands import execute

        return execute(parsed, environ=os.environ, cwd=Path.cwd())
    except PipcompatError as exc:
        from pipcompat.ui import render_error

        render_error(exc)
        return exc.exit_code
