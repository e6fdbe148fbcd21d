"""The option tables of ``pipcompat pip compile`` and ``pipcompat pip sync`` (pip-compile/pip-sync 7.6.2).

pip-tools parses its command line with click. Each parameter here carries click's parameter name (which is
also our destination, so values compare one to one with pip-tools'), its option strings in pip-tools'
spelling, its kind and its value type. The value types reproduce click's conversions: ``int()`` for
integers, click's boolean words, choices matched exactly or case-insensitively, paths checked for
existence and kind, and the same conversions apply to values that come from a configuration file.

Parsing rules that follow from click and are kept here: long options are never abbreviated, a flag pair
(``--header/--no-header``) writes one destination and the last one given wins, ``multiple`` options
collect every occurrence, counts (``-vvv``) add up, and ``-h/--help``, ``--version``, ``--config`` and
``--no-config`` are *eager*: they are processed before the others, in the order they were given.
"""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pipcompat.cli.parser import OptionParser

PIPTOOLS_VERSION = "7.6.2"
"""The pip-tools release whose command line this module reproduces."""

COMMANDS = ("compile", "sync")

Kind = Literal["flag", "count", "value", "multiple", "arguments"]


class BadValue(ValueError):
    """A value a parameter's type refuses; the message says why, in one line."""


class ValueType(Protocol):
    """Converts a command-line string, an environment string or a TOML value for one parameter."""

    @property
    def metavar(self) -> str: ...

    def convert(self, value: object, cwd: Path) -> object: ...


@dataclass(frozen=True)
class Text:
    metavar: str = "TEXT"

    def convert(self, value: object, cwd: Path) -> object:
        if isinstance(value, bytes):
            return value.decode(sys.getfilesystemencoding(), "replace")
        return str(value)


BOOLEAN_WORDS: Mapping[str, bool] = {
    "1": True, "yes": True, "y": True, "true": True, "t": True, "on": True,
    "0": False, "no": False, "n": False, "false": False, "f": False, "off": False, "": False,
}  # fmt: skip
"""click's spellings of a boolean (case-insensitive, surrounding spaces ignored)."""


@dataclass(frozen=True)
class Boolean:
    metavar: str = "BOOLEAN"

    def convert(self, value: object, cwd: Path) -> object:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = BOOLEAN_WORDS.get(value.strip().lower())
            if word is not None:
                return word
        raise BadValue(f"{value!r} is not a valid boolean")


@dataclass(frozen=True)
class Integer:
    minimum: int | None = None
    metavar: str = "INTEGER"

    def convert(self, value: object, cwd: Path) -> object:
        try:
            if not isinstance(value, (str, int, float)):
                raise TypeError(type(value).__name__)
            number = int(value)  # Python's rules, as click's: " 12 ", "1_000", 5.5 (a TOML float)
        except (TypeError, ValueError):
            raise BadValue(f"{value!r} is not a valid integer") from None
        if self.minimum is not None and number < self.minimum:
            raise BadValue(f"{number} is not in the range x>={self.minimum}")
        return number


@dataclass(frozen=True)
class Choice:
    choices: tuple[str, ...]
    case_sensitive: bool = True

    @property
    def metavar(self) -> str:
        return "[" + "|".join(self.choices) + "]"

    def _norm(self, text: str) -> str:
        return text if self.case_sensitive else text.casefold()

    def convert(self, value: object, cwd: Path) -> object:
        wanted = self._norm(str(value))
        for choice in self.choices:
            if self._norm(choice) == wanted:
                return choice
        raise BadValue(f"{value!r} is not one of {', '.join(map(repr, self.choices))}")


