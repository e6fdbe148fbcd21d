"""``pipcompat pip compile``: pip-compile's command, with pip-compile's output file, byte for byte.

The steps are pip-compile's (pip-tools 7.6):

1. pick the source files (``requirements.in``, ``setup.py``, ``pyproject.toml``, ``setup.cfg`` when none is
   given) and the output file (``requirements.in`` → ``requirements.txt``; a project file →
   ``requirements.txt`` next to it; ``-`` is standard output);
2. gather the index options the way pip-compile hands them to pip: pip's configuration (``pip.conf``
   ``[global]``/``[install]``, ``PIP_*``), then pip-compile's own options, then ``--pip-args``, then the
   option lines of the source files;
3. keep the pins of an existing output file as preferences (unless ``--upgrade``; without the packages
   named by ``--upgrade-package``);
4. resolve for the interpreter running pipcompat, compute hashes with ``--generate-hashes``;
5. write the file atomically (nothing is written on error, nothing at all with ``--dry-run``) and echo it
   on standard error, as pip-compile does.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipcompat.errors import SUCCESS, PipcompatError, UsageError
from pipcompat.fsutil import replace_file
from pipcompat.models import apply_name_set
from pipcompat.requirements import FileOptions, ParsedRequirement, RequirementForm, parse_requirements_files

# Imported where they are used, after the index client has started fetching the input's project pages
# (docs/development.md, "Start-up"): the output writer (``lock.piptools_output``), the existing output
# file's reader (``lock.existing``), the project-file readers (``requirements.project_inputs``), the
# resolver and the source-build machinery.
if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.lock.existing import ExistingPin
    from pipcompat.lock.piptools_output import CompiledPin, OutputOptions
    from pipcompat.models import Link, TargetEnvironment
    from pipcompat.requirements.project_inputs import ProjectRequirements
    from pipcompat.resolver.model import Strategy
    from pipcompat.settings import CommandSettings
    from pipcompat.ui import Printer

IMPLEMENTED_OPTIONS = frozenset(
    {
        "color",
        "verbose",
        "quiet",
        "dry_run",
        "pre",
        "rebuild",
        "extras",
        "all_extras",
        "find_links",
        "index_url",
        "no_index",
        "extra_index_url",
        "cert",
        "client_cert",
        "trusted_host",
        "uploaded_prior_to",
        "header",
        "emit_trusted_host",
        "annotate",
        "annotation_style",
        "upgrade",
        "upgrade_packages",
        "output_file",
        "newline",
        "allow_unsafe",
        "strip_extras",
        "generate_hashes",
        "reuse_hashes",
        "max_rounds",
        "src_files",
        "build_isolation",
        "emit_find_links",
        "cache_dir",
        "pip_args_str",
        "resolver_name",
        "emit_index_url",
        "emit_options",
        "unsafe_package",
        "config",
        "no_config",
        "constraint",
        "build_deps_targets",
        "all_build_deps",
        "only_build_deps",
        "universal",
        "python_version",
        "python_platform",
        "index_strategy",
        "resolution",
    }
)

DEFAULT_REQUIREMENTS_FILES = ("requirements.in", "setup.py", "pyproject.toml", "setup.cfg")
DEFAULT_OUTPUT_FILE = "requirements.txt"
METADATA_FILENAMES = frozenset({"setup.py", "setup.cfg", "pyproject.toml"})

STRIP_EXTRAS_WARNING = (
    "WARNING: --strip-extras is becoming the default in version 8.0.0. To silence this warning, either use "
    "--strip-extras to opt into the new default or use --no-strip-extras to retain the existing behavior."
)
DRY_RUN_MESSAGE = "Dry-run, so nothing updated."

_LINE_SUFFIX = re.compile(r" \(line \d+\)$")


# --------------------------------------------------------------------------------------------------------
# Index options: pip's configuration, pip-compile's options, --pip-args


@dataclass
class IndexOptions:
    """pip's finder and session options as pip-compile ends up passing them to pip."""

    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    no_index: bool = False
    find_links: list[str] = field(default_factory=list)
    trusted_hosts: list[str] = field(default_factory=list)
    pre: bool = False
    prefer_binary: bool = False
    no_binary: set[str] = field(default_factory=set)
    only_binary: set[str] = field(default_factory=set)
    cert: str | None = None
    client_cert: str | None = None
    timeout: float | None = None
    retries: int | None = None
    proxy: str | None = None
    no_proxy_env: bool = False
    uploaded_prior_to: str | None = None
    keyring_provider: str | None = None
    origins: dict[str, str] = field(default_factory=dict)

    def file_options(self) -> FileOptions:
        return FileOptions(
            index_url=self.index_url,
            extra_index_urls=tuple(self.extra_index_urls),
            no_index=self.no_index,
            find_links=tuple(self.find_links),
            no_binary=frozenset(self.no_binary),
            only_binary=frozenset(self.only_binary),
            prefer_binary=self.prefer_binary,
            pre=self.pre,
            all_releases=frozenset({":all:"}) if self.pre else frozenset(),
            trusted_hosts=tuple(self.trusted_hosts),
        )


_TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE_WORDS = frozenset({"n", "no", "f", "false", "off", "0"})


def _config_bool(value: str) -> bool | None:
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def apply_pip_config(options: IndexOptions, values: Iterable[Any]) -> None:
    """Apply pip configuration values (lowest precedence first): the later value of a key wins."""
    latest: dict[str, tuple[str, str]] = {}
    for item in values:
        latest[str(item.key)] = (str(item.value), str(item.origin))
    for key, (value, origin) in latest.items():
        if key in ("index-url", "i"):
            options.index_url = value
        elif key == "extra-index-url":
            options.extra_index_urls = value.split()
        elif key in ("find-links", "f"):
            options.find_links = value.split()
        elif key == "trusted-host":
            options.trusted_hosts = value.split()
        elif key == "no-index":
            options.no_index = bool(_config_bool(value))
        elif key == "pre":
            options.pre = bool(_config_bool(value))
        elif key == "prefer-binary":
            options.prefer_binary = bool(_config_bool(value))
        elif key == "no-binary":
            apply_name_set(value, options.no_binary, options.only_binary)
        elif key == "only-binary":
            apply_name_set(value, options.only_binary, options.no_binary)
        elif key == "cert":
            options.cert = value
        elif key == "client-cert":
            options.client_cert = value
        elif key in ("timeout", "default-timeout"):
            try:
                options.timeout = float(value)
            except ValueError:
                continue
        elif key == "retries":
            try:
                options.retries = int(value)
            except ValueError:
                continue
        elif key == "proxy":
            options.proxy = value
        elif key == "no-proxy-env":
            options.no_proxy_env = bool(_config_bool(value))
        elif key == "uploaded-prior-to":
            options.uploaded_prior_to = value
        elif key == "keyring-provider":
            options.keyring_provider = value
        else:
            continue
        options.origins[key] = origin


