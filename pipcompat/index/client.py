"""The index client every mode shares: project pages, find-links, metadata and downloads.

One :class:`IndexClient` holds the HTTP session, the HTTP cache and a thread pool. Work is keyed and
done once: a project page or a file's metadata asked for twice (by a prefetch and by the resolver, or by
two threads) is fetched once; a caller that needs something a prefetch has queued but not started does it
itself instead of waiting behind the queue.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from pipcompat.cache import BackgroundWriter, Cache, digest_key
from pipcompat.errors import PipcompatError, redact
from pipcompat.index.httpcache import CachedResponse, HttpCache, OfflineError
from pipcompat.index.lazywheel import (
    RangesUnsupported,
    check_metadata,
    metadata_by_ranges,
    read_wheel_metadata,
)
from pipcompat.index.reporter import IndexReporter
from pipcompat.index.session import HttpSession, NetworkError
from pipcompat.index.simple import (
    ACCEPT,
    IndexPageError,
    JsonPageFiles,
    load_json_page,
    matches_project,
    page_kind,
    parse_html_page,
    parse_page,
)
from pipcompat.index.urls import (
    canonical_name,
    filename_of,
    is_file_url,
    is_secure_origin,
    netloc_of,
    parse_host_port,
    path_to_url,
    project_url,
    strip_credentials,
    url_to_path,
)
from pipcompat.models import Link

PYPI_SIMPLE_URL = "https://pypi.org/simple"
INDEX_STRATEGIES = ("unsafe-best-match", "first-index")
_CHUNK = 256 * 1024
_T = TypeVar("_T")


class SettingsSource(Protocol):
    """What :meth:`IndexClient.from_settings` reads: option values by pip's destination names."""

    def get(self, dest: str, default: Any = None) -> Any: ...


class HashMismatchError(PipcompatError):
    """A downloaded file (or metadata file) whose digest is not the one the index gave."""


class SourceBuildUnavailable(PipcompatError):
    """Metadata that only building a source distribution could give."""