@dataclass(frozen=True)
class PathValue:
    """A path checked the way click checks one: existence, file or directory, access."""

    metavar: str = "PATH"
    exists: bool = False
    file_okay: bool = True
    dir_okay: bool = True
    readable: bool = True
    writable: bool = False
    allow_dash: bool = False

    def convert(self, value: object, cwd: Path) -> object:
        if not isinstance(value, (str, os.PathLike)):
            raise BadValue(f"{value!r} is not a path")
        text = os.fspath(value)
        if self.allow_dash and self.file_okay and text == "-":
            return text
        what = "File" if not self.dir_okay else "Directory" if not self.file_okay else "Path"
        full = os.path.join(cwd, text) if text else ""
        try:
            info = os.stat(full)
        except OSError:
            if not self.exists:
                return text
            raise BadValue(f"{what} {text!r} does not exist") from None
        if not self.file_okay and stat.S_ISREG(info.st_mode):
            raise BadValue(f"{what} {text!r} is a file")
        if not self.dir_okay and stat.S_ISDIR(info.st_mode):
            raise BadValue(f"{what} {text!r} is a directory")
        if self.readable and not os.access(full, os.R_OK):
            raise BadValue(f"{what} {text!r} is not readable")
        if self.writable and not os.access(full, os.W_OK):
            raise BadValue(f"{what} {text!r} is not writable")
        return text


@dataclass(frozen=True)
class OutputFile:
    """An output file name, opened later (``-`` is standard output); nothing is checked up front."""

    metavar: str = "FILENAME"

    def convert(self, value: object, cwd: Path) -> object:
        if not isinstance(value, (str, os.PathLike)):
            raise BadValue(f"{value!r} is not a file name")
        return os.fspath(value)


TEXT = Text()
BOOLEAN = Boolean()


@dataclass(frozen=True)
class Param:
    """One pip-tools parameter: click's name (our destination), option strings, kind, type and default."""

    name: str
    opts: tuple[str, ...]
    help: str
    kind: Kind = "value"
    type: ValueType = TEXT
    default: object = None
    secondary_opts: tuple[str, ...] = ()
    """For a flag pair, the spellings that set the flag to false (``--no-header``)."""
    eager: bool = False
    expose: bool = True
    """False for ``--help`` and ``--version``, which act instead of producing a value."""
    envvar: str | None = None

    @property
    def all_opts(self) -> tuple[str, ...]:
        return (*self.opts, *self.secondary_opts)

    @property
    def long_opt(self) -> str:
        return next((opt for opt in self.opts if opt.startswith("--")), self.opts[0] if self.opts else "")

    @property
    def value_type(self) -> ValueType:
        if self.kind == "flag":
            return BOOLEAN
        if self.kind == "count":
            return Integer(minimum=0)
        return self.type

    def convert(self, value: object, cwd: Path) -> object:
        """Convert *value* (from the command line, the environment or a file) as click would."""
        if value is None:
            return () if self.kind in ("multiple", "arguments") else None
        if self.kind in ("multiple", "arguments"):
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise BadValue("value must be a list")
            return tuple(self.type.convert(item, cwd) for item in value)
        return self.value_type.convert(value, cwd)

    def help_label(self) -> str:
        label = ", ".join(self.opts)
        if self.secondary_opts:
            label += " / " + ", ".join(self.secondary_opts)
        if self.kind in ("value", "multiple"):
            label += " " + self.type.metavar
        return label


@dataclass(frozen=True)
class CommandSpec:
    """One pip-tools command: its name, positional argument, parameters (click's order) and help."""

    command: str
    program: str
    summary: str
    arguments_metavar: str
    params: tuple[Param, ...]
    epilog: str = ""
    by_name: Mapping[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {param.name: param for param in self.params})

    @property
    def options(self) -> tuple[Param, ...]:
        return tuple(param for param in self.params if param.kind != "arguments")

    @property
    def option_strings(self) -> frozenset[str]:
        return frozenset(opt for param in self.options for opt in param.all_opts)

    @property
    def long_options(self) -> dict[str, str]:
        """Every long option string (both spellings of a pair) → parameter name."""
        return {opt: param.name for param in self.options for opt in param.all_opts if opt.startswith("--")}


