"""pip-tools' configuration: ``[tool.pip-tools]`` tables and the ``PIP_TOOLS_*`` variables.

pip-compile and pip-sync 7.6.2 take option defaults from one TOML file and from two environment variables.
This module reproduces how they find and read them, and returns the result as
:class:`~pipcompat.models.ConfigValue` items, lowest precedence first (file, then environment), so the
command line can lay its own values on top.

Finding the file
    Unless ``--no-config`` is processed first, an explicit ``--config FILE`` is read; otherwise the current
    directory is searched for ``.pip-tools.toml`` and then ``pyproject.toml`` and the first *file* found
    is used, whether or not it has a ``[tool.pip-tools]`` table. (pip-tools looks next to the source files
    in principle, but it runs the lookup before the source files are known, so in practice only the
    current directory is searched; so do we.)

Reading it
    The ``[tool.pip-tools]`` table is taken, the table of the running command (``[tool.pip-tools.compile]``
    or ``[tool.pip-tools.sync]``) is merged over it, and both command tables are then dropped. Keys are
    normalised: leading dashes stripped, ``-`` becomes ``_``, lower case. A key spelled like one of the
    command's long options (``upgrade-package``, ``pip-args``, ``extra``) becomes that option's parameter
    name (``upgrade_packages``, ``pip_args_str``, ``extras``); a parameter name is accepted as it is. A
    leading ``no_`` is dropped (except for ``--no-index``) and a boolean value given through a ``--no-``
    spelling is inverted: ``no-header = true`` means ``header = false``. A key that names no parameter
    of either pip-compile or pip-sync is an error, and so is a value that either command would reject.

Environment
    ``PIP_TOOLS_CACHE_DIR`` sets ``--cache-dir`` and ``PIP_TOOLS_RESOLVER`` sets ``--resolver`` (when set
    and not empty); they override the file and are overridden by the command line.

The option tables themselves belong to the command line (``pipcompat.cli.piptools_options``); callers pass
the few facts this module needs about them (long option spellings, known parameter names, a validator).
"""

from __future__ import annotations

import importlib
import math
import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pipcompat.errors import ConfigurationError, UsageError
from pipcompat.models import ConfigValue

CONFIG_FILE_NAMES: Final = (".pip-tools.toml", "pyproject.toml")
"""The files searched for, in order, in the current directory."""

COMMAND_TABLES: Final = ("compile", "sync")
"""Sub-tables of ``[tool.pip-tools]`` that apply to one command only."""

ONLY_NEGATIVE_OPTIONS: Final = frozenset({"--no-index"})
"""Long options whose ``--no-`` is part of the name, not a negation."""

PIP_TOOLS_CACHE_DIR: Final = "PIP_TOOLS_CACHE_DIR"
"""pip-tools' cache directory (pip-compile's ``--cache-dir``)."""

PIP_TOOLS_RESOLVER: Final = "PIP_TOOLS_RESOLVER"
"""pip-compile's resolver (``--resolver``: ``backtracking`` or ``legacy``)."""

#: parameter name → the environment variable that sets it.
ENVIRONMENT_VARIABLES: Final[Mapping[str, str]] = {
    "cache_dir": PIP_TOOLS_CACHE_DIR,
    "resolver_name": PIP_TOOLS_RESOLVER,
}

Validator = Callable[[str, object], None]
"""``validate(parameter_name, value)`` raises :class:`UsageError` for a value the commands would refuse."""


@dataclass(frozen=True)
class PipToolsConfigValue(ConfigValue):
    """A value from a TOML file: ``key`` is a pip-tools parameter name and ``data`` the TOML value itself.

    ``value`` is a readable rendering of ``data`` for ``--show-settings``; TOML values keep their types
    (lists, booleans, numbers) because pip-tools converts them by type, not from text.
    """

    data: object = None


@dataclass(frozen=True)
class PipToolsConfig:
    """The configuration file that was read (if any) and every value from it and from the environment."""

    path: Path | None
    values: tuple[ConfigValue, ...]


# -- finding the file ----------------------------------------------------------------------------------
def find_config_file(cwd: Path, src_files: Sequence[str] = ()) -> Path | None:
    """The first ``.pip-tools.toml`` or ``pyproject.toml`` next to *src_files* (default: in *cwd*).

    The path is relative to *cwd* when it lies under it, as pip-tools reports it.
    """
    directories: list[Path] = []
    for src in src_files or (".",):
        candidate = (cwd / src).resolve()
        directories.append(candidate if candidate.is_dir() else candidate.parent)
    for directory in directories:
        for name in CONFIG_FILE_NAMES:
            path = directory / name
            if path.is_file():
                try:
                    return path.relative_to(cwd)
                except ValueError:
                    return path
    return None


# -- reading it ----------------------------------------------------------------------------------------
def _toml_loads(text: str) -> dict[str, Any]:
    module = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    data: dict[str, Any] = module.loads(text)
    return data


def normalise_key(key: str) -> str:
    """``--Upgrade-Package`` → ``upgrade_package``."""
    return key.lstrip("-").replace("-", "_").lower()


def long_option_for(key: str) -> str:
    """``upgrade_package`` → ``--upgrade-package``."""
    return "--" + key.lstrip("-").replace("_", "-").lower()