def apply_option(options: IndexOptions, key: str, value: str | None, origin: str) -> None:
    """One command-line option (pip-compile's or from ``--pip-args``), with optparse's append semantics."""
    if key == "index_url" and value is not None:
        options.index_url = value
    elif key == "extra_index_url" and value is not None:
        options.extra_index_urls.append(value)
    elif key == "no_index":
        options.no_index = True
    elif key == "find_links" and value is not None:
        options.find_links.append(value)
    elif key == "trusted_host" and value is not None:
        options.trusted_hosts.append(value)
    elif key == "pre":
        options.pre = True
    elif key == "no_proxy_env":
        options.no_proxy_env = True
    elif key == "prefer_binary":
        options.prefer_binary = True
    elif key == "no_binary" and value is not None:
        apply_name_set(value, options.no_binary, options.only_binary)
    elif key == "only_binary" and value is not None:
        apply_name_set(value, options.only_binary, options.no_binary)
    elif key in ("cert", "client_cert", "proxy", "uploaded_prior_to", "keyring_provider"):
        setattr(options, key, value)
    elif key == "timeout" and value is not None:
        try:
            options.timeout = float(value)
        except ValueError:
            raise UsageError(f"invalid --timeout value {value!r}") from None
    elif key == "retries" and value is not None:
        try:
            options.retries = int(value)
        except ValueError:
            raise UsageError(f"invalid --retries value {value!r}") from None
    else:
        return
    options.origins[key.replace("_", "-")] = origin


def index_options(settings: CommandSettings, pip_config: Iterable[Any]) -> IndexOptions:
    """The index options pip-compile passes to pip: configuration, then its options, then ``--pip-args``."""
    options = IndexOptions()
    apply_pip_config(options, pip_config)
    values = settings.values
    origin = "command line"
    for link in values.get("find_links") or ():
        apply_option(options, "find_links", str(link), origin)
    if values.get("index_url"):
        apply_option(options, "index_url", str(values["index_url"]), origin)
    if values.get("no_index"):
        apply_option(options, "no_index", None, origin)
    for url in values.get("extra_index_url") or ():
        apply_option(options, "extra_index_url", str(url), origin)
    if values.get("cert"):
        apply_option(options, "cert", str(values["cert"]), origin)
    if values.get("client_cert"):
        apply_option(options, "client_cert", str(values["client_cert"]), origin)
    if values.get("pre"):
        apply_option(options, "pre", None, origin)
    for host in values.get("trusted_host") or ():
        apply_option(options, "trusted_host", str(host), origin)
    if values.get("uploaded_prior_to"):
        apply_option(options, "uploaded_prior_to", str(values["uploaded_prior_to"]), origin)
    for dest, value in (values.get("pip_args") or {}).items():
        apply_pip_arg(options, dest, value)
    return options


_PIP_ARGS_LISTS = {
    "extra_index_urls": "extra_index_url",
    "find_links": "find_links",
    "trusted_hosts": "trusted_host",
}


_PIP_ARGS_STRINGS = ("index_url", "cert", "client_cert", "proxy", "keyring_provider", "timeout", "retries")


def apply_pip_arg(options: IndexOptions, dest: str, value: Any) -> None:
    """One option ``--pip-args`` gave, by pip install's destination and its parsed *value* (the command
    line reads ``--pip-args`` with pip's parser); destinations without effect on a resolution are left."""
    origin = "--pip-args"
    if dest in _PIP_ARGS_LISTS:
        for item in value or ():
            apply_option(options, _PIP_ARGS_LISTS[dest], str(item), origin)
    elif dest in ("no_index", "pre", "prefer_binary", "no_proxy_env"):
        if value:
            apply_option(options, dest, None, origin)
    elif dest == "format_control":
        # pip's --no-binary/--only-binary as they ended: the set holding :all: first, as it cleared the other
        sets = [("no_binary", set(value.no_binary)), ("only_binary", set(value.only_binary))]
        sets.sort(key=lambda item: ":all:" not in item[1])
        for key, names in sets:
            if ":all:" in names:
                apply_option(options, key, ":all:", origin)
            if names - {":all:"}:
                apply_option(options, key, ",".join(sorted(names - {":all:"})), origin)
    elif dest == "uploaded_prior_to" and value is not None:
        apply_option(options, dest, value.isoformat() if hasattr(value, "isoformat") else str(value), origin)
    elif dest in _PIP_ARGS_STRINGS and value is not None:
        apply_option(options, dest, str(value), origin)


# --------------------------------------------------------------------------------------------------------
# Sources


@dataclass(frozen=True)
class TopLevel:
    """One top-level requirement (or constraint) as pip-compile collects them."""

    requirement: Requirement | None
    comes_from: str
    """As annotations show it: ``-r requirements.in``, ``-c constraints.txt``, ``proj (pyproject.toml)``."""
    is_constraint: bool = False
    marker: Marker | None = None
    """The marker that decides whether it applies and that the output repeats (extras dropped)."""
    text: str = ""
    tree: Any = None
    """The local project directory of a path, ``file:`` directory or ``-e`` requirement (a ``SourceTree``)."""
    editable: bool = False
    unnamed: bool = False
    """A bare path or URL: the name comes from its metadata (see :func:`_attach_sources`)."""


def rewrite_comes_from(comes_from: str, top_file: str, cwd: Path) -> str:
    """pip-tools' ``comes_from`` as annotations show it: no ``(line N)``, posix paths relative to *cwd*."""
    text = _LINE_SUFFIX.sub("", comes_from)
    prefix, space, rest = text.partition(" ")
    if prefix not in ("-r", "-c") or not space:
        return text
    scheme = rest.split(":", 1)[0].lower() if ":" in rest else ""
    if scheme in ("file", "http", "https"):
        return text
    path = PurePath(rest)
    if PurePath(top_file).is_absolute() or not path.is_absolute():
        return f"{prefix} {path.as_posix()}"
    return f"{prefix} {PurePath(os.path.relpath(path, cwd)).as_posix()}"


def _drop_extra_markers(tokens: list[Any]) -> list[Any]:
    """pip-tools' ``drop_extras`` over packaging's marker tokens: ``extra == ...`` tests removed."""
    removed: list[int] = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            continue
        if isinstance(token, list):
            tokens[index] = _drop_extra_markers(token)
            if not tokens[index]:
                removed.append(index)
            continue
        if getattr(token[0], "value", None) == "extra":
            removed.append(index)
    for index in reversed(removed):
        tokens.pop(index)
    removed = []
    for index in range(len(tokens) - 1):
        first, second = tokens[index], tokens[index + 1]
        if isinstance(first, str) and isinstance(second, str):
            removed.append(index if first == "and" else index + 1)
    for index in reversed(removed):
        tokens.pop(index)
    if tokens and isinstance(tokens[0], str):
        tokens.pop(0)
    if tokens and isinstance(tokens[-1], str):
        tokens.pop(-1)
    return tokens


