"""A persistent HTTP cache for index pages in the cache's ``http`` bucket.

One entry per (URL without credentials, ``Accept`` header): a JSON line holding the response's validators
and freshness (``ETag``, ``Last-Modified``, ``Cache-Control``, ``Date``, ``Age``, when it was stored), then
the body. Entries are replaced by atomic rename, so concurrent processes see an old entry or a new one.

- fresh under ``max-age`` → served without a request (unless ``refresh``);
- otherwise revalidated with ``If-None-Match`` / ``If-Modified-Since``; a 304 serves the stored body;
- ``offline`` never touches the network: the stored entry is served whatever its age, or an error raised.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipcompat.cache import BackgroundWriter, Cache, digest_key, write_atomic
from pipcompat.errors import PipcompatError, redact
from pipcompat.index.session import HttpSession
from pipcompat.index.urls import strip_credentials

#: Statuses kept in the cache: a page, or the fact that the project does not exist there.
CACHED_STATUSES = (200, 203, 404, 410)


@dataclass(frozen=True)
class CachedResponse:
    """A page as the client uses it: final URL (redirects followed, no credentials), status, type, body."""

    url: str
    status: int
    content_type: str
    body: bytes
    from_cache: bool = False
    sha256: str | None = None
    """The body's sha256 (hex) when it is known without hashing it again."""
    known: bool = False
    """Whether the cache held these exact bytes for this URL before this request (served from it, or
    fetched again and found unchanged)."""


class OfflineError(PipcompatError):
    """``--offline`` and the answer is not in the cache."""


def _directives(value: str | None) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    for part in (value or "").split(","):
        key, sep, arg = part.strip().partition("=")
        if key:
            result[key.lower()] = arg.strip().strip('"') if sep else None
    return result


