"""``pipcompat pip install``: pip's install, over the shared engine (resolve → plan → prepare → install).

Requirement sources are pip's (arguments, ``-r``, ``-c``; the file-level options of requirement files
merged onto the command line's), the target is found as pip finds it (``--python``, ``VIRTUAL_ENV``,
``.venv``, ...; PEP 668 and ``--require-virtualenv`` honoured), the resolution prefers what is installed
(pip's ``--upgrade``/``--upgrade-strategy``/``--force-reinstall``/``--ignore-installed`` semantics), wheels
are prepared in parallel into the cache (hash-checking mode exactly as pip) and installed in one
transaction: a failure or Ctrl-C leaves the environment as it was.

Output is short, on stderr: ``Resolved N packages in …``, ``Prepared N packages in …``, ``Installed N
packages in …`` and `` + name==version`` / `` - name==version`` lines (``Audited N packages`` when nothing
changes). ``--dry-run`` prints pip's ``Would install …`` line; ``--report`` writes pip's JSON report.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipcompat.commands.cache import command_cache
from pipcompat.errors import SUCCESS, PipcompatError, UsageError
from pipcompat.requirements import FileOptions, ParsedRequirement, RequirementForm, parse_requirements_files
from pipcompat.resolver.model import WrappingSource

if TYPE_CHECKING:
    from pipcompat.cache import Cache
    from pipcompat.commands import Context
    from pipcompat.dist.prepare import EntryPrecheck, PreparedWheel
    from pipcompat.dist.sources import SourceTree
    from pipcompat.env.installed import InstalledDistribution
    from pipcompat.install.engine import Installation, WheelToInstall
    from pipcompat.install.plan import Plan
    from pipcompat.install.scheme import Scheme
    from pipcompat.install.target import TargetPython
    from pipcompat.models import Link, TargetEnvironment
    from pipcompat.resolver import Resolution, ResolvedPackage
    from pipcompat.settings import CommandSettings, IndexSettings, InstallSettings
    from pipcompat.ui.progress import Progress

#: Options whose behaviour this command honours (others given on the command line are refused).
GENERAL_OPTIONS = frozenset(
    {
        "debug_mode",
        "require_venv",
        "python",
        "keyring_provider",
        "proxy",
        "no_proxy_env",
        "retries",
        "timeout",
        "trusted_hosts",
        "cert",
        "client_cert",
        "cache_dir",
        "disable_pip_version_check",
        "no_python_version_warning",
        "exists_action",
        "resume_retries",
        "progress_bar",
        "no_clean",
    }
)
INDEX_OPTIONS = frozenset(
    {
        "pre",
        "release_control",
        "format_control",
        "prefer_binary",
        "index_url",
        "extra_index_urls",
        "no_index",
        "find_links",
        "uploaded_prior_to",
        "index_strategy",
        "resolution",
    }
)
IMPLEMENTED_OPTIONS = (
    GENERAL_OPTIONS
    | INDEX_OPTIONS
    | frozenset(
        {
            "requirements",
            "constraints",
            "ignore_dependencies",
            "only_dependencies",
            "editables",
            "src_dir",
            "dry_run",
            "target_dir",
            "use_user_site",
            "root_path",
            "prefix_path",
            "upgrade",
            "upgrade_strategy",
            "force_reinstall",
            "ignore_installed",
            "ignore_requires_python",
            "override_externally_managed",
            "compile",
            "warn_script_location",
            "warn_about_conflicts",
            "require_hashes",
            "no_require_hashes",
            "root_user_action",
            "json_report_file",
            "build_isolation",
            "build_constraints",
            "check_build_deps",
            "config_settings",
            # pip 26 keeps --use-pep517 as a hidden no-op (every build goes through PEP 517, as here).
            "use_pep517",
            "dependency_groups",
            "requirements_from_scripts",
            "platforms",
            "python_version",
            "implementation",
            "abis",
        }
    )
)

CONFLICTS_HEAD = (
    "pip's dependency resolver does not currently take into account all the packages that are installed. "
    "This behaviour is the source of the following dependency conflicts."
)


# --------------------------------------------------------------------------------------------------------
# Requirements


@dataclass
class Root:
    """One requirement (or constraint) the user gave, ready for the resolver."""

    requirement: Requirement
    comes_from: str
    is_constraint: bool = False
    hashes: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""
    is_direct: bool = False
    editable: bool = False
    tree: SourceTree | None = None
    """The local project directory a direct reference points at (built from source)."""
    unnamed: bool = False
    """Given as a bare URL or path: the name comes from the metadata (:func:`attach_sources`)."""
    link_hashes: dict[str, list[str]] = field(default_factory=dict)
    """Hashes in the URL's fragment (``#sha256=…``): checked like ``--hash``, without hash-checking mode."""
    config_settings: dict[str, str | list[str]] | None = None
    """The requirement line's own ``--config-settings`` (they replace ``-C`` for its builds, as in pip)."""

    @property
    def url(self) -> str | None:
        return self.requirement.url

    @property
    def key(self) -> str:
        return str(canonicalize_name(self.requirement.name))

    @property
    def pinned(self) -> bool:
        for spec in self.requirement.specifier:
            if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
                return True
        return False


@dataclass
class Request:
    """Everything the user asked for: roots, the merged file-level options, hash-checking mode."""

    roots: list[Root]
    options: FileOptions
    require_hashes: bool
    script_requires_python: tuple[str, str] | None = None
    """``(script, specifier)``: the ``requires-python`` of ``--requirements-from-script``'s script."""

    @property
    def requirements(self) -> list[Root]:
        return [r for r in self.roots if not r.is_constraint]


_UNNAMED = "pipcompat-unnamed-requirement"
_HASH_NAMES = ("sha1", "sha224", "sha256", "sha384", "sha512", "md5")


def _fragment_hashes(url: str) -> dict[str, list[str]]:
    fragment = url.partition("#")[2]
    found: dict[str, list[str]] = {}
    for part in fragment.split("&"):
        name, _, value = part.partition("=")
        if name in _HASH_NAMES and value:
            found.setdefault(name, []).append(value.lower())
    return found


def _url_filename(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url.split("#", 1)[0]).path.rstrip("/").rsplit("/", 1)[-1])


_NOT_EDITABLE = (
    "{} is not a valid editable requirement. It should either be a path to a local project or a VCS URL "
    "(beginning with bzr+http, bzr+https, bzr+ssh, bzr+sftp, bzr+ftp, bzr+lp, bzr+file, git+http, git+https, "
    "git+ssh, git+git, git+file, hg+file, hg+http, hg+https, hg+ssh, hg+static-http, svn+ssh, svn+http, "
    "svn+https, svn+svn, svn+file)."
)


