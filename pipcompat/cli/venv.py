"""``pipcompat venv``: ``python -m venv``'s command line (3.13), plus virtualenv's and uv's common options.

CPython parses ``python -m venv`` with :mod:`argparse`, so this module does too, with the same rules:
options and directories may be mixed (but all directories must come together, as with CPython), long
options may be abbreviated to any unambiguous prefix, ``--symlinks`` and ``--copies`` exclude each other,
``--upgrade`` with ``--clear`` is refused (exit 1, as CPython does), and a value that starts with ``-``
must be attached (``--prompt=-x``).

What pipcompat adds (never abbreviated, so CPython's abbreviations keep meaning what they mean there):

``-p/--python PYTHON``  the interpreter to create the environment for (virtualenv, uv);
``--seed``              install pip, and setuptools and wheel before Python 3.12 (uv); excludes
                        ``--without-pip``;
``--allow-existing``    keep an existing directory's contents and update it (uv); excludes ``--clear``;
``-v/--verbose``, ``-q/--quiet``; ``--show-settings``.

Unlike ``python -m venv``, the directory is optional: ``.venv`` by default, as with uv and virtualenv.
Option defaults can also come from pipcompat's configuration (``PIPCOMPAT_*`` and config files), loaded by
:func:`pipcompat.config.load_config_values` when it is available.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pipcompat.cli.parser import COMMAND_LINE_ORIGIN, DEFAULT_ORIGIN, ParseError, strtobool
from pipcompat.errors import ConfigurationError, PipcompatError
from pipcompat.models import ConfigValue
from pipcompat.settings import CommandSettings

COMMAND = "venv"
PROG = "pipcompat venv"
DEFAULT_DIRECTORY = ".venv"
DEFAULT_SCM_IGNORE_FILES: frozenset[str] = frozenset({"git"})
CORE_DEPS = ("pip",)

USAGE_HINT = "run 'pipcompat venv --help' for the options"


@dataclass(frozen=True)
class VenvOption:
    """One option: its strings, destination, how it acts and whether CPython's venv has it."""

    opts: tuple[str, ...]
    dest: str
    help: str
    action: str = "flag"
    """``flag`` (stores ``const``), ``store`` (takes a value) or ``count``."""
    const: object = True
    default: object = False
    metavar: str | None = None
    cpython: bool = True
    """Whether ``python -m venv`` has this option (only these may be abbreviated)."""
    configurable: bool = True


SYMLINKS_DEFAULT = os.name != "nt"

OPTIONS: tuple[VenvOption, ...] = (
    VenvOption(("-h", "--help"), "help", "Print this help and exit.", configurable=False),
    VenvOption(
        ("--system-site-packages",),
        "system_site",
        "Let the environment see the base interpreter's site-packages.",
    ),
    VenvOption(
        ("--symlinks",),
        "symlinks",
        "Link to the interpreter instead of copying it (the default except on Windows).",
        default=SYMLINKS_DEFAULT,
    ),
    VenvOption(
        ("--copies",),
        "symlinks",
        "Copy the interpreter instead of linking to it (the default on Windows).",
        const=False,
        default=SYMLINKS_DEFAULT,
    ),
    VenvOption(("--clear",), "clear", "Empty the directory first if it already exists."),
    VenvOption(
        ("--upgrade",),
        "upgrade",
        "Point an existing environment at this (upgraded in place) Python.",
    ),
    VenvOption(
        ("--without-pip",), "with_pip", "Do not install pip into the environment.", const=False, default=True
    ),
    VenvOption(
        ("--prompt",),
        "prompt",
        "The prompt prefix shown while the environment is active ('.' for the current directory's name).",
        action="store",
        default=None,
        metavar="PROMPT",
    ),
    VenvOption(
        ("--upgrade-deps",),
        "upgrade_deps",
        f"Upgrade {', '.join(CORE_DEPS)} in the new environment to the newest release.",
    ),
    VenvOption(
        ("--without-scm-ignore-files",),
        "scm_ignore_files",
        "Do not write a .gitignore into the environment.",
        const=frozenset(),
        default=DEFAULT_SCM_IGNORE_FILES,
    ),
    VenvOption(
        ("-p", "--python"),
        "python",
        "The Python to create the environment for: a path, a name on PATH or a version (3.12).",
        action="store",
        default=None,
        metavar="PYTHON",
        cpython=False,
    ),
    VenvOption(
        ("--seed",),
        "seed",
        "Install pip (and setuptools and wheel before Python 3.12), as uv's --seed does.",
        cpython=False,
    ),
    VenvOption(
        ("--allow-existing",),
        "allow_existing",
        "Update an existing environment in place instead of refusing.",
        cpython=False,
    ),
    VenvOption(("-v", "--verbose"), "verbose", "Say more.", action="count", default=0, cpython=False),
    VenvOption(("-q", "--quiet"), "quiet", "Say less.", action="count", default=0, cpython=False),
    VenvOption(
        ("--show-settings",),
        "show_settings",
        "Print the effective settings and where each came from, then exit (pipcompat's own).",
        cpython=False,
        configurable=False,
    ),
)

