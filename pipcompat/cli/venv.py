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

Start-up: a plain command line (exact option spellings, values not starting with ``-``, directories
together) is read by a small scanner that accepts nothing argparse would read differently; anything else
(prefixes, ``--``, ``-h``, errors, clusters such as ``-vv``) goes to the argparse parser, which is built only
then. A run calls :func:`pipcompat.commands.venv.create_environments` directly; ``--show-settings`` goes
through :class:`~pipcompat.settings.CommandSettings` and the command registry like every other command.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import Any, NoReturn

    from pipcompat.errors import PipcompatError
    from pipcompat.models import ConfigValue
    from pipcompat.settings import CommandSettings

#: The origins of values (:data:`pipcompat.cli.parser.DEFAULT_ORIGIN` and ``COMMAND_LINE_ORIGIN``).
DEFAULT_ORIGIN = "default"
COMMAND_LINE_ORIGIN = "command line"

COMMAND = "venv"
PROG = "pipcompat venv"
DEFAULT_DIRECTORY = ".venv"
DEFAULT_SCM_IGNORE_FILES: frozenset[str] = frozenset({"git"})
CORE_DEPS = ("pip",)

USAGE_HINT = "run 'pipcompat venv --help' for the options"


class VenvOption:
    """One option: its strings, destination, how it acts and whether CPython's venv has it.

    A plain class, not a dataclass: :mod:`dataclasses` (with :mod:`inspect`) costs more to import than
    the whole of a warm ``pipcompat venv --without-pip`` is allowed.
    """

    __slots__ = ("action", "configurable", "const", "cpython", "default", "dest", "help", "metavar", "opts")

    def __init__(
        self,
        opts: tuple[str, ...],
        dest: str,
        help: str,
        *,
        action: str = "flag",
        const: object = True,
        default: object = False,
        metavar: str | None = None,
        cpython: bool = True,
        configurable: bool = True,
    ) -> None:
        self.opts = opts
        self.dest = dest
        self.help = help
        self.action = action
        """``flag`` (stores ``const``), ``store`` (takes a value) or ``count``."""
        self.const = const
        self.default = default
        self.metavar = metavar
        self.cpython = cpython
        """Whether ``python -m venv`` has this option (only these may be abbreviated)."""
        self.configurable = configurable

    def __repr__(self) -> str:
        return f"VenvOption({self.opts!r}, {self.dest!r})"


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
    VenvOption(
        ("--cache-dir",),
        "cache_dir",
        "The cache to seed from and keep interpreter facts in (default: as for 'pipcompat pip': "
        "PIPCOMPAT_CACHE_DIR, PIP_CACHE_DIR, pip's configured cache-dir, else the user cache directory).",
        action="store",
        default=None,
        metavar="DIR",
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


def _parse_error(message: str, *, usage: str = "") -> PipcompatError:
    from pipcompat.cli.parser import ParseError

    return ParseError(message, usage=usage, hint=USAGE_HINT)


def build_parser() -> argparse.ArgumentParser:
    """CPython's ``python -m venv`` parser plus pipcompat's options (argparse, raising instead of exiting)."""
    import argparse

    class Record(argparse.Action):
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
        """argparse that raises :class:`~pipcompat.cli.parser.ParseError` instead of printing and exiting."""

        def error(self, message: str) -> NoReturn:
            raise _parse_error(message, usage=self.format_usage().strip())

        def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
            raise _parse_error((message or f"exited with status {status}").strip())

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
        parser.add_argument(*option.opts, dest=option.dest, action=Record, **kwargs)
    return parser


#: Option string → option, for the plain-command-line scanner.
_BY_STRING: dict[str, VenvOption] = {opt: option for option in OPTIONS for opt in option.opts}


def scan_plain(argv: Sequence[str]) -> tuple[list[tuple[str, str, object]], list[str]] | None:
    """Read a plain command line without argparse: ``(events, dirs)``, or ``None`` to let argparse decide.

    *events* are ``(dest, option string, value)`` in command-line order (a count's value is the total so
    far, so the last event of a destination holds its value, as argparse's namespace does). Only what
    argparse reads the same way is accepted: exact option strings, a value after ``--prompt``/``-p`` that
    does not start with ``-`` (or attached with ``=``), directories given together; no ``-h``, ``--``,
    ``--show-settings``, clusters, prefixes or excluded pairs. Everything else, errors included, is
    argparse's to parse.
    """
    events: list[tuple[str, str, object]] = []
    dirs: list[str] = []
    counts: dict[str, int] = {}
    dirs_closed = False
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if not arg.startswith("-") or arg == "-":
            if dirs_closed or not arg or arg == "-":
                return None
            dirs.append(arg)
            continue
        if dirs:
            dirs_closed = True
        name, sep, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = _BY_STRING.get(name)
        if option is None or option.dest in ("help", "show_settings"):
            return None
        if option.action == "store":
            if sep:
                if not attached or attached.startswith("-"):
                    return None
                value: object = attached
            else:
                if index >= len(argv) or not argv[index] or argv[index].startswith("-"):
                    return None
                value = argv[index]
                index += 1
        elif sep:
            return None
        elif option.action == "count":
            counts[option.dest] = value = counts.get(option.dest, 0) + 1
        else:
            value = option.const
        events.append((option.dest, name, value))
    given = {opt for _dest, opt, _value in events}
    if any(first in given and second in given for first, second in EXCLUSIVE):
        return None
    return events, dirs


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
                    raise _parse_error(
                        f"ambiguous option: {arg} could match {', '.join(matches)}",
                        usage=build_parser().format_usage().strip(),
                    )
                if matches:
                    spelled = matches[0] + sep + value
        expanded.append(spelled)
    return expanded


# -- configuration -------------------------------------------------------------------------------------
def _configuration_may_apply(environ: Mapping[str, str], cwd: str) -> bool:
    """Whether some configuration may set a ``venv`` option: a ``pip.conf`` that exists, a ``PIP_*`` or
    ``PIPCOMPAT_*`` variable naming one of its options, or one of pipcompat's own files. When none does,
    :func:`load_config` returns nothing without importing the configuration layers (start-up)."""
    if sys.platform in ("win32", "darwin"):
        return True
    from pipcompat.cli.install_noop import pip_config_files, pipcompat_files_may_apply

    for name in environ:
        if name == "PIPCOMPAT_CACHE_DIR":
            continue  # read directly where the cache is chosen (commands.venv.default_cache_root)
        for prefix in ("PIPCOMPAT_", "PIP_"):
            if name.startswith(prefix):
                if _option_for(name[len(prefix) :].lower().replace("_", "-")) is not None:
                    return True
                break
    return bool(pip_config_files(environ, cwd)) or pipcompat_files_may_apply(environ, cwd)


def load_config(environ: Mapping[str, str], cwd: str | os.PathLike[str]) -> tuple[ConfigValue, ...]:
    """pipcompat's configuration values for ``venv`` (``PIPCOMPAT_*``, config files), if that is built yet."""
    if not _configuration_may_apply(environ, os.fspath(cwd)):
        return ()
    try:
        import pipcompat.config as config_module
    except ModuleNotFoundError as exc:
        if exc.name in ("pipcompat.config",):
            return ()
        raise
    loader = getattr(config_module, "load_config_values", None)
    if loader is None:
        return ()
    from pathlib import Path

    values: Sequence[ConfigValue] = loader(COMMAND, isolated=False, environ=environ, cwd=Path(cwd))
    return tuple(values)


def _option_for(key: str) -> VenvOption | None:
    wanted = "--" + key
    return next((option for option in OPTIONS if wanted in option.opts and option.configurable), None)


def _config_value(option: VenvOption, item: ConfigValue) -> object:
    from pipcompat.cli.parser import strtobool

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
        from pipcompat.errors import ConfigurationError

        raise ConfigurationError(
            f"{item.value!r} is not a valid value for {item.key} (from {item.origin})",
            hint="use yes/no, true/false or 1/0" + (" or a count" if option.action == "count" else ""),
            exit_code=3,
        ) from None


# -- parsing -------------------------------------------------------------------------------------------
class ParsedVenv:
    """Either the settings of a run, or text to print instead (``--help``)."""

    __slots__ = ("output", "settings")

    def __init__(self, settings: CommandSettings | None = None, output: str | None = None) -> None:
        self.settings = settings
        self.output = output

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedVenv):
            return NotImplemented
        return (self.settings, self.output) == (other.settings, other.output)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ParsedVenv(settings={self.settings!r}, output={self.output!r})"


