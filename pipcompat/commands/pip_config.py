"""``pipcompat pip config``: read and change pip's configuration files, as ``pip config`` does.

Actions: ``list``, ``get NAME``, ``set NAME VALUE``, ``unset NAME``, ``edit`` and ``debug``, with pip's
output (``key='value'`` lines; ``debug`` lists every file with ``exists: True/False``) and exit statuses
(1 for a failed action, 2 for a configuration file that cannot be loaded). ``--global``, ``--user`` and
``--site`` choose the file; without one, ``get``/``set``/``unset``/``edit`` use the site file when it exists
and the user file otherwise, while ``list`` and ``debug`` show everything.

This command manages ``pip.conf`` files only; pipcompat's own TOML files are not listed or changed here.
Files are written atomically (a temporary file, then a rename), other sections preserved.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from pipcompat import envvars
from pipcompat.config.pipconf import Kind, PipConfiguration, config_file_locations, environ_items
from pipcompat.errors import ERROR, SUCCESS, PipcompatError
from pipcompat.settings import ConfigCommandSettings

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset(
    {"editor", "global_file", "user_file", "site_file", "isolated_mode", "require_venv"}
)

#: action → the names of its arguments.
ACTIONS: dict[str, tuple[str, ...]] = {
    "list": (),
    "edit": (),
    "get": ("name",),
    "set": ("name", "value"),
    "unset": ("name",),
    "debug": (),
}
_MODIFYING = frozenset({"get", "set", "unset", "edit"})
_INDENT = "  "


class ConfigCommandError(PipcompatError):
    """A ``pip config`` action that failed (exit status 1, as pip's)."""

    exit_code = ERROR


def _file_kind(options: ConfigCommandSettings, *, needs_one: bool, site_files: list[str]) -> Kind | None:
    chosen = [
        kind
        for kind, wanted in (
            (Kind.USER, options.user_file),
            (Kind.GLOBAL, options.global_file),
            (Kind.SITE, options.site_file),
        )
        if wanted
    ]
    if len(chosen) > 1:
        raise ConfigCommandError(
            "Need exactly one file to operate upon (--user, --site, --global) to perform."
        )
    if chosen:
        return chosen[0]
    if not needs_one:
        return None
    return Kind.SITE if any(os.path.exists(path) for path in site_files) else Kind.USER


def run(settings: CommandSettings, ctx: Context) -> int:
    options = ConfigCommandSettings.from_settings(settings, ctx.environ)
    isolated = bool(settings.get("isolated_mode") or settings.get("isolated"))
    args = list(settings.args)
    if not args or args[0] not in ACTIONS:
        raise ConfigCommandError(f"Need an action ({', '.join(sorted(ACTIONS))}) to perform.")
    action, arguments = args[0], args[1:]

    site_files = config_file_locations(ctx.environ)[Kind.SITE]
    load_only = _file_kind(options, needs_one=action in _MODIFYING, site_files=site_files)
    config = PipConfiguration(ctx.environ, isolated=isolated, load_only=load_only, cwd=ctx.cwd).load()

    expected = ACTIONS[action]
    if len(arguments) != len(expected):
        example = " ".join([action, *(f"[{name}]" for name in expected)])
        raise ConfigCommandError(
            f"Got unexpected number of arguments, expected {len(expected)}. "
            f'(example: "pipcompat pip config {example}")'
        )
    if action == "list":
        _list(config, ctx)
    elif action == "get":
        ctx.printer.data(config.get_value(arguments[0]))
    elif action == "set":
        config.set_value(arguments[0], arguments[1])
        _save(config, ctx)
    elif action == "unset":
        config.unset_value(arguments[0])
        _save(config, ctx)
    elif action == "edit":
        _edit(config, options, ctx)
    else:
        _debug(config, ctx)
    return SUCCESS


def _list(config: PipConfiguration, ctx: Context) -> None:
    for _fname, entries in sorted(config.merged().items()):
        for key, value in sorted(entries.items()):
            ctx.printer.data(f"{key}={value!r}")


def _save(config: PipConfiguration, ctx: Context) -> None:
    for warning in config.warnings:
        ctx.printer.warning(warning)

    def report(fname: str) -> None:
        ctx.printer.info_out(f"Writing to {fname}")

    config.save(report)


def _debug(config: PipConfiguration, ctx: Context) -> None:
    out = ctx.printer.data
    out("env_var:")
    for _variable, name, value in sorted(environ_items(ctx.environ), key=lambda item: (item[1], item[2])):
        out(f"{_INDENT}{envvars.PIP_PREFIX}{name.upper()}={value!r}")
    for kind, fnames in sorted(config.config_files()):
        out(f"{kind}:")
        for fname in fnames:
            exists = os.path.exists(config.path_on_disk(fname))
            out(f"{_INDENT}{fname}, exists: {exists!r}")
            if exists:
                for key, value in config.values_in(kind).get(fname, {}).items():
                    out(f"{_INDENT * 2}{key}: {value}")


def _edit(config: PipConfiguration, options: ConfigCommandSettings, ctx: Context) -> None:
    if options.editor is not None:
        editor = options.editor
    elif envvars.VISUAL in ctx.environ:
        editor = ctx.environ[envvars.VISUAL]
    elif envvars.EDITOR in ctx.environ:
        editor = ctx.environ[envvars.EDITOR]
    else:
        raise ConfigCommandError(
            "Could not determine editor to use.", hint="pass --editor, or set VISUAL or EDITOR"
        )
    fname = config.file_to_edit()
    if fname is None:
        raise ConfigCommandError("Could not determine appropriate file.")
    if '"' in fname:
        raise ConfigCommandError(f"cannot open an editor for a file name containing a double quote: {fname}")
    status = subprocess.call(f'{editor} "{fname}"', shell=True, env=dict(ctx.environ), cwd=ctx.cwd)
    if status != 0:
        raise ConfigCommandError(f"Editor Subprocess exited with exit code {status}")