def _direct_root_parts(item: ParsedRequirement, cwd: Path) -> tuple[str, str | None, SourceTree | None]:
    """The URL, the name (when the text gives one) and the source tree of a direct reference."""
    from pipcompat.dist.sources import check_project_dir, is_project_dir, is_source_archive, local_tree
    from pipcompat.index.urls import is_file_url, url_to_path

    if item.is_vcs:
        return _vcs_root_parts(item)
    name = item.name
    if item.form is RequirementForm.PATH:
        path = Path(item.path or item.text)
        if not path.is_absolute():
            path = cwd / path
        shown = item.path or item.text
        if path.is_dir():
            if item.is_editable and not is_project_dir(path):
                raise PipcompatError(
                    f"{local_tree(path).direct_url['url']} does not appear to be a Python project: "
                    "neither 'setup.py' nor 'pyproject.toml' found."
                )
            check_project_dir(path, shown)
            tree = local_tree(path, editable=item.is_editable)
            return str(tree.direct_url["url"]), name, tree
        if item.is_editable:
            raise PipcompatError(_NOT_EDITABLE.format(shown))
        if not path.exists():
            raise PipcompatError(
                f"Could not install requirement {shown} because the file {shown!r} does not exist"
            )
        if not (path.name.endswith(".whl") or is_source_archive(path.name)):
            raise PipcompatError(
                f"Invalid requirement: {shown!r}: it is neither a wheel, a source archive nor a project "
                "directory"
            )
        url = Path(os.path.normpath(os.path.abspath(path))).as_uri()
    else:
        url = item.url or ""
    if is_file_url(url):
        local = url_to_path(url.split("#", 1)[0])
        if local.is_dir():
            check_project_dir(local, str(local))
            tree = local_tree(local, editable=item.is_editable)
            return url, name, tree
        if not local.exists():
            raise PipcompatError(f"Could not install requirement {url} because {local} does not exist")
    if item.is_editable:
        raise PipcompatError(_NOT_EDITABLE.format(item.text))
    filename = _url_filename(url)
    if not (filename.endswith(".whl") or is_source_archive(filename)):
        raise PipcompatError(
            f"{item.text}: cannot install {filename!r}: it is neither a wheel nor a source archive",
            hint="point at a .whl, an sdist (.tar.gz, .zip, ...) or a project directory",
        )
    if name is None and filename.endswith(".whl"):
        name = filename.split("-")[0]
    return url, name, None


def _root_from_parsed(item: ParsedRequirement, cwd: Path) -> Root:
    comes_from = item.comes_from
    markers = item.markers
    tree: SourceTree | None = None
    unnamed = False
    link_hashes: dict[str, list[str]] = {}
    try:
        if item.form is RequirementForm.NAMED:
            requirement = Requirement(item.text)
        else:
            url, name, tree = _direct_root_parts(item, cwd)
            link_hashes = _fragment_hashes(url)
            if tree is not None:
                fragment = url.partition("#")[2]
                url = str(tree.direct_url["url"]) + (f"#{fragment}" if fragment else "")
            if not name:
                unnamed = True
                name = _UNNAMED
            extras = f"[{','.join(item.extras)}]" if item.extras else ""
            requirement = Requirement(f"{name}{extras} @ {url}" + (f" ; {markers}" if markers else ""))
    except InvalidRequirement as exc:
        raise PipcompatError(f"invalid requirement {item.text!r}: {exc}") from None
    hashes = {alg: list(digests) for alg, digests in item.hash_options.items()}
    return Root(
        requirement=requirement,
        comes_from=comes_from,
        is_constraint=item.is_constraint,
        hashes=hashes,
        text=item.text,
        is_direct=item.form is not RequirementForm.NAMED,
        editable=item.is_editable,
        tree=tree,
        unnamed=unnamed,
        link_hashes=link_hashes,
        config_settings=item.config_settings_dict or None,
    )


def _vcs_root_parts(item: ParsedRequirement) -> tuple[str, str | None, SourceTree | None]:
    """A VCS requirement's URL and name; its tree (a checkout) is made by :func:`attach_sources`. Only git is
    supported: other VCS URLs are refused here, naming the requirement."""
    from pipcompat.dist.vcs import VCS_LABELS, parse_vcs_url

    url = item.url or ""
    parsed = parse_vcs_url(url)
    if parsed.vcs != "git":
        where = f" (from {item.comes_from})" if item.comes_from else ""
        raise PipcompatError(
            f"{parsed.url}{where}: {VCS_LABELS[parsed.vcs]} ({parsed.vcs}+) requirements are not supported "
            "by pipcompat, only git",
            hint="install this one with pip, or point the requirement at an archive of the project",
        )
    return url, item.name or parsed.egg, None


def _is_vcs_url(url: str) -> bool:
    from pipcompat.requirements._forms import VCS_SCHEMES

    return url.partition(":")[0].lower() in VCS_SCHEMES


def src_dir(settings: CommandSettings, destination: Destination, ctx: Context) -> Path:
    """Where ``-e`` VCS requirements are cloned: ``--src`` (or ``PIP_SRC``/configuration) when given, else
    pip's default for the target: ``<venv>/src`` in a virtual environment, ``./src`` otherwise."""
    from pipcompat.settings import DEFAULT_ORIGIN

    given = settings.get("src_dir")
    if given and settings.origins.get("src_dir", DEFAULT_ORIGIN) != DEFAULT_ORIGIN:
        return ctx.cwd / Path(str(given)).expanduser()
    target = destination.target
    return (target.prefix if target.in_virtualenv else ctx.cwd) / "src"


def command_line_config(request: Request, settings: CommandSettings, ctx: Context) -> None:
    """pip's reach of the command line's ``-C``/``--config-settings``: the requirements and editables given
    on the command line (not requirement-file lines, which have only their own, nor dependencies)."""
    from pipcompat.commands.source_builds import command_config_settings

    config = command_config_settings(settings, ctx.environ)
    if not config:
        return
    for root in request.roots:
        if not root.comes_from and not root.is_constraint and root.config_settings is None:
            root.config_settings = dict(config)


def building_source(
    settings: CommandSettings,
    ctx: Context,
    cache: Cache,
    client: Any,
    *,
    request: Request,
    destination: Destination,
) -> tuple[Any, Any]:
    """The source that builds what *request* needs from sdists and trees (with the destination's
    interpreter) over *client*, and its fetcher; the command line's ``-C`` given to its requirements."""
    from pipcompat.commands.source_builds import make_building_source

    found = make_building_source(
        settings,
        ctx,
        cache,
        client,
        python=str(destination.target.executable),
        config_per_requirement=True,
        file_options=request.options,
    )
    command_line_config(request, settings, ctx)
    return found


def attach_sources(request: Request, source: Any, *, src: Path | None = None) -> None:
    """Tell the building *source* about the request's source trees, and name the requirements given without
    a name from their metadata (pip prepares them before resolving, too). VCS requirements are checked out
    here (``-e`` ones cloned into *src*)."""
    from pipcompat.models import Link

    trees = [r for r in request.roots if r.tree is not None]
    if request.require_hashes and trees:
        for root in trees:
            if root.editable:
                raise PipcompatError(_EDITABLE_HASHES.format(root.text))
        raise PipcompatError(_DIRECTORY_HASHES + "".join(f"\n    {r.text}" for r in trees))
    for root in request.roots:
        if root.tree is None and root.url and _is_vcs_url(root.url):
            root.tree = source.vcs_tree(
                root.url, editable=root.editable, name=root.requirement.name, src_dir=src or Path("src")
            )
    for root in request.roots:
        if root.tree is not None and root.url:
            source.add_tree(root.url, root.tree)
        if root.config_settings and not root.is_constraint and hasattr(source, "set_config"):
            source.set_config(root.config_settings, url=root.url, name=root.requirement.name)
    for root in request.roots:
        if not root.unnamed or not root.url:
            continue
        url = root.url
        link = Link(filename=_url_filename(url), url=url, index_url="")
        name = source.name_of(link)
        requirement = root.requirement
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f" ; {requirement.marker}" if requirement.marker is not None else ""
        root.requirement = Requirement(f"{name}{extras} @ {url}{marker}")
        root.unnamed = False


