"""Effective settings: every source resolved once into a frozen object per command family.

Precedence, lowest first: defaults < configuration files < environment < command line. The exact layer
order, pip's and pipcompat's own, is in :mod:`pipcompat.config` and ``docs/configuration.md``.

The command line produces a :class:`CommandSettings` (every option's value by pip's destination name, where
each came from, what was spelled on the command line). The typed families here (:class:`GeneralSettings`,
:class:`IndexSettings`, :class:`ResolverSettings`, :class:`InstallSettings`, ...) are built from it with
:func:`settings_families`; a destination a command does not have gets pip's default. :func:`render_settings`
prints them for ``--show-settings``, with origins and without credentials.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pipcompat import envvars
from pipcompat.config import default_cache_dir
from pipcompat.errors import REDACTED, redact

DEFAULT_ORIGIN = "default"
PYPI_SIMPLE_URL = "https://pypi.org/simple"
#: pip's ``--use-feature`` values that are always on (pip warns when one is asked for), and those whose
#: behaviour pipcompat has anyway or that change only how pip builds (accepted, no effect).
ALWAYS_ENABLED_FEATURES = ("truststore", "no-binary-enable-wheel-cache", "build-constraint")
NO_EFFECT_FEATURES = ("fast-deps", "inprocess-build-deps", "venv-isolation")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class CommandSettings:
    """What one invocation asked for, from every source.

    ``values`` holds every option's effective value keyed by its destination (pip's own destination names
    for pip's options), ``origins`` says where each value came from, and ``given`` lists the options that
    were spelled on the command line (destination → the option string used).
    """

    command: str
    args: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)
    given: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))
        object.__setattr__(self, "origins", _frozen(self.origins))
        object.__setattr__(self, "given", _frozen(self.given))

    def get(self, dest: str, default: Any = None) -> Any:
        return self.values.get(dest, default)


# -- helpers --------------------------------------------------------------------------------------------


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(map(str, value)))
    if isinstance(value, Iterable):
        return tuple(map(str, value))
    return (str(value),)


def _as_names(value: Any) -> frozenset[str]:
    return frozenset(_as_tuple(value))


def _optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _optional_path(value: Any) -> Path | None:
    text = _optional_str(value)
    return None if text is None else Path(os.path.expanduser(text))


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _pair_of_sets(value: Any, first: str, second: str) -> tuple[frozenset[str], frozenset[str]]:
    """Two name sets from pip's ``FormatControl``/``ReleaseControl``-like objects (or a mapping)."""
    if value is None:
        return frozenset(), frozenset()
    if isinstance(value, Mapping):
        return _as_names(value.get(first)), _as_names(value.get(second))
    return _as_names(getattr(value, first, None)), _as_names(getattr(value, second, None))


class _Reader:
    """Typed access to a :class:`CommandSettings`, with pip's defaults for destinations that are absent."""

    def __init__(self, settings: CommandSettings, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self.environ = environ

    def has(self, dest: str) -> bool:
        return dest in self.settings.values

    def raw(self, dest: str, default: Any = None) -> Any:
        value = self.settings.values.get(dest)
        return default if value is None else value

    def bool(self, dest: str, default: bool = False) -> bool:
        return bool(self.raw(dest, default))

    def origin(self, *dests: str) -> str:
        for dest in dests:
            origin = self.settings.origins.get(dest)
            if origin and origin != DEFAULT_ORIGIN:
                return origin
        return DEFAULT_ORIGIN


_Family = TypeVar("_Family", bound="SettingsFamily")


@dataclass(frozen=True)
class SettingsFamily:
    """Base of the typed settings: ``origins`` maps each field to where its value came from."""

    #: The table name in ``--show-settings``.
    FAMILY: ClassVar[str] = ""
    #: field → the destinations it is computed from (default: the field's own name).
    SOURCES: ClassVar[dict[str, tuple[str, ...]]] = {}

    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False, kw_only=True)

    @classmethod
    def from_settings(
        cls: type[_Family], settings: CommandSettings, environ: Mapping[str, str] | None = None
    ) -> _Family:
        reader = _Reader(settings, os.environ if environ is None else environ)
        values = cls._read(reader)
        origins = {name: cls._origin_of(name, reader) for name in values}
        return cls(**values, origins=_frozen(origins))

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _origin_of(cls, name: str, reader: _Reader) -> str:
        return reader.origin(*cls.SOURCES.get(name, (name,)))

    @classmethod
    def source_dests(cls) -> set[str]:
        names = {f.name for f in fields(cls) if f.name != "origins"}
        return names | {dest for dests in cls.SOURCES.values() for dest in dests}

    def items(self) -> list[tuple[str, Any, str]]:
        """``(name, value, origin)`` for every field, sorted by name."""
        return sorted(
            (f.name, getattr(self, f.name), self.origins.get(f.name, DEFAULT_ORIGIN))
            for f in fields(self)
            if f.name != "origins"
        )


