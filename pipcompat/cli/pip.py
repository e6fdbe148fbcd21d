"""``pipcompat pip <command> …``: pip 26.3's command line, parsed the way pip parses it.

pip reads its command line in two passes, and so does this module:

1. the *main* parser reads the general options that come before the command name and stops at the first
   argument that is not an option (``pip -q install x``: ``-q``, then ``install``);
2. the command's parser reads every argument except the command name itself, general options again
   included, with options and arguments interspersed (``pip install x -q``).

Configuration (``pip.conf``, ``PIP_*``, pipcompat's own layers) becomes each parser's defaults; the command's
parser ignores the environment and user files when ``--isolated`` is among its arguments (pip looks for that
exact string, not for an abbreviation or a configuration value). The result is a :class:`CommandSettings`,
run by :func:`pipcompat.commands.run_command`, or printed with ``--show-settings``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipcompat.cli import pip_options
from pipcompat.cli.help import format_command_help, format_main_help
from pipcompat.cli.parser import OptionParser
from pipcompat.errors import ERROR, SUCCESS, PipcompatError
from pipcompat.models import ConfigValue
from pipcompat.settings import CommandSettings

PROG = "pipcompat pip"

#: Commands under ``pipcompat pip`` that another front door parses: ``name → "module:function"``, the function
#: called as ``function(name, args)`` with the arguments minus the command name, returning an exit status.
DELEGATED_COMMANDS: dict[str, str] = {
    "compile": "pipcompat.cli.piptools:main",
    "sync": "pipcompat.cli.piptools:main",
}

#: pip's exit status when ``--python`` comes after the command name (pip re-runs itself under the interpreter
#: ``--python`` names, so the option only means something before the command).
PYTHON_AFTER_COMMAND_STATUS = ERROR


class ImmediateOutput(Exception):
    """The command line asks for text and an exit status, not for a command: help, the version."""

    def __init__(self, text: str, status: int = SUCCESS) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


@dataclass(frozen=True)
class Delegated:
    """A command that another front door parses, with the arguments it gets."""

    name: str
    target: str
    args: tuple[str, ...]


def version_line() -> str:
    """pip's ``--version`` line, with pipcompat's location and version.

    ``pip 26.3 from /…/pipcompat (pipcompat 0.1.0, python 3.12)``: the first word and the version stay where
    scripts look for them (``split()[1]``, ``pip (\\S+) from``), the location is still between ``from`` and
    `` (``, and the Python version is still the last word before the closing parenthesis.
    """
    from pipcompat import __file__ as package_file
    from pipcompat import __version__

    location = os.path.dirname(os.path.abspath(package_file))
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return f"pip {pip_options.PIP_VERSION} from {location} (pipcompat {__version__}, python {python})"


def command_list() -> list[tuple[str, str]]:
    """``(name, summary)`` of every command, in pip's order."""
    return [(spec.name, spec.summary) for spec in pip_options.ALL_COMMANDS.values()]


def unknown_command(name: str) -> PipcompatError:
    """pip's message and status (1) for a command name it does not know, with its guess if it has one."""
    known = [*pip_options.ALL_COMMANDS, *DELEGATED_COMMANDS]
    import difflib  # only for an unknown command

    guesses = difflib.get_close_matches(name.lower(), known)
    message = f'unknown command "{name}"'
    if guesses:
        message += f' - maybe you meant "{guesses[0]}"'
    return PipcompatError(message, exit_code=ERROR)


def load_config(
    command: str, *, isolated: bool, environ: Mapping[str, str], cwd: Path
) -> Sequence[ConfigValue]:
    """The configuration values for *command* (``global`` for the main parser), lowest precedence first."""
    from pipcompat.config import load_config_values

    return load_config_values(command, isolated=isolated, environ=environ, cwd=cwd)


def parse_command_args(
    name: str, args: Sequence[str], *, config: Sequence[ConfigValue] = ()
) -> tuple[OptionParser, dict[str, Any], list[str]]:
    """Parse the arguments of command *name* (general options included, command name excluded).

    Returns the parser (for its ``origins`` and ``given``), every destination's value, and the positional
    arguments. Raises :class:`ImmediateOutput` for ``--help``.
    """
    spec = pip_options.ALL_COMMANDS[name]
    parser = pip_options.build_command_parser(spec, config=config, prog=PROG)
    try:
        values, positionals = parser.parse_args(list(args))
    except pip_options.HelpRequested as request:
        raise ImmediateOutput(format_command_help(request.parser)) from None
    return parser, dict(vars(values)), positionals


def parse_command_line(
    argv: Sequence[str], *, environ: Mapping[str, str], cwd: Path
) -> CommandSettings | Delegated:
    """Turn ``pipcompat pip`` arguments into the settings of one command (or a delegated command).

    Raises :class:`ImmediateOutput` for help and the version, :class:`~pipcompat.errors.UsageError` (exit 2)
    for a command line pip would refuse, and :class:`~pipcompat.errors.PipcompatError` (exit 1) for an
    unknown command or ``--python`` after the command name.
    """
    args = list(argv)
    # pip's main parser reads [global] and the environment, even with --isolated.
    main_parser = pip_options.build_main_parser(
        config=load_config("global", isolated=False, environ=environ, cwd=cwd), prog=PROG
    )
    try:
        general, rest = main_parser.parse_args(args)
    except pip_options.HelpRequested:
        raise ImmediateOutput(format_main_help(main_parser, command_list())) from None
    if general.version:
        raise ImmediateOutput(version_line() + "\n")
    if not rest or rest == ["help"]:
        raise ImmediateOutput(format_main_help(main_parser, command_list()))

    name = rest[0]
    # Everything but the command name: the general options before it are read again by the command's parser.
    command_args = list(args)
    command_args.remove(name)
    if name in DELEGATED_COMMANDS:
        return Delegated(name, DELEGATED_COMMANDS[name], tuple(command_args))
    if name not in pip_options.ALL_COMMANDS:
        raise unknown_command(name)

    isolated = "--isolated" in command_args
    config = load_config(name, isolated=isolated, environ=environ, cwd=cwd)
    parser, values, positionals = parse_command_args(name, command_args, config=config)
    origins = dict(parser.origins)

    if values.get("python") and not general.python:
        raise PipcompatError(
            "The --python option must be placed before the pip subcommand name",
            exit_code=PYTHON_AFTER_COMMAND_STATUS,
        )
    if general.python:
        # pip runs the command again under the interpreter named before the command; that one is the target.
        values["python"] = general.python
        origins["python"] = main_parser.origins.get("python", origins.get("python", "default"))

    return CommandSettings(
        command=f"pip {name}",
        args=tuple(positionals),
        values=values,
        origins=origins,
        given=dict(parser.given),
    )


def _help_command(settings: CommandSettings, *, environ: Mapping[str, str], cwd: Path) -> int:
    """``pip help <command>``: the command's help; nothing at all without a command name (as pip)."""
    if not settings.args:
        return SUCCESS
    name = settings.args[0]
    if name in DELEGATED_COMMANDS:
        return _run_delegated(Delegated(name, DELEGATED_COMMANDS[name], ("--help",)))
    spec = pip_options.ALL_COMMANDS.get(name)
    if spec is None:
        raise unknown_command(name)
    config = load_config(name, isolated=False, environ=environ, cwd=cwd)
    parser = pip_options.build_command_parser(spec, config=config, prog=PROG)
    sys.stdout.write(format_command_help(parser))
    return SUCCESS


def _run_delegated(command: Delegated) -> int:
    import importlib

    module_name, _, function = command.target.partition(":")
    entry: Callable[[str, list[str]], int] = getattr(importlib.import_module(module_name), function)
    return entry(command.name, list(command.args))


def main(argv: list[str]) -> int:
    """``pipcompat pip …`` with *argv* (what follows ``pip``); returns the exit status.

    Errors are raised as :class:`~pipcompat.errors.PipcompatError` for the top-level entry point to print.
    """
    environ: Mapping[str, str] = os.environ
    cwd = Path.cwd()
    try:
        parsed = parse_command_line(argv, environ=environ, cwd=cwd)
    except ImmediateOutput as output:
        sys.stdout.write(output.text)
        return output.status
    if isinstance(parsed, Delegated):
        return _run_delegated(parsed)

    settings = parsed
    if settings.command == "pip help" and not settings.get("show_settings"):
        return _help_command(settings, environ=environ, cwd=cwd)

    from pipcompat.commands import execute

    return execute(settings, environ=environ, cwd=cwd)