class VenvValues:
    """A parsed command line before it becomes :class:`~pipcompat.settings.CommandSettings`."""

    __slots__ = ("dirs", "given", "origins", "output", "values")

    def __init__(
        self,
        values: dict[str, object],
        origins: dict[str, str],
        given: dict[str, str],
        dirs: tuple[str, ...],
        output: str | None = None,
    ) -> None:
        self.values = values
        self.origins = origins
        self.given = given
        self.dirs = dirs
        self.output = output
        """Text to print instead of running (``--help``)."""

    def settings(self) -> CommandSettings:
        from pipcompat.settings import CommandSettings

        return CommandSettings(
            command=COMMAND, args=self.dirs, values=self.values, origins=self.origins, given=self.given
        )


def _command_line(argv: Sequence[str]) -> tuple[list[tuple[str, str, object]], list[str]] | str:
    """``(events, dirs)`` as argparse reads *argv* (the plain scanner first), or the help text."""
    plain = scan_plain(argv)
    if plain is not None:
        return plain
    parser = build_parser()
    try:
        namespace = parser.parse_args(expand_abbreviations(list(argv)))
    except _HelpRequested:
        return parser.format_help()
    recorded: list[tuple[str, str]] = namespace.__dict__.pop("_events", [])
    # argparse counts and overrides as it goes: the namespace holds each destination's final value.
    events = [(dest, opt, getattr(namespace, dest)) for dest, opt in recorded]
    return events, list(namespace.dirs)