def base_file_options(settings: CommandSettings, environ: Mapping[str, str]) -> FileOptions:
    """The command line's (and configuration's) file-level options, before requirement files change them."""
    from pipcompat.settings import GeneralSettings, IndexSettings

    index = IndexSettings.from_settings(settings, environ)
    general = GeneralSettings.from_settings(settings, environ)
    return FileOptions(
        index_url=index.index_url,
        extra_index_urls=tuple(index.extra_index_urls),
        no_index=index.no_index,
        find_links=tuple(index.find_links),
        no_binary=frozenset(index.no_binary),
        only_binary=frozenset(index.only_binary),
        prefer_binary=index.prefer_binary,
        pre=index.pre,
        all_releases=frozenset(index.all_releases),
        only_final=frozenset(index.only_final),
        require_hashes=bool(settings.get("require_hashes")),
        no_require_hashes=bool(settings.get("no_require_hashes")),
        trusted_hosts=tuple(general.trusted_hosts),
    )


def gather(
    settings: CommandSettings,
    ctx: Context,
    *,
    args: Sequence[str],
    requirement_files: Sequence[str],
    constraint_files: Sequence[str],
) -> Request:
    """Read every requirement source as pip does: constraints, then arguments, then requirement files."""
    from pipcompat.requirements._forms import InvalidRequirementText, classify

    options = base_file_options(settings, ctx.environ)
    roots: list[Root] = []
    editables = [str(e) for e in (settings.get("editables") or ())]
    if constraint_files:
        result = parse_requirements_files((), constraint_files, environ=ctx.environ, options=options)
        options = result.options
        roots += [_root_from_parsed(item, ctx.cwd) for item in result.requirements]
        _warn_parse(ctx, result.warnings)
    for arg in args:
        try:
            shape = classify(arg)
        except InvalidRequirementText as exc:
            raise UsageError(f"Invalid requirement: {arg!r}: {exc}") from None
        roots.append(_root_from_parsed(_plain_requirement(arg, shape, _arg_location(), ctx.cwd), ctx.cwd))
    roots += _group_roots(settings, ctx)
    for text in editables:
        try:
            shape = classify(text, editable=True)
        except InvalidRequirementText as exc:
            raise PipcompatError(str(exc), hint=exc.hint) from None
        item = ParsedRequirement(
            text=text,
            form=shape.form,
            location=_arg_location(),
            comes_from="",
            base_dir=str(ctx.cwd),
            is_editable=True,
            name=shape.name,
            extras=shape.extras,
            url=shape.url,
            path=shape.path,
            markers=shape.markers,
        )
        roots.append(_root_from_parsed(item, ctx.cwd))
    if requirement_files:
        result = parse_requirements_files(requirement_files, environ=ctx.environ, options=options)
        options = result.options
        roots += [_root_from_parsed(item, ctx.cwd) for item in result.requirements]
        _warn_parse(ctx, result.warnings)
    script_roots, script_requires_python = _script_roots(settings, ctx)
    roots += script_roots
    if options.require_hashes and options.no_require_hashes:
        raise PipcompatError("--require-hashes and --no-require-hashes are mutually exclusive")
    require_hashes = options.require_hashes or (
        not options.no_require_hashes and any(root.hashes for root in roots)
    )
    return Request(roots, options, require_hashes, script_requires_python)


def _script_roots(settings: CommandSettings, ctx: Context) -> tuple[list[Root], tuple[str, str] | None]:
    """The dependencies of ``--requirements-from-script``'s script (PEP 723), after every other source as
    pip takes them, and its ``requires-python`` (checked once the target is known)."""
    from pipcompat.models import SourceLocation
    from pipcompat.requirements._forms import InvalidRequirementText, classify
    from pipcompat.requirements.scripts import read_script_metadata

    scripts = [str(s) for s in settings.get("requirements_from_scripts") or ()]
    if not scripts:
        return [], None
    if len(scripts) > 1:
        raise PipcompatError("--requirements-from-script can only be given once")
    metadata = read_script_metadata(scripts[0], cwd=ctx.cwd)
    location = SourceLocation(f"{metadata.path} (inline script metadata)")
    roots: list[Root] = []
    for text in metadata.dependencies:
        try:
            shape = classify(text)
        except InvalidRequirementText as exc:
            raise PipcompatError(
                f"Invalid requirement: {text!r} in the script metadata of {metadata.path!r}: {exc}"
            ) from None
        roots.append(_root_from_parsed(_plain_requirement(text, shape, location, ctx.cwd), ctx.cwd))
    requires = (metadata.path, metadata.requires_python) if metadata.requires_python else None
    return roots, requires


def check_script_python(request: Request, target: TargetPython, *, ignore: bool) -> None:
    """pip's check of the script's ``requires-python`` against the target's version (not with
    ``--ignore-requires-python``)."""
    if request.script_requires_python is None or ignore:
        return
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    script, text = request.script_requires_python
    try:
        specifier = SpecifierSet(text)
    except InvalidSpecifier:
        raise PipcompatError(f"Script {script!r} has an invalid requires-python: {text!r}") from None
    version = ".".join(map(str, target.version))
    if not specifier.contains(version, prereleases=True):
        short = ".".join(map(str, target.version[:2]))
        raise PipcompatError(f"Script {script!r} requires a different Python: {short} not in {text!r}")


def _group_roots(settings: CommandSettings, ctx: Context) -> list[Root]:
    """The requirements of ``--group [path:]group`` (PEP 735), after the arguments, as pip takes them."""
    from pipcompat.models import SourceLocation
    from pipcompat.requirements._forms import InvalidRequirementText, classify
    from pipcompat.requirements.dependency_groups import group_requirements, split_group

    groups = [split_group(item) for item in settings.get("dependency_groups") or ()]
    if not groups:
        return []
    for path, _group in groups:
        if not path.endswith("pyproject.toml"):
            raise PipcompatError(
                f"--group from {path}: installing from a pylock.toml file is not available yet",
                hint="name a group of a pyproject.toml, or use pip for now",
                exit_code=2,
            )
    roots: list[Root] = []
    for text, path, group in group_requirements(groups, cwd=ctx.cwd):
        try:
            shape = classify(text)
        except InvalidRequirementText as exc:
            raise PipcompatError(
                f"Invalid requirement: {text!r} in group {group!r} of {path}: {exc}"
            ) from None
        location = SourceLocation(f"{path} (dependency group {group!r})")
        roots.append(_root_from_parsed(_plain_requirement(text, shape, location, ctx.cwd), ctx.cwd))
    return roots


def _plain_requirement(text: str, shape: Any, location: Any, cwd: Path) -> ParsedRequirement:
    """A requirement given outside any file (an argument, a dependency group's entry), as classified."""
    return ParsedRequirement(
        text=text,
        form=shape.form,
        location=location,
        comes_from="",
        base_dir=str(cwd),
        name=shape.name,
        extras=shape.extras,
        specifier=shape.specifier,
        url=shape.url,
        path=shape.path,
        markers=shape.markers,
    )


def _arg_location() -> Any:
    from pipcompat.models import SourceLocation

    return SourceLocation("command line")


def _warn_parse(ctx: Context, warnings: Sequence[Any]) -> None:
    for warning in warnings:
        ctx.printer.warning(str(warning))


# --------------------------------------------------------------------------------------------------------
# Where to install


@dataclass
class Destination:
    """The target interpreter, the scheme to install into and what is installed there."""

    target: TargetPython
    scheme: Scheme
    installed: list[InstalledDistribution]
    uninstall_prefix: str | None
    kind: str = "environment"
    """``environment``, ``user``, ``target``, ``prefix`` or ``root``."""


