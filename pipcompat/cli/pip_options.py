"""pip 26.3's command line as tables: every option of every ``pip`` command, grouped the way pip groups them.

The source of truth is pip 26.3 (``pip/_internal/cli/cmdoptions.py`` and ``commands/*.py``): option strings,
destinations, actions, types, defaults, metavars, choices and what each callback does are pip's, so the
values a command line parses to can be compared with pip's own parser destination by destination
(``tests/conformance/test_pip_cli_conformance.py`` does). The help texts are pipcompat's own words.

An :class:`OptionSpec` is a description, not an optparse object: :func:`build_command_parser` turns the
specs into fresh options for every parser, so defaults that are lists or sets never leak between parses.

pipcompat adds one option of its own to every command, ``--show-settings``; it must be spelled in full so
that every abbreviation pip accepts or rejects means the same here.
"""

from __future__ import annotations

import optparse
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any, NoReturn

from pipcompat.cli.parser import Option, OptionParser, strtobool
from pipcompat.models import ConfigValue, allowed_formats, allows_prereleases, apply_name_set
from pipcompat.settings import ALWAYS_ENABLED_FEATURES, NO_EFFECT_FEATURES

#: The pip release whose command line this module describes.
PIP_VERSION = "26.3"

PYPI_SIMPLE_URL = "https://pypi.org/simple"
PYPI_JSON_URL = "https://pypi.org/pypi"
#: The hash algorithms pip accepts (``pip hash -a``, ``--hash`` in requirement files).
STRONG_HASHES = ("sha256", "sha384", "sha512")
FAVORITE_HASH = "sha256"
#: ``--use-feature`` values that are always on in pip 26.3; pip warns when they are given.


# -- values that callbacks build -------------------------------------------------------------------------
@dataclass
class FormatControl:
    """What ``--no-binary`` / ``--only-binary`` built: canonical names, ``:all:`` meaning every package."""

    no_binary: set[str] = field(default_factory=set)
    only_binary: set[str] = field(default_factory=set)

    def allowed_formats(self, canonical_name: str) -> frozenset[str]:
        """``{"binary", "source"}`` minus what the options forbid for *canonical_name* (names beat :all:)."""
        return allowed_formats(canonical_name, only_binary=self.only_binary, no_binary=self.no_binary)


@dataclass
class ReleaseControl:
    """What ``--all-releases`` / ``--only-final`` built, plus the order they were given in.

    ``order`` holds ``("all_releases" | "only_final", entry)`` pairs, enough to spell the options again for a
    build subprocess.
    """

    all_releases: set[str] = field(default_factory=set)
    only_final: set[str] = field(default_factory=set)
    order: list[tuple[str, str]] = field(default_factory=list, compare=False)

    def allows_prereleases(self, canonical_name: str) -> bool | None:
        """``True``/``False`` when the options decide for *canonical_name*, ``None`` when they do not."""
        return allows_prereleases(canonical_name, all_releases=self.all_releases, only_final=self.only_final)


class HelpRequested(Exception):
    """``-h``/``--help`` was reached on the command line; optparse stops there, as in pip."""

    def __init__(self, parser: OptionParser) -> None:
        super().__init__("help requested")
        self.parser = parser


# -- callbacks ---------------------------------------------------------------------------------------------
def _option_error(parser: OptionParser, option: optparse.Option, message: str) -> NoReturn:
    parser.error(f"{option} error: {message}")


def _values(parser: OptionParser) -> optparse.Values:
    """The values being built (optparse sets ``parser.values`` before it calls a callback)."""
    assert parser.values is not None
    return parser.values


def _on_help(option: optparse.Option, opt: str, value: str | None, parser: OptionParser) -> None:
    if value is not None:
        # A ``help = …`` configuration value: pip stores it and does nothing with it.
        _values(parser).help = value
        return
    raise HelpRequested(parser)


def _on_no_cache_dir(option: optparse.Option, opt: str, value: str | None, parser: OptionParser) -> None:
    if value is not None:
        # From configuration (``PIP_NO_CACHE_DIR=…``): the value must be a boolean, but *any* boolean,
        # false included, turns the cache off. pip keeps that historical quirk; so do we.
        try:
            strtobool(value)
        except ValueError as exc:
            _option_error(parser, option, str(exc))
    _values(parser).cache_dir = False