def parse_values(
    argv: Sequence[str],
    *,
    environ: Mapping[str, str],
    cwd: str | os.PathLike[str],
    config: Sequence[ConfigValue] | None = None,
) -> VenvValues:
    """Parse ``pipcompat venv`` arguments into option values, their origins and the directories.

    *config* (default: :func:`load_config`) supplies option defaults, lowest precedence first.
    """
    parsed = _command_line(argv)
    if isinstance(parsed, str):
        return VenvValues({}, {}, {}, (), output=parsed)
    events, dirs_given = parsed

    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for option in OPTIONS:
        if option.dest != "help" and option.dest not in values:
            values[option.dest] = option.default
            origins[option.dest] = DEFAULT_ORIGIN
    if config is None:
        config = load_config(environ, cwd)
    for item in config:
        configured = _option_for(item.key)
        if configured is None:
            continue
        values[configured.dest] = _config_value(configured, item)
        origins[configured.dest] = item.origin
    given: dict[str, str] = {}
    for dest, option_string, value in events:
        values[dest] = value
        origins[dest] = COMMAND_LINE_ORIGIN
        given[dest] = option_string

    dirs = tuple(dirs_given) or (DEFAULT_DIRECTORY,)
    values["dirs"] = dirs
    origins["dirs"] = COMMAND_LINE_ORIGIN if dirs_given else DEFAULT_ORIGIN

    if values["upgrade"] and values["clear"]:
        from pipcompat.errors import PipcompatError

        raise PipcompatError("you cannot supply --upgrade and --clear together", exit_code=1)
    return VenvValues(values, origins, given, dirs)


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
    parsed = parse_values(argv, environ=environ, cwd=os.getcwd() if cwd is None else cwd, config=config)
    if parsed.output is not None:
        return ParsedVenv(output=parsed.output)
    return ParsedVenv(settings=parsed.settings())


def run(argv: Sequence[str]) -> int:
    """Parse and run ``pipcompat venv``; errors are raised for the caller to render."""
    cwd = os.getcwd()
    parsed = parse_values(argv, environ=os.environ, cwd=cwd)
    if parsed.output is not None:
        sys.stdout.write(parsed.output)
        return 0
    if parsed.values.get("show_settings"):
        from pathlib import Path

        from pipcompat.commands import execute

        return execute(parsed.settings(), environ=os.environ, cwd=Path(cwd))
    from pipcompat.commands.venv import create_environments
    from pipcompat.ui import Printer

    verbose, quiet = parsed.values.get("verbose"), parsed.values.get("quiet")
    verbosity = (verbose if isinstance(verbose, int) else 0) - (quiet if isinstance(quiet, int) else 0)
    return create_environments(
        parsed.values,
        parsed.dirs,
        printer=Printer(verbosity=verbosity),
        environ=os.environ,
        cwd=cwd,
        upgrade=_pip_upgrade(verbosity, parsed.given.get("cache_dir") and parsed.values.get("cache_dir"))
        if parsed.values.get("upgrade_deps")
        else None,
    )


def _pip_upgrade(verbosity: int, cache_dir: object) -> Callable[[str, Sequence[str]], int]:
    """``--upgrade-deps``: ``pipcompat pip --python PYTHON install --upgrade PROJECT…`` in this process, so
    pip's configuration files and ``PIP_*`` variables choose the index, as for ``python -m venv``'s pip
    (a ``--cache-dir`` given to ``venv`` on the command line is passed on)."""

    def upgrade(python: str, projects: Sequence[str]) -> int:
        from pipcompat.cli.pip import main as pip_main

        flags = ["-v"] * verbosity if verbosity > 0 else ["-q"] * -verbosity
        if isinstance(cache_dir, str) and cache_dir:
            flags += ["--cache-dir", cache_dir]
        return pip_main(["--python", python, "install", "--upgrade", *flags, *projects])

    return upgrade


def main(argv: list[str]) -> int:
    """``pipcompat venv [options] [ENV_DIR ...]``: returns the exit status, printing errors as one line."""
    try:
        return run(argv)
    except Exception as exc:
        from pipcompat.errors import PipcompatError

        if not isinstance(exc, PipcompatError):
            raise
        from pipcompat.ui import render_error

        render_error(exc)
        return exc.exit_code
