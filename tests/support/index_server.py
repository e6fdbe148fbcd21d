"""A local simple-repository server (PEP 503/691/658/714/592/700) over a directory of dists.

``IndexServer(dists_dir)`` serves, on ``127.0.0.1`` and a free port, from a background thread:

- ``/simple/`` and ``/simple/<name>/``: HTML by default, JSON when the ``Accept`` header asks for it;
  names that are not normalized redirect (301) to the normalized page, like PyPI.
- ``/files/<filename>``: the file, with ``Range`` support, ``ETag``/``Last-Modified`` and 304s; and
  ``/files/<wheel>.metadata``: the wheel's ``METADATA`` (PEP 658).

The directory is scanned on every request, so files added while the server runs are served. Every option
and fault is a plain attribute a test may change at any time. Also here: ``write_file_index`` (a static
PEP 503 tree for ``file://`` index URLs) and ``write_find_links_page``.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import json
import os
import shutil
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .packages import DistFactory, PackageSpec, read_sdist_metadata, read_wheel_metadata

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
API_VERSION = "1.1"
DEFAULT_UPLOAD_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)

Yanked = bool | str
"""``True`` (yanked, no reason) or a reason string; ``False`` means not yanked."""


# --------------------------------------------------------------------------------------------- dists


@dataclass(frozen=True)
class DistFile:
    """One file of the served directory and what a simple page says about it."""

    path: Path
    filename: str
    project: str
    version: str
    sha256: str
    size: int
    mtime: float
    requires_python: str | None
    metadata: bytes | None
    """The wheel's ``METADATA`` (served as ``<file>.metadata``); ``None`` for sdists."""

    @property
    def metadata_sha256(self) -> str | None:
        return hashlib.sha256(self.metadata).hexdigest() if self.metadata is not None else None