def drop_extras(marker: Marker | None) -> Marker | None:
    """*marker* without its ``extra`` tests (``None`` when nothing is left)."""
    if marker is None:
        return None
    copy = Marker(str(marker))
    tokens = _drop_extra_markers(copy._markers)
    if not tokens:
        return None
    copy._markers = tokens
    return Marker(str(copy))


def _marker_matches(marker: Marker | None, target: TargetEnvironment, extras: Sequence[str]) -> bool:
    """pip's ``match_markers``: true without a marker, else for no extra or any of *extras*."""
    if marker is None:
        return True
    from pipcompat.resolver.target import marker_environment

    return any(marker.evaluate(dict(marker_environment(target, extra))) for extra in extras or ("",))


def _top_level_from_parsed(item: ParsedRequirement, comes_from: str, cwd: Path | None = None) -> TopLevel:
    if item.is_editable or item.form not in (RequirementForm.NAMED, RequirementForm.DIRECT_URL):
        # Paths, bare URLs and editables: pip install's reading (local trees, names from metadata).
        from pipcompat.commands.pip_install import _root_from_parsed

        root = _root_from_parsed(item, cwd or Path.cwd())
        requirement = root.requirement
        return TopLevel(
            requirement,
            comes_from,
            item.is_constraint,
            requirement.marker,
            item.text,
            tree=root.tree,
            editable=root.editable,
            unnamed=root.unnamed,
        )
    try:
        requirement = Requirement(item.text)
    except InvalidRequirement as exc:
        raise PipcompatError(f"{item.location}: invalid requirement {item.text!r}: {exc}") from None
    return TopLevel(requirement, comes_from, item.is_constraint, requirement.marker, item.text)


def project_top_level(project: ProjectRequirements) -> list[TopLevel]:
    """A project file's requirements as top-level requirements, annotated ``<name> (<file>)``."""
    return [
        TopLevel(item.requirement, project.comes_from, marker=item.marker, text=item.text)
        for item in project.requirements
    ]


def read_project_file(
    settings: CommandSettings, ctx: Context, name: str, index: IndexOptions
) -> ProjectRequirements:
    """The requirements of a ``setup.py``, ``setup.cfg`` or ``pyproject.toml`` input: read statically from
    a ``pyproject.toml`` when pip-compile does, else from the core metadata its build backend prepares
    (``prepare_metadata_for_build_wheel``, in an isolated build environment unless
    ``--no-build-isolation``), as pip-compile does."""
    from pipcompat.requirements.project_inputs import read_static_pyproject, requirements_from_metadata

    path = ctx.cwd / name
    if PurePath(name).name == "pyproject.toml":
        static = read_static_pyproject(path, name)
        if static is not None:
            return static
    if not path.exists():
        raise PipcompatError(f"{name} does not exist")
    return requirements_from_metadata(project_metadata(settings, ctx, path.parent, index), name)


#: pip-compile's build targets, in its order (``--all-build-deps`` is all of them).
BUILD_TARGETS = ("editable", "sdist", "wheel")


def build_targets(settings: CommandSettings) -> tuple[str, ...]:
    """The targets whose build dependencies are listed (``--build-deps-for``, ``--all-build-deps``), checked
    as pip-compile checks them."""
    values = settings.values
    targets = tuple(dict.fromkeys(str(target) for target in values.get("build_deps_targets") or ()))
    if values.get("all_build_deps") and targets:
        raise UsageError("--build-deps-for has no effect when used with --all-build-deps")
    if values.get("all_build_deps"):
        targets = BUILD_TARGETS
    if values.get("only_build_deps") and not targets:
        raise UsageError("--only-build-deps requires either --build-deps-for or --all-build-deps")
    if values.get("only_build_deps") and (values.get("extras") or values.get("all_extras")):
        raise UsageError("--only-build-deps cannot be used with any of --extra, --all-extras")
    return targets


def read_project_build(
    settings: CommandSettings, ctx: Context, name: str, index: IndexOptions, targets: Sequence[str]
) -> tuple[ProjectRequirements, list[TopLevel]]:
    """A project file's requirements (always from its build backend, as pip-compile asks the backend when
    build dependencies are wanted) and its build dependencies as top-level requirements, annotated
    ``<name> (<dir>/pyproject.toml::build-system.requires)`` and
    ``<name> (<dir>/pyproject.toml::build-system.backend::<target>)`` as pip-compile annotates them."""
    from pipcompat.requirements.project_inputs import build_requirement_sources, requirements_from_metadata

    path = ctx.cwd / name
    if not path.exists():
        raise PipcompatError(f"{name} does not exist")
    client = index_client(settings, ctx, index.file_options(), index)
    source, stack = _building_source(settings, ctx, client)
    with stack:
        metadata, system, backend = source.builder.tree_build_requirements(
            path.parent, path.parent.name, targets
        )
    project = requirements_from_metadata(metadata, name)
    top_level: list[TopLevel] = []
    for text, comes_from in build_requirement_sources(project.name, name, system, backend):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise PipcompatError(f"{name}: invalid build requirement {text!r}: {exc}") from None
        top_level.append(TopLevel(requirement, comes_from, marker=requirement.marker, text=text))
    return project, top_level


def project_metadata(settings: CommandSettings, ctx: Context, directory: Path, index: IndexOptions) -> bytes:
    """The core metadata of the project in *directory*, from its build backend."""
    from pipcompat.dist.sources import local_tree

    client = index_client(settings, ctx, index.file_options(), index)
    source, stack = _building_source(settings, ctx, client)
    with stack:
        data: bytes = source.builder.tree_metadata(local_tree(directory), directory.name)
        return data


# --------------------------------------------------------------------------------------------------------
# Output file


def output_file_name(src_files: Sequence[str], output_file: str | None) -> str:
    """pip-compile's output file: ``--output-file``, else derived from the first source file."""
    if output_file:
        return output_file
    if tuple(src_files) == ("-",):
        raise UsageError("--output-file is required if input is from stdin")
    if os.path.basename(src_files[0]) in METADATA_FILENAMES:
        return os.path.join(os.path.dirname(src_files[0]), DEFAULT_OUTPUT_FILE)
    if len(src_files) > 1:
        raise UsageError("--output-file is required if two or more input files are given.")
    return src_files[0].rsplit(".", 1)[0] + ".txt"


