"""Source builds for the commands: the pieces that need both ``dist.build`` and the resolver/installer.

- :class:`BuildingSource` wraps a package source (the index client): the metadata of an sdist that the
  index cannot give without a build comes from :class:`~pipcompat.dist.build.SourceBuilder` (which uses
  ``prepare_metadata_for_build_wheel`` and caches by the sdist's sha256);
- :class:`EnvironmentInstaller` is the :class:`~pipcompat.dist.build.BuildEnvInstaller` the builder fills
  isolated build environments with: pipcompat's own resolve → plan → prepare → install;
- :func:`make_building_source` builds both from a command's settings (``--no-build-isolation``,
  ``-C``/``--config-settings``), for a target interpreter. The :class:`SourceBuilder` itself is made when
  the first build needs it, so a command that builds nothing never imports ``dist.build``, interpreter
  discovery or the venv builder.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipcompat.errors import PipcompatError
from pipcompat.resolver.model import WrappingSource

if TYPE_CHECKING:
    from pipcompat.cache import Cache
    from pipcompat.commands import Context
    from pipcompat.dist.build import SourceBuilder
    from pipcompat.dist.prepare import WheelRequest
    from pipcompat.dist.sources import SourceTree
    from pipcompat.models import Link
    from pipcompat.settings import CommandSettings


class SdistFetcher:
    """Downloads sdists once per command (into a temporary directory removed by :meth:`close`)."""

    def __init__(self, downloader: Any) -> None:
        self.downloader = downloader
        self._dir: Path | None = None
        self._files: dict[str, tuple[Path, str]] = {}
        self._lock = threading.Lock()
        self.cleanups: list[Path] = []
        """More temporary directories to remove on :meth:`close`."""

    def fetch(self, link: Link) -> tuple[Path, str]:
        """The sdist behind *link* on disk, and its sha256."""
        from pipcompat.dist.unpack import file_sha256
        from pipcompat.index.urls import is_file_url, url_to_path

        key = link.url.split("#", 1)[0]
        with self._lock:
            if key in self._files:
                return self._files[key]
            if is_file_url(link.url):
                path = url_to_path(key)
            else:
                if self._dir is None:
                    self._dir = Path(tempfile.mkdtemp(prefix="pipcompat-sdists-"))
                path = self.downloader.download(link, Path(tempfile.mkdtemp(dir=self._dir)))
            known = link.hashes.get("sha256")
            entry = (path, known.lower() if known and not is_file_url(link.url) else file_sha256(path))
            self._files[key] = entry
            return entry

    def close(self) -> None:
        while self.cleanups:
            shutil.rmtree(self.cleanups.pop(), ignore_errors=True)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


class BuildingSource(WrappingSource):
    """A package source whose sdist metadata, when the index has none, comes from a (metadata) build.

    Direct references to source trees (local directories, editables, and VCS checkouts) are registered with
    :meth:`add_tree` under their URL: their metadata and wheels come from the builder's tree methods. The
    sha256 of every sdist built here is remembered by URL (:meth:`direct_url_for` writes it into PEP 610
    ``archive_info``, as pip does).
    """

    def __init__(
        self, source: Any, builder: SourceBuilder | Callable[[], SourceBuilder], fetcher: SdistFetcher
    ) -> None:
        self.source = source
        self._builder: SourceBuilder | None = None
        self._make_builder: Callable[[], SourceBuilder] | None = None
        if callable(builder):
            self._make_builder = builder
        else:
            self._builder = builder
        self._builder_lock = threading.Lock()
        self.fetcher = fetcher
        self.trees: dict[str, SourceTree] = {}
        self.archive_sha256: dict[str, str] = {}
        self._editable_dir: Path | None = None
        self._configs_by_url: dict[str, Mapping[str, str | list[str]]] = {}
        self._configs_by_name: dict[str, Mapping[str, str | list[str]]] = {}

    @property
    def builder(self) -> SourceBuilder:
        """The builder, made on first use: a run whose metadata all comes from the index never imports the
        build machinery (``dist.build``, interpreter discovery, the venv builder)."""
        builder = self._builder
        if builder is None:
            with self._builder_lock:
                if self._builder is None:
                    assert self._make_builder is not None
                    self._builder = self._make_builder()
                builder = self._builder
        return builder

    # -- per-requirement --config-settings

    def set_config(self, config: Mapping[str, str | list[str]], *, url: str | None, name: str) -> None:
        """A requirement line's own ``--config-settings``: they (not the command line's ``-C``, as in pip)
        reach the builds of that requirement only — the direct reference *url*, else the sdists of the
        project *name*."""
        from packaging.utils import canonicalize_name

        if url:
            self._configs_by_url[url.split("#", 1)[0]] = dict(config)
        else:
            self._configs_by_name[str(canonicalize_name(name))] = dict(config)

    def builder_for(self, url: str, name: str | None = None) -> SourceBuilder:
        """The builder for the requirement behind *url* (or of project *name*), with its own settings."""
        from packaging.utils import canonicalize_name

        config = self._configs_by_url.get(url.split("#", 1)[0])
        if config is None and name:
            config = self._configs_by_name.get(str(canonicalize_name(name)))
        return self.builder if config is None else self.builder.with_config(config)

    # -- source trees

    def add_tree(self, url: str, tree: SourceTree) -> None:
        """Make the direct reference *url* (without fragment) stand for *tree*."""
        self.trees[url.split("#", 1)[0]] = tree

    def tree_for(self, url: str) -> SourceTree | None:
        return self.trees.get(url.split("#", 1)[0])

    def tree_wheel(self, url: str, package: str) -> Path:
        """The wheel of the tree behind *url*: an editable wheel built now (into a directory removed with
        the fetcher), or the regular wheel from the ``built`` cache while the tree is unchanged."""
        tree = self.trees[url.split("#", 1)[0]]
        if tree.editable:
            if self._editable_dir is None:
                self._editable_dir = Path(tempfile.mkdtemp(prefix="pipcompat-editable-"))
                self.fetcher.cleanups.append(self._editable_dir)
            dest = Path(tempfile.mkdtemp(dir=self._editable_dir))
            return self.builder_for(url).build_editable(tree, package, dest)
        return self.builder_for(url).build_tree_wheel(tree, package)

    def vcs_tree(
        self, url: str, *, editable: bool = False, name: str | None = None, src_dir: Path | None = None
    ) -> SourceTree:
        """The source tree of a VCS requirement: the revision checked out into the cache (git only), then
        copied for the build (cache checkouts are never written to; the wheel is cached by commit), or, for
        ``-e``, cloned into ``<src_dir>/<name>`` as pip does."""
        from pipcompat.dist.sources import SourceTree, local_tree
        from pipcompat.dist.vcs import build_key, checkout, clone_editable, copy_source, direct_url_record

        found = checkout(
            url, self.builder.cache, reporter=self.builder.reporter, environ=self.builder.environ
        )
        if editable:
            from packaging.utils import canonicalize_name

            assert name is not None and src_dir is not None
            project = clone_editable(found, src_dir / canonicalize_name(name), environ=self.builder.environ)
            return local_tree(project, editable=True)
        work = Path(tempfile.mkdtemp(prefix="pipcompat-vcs-"))
        self.fetcher.cleanups.append(work)
        directory = copy_source(found, work / found.commit_id[:12])
        return SourceTree(directory, direct_url_record(found), cache_key=build_key(found))

    def name_of(self, link: Link) -> str:
        """The project name in the metadata of *link* (a requirement given without a name)."""
        from email.parser import BytesHeaderParser

        data = self.metadata(link)
        name = BytesHeaderParser().parsebytes(data).get("Name")
        if not name:
            raise PipcompatError(f"{link.url} has no project name in its metadata")
        return str(name).strip()

    def report_download_info(self, link: Link) -> dict[str, Any] | None:
        """``download_info`` for pip's report of a direct reference to source (``None``: the default)."""
        base = link.url.split("#", 1)[0]
        if self.tree_for(base) is None and base not in self.archive_sha256:
            return None
        return self.direct_url_for(link.url, "")

    def direct_url_for(self, url: str, wheel_sha256: str) -> dict[str, Any]:
        """PEP 610 ``direct_url.json`` data for a direct reference *url* (pip's ``direct_url_from_link``):
        ``dir_info`` for trees, else ``archive_info`` with the hash from the URL's fragment or of the file
        (the sdist's, for sdists built here)."""
        tree = self.tree_for(url)
        if tree is not None:
            return dict(tree.direct_url)
        base, _, fragment = url.partition("#")
        info: dict[str, Any] = {}
        for part in fragment.split("&"):
            name, _, value = part.partition("=")
            if name in {"sha1", "sha224", "sha384", "sha256", "sha512", "md5"} and value:
                info = {"hash": f"{name}={value}", "hashes": {name: value}}
                break
        if not info:
            digest = self.archive_sha256.get(base, wheel_sha256)
            info = {"hash": f"sha256={digest}", "hashes": {"sha256": digest}}
        result: dict[str, Any] = {"url": base, "archive_info": info}
        for part in fragment.split("&"):
            if part.startswith("subdirectory="):
                result["subdirectory"] = part.partition("=")[2]
        return result

    def metadata(self, link: Link) -> bytes:
        from pipcompat.index import SourceBuildUnavailable

        tree = self.tree_for(link.url)
        if tree is not None:
            if _looking_ahead():
                raise PipcompatError(f"{link.url} is built by the resolver itself, not looked ahead")
            return self.builder_for(link.url).tree_metadata(tree, tree.directory.name)
        try:
            data: bytes = self.source.metadata(link)
            return data
        except SourceBuildUnavailable:
            if _looking_ahead():
                raise
        path, sha256 = self.fetcher.fetch(link)
        self.archive_sha256.setdefault(link.url.split("#", 1)[0], sha256)
        package = _package_of(link)
        return self.builder_for(link.url, package.rpartition("-")[0]).metadata(path, sha256, package)

    def prefetch(self, names: Iterable[str]) -> None:
        self.source.prefetch(names)

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        self.source.prefetch_metadata([link for link in links if self.tree_for(link.url) is None])

    def download(self, link: Link, dest_dir: Path) -> Path:
        path: Path = self.source.download(link, dest_dir)
        return path

    def fetch_file(self, link: Link, dest_dir: Path, *, memory_limit: int) -> bytes | Path:
        """:meth:`IndexClient.fetch_file` of the source (a plain download when it has none)."""
        fetch = getattr(self.source, "fetch_file", None)
        if fetch is None:
            return self.download(link, dest_dir)
        found: bytes | Path = fetch(link, dest_dir, memory_limit=memory_limit)
        return found

    @property
    def thread_safe(self) -> bool:
        """Whether the resolver may look ahead with this source from other threads (as the index client's).

        Builds never run in those threads (see :func:`_looking_ahead`): the resolver asks for such metadata
        itself, in its own thread.
        """
        return bool(getattr(self.source, "thread_safe", False))

    @property
    def verifies_hashes(self) -> bool:
        """Whether :meth:`download` checks the link's hashes (the prepare stage then skips re-reading)."""
        return bool(getattr(self.source, "verifies_hashes", False))

    def build_wheel(self, request: WheelRequest, sdist: Path, sha256: str) -> Path:
        """The prepare stage's hook: the wheel built from a chosen sdist (built once per sdist)."""
        self.archive_sha256[request.link.url.split("#", 1)[0]] = sha256
        builder = self.builder_for(request.link.url, request.name)
        return builder.build_sdist(sdist, sha256, f"{request.name} {request.version}".strip())