def parse_dist_filename(filename: str) -> tuple[str, str] | None:
    """``(normalized project, version)`` of a wheel or sdist file name; ``None`` for anything else."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return str(name), str(version)
        if filename.endswith((".tar.gz", ".zip")):
            try:
                name, version = parse_sdist_filename(filename)
                return str(name), str(version)
            except (InvalidSdistFilename, InvalidVersion):
                stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
                raw_name, sep, raw_version = stem.rpartition("-")
                return (canonicalize_name(raw_name), raw_version) if sep and raw_name else None
    except (InvalidWheelFilename, InvalidVersion):
        return None
    return None


def _metadata_field(metadata: bytes | None, key: str) -> str | None:
    if metadata is None:
        return None
    parsed = email.message_from_bytes(metadata)
    value = parsed.get(key)
    return str(value) if value is not None else None


_scan_cache: dict[tuple[str, int, int], DistFile] = {}
_scan_lock = threading.Lock()


def read_dist(path: Path) -> DistFile | None:
    """Describe one dist file (cached by path, mtime and size); ``None`` if it is not a dist."""
    parsed = parse_dist_filename(path.name)
    if parsed is None or not path.is_file():
        return None
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _scan_lock:
        cached = _scan_cache.get(key)
    if cached is not None:
        return cached
    data = path.read_bytes()
    is_wheel = path.name.endswith(".whl")
    try:
        core = read_wheel_metadata(path) if is_wheel else read_sdist_metadata(path)
    except Exception:  # a deliberately broken file is still served, just without metadata
        core = None
    dist = DistFile(
        path=path,
        filename=path.name,
        project=parsed[0],
        version=parsed[1],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime=stat.st_mtime,
        requires_python=_metadata_field(core, "Requires-Python"),
        metadata=core if is_wheel else None,
    )
    with _scan_lock:
        _scan_cache[key] = dist
    return dist


def scan_dists(dists_dir: Path) -> dict[str, list[DistFile]]:
    """The dists of a directory (not recursive), grouped by normalized project name, sorted by file."""
    projects: dict[str, list[DistFile]] = {}
    if not dists_dir.is_dir():
        return projects
    for path in sorted(dists_dir.iterdir()):
        dist = read_dist(path)
        if dist is not None:
            projects.setdefault(dist.project, []).append(dist)
    return dict(sorted(projects.items()))


# ----------------------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class FileLink:
    """A dist as a page lists it: where it is and what the index says about it."""

    dist: DistFile
    href: str
    yanked: Yanked = False
    upload_time: datetime | str = DEFAULT_UPLOAD_TIME
    advertise_metadata: bool = True

    @property
    def upload_time_iso(self) -> str:
        if isinstance(self.upload_time, str):
            return self.upload_time
        return self.upload_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def render_project_html(project: str, links: list[FileLink]) -> str:
    """A PEP 503 project page (with PEP 592, 658/714 and 629 additions)."""
    rows = []
    for link in links:
        dist = link.dist
        attrs = [f'href="{_attr(link.href)}#sha256={dist.sha256}"']
        if dist.requires_python is not None:
            attrs.append(f'data-requires-python="{_attr(dist.requires_python)}"')
        if link.yanked is not False:
            reason = "" if link.yanked is True else str(link.yanked)
            attrs.append(f'data-yanked="{_attr(reason)}"')
        if link.advertise_metadata and dist.metadata_sha256 is not None:
            value = _attr(f"sha256={dist.metadata_sha256}")
            attrs += [f'data-dist-info-metadata="{value}"', f'data-core-metadata="{value}"']
        rows.append(f"    <a {' '.join(attrs)}>{html.escape(dist.filename)}</a><br />")
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>Links for {html.escape(project)}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {html.escape(project)}</h1>\n" + "\n".join(rows) + "\n  </body>\n</html>\n"
    )


def render_project_json(project: str, links: list[FileLink]) -> dict[str, object]:
    """A PEP 691 project page at API version 1.1 (PEP 700: ``versions``, ``size``, ``upload-time``)."""
    files: list[dict[str, object]] = []
    for link in links:
        dist = link.dist
        entry: dict[str, object] = {
            "filename": dist.filename,
            "url": link.href,
            "hashes": {"sha256": dist.sha256},
            "requires-python": dist.requires_python,
            "size": dist.size,
            "upload-time": link.upload_time_iso,
            "yanked": False if link.yanked is False else (link.yanked or True),
        }
        if link.advertise_metadata and dist.metadata_sha256 is not None:
            entry["core-metadata"] = {"sha256": dist.metadata_sha256}
            entry["dist-info-metadata"] = {"sha256": dist.metadata_sha256}
        files.append(entry)
    return {
        "meta": {"api-version": API_VERSION},
        "name": project,
        "versions": _sorted_versions({link.dist.version for link in links}),
        "files": files,
    }


def _sorted_versions(versions: Collection[str]) -> list[str]:
    def key(v: str) -> tuple[int, Version | str]:
        try:
            return (1, Version(v))
        except InvalidVersion:
            return (0, v)

    return sorted(versions, key=key)


def render_root_html(projects: Collection[str], href: Mapping[str, str]) -> str:
    """A PEP 503 root page listing projects."""
    rows = "\n".join(f'    <a href="{_attr(href[p])}">{html.escape(p)}</a><br />' for p in projects)
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n" + rows + "\n  </body>\n</html>\n"
    )


def render_root_json(projects: Collection[str]) -> dict[str, object]:
    return {"meta": {"api-version": API_VERSION}, "projects": [{"name": p} for p in projects]}


def negotiate(accept: str | None) -> str | None:
    """The content type to answer an ``Accept`` header with (``None``: nothing acceptable → 406).

    Picks the highest q-value; on a tie an exact match beats a wildcard, then the order of the header;
    a bare ``*/*`` gets ``text/html``.
    """
    if not accept or not accept.strip():
        return TEXT_HTML
    aliases = {
        JSON_V1: JSON_V1,
        "application/vnd.pypi.simple.latest+json": JSON_V1,
        HTML_V1: HTML_V1,
        "application/vnd.pypi.simple.latest+html": HTML_V1,
        TEXT_HTML: TEXT_HTML,
    }
    preference = [TEXT_HTML, HTML_V1, JSON_V1]  # for wildcard ties only
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in aliases:
            candidates = [(aliases[media], 2)]
        elif media == "*/*":
            candidates = [(t, 0) for t in preference]
        elif media == "text/*":
            candidates = [(TEXT_HTML, 1)]
        elif media == "application/*":
            candidates = [(JSON_V1, 1), (HTML_V1, 1)]
        else:
            continue
        for content_type, specificity in candidates:
            score = (q, specificity, -position, -preference.index(content_type))
            if best is None or score > best:
                best, chosen = score, content_type
    return chosen


