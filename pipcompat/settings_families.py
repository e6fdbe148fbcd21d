"""The settings families of the pip commands that install, write or list (see :mod:`pipcompat.settings`).

They are defined here, apart from the families every resolving command needs, so that a command which needs
none of them (``pip compile``) does not pay for creating their classes; :mod:`pipcompat.settings` imports
this module the first time one of them is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pipcompat.settings import (
    SettingsFamily,
    _as_names,
    _as_tuple,
    _optional_path,
    _optional_str,
    _Reader,
)


@dataclass(frozen=True)
class InstallSettings(SettingsFamily):
    """``pip install``'s own options: where and how to install."""

    FAMILY: ClassVar[str] = "install"
    SOURCES: ClassVar[dict[str, tuple[str, ...]]] = {
        "user": ("use_user_site",),
        "target": ("target_dir",),
        "root": ("root_path",),
        "prefix": ("prefix_path",),
        "report": ("json_report_file",),
    }

    dry_run: bool = False
    user: bool | None = None
    """``--user``/``--no-user``; ``None`` when neither was asked for."""
    target: Path | None = None
    root: Path | None = None
    prefix: Path | None = None
    upgrade: bool = False
    upgrade_strategy: str = "only-if-needed"
    force_reinstall: bool = False
    ignore_installed: bool = False
    compile: bool = True
    warn_script_location: bool = True
    warn_about_conflicts: bool = True
    root_user_action: str = "warn"
    override_externally_managed: bool = False
    report: str | None = None

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        user = reader.settings.values.get("use_user_site")
        return {
            "dry_run": reader.bool("dry_run"),
            "user": None if user is None else bool(user),
            "target": _optional_path(reader.raw("target_dir")),
            "root": _optional_path(reader.raw("root_path")),
            "prefix": _optional_path(reader.raw("prefix_path")),
            "upgrade": reader.bool("upgrade"),
            "upgrade_strategy": str(reader.raw("upgrade_strategy", "only-if-needed")),
            "force_reinstall": reader.bool("force_reinstall"),
            "ignore_installed": reader.bool("ignore_installed"),
            "compile": reader.bool("compile", True),
            "warn_script_location": reader.bool("warn_script_location", True),
            "warn_about_conflicts": reader.bool("warn_about_conflicts", True),
            "root_user_action": str(reader.raw("root_user_action", "warn")),
            "override_externally_managed": reader.bool("override_externally_managed"),
            "report": _optional_str(reader.raw("json_report_file")),
        }


@dataclass(frozen=True)
class OutputSettings(SettingsFamily):
    """Where ``download``, ``wheel`` and ``lock`` put what they make."""

    FAMILY: ClassVar[str] = "output"

    download_dir: Path | None = None
    wheel_dir: Path | None = None
    output_file: str | None = None
    no_verify: bool = False

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {
            "download_dir": _optional_path(reader.raw("download_dir")),
            "wheel_dir": _optional_path(reader.raw("wheel_dir")),
            "output_file": _optional_str(reader.raw("output_file")),
            "no_verify": reader.bool("no_verify"),
        }


@dataclass(frozen=True)
class UninstallSettings(SettingsFamily):
    """``pip uninstall``'s options."""

    FAMILY: ClassVar[str] = "uninstall"

    requirements: tuple[str, ...] = ()
    yes: bool = False
    root_user_action: str = "warn"
    override_externally_managed: bool = False

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {
            "requirements": _as_tuple(reader.raw("requirements")),
            "yes": reader.bool("yes"),
            "root_user_action": str(reader.raw("root_user_action", "warn")),
            "override_externally_managed": reader.bool("override_externally_managed"),
        }


@dataclass(frozen=True)
class ListSettings(SettingsFamily):
    """``pip list``, ``freeze`` and ``inspect``: which installed distributions to show, and how."""

    FAMILY: ClassVar[str] = "list"
    SOURCES: ClassVar[dict[str, tuple[str, ...]]] = {"paths": ("path",), "format": ("list_format",)}

    format: str = "columns"
    outdated: bool = False
    uptodate: bool = False
    editable: bool = False
    local: bool = False
    user: bool = False
    not_required: bool = False
    include_editable: bool = True
    exclude_editable: bool = False
    freeze_all: bool = False
    requirements: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    excludes: frozenset[str] = frozenset()

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {
            "format": str(reader.raw("list_format", "columns")),
            "outdated": reader.bool("outdated"),
            "uptodate": reader.bool("uptodate"),
            "editable": reader.bool("editable"),
            "local": reader.bool("local"),
            "user": reader.bool("user"),
            "not_required": reader.bool("not_required"),
            "include_editable": reader.bool("include_editable", True),
            "exclude_editable": reader.bool("exclude_editable"),
            "freeze_all": reader.bool("freeze_all"),
            "requirements": _as_tuple(reader.raw("requirements")),
            "paths": _as_tuple(reader.raw("path")),
            "excludes": _as_names(reader.raw("excludes")),
        }


@dataclass(frozen=True)
class ConfigCommandSettings(SettingsFamily):
    """``pip config``: which file to work on and the editor."""

    FAMILY: ClassVar[str] = "config"

    editor: str | None = None
    global_file: bool = False
    user_file: bool = False
    site_file: bool = False

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {
            "editor": _optional_str(reader.raw("editor")),
            "global_file": reader.bool("global_file"),
            "user_file": reader.bool("user_file"),
            "site_file": reader.bool("site_file"),
        }