# -- the parameters ------------------------------------------------------------------------------------------
def _flag(
    name: str,
    opts: tuple[str, ...],
    help: str,
    default: object = False,
    *,
    eager: bool = False,
    expose: bool = True,
) -> Param:
    return Param(name, opts, help, kind="flag", default=default, eager=eager, expose=expose)


def _pair(name: str, opts: tuple[str, ...], negative: str, help: str, default: object) -> Param:
    return Param(name, opts, help, kind="flag", default=default, secondary_opts=(negative,))


def _many(name: str, opts: tuple[str, ...], help: str, type: ValueType = TEXT) -> Param:
    return Param(name, opts, help, kind="multiple", type=type, default=())


def _params(*params: Param) -> dict[str, Param]:
    return {param.name: param for param in params}


SHARED = _params(
    _flag("help", ("-h", "--help"), "Print this help and exit.", eager=True, expose=False),
    _flag("version", ("--version",), "Print the version and exit.", eager=True, expose=False),
    _pair("color", ("--color",), "--no-color", "Colour the output, or don't, instead of detecting it.", None),
    Param("verbose", ("-v", "--verbose"), "Say more; repeat for even more.", kind="count", default=0),
    Param("quiet", ("-q", "--quiet"), "Say less; repeat for even less.", kind="count", default=0),
    _flag("dry_run", ("-n", "--dry-run"), "Show what would change, change nothing."),
    _flag("pre", ("-p", "--pre"), "Let pre-releases be chosen.", default=None),
    _flag("rebuild", ("-r", "--rebuild"), "Empty the caches first and resolve from scratch."),
    _many("extras", ("--extra",), "Include this extra of the project; repeatable."),
    _flag("all_extras", ("--all-extras",), "Include every extra the project declares."),
    _many("find_links", ("-f", "--find-links"), "Also look for distributions in this directory or page."),
    Param("index_url", ("-i", "--index-url"), "Use this package index (default https://pypi.org/simple)."),
    _flag("no_index", ("--no-index",), "Use no package index, only --find-links locations."),
    _many("extra_index_url", ("--extra-index-url",), "Also search this index; repeatable."),
    Param("cert", ("--cert",), "Verify servers with this CA bundle."),
    Param(
        "client_cert", ("--client-cert",), "Present this client certificate (key and cert in one PEM file)."
    ),
    _many("trusted_host", ("--trusted-host",), "Accept this host without valid HTTPS; repeatable."),
    Param(
        "uploaded_prior_to",
        ("--uploaded-prior-to",),
        "Ignore files uploaded at or after this ISO 8601 date/time.",
    ),
    _pair("header", ("--header",), "--no-header", "Start the output with a header comment.", True),
    _pair(
        "emit_trusted_host",
        ("--emit-trusted-host",),
        "--no-emit-trusted-host",
        "Write --trusted-host lines into the output.",
        True,
    ),
    _pair("annotate", ("--annotate",), "--no-annotate", "Say where each pin comes from.", True),
    Param(
        "annotation_style",
        ("--annotation-style",),
        "Put the 'via' comments on one line or split them over several.",
        type=Choice(("line", "split")),
        default="split",
    ),
    _pair("upgrade", ("-U", "--upgrade"), "--no-upgrade", "Ignore existing pins and take the newest.", False),
    _many(
        "upgrade_packages",
        ("-P", "--upgrade-package"),
        "Ignore the existing pin of this package only; repeatable.",
    ),
    Param(
        "output_file",
        ("-o", "--output-file"),
        "Write to this file (needed with several inputs; otherwise named after the input).",
        type=OutputFile(),
    ),
    Param(
        "newline",
        ("--newline",),
        "Line endings of the output (any case).",
        type=Choice(("LF", "CRLF", "native", "preserve"), case_sensitive=False),
        default="preserve",
    ),
    _pair(
        "allow_unsafe",
        ("--allow-unsafe",),
        "--no-allow-unsafe",
        "Pin pip, setuptools and distribute too instead of leaving them as comments.",
        False,
    ),
    _pair(
        "strip_extras",
        ("--strip-extras",),
        "--no-strip-extras",
        "Leave extras out of the pins so the output works as a constraints file.",
        None,
    ),
    _flag("generate_hashes", ("--generate-hashes",), "Add --hash options to every pin."),
    _pair(
        "reuse_hashes",
        ("--reuse-hashes",),
        "--no-reuse-hashes",
        "Take hashes from the existing output file where they still apply.",
        True,
    ),
    Param(
        "max_rounds",
        ("--max-rounds",),
        "Give up resolving after this many rounds.",
        type=Integer(),
        default=10,
    ),
    _pair(
        "build_isolation",
        ("--build-isolation",),
        "--no-build-isolation",
        "Build source distributions in isolated environments.",
        True,
    ),
    _pair(
        "emit_find_links",
        ("--emit-find-links",),
        "--no-emit-find-links",
        "Write --find-links lines into the output.",
        True,
    ),
    Param(
        "cache_dir",
        ("--cache-dir",),
        "Keep pip-tools' cache in this directory (also PIP_TOOLS_CACHE_DIR).",
        type=PathValue(metavar="DIRECTORY", file_okay=False, readable=True, writable=True),
        envvar="PIP_TOOLS_CACHE_DIR",
    ),
    Param("pip_args_str", ("--pip-args",), "Extra pip options, as one shell-quoted string."),
    Param(
        "resolver_name",
        ("--resolver",),
        "Which resolver to use (also PIP_TOOLS_RESOLVER).",
        type=Choice(("legacy", "backtracking")),
        default="backtracking",
        envvar="PIP_TOOLS_RESOLVER",
    ),
    _pair(
        "emit_index_url",
        ("--emit-index-url",),
        "--no-emit-index-url",
        "Write --index-url lines into the output.",
        True,
    ),
    _pair(
        "emit_options", ("--emit-options",), "--no-emit-options", "Write any options into the output.", True
    ),
    _many(
        "unsafe_package", ("--unsafe-package",), "Treat this package as unsafe (replaces the default set)."
    ),
    Param(
        "config",
        ("--config",),
        "Read option defaults from this TOML file instead of .pip-tools.toml or pyproject.toml.",
        type=PathValue(metavar="FILE", exists=True, dir_okay=False, readable=True),
        eager=True,
    ),
    _flag("no_config", ("--no-config",), "Read no configuration file.", eager=True),
    _many("constraint", ("-c", "--constraint"), "Constrain versions with this file; repeatable."),
    _many(
        "build_deps_targets",
        ("--build-deps-for",),
        "Also list the build dependencies for this target; repeatable.",
        type=Choice(("editable", "sdist", "wheel")),
    ),
    _flag("all_build_deps", ("--all-build-deps",), "Also list the build dependencies for every target."),
    _flag("only_build_deps", ("--only-build-deps",), "List build dependencies only."),
    _flag("ask", ("-a", "--ask"), "Show the changes, then ask before making them."),
    _flag("force", ("--force",), "Go on even when the requirements conflict."),
    Param("python_executable", ("--python-executable",), "Synchronise the environment of this Python."),
    _flag("user_only", ("--user",), "Only touch the user site-packages directory."),
    # pipcompat's own compile options, spelled as uv's (``uv pip compile``): see PIPCOMPAT_EXTENSIONS.
    _flag(
        "universal",
        ("--universal",),
        "Write one output valid on every platform and every Python the project supports, with markers "
        "where pins differ (pipcompat's own, as uv's).",
    ),
    Param(
        "python_version",
        ("--python-version",),
        "Resolve for this Python version (X.Y or X.Y.Z); with --universal, the lowest one supported "
        "(pipcompat's own, as uv's).",
    ),
    Param(
        "python_platform",
        ("--python-platform",),
        "Resolve for this platform: linux, macos, windows or a target triple such as "
        "x86_64-unknown-linux-gnu (pipcompat's own, as uv's).",
    ),
    Param(
        "index_strategy",
        ("--index-strategy",),
        "unsafe-best-match (every index is asked, the best version wins) or first-index (only the first "
        "index that has a project is used) (pipcompat's own, as uv's).",
        type=Choice(("unsafe-best-match", "first-index")),
        default="unsafe-best-match",
    ),
    Param(
        "resolution",
        ("--resolution",),
        "highest, lowest or lowest-direct versions (pipcompat's own, as uv's).",
        type=Choice(("highest", "lowest", "lowest-direct")),
        default="highest",
    ),
)

