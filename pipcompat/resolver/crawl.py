"""Look ahead of the resolver: walk the likely dependency graph in the background.

The resolver asks for a project's files, picks a version, reads its metadata and only then learns which
projects come next, so on its own it waits one network round trip per level of the graph. The crawler
guesses what the resolver will pick (the newest final version the requirement allows, with a file the
target can use) and walks the graph from the roots in a few threads: it evaluates each project's files
(into the same :class:`ProjectCache` the resolver reads), reads the guessed version's metadata (into the
same :class:`MetadataStore`) and moves on to its dependencies, so the resolver mostly finds what it needs
already there. A wrong guess costs a little bandwidth, never a different result: the crawler only fills
caches, and every error it meets is left for the resolver to meet (and report) itself.

It runs only for sources that say they are safe to use from several threads (``thread_safe = True``, as
:class:`pipcompat.index.IndexClient` does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from pipcompat.models import Link
from pipcompat.resolver.finder import ProjectCache, ProjectFiles, VersionFiles
from pipcompat.resolver.metadata import CoreMetadata, parse_metadata
from pipcompat.resolver.model import PackageSource, ResolveOptions
from pipcompat.resolver.target import marker_environment

#: Threads that walk the graph; each mostly waits for the index client's page and metadata fetches.
WORKERS = 6


def wants_crawl(source: PackageSource) -> bool:
    return bool(getattr(source, "thread_safe", False))


class Crawler:
    """Background walk of the likely dependency graph; :meth:`stop` ends it (queued work is dropped)."""

    def __init__(
        self,
        projects: ProjectCache,
        store: dict[str, CoreMetadata],
        source: PackageSource,
        options: ResolveOptions,
        *,
        workers: int = WORKERS,
    ) -> None:
        self.projects = projects
        self.store = store
        self.source = source
        self.options = options
        self._env = dict(marker_environment(options.target))
        self._seen: set[tuple[str, frozenset[str]]] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="pipcompat-crawl")

    def start(self, requirements: Iterable[tuple[str, frozenset[str], SpecifierSet]]) -> None:
        """Walk from *requirements*: ``(canonical name, extras, specifier)``."""
        for name, extras, specifier in requirements:
            self._visit(name, extras, specifier)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the walk has nothing left to do (or *timeout*); whether it finished."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    @property
    def visited(self) -> set[tuple[str, frozenset[str]]]:
        """``(name, extras)`` pairs the walk has reached so far."""
        with self._lock:
            return set(self._seen)

    # -- the walk -----------------------------------------------------------------------------------------

    def _visit(self, name: str, extras: frozenset[str], specifier: SpecifierSet) -> None:
        key = (name, extras)
        with self._lock:
            if self._stopped or key in self._seen:
                return
            self._seen.add(key)
            try:
                self._pool.submit(self._job, name, extras, specifier)
            except RuntimeError:  # shut down meanwhile
                return
            self._pending += 1

    def _job(self, name: str, extras: frozenset[str], specifier: SpecifierSet) -> None:
        try:
            self._crawl(name, extras, specifier)
        finally:
            with self._idle:
                self._pending -= 1
                if not self._pending:
                    self._idle.notify_all()

    def _crawl(self, name: str, extras: frozenset[str], specifier: SpecifierSet) -> None:
        if self._stopped:
            return
        try:
            project = self.projects.get(name)
            link = self._guess(project, specifier)
            if link is None or self._stopped:
                return
            meta = self.store.get(link.url)
            if meta is None:
                meta = parse_metadata(self.source.metadata(link), where=link.filename)
                self.store.setdefault(link.url, meta)
            dependencies = [req for req in meta.requires_dist if self._applies(req, extras)]
        except Exception:  # the resolver meets the same problem itself, if it matters, and explains it
            return
        names = [canonicalize_name(req.name) for req in dependencies]
        fresh = [n for n in dict.fromkeys(names) if self.projects.known(n) is None]
        if fresh:
            self.source.prefetch(fresh)
        for req, dep in zip(dependencies, names, strict=True):
            dep_extras = frozenset(canonicalize_name(e) for e in req.extras)
            self._visit(dep, frozenset(), req.specifier)
            if dep_extras:
                self._visit(dep, dep_extras, req.specifier)

    def _guess(self, project: ProjectFiles, specifier: SpecifierSet) -> Link | None:
        """The file of the version the resolver will most likely pick: newest final release allowed."""
        fallback: VersionFiles | None = None
        for version in reversed(project.ordered()):
            entry = project.versions[version]
            if entry.all_yanked or not specifier.contains(version, prereleases=True):
                continue
            if version.is_prerelease:
                fallback = fallback or entry
                continue
            return self._metadata_link(entry)
        return self._metadata_link(fallback) if fallback is not None else None

    @staticmethod
    def _metadata_link(entry: VersionFiles) -> Link | None:
        for choice in entry.files:
            if not choice.link.is_yanked and (choice.is_wheel or choice.link.metadata_hashes is not None):
                return choice.link
        return None

    def _applies(self, req: Requirement, extras: frozenset[str]) -> bool:
        if req.marker is None:
            return not extras
        env = self._env
        if not extras:
            env["extra"] = ""
            return bool(req.marker.evaluate(dict(env)))
        return any(req.marker.evaluate({**env, "extra": extra}) for extra in extras)