def _looking_ahead() -> bool:
    """Whether this is one of the resolver's look-ahead threads (``pipcompat.resolver.crawl``), which only
    warm caches: they may read metadata the index has, but never start a build."""
    return threading.current_thread().name.startswith("pipcompat-crawl")


def _package_of(link: Link) -> str:
    name = link.filename
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


class EnvironmentInstaller:
    """Fills a build environment with pipcompat's own resolver and installer, over the command's index."""

    def __init__(
        self,
        client: Any,
        cache: Cache,
        ctx: Context,
        constraints: Iterable[Any] = (),
        file_options: Any = None,
    ) -> None:
        self.client = client
        self.cache = cache
        self.ctx = ctx
        self.file_options: Any = file_options
        """The command's :class:`~pipcompat.requirements.FileOptions`: as pip's build environments reuse the
        command's finder, its format control (``--only-binary``/``--no-binary``), ``--prefer-binary`` and
        release control (``--pre``) hold for build requirements too; hashes do not (pip 26)."""
        self.constraints: list[Any] = list(constraints)
        """``--build-constraint`` roots (:class:`~pipcompat.commands.pip_install.Root`, ``is_constraint``):
        applied to every build environment. The command's own ``-c``/``PIP_CONSTRAINT`` never are (pip 26)."""
        self.source: Any = client
        """Set to the :class:`BuildingSource` so build requirements that are sdists can be built too."""
        self._depth = threading.local()

    def install(self, requirements: list[str], env_dir: Path) -> None:
        from packaging.requirements import Requirement

        from pipcompat.commands.pip_install import (
            Destination,
            Request,
            ResolvePolicy,
            Root,
            install_planned,
            plan_install,
            prepare,
            resolve_request,
        )
        from pipcompat.errors import PipcompatError
        from pipcompat.install.scheme import scheme_for
        from pipcompat.install.target import installed_distributions, locate_target
        from pipcompat.requirements import FileOptions

        depth = getattr(self._depth, "value", 0)
        if depth > 3:
            raise PipcompatError("build requirements need each other to build (a cycle of source builds)")
        self._depth.value = depth + 1
        try:
            python = env_dir / ("Scripts/python.exe" if (env_dir / "Scripts").is_dir() else "bin/python")
            target = locate_target(str(python), environ=self.ctx.environ, cwd=self.ctx.cwd, cache=self.cache)
            destination = Destination(
                target, scheme_for(target), installed_distributions(target), str(target.prefix)
            )
            roots = [Root(Requirement(text), "build-system.requires") for text in requirements]
            roots += self.constraints
            given = self.file_options
            options = (
                FileOptions(
                    no_binary=given.no_binary,
                    only_binary=given.only_binary,
                    prefer_binary=given.prefer_binary,
                    pre=given.pre,
                    all_releases=given.all_releases,
                    only_final=given.only_final,
                )
                if given is not None
                else FileOptions()
            )
            request = Request(roots, options, require_hashes=False)
            policy = ResolvePolicy()
            resolution = resolve_request(request, self.source, destination, policy, index_url="", cutoff=None)
            planned = plan_install(resolution, request, destination, policy)
            if planned.plan.is_noop:
                return
            prepared = prepare(planned, request, self.source, self.cache)
            install_planned(planned, prepared, destination, self.cache, compile=False)
        finally:
            self._depth.value = depth