SRC_FILES = Param(
    "src_files",
    (),
    "",
    kind="arguments",
    type=PathValue(exists=True, allow_dash=True),
    default=(),
)

_COMPILE_ORDER = (
    "help", "version", "color", "verbose", "quiet", "dry_run", "pre", "rebuild", "extras", "all_extras",
    "find_links", "index_url", "no_index", "extra_index_url", "cert", "client_cert", "trusted_host",
    "uploaded_prior_to", "header", "emit_trusted_host", "annotate", "annotation_style", "upgrade",
    "upgrade_packages", "output_file", "newline", "allow_unsafe", "strip_extras", "generate_hashes",
    "reuse_hashes", "max_rounds", "src_files", "build_isolation", "emit_find_links", "cache_dir",
    "pip_args_str", "resolver_name", "emit_index_url", "emit_options", "unsafe_package", "config",
    "no_config", "constraint", "build_deps_targets", "all_build_deps", "only_build_deps",
    "universal", "python_version", "python_platform", "index_strategy", "resolution",
)  # fmt: skip

_SYNC_ORDER = (
    "help", "version", "ask", "dry_run", "force", "find_links", "index_url", "extra_index_url",
    "trusted_host", "no_index", "python_executable", "verbose", "quiet", "user_only", "cert",
    "client_cert", "src_files", "pip_args_str", "config", "no_config",
)  # fmt: skip