def _scan_dirs(target: TargetPython, scheme: Scheme) -> list[InstalledDistribution]:
    from pipcompat.install.target import installed_distributions

    dirs = [str(scheme.purelib)]
    if str(scheme.platlib) != dirs[0]:
        dirs.append(str(scheme.platlib))
    return installed_distributions(target, [d for d in dirs if os.path.isdir(d)])


def find_destination(
    settings: CommandSettings, ctx: Context, cache: Cache, *, installing: bool
) -> Destination:
    from pipcompat.env.interpreters import check_externally_managed, require_virtualenv
    from pipcompat.install.scheme import scheme_for
    from pipcompat.install.target import installed_distributions, locate_target
    from pipcompat.settings import GeneralSettings, InstallSettings

    general = GeneralSettings.from_settings(settings, ctx.environ)
    install = InstallSettings.from_settings(settings, ctx.environ)
    target = locate_target(general.python, environ=ctx.environ, cwd=ctx.cwd, cache=cache)
    if general.require_virtualenv:
        require_virtualenv(target.in_virtualenv)
    user = bool(install.user)
    if user:
        if install.prefix is not None:
            raise PipcompatError(
                "Can not combine '--user' and '--prefix' as they imply different installation locations"
            )
        if install.target is not None:
            raise PipcompatError("Can not combine '--user' and '--target'")
        if target.in_virtualenv and not target.enable_user_site:
            raise PipcompatError(
                "Can not perform a '--user' install. User site-packages are not visible in this virtualenv."
            )
        if not target.enable_user_site:
            raise PipcompatError(
                "Can not perform a '--user' install. User site-packages are disabled for this Python."
            )
    into_environment = install.target is None and install.prefix is None and install.root is None
    if installing and into_environment and not install.override_externally_managed and target.interpreter:
        check_externally_managed(target.interpreter, break_system_packages=False)
    root = Path(ctx.cwd, install.root) if install.root is not None else None
    prefix = Path(ctx.cwd, install.prefix) if install.prefix is not None else None
    target_dir = Path(ctx.cwd, install.target) if install.target is not None else None
    scheme = scheme_for(target, user=user, prefix=prefix, root=root, target_dir=target_dir)
    if target_dir is not None:
        return Destination(target, scheme, _scan_dirs(target, scheme), str(target_dir), "target")
    if prefix is not None or root is not None:
        base = str(root) if root is not None else str(prefix)
        return Destination(target, scheme, _scan_dirs(target, scheme), base, "root" if root else "prefix")
    uninstall_prefix = str(target.prefix) if target.in_virtualenv else None
    installed = installed_distributions(target)
    return Destination(target, scheme, installed, uninstall_prefix, "user" if user else "environment")


# --------------------------------------------------------------------------------------------------------
# Resolution


class _Reporter:
    def __init__(self, ctx: Context) -> None:
        self.printer = ctx.printer

    def warning(self, message: str) -> None:
        self.printer.warning(message)

    def fetching(self, url: str) -> None:
        self.printer.debug(f"fetching {url}")

    def ask_credentials(self, netloc: str) -> tuple[str, str] | None:
        return None


def make_client(settings: CommandSettings, ctx: Context, options: FileOptions, cache: Cache) -> Any:
    from pipcompat.index import IndexClient
    from pipcompat.settings import GeneralSettings, IndexSettings

    general = GeneralSettings.from_settings(settings, ctx.environ)
    index = IndexSettings.from_settings(settings, ctx.environ)
    return IndexClient(
        index_urls=list(options.index_urls(index.index_url)),
        find_links=list(options.find_links),
        trusted_hosts=list(options.trusted_hosts),
        cert=general.cert,
        client_cert=general.client_cert,
        timeout=general.timeout,
        retries=general.retries,
        proxy=general.proxy,
        no_proxy_env=general.no_proxy_env,
        keyring_provider=general.keyring_provider,
        no_input=general.no_input,
        cache=cache,
        index_strategy=index.index_strategy,
        reporter=_Reporter(ctx),  # type: ignore[arg-type]
        environ=ctx.environ,
        # Project pages: 8 threads (one connection each) fetched a warm data-science resolve's 121 pages as
        # fast as 16 did, with less CPU (fewer TLS handshakes, less contention for the GIL); see
        # docs/benchmarks.md. Downloads have their own 8 threads (``prepare_wheels``).
        max_workers=8,
    )


def uploaded_prior_to(text: str | None) -> Any:
    if not text:
        return None
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid --uploaded-prior-to value {text!r}", hint="use an ISO 8601 date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class ResolvePolicy:
    """pip's installed-versus-index policy for one install."""

    upgrade: bool = False
    eager: bool = False
    force_reinstall: bool = False
    ignore_installed: bool = False
    no_deps: bool = False
    ignore_requires_python: bool = False
    resolution: str = "highest"
    """``--resolution``: ``highest``, ``lowest`` or ``lowest-direct``."""


def resolve_policy(settings: CommandSettings, install: InstallSettings) -> ResolvePolicy:
    """The policy pip install's options (*settings*, *install* read from them) ask for."""
    return ResolvePolicy(
        upgrade=install.upgrade,
        eager=install.upgrade_strategy == "eager",
        force_reinstall=install.force_reinstall,
        ignore_installed=install.ignore_installed,
        no_deps=bool(settings.get("ignore_dependencies")),
        ignore_requires_python=bool(settings.get("ignore_requires_python")),
        resolution=str(settings.get("resolution") or "highest"),
    )


class NoDepsSource(WrappingSource):
    """A package source whose metadata declares no dependencies (``--no-deps``)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def metadata(self, link: Link) -> bytes:
        data: bytes = self.source.metadata(link)
        lines = data.split(b"\n")
        body_at = lines.index(b"") if b"" in lines else len(lines)
        head = [line for line in lines[:body_at] if not line.lower().startswith(b"requires-dist:")]
        return b"\n".join([*head, *lines[body_at:]])

    def prefetch(self, names: Any) -> None:
        self.source.prefetch(names)

    def prefetch_metadata(self, links: Any) -> None:
        self.source.prefetch_metadata(links)


def resolve_request(
    request: Request,
    client: Any,
    destination: Destination,
    policy: ResolvePolicy,
    *,
    index_url: str,
    cutoff: Any,
    target: TargetEnvironment | None = None,
) -> Resolution:
    from pipcompat.dist.installed import InstalledAwareSource
    from pipcompat.resolver import ResolveOptions, RootRequirement, resolve

    installed: dict[str, InstalledDistribution] = {}
    if not (policy.ignore_installed or policy.force_reinstall):
        installed = {d.canonical_name: d for d in destination.installed}
    source: Any = InstalledAwareSource(client, installed)
    if policy.no_deps:
        source = NoDepsSource(source)
    preferences: dict[str, Version] = {}
    for key, dist in installed.items():
        with contextlib.suppress(InvalidVersion):
            preferences[key] = Version(dist.version_text)
    direct = frozenset(r.key for r in request.requirements)
    options = request.options
    roots = [RootRequirement(r.requirement, r.comes_from, r.is_constraint) for r in request.roots]
    interpreter = destination.target.interpreter
    assert interpreter is not None
    resolve_options = ResolveOptions(
        target=target or interpreter.target_environment(),
        all_releases=options.all_releases | ({":all:"} if options.pre else set()),
        only_final=options.only_final,
        only_binary=options.only_binary,
        no_binary=options.no_binary,
        prefer_binary=options.prefer_binary,
        uploaded_prior_to=cutoff,
        preferences=preferences,
        upgrade=direct if policy.upgrade and not policy.eager else frozenset(),
        upgrade_all=policy.upgrade and policy.eager,
        ignore_requires_python=policy.ignore_requires_python,
        index_urls=tuple(options.index_urls(index_url)),
        strategy=policy.resolution,  # type: ignore[arg-type]
    )
    return resolve(roots, source, resolve_options)


# --------------------------------------------------------------------------------------------------------
# Planning and preparing


@dataclass
class Planned:
    """The plan and, for every distribution it installs, the resolved package and the file to use."""

    plan: Plan
    packages: dict[str, ResolvedPackage]
    links: dict[str, Link]
    count: int
    """How many packages the resolution has (the ``Resolved``/``Audited`` count)."""


def _direct_reference(dist: InstalledDistribution) -> str | None:
    data = dist.direct_url
    if data is None:
        return None
    if isinstance(data.get("vcs_info"), dict):
        return _vcs_reference(data)
    url = data.get("url")
    return url if isinstance(url, str) else None


def _vcs_reference(direct_url: Mapping[str, Any]) -> str:
    """``git+<url>@<commit>`` of a PEP 610 record: an install from the same commit is left alone (pip leaves
    any install of the same version alone; a new commit of the same version is installed, as uv does)."""
    info = direct_url.get("vcs_info") or {}
    return f"{info.get('vcs')}+{direct_url.get('url')}@{info.get('commit_id')}"


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def choose_link(package: ResolvedPackage, hashes: Mapping[str, Sequence[str]]) -> Link:
    """The file to install: with user hashes, the first file the index says matches one (pip's
    ``filter_unallowed_hashes``); else the resolver's choice."""
    if hashes:
        for link in package.links:
            for algorithm, digest in link.hashes.items():
                if digest.lower() in {d.lower() for d in hashes.get(algorithm, ())}:
                    return link
    return package.link


