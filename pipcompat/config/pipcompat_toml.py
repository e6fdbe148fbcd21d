"""pipcompat's own configuration: ``pipcompat.toml`` and ``[tool.pipcompat]`` in ``pyproject.toml``.

The keys are pip's long option names (``index-url``, ``find-links``, ``no-cache-dir``; ``_`` and ``-`` are
the same). Keys at the top level apply to every command; a table named after a command applies to that
command only and overrides the top level::

    # pyproject.toml                          # pipcompat.toml: the same, without the "tool.pipcompat"
    [tool.pipcompat]
    index-url = "https://mirror.example/simple"
    find-links = ["./wheels", "https://example.org/links"]
    timeout = 30

    [tool.pipcompat.install]
    no-deps = true

Values are converted to the strings a ``pip.conf`` would hold, so they go through pip's conversions:
booleans become ``true``/``false``, numbers their decimal form, lists their items joined by spaces (an item
may not contain whitespace). Empty strings and empty lists are dropped, as pip drops empty values.

Files, lowest precedence first: the user file ``$XDG_CONFIG_HOME/pipcompat/pipcompat.toml`` (skipped in
isolated mode), then the project's: the nearest directory, from the working directory up, holding a
``pyproject.toml`` or a ``pipcompat.toml`` contributes its ``[tool.pipcompat]`` and then its
``pipcompat.toml``. As in pip, sections pool across files: every file's top level first, then every file's
command table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipcompat import envvars
from pipcompat.config.pipconf import (
    LOAD_ERROR_STATUS,
    environ_items,
    normalize_name,
    ordered_values,
    user_config_home,
)
from pipcompat.errors import ConfigurationError
from pipcompat.models import ConfigValue

PIPCOMPAT_TOML = "pipcompat.toml"
PYPROJECT_TOML = "pyproject.toml"
#: The pseudo section top-level keys are pooled in (command tables use the command's name).
TOP_LEVEL = "*"

_SCALARS = (str, bool, int, float)

__all__ = [
    "PIPCOMPAT_TOML",
    "PYPROJECT_TOML",
    "TomlSource",
    "environ_values",
    "find_project_dir",
    "load_toml",
    "pipcompat_sources",
    "toml_values",
    "user_config_file",
]


@dataclass(frozen=True)
class TomlSource:
    """One table of pipcompat settings: a whole ``pipcompat.toml`` or ``[tool.pipcompat]`` of a pyproject."""

    path: Path
    table: tuple[str, ...]
    """Where the settings sit in the file: ``()`` or ``("tool", "pipcompat")``."""
    data: Mapping[str, Any]

    def origin(self, command_table: str | None = None) -> str:
        parts = [*self.table, command_table] if command_table else list(self.table)
        return f"{self.path} [{'.'.join(parts)}]" if parts else str(self.path)


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; any problem is a one-line :class:`ConfigurationError` naming the file."""
    # Imported here: most commands find no TOML configuration, and start-up should not pay for the parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    try:
        with open(path, "rb") as stream:
            data: dict[str, Any] = tomllib.load(stream)
        return data
    except tomllib.TOMLDecodeError as exc:
        problem = str(exc).splitlines()[0]
    except UnicodeDecodeError:
        problem = "it is not valid UTF-8"
    except OSError as exc:
        problem = exc.strerror or str(exc)
    raise ConfigurationError(
        f"configuration file {path} could not be loaded: {problem}",
        hint="fix the file or move it out of the way",
        exit_code=LOAD_ERROR_STATUS,
    )