def render_value(data: object) -> str:
    """A TOML-like rendering of a configuration value, for people."""
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, str):
        return data
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, (list, tuple)):
        items = (repr(item) if isinstance(item, str) else render_value(item) for item in data)
        return "[" + ", ".join(items) + "]"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{key} = {render_value(value)}" for key, value in data.items()) + "}"
    return str(data)


def read_config_file(
    path: Path,
    command: str,
    *,
    cwd: Path,
    long_options: Mapping[str, str],
    known_keys: Collection[str],
    validate: Validator | None = None,
) -> tuple[PipToolsConfigValue, ...]:
    """The values *path* sets for *command* (``"compile"`` or ``"sync"``), in file order.

    *long_options* maps every long option string of the running command (both spellings of a flag
    pair) to its parameter name; *known_keys* holds the parameter names of pip-compile and pip-sync
    together; *validate* checks a value against the types of both commands.

    Raises :class:`ConfigurationError` (exit 1) for a file that cannot be read or parsed, and
    :class:`UsageError` (exit 2) for an unknown key or a bad value, as pip-tools does.
    """
    full = path if path.is_absolute() else cwd / path
    try:
        document = _toml_loads(full.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"could not read '{path}': {exc.strerror or exc}", hint="check the --config path"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"could not parse '{path}': {exc}", hint="fix the TOML syntax") from None

    tool = document.get("tool", {})
    table = tool.get("pip-tools", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigurationError(f"'{path}': [tool.pip-tools] must be a table")

    # key → (value, origin), in the order pip-tools' dictionary would hold them.
    base_origin = f"{path} [tool.pip-tools]"
    merged: dict[str, tuple[object, str]] = {key: (value, base_origin) for key, value in table.items()}
    command_table = merged.pop(command, ({}, base_origin))[0]
    if not isinstance(command_table, dict):
        raise ConfigurationError(f"'{path}': [tool.pip-tools.{command}] must be a table")
    section_origin = f"{path} [tool.pip-tools.{command}]"
    for key, value in command_table.items():
        merged[key] = (value, section_origin)
    for name in COMMAND_TABLES:
        merged.pop(name, None)

    normalised: dict[str, tuple[object, str]] = {}
    for key, item in merged.items():
        normalised[normalise_key(key)] = item

    resolved: dict[str, tuple[object, str]] = {}
    for key, (value, origin) in normalised.items():
        option = long_option_for(key)
        name = long_options.get(option, key)
        negative = option.startswith("--no-") and option not in ONLY_NEGATIVE_OPTIONS
        if name.startswith("no_") and option not in ONLY_NEGATIVE_OPTIONS:
            name = name[len("no_") :]
        resolved[name] = (not value if negative and isinstance(value, bool) else value, origin)

    for name, (value, _origin) in resolved.items():
        if name not in known_keys:
            import difflib  # only for an unknown key

            close = difflib.get_close_matches(name, list(known_keys))
            raise UsageError(
                f"no such config key {name!r} in '{path}'",
                hint=f"did you mean {' or '.join(repr(match) for match in close)}?" if close else None,
            )
        if validate is not None:
            validate(name, value)

    return tuple(
        PipToolsConfigValue(key=name, value=render_value(value), origin=origin, data=value)
        for name, (value, origin) in resolved.items()
    )


# -- the environment -----------------------------------------------------------------------------------
def environment_values(environ: Mapping[str, str]) -> tuple[ConfigValue, ...]:
    """``PIP_TOOLS_*`` variables that are set and not empty, keyed by the parameter they set."""
    return tuple(
        ConfigValue(key=name, value=environ[variable], origin=variable)
        for name, variable in ENVIRONMENT_VARIABLES.items()
        if environ.get(variable)
    )


def load_piptools_config(
    command: str,
    *,
    config_file: str | None,
    no_config: bool,
    cwd: Path,
    environ: Mapping[str, str],
    long_options: Mapping[str, str],
    known_keys: Collection[str],
    validate: Validator | None = None,
) -> PipToolsConfig:
    """The configuration of one pip-compile/pip-sync run, lowest precedence first.

    *config_file* is the ``--config`` value (already checked to be a readable file) and *no_config*
    whether ``--no-config`` was processed before it; see the module documentation for the rules.
    """
    path: Path | None = None
    file_values: tuple[PipToolsConfigValue, ...] = ()
    if not no_config:
        path = Path(config_file) if config_file is not None else find_config_file(cwd)
        if path is not None:
            file_values = read_config_file(
                path, command, cwd=cwd, long_options=long_options, known_keys=known_keys, validate=validate
            )
    return PipToolsConfig(path=path, values=(*file_values, *environment_values(environ)))


# -- the default cache directory -----------------------------------------------------------------------
def default_cache_dir(environ: Mapping[str, str], platform: str = sys.platform) -> str:
    """pip-tools' default ``--cache-dir``: the per-user cache directory of an application ``pip-tools``."""
    home = environ.get("HOME") or os.path.expanduser("~")
    if platform == "darwin":
        return os.path.join(home, "Library", "Caches", "pip-tools")
    if platform == "win32":
        local = environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(os.path.normpath(local), "pip-tools", "Cache")
    base = environ.get("XDG_CACHE_HOME", "")
    if not base.strip():
        base = os.path.join(home, ".cache")
    return os.path.join(base, "pip-tools")