@dataclass(frozen=True)
class GeneralSettings(SettingsFamily):
    """pip's general options, shared by every command."""

    FAMILY: ClassVar[str] = "general"
    SOURCES: ClassVar[dict[str, tuple[str, ...]]] = {
        "verbosity": ("verbose", "quiet"),
        "isolated": ("isolated_mode", "isolated"),
        "require_virtualenv": ("require_venv",),
        "cache_dir": ("cache_dir",),
    }

    verbosity: int = 0
    """``-v`` count minus ``-q`` count."""
    isolated: bool = False
    require_virtualenv: bool = False
    python: str | None = None
    log: str | None = None
    no_input: bool = False
    no_color: bool = False
    debug_mode: bool = False
    keyring_provider: str = "auto"
    proxy: str | None = None
    no_proxy_env: bool = False
    retries: int = 5
    resume_retries: int = 5
    timeout: float = 15.0
    exists_action: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None
    client_cert: str | None = None
    cache_dir: Path | None = None
    """``None`` when the cache is disabled (``--no-cache-dir``)."""
    disable_pip_version_check: bool = False
    progress_bar: str = "auto"
    features_enabled: tuple[str, ...] = ()
    deprecated_features_enabled: tuple[str, ...] = ()

    @property
    def no_cache(self) -> bool:
        return self.cache_dir is None

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {
            "verbosity": _int(reader.raw("verbose", 0), 0) - _int(reader.raw("quiet", 0), 0),
            "isolated": reader.bool("isolated_mode") or reader.bool("isolated"),
            "require_virtualenv": reader.bool("require_venv"),
            "python": _optional_str(reader.raw("python")),
            "log": _optional_str(reader.raw("log")),
            "no_input": reader.bool("no_input"),
            "no_color": reader.bool("no_color") or envvars.NO_COLOR in reader.environ,
            "debug_mode": reader.bool("debug_mode"),
            "keyring_provider": str(reader.raw("keyring_provider", "auto")),
            # "" stays "": pip 26 takes an empty --proxy as "no proxy, and not the environment's".
            "proxy": None if reader.raw("proxy") is None else str(reader.raw("proxy")),
            "no_proxy_env": reader.bool("no_proxy_env"),
            "retries": _int(reader.raw("retries"), 5),
            "resume_retries": _int(reader.raw("resume_retries"), 5),
            "timeout": _float(reader.raw("timeout"), 15.0),
            "exists_action": _as_tuple(reader.raw("exists_action")),
            "trusted_hosts": _as_tuple(reader.raw("trusted_hosts")),
            "cert": _optional_str(reader.raw("cert")),
            "client_cert": _optional_str(reader.raw("client_cert")),
            "cache_dir": _cache_dir(reader),
            "disable_pip_version_check": reader.bool("disable_pip_version_check"),
            "progress_bar": str(reader.raw("progress_bar", "auto")),
            "features_enabled": _as_tuple(reader.raw("features_enabled")),
            "deprecated_features_enabled": _as_tuple(reader.raw("deprecated_features_enabled")),
        }

    @classmethod
    def _origin_of(cls, name: str, reader: _Reader) -> str:
        origin = super()._origin_of(name, reader)
        if origin == DEFAULT_ORIGIN:
            if name == "no_color" and envvars.NO_COLOR in reader.environ:
                return envvars.NO_COLOR
            if name == "cache_dir" and reader.environ.get(envvars.PIPCOMPAT_CACHE_DIR):
                return envvars.PIPCOMPAT_CACHE_DIR
        return origin