def plan_install(
    resolution: Resolution,
    request: Request,
    destination: Destination,
    policy: ResolvePolicy,
    *,
    only_deps: bool = False,
    remove_extraneous: bool = False,
    keep: Sequence[str] = (),
) -> Planned:
    from pipcompat.dist.installed import is_installed_link
    from pipcompat.install.plan import Wanted, installed_from, plan_changes

    installed = destination.installed if not policy.ignore_installed else []
    references = {d.canonical_name: ref for d in installed if (ref := _direct_reference(d)) is not None}
    by_key = {d.canonical_name: d for d in installed}
    hashes: dict[str, dict[str, list[str]]] = {}
    for root in request.roots:
        for algorithm, digests in root.hashes.items():
            hashes.setdefault(root.key, {}).setdefault(algorithm, []).extend(digests)
    requested = {r.key for r in request.requirements}
    editable = {r.key for r in request.requirements if r.editable}
    local_sources = {r.key for r in request.requirements if _is_local_source(r)}
    vcs_references = {
        r.key: _vcs_reference(r.tree.direct_url)
        for r in request.requirements
        if r.tree is not None and not r.editable and "vcs_info" in r.tree.direct_url
    }
    wanted: list[Wanted] = []
    packages: dict[str, ResolvedPackage] = {}
    links: dict[str, Link] = {}
    dependencies = {canonicalize_name(d.name) for p in resolution.packages for d in p.dependencies}
    for package in resolution.packages:
        if only_deps and package.name in requested and package.name not in dependencies:
            continue
        packages[package.name] = package
        link = choose_link(package, hashes.get(package.name, {}))
        links[package.name] = link
        current = by_key.get(package.name)
        if is_installed_link(link) and current is not None and package.name not in local_sources:
            wanted.append(
                Wanted(
                    package.display_name,
                    str(package.version),
                    direct_url=references.get(package.name),
                    editable=current.editable,
                    requested=package.requested,
                )
            )
            continue
        wanted.append(
            Wanted(
                package.display_name,
                str(package.version),
                direct_url=(vcs_references.get(package.name) or _strip_fragment(link.url))
                if package.is_direct
                else None,
                editable=package.name in editable,
                requested=package.requested,
            )
        )
    # pip builds and installs a local directory or sdist again on every explicit install (a local wheel
    # of the installed version is left alone).
    forced = local_sources & set(packages)
    plan = plan_changes(
        installed_from(installed, references),
        wanted,
        reinstall=policy.force_reinstall or forced,
        remove_extraneous=remove_extraneous,
        keep=keep,
    )
    return Planned(plan, packages, links, len(resolution.packages))


def _is_local_source(root: Root) -> bool:
    """A directory, or a local archive that is not a wheel (pip reinstalls these every time)."""
    from pipcompat.index.urls import is_file_url

    if root.tree is not None:
        return root.tree.direct_url.get("vcs_info") is None
    url = root.url
    return bool(url and is_file_url(url) and not _strip_fragment(url).endswith(".whl"))


_EDITABLE_HASHES = (
    "The editable requirement {} cannot be installed when requiring hashes, because there is no single file "
    "to hash."
)
_DIRECTORY_HASHES = "Can't verify hashes for these file:// requirements because they point to directories:"


def _refuse_tree_hashes(trees: Mapping[str, SourceTree], planned: Planned, roots: Mapping[str, Root]) -> None:
    """pip's errors for source trees in hash-checking mode: editables and directories have no file to hash."""
    for key, tree in trees.items():
        root = roots.get(key)
        shown = root.text if root is not None and root.text else planned.packages[key].display_name
        if tree.editable:
            raise PipcompatError(_EDITABLE_HASHES.format(shown))
    lines = []
    for key in trees:
        root = roots.get(key)
        shown = root.text if root is not None and root.text else planned.packages[key].display_name
        lines.append(f"    {shown}")
    raise PipcompatError(_DIRECTORY_HASHES + "\n" + "\n".join(lines))


def _described(root: Root | None, name: str, version: str, link: Link) -> str:
    text = root.text if root is not None and root.text else f"{name}=={version}"
    where = f" (from {root.comes_from})" if root is not None and root.comes_from else ""
    from pipcompat.errors import redact

    return f"{text} from {redact(_strip_fragment(link.url))}{where}"


def prepare(
    planned: Planned,
    request: Request,
    client: Any,
    cache: Cache,
    progress: Progress | None = None,
    *,
    on_ready: Callable[[PreparedWheel], None] | None = None,
) -> dict[str, PreparedWheel]:
    """Every wheel the plan installs, ready in the cache; *on_ready* is called with each as soon as it is."""
    from pipcompat.dist.prepare import WheelRequest, prepare_wheels
    from pipcompat.models import Link

    roots = {r.key: r for r in request.requirements}
    constraint_roots = {r.key: r for r in request.roots if r.is_constraint}
    hashes: dict[str, dict[str, list[str]]] = {}
    for item in request.roots:
        for algorithm, digests in item.hashes.items():
            hashes.setdefault(item.key, {}).setdefault(algorithm, []).extend(digests)
    link_hashes: dict[str, dict[str, list[str]]] = {}
    for item in request.roots:
        for algorithm, digests in item.link_hashes.items():
            link_hashes.setdefault(item.key, {}).setdefault(algorithm, []).extend(digests)
    tree_for = getattr(client, "tree_for", None)
    trees = {}
    for wanted in planned.plan.installs:
        tree = tree_for(planned.links[wanted.key].url) if tree_for is not None else None
        if tree is not None:
            trees[wanted.key] = tree
    if request.require_hashes and trees:
        _refuse_tree_hashes(trees, planned, roots)
    wheel_requests = []
    for wanted in planned.plan.installs:
        package = planned.packages[wanted.key]
        link = planned.links[wanted.key]
        root: Root | None = roots.get(wanted.key) or constraint_roots.get(wanted.key)
        pinned = True
        if root is not None and not root.is_direct and wanted.key in roots:
            pinned = roots[wanted.key].pinned
        allowed = hashes.get(wanted.key, {})
        if wanted.key in link_hashes:
            allowed = {**link_hashes[wanted.key], **allowed}
        described = _described(root, package.display_name, str(package.version), link)
        if wanted.key in trees:
            # A source tree: its wheel is built now (from the cache while the tree is unchanged) and
            # prepared like a local wheel; there is no single file to check hashes against.
            wheel = client.tree_wheel(link.url, package.display_name)
            link = Link(filename=wheel.name, url=wheel.resolve().as_uri(), index_url="")
            allowed = {}
        wheel_requests.append(
            WheelRequest(
                name=package.display_name,
                version=str(package.version),
                link=link,
                allowed_hashes=allowed,
                require_hashes=request.require_hashes,
                described_as=described,
                pinned=pinned,
            )
        )
    on_done = None
    if progress is not None:
        progress.total = len(wheel_requests)

        def on_done(wheel: WheelRequest) -> None:
            progress.advance(wheel.name)

    prepared = prepare_wheels(
        wheel_requests,
        downloader=client,
        cache=cache,
        workers=8,
        build_sdist=getattr(client, "build_wheel", None),
        on_done=on_done,
        on_ready=on_ready,
    )
    return {str(canonicalize_name(p.request.name)): p for p in prepared}