def command_config_settings(
    settings: CommandSettings, environ: Mapping[str, str]
) -> dict[str, str | list[str]]:
    """The command's ``-C``/``--config-settings`` (checked as pip checks them), without importing the build
    machinery: most installs build nothing."""
    return _build_settings(settings, environ)[1]


def _build_settings(
    settings: CommandSettings, environ: Mapping[str, str]
) -> tuple[bool, dict[str, str | list[str]], bool]:
    """``(isolation, config_settings, check_build_deps)`` from the settings; refuses what pip refuses."""
    from pipcompat.settings import ResolverSettings

    resolver = ResolverSettings.from_settings(settings, environ)
    config: dict[str, str | list[str]] = {
        str(k): (list(v) if isinstance(v, (list, tuple)) else str(v))
        for k, v in dict(resolver.config_settings).items()
    }
    if resolver.build_constraints and not resolver.build_isolation:
        raise PipcompatError("--build-constraint cannot be used with --no-build-isolation.")
    return resolver.build_isolation, config, resolver.check_build_deps and not resolver.build_isolation


def build_constraint_roots(settings: CommandSettings, ctx: Context) -> list[Any]:
    """The ``--build-constraint`` files' requirements, as constraint roots (read now: a missing file is an
    error before anything is resolved, as in pip)."""
    from pipcompat.settings import ResolverSettings

    files = ResolverSettings.from_settings(settings, ctx.environ).build_constraints
    if not files:
        return []
    from pipcompat.commands.pip_install import _root_from_parsed
    from pipcompat.requirements import FileOptions, parse_requirements_files

    paths = [name if "://" in name or Path(name).is_absolute() else str(ctx.cwd / name) for name in files]
    result = parse_requirements_files((), paths, environ=ctx.environ, options=FileOptions())
    return [_root_from_parsed(item, ctx.cwd) for item in result.requirements]


