"""The simple repository API: PEP 691 JSON and PEP 503 HTML project pages parsed into :class:`Link` values.

HTML is read with a purpose-built scanner (a regular expression over ``<a ...>`` start tags and their
attributes) rather than ``html.parser``: project pages such as boto3's carry thousands of links, and a
general HTML parser spends most of a resolve there. Supported: hashes in the URL fragment, PEP 592
``data-yanked``, ``data-requires-python``, PEP 658/714 ``data-core-metadata`` / ``data-dist-info-metadata``,
``<base href>``; JSON ``hashes``, ``requires-python``, ``yanked``, ``core-metadata`` / ``dist-info-metadata``,
PEP 700 ``upload-time`` and ``size``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import urllib.parse
from collections.abc import Mapping
from typing import Any

from pipcompat.errors import PipcompatError, redact
from pipcompat.index.urls import canonical_name
from pipcompat.models import Link

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
ACCEPT = f"{JSON_V1}, {HTML_V1};q=0.2, text/html;q=0.01"
ACCEPT_HTML = f"{HTML_V1}, text/html;q=0.01"

_A_TAG = re.compile(r"<a\s([^>]*)>", re.IGNORECASE)
_BASE_TAG = re.compile(r"<base\s([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_HASH_FRAGMENT = re.compile(r"([a-z0-9_]+)=([a-fA-F0-9]+)")
_HASH_NAMES = frozenset(hashlib.algorithms_guaranteed)


_new = object.__new__
_set_attribute = object.__setattr__
#: ``Link`` is a plain frozen dataclass: its instances can be filled without the generated ``__init__``
#: (which sets each field through ``object.__setattr__``) by giving each its ``__dict__`` whole, several
#: times faster for pages of thousands.
_FAST_LINKS = "__slots__" not in vars(Link) and not hasattr(Link, "__post_init__")


def make_link(  # noqa: PLR0917
    filename: str,
    url: str,
    index_url: str,
    hashes: Mapping[str, str],
    requires_python: str | None = None,
    yanked: str | None = None,
    metadata_hashes: Mapping[str, str] | None = None,
    upload_time: str | None = None,
    size: int | None = None,
) -> Link:
    """``Link(...)`` with every field given, built quickly."""
    if not _FAST_LINKS:
        return Link(
            filename, url, index_url, hashes, requires_python, yanked, metadata_hashes, upload_time, size
        )
    link: Link = _new(Link)
    _set_attribute(
        link,
        "__dict__",
        {
            "filename": filename,
            "url": url,
            "index_url": index_url,
            "hashes": hashes,
            "requires_python": requires_python,
            "yanked": yanked,
            "metadata_hashes": metadata_hashes,
            "upload_time": upload_time,
            "size": size,
        },
    )
    return link


class IndexPageError(PipcompatError):
    """A project page that cannot be read (invalid JSON, an unexpected content type)."""


def page_kind(content_type: str) -> str | None:
    """``"json"``, ``"html"`` or ``None`` (not a simple API answer) for a ``Content-Type`` header."""
    lowered = content_type.lower().strip()
    if lowered.startswith(JSON_V1):
        return "json"
    if lowered.startswith((HTML_V1, "text/html")):
        return "html"
    return None


def parse_page(body: bytes, content_type: str, *, page_url: str, index_url: str) -> list[Link]:
    """Every file link on a project page (JSON or HTML by *content_type*)."""
    kind = page_kind(content_type)
    if kind == "json":
        return parse_json_page(body, page_url=page_url, index_url=index_url)
    if kind == "html":
        return parse_html_page(body, page_url=page_url, index_url=index_url)
    raise IndexPageError(
        f"{redact(page_url)} answered with Content-Type {content_type or 'unknown'!r}, "
        "not a simple index page",
        hint="check the index URL; it should point at a PEP 503/691 simple repository",
    )


# -- HTML ----------------------------------------------------------------------------------------------


_unescaped: dict[str, str] = {}


def _unescape(value: str) -> str:
    found = _unescaped.get(value)
    if found is None:
        import html  # HTML pages only

        found = html.unescape(value)
        if len(_unescaped) < 4096:
            _unescaped[value] = found
    return found


def _attributes(raw: str) -> dict[str, str]:
    """The attributes of one start tag (names lower-cased, entities unescaped, first one wins)."""
    # Fast path: every attribute is name="value" (what index servers write).
    parts = raw.split('"')
    if len(parts) % 2:
        attrs: dict[str, str] = {}
        for position in range(0, len(parts) - 1, 2):
            name = parts[position]
            if name[-1:] != "=":
                break
            name = name[:-1].strip().lower()
            if not name or " " in name or "'" in name or "=" in name:
                break
            value = parts[position + 1]
            if "&" in value:
                value = _unescape(value)
            attrs.setdefault(name, value)
        else:
            if parts[-1].strip() in ("", "/"):
                return attrs
    attrs = {}
    for name, double, single, bare in _ATTR.findall(raw):
        value = double or single or bare
        if "&" in value:
            value = _unescape(value)
        attrs.setdefault(name.lower(), value)
    return attrs


def _metadata_hashes(value: str | None) -> Mapping[str, str] | None:
    """PEP 658 attribute value: ``"true"`` → ``{}``; ``"sha256=..."`` → ``{"sha256": ...}``."""
    if value is None:
        return None
    name, sep, digest = value.partition("=")
    if sep and name.lower() in _HASH_NAMES and digest:
        return {name.lower(): digest.lower()}
    return {}


class _Joiner:
    """``urljoin`` for many hrefs against one base, with the common cases done without ``urllib``."""

    def __init__(self, base: str) -> None:
        self.base = base
        parts = urllib.parse.urlsplit(base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.segments = parts.path.split("/")[1:-1]  # the directories of the base path
        self.directory = self.origin + "/" + "".join(f"{s}/" for s in self.segments)
        self._ups: dict[int, str] = {}

    def _up(self, count: int) -> str:
        found = self._ups.get(count)
        if found is None:
            kept = self.segments[: max(0, len(self.segments) - count)]
            found = self._ups[count] = self.origin + "/" + "".join(f"{s}/" for s in kept)
        return found

    def join(self, href: str) -> str:
        if href.startswith(("https://", "http://")):
            return href
        if href.startswith("/"):
            if href.startswith("//"):
                return urllib.parse.urljoin(self.base, href)
            return self.origin + href
        rest, ups = href, 0
        while True:
            if rest.startswith("../"):
                rest, ups = rest[3:], ups + 1
            elif rest.startswith("./"):
                rest = rest[2:]
            else:
                break
        first = rest.partition("/")[0]
        if ":" in first or rest.startswith(("#", "?", ".")) or "/." in rest or not rest:
            return urllib.parse.urljoin(self.base, href)
        return self._up(ups) + rest


def _split_fragment(url: str) -> tuple[str, dict[str, str]]:
    clean, sep, fragment = url.partition("#")
    if not sep:
        return url, {}
    if fragment.startswith("sha256=") and len(fragment) == 71 and "&" not in fragment:
        return clean, {"sha256": fragment[7:].lower()}
    hashes: dict[str, str] = {}
    for name, digest in _HASH_FRAGMENT.findall(fragment):
        if name in _HASH_NAMES:
            hashes[name] = digest.lower()
    return clean, hashes


def parse_html_page(body: bytes, *, page_url: str, index_url: str) -> list[Link]:
    """The file links of a PEP 503 page (relative hrefs resolved against the page or its ``<base>``)."""
    text = body.decode("utf-8", "replace")
    base = page_url
    base_match = _BASE_TAG.search(text)
    if base_match is not None:
        href = _attributes(base_match.group(1)).get("href")
        if href:
            base = urllib.parse.urljoin(page_url, href)
    joiner = _Joiner(base)
    links: list[Link] = []
    append = links.append
    for raw in _A_TAG.findall(text):
        attrs = _attributes(raw)
        href = attrs.get("href")
        if not href:
            continue
        url, hashes = _split_fragment(joiner.join(href.strip()))
        path = url.partition("?")[0]
        filename = urllib.parse.unquote(path[path.rfind("/") + 1 :])
        if not filename:
            continue
        metadata = attrs.get("data-core-metadata")
        if metadata is None:
            metadata = attrs.get("data-dist-info-metadata")
        append(
            make_link(
                filename,
                url,
                index_url,
                hashes,
                attrs.get("data-requires-python") or None,
                attrs.get("data-yanked"),
                _metadata_hashes(metadata),
            )
        )
    return links


# -- JSON ----------------------------------------------------------------------------------------------


def _json_metadata(entry: Mapping[str, Any]) -> Mapping[str, str] | None:
    value = entry.get("core-metadata")
    if value is None:
        value = entry.get("dist-info-metadata")
    if value is None or value is False:
        return None
    if isinstance(value, Mapping):
        return {str(k).lower(): str(v).lower() for k, v in value.items()}
    return {}


def load_json_page(body: bytes, *, page_url: str, index_url: str) -> JsonPageFiles:
    """The files of a PEP 691 page, their :class:`Link` values made only when asked for; invalid or
    truncated JSON is an :class:`IndexPageError`."""
    try:
        data = json.loads(body)
        files = data["files"]
        if not isinstance(files, list):
            raise TypeError("files is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise IndexPageError(
            f"{redact(page_url)} returned an invalid JSON page ({type(error).__name__}: {error})"
            if not isinstance(error, ValueError)
            else f"{redact(page_url)} returned invalid or truncated JSON",
            hint="the index (or a proxy in between) sent a broken answer; try again, or use --refresh",
        ) from None
    return JsonPageFiles(files, page_url=page_url, index_url=index_url)


def parse_json_page(body: bytes, *, page_url: str, index_url: str) -> list[Link]:
    """The file links of a PEP 691 page; invalid or truncated JSON is an :class:`IndexPageError`."""
    return load_json_page(body, page_url=page_url, index_url=index_url).links()


#: What :meth:`JsonPageFiles.fields` gives: ``Link``'s fields in order.
LinkFields = tuple[
    str, str, str, Mapping[str, str], str | None, str | None, Mapping[str, str] | None, str | None, int | None
]


class JsonPageFiles:
    """The files of one PEP 691 page as the JSON parser left them (``entries``).

    Big pages list tens of thousands of files and a resolver looks at a few versions of each project:
    a file's :class:`Link` is made when :meth:`link` or :meth:`links` asks for it. An entry is a file when
    it is an object with ``filename`` and ``url`` (:func:`is_file_entry`); :meth:`fields` normalizes the
    rest as the HTML scanner does (relative URLs joined to the page, hashes lower-cased, ``yanked: true``
    an empty reason).
    """

    __slots__ = ("_joiner", "_links", "_lock", "entries", "index_url", "page_url")

    def __init__(self, entries: list[Any], *, page_url: str, index_url: str) -> None:
        self.entries = entries
        self.page_url = page_url
        self.index_url = index_url
        self._joiner: _Joiner | None = None
        self._links: list[Link] | None = None
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        """Whether the page lists any file."""
        if self._links is not None:
            return bool(self._links)
        return any(is_file_entry(entry) for entry in self.entries)

    def links(self) -> list[Link]:
        """Every file's link, in page order (made once)."""
        links = self._links
        if links is None:
            with self._lock:
                links = self._links
                if links is None:
                    link = self.link
                    links = self._links = [link(entry) for entry in self.entries if is_file_entry(entry)]
        return links

    def link(self, entry: Mapping[str, Any]) -> Link:
        """The link of one file entry (one that :func:`is_file_entry` accepts)."""
        return make_link(*self.fields(entry))

    def fields(self, entry: Mapping[str, Any]) -> LinkFields:
        """``Link``'s fields for one file entry (one that :func:`is_file_entry` accepts)."""
        # The common shape (str values, an absolute URL without a fragment, lower-case hashes) takes no
        # call it can skip.
        url = entry["url"]
        filename = entry["filename"]
        fragment_hashes: dict[str, str] | None = None
        if type(url) is not str or "#" in url or not url.startswith(("https://", "http://")):
            joiner = self._joiner
            if joiner is None:
                joiner = self._joiner = _Joiner(self.page_url)
            url, fragment_hashes = _split_fragment(joiner.join(str(url)))
        if type(filename) is not str:
            filename = str(filename)
        hashes = entry.get("hashes")
        if type(hashes) is dict and hashes:
            # A digest that is already lower case is kept as it is (the dict is the parser's own).
            for algorithm, digest in hashes.items():
                if type(digest) is not str or not digest.islower() or not algorithm.islower():
                    hashes = {str(k).lower(): str(v).lower() for k, v in hashes.items()}
                    break
        elif hashes and isinstance(hashes, Mapping):
            hashes = {str(k).lower(): str(v).lower() for k, v in hashes.items()}
        else:
            hashes = fragment_hashes if fragment_hashes is not None else {}
        yanked = entry.get("yanked", False)
        if yanked is not False and yanked is not None:
            yanked = "" if yanked is True else str(yanked)
        else:
            yanked = None
        metadata = entry.get("core-metadata")
        if metadata is None:
            metadata = entry.get("dist-info-metadata")
        metadata = None if metadata is None or metadata is False else _json_metadata(entry)
        upload_time = entry.get("upload-time")
        if not upload_time:
            upload_time = None
        elif type(upload_time) is not str:
            upload_time = str(upload_time)
        size = entry.get("size")
        if size is not None and not isinstance(size, int):
            size = None
        requires_python = entry.get("requires-python") or None
        return (filename, url, self.index_url, hashes, requires_python, yanked, metadata, upload_time, size)