def _seconds(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def is_fresh(meta: Mapping[str, Any], now: float | None = None) -> bool:
    """Whether a stored response may be served without asking the server (``max-age`` not elapsed)."""
    directives = _directives(meta.get("cache_control"))
    if "no-cache" in directives or "no-store" in directives:
        return False
    max_age = _seconds(directives.get("max-age"))
    if max_age is None:
        return False
    age = (time.time() if now is None else now) - float(meta.get("stored", 0)) + float(meta.get("age", 0))
    return age < max_age


class HttpCache:
    """Index pages through the ``http`` bucket of *cache* (straight from the network when it is ``None``)."""

    def __init__(
        self,
        cache: Cache | None,
        *,
        offline: bool = False,
        refresh: bool = False,
        writer: BackgroundWriter | None = None,
    ) -> None:
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        #: Entries are written by this writer's thread when given (the fetching thread does not wait).
        self.writer = writer

    def entry_path(self, url: str, accept: str) -> Path | None:
        if self.cache is None:
            return None
        return self.cache.entry("http", digest_key("page", strip_credentials(url), accept))

    def fetch(self, session: HttpSession, url: str, *, accept: str) -> CachedResponse:
        """GET *url* through the cache; statuses other than 200/404/410 are returned uncached."""
        path = self.entry_path(url, accept)
        stored = _read(path, self._body_needed) if path is not None else None
        if self.offline:
            if stored is None:
                raise OfflineError(
                    f"{redact(strip_credentials(url))} is not in the cache, "
                    "and --offline forbids the network",
                    hint="run once without --offline to fill the cache",
                )
            meta, body = stored
            assert body is not None
            return _response(meta, body, from_cache=True)
        if stored is not None and not self.refresh and is_fresh(stored[0]):
            assert stored[1] is not None
            return _response(stored[0], stored[1], from_cache=True)
        headers = {"Accept": accept}
        if stored is not None:
            meta = stored[0]
            if meta.get("etag"):
                headers["If-None-Match"] = str(meta["etag"])
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = str(meta["last_modified"])
        if self.refresh:
            headers["Cache-Control"] = "max-age=0"
        response = session.get(url, headers=headers, stream=True)
        try:
            # One read of the whole body: ``response.content`` would go through 10 KiB chunks, which
            # costs more CPU than the TLS itself on multi-megabyte project pages. Read to the end, the
            # connection goes back to the pool by itself.
            body = response.raw.read(decode_content=True)
        except Exception as error:
            response.close()
            raise session.describe(error, url) from None
        final_url = strip_credentials(response.url or url)
        cached = stored[1] if stored is not None else None
        if response.status_code == 304 and stored is not None and cached is not None:
            updated = _merge_304(stored[0], response.headers)
            if (
                path is not None
                and updated != stored[0]
                and _directives(updated.get("cache_control")).get("max-age")
            ):
                _write(path, updated, cached, self.writer)
            return _response(updated, cached, from_cache=True)
        meta = {
            "url": final_url,
            "status": response.status_code,
            "content_type": response.headers.get("Content-Type", ""),
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "cache_control": response.headers.get("Cache-Control"),
            "date": response.headers.get("Date"),
            "age": _seconds(response.headers.get("Age")) or 0,
            "stored": time.time(),
        }
        kept = body if response.status_code < 400 else b""
        meta["sha256"] = hashlib.sha256(kept).hexdigest()
        storable = "no-store" not in _directives(meta["cache_control"])
        same = _same_entry(stored, meta, kept)
        if path is not None and response.status_code in CACHED_STATUSES and storable and not same:
            _write(path, meta, kept, self.writer)
        return _response(meta, body, from_cache=False, known=_same_bytes(stored, meta))

    def _body_needed(self, meta: Mapping[str, Any]) -> bool:
        """Whether a stored body may be served: offline, fresh, or revalidatable; otherwise the request
        is made anyway and only the body's stored sha256 is compared with the new one."""
        return (
            self.offline
            or not meta.get("sha256")
            or bool(meta.get("etag") or meta.get("last_modified"))
            or (not self.refresh and is_fresh(meta))
        )


def _same_entry(
    stored: tuple[dict[str, Any], bytes | None] | None, meta: Mapping[str, Any], body: bytes
) -> bool:
    """Whether rewriting the entry would change nothing that matters.

    A server that sends neither validators nor freshness (some mirrors) makes every run download every
    page again; when the page is the same as the stored one, writing it again would only cost time. With
    ``max-age`` the store time matters, so such entries are always rewritten.
    """
    if stored is None:
        return False
    old = stored[0]
    if not old.get("sha256") or old.get("sha256") != meta.get("sha256"):
        return False
    if stored[1] is not None and stored[1] != body:
        return False
    if _directives(meta.get("cache_control")).get("max-age") is not None:
        return False
    keys = ("url", "status", "content_type", "etag", "last_modified")
    return all(old.get(key) == meta.get(key) for key in keys)


def _same_bytes(stored: tuple[dict[str, Any], bytes | None] | None, meta: Mapping[str, Any]) -> bool:
    """Whether the stored entry recorded the same body, under the same final URL and type, as *meta*."""
    if stored is None or not meta.get("sha256") or int(meta.get("status", 200)) >= 400:
        return False
    old = stored[0]
    return all(old.get(key) == meta.get(key) for key in ("sha256", "url", "status", "content_type"))


def _merge_304(meta: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    updated = dict(meta)
    for key, header in (
        ("etag", "ETag"),
        ("last_modified", "Last-Modified"),
        ("cache_control", "Cache-Control"),
    ):
        if headers.get(header):
            updated[key] = headers[header]
    if _directives(updated.get("cache_control")).get("max-age"):
        updated["stored"] = time.time()
        updated["age"] = _seconds(headers.get("Age")) or 0
    if headers.get("Date"):
        updated["date"] = headers["Date"]
    return updated


def _response(
    meta: Mapping[str, Any], body: bytes, *, from_cache: bool, known: bool | None = None
) -> CachedResponse:
    sha256 = meta.get("sha256")
    return CachedResponse(
        url=str(meta.get("url", "")),
        status=int(meta.get("status", 200)),
        content_type=str(meta.get("content_type", "")),
        body=body,
        from_cache=from_cache,
        sha256=sha256 if isinstance(sha256, str) and sha256 and int(meta.get("status", 200)) < 400 else None,
        known=from_cache if known is None else known,
    )


def _read(
    path: Path, body_needed: Callable[[Mapping[str, Any]], bool]
) -> tuple[dict[str, Any], bytes | None] | None:
    """The stored entry: its record and, when *body_needed* says so for that record, its body."""
    try:
        with path.open("rb") as stream:
            head = stream.readline()
            if not head.endswith(b"\n"):
                return None
            try:
                meta = json.loads(head)
            except ValueError:
                return None
            if not isinstance(meta, dict):
                return None
            if not body_needed(meta):
                return meta, None
            body = stream.read()
    except OSError:
        return None
    if len(body) != meta.get("length", len(body)):
        return None
    return meta, body


def _write(path: Path, meta: Mapping[str, Any], body: bytes, writer: BackgroundWriter | None = None) -> None:
    record = {**meta, "length": len(body)}
    data = (json.dumps(record, separators=(",", ":")).encode() + b"\n", body)
    if writer is not None:
        writer.write(path, data)
        return
    with contextlib.suppress(OSError):  # a read-only or full cache must not fail the command
        write_atomic(path, data)


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)