class _Task(Generic[_T]):
    """A unit of work done at most once, by whichever thread gets to it first."""

    __slots__ = ("_fn", "_lock", "_started", "future")

    def __init__(self, fn: Callable[[], _T]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._started = False
        self.future: Future[_T] = Future()

    def run(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        self.future.set_running_or_notify_cancel()
        try:
            self.future.set_result(self._fn())
        except BaseException as error:
            self.future.set_exception(error)

    def result(self) -> _T:
        self.run()
        return self.future.result()


def _hashers(hashes: Mapping[str, str]) -> dict[str, Any]:
    found = {}
    for name in hashes:
        with contextlib.suppress(ValueError, TypeError):
            found[name] = hashlib.new(name)
    return found


def _check_hashes(hashers: Mapping[str, Any], expected: Mapping[str, str], what: str, url: str) -> None:
    for name, hasher in hashers.items():
        got = hasher.hexdigest()
        if got != expected[name].lower():
            raise HashMismatchError(
                f"hash mismatch for {what} from {redact(url)}: "
                f"expected {name}:{expected[name]}, got {name}:{got}",
                hint="the file changed on the index or was corrupted on the way; nothing was kept",
            )


class IndexClient:
    """Project pages from every index and find-links location, metadata of files, and downloads."""

    #: Every method may be called from several threads at once (the resolver's look-ahead relies on it).
    thread_safe = True
    #: :meth:`download` checks every hash the link gives while streaming (the prepare stage relies on it).
    verifies_hashes = True

    def __init__(
        self,
        *,
        index_urls: Sequence[str],
        find_links: Sequence[str] = (),
        trusted_hosts: Sequence[str] = (),
        cert: str | None = None,
        client_cert: str | None = None,
        timeout: float = 15.0,
        retries: int = 5,
        proxy: str | None = None,
        no_proxy_env: bool = False,
        keyring_provider: str = "auto",
        no_input: bool = False,
        cache: Cache | None = None,
        offline: bool = False,
        refresh: bool = False,
        index_strategy: str = "unsafe-best-match",
        reporter: IndexReporter | None = None,
        max_workers: int = 8,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if index_strategy not in INDEX_STRATEGIES:
            raise PipcompatError(
                f"unknown index strategy {index_strategy!r}",
                hint="use one of: " + ", ".join(INDEX_STRATEGIES),
                exit_code=2,
            )
        self.reporter = reporter or IndexReporter()
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.cache = cache
        self.offline = offline
        self.index_strategy = index_strategy
        self.max_workers = max(1, max_workers)
        seen: set[str] = set()
        self._index_urls: list[str] = []
        for url in index_urls:
            key = strip_credentials(url).rstrip("/")
            if key not in seen:
                seen.add(key)
                self._index_urls.append(url)
        self.find_links = tuple(find_links)
        self._trusted = tuple(parse_host_port(host) for host in trusted_hosts)
        self._session = HttpSession(
            index_urls=self._index_urls,
            trusted_hosts=trusted_hosts,
            cert=cert,
            client_cert=client_cert,
            timeout=timeout,
            retries=retries,
            proxy=proxy,
            no_proxy_env=no_proxy_env,
            keyring_provider=keyring_provider,
            no_input=no_input,
            pool_size=self.max_workers,
            environ=self.environ,
            warn=self.reporter.warning,
            ask_credentials=self.reporter.ask_credentials,
            fetching=self.reporter.fetching,
        )
        self._writer = BackgroundWriter()
        self._http = HttpCache(cache, offline=offline, refresh=refresh, writer=self._writer)
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False
        self._pages: dict[str, _Task[_Page]] = {}
        self._links: dict[str, list[Link]] = {}
        self._page_keys: dict[str, tuple[str | None, bool]] = {}
        self._find_links_task: _Task[list[Link]] | None = None
        self._metadata: dict[str, _Task[bytes]] = {}
        self._metadata_files_work: dict[str, bool] = {}
        self._ranges_work: dict[str, bool] = {}
        self._warned: set[str] = set()

    @classmethod
    def from_settings(
        cls,
        settings: SettingsSource,
        *,
        cache: Cache | None,
        environ: Mapping[str, str] | None = None,
        reporter: IndexReporter | None = None,
        offline: bool = False,
        refresh: bool = False,
        index_strategy: str | None = None,
        max_workers: int = 8,
    ) -> IndexClient:
        """A client from pip's option destinations (``index_url``, ``extra_index_urls``, ``no_index``, …)."""
        get = settings.get

        def strings(dest: str) -> list[str]:
            value = get(dest)
            if not value:
                return []
            return [value] if isinstance(value, str) else [str(item) for item in value]

        def number(dest: str, default: float) -> float:
            try:
                return float(get(dest, default))
            except (TypeError, ValueError):
                return default

        index_urls = (
            []
            if get("no_index")
            else [str(get("index_url") or PYPI_SIMPLE_URL), *strings("extra_index_urls")]
        )
        return cls(
            index_urls=index_urls,
            find_links=strings("find_links"),
            trusted_hosts=strings("trusted_hosts"),
            cert=get("cert") or None,
            client_cert=get("client_cert") or None,
            timeout=number("timeout", 15.0),
            retries=int(number("retries", 5)),
            proxy=None if get("proxy") is None else str(get("proxy")),
            no_proxy_env=bool(get("no_proxy_env")),
            keyring_provider=str(get("keyring_provider") or "auto"),
            no_input=bool(get("no_input")),
            cache=cache,
            offline=offline or bool(get("offline")),
            refresh=refresh or bool(get("refresh")),
            index_strategy=index_strategy or str(get("index_strategy") or "unsafe-best-match"),
            reporter=reporter,
            max_workers=max_workers,
            environ=environ,
        )

    # -- lifecycle --------------------------------------------------------------------------------------

    @property
    def index_urls(self) -> list[str]:
        """The index URLs, without credentials."""
        return [strip_credentials(url) for url in self._index_urls]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._writer.flush()
        self._session.close()

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        shown = [redact(u) for u in self.index_urls]
        return f"IndexClient(index_urls={shown!r}, find_links={self.find_links!r})"

    def _submit(self, task: _Task[Any]) -> None:
        with self._lock:
            if self._closed:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="pipcompat-index")
            self._pool.submit(task.run)

    def _task(self, table: dict[str, _Task[_T]], key: str, fn: Callable[[], _T]) -> tuple[_Task[_T], bool]:
        with self._lock:
            task = table.get(key)
            if task is not None:
                return task, False
            task = table[key] = _Task(fn)
            return task, True

    def _warn_once(self, key: str, message: str) -> None:
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        self.reporter.warning(message)

    # -- project pages ------------------------------------------------------------------------------------

    def _page_task(self, index_url: str, name: str) -> tuple[_Task[_Page], bool]:
        url = project_url(index_url, name)
        return self._task(
            self._pages, strip_credentials(url), lambda: self._fetch_project_page(index_url, url)
        )

    def _indexes_to_prefetch(self) -> list[str]:
        if self.index_strategy == "first-index":
            return self._index_urls[:1]
        return list(self._index_urls)

    def prefetch(self, names: Iterable[str]) -> None:
        """Start fetching the project pages of *names* in the background."""
        if self.find_links:
            self._find_links_links(wait=False)
        for name in names:
            canonical = canonical_name(name)
            with self._lock:
                if canonical in self._links:
                    continue
            for index_url in self._indexes_to_prefetch():
                task, new = self._page_task(index_url, canonical)
                if new:
                    self._submit(task)

    def links(self, name: str) -> list[Link]:
        """Every file offered for project *name*: find-links first, then the indexes (by the strategy).

        A project no index knows (404) gives an empty list, as with pip.
        """
        canonical = canonical_name(name)
        with self._lock:
            known = self._links.get(canonical)
        if known is not None:
            return list(known)
        found: list[Link] = []
        for group in self.link_groups(canonical):
            found.extend(group.links() if isinstance(group, JsonPageFiles) else group)
        with self._lock:
            self._links.setdefault(canonical, found)
        return list(found)

    def link_groups(self, name: str) -> list[list[Link] | JsonPageFiles]:
        """``links(name)`` in parts, in the same order: find-links, then each page, a JSON page's files as
        the parser left them (:class:`JsonPageFiles`: a file's link is made when asked for)."""
        canonical = canonical_name(name)
        groups: list[list[Link] | JsonPageFiles] = []
        if self.find_links:
            groups.append(
                [link for link in self._find_links_links() if matches_project(link.filename, canonical)]
            )
        groups.extend(page.files() for page in self._project_pages(canonical))
        return groups

    def _project_pages(self, canonical: str) -> list[_Page]:
        """The index pages whose files make up *canonical*'s links, in order (by the index strategy)."""
        if self.index_strategy == "first-index":
            for index_url in self._index_urls:
                page = self._page_task(index_url, canonical)[0].result()
                if page.files():
                    return [page]
            return []
        tasks = [self._page_task(index_url, canonical) for index_url in self._index_urls]
        for task, new in tasks[1:]:
            if new:
                self._submit(task)
        pages = [task.result() for task, _new in tasks]
        if sum(1 for page in pages if page.found) > 1:
            serving = [
                strip_credentials(url)
                for url, page in zip(self._index_urls, pages, strict=True)
                if page.files()
            ]
            if len(serving) > 1:
                self._warn_once(
                    f"several:{canonical}",
                    f"{canonical} is found on more than one index ({', '.join(redact(u) for u in serving)}); "
                    "as pip does, the best version from any of them is used "
                    "(--index-strategy first-index takes only the first index that has it)",
                )
        return pages

    # -- what callers derive from unchanged pages ------------------------------------------------------

    def _pages_key(self, canonical: str) -> tuple[str | None, bool]:
        """A key for the exact bytes of every page behind ``links(canonical)`` (``None`` when there is none:
        no cache, find-links in play, local pages), and whether any of those pages is new to the cache (then
        nothing can have been derived from them before)."""
        with self._lock:
            known = self._page_keys.get(canonical)
        if known is not None:
            return known
        key: str | None = None
        fresh = False
        if self.cache is not None and not self.find_links:
            parts: list[str] = [_DERIVED_FORMAT]
            for page in self._project_pages(canonical):
                if page.key is None:
                    break
                parts.append(page.key)
                fresh = fresh or page.fresh
            else:
                key = digest_key("pages", *parts)
        with self._lock:
            return self._page_keys.setdefault(canonical, (key, fresh))

    def derived(self, name: str, kind: str) -> bytes | None:
        """What a caller stored with :meth:`store_derived` for *name*'s links under *kind*, if the pages
        behind those links are byte for byte the same as then (otherwise ``None``).

        The resolver keeps its evaluation of a project's files for one target here: a warm run whose pages
        did not change never parses them again.
        """
        key, fresh = self._pages_key(canonical_name(name))
        if key is None or fresh or self.cache is None:
            # Pages fetched for the first time: looking for an entry would only cost a failed open.
            return None
        with contextlib.suppress(OSError):
            return self.cache.entry("http", digest_key("derived", key, kind)).read_bytes()
        return None

    def store_derived(self, name: str, kind: str, data: bytes | Callable[[], bytes]) -> None:
        """Keep *data*, computed from ``links(name)``, for :meth:`derived` (no-op: pages without a key).

        *data* may be a function that makes it: it is then called on the cache writer's thread, later.
        """
        key = self._pages_key(canonical_name(name))[0]
        if key is None or self.cache is None:
            return
        self._writer.write(self.cache.entry("http", digest_key("derived", key, kind)), data)

    def recall(self, key: str) -> bytes | None:
        """What :meth:`remember` kept under *key* (``None`` without a cache or an entry)."""
        if self.cache is None:
            return None
        with contextlib.suppress(OSError):
            return self.cache.entry("http", digest_key("recall", _DERIVED_FORMAT, key)).read_bytes()
        return None

    def remember(self, key: str, data: bytes) -> None:
        """Keep a small note for a later run (the resolver notes which projects a resolution needed)."""
        if self.cache is None:
            return
        self._writer.write(self.cache.entry("http", digest_key("recall", _DERIVED_FORMAT, key)), data)

    def _fetch_project_page(self, index_url: str, url: str) -> _Page:
        clean_index = strip_credentials(index_url)
        if is_file_url(url):
            return _Page.parsed(self._local_page(url, index_url=clean_index, missing_ok=True))
        if not is_secure_origin(url, self._trusted):
            host = netloc_of(url)
            self._warn_once(
                f"insecure:{host}",
                f"the repository at {host} is not a trusted or secure host and is being ignored; "
                f"if it is only available over http, allow it with '--trusted-host {host.partition(':')[0]}'",
            )
            return _Page.parsed([], key=f"insecure:{url}")
        response = self._http.fetch(self._session, url, accept=ACCEPT)
        if response.status in (404, 410):
            return _Page.parsed([], key=f"{response.status}:{url}", found=False)
        self._check_status(response, url)
        if self.cache is None:
            return _Page.parsed(self._parse(response, clean_index))
        digest = response.sha256 or hashlib.sha256(response.body).hexdigest()
        page = _Page(
            lambda: self._parse(response, clean_index),
            key=f"{clean_index}\0{response.url}\0{response.content_type}\0{digest}",
        )
        if not response.known:
            # Bytes the cache did not hold (a cold cache, a changed page): parse them now, in the fetching
            # thread, as the resolver will want the links. Bytes it held are parsed only if someone asks
            # for the links: the resolver usually has its evaluation of them kept (see ``derived``).
            page.fresh = True
            page.files()
        return page

    def _parse(self, response: CachedResponse, index_url: str) -> list[Link] | JsonPageFiles:
        if page_kind(response.content_type) == "json":
            return load_json_page(response.body, page_url=response.url, index_url=index_url)
        return parse_page(response.body, response.content_type, page_url=response.url, index_url=index_url)

    def _check_status(self, response: CachedResponse, url: str) -> None:
        if response.status >= 400:
            hint = None
            if response.status == 403:
                hint = "the index refused access; check the credentials for it"
            raise NetworkError(f"HTTP {response.status} from {redact(strip_credentials(url))}", hint=hint)

    def _local_page(self, url: str, *, index_url: str, missing_ok: bool) -> list[Link]:
        """A ``file:`` page; a directory means its ``index.html`` (as pip: no directory listing)."""
        path = url_to_path(url)
        if path.is_dir():
            path = path / "index.html"
        try:
            body = path.read_bytes()
        except OSError:
            if missing_ok:
                return []
            raise
        return parse_html_page(body, page_url=path_to_url(path), index_url=index_url)

    # -- find-links ---------------------------------------------------------------------------------------

    def _find_links_links(self, *, wait: bool = True) -> list[Link]:
        with self._lock:
            task = self._find_links_task
            new = task is None
            if task is None:
                task = self._find_links_task = _Task(self._collect_find_links)
        if not wait:
            if new:
                self._submit(task)
            return []
        return task.result()

    def _collect_find_links(self) -> list[Link]:
        links: list[Link] = []
        for location in self.find_links:
            links.extend(self._find_links_location(location))
        return links

    def _find_links_location(self, location: str) -> list[Link]:
        path: Path | None = None
        if os.path.exists(location):
            path = Path(location)
            source_url = path_to_url(location)
        elif is_file_url(location):
            path = url_to_path(location)
            source_url = location
        elif location.partition(":")[0].lower() in ("http", "https"):
            source_url = strip_credentials(location)
        else:
            self._warn_once(
                f"location:{location}",
                f"location '{location}' is ignored: "
                "it is either a non-existing path or lacks a specific scheme",
            )
            return []
        if path is None:
            try:
                response = self._http.fetch(self._session, location, accept=ACCEPT)
                self._check_status(response, location)
                return parse_page(
                    response.body, response.content_type, page_url=response.url, index_url=source_url
                )
            except (NetworkError, IndexPageError) as error:
                if isinstance(error, OfflineError):
                    raise
                self._warn_once(
                    f"location:{location}", f"skipping find-links page {redact(source_url)}: {error}"
                )
                return []
        if path.is_dir():
            links: list[Link] = []
            with os.scandir(path) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.name.lower().endswith((".html", ".htm")) and entry.is_file():
                        links.extend(
                            self._local_page(path_to_url(entry.path), index_url=source_url, missing_ok=True)
                        )
                    elif entry.is_file():
                        file_url = path_to_url(entry.path)
                        links.append(Link(filename=entry.name, url=file_url, index_url=source_url))
            return links
        if path.is_file():
            return self._local_page(path_to_url(path), index_url=source_url, missing_ok=True)
        self._warn_once(
            f"location:{location}", f"location '{location}' is ignored: it is neither a file nor a directory"
        )
        return []

    # -- metadata -----------------------------------------------------------------------------------------

    def metadata(self, link: Link) -> bytes:
        """The core metadata (RFC 822 ``METADATA``/``PKG-INFO`` text) of the file behind *link*."""
        return self._metadata_task(link)[0].result()

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        """Start fetching the metadata of *links* in the background (sdists are skipped)."""
        for link in links:
            if not link.is_wheel and link.metadata_hashes is None:
                continue
            task, new = self._metadata_task(link)
            if new:
                self._submit(task)

    def _metadata_task(self, link: Link) -> tuple[_Task[bytes], bool]:
        return self._task(self._metadata, link.url, lambda: self._load_metadata(link))

    def _metadata_key(self, link: Link) -> str:
        sha256 = link.hashes.get("sha256")
        if sha256:
            return digest_key("sha256", sha256.lower())
        if is_file_url(link.url):
            with contextlib.suppress(OSError):
                stat = url_to_path(link.url).stat()
                return digest_key("file", link.url, str(stat.st_mtime_ns), str(stat.st_size))
        return digest_key("url", strip_credentials(link.url))

    def _load_metadata(self, link: Link) -> bytes:
        entry = self.cache.entry("metadata", self._metadata_key(link)) if self.cache is not None else None
        if entry is not None:
            with contextlib.suppress(OSError):
                return entry.read_bytes()
        if is_file_url(link.url):
            data = self._local_metadata(link)
        else:
            if self.offline:
                raise OfflineError(
                    f"the metadata of {link.filename} is not in the cache, and --offline forbids the network",
                    hint="run once without --offline to fill the cache",
                )
            data = self._remote_metadata(link)
        if entry is not None:
            self._writer.write(entry, data)
        return data

    def _no_sdist_builds(self, link: Link) -> SourceBuildUnavailable:
        return SourceBuildUnavailable(
            f"cannot get the metadata of {link.filename}: building source distributions is not available yet",
            hint="use a version that has a wheel, or --only-binary :all:",
        )

    def _local_metadata(self, link: Link) -> bytes:
        path = url_to_path(link.url)
        sibling = path.with_name(path.name + ".metadata")
        if link.metadata_hashes is not None or link.is_wheel:
            with contextlib.suppress(OSError):
                data = sibling.read_bytes()
                if link.metadata_hashes:
                    self._verify_metadata(data, link)
                if check_metadata(data, link.filename) and (link.is_wheel or _reliable_sdist_metadata(data)):
                    return data
        if not link.is_wheel:
            raise self._no_sdist_builds(link)
        try:
            if not link.hashes:
                with path.open("rb") as stream:
                    return read_wheel_metadata(stream, link.filename, link.url)
            # The index vouches for this file's hash (and the metadata is cached under it): check it
            # before believing what the file says, as a download would.
            content = path.read_bytes()
        except OSError as error:
            raise PipcompatError(f"cannot read {path}: {error.strerror}") from None
        hashers = _hashers(link.hashes)
        for hasher in hashers.values():
            hasher.update(content)
        _check_hashes(hashers, link.hashes, link.filename, link.url)
        return read_wheel_metadata(io.BytesIO(content), link.filename, link.url)

    def _verify_metadata(self, data: bytes, link: Link) -> None:
        expected = link.metadata_hashes or {}
        hashers = _hashers(expected)
        for hasher in hashers.values():
            hasher.update(data)
        _check_hashes(hashers, expected, f"the metadata of {link.filename}", link.url + ".metadata")

    def _metadata_file(self, link: Link) -> bytes | None:
        """``<url>.metadata`` (PEP 658), or ``None`` when the server has none."""
        response = self._session.get(link.url + ".metadata")
        try:
            if response.status_code in (404, 410, 403):
                return None
            if response.status_code >= 400:
                raise NetworkError(f"HTTP {response.status_code} from {redact(link.url)}.metadata")
            return bytes(response.content)
        finally:
            response.close()

    def _remote_metadata(self, link: Link) -> bytes:
        """The cheapest way that works: the advertised metadata file, range requests on the wheel, the
        metadata file even though it was not advertised, the whole wheel.

        Ranges come before an unadvertised metadata file: the file is a guess (mirrors and pass-through
        proxies serve it for some files only, and a miss is a whole round trip), while a range request
        is answered by any server that answers ranges at all, usually as fast as the file would be.
        """
        host = netloc_of(link.url)
        if link.metadata_hashes is not None:
            data = self._metadata_file(link)
            if data is not None:
                self._verify_metadata(data, link)
                if link.is_wheel or _reliable_sdist_metadata(data):
                    return data
        if not link.is_wheel:
            raise self._no_sdist_builds(link)
        if self._ranges_work.get(host, True):
            try:
                data = self._metadata_by_ranges(link)
                self._ranges_work[host] = True
                return data
            except RangesUnsupported:
                self._ranges_work[host] = False
        if link.metadata_hashes is None and self._metadata_files_work.get(host, True):
            # Not advertised, but many mirrors still serve it: try it until the host misses once.
            data = self._metadata_file(link)
            works = data is not None and check_metadata(data, link.filename)
            if works:
                self._metadata_files_work.setdefault(host, True)
            else:
                self._metadata_files_work[host] = False
            if works and data is not None:
                return data
        with tempfile.TemporaryDirectory(prefix="pipcompat-wheel-") as temp:
            wheel = self._download_to(link, Path(temp))
            with wheel.open("rb") as stream:
                return read_wheel_metadata(stream, link.filename, link.url)

    def _metadata_by_ranges(self, link: Link) -> bytes:
        session = self._session

        def get_range(spec: str) -> tuple[int, Mapping[str, str], bytes]:
            response = session.get(
                link.url, headers={"Range": spec, "Accept-Encoding": "identity"}, stream=True
            )
            try:
                if response.status_code != 206:
                    return response.status_code, response.headers, b""
                try:
                    return response.status_code, response.headers, response.raw.read()
                except Exception as error:
                    raise session.describe(error, link.url) from None
            finally:
                response.close()

        return metadata_by_ranges(get_range, link.filename, link.url, size=link.size)

    # -- downloads ------------------------------------------------------------------------------------------

    def download(self, link: Link, dest_dir: Path) -> Path:
        """Download *link* into *dest_dir* (streamed, checking every known hash on the way).

        A wrong hash raises :class:`HashMismatchError` and leaves nothing behind.
        """
        if not is_file_url(link.url) and self.offline:
            raise OfflineError(
                f"cannot download {link.filename}: --offline forbids the network",
                hint="run without --offline",
            )
        return self._download_to(link, Path(dest_dir))

    def fetch_file(self, link: Link, dest_dir: Path, *, memory_limit: int) -> bytes | Path:
        """The file of *link*: its bytes when it is at most *memory_limit* bytes long, otherwise a file in
        *dest_dir* (made when needed), as :meth:`download` leaves it. Streamed, every hash the link gives
        checked on the way; a wrong hash raises :class:`HashMismatchError` and leaves nothing behind.

        A small file never touches the disk before its use (a wheel is unpacked straight from memory)."""
        if not is_file_url(link.url) and self.offline:
            raise OfflineError(
                f"cannot download {link.filename}: --offline forbids the network",
                hint="run without --offline",
            )
        hashers = _hashers(link.hashes)
        chunks: list[bytes] = []
        held = 0
        with contextlib.closing(self._chunks(link)) as stream:
            for chunk in stream:
                for hasher in hashers.values():
                    hasher.update(chunk)
                chunks.append(chunk)
                held += len(chunk)
                if held > memory_limit:
                    return self._spill(link, Path(dest_dir), chunks, stream, hashers)
        _check_hashes(hashers, link.hashes, link.filename, link.url)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _spill(
        self,
        link: Link,
        dest_dir: Path,
        chunks: list[bytes],
        rest: Iterable[bytes],
        hashers: Mapping[str, Any],
    ) -> Path:
        """The download written into *dest_dir*: the *chunks* already read and hashed, then the *rest*
        (hashed on the way); checked against the link's hashes, then renamed into place."""
        dest_dir.mkdir(parents=True, exist_ok=True)
        filename = filename_of(link.url) if not link.filename else link.filename
        target = dest_dir / os.path.basename(filename)
        fd, temp = tempfile.mkstemp(dir=dest_dir, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                chunks.clear()
                for chunk in rest:
                    out.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
            _check_hashes(hashers, link.hashes, link.filename, link.url)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return target

    def _download_to(self, link: Link, dest_dir: Path) -> Path:
        with contextlib.closing(self._chunks(link)) as stream:
            return self._spill(link, dest_dir, [], stream, _hashers(link.hashes))

    def _chunks(self, link: Link) -> Generator[bytes, None, None]:
        if is_file_url(link.url):
            path = url_to_path(link.url)
            try:
                with path.open("rb") as stream:
                    while chunk := stream.read(_CHUNK):
                        yield chunk
            except OSError as error:
                raise PipcompatError(f"cannot read {path}: {error.strerror}") from None
            return
        import requests

        response = self._session.get(link.url, stream=True)
        try:
            if response.status_code >= 400:
                raise NetworkError(f"HTTP {response.status_code} from {redact(strip_credentials(link.url))}")
            try:
                yield from response.iter_content(_CHUNK)
            except requests.exceptions.RequestException as error:
                raise self._session.describe(error, link.url) from None
        finally:
            response.close()


#: Part of every :meth:`IndexClient.derived` key.
_DERIVED_FORMAT = f"derived-1-{sys.version_info[0]}.{sys.version_info[1]}"


class _Page:
    """One fetched project page: its files, parsed on first use.

    ``key`` names the page's exact bytes (``None``: the page has no stable key); ``found`` is false for a
    404/410 answer.
    """

    __slots__ = ("_files", "_load", "_lock", "found", "fresh", "key")

    def __init__(
        self, load: Callable[[], list[Link] | JsonPageFiles], *, key: str | None, found: bool = True
    ) -> None:
        self._load: Callable[[], list[Link] | JsonPageFiles] | None = load
        self._files: list[Link] | JsonPageFiles | None = None
        self._lock = threading.Lock()
        self.key = key
        self.found = found
        #: The page's bytes are new to the cache (nothing derived from them can be kept there yet).
        self.fresh = False

    @classmethod
    def parsed(
        cls, links: list[Link] | JsonPageFiles, *, key: str | None = None, found: bool = True
    ) -> _Page:
        page = cls(list, key=key, found=found)
        page._files, page._load = links, None
        return page

    def links(self) -> list[Link]:
        files = self.files()
        return files.links() if isinstance(files, JsonPageFiles) else files

    def files(self) -> list[Link] | JsonPageFiles:
        """The page's links, or a JSON page's files (links made when asked for)."""
        files = self._files
        if files is not None:
            return files
        with self._lock:
            if self._files is None:
                assert self._load is not None
                self._files, self._load = self._load(), None
            return self._files


def _reliable_sdist_metadata(data: bytes) -> bool:
    """PEP 643: sdist metadata 2.2+ whose dependencies are not ``Dynamic`` can be trusted without a build."""
    import email.parser

    message = email.parser.BytesHeaderParser().parsebytes(data)
    try:
        major, minor = (int(part) for part in str(message.get("Metadata-Version", "1.0")).split(".")[:2])
    except ValueError:
        return False
    if (major, minor) < (2, 2):
        return False
    dynamic = {str(value).lower() for value in message.get_all("Dynamic") or []}
    return not dynamic & {"requires-dist", "requires-python", "provides-extra"}