# --------------------------------------------------------------------------------------------------------
# Installing


def install_entries_key(request: Request, destination: Destination) -> str:
    """What an install's cache entries are remembered under: the roots, as given, and the kind of target
    (its marker values: not its path, a fresh venv each time is the common case)."""
    roots = sorted(f"{'-c ' if r.is_constraint else ''}{r.requirement}" for r in request.roots)
    kind = json.dumps(dict(destination.target.markers), sort_keys=True)
    return "\n".join(["install-entries", kind, *roots])


def start_precheck(client: Any, cache: Cache, key: str) -> EntryPrecheck | None:
    """Start checking, in another process, the cache entries the last install of the same roots into
    the same target used (:class:`~pipcompat.dist.prepare.EntryPrecheck`); ``None`` when none is known."""
    recall = getattr(client, "recall", None)
    data = recall(key) if recall is not None else None
    if not data:
        return None
    from pipcompat.dist.prepare import EntryPrecheck

    digests = [d for d in data.decode("ascii", "replace").split() if len(d) == 64 and not d.strip(_HEX)]
    return EntryPrecheck([cache.entry("archives", d) for d in digests], recalled=data)


def remember_entries(
    client: Any, key: str, prepared: Mapping[str, PreparedWheel], precheck: EntryPrecheck | None
) -> None:
    """Note the cache entries this install used, for the next install of the same roots."""
    remember = getattr(client, "remember", None)
    if remember is None or not prepared:
        return
    data = "\n".join(sorted({p.sha256 for p in prepared.values()})).encode()
    if precheck is None or precheck.recalled != data:
        remember(key, data)


_HEX = "0123456789abcdef"


def wants_compile(settings: CommandSettings) -> bool:
    """Bytecode compilation is off unless ``--compile`` (or its configuration forms) asks for it."""
    return bool(settings.get("compile")) and settings.origins.get("compile", "default") != "default"


def wheel_to_install(planned: Planned, key: str, ready: PreparedWheel, source: Any = None) -> WheelToInstall:
    """The install engine's view of one prepared wheel of the plan."""
    from pipcompat.install.engine import WheelToInstall

    package = planned.packages[key]
    direct_url: Mapping[str, Any] | None = None
    if package.is_direct:
        url = planned.links[key].url
        direct_url_for = getattr(source, "direct_url_for", None)
        if direct_url_for is not None:
            direct_url = direct_url_for(url, ready.sha256)
        else:
            direct_url = {
                "url": _strip_fragment(url),
                "archive_info": {"hash": f"sha256={ready.sha256}", "hashes": {"sha256": ready.sha256}},
            }
    return WheelToInstall(
        path=ready.unpacked.root / ready.request.link.filename,
        requested=package.requested,
        direct_url=direct_url,
        sha256=ready.sha256,
    )


def open_installation(
    planned: Planned,
    destination: Destination,
    cache: Cache,
    *,
    compile: bool,
    extra_removals: Sequence[InstalledDistribution] = (),
) -> Installation:
    """The installation of the plan's wheels (to enter, then feed as they are prepared), replacing what they
    replace and removing *extra_removals*, all at once."""
    from pipcompat.install.engine import Installation

    by_key = {d.canonical_name: d for d in destination.installed}
    replace_dists = [by_key[old.key] for old in planned.plan.reinstall if old.key in by_key]
    replace_dists += list(extra_removals)
    target = destination.target
    return Installation(
        destination.scheme,
        cache,
        python=str(target.executable),
        compile=compile,
        cache_tag=target.cache_tag,
        replace=replace_dists,
        replace_scripts_dir=str(destination.scheme.scripts),
        prefix=destination.uninstall_prefix,
        names=[planned.packages[w.key].display_name for w in planned.plan.installs],
    )


def _feeder(installation: Installation, planned: Planned, source: Any) -> Callable[[PreparedWheel], None]:
    def feed(ready: PreparedWheel) -> None:
        key = str(canonicalize_name(ready.request.name))
        installation.add(wheel_to_install(planned, key, ready, source), ready.unpacked)

    return feed


def install_planned(
    planned: Planned,
    prepared: Mapping[str, PreparedWheel],
    destination: Destination,
    cache: Cache,
    *,
    compile: bool,
    extra_removals: Sequence[InstalledDistribution] = (),
    source: Any = None,
) -> None:
    """Install the plan's wheels, replacing what they replace and removing *extra_removals*, all at once."""
    installation = open_installation(
        planned, destination, cache, compile=compile, extra_removals=extra_removals
    )
    with installation:
        for wanted in planned.plan.installs:
            ready = prepared[wanted.key]
            installation.add(wheel_to_install(planned, wanted.key, ready, source), ready.unpacked)
        installation.finish()


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a while (reference counting still frees nearly everything).

    Preparing and linking a big install allocates hundreds of thousands of short-lived containers (the
    manifests' rows, the RECORD rows): each few hundred of them started a collection that walked every
    live object, resolver state included, holding the GIL while the link workers waited: 100-200
    collections and 0.07-0.2 s for a 121-wheel install.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _elapsed(start: float) -> str:
    seconds = time.perf_counter() - start
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.2f}s"


def _count(n: int) -> str:
    return f"{n} package{'s' if n != 1 else ''}"


def resolved_dependencies(
    planned: Planned, markers: Mapping[str, str]
) -> dict[str, tuple[str, list[Requirement]]]:
    """What :func:`conflict_lines` would read from the ``METADATA`` of every wheel the plan installs, taken
    from the resolution instead (it parsed that metadata already): ``{name: (version, requirements that
    apply with no extra)}``. Only wheels (a build from source could give other metadata than it resolved
    with)."""
    environment = {**markers, "extra": ""}
    found: dict[str, tuple[str, list[Requirement]]] = {}
    for wanted in planned.plan.installs:
        package = planned.packages.get(wanted.key)
        link = planned.links.get(wanted.key)
        if package is None or link is None or not link.filename.lower().endswith(".whl"):
            continue
        requirements = [r for r in package.dependencies if r.marker is None or r.marker.evaluate(environment)]
        found[wanted.key] = (str(package.version), requirements)
    return found