#: Options that may not be given together on the command line (argparse's mutually exclusive groups).
EXCLUSIVE: tuple[tuple[str, str], ...] = (
    ("--symlinks", "--copies"),
    ("--seed", "--without-pip"),
    ("--clear", "--allow-existing"),
)

DESCRIPTION = (
    "Create a virtual environment in each ENV_DIR (default: .venv). Accepts the options of "
    "'python -m venv' and the common ones of virtualenv and uv."
)
EPILOG = "Activate the environment with its bin/activate script (Scripts\\activate on Windows)."


# -- the parser ----------------------------------------------------------------------------------------
class _HelpRequested(Exception):
    """``-h/--help`` was reached: like argparse's own help action it wins over anything after it."""


class _Record(argparse.Action):
    """Stores a value (or a constant) and remembers which option string set which destination, in order.

    It also refuses an option that excludes one given earlier, at the moment argparse would.
    """

    def __init__(self, option_strings: Sequence[str], dest: str, *, kind: str, **kwargs: Any) -> None:
        nargs = None if kind == "store" else 0
        super().__init__(option_strings, dest, nargs=nargs, **kwargs)
        self.kind = kind

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if self.dest == "help":
            raise _HelpRequested
        events: list[tuple[str, str]] = namespace.__dict__.setdefault("_events", [])
        seen = {opt for _dest, opt in events}
        for first, second in EXCLUSIVE:
            other = second if option_string == first else first if option_string == second else None
            if other is not None and other in seen:
                parser.error(f"argument {option_string}: not allowed with argument {other}")
        if self.kind == "store":
            setattr(namespace, self.dest, values)
        elif self.kind == "count":
            setattr(namespace, self.dest, (getattr(namespace, self.dest, None) or 0) + 1)
        else:
            setattr(namespace, self.dest, self.const)
        events.append((self.dest, option_string or ""))


class VenvArgumentParser(argparse.ArgumentParser):
    """argparse that raises :class:`ParseError` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise ParseError(message, usage=self.format_usage().strip(), hint=USAGE_HINT)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise ParseError((message or f"exited with status {status}").strip(), hint=USAGE_HINT)


def build_parser() -> VenvArgumentParser:
    parser = VenvArgumentParser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG, add_help=False, allow_abbrev=False
    )
    parser.add_argument(
        "dirs",
        metavar="ENV_DIR",
        nargs="*",
        help=f"A directory to create the environment in (default {DEFAULT_DIRECTORY}).",
    )
    for option in OPTIONS:
        kwargs: dict[str, Any] = {"kind": option.action, "help": option.help, "default": argparse.SUPPRESS}
        if option.action == "flag":
            kwargs["const"] = option.const
        if option.metavar:
            kwargs["metavar"] = option.metavar
        parser.add_argument(*option.opts, dest=option.dest, action=_Record, **kwargs)
    return parser


def _long_options(*, cpython_only: bool) -> list[str]:
    return [
        opt
        for option in OPTIONS
        if option.cpython or not cpython_only
        for opt in option.opts
        if opt.startswith("--")
    ]


def expand_abbreviations(argv: Sequence[str]) -> list[str]:
    """Spell out unambiguous prefixes of CPython's long options (``--sys`` → ``--system-site-packages``).

    pipcompat's own options are matched exactly only, so a prefix means what it means to ``python -m venv``
    (``--p`` is ``--prompt`` there, although ``--python`` exists here).
    """
    known = set(_long_options(cpython_only=False))
    candidates = _long_options(cpython_only=True)
    expanded: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--":
            expanded.extend(argv[index:])
            break
        spelled = arg
        if arg.startswith("--") and len(arg) > 2:
            name, sep, value = arg.partition("=")
            if name not in known and (sep or " " not in name):
                matches = [opt for opt in candidates if opt.startswith(name)]
                if len(matches) > 1:
                    raise ParseError(
                        f"ambiguous option: {arg} could match {', '.join(matches)}",
                        usage=build_parser().format_usage().strip(),
                        hint=USAGE_HINT,
                    )
                if matches:
                    spelled = matches[0] + sep + value
        expanded.append(spelled)
    return expanded


# -- configuration -------------------------------------------------------------------------------------
def load_config(environ: Mapping[str, str], cwd: Path) -> tuple[ConfigValue, ...]:
    """pipcompat's configuration values for ``venv`` (``PIPCOMPAT_*``, config files), if that is built yet."""
    try:
        import pipcompat.config as config_module
    except ModuleNotFoundError as exc:
        if exc.name in ("pipcompat.config",):
            return ()
        raise
    loader = getattr(config_module, "load_config_values", None)
    if loader is None:
        return ()
    values: Sequence[ConfigValue] = loader(COMMAND, isolated=False, environ=environ, cwd=cwd)
    return tuple(values)