def _pick(names: Sequence[str]) -> tuple[Param, ...]:
    return tuple(SRC_FILES if name == "src_files" else SHARED[name] for name in names)


COMPILE = CommandSpec(
    command="compile",
    program="pip-compile",
    summary=(
        "Pin the requirements of requirements.in, pyproject.toml, setup.cfg or setup.py into a "
        "requirements.txt (pip-compile's command line)."
    ),
    arguments_metavar="[SRC_FILES]...",
    params=_pick(_COMPILE_ORDER),
    epilog=(
        "Examples:\n"
        "  pipcompat pip compile                          requirements.in -> requirements.txt\n"
        "  pipcompat pip compile -P requests              move one pin, keep the others\n"
        "  pipcompat pip compile --extra dev pyproject.toml\n"
    ),
)

SYNC = CommandSpec(
    command="sync",
    program="pip-sync",
    summary=(
        "Make the environment hold exactly what the requirement files list, installing, upgrading and "
        "removing as needed (pip-sync's command line)."
    ),
    arguments_metavar="[SRC_FILES]...",
    params=_pick(_SYNC_ORDER),
    epilog=(
        "Examples:\n"
        "  pipcompat pip sync                              follow requirements.txt\n"
        "  pipcompat pip sync requirements.txt dev.txt     follow several files\n"
        "  pipcompat pip sync --dry-run                    only show the changes\n"
    ),
)

SPECS: Mapping[str, CommandSpec] = {"compile": COMPILE, "sync": SYNC}

#: pipcompat's own parameters of ``pip compile`` (uv's spellings), listed in the table like pip-compile's
#: but not part of pip-tools' command line (the conformance tests leave them out of the comparison).
PIPCOMPAT_EXTENSIONS = frozenset(
    {"universal", "python_version", "python_platform", "index_strategy", "resolution"}
)
PIPCOMPAT_EXTENSION_OPTS = (
    "--universal",
    "--python-version",
    "--python-platform",
    "--index-strategy",
    "--resolution",
)