def determine_linesep(strategy: str, filenames: Iterable[str], cwd: Path) -> str:
    """``--newline``: ``preserve`` looks at the existing output file, then the sources; LF by default."""
    if strategy == "preserve":
        for name in filenames:
            path = cwd / name
            if _is_pipe(path):  # reading would wait for a writer, or take what the compile reads later
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if b"\r\n" in data:
                strategy = "CRLF"
                break
            if b"\n" in data:
                strategy = "LF"
                break
    return {"native": os.linesep, "LF": "\n", "CRLF": "\r\n"}.get(strategy, "\n")


def _is_pipe(path: Path) -> bool:
    """Whether *path* is a named pipe (``-o`` into one, an input from ``<(…)``): read only once, by its
    reader, if at all."""
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False


# --------------------------------------------------------------------------------------------------------
# Hashes


def file_hash(url: str, opener: Callable[[str], Iterable[bytes]]) -> str:
    """``sha256:<hex>`` of the file at *url*, read through *opener* (chunks)."""
    digest = hashlib.sha256()
    for chunk in opener(url):
        digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def version_of_filename(filename: str, name: str) -> Version | None:
    """The version a wheel or sdist file name carries (``None`` when it cannot be read)."""
    from pipcompat.resolver.finder import SDIST_EXTENSIONS, sdist_version

    try:
        if filename.endswith(".whl"):
            return Version(filename[:-4].split("-")[1])
        for extension in SDIST_EXTENSIONS:
            if filename.lower().endswith(extension):
                text = sdist_version(filename[: -len(extension)], name)
                return Version(text) if text else None
    except (InvalidVersion, IndexError):
        return None
    return None


def hashable_links(
    name: str,
    version: Version,
    links: Iterable[Link],
    *,
    target: TargetEnvironment,
    no_binary: frozenset[str],
    only_binary: frozenset[str],
) -> list[Link]:
    """Every file of *version* pip-compile hashes: any platform; Requires-Python and format control hold."""
    from pipcompat.models import allowed_formats

    formats = allowed_formats(canonicalize_name(name), only_binary=only_binary, no_binary=no_binary)
    python = Version(target.python_version.split("+")[0])
    result: list[Link] = []
    for link in links:
        if link.is_wheel and "binary" not in formats:
            continue
        if not link.is_wheel and "source" not in formats:
            continue
        if link.requires_python:
            try:
                if not SpecifierSet(link.requires_python).contains(python, prereleases=True):
                    continue
            except ValueError:
                pass
        if version_of_filename(link.filename, name) != version:
            continue
        result.append(link)
    return result


# --------------------------------------------------------------------------------------------------------
# The command


@dataclass
class CompileRequest:
    """Everything the resolution needs, gathered from the settings and the sources."""

    top_level: list[TopLevel]
    file_options: FileOptions
    index: IndexOptions
    existing: dict[str, ExistingPin]
    upgrade: bool
    upgrade_packages: dict[str, Requirement]
    markers: dict[str, Marker]
    target: TargetEnvironment
    universe: Any = None
    """With ``--universal``: the ``pipcompat.resolver.universal.Universe`` to resolve for."""
    resolution: Strategy = "highest"
    """``--resolution``: which versions the resolver prefers."""
    scoped_existing: list[Any] = field(default_factory=list)
    """With ``--universal``: the existing pins with their markers
    (``pipcompat.resolver.universal.ScopedPreference``), each preferred only where its marker holds."""
    client: Any = None
    """The index client :func:`gather` made and started fetching with (``None``: not made yet)."""


def _default_sources(cwd: Path) -> tuple[str, ...]:
    for name in DEFAULT_REQUIREMENTS_FILES:
        if (cwd / name).exists():
            return (name,)
    raise UsageError(
        "If you do not specify an input file, the default is one of: " + ", ".join(DEFAULT_REQUIREMENTS_FILES)
    )


def _pip_config(settings: CommandSettings, ctx: Context) -> list[Any]:
    from pipcompat.config import load_config_values

    isolated = bool(settings.get("isolated_mode") or settings.get("isolated"))
    return list(load_config_values("compile", isolated=isolated, environ=ctx.environ, cwd=ctx.cwd))


def _read_requirement_file(
    name: str, cwd: Path, options: FileOptions, environ: Mapping[str, str], *, constraint: bool = False
) -> tuple[list[TopLevel], FileOptions]:
    shown = name
    path = name if os.path.isabs(name) else os.path.join(cwd, name)
    try:
        if constraint:
            result = parse_requirements_files((), (path,), environ=environ, options=options)
        else:
            result = parse_requirements_files((path,), environ=environ, options=options)
    except PipcompatError as exc:
        raise PipcompatError(exc.message.replace(path, shown), hint=exc.hint) from None
    items: list[TopLevel] = []
    for item in result.requirements:
        raw = item.comes_from.replace(f" {path} ", f" {shown} ", 1) if path != shown else item.comes_from
        items.append(_top_level_from_parsed(item, rewrite_comes_from(raw, shown, cwd), cwd))
    return items, result.options