# -------------------------------------------------------------------------------------------- server


@dataclass
class RequestRecord:
    """One request as the server saw it."""

    method: str
    path: str
    """The decoded path, without the query string."""
    headers: dict[str, str]
    query: str = ""
    status: int | None = None


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class IndexServer:
    """A simple-repository server over ``dists_dir``; a context manager that starts and stops it.

    Fault options (all mutable): ``fail_first_n`` answers ``fail_status`` to the first N requests of each
    path; ``slow`` sleeps that many seconds before answering; ``truncate`` sends a full Content-Length but
    only half the body and closes; ``not_found`` holds paths (or file names) that answer 404.
    ``fault_paths``, if set, limits the first three faults to paths starting with one of its prefixes.
    Pages link files as ``/files/<name>`` (relative to the page's host) unless ``files_base_url`` is set,
    e.g. to another server's ``base_url + "/files"``.
    """

    def __init__(
        self,
        dists_dir: Path | str,
        *,
        auth: tuple[str, str] | None = None,
        html_only: bool = False,
        advertise_metadata: bool = True,
        serve_metadata: bool = True,
        ranges: bool = True,
        cache_control: str | None = None,
        files_base_url: str | None = None,
        yanked: Mapping[str, Yanked] | None = None,
        upload_times: Mapping[str, datetime | str] | None = None,
        fail_first_n: int = 0,
        fail_status: int = 500,
        slow: float = 0.0,
        truncate: bool = False,
        not_found: Collection[str] = (),
        fault_paths: Collection[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.dists_dir = Path(dists_dir)
        self.auth = auth
        self.html_only = html_only
        self.advertise_metadata = advertise_metadata
        self.serve_metadata = serve_metadata
        self.ranges = ranges
        self.cache_control = cache_control
        self.files_base_url = files_base_url
        self.yanked: dict[str, Yanked] = dict(yanked or {})
        self.upload_times: dict[str, datetime | str] = dict(upload_times or {})
        self.fail_first_n = fail_first_n
        self.fail_status = fail_status
        self.slow = slow
        self.truncate = truncate
        self.not_found: set[str] = set(not_found)
        self.fault_paths: set[str] | None = set(fault_paths) if fault_paths is not None else None
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._attempts: Counter[str] = Counter()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> IndexServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.index = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="index-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the index server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    @property
    def url(self) -> str:
        """The index URL to give a client: ``http://127.0.0.1:PORT/simple``."""
        return f"{self.base_url}/simple"

    def auth_url(self, username: str | None = None, password: str | None = None) -> str:
        """The index URL with credentials in it (the server's own unless given)."""
        user, pw = (username, password) if username is not None else (self.auth or ("", ""))
        creds = urllib.parse.quote(user or "", safe="") + ":" + urllib.parse.quote(pw or "", safe="")
        return f"http://{creds}@{self._host}:{self.port}/simple"

    def project_url(self, name: str) -> str:
        return f"{self.url}/{canonicalize_name(name)}/"

    def file_url(self, filename: str) -> str:
        return f"{self.base_url}/files/{urllib.parse.quote(filename)}"

    # inspection

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._log)

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested so far (optionally of one method), in order."""
        return [r.path for r in self.requests if method is None or r.method == method]

    def count(self, path: str | None = None, *, method: str | None = None, prefix: bool = False) -> int:
        """How many requests matched ``path`` (exactly, or as a prefix) and ``method``."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or (r.path.startswith(path) if prefix else r.path == path))
        )

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def reset_faults(self) -> None:
        """Turn every fault off and forget how often each path failed."""
        self.fail_first_n = 0
        self.slow = 0.0
        self.truncate = False
        self.not_found = set()
        self.fault_paths = None
        with self._lock:
            self._attempts.clear()

    def yank(self, filename: str, reason: Yanked = True) -> None:
        self.yanked[filename] = reason

    def dists(self) -> dict[str, list[DistFile]]:
        return scan_dists(self.dists_dir)

    # handling (called from the handler thread)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def _in_fault_scope(self, path: str) -> bool:
        return self.fault_paths is None or any(path.startswith(p) for p in self.fault_paths)

    def _next_attempt(self, path: str) -> int:
        with self._lock:
            self._attempts[path] += 1
            return self._attempts[path]

    def _links(self, dists: list[DistFile]) -> list[FileLink]:
        base = (self.files_base_url or "/files").rstrip("/")
        return [
            FileLink(
                dist=dist,
                href=f"{base}/{urllib.parse.quote(dist.filename)}",
                yanked=self.yanked.get(dist.filename, False),
                upload_time=self.upload_times.get(dist.filename, DEFAULT_UPLOAD_TIME),
                advertise_metadata=self.advertise_metadata,
            )
            for dist in dists
        ]

    def _page(self, accept: str | None, html_body: str, json_body: object) -> _Response:
        content_type = TEXT_HTML if self.html_only else negotiate(accept)
        headers = {} if self.html_only else {"Vary": "Accept"}
        if content_type is None:
            return _Response(HTTPStatus.NOT_ACCEPTABLE, b"Not Acceptable\n", {"Content-Type": "text/plain"})
        if content_type == JSON_V1:
            body = json.dumps(json_body, indent=1).encode()
            return _Response(HTTPStatus.OK, body, {**headers, "Content-Type": JSON_V1})
        shown = "text/html; charset=utf-8" if content_type == TEXT_HTML else content_type
        return _Response(HTTPStatus.OK, html_body.encode(), {**headers, "Content-Type": shown})

    def _route(self, path: str, accept: str | None) -> _Response:
        if path in ("", "/", "/simple"):
            return self._redirect("/simple/")
        if path == "/simple/":
            projects = list(self.dists())
            hrefs = {p: f"/simple/{p}/" for p in projects}
            return self._page(accept, render_root_html(projects, hrefs), render_root_json(projects))
        if path.startswith("/simple/"):
            rest = path[len("/simple/") :]
            name = rest.rstrip("/")
            if not name or "/" in name:
                return _not_found()
            normalized = canonicalize_name(name)
            if name != normalized or not rest.endswith("/"):
                return self._redirect(f"/simple/{normalized}/")
            dists = self.dists().get(normalized)
            if not dists:
                return _not_found()
            links = self._links(dists)
            response = self._page(
                accept, render_project_html(normalized, links), render_project_json(normalized, links)
            )
            response.headers["Last-Modified"] = email.utils.formatdate(
                max(d.mtime for d in dists), usegmt=True
            )
            return response
        if path.startswith("/files/"):
            return self._file(path[len("/files/") :])
        return _not_found()

    def _file(self, filename: str) -> _Response:
        if "/" in filename or filename in ("", ".", ".."):
            return _not_found()
        if filename.endswith(".metadata"):
            dist = read_dist(self.dists_dir / filename.removesuffix(".metadata"))
            if dist is None or dist.metadata is None or not self.serve_metadata:
                return _not_found()
            body, etag, mtime = dist.metadata, dist.metadata_sha256 or "", dist.mtime
        else:
            path = self.dists_dir / filename
            if not path.is_file():
                return _not_found()
            body = path.read_bytes()
            etag, mtime = hashlib.sha256(body).hexdigest(), path.stat().st_mtime
        headers = {
            "Content-Type": "application/octet-stream",
            "ETag": f'"{etag[:32]}"',
            "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
        }
        return _Response(HTTPStatus.OK, body, headers)

    def _redirect(self, path: str) -> _Response:
        return _Response(HTTPStatus.MOVED_PERMANENTLY, b"", {"Location": f"{self.base_url}{path}"})


