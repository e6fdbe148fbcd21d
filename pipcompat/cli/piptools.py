"""``pipcompat pip compile`` and ``pipcompat pip sync``: pip-compile's and pip-sync's command lines.

The pip front door hands ``compile`` and ``sync`` to :func:`main`. Parsing follows click as pip-tools 7.6.2
uses it (see :mod:`pipcompat.cli.piptools_options`), in click's order:

1. the whole command line is split into options and source files; an unknown option, an abbreviated
   long option or a missing value is a usage error (exit 2);
2. the eager options act in the order they were given (those not given follow): ``--help`` and
   ``--version`` print and stop; ``--no-config`` given before ``--config`` (or alone) stops the
   configuration file from being read; ``--config`` reads the file, or the lookup finds one;
3. every other parameter takes its value from the command line, else ``PIP_TOOLS_*``, else the
   configuration file, else its default, and is converted by its type: options in the order given, then
   the source files, then the rest.

The result is a :class:`~pipcompat.settings.CommandSettings` for the command ``"pip compile"`` or
``"pip sync"`` whose values are keyed by click's parameter names.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipcompat import __version__
from pipcompat.cli.parser import COMMAND_LINE_ORIGIN, DEFAULT_ORIGIN, ParseError
from pipcompat.cli.piptools_options import (
    PIPTOOLS_VERSION,
    SPECS,
    BadValue,
    CommandSpec,
    Param,
    build_parser,
    known_config_keys,
    params_named,
    render_help,
)
from pipcompat.config.piptools import (
    PipToolsConfigValue,
    default_cache_dir,
    load_piptools_config,
)
from pipcompat.errors import PipcompatError, UsageError
from pipcompat.settings import CommandSettings

FOUND_ORIGIN = "found in the current directory"


@dataclass(frozen=True)
class ParsedCommandLine:
    """Either the settings of a run, or text to print instead of running (``--help``, ``--version``)."""

    settings: CommandSettings | None = None
    output: str | None = None


def program_name(command: str) -> str:
    return f"pipcompat pip {command}"


def _spec(command: str) -> CommandSpec:
    spec = SPECS.get(command)
    if spec is None:
        raise UsageError(f"unknown pip-tools command {command!r}", hint="use 'compile' or 'sync'")
    return spec


def _help_hint(command: str) -> str:
    return f"run '{program_name(command)} --help' for the options"


def _invalid(param: Param, where: str, error: BadValue, command: str) -> UsageError:
    return UsageError(f"invalid value for '{where}': {error}", hint=_help_hint(command))


def _position(names: Sequence[str]) -> dict[str, int]:
    return {name: index for index, name in enumerate(names)}


def parse(
    command: str,
    argv: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ParsedCommandLine:
    """Parse pip-compile's (``command="compile"``) or pip-sync's (``"sync"``) arguments as pip-tools would.

    Raises :class:`UsageError` (exit 2) for bad usage and :class:`~pipcompat.errors.ConfigurationError`
    (exit 1) for a configuration file that cannot be read.
    """
    spec = _spec(command)
    environ = dict(os.environ) if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    prog = program_name(command)

    parser = build_parser(spec, prog)
    try:
        options, rest = parser.parse_args(list(argv))
    except ParseError as exc:
        raise ParseError(exc.message, usage=exc.usage, hint=_help_hint(command)) from None
    given = dict(parser.given)
    raw = {dest: getattr(options, dest) for dest in given}
    order = _position(list(given))

    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    layer: dict[str, tuple[object, str]] = {}

    # -- eager parameters: in the order given, then the others in declaration order -----------------
    eager = sorted(
        (param for param in spec.params if param.eager),
        key=lambda param: (param.name not in order, order.get(param.name, 0)),
    )
    for param in eager:
        if param.name == "help" and raw.get("help"):
            return ParsedCommandLine(
                output=render_help(spec, prog, cache_dir_default=default_cache_dir(environ))
            )
        if param.name == "version" and raw.get("version"):
            return ParsedCommandLine(
                output=f"{spec.program}, version {PIPTOOLS_VERSION} (pipcompat {__version__})\n"
            )
        if param.name == "no_config":
            values["no_config"] = bool(raw.get("no_config"))
            origins["no_config"] = COMMAND_LINE_ORIGIN if "no_config" in given else DEFAULT_ORIGIN
        elif param.name == "config":
            explicit: str | None = None
            if "config" in given:
                try:
                    explicit = str(param.convert(raw["config"], cwd))
                except BadValue as exc:
                    raise _invalid(param, given["config"], exc, command) from None
            config = load_piptools_config(
                command,
                config_file=explicit,
                no_config=values.get("no_config") is True,
                cwd=cwd,
                environ=environ,
                long_options=spec.long_options,
                known_keys=known_config_keys(),
                validate=lambda name, value: _validate_config_value(name, value, cwd, command),
            )
            values["config"] = str(config.path) if config.path is not None else None
            if "config" in given:
                origins["config"] = COMMAND_LINE_ORIGIN
            else:
                origins["config"] = FOUND_ORIGIN if config.path is not None else DEFAULT_ORIGIN
            for item in config.values:
                data = item.data if isinstance(item, PipToolsConfigValue) else item.value
                layer[item.key] = (data, item.origin)

    # -- the others: options in the order given, the source files, then the rest -----------------------
    rest_params = [param for param in spec.params if not param.eager]
    given_first = sorted(
        (param for param in rest_params if param.name in order), key=lambda param: order[param.name]
    )
    arguments = [param for param in rest_params if param.kind == "arguments"]
    others = [param for param in rest_params if param.name not in order and param.kind != "arguments"]
    for param in (*given_first, *arguments, *others):
        value: object
        if param.kind == "arguments" and rest:
            value, origin, where = tuple(rest), COMMAND_LINE_ORIGIN, param.name.upper()
        elif param.name in given:
            value, origin, where = raw[param.name], COMMAND_LINE_ORIGIN, given[param.name]
        elif param.name in layer:
            value, origin = layer[param.name]
            where = origin
        else:
            value = default_cache_dir(environ) if param.name == "cache_dir" else param.default
            origin, where = DEFAULT_ORIGIN, param.long_opt or param.name
        try:
            values[param.name] = param.convert(value, cwd)
        except BadValue as exc:
            raise _invalid(param, where, exc, command) from None
        origins[param.name] = origin

    values["show_settings"] = bool(raw.get("show_settings"))
    origins["show_settings"] = COMMAND_LINE_ORIGIN if "show_settings" in given else DEFAULT_ORIGIN
    ordered = {param.name: values[param.name] for param in spec.params if param.expose}
    ordered["show_settings"] = values["show_settings"]
    src_files = values.get("src_files") or ()
    assert isinstance(src_files, tuple)
    settings = CommandSettings(
        command=f"pip {command}",
        args=tuple(str(name) for name in src_files),
        values=ordered,
        origins={name: origins[name] for name in ordered},
        given=given,
    )
    return ParsedCommandLine(settings=settings)


def _validate_config_value(name: str, value: object, cwd: Path, command: str) -> None:
    """Refuse a configuration value that pip-compile or pip-sync would refuse, as pip-tools does."""
    for param in params_named(name):
        try:
            param.convert(value, cwd)
        except BadValue as exc:
            raise UsageError(
                f"invalid value for config key {name!r}: {value!r} ({exc})", hint=_help_hint(command)
            ) from None


def run(command: str, argv: Sequence[str]) -> int:
    """Parse and run; errors are raised as :class:`PipcompatError` for the caller to render."""
    parsed = parse(command, argv)
    if parsed.output is not None:
        sys.stdout.write(parsed.output)
        return 0
    settings = parsed.settings
    assert settings is not None
    if command == "sync" and not settings.get("show_settings"):
        settings = with_pip_install(settings, environ=os.environ, cwd=Path.cwd())
    elif command == "compile" and settings.get("pip_args_str") and not settings.get("show_settings"):
        settings = with_pip_args(settings)
    from pipcompat.commands import execute

    return execute(settings, environ=os.environ, cwd=Path.cwd())


#: pip install's destinations that pip-compile's builds read when ``--pip-args`` gives them; they replace
#: pip compile's own (``--no-build-isolation`` there is pip-compile's ``--no-build-isolation``).
_PIP_ARGS_BUILD = ("build_isolation", "use_pep517", "check_build_deps")


def with_pip_args(settings: CommandSettings) -> CommandSettings:
    """pip compile's *settings* with ``pip_args``: the options ``--pip-args`` gives, read as pip-compile
    reads them, by pip install's own parser (every pip install option, abbreviations and clustering
    included; an unknown one refused as pip refuses it), by destination. The build options among them
    also replace pip compile's; the others not about indexes (``--no-deps``, ``--progress-bar``...) change
    nothing, as in pip-compile, which resolves without installing."""
    from dataclasses import replace

    from pipcompat.cli.pip import ImmediateOutput, parse_command_args

    try:
        words = shlex.split(str(settings.get("pip_args_str")))
    except ValueError as error:
        raise UsageError(f"invalid --pip-args {settings.get('pip_args_str')!r}: {error}") from None
    try:
        parser, values, _ = parse_command_args("install", words)
    except ImmediateOutput:
        raise UsageError("--pip-args: --help is not an option of pip-compile's pip") from None
    given = {dest: values[dest] for dest in parser.given}
    updated = {**settings.values, "pip_args": given}
    origins = dict(settings.origins)
    for dest in _PIP_ARGS_BUILD:
        if dest in given:
            updated[dest] = given[dest]
            origins[dest] = "--pip-args"
    return replace(settings, values=updated, origins=origins)


def _strings(value: str | Sequence[str] | None) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def install_flags(settings: CommandSettings) -> list[str]:
    """pip-sync's options for the ``pip install`` it runs, as it composes them: its index, find-links,
    trusted-host, ``--user`` and certificate options, then the words of ``--pip-args``."""
    flags: list[str] = []
    if settings.get("no_index"):
        flags.append("--no-index")
    elif settings.get("index_url"):
        flags += ["--index-url", str(settings.get("index_url"))]
    for url in _strings(settings.get("extra_index_url")):
        flags += ["--extra-index-url", url]
    for host in _strings(settings.get("trusted_host")):
        flags += ["--trusted-host", host]
    for link in _strings(settings.get("find_links")):
        flags += ["--find-links", link]
    if settings.get("user_only"):
        flags.append("--user")
    for name in ("cert", "client_cert"):
        if settings.get(name):
            flags += [f"--{name.replace('_', '-')}", str(settings.get(name))]
    try:
        words = shlex.split(str(settings.get("pip_args_str") or ""))
    except ValueError as error:
        raise UsageError(f"--pip-args: {error}") from None
    return flags + words


def with_pip_install(settings: CommandSettings, *, environ: Mapping[str, str], cwd: Path) -> CommandSettings:
    """pip sync's *settings* with ``pip_install``: the settings of the ``pip install`` pip-sync runs, its
    options (:func:`install_flags`) read by pip install's own parser over
    pip's configuration (``pip.conf``, ``PIP_*``), as that pip reads them; pip refuses what it refuses."""
    from dataclasses import replace

    from pipcompat.cli.pip import ImmediateOutput, parse_command_line

    try:
        install = parse_command_line(["install", *install_flags(settings)], environ=environ, cwd=cwd)
    except ImmediateOutput:
        raise UsageError("--pip-args: --help is not an option of the install pip-sync runs") from None
    return replace(settings, values={**settings.values, "pip_install": install})


def main(command: str, argv: list[str]) -> int:
    """Run ``pipcompat pip compile`` (``command="compile"``) or ``pipcompat pip sync`` (``"sync"``).

    Returns the exit status; errors are printed as one ``error:`` line (exit 2 for bad usage).
    """
    try:
        return run(command, argv)
    except PipcompatError as exc:
        from pipcompat.ui import render_error

        render_error(exc)
        return exc.exit_code