class _Reporter:
    def __init__(self, ctx: Context) -> None:
        self.printer = ctx.printer

    def detail(self, message: str) -> None:
        self.printer.detail(message)


def environment_options(file_options: Any) -> tuple[str, ...]:
    """The text form of what in *file_options* changes a build environment's contents (cache keys)."""
    parts: list[str] = []
    for name in ("no_binary", "only_binary", "all_releases", "only_final"):
        value = getattr(file_options, name)
        if value:
            parts.append(f"{name}={','.join(sorted(value))}")
    for name in ("prefer_binary", "pre"):
        if getattr(file_options, name):
            parts.append(name)
    return tuple(parts)


def make_building_source(
    settings: CommandSettings,
    ctx: Context,
    cache: Cache,
    client: Any,
    *,
    python: str,
    config_per_requirement: bool = False,
    file_options: Any = None,
) -> tuple[BuildingSource, SdistFetcher]:
    """The command's source with builds: sdists resolve through metadata builds, and are built into wheels
    for the interpreter *python* (the target). Close the fetcher when the command ends.

    With *config_per_requirement* (``pip install``), the command line's ``-C`` is not applied to every
    build: the command registers it (:meth:`BuildingSource.set_config`) for the requirements it reaches in
    pip (the command line's requirements and editables), as it does a requirement line's own settings.
    *file_options* (the command's parsed :class:`~pipcompat.requirements.FileOptions`) carry its format and
    release control into the build environments, as pip's do."""
    isolation, config, check_build_deps = _build_settings(settings, ctx.environ)
    if config_per_requirement:
        config = {}
    constraints = build_constraint_roots(settings, ctx) if isolation else []
    environment = environment_options(file_options) if file_options is not None and isolation else ()
    installer = EnvironmentInstaller(client, cache, ctx, constraints, file_options)

    def make_builder() -> SourceBuilder:
        # Made when the first build is needed (see BuildingSource.builder): nothing here is imported by
        # a command whose metadata all comes from the index.
        from pipcompat.dist.build import BuildOptions, SourceBuilder
        from pipcompat.env.interpreters import find_venv_base
        from pipcompat.env.venv import running_base_executable

        options = BuildOptions(
            isolation=isolation,
            config_settings=config,
            check_build_deps=check_build_deps,
            build_constraints=tuple(str(c.requirement) for c in constraints),
            environment_options=environment,
        )

        def base() -> Any:
            return find_venv_base(
                python, environ=ctx.environ, cwd=ctx.cwd, cache=cache, running=running_base_executable()
            ).interpreter

        return SourceBuilder(
            cache,
            python=python,
            base=base if isolation else None,
            installer=installer if isolation else None,
            options=options,
            reporter=_Reporter(ctx),
            environ=ctx.environ,
        )

    fetcher = SdistFetcher(client)
    source = BuildingSource(client, make_builder, fetcher)
    installer.source = source
    return source, fetcher