def gather(settings: CommandSettings, ctx: Context, src_files: Sequence[str], output: str) -> CompileRequest:
    """Read the sources, the constraints and the existing output file as pip-compile does.

    Once they are read, the index client is made and starts fetching the project pages of the top-level
    requirements (``CompileRequest.client``), so the network works while the rest of the set-up runs.
    """
    values = settings.values
    cwd = ctx.cwd
    target: TargetEnvironment | None = None
    universe = None
    if values.get("universal"):
        universe = universal_universe(settings, src_files, cwd)
        target = universe.target(universe.full)
    elif values.get("python_version") or values.get("python_platform"):
        from pipcompat.resolver.target import synthetic_target

        python_version, platform = values.get("python_version"), values.get("python_platform")
        target = synthetic_target(
            str(python_version) if python_version else None, str(platform) if platform else None
        )
    index = index_options(settings, _pip_config(settings, ctx))
    upgrade = bool(values.get("upgrade"))
    upgrade_packages: dict[str, Requirement] = {}
    for text in values.get("upgrade_packages") or ():
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement as exc:
            raise UsageError(f"invalid --upgrade-package {text!r}: {exc}") from None
        upgrade_packages[canonicalize_name(requirement.name)] = requirement

    existing: dict[str, ExistingPin] = {}
    output_path = cwd / output
    if not upgrade and output != "-" and output_path.exists() and not _is_pipe(output_path):
        if upgrade_packages and output_path.stat().st_size == 0:
            ctx.printer.tool_warning(
                f"WARNING: the output file {output} exists but is empty. "
                "Pip-tools cannot upgrade only specific packages (using -P/--upgrade-package) "
                "without an existing pin file to provide constraints. "
                "This often occurs if you redirect standard output to your output file, "
                "as any existing content is truncated."
            )
        from pipcompat.lock.existing import existing_pins

        existing = existing_pins(output_path, upgrade_packages=upgrade_packages, environ=ctx.environ)
    scoped_existing = (
        scoped_existing_pins(output_path, existing, ctx.environ) if universe is not None and existing else []
    )

    file_options = index.file_options()
    targets = build_targets(settings)
    top_level: list[TopLevel] = []
    extras = [str(extra) for extra in values.get("extras") or ()]
    project_file_found = False
    for name in src_files:
        if name == "-":
            with tempfile.TemporaryDirectory() as temp:
                stdin_file = Path(temp) / "stdin.in"
                stdin_file.write_text(sys.stdin.read(), encoding="utf-8")
                items, file_options = _read_requirement_file(str(stdin_file), cwd, file_options, ctx.environ)
            top_level += [replace(item, comes_from="-r -") for item in items]
        elif os.path.basename(name) in METADATA_FILENAMES:
            project_file_found = True
            if targets:
                project, build_top_level = read_project_build(settings, ctx, name, index, targets)
            else:
                project, build_top_level = read_project_file(settings, ctx, name, index), []
            if not values.get("only_build_deps"):
                top_level += project_top_level(project)
                if values.get("all_extras"):
                    extras += list(project.extras)
            top_level += build_top_level
        elif targets:
            raise UsageError(
                "--build-deps-for and --all-build-deps can be used only with the setup.py, setup.cfg and "
                "pyproject.toml specs."
            )
        else:
            items, file_options = _read_requirement_file(name, cwd, file_options, ctx.environ)
            top_level += items
    for name in values.get("constraint") or ():
        items, file_options = _read_requirement_file(
            str(name), cwd, file_options, ctx.environ, constraint=True
        )
        top_level += items
    for requirement in upgrade_packages.values():
        top_level.append(
            TopLevel(requirement, "", is_constraint=True, marker=requirement.marker, text=str(requirement))
        )

    extras = [part for extra in extras for part in extra.split(",")]
    if extras and not project_file_found:
        raise UsageError("--extra has effect only with setup.py and PEP-517 input formats")

    # From here on, the index client (when one could be made) is fetching the requirements' pages.
    client = start_fetching(settings, ctx, file_options, index, top_level)
    primary = {
        canonicalize_name(item.requirement.name)
        for item in top_level
        if item.requirement is not None and not item.is_constraint
    }
    for key, requirement in upgrade_packages.items():
        if key in primary:
            top_level.append(TopLevel(requirement, "", marker=requirement.marker, text=str(requirement)))

    if target is None:
        from pipcompat.resolver.target import current_target

        target = current_target()  # after the client has started: it imports the resolver's modules
    canonical_extras = [canonicalize_name(extra) for extra in extras]
    kept: list[TopLevel] = []
    markers: dict[str, Marker] = {}
    if universe is not None:  # platforms the input names that the universe lacks (sys_platform == "os1")
        universe = universe.covering(item.marker for item in top_level)
    for item in top_level:
        if universe is not None:
            if not _marker_possible(item.marker, universe, canonical_extras):
                continue
        elif not _marker_matches(item.marker, target, canonical_extras):
            continue
        marker = drop_extras(item.marker)
        kept.append(replace(item, marker=marker))
        if marker is not None and item.requirement is not None:
            markers[canonicalize_name(item.requirement.name)] = marker
    return CompileRequest(
        top_level=kept,
        file_options=file_options,
        index=index,
        existing=existing,
        upgrade=upgrade,
        upgrade_packages=upgrade_packages,
        markers=markers,
        target=target,
        universe=universe,
        resolution=_resolution(settings.get("resolution")),
        scoped_existing=scoped_existing,
        client=client,
    )


def start_fetching(
    settings: CommandSettings,
    ctx: Context,
    file_options: FileOptions,
    index: IndexOptions,
    top_level: Sequence[TopLevel],
) -> Any:
    """The index client, already fetching the project pages of the named top-level requirements that
    apply everywhere (no marker); ``None`` when there is nothing to fetch or the client cannot be made
    (the resolution makes it then, and raises its error there, as before).

    ``requests`` is imported here, on this thread, before the page requests are handed to the client's
    workers: the import is most of the CPU time before the first request, and done here it does not
    compete for the GIL with the rest of the set-up, which then runs while the requests are on the wire.
    """
    names = dict.fromkeys(
        item.requirement.name
        for item in top_level
        if item.requirement is not None
        and not item.is_constraint
        and not item.requirement.url
        and item.marker is None
    )
    if not names:
        return None
    try:
        client = index_client(settings, ctx, file_options, index)
    except PipcompatError:
        return None
    if any(url.startswith(("https://", "http://")) for url in client.index_urls):
        from pipcompat.index.session import load_requests

        load_requests()
    client.prefetch(names)
    return client


def _resolution(value: object) -> Strategy:
    from pipcompat.resolver.model import STRATEGIES

    for strategy in STRATEGIES:
        if value == strategy:
            return strategy
    return "highest"


# --------------------------------------------------------------------------------------------------------
# Resolution


class _Reporter:
    """Index warnings through the command's printer (``-v`` shows each request)."""

    def __init__(self, ctx: Context) -> None:
        self.printer = ctx.printer

    def warning(self, message: str) -> None:
        self.printer.warning(message)

    def fetching(self, url: str) -> None:
        self.printer.detail(f"fetching {url}")

    def ask_credentials(self, netloc: str) -> tuple[str, str] | None:
        return None


def _uploaded_prior_to(text: str | None) -> Any:
    if not text:
        return None
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid --uploaded-prior-to value {text!r}", hint="use an ISO 8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _without_marker(requirement: Requirement) -> Requirement:
    copy = Requirement(str(requirement))
    copy.marker = None
    return copy


def make_client(settings: CommandSettings, ctx: Context, request: CompileRequest) -> Any:
    """The index client for the merged index options (indexes named in the source files included): the
    one :func:`gather` started, else a new one."""
    if request.client is not None:
        client, request.client = request.client, None
        return client
    return index_client(settings, ctx, request.file_options, request.index)