def _cache_dir(reader: _Reader) -> Path | None:
    """``--no-cache-dir`` (in any spelling, pip's ``PIP_NO_CACHE_DIR=false`` too) leaves ``False`` here."""
    value = reader.settings.values.get("cache_dir")
    if value is False:
        return None
    if reader.origin("cache_dir") == DEFAULT_ORIGIN or not value:
        # pip's own default (its cache) is not pipcompat's: ours is separate.
        return default_cache_dir(reader.environ)
    return Path(os.path.expanduser(str(value)))


@dataclass(frozen=True)
class IndexSettings(SettingsFamily):
    """Where packages come from and which files are acceptable (pip's index and package-selection options)."""

    FAMILY: ClassVar[str] = "index"
    SOURCES: ClassVar[dict[str, tuple[str, ...]]] = {
        "no_binary": ("format_control",),
        "only_binary": ("format_control",),
        "all_releases": ("release_control",),
        "only_final": ("release_control",),
    }

    index_url: str = PYPI_SIMPLE_URL
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    find_links: tuple[str, ...] = ()
    pre: bool = False
    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    prefer_binary: bool = False
    all_releases: frozenset[str] = frozenset()
    only_final: frozenset[str] = frozenset()
    uploaded_prior_to: str | None = None
    refresh_package: frozenset[str] = frozenset()
    index_strategy: str = "unsafe-best-match"
    """pip's behaviour: every index is searched and the best version wins, whichever index has it."""

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        no_binary, only_binary = _pair_of_sets(reader.raw("format_control"), "no_binary", "only_binary")
        all_releases, only_final = _pair_of_sets(reader.raw("release_control"), "all_releases", "only_final")
        return {
            "index_url": str(reader.raw("index_url") or PYPI_SIMPLE_URL),
            "extra_index_urls": _as_tuple(reader.raw("extra_index_urls")),
            "no_index": reader.bool("no_index"),
            "find_links": _as_tuple(reader.raw("find_links")),
            "pre": reader.bool("pre"),
            "no_binary": no_binary,
            "only_binary": only_binary,
            "prefer_binary": reader.bool("prefer_binary"),
            "all_releases": all_releases,
            "only_final": only_final,
            "uploaded_prior_to": _optional_str(reader.raw("uploaded_prior_to")),
            "refresh_package": _as_names(reader.raw("refresh_package")),
            "index_strategy": str(reader.raw("index_strategy", "unsafe-best-match")),
        }