def conflict_lines(
    destination: Destination,
    changed: set[str],
    known: Mapping[str, tuple[str, Sequence[Requirement]]] | None = None,
) -> list[str]:
    """pip's post-install check: broken requirements among the changed packages and their dependents.

    *known* gives the requirements of some distributions by canonical name, with their version (see
    :func:`resolved_dependencies`); a distribution installed with that version is not read again."""
    from pipcompat.install.target import installed_distributions

    dists = (
        installed_distributions(destination.target)
        if destination.kind in ("environment", "user")
        else _scan_dirs(destination.target, destination.scheme)
    )
    markers = dict(destination.target.markers)
    package_set: dict[str, tuple[InstalledDistribution, list[Requirement]]] = {}
    known = known or {}
    for dist in dists:
        given = known.get(dist.canonical_name)
        try:
            if given is not None and given[0] == dist.version_text:
                package_set[dist.canonical_name] = (dist, list(given[1]))
            else:
                package_set[dist.canonical_name] = (dist, dist.dependencies(markers))
        except (OSError, ValueError):
            continue
    watch = set(changed)
    for name, (_dist, requirements) in package_set.items():
        if any(canonicalize_name(r.name) in changed for r in requirements):
            watch.add(name)
    lines: list[str] = []
    for name in sorted(watch):
        if name not in package_set:
            continue
        dist, requirements = package_set[name]
        for requirement in requirements:
            dep = str(canonicalize_name(requirement.name))
            if dep not in package_set:
                if requirement.marker is None or requirement.marker.evaluate({**markers, "extra": ""}):
                    lines.append(
                        f"{name} {dist.version_text} requires {requirement}, which is not installed."
                    )
                continue
            dep_dist = package_set[dep][0]
            try:
                ok = requirement.specifier.contains(dep_dist.version, prereleases=True)
            except InvalidVersion:
                ok = True
            if not ok:
                lines.append(
                    f"{name} {dist.version_text} requires {requirement}, but you have "
                    f"{dep} {dep_dist.version_text} which is incompatible."
                )
    return lines


def script_location_warnings(
    planned: Planned, destination: Destination, environ: Mapping[str, str]
) -> list[str]:
    """pip's warning for console scripts installed into a directory that is not on ``PATH``."""
    scripts_dir = os.path.normcase(os.path.normpath(str(destination.scheme.scripts)))
    path_dirs = {
        os.path.normcase(os.path.normpath(p)) for p in environ.get("PATH", "").split(os.pathsep) if p
    }
    exempt = os.path.normcase(os.path.normpath(os.path.dirname(str(destination.target.executable))))
    if scripts_dir in path_dirs or scripts_dir == exempt:
        return []
    return [scripts_dir] if planned.plan.installs else []


# --------------------------------------------------------------------------------------------------------
# Report