def index_client(settings: CommandSettings, ctx: Context, options: FileOptions, index: IndexOptions) -> Any:
    """The index client for *options* (the file-level options) and *index* (the session options)."""
    from pipcompat.cache import Cache
    from pipcompat.index import IndexClient
    from pipcompat.settings import GeneralSettings

    general = GeneralSettings.from_settings(settings, ctx.environ)
    cache = Cache(general.cache_dir) if general.cache_dir is not None else None
    return IndexClient(
        index_urls=list(options.index_urls()),
        find_links=list(options.find_links),
        trusted_hosts=list(options.trusted_hosts),
        cert=index.cert,
        client_cert=index.client_cert,
        timeout=index.timeout if index.timeout is not None else 15.0,
        retries=index.retries if index.retries is not None else 5,
        proxy=index.proxy,
        no_proxy_env=index.no_proxy_env,
        keyring_provider=index.keyring_provider or "auto",
        no_input=bool(settings.get("no_input")),
        cache=cache,
        refresh=bool(settings.get("rebuild")),
        index_strategy=str(settings.get("index_strategy") or "unsafe-best-match"),
        reporter=_Reporter(ctx),  # type: ignore[arg-type]
        environ=ctx.environ,
    )


def _building_source(
    settings: CommandSettings, ctx: Context, client: Any, file_options: Any = None
) -> tuple[Any, Any]:
    """The client with sdist metadata builds (for the running interpreter, as pip-compile builds); the
    input's *file_options* (format and release control) also hold in build environments, as pip's."""
    import contextlib
    import sys

    from pipcompat.cache import Cache
    from pipcompat.commands.source_builds import make_building_source

    cache = client.cache
    stack = contextlib.ExitStack()
    if cache is None:
        import shutil
        import tempfile

        temp = tempfile.mkdtemp(prefix="pipcompat-cache-")
        stack.callback(shutil.rmtree, temp, True)
        cache = Cache(Path(temp))
    source, fetcher = make_building_source(
        settings, ctx, cache, client, python=sys.executable, file_options=file_options
    )
    stack.callback(fetcher.close)
    return source, stack


def _resolve_options(request: CompileRequest, *, preferences_as_constraints: bool) -> Any:
    """The resolver's options for *request*: its target, the file-level options and the existing pins."""
    from pipcompat.resolver import ResolveOptions

    options = request.file_options
    preferences: dict[str, Version] = {}
    for name, pin in request.existing.items():
        try:
            preferences[name] = Version(pin.version)
        except InvalidVersion:
            continue
    return ResolveOptions(
        target=request.target,
        all_releases=options.all_releases | ({":all:"} if options.pre else set()),
        only_final=options.only_final,
        only_binary=options.only_binary,
        no_binary=options.no_binary,
        prefer_binary=options.prefer_binary,
        uploaded_prior_to=_uploaded_prior_to(request.index.uploaded_prior_to),
        preferences=preferences,
        upgrade=frozenset(request.upgrade_packages),
        upgrade_all=request.upgrade,
        preferences_as_constraints=preferences_as_constraints,
        index_urls=tuple(options.index_urls()),
        strategy=request.resolution,
    )


def resolve_pins(settings: CommandSettings, ctx: Context, request: CompileRequest) -> list[CompiledPin]:
    """Resolve the request and turn the result into the pins the output file shows."""
    from pipcompat.lock.piptools_output import UNSAFE_PACKAGES, CompiledPin
    from pipcompat.resolver import RootRequirement, resolve

    values = settings.values
    resolve_options = _resolve_options(request, preferences_as_constraints=True)
    client = make_client(settings, ctx, request)
    # Ask for the requested projects' pages now: they download while the resolver's modules import.
    client.prefetch(
        dict.fromkeys(
            item.requirement.name
            for item in request.top_level
            if item.requirement is not None and not item.is_constraint and not item.requirement.url
        )
    )
    source, fetcher = _building_source(settings, ctx, client, request.file_options)
    with client, fetcher:
        resolved_vcs = _check_out_vcs(request.top_level, source)
        top_level = _attach_sources(request.top_level, source)
        roots = [
            RootRequirement(_without_marker(item.requirement), item.comes_from, item.is_constraint)
            for item in top_level
            if item.requirement is not None
        ]
        resolution = resolve(roots, source, resolve_options)
        for text in resolution.discarded_preferences:
            ctx.printer.tool_warning(f"Discarding {text} to proceed the resolution")
        allow_unsafe = bool(values.get("allow_unsafe"))
        unsafe_names = values.get("unsafe_package") or ()
        unsafe = (
            frozenset(canonicalize_name(str(n)) for n in unsafe_names) if unsafe_names else UNSAFE_PACKAGES
        )
        urls, editables = _direct_references(top_level, resolved_vcs)
        pins: list[CompiledPin] = []
        with tempfile.TemporaryDirectory(prefix="pipcompat-compile-") as temp:
            for package in resolution.packages:
                hashes: frozenset[str] = frozenset()
                if values.get("generate_hashes") and (allow_unsafe or package.name not in unsafe):
                    hashes = _hashes_of(
                        package, client, request, Path(temp), bool(values.get("reuse_hashes"))
                    )
                marker = request.markers.get(package.name)
                via = {source for source in package.sources if source} | set(package.parents)
                via.discard(package.name)
                pins.append(
                    CompiledPin(
                        name=package.name,
                        version=str(package.version),
                        extras=frozenset(canonicalize_name(extra) for extra in package.extras),
                        via=frozenset(via),
                        hashes=hashes,
                        marker=str(marker) if marker is not None else None,
                        url=(urls.get(package.name) or package.link.url) if package.is_direct else None,
                        editable=package.name in editables,
                        pin_operator=package.pin_operator,
                    )
                )
    return pins


def _direct_references(
    top_level: Sequence[TopLevel], resolved_vcs: Mapping[str, str]
) -> tuple[dict[str, str], set[str]]:
    """The URL each direct reference is written with, by name (a VCS requirement's resolved commit unless
    it is editable), and the names of the editables."""
    urls = {
        str(canonicalize_name(item.requirement.name)): item.requirement.url
        for item in top_level
        if item.requirement is not None and item.requirement.url
    }
    editables = {
        str(canonicalize_name(item.requirement.name))
        for item in top_level
        if item.requirement is not None and item.editable
    }
    for item in top_level:
        requirement = item.requirement
        if (
            requirement is not None
            and requirement.url
            and requirement.url in resolved_vcs
            and not item.editable
        ):
            urls[str(canonicalize_name(requirement.name))] = resolved_vcs[requirement.url]
    return urls, editables


def _attach_sources(top_level: Sequence[TopLevel], source: Any) -> list[TopLevel]:
    """Register the local trees with the building *source*; name bare paths and URLs from their metadata
    (pip-compile writes them as ``name @ file:///abs/path``)."""
    result: list[TopLevel] = []
    for item in top_level:
        requirement = item.requirement
        if requirement is not None and requirement.url and item.tree is not None:
            source.add_tree(requirement.url, item.tree)
    for item in top_level:
        requirement = item.requirement
        if requirement is not None and requirement.url and item.unnamed:
            from pipcompat.commands.pip_install import _url_filename
            from pipcompat.models import Link

            url = requirement.url
            name = source.name_of(Link(filename=_url_filename(url), url=url, index_url=""))
            extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
            marker = f" ; {requirement.marker}" if requirement.marker is not None else ""
            named = Requirement(f"{name}{extras} @ {url}{marker}")
            result.append(replace(item, requirement=named, unnamed=False))
            continue
        result.append(item)
    return result