def _not_found() -> _Response:
    return _Response(HTTPStatus.NOT_FOUND, b"Not Found\n", {"Content-Type": "text/plain"})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    index: IndexServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hangs up early (range reads, truncation, timeouts)."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pipcompat-test-index/1.0"
    timeout = 60
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests read ``IndexServer.requests`` instead."""

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _handle(self, *, head: bool) -> None:
        index = self.server.index
        parts = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parts.path)
        record = RequestRecord(self.command, path, dict(self.headers.items()), parts.query)
        index._record(record)

        response = self._check_auth(index)
        in_scope = index._in_fault_scope(path)
        if response is None and (path in index.not_found or path.rsplit("/", 1)[-1] in index.not_found):
            response = _not_found()
        failing = in_scope and index.fail_first_n > 0
        if response is None and failing and index._next_attempt(path) <= index.fail_first_n:
            response = _Response(index.fail_status, b"Injected failure\n", {"Content-Type": "text/plain"})
        if in_scope and index.slow > 0:
            time.sleep(index.slow)
        if response is None:
            response = index._route(path, self.headers.get("Accept"))
            if response.status == HTTPStatus.OK:
                response = self._conditional(index, response, is_file=path.startswith("/files/"))
        record.status = int(response.status)
        self._send(response, head=head, truncate=in_scope and index.truncate)

    def _check_auth(self, index: IndexServer) -> _Response | None:
        if index.auth is None:
            return None
        expected = base64.b64encode(f"{index.auth[0]}:{index.auth[1]}".encode()).decode()
        given = self.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "basic" and value.strip() == expected:
            return None
        return _Response(
            HTTPStatus.UNAUTHORIZED,
            b"Unauthorized\n",
            {"Content-Type": "text/plain", "WWW-Authenticate": 'Basic realm="pipcompat-test-index"'},
        )

    def _conditional(self, index: IndexServer, response: _Response, *, is_file: bool) -> _Response:
        """ETag/304, Cache-Control, and (for files) byte ranges."""
        headers = response.headers
        headers.setdefault("ETag", f'"{hashlib.sha256(response.body).hexdigest()[:32]}"')
        if index.cache_control is not None:
            headers["Cache-Control"] = index.cache_control
        if _not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), headers):
            keep = ("ETag", "Last-Modified", "Cache-Control", "Vary")
            return _Response(HTTPStatus.NOT_MODIFIED, b"", {k: v for k, v in headers.items() if k in keep})
        if not is_file or not index.ranges:
            return response
        headers["Accept-Ranges"] = "bytes"
        wanted = self.headers.get("Range")
        if wanted is None:
            return response
        span = _parse_range(wanted, len(response.body))
        if span is None:  # unsupported or malformed: ignore it, as RFC 9110 allows
            return response
        total = len(response.body)
        if span == (-1, -1):
            return _Response(
                HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                b"",
                {"Content-Range": f"bytes */{total}", "Accept-Ranges": "bytes"},
            )
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        return _Response(HTTPStatus.PARTIAL_CONTENT, response.body[start : end + 1], headers)

    def _send(self, response: _Response, *, head: bool, truncate: bool) -> None:
        self.send_response(response.status)
        body = response.body
        no_body = response.status in (HTTPStatus.NOT_MODIFIED, HTTPStatus.NO_CONTENT)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        if truncate and not head and body:
            self.send_header("Connection", "close")
        self.end_headers()
        if head or no_body:
            return
        if truncate and body:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, headers: Mapping[str, str]
) -> bool:
    if if_none_match is not None:
        etag = headers.get("ETag", "")
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    last_modified = headers.get("Last-Modified")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
        modified = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False
    return modified <= since


def _parse_range(value: str, total: int) -> tuple[int, int] | None:
    """A single ``bytes=`` range as inclusive ``(start, end)``; ``(-1, -1)`` if unsatisfiable."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, sep, last = spec.strip().partition("-")
    if not sep:
        return None
    try:
        if not first:  # suffix: the last N bytes
            length = int(last)
            if length <= 0:
                return (-1, -1)
            return (max(total - length, 0), total - 1) if total else (-1, -1)
        start = int(first)
        end = int(last) if last else total - 1
    except ValueError:
        return None
    if start > end and last:
        return None
    if start >= total:
        return (-1, -1)
    return start, min(end, total - 1)


