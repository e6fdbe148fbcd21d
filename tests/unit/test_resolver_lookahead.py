"""The resolver's look-ahead: a background walk of the likely dependency graph fills the resolver's caches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from pipcompat.models import Link
from pipcompat.resolver import ResolveOptions, RootRequirement, resolve, synthetic_target
from pipcompat.resolver.crawl import Crawler, wants_crawl
from pipcompat.resolver.finder import LinkEvaluator, ProjectCache

TARGET = synthetic_target("3.11", "linux")
INDEX = "https://index.test/simple"


class ThreadSafeSource:
    """Projects described in code, safe to call from several threads; records who asked for what."""

    thread_safe = True

    def __init__(self) -> None:
        self.files: dict[str, list[Link]] = {}
        self.meta: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.links_asked: list[tuple[str, str]] = []
        self.metadata_asked: list[str] = []
        self.slow_main_thread = False

    def add(
        self, name: str, version: str, deps: Sequence[str] = (), *, sdist_only: bool = False
    ) -> ThreadSafeSource:
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        lines += [f"Requires-Dist: {dep}" for dep in deps]
        stem = f"{name.replace('-', '_')}-{version}"
        filename = f"{stem}.tar.gz" if sdist_only else f"{stem}-py3-none-any.whl"
        link = Link(filename=filename, url=f"https://files.test/{filename}", index_url=INDEX)
        self.files.setdefault(canonicalize_name(name), []).append(link)
        self.meta[link.url] = ("\n".join(lines) + "\n").encode()
        return self

    def links(self, name: str) -> list[Link]:
        with self.lock:
            self.links_asked.append((name, threading.current_thread().name))
        return list(self.files.get(name, []))

    def metadata(self, link: Link) -> bytes:
        with self.lock:
            self.metadata_asked.append(link.filename)
        if self.slow_main_thread and threading.current_thread() is threading.main_thread():
            time.sleep(0.05)  # the resolver waits for the network; the walk gets ahead meanwhile
        return self.meta[link.url]

    def prefetch(self, names: Iterable[str]) -> None:
        pass

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        pass


def walk(
    source: ThreadSafeSource, *roots: tuple[str, str]
) -> tuple[Crawler, ProjectCache, dict[str, object]]:
    options = ResolveOptions(target=TARGET)
    projects = ProjectCache(source, LinkEvaluator(TARGET, options))
    store: dict[str, object] = {}
    crawler = Crawler(projects, store, source, options)  # type: ignore[arg-type]
    crawler.start((name, frozenset(), SpecifierSet(spec)) for name, spec in roots)
    assert crawler.wait(timeout=10)
    crawler.stop()
    return crawler, projects, store


def test_the_walk_reads_the_newest_allowed_version_of_every_dependency_ahead() -> None:
    source = (
        ThreadSafeSource()
        .add("app", "1.0", ["lib>=1", "extra-only; extra == 'x'", "windows-only; sys_platform == 'win32'"])
        .add("lib", "1.0", ["leaf"])
        .add("lib", "2.0", ["leaf<2"])
        .add("leaf", "1.5")
        .add("leaf", "2.0")
    )
    crawler, projects, store = walk(source, ("app", ""))
    assert {name for name, _ in crawler.visited} == {"app", "lib", "leaf"}
    assert projects.known("leaf") is not None
    # The newest version each requirement allows is the guess: lib 2.0, and leaf<2 gives leaf 1.5.
    assert sorted(source.metadata_asked) == [
        "app-1.0-py3-none-any.whl",
        "leaf-1.5-py3-none-any.whl",
        "lib-2.0-py3-none-any.whl",
    ]
    assert set(store) == {f"https://files.test/{f}" for f in source.metadata_asked}


def test_the_walk_leaves_source_distributions_and_unknown_projects_to_the_resolver() -> None:
    source = (
        ThreadSafeSource().add("app", "1.0", ["built", "missing"]).add("built", "1.0", ["x"], sdist_only=True)
    )
    crawler, _, _ = walk(source, ("app", ""))
    assert {name for name, _ in crawler.visited} == {"app", "built", "missing"}
    assert source.metadata_asked == ["app-1.0-py3-none-any.whl"]


def test_resolving_through_a_thread_safe_source_walks_ahead_and_gives_the_same_pins() -> None:
    source = ThreadSafeSource().add("a", "1.0", ["b"]).add("b", "1.0", ["c"]).add("c", "1.0").add("c", "2.0")
    assert wants_crawl(source)
    source.slow_main_thread = True
    roots = [RootRequirement.parse("a", "-r requirements.in")]
    with_walk = resolve(roots, source, ResolveOptions(target=TARGET)).pins()
    assert any(thread.startswith("pipcompat-crawl") for _, thread in source.links_asked)
    source.links_asked.clear()
    without = resolve(roots, source, ResolveOptions(target=TARGET, prefetch=False)).pins()
    assert with_walk == without == {"a": "1.0", "b": "1.0", "c": "2.0"}
    assert all(not thread.startswith("pipcompat-crawl") for _, thread in source.links_asked)