def _is_vcs_url(url: str) -> bool:
    from pipcompat.requirements._forms import VCS_SCHEMES

    return url.partition(":")[0].lower() in VCS_SCHEMES


def _is_local_directory(url: str) -> bool:
    if not url.lower().startswith("file:"):
        return False
    from pipcompat.index.urls import url_to_path

    return os.path.isdir(url_to_path(url))


def _check_out_vcs(top_level: Sequence[TopLevel], source: Any) -> dict[str, str]:
    """Check the VCS requirements out and register their trees with *source* (their metadata comes from a
    build of the checkout, editables' too); returns their resolved URLs by requirement URL. Issue 5: the
    output records the resolved commit (``name @ git+<repo>@<commit>``) where pip-compile repeats the
    revision asked for; editables are written as given."""
    resolved: dict[str, str] = {}
    for item in top_level:
        requirement = item.requirement
        if requirement is None or not requirement.url or not _is_vcs_url(requirement.url):
            continue
        tree = source.vcs_tree(requirement.url)
        source.add_tree(requirement.url, tree)
        info = tree.direct_url
        url = f"{info['vcs_info']['vcs']}+{info['url']}@{info['vcs_info']['commit_id']}"
        if info.get("subdirectory"):
            url += f"#subdirectory={info['subdirectory']}"
        resolved[requirement.url] = url
    return resolved


def _hashes_of(package: Any, client: Any, request: CompileRequest, temp: Path, reuse: bool) -> frozenset[str]:
    """pip-compile's hashes of a pin: reused from the existing file, else every file of the version."""

    def digest(link: Link) -> str:
        known = link.hashes.get("sha256")
        if known:
            return f"sha256:{known}"
        path = client.download(link, temp)
        try:
            return f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
        finally:
            path.unlink()

    if package.is_direct:
        if _is_vcs_url(package.link.url) or _is_local_directory(package.link.url):
            return frozenset()  # pip-compile: no hashes for a VCS checkout or a local directory
        return frozenset({digest(package.link)})
    existing = request.existing.get(package.name)
    if reuse and existing is not None and existing.sha256_hashes:
        try:
            if Version(existing.version) == package.version:
                return existing.sha256_hashes
        except InvalidVersion:
            pass
    links = hashable_links(
        package.name,
        package.version,
        client.links(package.name),
        target=request.target,
        no_binary=request.file_options.no_binary,
        only_binary=request.file_options.only_binary,
    )
    return frozenset(digest(link) for link in links)


def _check_unsupported(settings: CommandSettings) -> None:
    values = settings.values
    build_targets(settings)
    if values.get("resolver_name") == "legacy":
        raise UsageError(
            "the legacy resolver is not available in 'pipcompat pip compile'",
            hint="leave --resolver=legacy out (pip-tools deprecated it)",
        )


def run(settings: CommandSettings, ctx: Context) -> int:
    values = settings.values
    printer = ctx.printer
    _check_unsupported(settings)
    given_sources = tuple(str(name) for name in settings.args)
    src_files = given_sources or _default_sources(ctx.cwd)
    if values.get("all_extras") and values.get("extras"):
        raise UsageError("--extra has no effect when used with --all-extras")
    output = output_file_name(src_files, values.get("output_file"))
    if output != "-" and output in src_files:
        raise UsageError(f"input and output filenames must not be matched: {output}")

    request = gather(settings, ctx, src_files, output)
    try:
        if request.universe is not None:
            pins = resolve_universal_pins(settings, ctx, request)
        else:
            pins = resolve_pins(settings, ctx, request)
    finally:
        if request.client is not None:  # an error before the resolution took the client over
            request.client.close()

    from pipcompat.lock.piptools_output import (
        MESSAGE_UNINSTALLABLE,
        UNSAFE_PACKAGES,
        OutputOptions,
        compile_command,
        render_output,
    )

    linesep = determine_linesep(str(values.get("newline") or "preserve"), (output, *src_files), ctx.cwd)
    strip = values.get("strip_extras")
    if strip is None:
        strip = False
        printer.tool_warning(STRIP_EXTRAS_WARNING)
    command = ctx.environ.get("CUSTOM_COMPILE_COMMAND") or compile_command(
        values, src_files=given_sources, config_given=settings.origins.get("config") == "command line"
    )
    unsafe = values.get("unsafe_package") or ()
    major, minor = (int(part) for part in request.target.python_version.split(".")[:2])
    file_options = request.file_options
    options = OutputOptions(
        header=bool(values.get("header", True)),
        command=command,
        python_version=(major, minor),
        annotate=bool(values.get("annotate", True)),
        annotation_style=str(values.get("annotation_style") or "split"),
        strip_extras=bool(strip),
        allow_unsafe=bool(values.get("allow_unsafe")),
        unsafe_packages=frozenset(canonicalize_name(str(n)) for n in unsafe) if unsafe else UNSAFE_PACKAGES,
        emit_options=bool(values.get("emit_options", True)),
        emit_index_url=bool(values.get("emit_index_url", True)),
        emit_find_links=bool(values.get("emit_find_links", True)),
        emit_trusted_host=bool(values.get("emit_trusted_host", True)),
        index_urls=file_options.index_urls(),
        find_links=file_options.find_links,
        trusted_hosts=file_options.trusted_hosts,
        no_binary=file_options.no_binary,
        only_binary=file_options.only_binary,
    )
    rendered = render_output(pins, options)
    _warn_dropped_credentials(options, printer)
    dry_run = bool(values.get("dry_run"))
    for line in rendered.lines:
        if dry_run:
            printer.err.write(line + "\n")
        else:
            printer.info(line)
    if not dry_run:
        data = rendered.text(linesep).encode("utf-8")
        if output == "-":
            stream = getattr(printer.out, "buffer", None)
            if stream is not None:
                printer.out.flush()
                stream.write(data)
                stream.flush()
            else:
                printer.out.write(data.decode("utf-8"))
        else:
            replace_file(ctx.cwd / output, data, keep_mode=True)
    if rendered.uninstallable:
        printer.tool_warning(MESSAGE_UNINSTALLABLE)
    if dry_run:
        printer.info(DRY_RUN_MESSAGE)
    return SUCCESS