# ------------------------------------------------------------------------------------ static helpers


def file_url(path: Path) -> str:
    """``file://`` URL of a local path."""
    return Path(path).resolve().as_uri()


def write_file_index(
    dists_dir: Path | str,
    dest: Path | str,
    *,
    yanked: Mapping[str, Yanked] | None = None,
    metadata: bool = False,
    copy: bool = False,
) -> str:
    """Write a static PEP 503 tree (``dest/simple/index.html``, ``dest/simple/<name>/index.html``).

    Links are relative to the files: those of ``dists_dir``, or copies in ``dest/files`` when ``copy``
    (implied by ``metadata``, which also writes ``<wheel>.metadata`` files and advertises them).
    Returns the ``file://`` URL of ``dest/simple`` to use as an index URL.
    """
    dists_dir, dest = Path(dists_dir), Path(dest)
    simple = dest / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    files_dir = dists_dir
    if copy or metadata:
        files_dir = dest / "files"
        files_dir.mkdir(parents=True, exist_ok=True)
    projects = scan_dists(dists_dir)
    for project, dists in projects.items():
        page_dir = simple / project
        page_dir.mkdir(exist_ok=True)
        links = []
        for dist in dists:
            target = files_dir / dist.filename
            if files_dir != dists_dir:
                shutil.copyfile(dist.path, target)
                if metadata and dist.metadata is not None:
                    (files_dir / f"{dist.filename}.metadata").write_bytes(dist.metadata)
            href = urllib.parse.quote(Path(os.path.relpath(target, page_dir)).as_posix())
            links.append(
                FileLink(
                    dist, href, yanked=(yanked or {}).get(dist.filename, False), advertise_metadata=metadata
                )
            )
        (page_dir / "index.html").write_text(render_project_html(project, links), encoding="utf-8")
    hrefs = {p: f"{p}/" for p in projects}
    (simple / "index.html").write_text(render_root_html(list(projects), hrefs), encoding="utf-8")
    return file_url(simple)