#: pipcompat's own options, added to both commands; not part of pip-tools' command line.
SHOW_SETTINGS_OPTS = ("--show-settings",)
SHOW_SETTINGS_HELP = "Print the effective settings and where each one came from, then exit (pipcompat's own)."


def known_config_keys() -> frozenset[str]:
    """Parameter names a pip-tools configuration file may set: those of pip-compile and pip-sync together."""
    return frozenset(param.name for spec in SPECS.values() for param in spec.params)


def params_named(name: str) -> tuple[Param, ...]:
    """The parameters called *name* in pip-compile and pip-sync (one object when they share it)."""
    found: dict[int, Param] = {}
    for spec in SPECS.values():
        param = spec.by_name.get(name)
        if param is not None:
            found[id(param)] = param
    return tuple(found.values())


# -- the parser ---------------------------------------------------------------------------------------------
def build_parser(spec: CommandSpec, prog: str) -> OptionParser:
    """An optparse parser that accepts exactly *spec*'s options, with click's rules, storing raw values.

    Flags store ``True``/``False``, counts count, ``multiple`` options append, every other option stores
    its string; conversion and defaults are applied afterwards (:mod:`pipcompat.cli.piptools`), as click
    does, so that ``--help`` wins over a bad value given before it.
    """
    parser = OptionParser(
        name=f"pip {spec.command}",
        prog=prog,
        usage=f"%prog [OPTIONS] {spec.arguments_metavar}",
        allow_abbrev=False,
    )
    for param in spec.options:
        if param.kind == "flag":
            parser.add_option(*param.opts, dest=param.name, action="store_const", const=True)
            if param.secondary_opts:
                parser.add_option(*param.secondary_opts, dest=param.name, action="store_const", const=False)
        elif param.kind == "count":
            parser.add_option(*param.opts, dest=param.name, action="count")
        elif param.kind == "multiple":
            parser.add_option(*param.opts, dest=param.name, action="append")
        else:
            parser.add_option(*param.opts, dest=param.name, action="store")
    parser.add_option(*SHOW_SETTINGS_OPTS, dest="show_settings", action="store_true")
    parser.set_defaults(**{option.dest: None for option in parser.option_list if option.dest})
    return parser


# -- help ---------------------------------------------------------------------------------------------------
def _rows(rows: Iterable[tuple[str, str]], width: int = 80, column: int = 30) -> list[str]:
    lines: list[str] = []
    for label, text in rows:
        first = f"  {label}"
        body = textwrap.wrap(text, width - column - 4) or [""]
        if len(first) > column:
            lines.append(first)
            lines.extend(" " * (column + 2) + line for line in body)
        else:
            lines.append(first.ljust(column + 2) + body[0])
            lines.extend(" " * (column + 2) + line for line in body[1:])
    return lines


def render_help(spec: CommandSpec, prog: str, *, cache_dir_default: str | None = None) -> str:
    """The ``--help`` text: usage, what the command does, every option in pip-tools' spelling."""
    rows: list[tuple[str, str]] = []
    for param in spec.options:
        text = param.help
        if param.name == "cache_dir" and cache_dir_default:
            text += f" [default: {cache_dir_default}]"
        rows.append((param.help_label(), text))
    rows.append((", ".join(SHOW_SETTINGS_OPTS), SHOW_SETTINGS_HELP))
    lines = [f"Usage: {prog} [OPTIONS] {spec.arguments_metavar}", ""]
    lines += ["  " + line for line in textwrap.wrap(spec.summary, 76)]
    lines += ["", "Options:", *_rows(rows)]
    if spec.epilog:
        lines += ["", spec.epilog.rstrip("\n")]
    return "\n".join(lines) + "\n"
