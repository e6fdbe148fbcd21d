"""``pipcompat``'s entry point: top-level dispatch to the pip interface, ``venv`` and project commands.

This module is the start of every run, so it imports nothing but :mod:`sys`: each front door imports
what it needs, and errors (and how they print) are imported when one happens.
"""

from __future__ import annotations

import sys

from pipcompat import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn

#: pip's exit status for a failed operation (:data:`pipcompat.errors.ERROR`).
ERROR = 1

USAGE = "usage: pipcompat <command> [options]"

#: top-level command → ``module:function`` taking the rest of argv and returning an exit status.
FRONT_DOORS: dict[str, str] = {
    "pip": "pipcompat.cli.pip:main",
    "venv": "pipcompat.cli.venv:main",
    "cache": "pipcompat.cli.cache:main",
}

#: ``pipcompat pip`` commands whose command line is pip-tools' (:data:`pipcompat.cli.pip.DELEGATED_COMMANDS`).
PIPTOOLS_COMMANDS = ("compile", "sync")

SUMMARIES: dict[str, str] = {
    "pip": "Run a pip, pip-compile or pip-sync command (pipcompat pip install -r requirements.txt)",
    "venv": "Create a virtual environment",
    "cache": "Inspect and manage the cache: dir, clean [PACKAGE...], prune",
}


def _help() -> str:
    lines = [USAGE, "", "Commands:"]
    lines += [f"  {name:<10} {SUMMARIES[name]}" for name in FRONT_DOORS]
    lines += [
        "",
        "Options:",
        "  -h, --help     Show this help and exit",
        "  -V, --version  Show pipcompat's version and exit",
        "",
        "Run 'pipcompat <command> --help' for a command's options.",
    ]
    return "\n".join(lines)


def _load(target: str) -> Callable[[list[str]], int]:
    module_name, _, function = target.partition(":")
    __import__(module_name)
    entry: Callable[[list[str]], int] = getattr(sys.modules[module_name], function)
    return entry


def dispatch(argv: Sequence[str]) -> int:
    args = list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_help())
        return 0
    if args[0] in ("-V", "--version"):
        print(f"pipcompat {__version__}")
        return 0
    name, rest = args[0], args[1:]
    target = FRONT_DOORS.get(name)
    if name == "pip" and rest and rest[0] in PIPTOOLS_COMMANDS:
        # ``pipcompat pip compile|sync …``: pip's own parser would only hand these to pip-tools' parser
        # (after building its main parser, reading pip's configuration and computing pip's cache directory),
        # so go there directly. General options before the command name still take the long way.
        from pipcompat.cli.piptools import main as piptools_main

        return piptools_main(rest[0], rest[1:])
    if name == "pip" and "install" in rest:
        from pipcompat.cli.install_noop import try_noop

        status = try_noop(rest)
        if status is not None:
            return status
        status = _load(target)(rest) if target is not None else 1
        if status == 0:
            from pipcompat.cli.install_noop import remember_after_install

            remember_after_install(rest)
        return status
    if target is not None:
        return _load(target)(rest)
    import difflib

    from pipcompat.errors import UsageError

    if name.startswith("-"):
        raise UsageError(f"unknown option {name!r}", hint="run 'pipcompat --help' for the list of options")
    close = difflib.get_close_matches(name, FRONT_DOORS, n=1)
    raise UsageError(
        f"unknown command {name!r}",
        hint=f"did you mean '{close[0]}'?" if close else "run 'pipcompat --help' for the list of commands",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run pipcompat with *argv* (default: ``sys.argv[1:]``) and return the exit status."""
    try:
        return dispatch(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        sys.stderr.write("error: operation cancelled by user\n")
        return ERROR
    except BrokenPipeError:
        # The reader went away (``pipcompat pip freeze | head``): nothing more to say.
        sys.stderr.close()
        return ERROR
    except Exception as exc:
        from pipcompat.errors import PipcompatError

        if not isinstance(exc, PipcompatError):
            raise
        from pipcompat.ui import render_error

        render_error(exc)
        return exc.exit_code


def run() -> NoReturn:
    """Console-script entry point."""
    _relax_garbage_collection()
    _exit_without_teardown(main())


def _exit_without_teardown(status: int) -> NoReturn:
    """End the process with *status* without freeing every object one by one.

    A resolve leaves hundreds of thousands of objects behind (parsed pages, links, metadata); tearing the
    interpreter down freed them for 0.15-0.2 s after a data-science compile had already written its
    output. What interpreter shutdown does for others is still done, in the same order: other threads are
    waited for (``threading``'s own shutdown step, which also stops idle thread pools), ``atexit``
    handlers run (temporary directories kept by ``weakref.finalize``, logging), and stdout and stderr are
    flushed. If anything there fails (a closed pipe), the interpreter's own exit reports it as usual.
    """
    import atexit
    import os
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:  # not CPython's threading: let the interpreter do it all
        sys.exit(status)
    shutdown()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status)


def _relax_garbage_collection() -> None:
    """Collect reference cycles rarely: a command is short-lived and builds many long-lived objects.

    A resolve keeps tens of thousands of parsed links, metadata and the resolver's state, and makes few
    cycles. With the default thresholds (700, 10, 10) the collector walks that growing heap again and
    again: about a sixth of a cold data-science compile's CPU time (0.4 s), half of it while parsing
    project pages. Young objects are still collected (every 100,000 allocations), so the memory of a
    cycle-heavy step stays bounded; the old generation is left alone.
    """
    import gc

    gc.set_threshold(100_000, 50, 1000)