def is_file_entry(entry: Any) -> bool:
    """Whether one item of a JSON page's ``files`` is a file (an object with ``filename`` and ``url``)."""
    return type(entry) is dict and "filename" in entry and "url" in entry


# -- names ---------------------------------------------------------------------------------------------

_ARCHIVE_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".tbz", ".txz")


def project_of_filename(filename: str) -> str | None:
    """The normalized project of a wheel or sdist file name (``None`` for other files).

    Sdist names are ambiguous (``foo-bar-1.0``); this returns the longest prefix before a part that
    starts with a digit, which :func:`matches_project` refines.
    """
    if filename.endswith(".whl"):
        return canonical_name(filename.partition("-")[0])
    lowered = filename.lower()
    for suffix in _ARCHIVE_SUFFIXES:
        if lowered.endswith(suffix):
            stem = filename[: -len(suffix)]
            parts = stem.split("-")
            for position in range(1, len(parts)):
                if parts[position][:1].isdigit():
                    return canonical_name("-".join(parts[:position]))
            return None
    return None


def matches_project(filename: str, name: str) -> bool:
    """Whether *filename* is a wheel or sdist of canonical project *name* (pip's file-name rule)."""
    if filename.endswith(".whl"):
        return canonical_name(filename.partition("-")[0]) == name
    lowered = filename.lower()
    for suffix in _ARCHIVE_SUFFIXES:
        if lowered.endswith(suffix):
            stem = canonical_name(filename[: -len(suffix)])
            return stem.startswith(name + "-") and len(stem) > len(name) + 1
    return False