def _option_for(key: str) -> VenvOption | None:
    wanted = "--" + key
    return next((option for option in OPTIONS if wanted in option.opts and option.configurable), None)


def _config_value(option: VenvOption, item: ConfigValue) -> object:
    try:
        if option.action == "store":
            return item.value
        if option.action == "count":
            try:
                return int(strtobool(item.value))
            except ValueError:
                count = int(item.value)
                if count < 0:
                    raise ValueError(item.value) from None
                return count
        return option.const if strtobool(item.value) else option.default
    except ValueError:
        raise ConfigurationError(
            f"{item.value!r} is not a valid value for {item.key} (from {item.origin})",
            hint="use yes/no, true/false or 1/0" + (" or a count" if option.action == "count" else ""),
            exit_code=3,
        ) from None


# -- parsing -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedVenv:
    """Either the settings of a run, or text to print instead (``--help``)."""

    settings: CommandSettings | None = None
    output: str | None = None


def parse(
    argv: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config: Sequence[ConfigValue] | None = None,
) -> ParsedVenv:
    """Parse ``pipcompat venv`` arguments into settings for the command ``"venv"``.

    *config* (default: :func:`load_config`) supplies option defaults, lowest precedence first.
    """
    environ = dict(os.environ) if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    parser = build_parser()
    try:
        namespace = parser.parse_args(expand_abbreviations(list(argv)))
    except _HelpRequested:
        return ParsedVenv(output=parser.format_help())
    events: list[tuple[str, str]] = namespace.__dict__.pop("_events", [])

    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for option in OPTIONS:
        if option.dest != "help" and option.dest not in values:
            values[option.dest] = option.default
            origins[option.dest] = DEFAULT_ORIGIN
    for item in load_config(environ, cwd) if config is None else config:
        configured = _option_for(item.key)
        if configured is None:
            continue
        values[configured.dest] = _config_value(configured, item)
        origins[configured.dest] = item.origin
    given: dict[str, str] = {}
    for dest, option_string in events:
        values[dest] = getattr(namespace, dest)
        origins[dest] = COMMAND_LINE_ORIGIN
        given[dest] = option_string

    dirs = tuple(namespace.dirs) or (DEFAULT_DIRECTORY,)
    values["dirs"] = dirs
    origins["dirs"] = COMMAND_LINE_ORIGIN if namespace.dirs else DEFAULT_ORIGIN

    if values["upgrade"] and values["clear"]:
        raise PipcompatError("you cannot supply --upgrade and --clear together", exit_code=1)

    settings = CommandSettings(command=COMMAND, args=dirs, values=values, origins=origins, given=given)
    return ParsedVenv(settings=settings)


def run(argv: Sequence[str]) -> int:
    """Parse and run ``pipcompat venv``; errors are raised for the caller to render."""
    parsed = parse(argv)
    if parsed.output is not None:
        sys.stdout.write(parsed.output)
        return 0
    settings = parsed.settings
    assert settings is not None
    from pipcompat.commands import execute

    return execute(settings, environ=os.environ, cwd=Path.cwd())


def main(argv: list[str]) -> int:
    """``pipcompat venv [options] [ENV_DIR ...]``: returns the exit status, printing errors as one line."""
    try:
        return run(argv)
    except PipcompatError as exc:
        from pipcompat.ui import render_error

        render_error(exc)
        return exc.exit_code