def user_config_file(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/pipcompat/pipcompat.toml`` (``%APPDATA%\\pipcompat\\pipcompat.toml`` on Windows)."""
    return Path(user_config_home(environ)) / "pipcompat" / PIPCOMPAT_TOML


def find_project_dir(cwd: Path) -> Path | None:
    """The nearest directory, *cwd* or a parent, holding a ``pyproject.toml`` or a ``pipcompat.toml``."""
    for directory in (cwd, *cwd.parents):
        if (directory / PYPROJECT_TOML).is_file() or (directory / PIPCOMPAT_TOML).is_file():
            return directory
    return None


def pipcompat_sources(*, isolated: bool, environ: Mapping[str, str], cwd: Path) -> list[TomlSource]:
    """Every pipcompat settings table that applies from *cwd*, lowest precedence first."""
    sources = []
    if not isolated:
        user_file = user_config_file(environ)
        if user_file.is_file():
            sources.append(TomlSource(user_file, (), load_toml(user_file)))
    project = find_project_dir(Path(cwd).absolute())
    if project is not None:
        pyproject = project / PYPROJECT_TOML
        if pyproject.is_file():
            tool = _project_data(pyproject).get("tool", {})
            table = tool.get("pipcompat") if isinstance(tool, dict) else None
            if table is not None:
                if not isinstance(table, dict):
                    raise _value_error(pyproject, "tool.pipcompat", "must be a table")
                sources.append(TomlSource(pyproject, ("tool", "pipcompat"), table))
        own = project / PIPCOMPAT_TOML
        if own.is_file():
            sources.append(TomlSource(own, (), load_toml(own)))
    return sources


def _project_data(pyproject: Path) -> dict[str, Any]:
    """A project's ``pyproject.toml``, read for its ``[tool.pipcompat]`` table.

    A file that cannot be read is an error only when it mentions pipcompat: pip never reads this file to
    install from a requirements file, so one that is broken and cannot hold pipcompat's settings is
    passed over (``{}``), and the command runs as pip's would.
    """
    try:
        return load_toml(pyproject)
    except ConfigurationError:
        try:
            mentioned = b"pipcompat" in pyproject.read_bytes()
        except OSError:
            mentioned = False
        if mentioned:
            raise
        return {}


def _value_error(path: Path, where: str, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"configuration file {path}: {where} {problem}",
        hint="keys are pip's long option names; values are strings, booleans, numbers or lists of them",
        exit_code=LOAD_ERROR_STATUS,
    )


def _as_config_string(value: Any, *, path: Path, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        items = []
        for item in value:
            if not isinstance(item, _SCALARS):
                raise _value_error(path, where, "may only list strings, booleans or numbers")
            text = _as_config_string(item, path=path, where=where)
            if not text or any(char.isspace() for char in text):
                raise _value_error(path, where, f"has an item that is empty or contains whitespace: {text!r}")
            items.append(text)
        return " ".join(items)
    raise _value_error(path, where, f"has a value of an unsupported type ({type(value).__name__})")


def _source_sections(source: TomlSource) -> dict[str, dict[str, str]]:
    """``{"*": {key: value}, "<command>": {key: value}, ...}`` with keys and values in pip.conf form."""
    sections: dict[str, dict[str, str]] = {TOP_LEVEL: {}}
    prefix = ".".join(source.table)
    for raw_key, value in source.data.items():
        where = f"{prefix}.{raw_key}" if prefix else raw_key
        if isinstance(value, dict):
            entries = sections.setdefault(normalize_name(raw_key), {})
            for inner_key, inner in value.items():
                inner_where = f"{where}.{inner_key}"
                if isinstance(inner, dict):
                    raise _value_error(source.path, inner_where, "is a table; command tables hold options")
                entries[normalize_name(inner_key)] = _as_config_string(
                    inner, path=source.path, where=inner_where
                )
        else:
            sections[TOP_LEVEL][normalize_name(raw_key)] = _as_config_string(
                value, path=source.path, where=where
            )
    return sections


def toml_values(sources: Sequence[TomlSource], command_table: str | None) -> list[ConfigValue]:
    """The values of *sources* for a command: top-level keys, then the command's table, later files winning.

    Every source is validated whole, so a bad value is reported whichever command runs.
    """
    sections = [TOP_LEVEL] if command_table is None else [TOP_LEVEL, command_table]
    pools: list[tuple[Mapping[str, str], Callable[[str], str]]] = []
    for source in sources:
        entries = {
            f"{section}.{key}": value
            for section, values in _source_sections(source).items()
            for key, value in values.items()
        }
        pools.append((entries, _origin_of(source)))
    return ordered_values(pools, sections)


def _origin_of(source: TomlSource) -> Callable[[str], str]:
    return lambda section: source.origin(None if section == TOP_LEVEL else section)


def environ_values(environ: Mapping[str, str], prefix: str = envvars.PIPCOMPAT_PREFIX) -> list[ConfigValue]:
    """``PIPCOMPAT_<NAME>`` variables as configuration values (empty ones dropped), in environment order."""
    pooled: dict[str, tuple[str, str]] = {}
    for variable, name, value in environ_items(environ, prefix):
        pooled[normalize_name(name)] = (value, variable)
    return [ConfigValue(key, value, variable) for key, (value, variable) in pooled.items() if value]