def write_find_links_page(dists_dir: Path | str, page: Path | str) -> Path:
    """Write an HTML page linking (relatively) to every dist of ``dists_dir``; usable as ``--find-links``."""
    dists_dir, page = Path(dists_dir), Path(page)
    page.parent.mkdir(parents=True, exist_ok=True)
    links = [
        FileLink(
            dist,
            urllib.parse.quote(Path(os.path.relpath(dist.path, page.parent)).as_posix()),
            advertise_metadata=False,
        )
        for dists in scan_dists(dists_dir).values()
        for dist in dists
    ]
    page.write_text(render_project_html("find-links", links), encoding="utf-8")
    return page


class IndexServerFactory:
    """``index_server(specs, **options)`` builds the specs, starts an ``IndexServer`` and returns it.

    ``yanked`` and ``upload_time`` of the specs become the server's options; ``dists_dir=`` serves an
    existing directory (the specs, if any, are built into it). Servers stop at teardown.
    """

    def __init__(self, make_dists: DistFactory) -> None:
        self._make_dists = make_dists
        self.servers: list[IndexServer] = []

    def __call__(
        self, specs: Iterable[PackageSpec] = (), *, dists_dir: Path | None = None, **options: Any
    ) -> IndexServer:
        specs = list(specs)
        dists_dir = self._make_dists(specs, dists_dir)
        yanked = dict(options.pop("yanked", {}))
        upload_times = dict(options.pop("upload_times", {}))
        for spec in specs:
            for filename in spec.filenames():
                if spec.yanked is not False:
                    yanked.setdefault(filename, spec.yanked)
                if spec.upload_time is not None:
                    upload_times.setdefault(filename, spec.upload_time)
        server = IndexServer(dists_dir, yanked=yanked, upload_times=upload_times, **options)
        self.servers.append(server.start())
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


def serve_with_wheels(
    index_server: IndexServerFactory, specs: Iterable[PackageSpec], wheels: Path, dists_dir: Path
) -> IndexServer:
    """An index serving *specs* plus every wheel found in *wheels* (build backends for isolated builds),
    from *dists_dir* (created when missing)."""
    dists_dir.mkdir(parents=True, exist_ok=True)
    for wheel in wheels.glob("*.whl"):
        shutil.copy(wheel, dists_dir / wheel.name)
    return index_server(specs, dists_dir=dists_dir)


def download_wheels(dest: Path, requirements: Iterable[str], *, with_deps: bool = False) -> str | None:
    """Download wheels of *requirements* into *dest* with the real pip (binary only); the error output when
    that fails, else ``None``."""
    import subprocess

    argv = [sys.executable, "-m", "pip", "download", "--only-binary", ":all:", "-d", str(dest)]
    if not with_deps:
        argv.append("--no-deps")
    proc = subprocess.run(
        [*argv, *requirements],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return proc.stderr[-2000:] if proc.returncode != 0 else None