@dataclass(frozen=True)
class ResolverSettings(SettingsFamily):
    """What to resolve and how to build it: requirement sources, dependency and build options, the target."""

    FAMILY: ClassVar[str] = "resolver"

    requirements: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    build_constraints: tuple[str, ...] = ()
    editables: tuple[str, ...] = ()
    requirements_from_scripts: tuple[str, ...] = ()
    dependency_groups: tuple[str, ...] = ()
    ignore_dependencies: bool = False
    only_dependencies: bool = False
    ignore_requires_python: bool = False
    require_hashes: bool = False
    no_require_hashes: bool = False
    build_isolation: bool = True
    check_build_deps: bool = False
    use_pep517: bool | None = None
    config_settings: Mapping[str, Any] = field(default_factory=dict)
    src_dir: str | None = None
    no_clean: bool = False
    platforms: tuple[str, ...] = ()
    python_version: str | None = None
    implementation: str | None = None
    abis: tuple[str, ...] = ()

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        python_version = reader.raw("python_version")
        if isinstance(python_version, tuple):
            python_version = ".".join(map(str, python_version))
        use_pep517 = reader.settings.values.get("use_pep517")
        return {
            "requirements": _as_tuple(reader.raw("requirements")),
            "constraints": _as_tuple(reader.raw("constraints")),
            "build_constraints": _as_tuple(reader.raw("build_constraints")),
            "editables": _as_tuple(reader.raw("editables")),
            "requirements_from_scripts": _as_tuple(reader.raw("requirements_from_scripts")),
            "dependency_groups": tuple(
                item if isinstance(item, str) else ":".join(map(str, item))
                for item in (reader.raw("dependency_groups") or ())
            ),
            "ignore_dependencies": reader.bool("ignore_dependencies"),
            "only_dependencies": reader.bool("only_dependencies"),
            "ignore_requires_python": reader.bool("ignore_requires_python"),
            "require_hashes": reader.bool("require_hashes"),
            "no_require_hashes": reader.bool("no_require_hashes"),
            "build_isolation": reader.bool("build_isolation", True),
            "check_build_deps": reader.bool("check_build_deps"),
            "use_pep517": None if use_pep517 is None else bool(use_pep517),
            "config_settings": _frozen(dict(reader.raw("config_settings") or {})),
            "src_dir": _optional_str(reader.raw("src_dir")),
            "no_clean": reader.bool("no_clean"),
            "platforms": _as_tuple(reader.raw("platforms")),
            "python_version": _optional_str(python_version),
            "implementation": _optional_str(reader.raw("implementation")),
            "abis": _as_tuple(reader.raw("abis")),
        }


_RESOLVING = (GeneralSettings, IndexSettings, ResolverSettings)

#: The families of the commands that install, write or list, defined in :mod:`pipcompat.settings_families`
#: and imported on first use (``pip compile`` and the commands that only resolve never need them).
_LATER_FAMILIES = frozenset(
    {"InstallSettings", "OutputSettings", "UninstallSettings", "ListSettings", "ConfigCommandSettings"}
)

if TYPE_CHECKING:
    from pipcompat.settings_families import (
        ConfigCommandSettings,
        InstallSettings,
        ListSettings,
        OutputSettings,
        UninstallSettings,
    )

    #: pip command (without ``pip``) → the families its settings are made of.
    COMMAND_FAMILIES: dict[str, tuple[type[SettingsFamily], ...]]


def _command_families() -> dict[str, tuple[type[SettingsFamily], ...]]:
    from pipcompat import settings_families as later

    return {
        "install": (*_RESOLVING, later.InstallSettings),
        "download": (*_RESOLVING, later.OutputSettings),
        "wheel": (*_RESOLVING, later.OutputSettings),
        "lock": (*_RESOLVING, later.OutputSettings),
        "compile": (GeneralSettings, IndexSettings),
        "sync": (GeneralSettings, IndexSettings),
        "index": (GeneralSettings, IndexSettings),
        "list": (GeneralSettings, IndexSettings, later.ListSettings),
        "freeze": (GeneralSettings, later.ListSettings),
        "inspect": (GeneralSettings, later.ListSettings),
        "uninstall": (GeneralSettings, later.UninstallSettings),
        "config": (GeneralSettings, later.ConfigCommandSettings),
    }


#: Commands whose families are all defined in this module.
_NEAR_FAMILIES: dict[str, tuple[type[SettingsFamily], ...]] = {
    "compile": (GeneralSettings, IndexSettings),
    "sync": (GeneralSettings, IndexSettings),
    "index": (GeneralSettings, IndexSettings),
}


