"""Configuration sources below the command line, merged into one precedence-ordered list.

Lowest precedence first (the command line, applied by the parser, beats them all)::

    pip.conf files   global < user < site < PIP_CONFIG_FILE, and in each: [global] < [<command>]
    PIP_* variables
    pipcompat.toml / pyproject.toml [tool.pipcompat]   (user file < project files; top level < [<command>])
    PIPCOMPAT_* variables

:func:`load_config_values` returns the values as :class:`~pipcompat.models.ConfigValue` items for
:class:`pipcompat.cli.parser.OptionParser`, which converts them as pip does and records their origins.
``docs/configuration.md`` describes every layer.
"""

from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Mapping
from pathlib import Path

from pipcompat import envvars
from pipcompat.config.pipcompat_toml import environ_values, pipcompat_sources, toml_values
from pipcompat.config.pipconf import ENV_SECTION, GLOBAL_SECTION, PipConfiguration
from pipcompat.models import ConfigValue

__all__ = ["ConfigValue", "command_sections", "default_cache_dir", "load_config_values", "pipcompat_table"]

#: pip-tools' commands run pip's ``install`` command underneath, so they read its section.
_PIP_SECTION_ALIASES = {"compile": "install", "sync": "install"}
_COMMAND_ALIASES = {"pip-compile": "compile", "pip-sync": "sync"}


def _command_name(command: str) -> str:
    name = " ".join(command.split())
    name = name.removeprefix("pip ")
    return _COMMAND_ALIASES.get(name, name)


def command_sections(command: str) -> tuple[str, ...]:
    """The pip.conf sections a command applies, in order: ``("global", "install", ":env:")`` for install.

    ``compile``/``sync`` (pip-tools) read ``[install]``; ``venv`` and ``global`` (pip's main parser, for the
    options before the command name) read only ``[global]`` (and ``PIP_*``).
    """
    name = _command_name(command)
    if name in ("venv", GLOBAL_SECTION):
        # pip's main parser (the options before the command name) is named "global".
        return (GLOBAL_SECTION, ENV_SECTION)
    return (GLOBAL_SECTION, _PIP_SECTION_ALIASES.get(name, name), ENV_SECTION)


def pipcompat_table(command: str) -> str | None:
    """The command table of pipcompat's own files: ``install``, ``compile``, ``sync``, ``venv``...

    ``None`` for ``global`` (pip's main parser), which applies the top-level keys only.
    """
    name = _command_name(command)
    return None if name == GLOBAL_SECTION else name


def load_config_values(
    command: str,
    *,
    isolated: bool,
    environ: Mapping[str, str],
    cwd: Path,
    site_prefix: str | os.PathLike[str] | None = None,
) -> list[ConfigValue]:
    """Every configuration value for *command* below the command line, lowest precedence first.

    *command* is a pip command name (``install``, also accepted as ``pip install``), ``compile``/``sync``
    or ``venv``. *isolated* (``--isolated``) ignores user files and environment variables, as pip does:
    the global and site files and ``PIP_CONFIG_FILE`` are still read, and so are the project's files.
    *site_prefix* is the environment whose ``pip.conf`` is the site file (default: ``VIRTUAL_ENV``, else
    ``sys.prefix``). Keys are normalised (``index-url``); pip's empty values are dropped.

    Raises :class:`~pipcompat.errors.ConfigurationError` naming the file when one cannot be loaded.
    """
    pip_config = PipConfiguration(environ, isolated=isolated, site_prefix=site_prefix, cwd=cwd).load()
    values = pip_config.command_values(command_sections(command))
    values += toml_values(
        pipcompat_sources(isolated=isolated, environ=environ, cwd=cwd), pipcompat_table(command)
    )
    if not isolated:
        values += environ_values(environ, envvars.PIPCOMPAT_PREFIX)
    return values


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """pipcompat's cache when no option names one: ``PIPCOMPAT_CACHE_DIR``, else the user cache directory.

    On Linux and other XDG systems that is ``$XDG_CACHE_HOME/pipcompat`` (default ``~/.cache/pipcompat``),
    computed from *environ*; elsewhere it is :func:`platformdirs.user_cache_dir` (which reads the process
    environment). Also available as :func:`pipcompat.settings.default_cache_dir`.
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get(envvars.PIPCOMPAT_CACHE_DIR)
    if chosen:
        return Path(os.path.expanduser(chosen))
    if sys.platform in ("win32", "darwin"):
        import platformdirs

        return Path(platformdirs.user_cache_dir("pipcompat", appauthor=False))
    base = environ.get(envvars.XDG_CACHE_HOME, "").strip()
    if not posixpath.isabs(base):
        home = environ.get(envvars.HOME) or os.path.expanduser("~")
        base = os.path.join(home, ".cache")
    return Path(base) / "pipcompat"