def _warn_dropped_credentials(options: OutputOptions, printer: Printer) -> None:
    """Say once per URL that its credentials were left out of the written file (pip-compile writes them)."""
    from pipcompat.lock.piptools_output import has_credentials, redact_url

    written = (options.index_urls if options.emit_options and options.emit_index_url else ()) + (
        options.find_links if options.emit_options and options.emit_find_links else ()
    )
    for url in dict.fromkeys(u for u in written if has_credentials(u)):
        printer.warning(
            f"the credentials in {redact_url(url)} are not written to the output file; "
            "give them to the installer through .netrc, keyring or its own index settings"
        )


# --------------------------------------------------------------------------------------------------------
# --universal (pipcompat's own, as uv's): one output for every supported Python and platform


def universal_universe(settings: CommandSettings, src_files: Sequence[str], cwd: Path) -> Any:
    """The environments ``--universal`` covers: from ``--python-version`` (a lower bound, as uv reads it),
    else the ``requires-python`` of a ``pyproject.toml`` input, else the running Python's version."""
    from pipcompat.resolver.universal import Universe

    values = settings.values
    if values.get("python_platform"):
        raise UsageError("--python-platform cannot be used with --universal", hint="leave one of them out")
    if values.get("python_version"):
        return Universe.from_python_version(str(values["python_version"]))
    for name in src_files:
        if os.path.basename(name) != "pyproject.toml":
            continue
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
        try:
            project = tomllib.loads((cwd / name).read_text(encoding="utf-8")).get("project", {})
        except (OSError, ValueError):
            continue  # read_project_file reports it
        requires_python = project.get("requires-python") if isinstance(project, dict) else None
        if requires_python:
            return Universe.from_requires_python(str(requires_python))
    return Universe.from_python_version(f"{sys.version_info[0]}.{sys.version_info[1]}")


def scoped_existing_pins(
    path: Path, existing: Mapping[str, ExistingPin], environ: Mapping[str, str]
) -> list[Any]:
    """The pins of an existing ``--universal`` output with their markers, for the names still kept as
    preferences (*existing*: ``--upgrade-package`` names left out), in file order."""
    from pipcompat.lock.existing import pin_of
    from pipcompat.requirements import parse_requirements_file
    from pipcompat.resolver.universal import ScopedPreference

    result: list[Any] = []
    for requirement in parse_requirements_file(path, environ=environ).requirements:
        pin = pin_of(requirement)
        if pin is None or pin.name not in existing:
            continue
        try:
            version = Version(pin.version)
            marker = Marker(requirement.markers) if requirement.markers else None
        except (InvalidVersion, ValueError):
            continue
        result.append(ScopedPreference(pin.name, version, marker))
    return result


def _marker_possible(marker: Marker | None, universe: Any, extras: Sequence[str]) -> bool:
    """With ``--universal``: whether a top-level marker can hold somewhere (for no extra or one asked)."""
    if marker is None:
        return True
    return any(universe.mask(marker, extra) for extra in extras or ("",))


def resolve_universal_pins(
    settings: CommandSettings, ctx: Context, request: CompileRequest
) -> list[CompiledPin]:
    """Resolve for every environment of ``request.universe``; pins carry the markers where they apply.

    Local trees, archives, bare URLs, editables and VCS checkouts are built once, on the running interpreter,
    and their metadata is taken as valid in every environment (as for sdist-only versions, docs/resolver.md).
    """
    from pipcompat.lock.piptools_output import UNSAFE_PACKAGES, CompiledPin
    from pipcompat.resolver import RootRequirement
    from pipcompat.resolver.universal import resolve_universal

    values = settings.values
    resolve_options = _resolve_options(request, preferences_as_constraints=False)
    allow_unsafe = bool(values.get("allow_unsafe"))
    unsafe_names = values.get("unsafe_package") or ()
    unsafe = frozenset(canonicalize_name(str(n)) for n in unsafe_names) if unsafe_names else UNSAFE_PACKAGES
    client = make_client(settings, ctx, request)
    # Versions with only an sdist resolve through its metadata, built once on the running interpreter (as
    # plain pip-compile builds); the metadata is taken as valid in every environment (docs/resolver.md).
    source, fetcher = _building_source(settings, ctx, client, request.file_options)
    pins: list[CompiledPin] = []
    with client, fetcher:
        resolved_vcs = _check_out_vcs(request.top_level, source)
        top_level = _attach_sources(request.top_level, source)
        roots: list[RootRequirement] = []
        for item in top_level:
            if item.requirement is None:
                continue
            root = Requirement(str(item.requirement))
            root.marker = drop_extras(root.marker)
            roots.append(RootRequirement(root, item.comes_from, item.is_constraint))
        urls, editables = _direct_references(top_level, resolved_vcs)
        resolution = resolve_universal(
            roots, source, resolve_options, request.universe, scoped_preferences=request.scoped_existing
        )
        with tempfile.TemporaryDirectory(prefix="pipcompat-compile-") as temp:
            for package in resolution.packages:
                hashes: frozenset[str] = frozenset()
                if values.get("generate_hashes") and (allow_unsafe or package.name not in unsafe):
                    hashes = _universal_hashes_of(package, client, request, Path(temp))
                via = {source for source in package.sources if source} | set(package.parents)
                via.discard(package.name)
                pins.append(
                    CompiledPin(
                        name=package.name,
                        version=str(package.version),
                        extras=frozenset(canonicalize_name(extra) for extra in package.extras),
                        via=frozenset(via),
                        hashes=hashes,
                        marker=str(package.markers) if package.markers is not None else None,
                        url=(urls.get(package.name) or package.link.url) if package.is_direct else None,
                        editable=package.name in editables,
                        pin_operator=package.pin_operator,
                    )
                )
    return pins


def _universal_hashes_of(package: Any, client: Any, request: CompileRequest, temp: Path) -> frozenset[str]:
    """Hashes of every file of the pinned version, whatever platform or Python it is for (format control
    holds), as uv writes them with ``--universal``."""
    from pipcompat.models import allowed_formats

    def digest(link: Link) -> str:
        known = link.hashes.get("sha256")
        if known:
            return f"sha256:{known}"
        path = client.download(link, temp)
        try:
            return f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
        finally:
            path.unlink()

    if package.is_direct:
        return _hashes_of(package, client, request, temp, False)  # one file, as without --universal
    formats = allowed_formats(
        package.name, only_binary=request.file_options.only_binary, no_binary=request.file_options.no_binary
    )
    result: set[str] = set()
    for link in client.links(package.name):
        if ("binary" if link.is_wheel else "source") not in formats:
            continue
        if version_of_filename(link.filename, package.name) != package.version:
            continue
        result.add(digest(link))
    return frozenset(result)