def __getattr__(name: str) -> Any:
    if name in _LATER_FAMILIES:
        from pipcompat import settings_families

        return getattr(settings_families, name)
    if name == "COMMAND_FAMILIES":
        return _command_families()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Destinations that are about the invocation itself, not a setting.
_NOT_SETTINGS = frozenset({"help", "show_settings", "version"})


def _command_key(command: str) -> str:
    words = command.split()
    name = words[-1] if words else command
    return {"pip-compile": "compile", "pip-sync": "sync"}.get(name, name)


def families_for(command: str) -> tuple[type[SettingsFamily], ...]:
    """The settings families of *command* (``"install"`` or ``"pip install"``); general options at least."""
    key = _command_key(command)
    near = _NEAR_FAMILIES.get(key)
    if near is not None:
        return near
    return _command_families().get(key, (GeneralSettings,))


def settings_families(
    settings: CommandSettings, environ: Mapping[str, str] | None = None
) -> dict[str, SettingsFamily]:
    """The typed settings of *settings*' command, keyed by family name (``general``, ``index``, ...)."""
    return {cls.FAMILY: cls.from_settings(settings, environ) for cls in families_for(settings.command)}


# -- --show-settings -----------------------------------------------------------------------------------------
def render_value(value: Any) -> str:
    """A value in TOML-like form, credentials redacted; ``null`` for "not set"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (str, os.PathLike)):
        return json.dumps(redact(os.fspath(value)), ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_render_key(str(k))} = {render_value(v)}" for k, v in sorted(value.items()))
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(render_value(item) for item in sorted(value, key=str)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    attributes = {k: v for k, v in getattr(value, "__dict__", {}).items() if not k.startswith("_")}
    slots = getattr(type(value), "__slots__", ())
    attributes.update({k: getattr(value, k) for k in slots if not k.startswith("_") and hasattr(value, k)})
    if attributes:
        return render_value(attributes)
    return json.dumps(redact(str(value)), ensure_ascii=False)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _render_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _line(name: str, value: Any, origin: str) -> str:
    return f"{_render_key(name)} = {render_value(value)}  # {origin}"


def render_settings(
    settings: CommandSettings | SettingsFamily, environ: Mapping[str, str] | None = None
) -> str:
    """The ``--show-settings`` text: ``name = value  # origin`` lines, sorted, in one table per family.

    A :class:`CommandSettings` is shown through its command's families, then an ``[options]`` table for
    destinations no family covers; a single family is shown on its own. Credentials in URLs are redacted.
    """
    if isinstance(settings, SettingsFamily):
        return "\n".join(_line(*item) for item in settings.items()) + "\n"
    lines = [
        f"command = {render_value(settings.command)}",
        f"args = {render_value(list(settings.args))}",
    ]
    covered: set[str] = set(_NOT_SETTINGS)
    for family in settings_families(settings, environ).values():
        lines += ["", f"[{family.FAMILY}]"]
        lines += [_line(*item) for item in family.items()]
        covered |= type(family).source_dests()
    rest = sorted(dest for dest in settings.values if dest not in covered)
    if rest:
        lines += ["", "[options]"]
        lines += [
            _line(dest, settings.values[dest], settings.origins.get(dest, DEFAULT_ORIGIN)) for dest in rest
        ]
    return "\n".join(lines) + "\n"


__all__ = [
    "COMMAND_FAMILIES",
    "DEFAULT_ORIGIN",
    "REDACTED",
    "CommandSettings",
    "ConfigCommandSettings",
    "GeneralSettings",
    "IndexSettings",
    "InstallSettings",
    "ListSettings",
    "OutputSettings",
    "ResolverSettings",
    "SettingsFamily",
    "UninstallSettings",
    "default_cache_dir",
    "families_for",
    "redact",
    "render_settings",
    "render_value",
    "settings_families",
]