def _on_src(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    setattr(_values(parser), str(option.dest), os.path.abspath(value))


def _on_no_binary(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    control: FormatControl = getattr(_values(parser), str(option.dest))
    if value.startswith("-"):
        parser.error("--no-binary / --only-binary option requires 1 argument.")
    apply_name_set(value, control.no_binary, control.only_binary)


def _on_only_binary(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    control: FormatControl = getattr(_values(parser), str(option.dest))
    if value.startswith("-"):
        parser.error("--no-binary / --only-binary option requires 1 argument.")
    apply_name_set(value, control.only_binary, control.no_binary)


def _on_release_control(kind: str) -> Callable[[optparse.Option, str, str, OptionParser], None]:
    def callback(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
        control: ReleaseControl = getattr(_values(parser), str(option.dest))
        if value.startswith("-"):
            parser.error("--all-releases / --only-final option requires 1 argument.")
        if kind == "all_releases":
            applied = apply_name_set(value, control.all_releases, control.only_final)
        else:
            applied = apply_name_set(value, control.only_final, control.all_releases)
        control.order.extend((kind, entry) for entry in applied)

    return callback


def _on_refresh_package(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    if value.startswith("-"):
        parser.error("--refresh-package option requires 1 argument.")
    apply_name_set(value, getattr(_values(parser), str(option.dest)), None)


def python_version_info(value: str) -> tuple[int, ...] | None:
    """``"3"`` → ``(3,)``, ``"311"`` → ``(3, 11)``, ``"3.11.2"`` → ``(3, 11, 2)``, ``""`` → ``None``.

    Raises :class:`ValueError` with pip's explanation for anything else.
    """
    if not value:
        return None
    parts = value.split(".")
    if len(parts) > 3:
        raise ValueError("at most three version parts are allowed")
    if len(parts) == 1 and len(value) > 1:
        # "311" is 3.11: the first digit is the major version.
        parts = [value[0], value[1:]]
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError("each version part must be an integer") from None


def _on_python_version(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    try:
        _values(parser).python_version = python_version_info(value)
    except ValueError as exc:
        _option_error(parser, option, f"invalid --python-version value: {value!r}: {exc}")


def _parse_iso_datetime(value: str) -> datetime:
    if sys.version_info < (3, 11) and value.endswith("Z") and ("T" in value or " " in value.strip()):
        value = value[:-1] + "+00:00"
    return datetime.fromisoformat(value)


def _on_uploaded_prior_to(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    days = re.match(r"^P(\d+)D$", value, re.ASCII)
    if days:
        _values(parser).uploaded_prior_to = datetime.now(timezone.utc) - timedelta(days=int(days.group(1)))
        return
    try:
        moment = _parse_iso_datetime(value)
    except ValueError as exc:
        _option_error(
            parser,
            option,
            f"invalid value: {value!r}: {exc}. Expected an ISO 8601 datetime string (e.g., '2023-01-01' or "
            "'2023-01-01T00:00:00Z') or a duration in days (e.g., 'P3D')",
        )
    # Without an offset, the time is local, as pip reads it.
    _values(parser).uploaded_prior_to = moment if moment.tzinfo is not None else moment.astimezone()


def _strip_extras(path: str) -> str:
    match = re.match(r"^(.+)(\[[^\]]+\])$", path)
    return match.group(1).rstrip() if match else path


def _is_local_pylock(filename: str) -> bool:
    if filename.lower().startswith(("http:", "https:", "file:")):
        return False
    name = Path(filename).name
    return name == "pylock.toml" or re.match(r"^pylock\.([^.]+)\.toml$", name) is not None


def _on_group(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    # ``[path:]group``: a group name cannot hold ":", so the last one separates the path.
    path, colon, group = value.rpartition(":")
    if not colon:
        path = "pyproject.toml"
    elif PurePath(path).name != "pyproject.toml" and not _is_local_pylock(_strip_extras(path)):
        _option_error(parser, option, "group paths use local 'pyproject.toml' or 'pylock.toml' files")
    _values(parser).dependency_groups.append((path, group))


def _on_config_settings(option: optparse.Option, opt: str, value: str, parser: OptionParser) -> None:
    key, equals, setting = value.partition("=")
    if not equals:
        parser.error(f"Arguments to {opt} must be of the form KEY=VAL")
    dest = str(option.dest)
    settings: dict[str, str | list[str]] | None = getattr(_values(parser), dest)
    if settings is None:
        settings = {}
        setattr(_values(parser), dest, settings)
    # A key given twice becomes a list of its values, in order.
    previous = settings.get(key)
    if previous is None:
        settings[key] = setting
    elif isinstance(previous, list):
        previous.append(setting)
    else:
        settings[key] = [previous, setting]


# -- computed defaults -----------------------------------------------------------------------------------
def pip_cache_dir() -> str:
    """pip's default ``cache_dir`` (``~/.cache/pip`` on Linux), the value pip's parser would give.

    pipcompat keeps its own cache elsewhere: the settings layer replaces this value when its origin is
    ``default`` (:func:`pipcompat.settings.default_cache_dir`). Keeping pip's value here keeps the parsed
    values comparable with pip's, destination by destination.
    """
    from platformdirs import user_cache_dir

    return user_cache_dir("pip", appauthor=False)


def default_src_dir() -> str:
    """Where ``-e`` VCS checkouts go when ``--src`` is not given: pip's rule, ``<venv>/src`` or ``./src``."""
    in_virtualenv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    return os.path.abspath(os.path.join(sys.prefix if in_virtualenv else os.getcwd(), "src"))


# -- the tables --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OptionSpec:
    """One option: its strings and optparse attributes. ``factory`` makes a fresh default for each parser."""

    flags: tuple[str, ...]
    attrs: Mapping[str, Any]
    factory: Callable[[], Any] | None = None

    @property
    def dest(self) -> str:
        return str(self.attrs["dest"])

    @property
    def hidden(self) -> bool:
        return self.attrs.get("help") is optparse.SUPPRESS_HELP

    def build(self) -> Option:
        attrs = dict(self.attrs)
        if self.factory is not None:
            attrs["default"] = self.factory()
        return Option(*self.flags, **attrs)


def opt(*flags: str, factory: Callable[[], Any] | None = None, **attrs: Any) -> OptionSpec:
    if "dest" not in attrs:
        raise TypeError(f"{flags}: every option names its destination")
    return OptionSpec(flags, MappingProxyType(attrs), factory)


@dataclass(frozen=True)
class GroupSpec:
    title: str
    options: tuple[OptionSpec, ...]


@dataclass(frozen=True)
class CommandSpec:
    """A pip command: its name, one-line summary, usage lines, description and option groups (pip's order)."""

    name: str
    summary: str
    usage: str
    description: str
    groups: tuple[GroupSpec, ...]

    @property
    def options(self) -> tuple[OptionSpec, ...]:
        return tuple(spec for group in self.groups for spec in group.options)


HIDDEN = optparse.SUPPRESS_HELP

# General options, in pip's order.
HELP = opt("-h", "--help", dest="help", action="callback", callback=_on_help, help="Show this help and exit.")
DEBUG = opt(
    "--debug",
    dest="debug_mode",
    action="store_true",
    default=False,
    help="Do not catch unexpected errors: let them end the program with a full traceback.",
)
ISOLATED = opt(
    "--isolated",
    dest="isolated_mode",
    action="store_true",
    default=False,
    help="Ignore environment variables and the user's configuration files.",
)
REQUIRE_VIRTUALENV = opt(
    "--require-virtualenv",
    "--require-venv",
    dest="require_venv",
    action="store_true",
    default=False,
    help="Refuse to run unless inside a virtual environment.",
)
PYTHON = opt("--python", dest="python", help="Act on this Python interpreter (or virtual environment).")
VERBOSE = opt(
    "-v",
    "--verbose",
    dest="verbose",
    action="count",
    default=0,
    help="Say more; repeat for even more (up to three times).",
)
QUIET = opt(
    "-q",
    "--quiet",
    dest="quiet",
    action="count",
    default=0,
    help="Say less; repeat to hide warnings, then errors, then everything (up to three times).",
)
LOG = opt(
    "--log",
    "--log-file",
    "--local-log",
    dest="log",
    metavar="path",
    type="path",
    help="Append a verbose log to this file.",
)
NO_INPUT = opt("--no-input", dest="no_input", action="store_true", default=False, help="Never ask questions.")
KEYRING_PROVIDER = opt(
    "--keyring-provider",
    dest="keyring_provider",
    choices=["auto", "disabled", "import", "subprocess"],
    default="auto",
    help="How to look credentials up with keyring when prompting is allowed: auto, disabled, import or "
    "subprocess (default: %default).",
)
PROXY = opt(
    "--proxy",
    dest="proxy",
    type="str",
    default=None,
    help="Use this proxy, written scheme://[user:passwd@]proxy.server:port.",
)
NO_PROXY_ENV = opt(
    "--no-proxy-env",
    dest="no_proxy_env",
    action="store_true",
    default=False,
    help="Ignore the proxy settings in environment variables.",
)
RETRIES = opt(
    "--retries",
    dest="retries",
    type="int",
    default=5,
    help="How many times to try opening an HTTP connection (default: %default).",
)
TIMEOUT = opt(
    "--timeout",
    "--default-timeout",
    dest="timeout",
    metavar="sec",
    type="float",
    default=15,
    help="Network timeout in seconds (default %default).",
)
EXISTS_ACTION = opt(
    "--exists-action",
    dest="exists_action",
    type="choice",
    choices=["s", "i", "w", "b", "a"],
    factory=list,
    action="append",
    metavar="action",
    help="What to do when a path already exists: (s)witch, (i)gnore, (w)ipe, (b)ackup or (a)bort.",
)
TRUSTED_HOST = opt(
    "--trusted-host",
    dest="trusted_hosts",
    action="append",
    metavar="HOSTNAME",
    factory=list,
    help="Trust this host (or host:port) even without valid HTTPS.",
)
CERT = opt(
    "--cert",
    dest="cert",
    type="path",
    metavar="path",
    help="A PEM bundle of CA certificates to use instead of the default ones.",
)
CLIENT_CERT = opt(
    "--client-cert",
    dest="client_cert",
    type="path",
    default=None,
    metavar="path",
    help="A PEM file holding the SSL client certificate and its private key.",
)
CACHE_DIR = opt(
    "--cache-dir",
    dest="cache_dir",
    factory=pip_cache_dir,
    metavar="dir",
    type="path",
    help="Keep the cache in <dir>.",
)
NO_CACHE_DIR = opt(
    "--no-cache-dir",
    dest="cache_dir",
    action="callback",
    callback=_on_no_cache_dir,
    help="Use no cache at all.",
)
DISABLE_PIP_VERSION_CHECK = opt(
    "--disable-pip-version-check",
    dest="disable_pip_version_check",
    action="store_true",
    default=False,
    help="Skip the periodic check for a newer pip (implied by --no-index).",
)
NO_COLOR = opt("--no-color", dest="no_color", action="store_true", default=False, help="No colours.")
NO_PYTHON_VERSION_WARNING = opt(
    "--no-python-version-warning",
    dest="no_python_version_warning",
    action="store_true",
    default=False,
    help=HIDDEN,
)
USE_FEATURE = opt(
    "--use-feature",
    dest="features_enabled",
    metavar="feature",
    action="append",
    factory=list,
    choices=[*NO_EFFECT_FEATURES, *ALWAYS_ENABLED_FEATURES],
    help="Turn on new behaviour that may not be backward compatible.",
)
USE_DEPRECATED = opt(
    "--use-deprecated",
    dest="deprecated_features_enabled",
    metavar="feature",
    action="append",
    factory=list,
    choices=["legacy-resolver", "legacy-certs"],
    help="Turn on old behaviour that is going away.",
)
RESUME_RETRIES = opt(
    "--resume-retries",
    dest="resume_retries",
    type="int",
    default=5,
    help="How many times to resume or restart an interrupted download (default: %default).",
)

GENERAL_GROUP = GroupSpec(
    "General Options",
    (
        HELP,
        DEBUG,
        ISOLATED,
        REQUIRE_VIRTUALENV,
        PYTHON,
        VERBOSE,
        QUIET,
        LOG,
        NO_INPUT,
        KEYRING_PROVIDER,
        PROXY,
        NO_PROXY_ENV,
        RETRIES,
        TIMEOUT,
        EXISTS_ACTION,
        TRUSTED_HOST,
        CERT,
        CLIENT_CERT,
        CACHE_DIR,
        NO_CACHE_DIR,
        DISABLE_PIP_VERSION_CHECK,
        NO_COLOR,
        NO_PYTHON_VERSION_WARNING,
        USE_FEATURE,
        USE_DEPRECATED,
        RESUME_RETRIES,
    ),
)

# Package index options.
INDEX_URL = opt(
    "-i",
    "--index-url",
    "--pypi-url",
    dest="index_url",
    metavar="URL",
    default=PYPI_SIMPLE_URL,
    help="The package index to use (default %default): a simple repository (PEP 503) URL or a local "
    "directory laid out the same way.",
)
EXTRA_INDEX_URL = opt(
    "--extra-index-url",
    dest="extra_index_urls",
    metavar="URL",
    action="append",
    factory=list,
    help="Another package index to use besides --index-url, with the same rules.",
)
NO_INDEX = opt(
    "--no-index",
    dest="no_index",
    action="store_true",
    default=False,
    help="Use no package index: only what --find-links points at.",
)
REFRESH_PACKAGE = opt(
    "--refresh-package",
    dest="refresh_package",
    action="callback",
    callback=_on_refresh_package,
    type="str",
    factory=set,
    help="Fetch fresh index pages for these packages (comma-separated, or :all:) instead of cached ones.",
)
FIND_LINKS = opt(
    "-f",
    "--find-links",
    dest="find_links",
    action="append",
    factory=list,
    metavar="url",
    help="Look for archives (wheels, sdists) here: an HTML page of links, or a local directory or file:// "
    "URL whose listing is searched. VCS links are not followed.",
)
UPLOADED_PRIOR_TO = opt(
    "--uploaded-prior-to",
    dest="uploaded_prior_to",
    metavar="datetime_or_duration",
    action="callback",
    callback=_on_uploaded_prior_to,
    type="str",
    help="Ignore files uploaded at or after this moment: an ISO 8601 datetime (local time when no offset "
    "is given) or P<n>D for n days ago. Needs an index that reports upload times.",
)
INDEX_GROUP = GroupSpec(
    "Package Index Options",
    (INDEX_URL, EXTRA_INDEX_URL, NO_INDEX, REFRESH_PACKAGE, FIND_LINKS, UPLOADED_PRIOR_TO),
)

# Package selection options.
PRE = opt(
    "--pre",
    dest="pre",
    action="store_true",
    default=False,
    help="Consider pre-releases and development versions too (only final releases otherwise).",
)
ALL_RELEASES = opt(
    "--all-releases",
    dest="release_control",
    action="callback",
    callback=_on_release_control("all_releases"),
    type="str",
    factory=ReleaseControl,
    help="Allow every kind of release, pre-releases included, for these packages: comma-separated names, "
    ":all: or :none: (clears the list); adds up when repeated. Not with --pre.",
)
ONLY_FINAL = opt(
    "--only-final",
    dest="release_control",
    action="callback",
    callback=_on_release_control("only_final"),
    type="str",
    factory=ReleaseControl,
    help="Allow only final releases for these packages: comma-separated names, :all: or :none: (clears the "
    "list); adds up when repeated. Not with --pre.",
)
NO_BINARY = opt(
    "--no-binary",
    dest="format_control",
    action="callback",
    callback=_on_no_binary,
    type="str",
    factory=FormatControl,
    help="Never use wheels for these packages (cached wheels built here still may be): comma-separated "
    "names, :all: or :none: (clears the list); adds up when repeated.",
)
ONLY_BINARY = opt(
    "--only-binary",
    dest="format_control",
    action="callback",
    callback=_on_only_binary,
    type="str",
    factory=FormatControl,
    help="Never use source distributions for these packages: comma-separated names, :all: or :none: "
    "(clears the list); adds up when repeated.",
)
PREFER_BINARY = opt(
    "--prefer-binary",
    dest="prefer_binary",
    action="store_true",
    default=False,
    help="Choose a wheel over a newer source distribution.",
)
SELECTION_GROUP = GroupSpec(
    "Package Selection Options",
    (PRE, ALL_RELEASES, ONLY_FINAL, NO_BINARY, ONLY_BINARY, PREFER_BINARY),
)

# Options several commands share.
REQUIREMENTS = opt(
    "-r",
    "--requirement",
    dest="requirements",
    action="append",
    factory=list,
    metavar="file",
    help="Install what this requirements file lists (pip's format, or pylock.toml, optionally followed by "
    "[extras]; pylock.toml is experimental). Repeatable.",
)
CONSTRAINTS = opt(
    "-c",
    "--constraint",
    dest="constraints",
    action="append",
    factory=list,
    metavar="file",
    help="Limit versions with this constraints file. Repeatable.",
)
BUILD_CONSTRAINTS = opt(
    "--build-constraint",
    dest="build_constraints",
    action="append",
    type="str",
    factory=list,
    metavar="file",
    help="Limit the versions of build dependencies with this constraints file. Repeatable.",
)
REQUIREMENTS_FROM_SCRIPT = opt(
    "--requirements-from-script",
    dest="requirements_from_scripts",
    action="append",
    factory=list,
    metavar="file",
    help="Install the dependencies this script declares in its inline metadata (PEP 723).",
)
EDITABLE = opt(
    "-e",
    "--editable",
    dest="editables",
    action="append",
    factory=list,
    metavar="path/url",
    help="Install this local project path or VCS URL in editable (development) mode.",
)
SRC = opt(
    "--src",
    "--source",
    "--source-dir",
    "--source-directory",
    dest="src_dir",
    type="path",
    metavar="dir",
    factory=default_src_dir,
    action="callback",
    callback=_on_src,
    help="Check editable VCS projects out into <dir> (default: <venv>/src in a virtual environment, "
    "./src otherwise).",
)
NO_DEPS = opt(
    "--no-deps",
    "--no-dependencies",
    dest="ignore_dependencies",
    action="store_true",
    default=False,
    help="Leave dependencies out.",
)
ONLY_DEPS = opt(
    "--only-deps",
    "--only-dependencies",
    dest="only_dependencies",
    action="store_true",
    default=False,
    help="Act on the dependencies of the given requirements only, not on the requirements themselves. Not "
    "with --no-deps, --group, --requirement or --requirements-from-script.",
)
PLATFORMS = opt(
    "--platform",
    dest="platforms",
    metavar="platform",
    action="append",
    default=None,
    help="Only use wheels for <platform> (default: this system's). Repeat for targets supporting several.",
)
PYTHON_VERSION = opt(
    "--python-version",
    dest="python_version",
    metavar="python_version",
    action="callback",
    callback=_on_python_version,
    type="str",
    default=None,
    help="The Python version to match wheels and Requires-Python against (default: the running one): up to "
    'three dotted numbers ("3", "3.12", "3.12.1") or major and minor without a dot ("312").',
)
IMPLEMENTATION = opt(
    "--implementation",
    dest="implementation",
    metavar="implementation",
    default=None,
    help="Only use wheels for this Python implementation (cp, pp, ...; default: the running one); py means "
    "implementation-independent wheels only.",
)
ABIS = opt(
    "--abi",
    dest="abis",
    metavar="abi",
    action="append",
    default=None,
    help="Only use wheels for this ABI (default: the running interpreter's). Repeatable. Usually wanted "
    "together with --implementation, --platform and --python-version.",
)
TARGET_PYTHON = (PLATFORMS, PYTHON_VERSION, IMPLEMENTATION, ABIS)
IGNORE_REQUIRES_PYTHON = opt(
    "--ignore-requires-python",
    dest="ignore_requires_python",
    action="store_true",
    help="Disregard the Requires-Python of packages.",
)
NO_BUILD_ISOLATION = opt(
    "--no-build-isolation",
    dest="build_isolation",
    action="store_false",
    default=True,
    help="Build source distributions in the current environment; their build dependencies must already be "
    "installed.",
)
USE_PEP517 = opt("--use-pep517", dest="use_pep517", action="store_true", default=True, help=HIDDEN)
CHECK_BUILD_DEPS = opt(
    "--check-build-dependencies",
    dest="check_build_deps",
    action="store_true",
    default=False,
    help="Verify that build dependencies are satisfied.",
)
BREAK_SYSTEM_PACKAGES = opt(
    "--break-system-packages",
    dest="override_externally_managed",
    action="store_true",
    help="Modify a Python installation marked EXTERNALLY-MANAGED anyway.",
)
CONFIG_SETTINGS = opt(
    "-C",
    "--config-settings",
    dest="config_settings",
    type="str",
    action="callback",
    callback=_on_config_settings,
    metavar="settings",
    help="Pass KEY=VALUE to the build backend; repeat for more keys (a repeated key collects its values).",
)
REQUIRE_HASHES = opt(
    "--require-hashes",
    dest="require_hashes",
    action="store_true",
    default=False,
    help="Insist on a hash for every requirement (implied when a requirements file has any --hash).",
)
NO_REQUIRE_HASHES = opt(
    "--no-require-hashes",
    dest="no_require_hashes",
    action="store_true",
    default=False,
    help="Do not turn --require-hashes on because a requirement has a hash.",
)
PROGRESS_BAR = opt(
    "--progress-bar",
    dest="progress_bar",
    type="choice",
    choices=["auto", "on", "off", "raw"],
    default="auto",
    help="Progress bars: auto, on, off or raw (default: auto; auto shows none with --quiet).",
)
ROOT_USER_ACTION = opt(
    "--root-user-action",
    dest="root_user_action",
    default="warn",
    choices=["warn", "ignore"],
    help="What to do when run as root: warn or ignore (default: warn).",
)
DEPENDENCY_GROUPS = opt(
    "--group",
    dest="dependency_groups",
    factory=list,
    type="str",
    action="callback",
    callback=_on_group,
    metavar="[path:]group",
    help="Install a dependency group from pyproject.toml in the current directory, or from the given "
    "pyproject.toml or pylock.toml (pylock.<name>.toml too).",
)
NO_CLEAN = opt(
    "--no-clean", dest="no_clean", action="store_true", default=False, help="Keep the build directories."
)
LIST_LOCAL_ATTRS: dict[str, Any] = {
    "dest": "local",
    "action": "store_true",
    "default": False,
    "help": "In a virtual environment with access to global packages, leave those out.",
}
LIST_LOCAL = opt("-l", "--local", **LIST_LOCAL_ATTRS)
LIST_USER = opt(
    "--user", dest="user", action="store_true", default=False, help="Only packages in the user site."
)
LIST_PATH = opt(
    "--path",
    dest="path",
    type="path",
    action="append",
    help="Only look in this installation path (repeatable).",
)
LIST_EXCLUDE = opt(
    "--exclude",
    dest="excludes",
    action="append",
    metavar="package",
    type="package_name",
    help="Leave this package out of the output.",
)
JSON = opt("--json", dest="json", action="store_true", default=False, help="Print JSON for machines.")

# pipcompat's own options: spelled in full only (never a prefix match), so pip's prefixes keep their meaning.
SHOW_SETTINGS = opt(
    "--show-settings",
    dest="show_settings",
    action="store_true",
    default=False,
    allow_prefix=False,
    help="Print the effective settings, and where each one came from, then stop.",
)
PIPCOMPAT_GROUP = GroupSpec("pipcompat Options", (SHOW_SETTINGS,))

# pipcompat's own resolver options (uv's spellings), on the commands that resolve from an index. Like
# --show-settings they must be spelled in full, so pip's abbreviations (--index, --res) keep their meaning.
INDEX_STRATEGY = opt(
    "--index-strategy",
    dest="index_strategy",
    type="choice",
    choices=["unsafe-best-match", "first-index"],
    default="unsafe-best-match",
    allow_prefix=False,
    help="unsafe-best-match (pip's way: every index is asked, the best version wins) or first-index (only "
    "the first index that has a project is used). Default: %default.",
)
RESOLUTION = opt(
    "--resolution",
    dest="resolution",
    type="choice",
    choices=["highest", "lowest", "lowest-direct"],
    default="highest",
    allow_prefix=False,
    help="Which versions to prefer: highest, lowest (for every package) or lowest-direct (lowest for the "
    "requirements given, highest for their dependencies). Default: %default.",
)
EXCLUDE_NEWER = opt(
    "--exclude-newer",
    dest="uploaded_prior_to",
    metavar="datetime_or_duration",
    action="callback",
    callback=_on_uploaded_prior_to,
    type="str",
    allow_prefix=False,
    help="uv's name for --uploaded-prior-to.",
)
PIPCOMPAT_RESOLVER_GROUP = GroupSpec(
    "pipcompat Options", (SHOW_SETTINGS, INDEX_STRATEGY, RESOLUTION, EXCLUDE_NEWER)
)

VERSION = opt("-V", "--version", dest="version", action="store_true", help="Print the version and exit.")


def _command(
    name: str,
    summary: str,
    usage: str,
    description: str,
    *,
    options: Sequence[OptionSpec] = (),
    index: bool = False,
    requirement_command: bool = False,
    show_own_group: bool = True,
    resolver_extensions: bool = False,
) -> CommandSpec:
    """A command laid out as pip lays it out: its options, then selection and index options, then general."""
    own = list(options)
    if requirement_command:
        # pip's requirement commands add these two after the command's own options.
        own += [DEPENDENCY_GROUPS, NO_CLEAN]
    groups: list[GroupSpec] = []
    if show_own_group:
        groups.append(GroupSpec(f"{name.capitalize()} Options", tuple(own)))
    if index:
        groups += [SELECTION_GROUP, INDEX_GROUP]
    groups += [GENERAL_GROUP, PIPCOMPAT_RESOLVER_GROUP if resolver_extensions else PIPCOMPAT_GROUP]
    return CommandSpec(name, summary, usage, description, tuple(groups))


_REQUIREMENT_SOURCES = "a requirement (name and version specifier), a VCS URL, a local project or an archive"

COMMANDS: Mapping[str, CommandSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            _command(
                "install",
                "Install packages.",
                """
                %prog [options] <requirement specifier> [package-index-options] ...
                %prog [options] -r <requirements file> [package-index-options] ...
                %prog [options] [-e] <vcs project url> ...
                %prog [options] [-e] <local project path> ...
                %prog [options] <archive url/path> ...""",
                f"Install packages, each given as {_REQUIREMENT_SOURCES} (path or URL), or listed in "
                "requirements files.",
                options=[
                    REQUIREMENTS,
                    CONSTRAINTS,
                    BUILD_CONSTRAINTS,
                    REQUIREMENTS_FROM_SCRIPT,
                    NO_DEPS,
                    ONLY_DEPS,
                    EDITABLE,
                    opt(
                        "--dry-run",
                        dest="dry_run",
                        action="store_true",
                        default=False,
                        help="Resolve and report what would be installed, but install nothing (add "
                        "--ignore-installed to resolve from scratch).",
                    ),
                    opt(
                        "-t",
                        "--target",
                        dest="target_dir",
                        metavar="dir",
                        default=None,
                        help="Install into <dir>, leaving what is there alone unless --upgrade is given.",
                    ),
                    *TARGET_PYTHON,
                    opt(
                        "--user",
                        dest="use_user_site",
                        action="store_true",
                        help="Install into the user site (site.USER_BASE: ~/.local, %APPDATA%\\Python).",
                    ),
                    opt("--no-user", dest="use_user_site", action="store_false", help=HIDDEN),
                    opt(
                        "--root",
                        dest="root_path",
                        metavar="dir",
                        default=None,
                        help="Install everything under this alternative root directory.",
                    ),
                    opt(
                        "--prefix",
                        dest="prefix_path",
                        metavar="dir",
                        default=None,
                        help="Install with this prefix (lib, bin, ... below it). Scripts still point at the "
                        "running interpreter; see --python to install into another environment.",
                    ),
                    SRC,
                    opt(
                        "-U",
                        "--upgrade",
                        dest="upgrade",
                        action="store_true",
                        help="Upgrade the given packages to their newest versions; --upgrade-strategy says "
                        "what happens to dependencies.",
                    ),
                    opt(
                        "--upgrade-strategy",
                        dest="upgrade_strategy",
                        default="only-if-needed",
                        choices=["only-if-needed", "eager"],
                        help="How dependencies are upgraded (default: %default): eager upgrades them all, "
                        "only-if-needed only those the upgraded packages no longer accept.",
                    ),
                    opt(
                        "--force-reinstall",
                        dest="force_reinstall",
                        action="store_true",
                        help="Reinstall every package, up to date or not.",
                    ),
                    opt(
                        "-I",
                        "--ignore-installed",
                        dest="ignore_installed",
                        action="store_true",
                        help="Install over what is installed without uninstalling it first (can break an "
                        "environment managed by other tools).",
                    ),
                    IGNORE_REQUIRES_PYTHON,
                    NO_BUILD_ISOLATION,
                    USE_PEP517,
                    CHECK_BUILD_DEPS,
                    BREAK_SYSTEM_PACKAGES,
                    CONFIG_SETTINGS,
                    opt(
                        "--compile",
                        dest="compile",
                        action="store_true",
                        default=True,
                        help="Byte-compile the installed Python files.",
                    ),
                    opt(
                        "--no-compile",
                        dest="compile",
                        action="store_false",
                        help="Do not byte-compile the installed Python files.",
                    ),
                    opt(
                        "--no-warn-script-location",
                        dest="warn_script_location",
                        action="store_false",
                        default=True,
                        help="Say nothing when scripts land outside PATH.",
                    ),
                    opt(
                        "--no-warn-conflicts",
                        dest="warn_about_conflicts",
                        action="store_false",
                        default=True,
                        help="Say nothing about broken dependencies.",
                    ),
                    REQUIRE_HASHES,
                    NO_REQUIRE_HASHES,
                    PROGRESS_BAR,
                    ROOT_USER_ACTION,
                    opt(
                        "--report",
                        dest="json_report_file",
                        metavar="file",
                        default=None,
                        help="Write a JSON report of what was (or, with --dry-run, would be) installed; - "
                        "means stdout (add --quiet so logs stay out of it).",
                    ),
                ],
                index=True,
                requirement_command=True,
                resolver_extensions=True,
            ),
            _command(
                "lock",
                "Write a lock file.",
                """
                %prog [options] [-e] <local project path> ...
                %prog [options] <requirement specifier> [package-index-options] ...
                %prog [options] -r <requirements file> [package-index-options] ...
                %prog [options] <archive url/path> ...""",
                "Experimental: resolve packages and their dependencies into a pylock.toml lock file. The "
                "lock is only known to hold for the running Python version and platform.",
                options=[
                    opt(
                        "--output",
                        "-o",
                        dest="output_file",
                        metavar="path",
                        type="path",
                        default="pylock.toml",
                        help="The lock file to write (default: pylock.toml); - means stdout.",
                    ),
                    REQUIREMENTS,
                    REQUIREMENTS_FROM_SCRIPT,
                    CONSTRAINTS,
                    BUILD_CONSTRAINTS,
                    NO_DEPS,
                    ONLY_DEPS,
                    EDITABLE,
                    SRC,
                    IGNORE_REQUIRES_PYTHON,
                    NO_BUILD_ISOLATION,
                    USE_PEP517,
                    CHECK_BUILD_DEPS,
                    CONFIG_SETTINGS,
                    REQUIRE_HASHES,
                    NO_REQUIRE_HASHES,
                    PROGRESS_BAR,
                ],
                index=True,
                requirement_command=True,
            ),
            _command(
                "download",
                "Download packages.",
                """
                %prog [options] <requirement specifier> [package-index-options] ...
                %prog [options] -r <requirements file> [package-index-options] ...
                %prog [options] <vcs project url> ...
                %prog [options] <local project path> ...
                %prog [options] <archive url/path> ...""",
                f"Download packages and their dependencies, each given as {_REQUIREMENT_SOURCES}, or "
                "listed in requirements files.",
                options=[
                    CONSTRAINTS,
                    BUILD_CONSTRAINTS,
                    REQUIREMENTS,
                    REQUIREMENTS_FROM_SCRIPT,
                    NO_DEPS,
                    ONLY_DEPS,
                    SRC,
                    REQUIRE_HASHES,
                    NO_REQUIRE_HASHES,
                    PROGRESS_BAR,
                    NO_BUILD_ISOLATION,
                    USE_PEP517,
                    CHECK_BUILD_DEPS,
                    IGNORE_REQUIRES_PYTHON,
                    opt(
                        "-d",
                        "--dest",
                        "--destination-dir",
                        "--destination-directory",
                        dest="download_dir",
                        metavar="dir",
                        default=os.curdir,
                        help="Save the files into <dir>.",
                    ),
                    *TARGET_PYTHON,
                ],
                index=True,
                requirement_command=True,
            ),
            _command(
                "uninstall",
                "Uninstall packages.",
                """
                %prog [options] <package> ...
                %prog [options] -r <requirements file> ...""",
                "Remove installed packages. Packages installed without a record of their files (plain "
                "'setup.py install' distutils installs, 'setup.py develop' script wrappers) cannot be "
                "removed.",
                options=[
                    opt(
                        "-r",
                        "--requirement",
                        dest="requirements",
                        action="append",
                        factory=list,
                        metavar="file",
                        help="Uninstall every package this requirements file lists. Repeatable.",
                    ),
                    opt(
                        "-y",
                        "--yes",
                        dest="yes",
                        action="store_true",
                        help="Do not ask before removing files.",
                    ),
                    ROOT_USER_ACTION,
                    BREAK_SYSTEM_PACKAGES,
                ],
            ),
            _command(
                "freeze",
                "Print installed packages as requirements.",
                """
                %prog [options]""",
                "Print the installed packages in requirements format, sorted by name regardless of case.",
                options=[
                    opt(
                        "-r",
                        "--requirement",
                        dest="requirements",
                        action="append",
                        factory=list,
                        metavar="file",
                        help="Follow the order and comments of this requirements file. Repeatable.",
                    ),
                    LIST_LOCAL,
                    LIST_USER,
                    LIST_PATH,
                    opt(
                        "--all",
                        dest="freeze_all",
                        action="store_true",
                        help="Include the packages normally left out: pip, setuptools, wheel, distribute.",
                    ),
                    opt(
                        "--exclude-editable",
                        dest="exclude_editable",
                        action="store_true",
                        help="Leave editable installs out.",
                    ),
                    LIST_EXCLUDE,
                ],
            ),
            _command(
                "inspect",
                "Describe the Python environment.",
                """
                %prog [options]""",
                "Print a JSON report about the Python environment and what is installed in it.",
                options=[
                    opt("--local", **LIST_LOCAL_ATTRS),
                    LIST_USER,
                    LIST_PATH,
                ],
            ),
            _command(
                "list",
                "List installed packages.",
                """
                %prog [options]""",
                "List the installed packages, editable ones included, sorted by name regardless of case.",
                options=[
                    opt(
                        "-o",
                        "--outdated",
                        dest="outdated",
                        action="store_true",
                        default=False,
                        help="Only packages with a newer version available.",
                    ),
                    opt(
                        "-u",
                        "--uptodate",
                        dest="uptodate",
                        action="store_true",
                        default=False,
                        help="Only packages that are up to date.",
                    ),
                    opt(
                        "-e",
                        "--editable",
                        dest="editable",
                        action="store_true",
                        default=False,
                        help="Only editable installs.",
                    ),
                    LIST_LOCAL,
                    LIST_USER,
                    LIST_PATH,
                    opt(
                        "--format",
                        dest="list_format",
                        action="store",
                        default="columns",
                        choices=("columns", "freeze", "json"),
                        help="Output format: columns (default), freeze or json; freeze does not go with "
                        "--outdated.",
                    ),
                    opt(
                        "--not-required",
                        dest="not_required",
                        action="store_true",
                        help="Only packages no other installed package depends on.",
                    ),
                    opt(
                        "--exclude-editable",
                        dest="include_editable",
                        action="store_false",
                        help="Leave editable installs out.",
                    ),
                    opt(
                        "--include-editable",
                        dest="include_editable",
                        action="store_true",
                        default=True,
                        help="Keep editable installs in.",
                    ),
                    LIST_EXCLUDE,
                ],
                index=True,
            ),
            _command(
                "show",
                "Describe installed packages.",
                """
                %prog [options] <package> ...""",
                "Print the metadata of installed packages as RFC 822 style headers.",
                options=[
                    opt(
                        "-f",
                        "--files",
                        dest="files",
                        action="store_true",
                        default=False,
                        help="Also list every installed file of each package.",
                    ),
                ],
            ),
            _command(
                "check",
                "Check that installed packages have compatible dependencies.",
                """
                %prog [options]""",
                "Check that the dependencies of installed packages are installed, in accepted versions.",
                show_own_group=False,
            ),
            _command(
                "config",
                "Manage configuration files.",
                """
                %prog [<file-option>] list
                %prog [<file-option>] [--editor <editor-path>] edit

                %prog [<file-option>] get command.option
                %prog [<file-option>] set command.option value
                %prog [<file-option>] unset command.option
                %prog [<file-option>] debug
                """,
                "Manage pip's configuration files. Subcommands: list (the active values, or a file's), edit "
                "(open the file in an editor), get, set and unset (one command.option key), debug (every "
                "file and what it sets).\n\nKeys are a section and an option name joined by a dot; the "
                "global section applies to every command: 'global.index-url', 'download.timeout'.\n\n"
                "Without --user, --global or --site, the active virtual environment's file is used if it "
                "exists, the user's file otherwise.",
                options=[
                    opt(
                        "--editor",
                        dest="editor",
                        action="store",
                        default=None,
                        help="The editor to run (default: VISUAL, then EDITOR).",
                    ),
                    opt(
                        "--global",
                        dest="global_file",
                        action="store_true",
                        default=False,
                        help="Only the system-wide file.",
                    ),
                    opt(
                        "--user",
                        dest="user_file",
                        action="store_true",
                        default=False,
                        help="Only the user's file.",
                    ),
                    opt(
                        "--site",
                        dest="site_file",
                        action="store_true",
                        default=False,
                        help="Only the current environment's file.",
                    ),
                ],
            ),
            _command(
                "search",
                "Search PyPI for packages.",
                """
                %prog [options] <query>""",
                "Search PyPI for packages whose name or summary contains <query>.",
                options=[
                    opt(
                        "-i",
                        "--index",
                        dest="index",
                        metavar="URL",
                        default=PYPI_JSON_URL,
                        help="The package index to search (default %default).",
                    ),
                ],
            ),
            _command(
                "cache",
                "Inspect and manage the cache.",
                """
                %prog dir
                %prog info
                %prog list [<pattern>] [--format=[human, abspath]]
                %prog remove <pattern>
                %prog purge
                """,
                "Inspect and manage the cache. Subcommands: dir (where it is), info (what it holds), list "
                "(cached wheels), remove (packages matching <pattern>, a glob or a name), purge "
                "(everything).",
                options=[
                    opt(
                        "--format",
                        dest="list_format",
                        action="store",
                        default="human",
                        choices=("human", "abspath"),
                        help="How list prints entries: human (default) or abspath.",
                    ),
                ],
            ),
            _command(
                "index",
                "Ask package indexes about packages.",
                """
                %prog versions <package>
                """,
                "Ask package indexes what they offer: 'versions <package>' lists the available versions.",
                options=[*TARGET_PYTHON, IGNORE_REQUIRES_PYTHON, JSON],
                index=True,
            ),
            _command(
                "wheel",
                "Build wheels for requirements.",
                """
                %prog [options] <requirement specifier> ...
                %prog [options] -r <requirements file> ...
                %prog [options] [-e] <vcs project url> ...
                %prog [options] [-e] <local project path> ...
                %prog [options] <archive url/path> ...""",
                "Build wheels for requirements and all their dependencies, through each project's build "
                "backend (PEP 517); wheels found on the index are downloaded as they are.",
                options=[
                    opt(
                        "-w",
                        "--wheel-dir",
                        dest="wheel_dir",
                        metavar="dir",
                        default=os.curdir,
                        help="Put the wheels into <dir> (default: the current directory).",
                    ),
                    NO_BUILD_ISOLATION,
                    USE_PEP517,
                    CHECK_BUILD_DEPS,
                    CONSTRAINTS,
                    BUILD_CONSTRAINTS,
                    EDITABLE,
                    REQUIREMENTS,
                    REQUIREMENTS_FROM_SCRIPT,
                    SRC,
                    IGNORE_REQUIRES_PYTHON,
                    NO_DEPS,
                    ONLY_DEPS,
                    PROGRESS_BAR,
                    opt(
                        "--no-verify",
                        dest="no_verify",
                        action="store_true",
                        default=False,
                        help="Do not check that the built wheels are valid.",
                    ),
                    CONFIG_SETTINGS,
                    REQUIRE_HASHES,
                    NO_REQUIRE_HASHES,
                ],
                index=True,
                requirement_command=True,
            ),
            _command(
                "hash",
                "Compute the hashes of package archives.",
                "%prog [options] <file> ...",
                "Print the hash of local package archives, in the --hash form requirements files use for "
                "repeatable installs.",
                options=[
                    opt(
                        "-a",
                        "--algorithm",
                        dest="algorithm",
                        choices=STRONG_HASHES,
                        action="store",
                        default=FAVORITE_HASH,
                        help=f"The hash algorithm: {', '.join(STRONG_HASHES)}.",
                    ),
                ],
            ),
            _command(
                "completion",
                "Print shell completion code.",
                "",
                "Print the code that makes a shell complete pip's commands and options.",
                options=[
                    opt(
                        "--bash",
                        "-b",
                        dest="shell",
                        action="store_const",
                        const="bash",
                        help="Completion code for bash.",
                    ),
                    opt(
                        "--zsh",
                        "-z",
                        dest="shell",
                        action="store_const",
                        const="zsh",
                        help="Completion code for zsh.",
                    ),
                    opt(
                        "--fish",
                        "-f",
                        dest="shell",
                        action="store_const",
                        const="fish",
                        help="Completion code for fish.",
                    ),
                    opt(
                        "--powershell",
                        "-p",
                        dest="shell",
                        action="store_const",
                        const="powershell",
                        help="Completion code for PowerShell.",
                    ),
                ],
            ),
            _command(
                "debug",
                "Show what helps debugging.",
                """
                %prog <options>""",
                "Print information that helps to debug pip: versions, tags, configuration.",
                options=list(TARGET_PYTHON),
            ),
            _command(
                "help",
                "Show the help of a command.",
                """
                %prog <command>""",
                "Show the help of a command.",
                show_own_group=False,
            ),
        )
    }
)

#: pipcompat's own commands under ``pipcompat pip`` (uv's ``pip tree``), parsed with the same rules as pip's.
EXTENSION_COMMANDS: Mapping[str, CommandSpec] = MappingProxyType(
    {
        "tree": _command(
            "tree",
            "Show installed packages as a dependency tree.",
            """
            %prog [options]""",
            "Show the installed packages as trees: each package not required by another one, with what it "
            "depends on below it (or, with --invert, what depends on it). A subtree already shown is marked "
            "(*) instead of being shown again.",
            options=[
                opt(
                    "-d",
                    "--depth",
                    dest="depth",
                    type="int",
                    default=255,
                    metavar="depth",
                    help="Show this many levels of dependencies (0: top packages only; default %default).",
                ),
                opt(
                    "--prune",
                    dest="prune",
                    action="append",
                    default=[],
                    metavar="package",
                    help="Leave this package (and what only it brings in) out of the trees. Repeatable.",
                ),
                opt(
                    "--package",
                    dest="packages",
                    action="append",
                    default=[],
                    metavar="package",
                    help="Show only the tree of this package. Repeatable.",
                ),
                opt(
                    "--no-dedupe",
                    dest="no_dedupe",
                    action="store_true",
                    default=False,
                    help="Show a repeated subtree again instead of marking it (*).",
                ),
                opt(
                    "--invert",
                    "--reverse",
                    dest="invert",
                    action="store_true",
                    default=False,
                    help="Show what depends on each package instead of what it depends on.",
                ),
                opt(
                    "--show-version-specifiers",
                    dest="show_version_specifiers",
                    action="store_true",
                    default=False,
                    help="Show the version specifier of each dependency.",
                ),
                opt(
                    "--strict",
                    dest="strict",
                    action="store_true",
                    default=False,
                    help="Also warn about missing and conflicting dependencies (as pip check reports them).",
                ),
            ],
        ),
    }
)

#: Every command ``pipcompat pip`` parses itself: pip's, then pipcompat's own.
ALL_COMMANDS: Mapping[str, CommandSpec] = MappingProxyType({**COMMANDS, **EXTENSION_COMMANDS})

#: The main parser's usage and options: what may come before the command name.
MAIN_USAGE = "\n%prog <command> [options]"


def _make_parser(
    *,
    name: str,
    prog: str,
    usage: str,
    description: str | None,
    top: Sequence[OptionSpec],
    groups: Sequence[GroupSpec],
    config: Sequence[ConfigValue],
) -> OptionParser:
    from pipcompat.cli.help import PipHelpFormatter

    parser = OptionParser(
        name=name,
        config=config,
        prog=prog,
        usage=usage,
        description=description,
        formatter=PipHelpFormatter(),
    )
    for spec in top:
        parser.add_option(spec.build())
    for group in groups:
        option_group = optparse.OptionGroup(parser, group.title)
        for spec in group.options:
            option_group.add_option(spec.build())
        parser.add_option_group(option_group)
    return parser


def build_main_parser(*, config: Sequence[ConfigValue] = (), prog: str = "pipcompat pip") -> OptionParser:
    """The parser for what comes before the command name: general options and ``-V``, stopping at the command.

    Its configuration section is ``global``, as in pip.
    """
    parser = _make_parser(
        name="global",
        prog=prog,
        usage=MAIN_USAGE,
        description=None,
        top=[VERSION],
        groups=[GENERAL_GROUP, PIPCOMPAT_GROUP],
        config=config,
    )
    parser.disable_interspersed_args()
    return parser


def build_command_parser(
    command: CommandSpec, *, config: Sequence[ConfigValue] = (), prog: str = "pipcompat pip"
) -> OptionParser:
    """A fresh parser for *command*: general and command options, interspersed with arguments, as in pip.

    Options are added in pip's order (general options first, then the command's), which decides the default
    of destinations that two options share; groups are listed in pip's order for ``--help``.
    """
    parser = _make_parser(
        name=command.name,
        prog=f"{prog} {command.name}",
        usage=command.usage,
        description=command.description,
        top=[],
        groups=[],
        config=config,
    )
    built: dict[str, optparse.OptionGroup] = {}
    for group in (GENERAL_GROUP, *(g for g in command.groups if g is not GENERAL_GROUP)):
        option_group = optparse.OptionGroup(parser, group.title)
        for spec in group.options:
            option_group.add_option(spec.build())
        built[group.title] = option_group
    parser.option_groups = [built[group.title] for group in command.groups]
    return parser