def write_report(path: str, planned: Planned, client: Any, destination: Destination, ctx: Context) -> None:
    from pipcompat import __version__
    from pipcompat.install.report import ReportItem, installation_report

    items = []
    for wanted in planned.plan.installs:
        package = planned.packages[wanted.key]
        link = planned.links[wanted.key]
        info = None
        if package.is_direct and hasattr(client, "report_download_info"):
            info = client.report_download_info(link)
        items.append(
            ReportItem(
                download_info=info,
                url=_strip_fragment(link.url),
                metadata=client.metadata(link),
                hashes=dict(link.hashes),
                is_direct=package.is_direct,
                is_yanked=link.is_yanked,
                requested=package.requested,
                requested_extras=sorted(package.extras) if package.requested else (),
            )
        )
    document = installation_report(
        items, environment=dict(destination.target.markers), pip_version=__version__
    )
    if path == "-":
        ctx.printer.data(json.dumps(document, indent=2, ensure_ascii=False))
        return
    target = Path(ctx.cwd, path)
    with open(target, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------------------------------------
# The command


def restricted(settings: CommandSettings) -> bool:
    """Whether ``--python-version``, ``--platform``, ``--abi`` or ``--implementation`` is given."""
    return any(settings.get(name) for name in ("python_version", "platforms", "abis", "implementation"))


def check_dist_restriction(
    settings: CommandSettings, index: IndexSettings, *, check_target: bool = True
) -> None:
    """pip's rules for the options that describe another interpreter: wheels only (or no dependencies), and
    (*check_target*: for an install) into ``--target`` or a dry run, where nothing is meant to run with the
    interpreter at hand."""
    if not restricted(settings):
        return
    binary_only = not index.no_binary and set(index.only_binary) == {":all:"}
    if not binary_only and not settings.get("ignore_dependencies"):
        raise PipcompatError(
            "When restricting platform and interpreter constraints using --python-version, --platform, "
            "--abi, or --implementation, either --no-deps must be set, or --only-binary=:all: must be set "
            "and --no-binary must not be set (or must be set to :none:)."
        )
    if check_target and not settings.get("dry_run") and not settings.get("target_dir"):
        raise PipcompatError(
            "Can not use any platform or abi specific options unless installing via '--target' or using "
            "'--dry-run'"
        )


def restricted_target_for(settings: CommandSettings, destination: Destination) -> TargetEnvironment | None:
    """The target pip resolves for when :func:`restricted`: the wheel tags and Python version the options
    describe, over the interpreter at hand; ``None`` otherwise."""
    if not restricted(settings):
        return None
    from pipcompat.resolver.target import restricted_target

    interpreter = destination.target.interpreter
    assert interpreter is not None
    return restricted_target(
        interpreter.target_environment(),
        version_info=settings.get("python_version"),
        platforms=settings.get("platforms"),
        implementation=settings.get("implementation"),
        abis=settings.get("abis"),
    )


def _check_option_combinations(settings: CommandSettings) -> None:
    if settings.get("only_dependencies"):
        conflicts = []
        if settings.get("ignore_dependencies"):
            conflicts.append("'--no-deps'")
        if settings.get("requirements"):
            conflicts.append("'--requirement'")
        if settings.get("requirements_from_scripts"):
            conflicts.append("'--requirements-from-script'")
        if settings.get("dependency_groups"):
            conflicts.append("'--group'")
        if conflicts:
            if len(conflicts) > 1:
                conflicts[-1] = "or " + conflicts[-1]
            raise PipcompatError(
                f"Cannot use '--only-dependencies' in combination with {', '.join(conflicts)}. "
                "If this is unexpected, please refer to the user guide:\n\n"
                "    https://pip.pypa.io/en/stable/user_guide/#installing-only-dependencies"
            )


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.settings import IndexSettings, InstallSettings

    printer = ctx.printer
    _check_option_combinations(settings)
    install = InstallSettings.from_settings(settings, ctx.environ)
    index = IndexSettings.from_settings(settings, ctx.environ)
    check_dist_restriction(settings, index)
    requirement_files = [str(p) for p in settings.get("requirements") or ()]
    constraint_files = [str(p) for p in settings.get("constraints") or ()]
    args = [str(a) for a in settings.args]
    sources = (
        settings.get("editables"),
        settings.get("dependency_groups"),
        settings.get("requirements_from_scripts"),
    )
    if not (args or requirement_files or any(sources)):
        if settings.get("find_links"):
            raise PipcompatError(
                'You must give at least one requirement to install (maybe you meant "pip install '
                f'{" ".join(settings.get("find_links"))}"?)'
            )
        raise PipcompatError('You must give at least one requirement to install (see "pip help install")')
    request = gather(
        settings, ctx, args=args, requirement_files=requirement_files, constraint_files=constraint_files
    )
    policy = resolve_policy(settings, install)
    report_only = install.dry_run
    with command_cache(settings, ctx) as cache:
        destination = find_destination(
            settings, ctx, cache, installing=not (install.dry_run and install.report)
        )
        check_script_python(request, destination.target, ignore=policy.ignore_requires_python)
        if not (report_only or install.report or settings.get("only_dependencies")):
            start = time.perf_counter()
            if (count := audit_installed(request, destination, policy, ctx)) is not None:
                printer.info(f"Audited {_count(count)} in {_elapsed(start)}")
                return SUCCESS
        client = make_client(settings, ctx, request.options, cache)
        source, fetcher = building_source(
            settings, ctx, cache, client, request=request, destination=destination
        )
        entries_key = install_entries_key(request, destination)
        precheck = None if install.dry_run else start_precheck(client, cache, entries_key)
        with client, contextlib.closing(fetcher), precheck or contextlib.nullcontext():
            start = time.perf_counter()
            attach_sources(request, source, src=src_dir(settings, destination, ctx))
            resolution = resolve_request(
                request,
                source,
                destination,
                policy,
                index_url=index.index_url,
                cutoff=uploaded_prior_to(index.uploaded_prior_to),
                target=restricted_target_for(settings, destination),
            )
            for root in resolution.ignored:
                if not root.is_constraint:
                    printer.detail(
                        f"Ignoring {root.requirement.name}: markers '{root.requirement.marker}' don't match "
                        "your environment"
                    )
            planned = plan_install(
                resolution, request, destination, policy, only_deps=bool(settings.get("only_dependencies"))
            )
            if destination.kind == "target" and not policy.upgrade:
                planned = _target_keep_existing(planned, destination, ctx)
            printer.info(f"Resolved {_count(planned.count)} in {_elapsed(start)}")
            if install.report:
                write_report(install.report, planned, source, destination, ctx)
            plan = planned.plan
            if report_only:
                items = sorted((planned.packages[w.key].display_name, w.version) for w in plan.installs)
                if items:
                    text = "Would install " + " ".join(f"{n}-{v}" for n, v in items)
                    if install.report == "-":
                        printer.info(text)
                    else:
                        printer.info_out(text)
                return SUCCESS
            if plan.is_noop:
                printer.info(f"Audited {_count(planned.count)} in {_elapsed(start)}")
                return SUCCESS
            from pipcompat.ui.progress import Progress, progress_mode

            # Into an environment, each wheel is linked as soon as it is ready in the cache, while the others
            # still download (one transaction: a failure anywhere leaves the environment as it was). Not when
            # something is replaced: the old version stays usable until every new wheel is ready.
            installation = None
            installing = 0.0
            with no_cyclic_gc():  # see there: many small objects, no cycles
                if destination.kind == "environment" and not plan.reinstall:
                    start = time.perf_counter()
                    installation = open_installation(
                        planned, destination, cache, compile=wants_compile(settings)
                    )
                    installation.__enter__()
                    installing = time.perf_counter() - start
                try:
                    start = time.perf_counter()
                    mode = progress_mode(settings.get("progress_bar"), printer.err, printer.verbosity)
                    with Progress(printer.err, 0, "Preparing", mode) as progress:
                        on_ready = None
                        if installation is not None:
                            on_ready = _feeder(installation, planned, source)
                        if precheck is not None:
                            precheck.collect()
                        prepared = prepare(planned, request, source, cache, progress, on_ready=on_ready)
                    remember_entries(client, entries_key, prepared, precheck)
                    downloaded = sum(1 for p in prepared.values() if p.downloaded)
                    if downloaded:
                        printer.info(f"Prepared {_count(downloaded)} in {_elapsed(start)}")
                    start = time.perf_counter()
                    if installation is not None:
                        installation.finish()
                except BaseException:
                    if installation is not None:
                        installation.__exit__(*sys.exc_info())  # waits for the links under way, rolls back
                    raise
                if installation is not None:
                    installation.__exit__(None, None, None)
        if installation is None:
            start = time.perf_counter()
            with no_cyclic_gc():
                install_planned(
                    planned, prepared, destination, cache, compile=wants_compile(settings), source=source
                )
        start -= installing
        if plan.reinstall:
            printer.info(f"Uninstalled {_count(len(plan.reinstall))} in {_elapsed(start)}")
        printer.info(f"Installed {_count(len(plan.installs))} in {_elapsed(start)}")
        for line in plan.summary_lines():
            printer.info(line)
        if install.warn_script_location:
            for directory in script_location_warnings(planned, destination, ctx.environ):
                if _has_new_scripts(planned, prepared):
                    printer.warning(
                        f"The scripts of the installed packages are installed in '{directory}' which is not "
                        "on PATH.\nConsider adding this directory to PATH or, if you prefer to suppress this "
                        "warning, use --no-warn-script-location."
                    )
        if install.warn_about_conflicts and destination.kind != "target" and not policy.no_deps:
            # pip leaves the check out with --no-deps, too.
            known = resolved_dependencies(planned, dict(destination.target.markers))
            lines = conflict_lines(destination, {w.key for w in plan.installs}, known)
            if lines:
                printer.pip_error("\n".join([CONFLICTS_HEAD, *lines]))
    return SUCCESS


def audit_installed(
    request: Request, destination: Destination, policy: ResolvePolicy, ctx: Context
) -> int | None:
    """How many distributions make up the request when the environment already satisfies it (no index
    asked, like pip's "Requirement already satisfied"); ``None`` when the resolver must decide."""
    if policy.upgrade or policy.force_reinstall or policy.ignore_installed:
        return None
    if destination.kind != "environment":
        return None
    if request.require_hashes or any(r.is_direct or r.hashes for r in request.roots):
        return None
    from pipcompat.install.satisfied import satisfied_closure

    markers = dict(destination.target.markers)
    names = satisfied_closure(
        [r.requirement for r in request.requirements],
        [r.requirement for r in request.roots if r.is_constraint],
        {d.canonical_name: d for d in destination.installed},
        markers,
    )
    if names is None:
        return None
    for root in request.requirements:
        marker = root.requirement.marker
        if marker is not None and not marker.evaluate({**markers, "extra": ""}):
            ctx.printer.detail(
                f"Ignoring {root.requirement.name}: markers '{marker}' don't match your environment"
            )
    return len(names)


def _has_new_scripts(planned: Planned, prepared: Mapping[str, PreparedWheel]) -> bool:
    for wanted in planned.plan.installs:
        ready = prepared.get(wanted.key)
        if ready is None:
            continue
        dist_info = ready.unpacked.dist_info
        data_scripts = dist_info[: -len(".dist-info")] + ".data/scripts/"
        for entry in ready.unpacked.files:
            if entry.path.startswith(data_scripts):
                return True
        entry_points = ready.unpacked.tree / dist_info / "entry_points.txt"
        if entry_points.is_file() and "console_scripts" in entry_points.read_text(encoding="utf-8"):
            return True
    return False


def _target_keep_existing(planned: Planned, destination: Destination, ctx: Context) -> Planned:
    """``--target`` without ``--upgrade``: what is already in the directory stays, with pip's warning."""
    plan = planned.plan
    if not plan.reinstall:
        return planned
    kept = {old.key for old in plan.reinstall}
    for old in plan.reinstall:
        ctx.printer.warning(
            f"Target directory {destination.scheme.purelib / old.name} already exists. Specify --upgrade to "
            "force replacement."
        )
    new_plan = replace(
        plan,
        link_from_cache=tuple(w for w in plan.link_from_cache if w.key not in kept),
        download=tuple(w for w in plan.download if w.key not in kept),
        reinstall=(),
    )
    return replace(planned, plan=new_plan)
