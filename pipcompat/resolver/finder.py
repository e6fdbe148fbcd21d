"""Which files of a project the target can use, grouped by version, parsed only when a name is asked for.

This is pip's link evaluation (wheel tags, format control, ``Requires-Python``, upload-time cut-off; yanked
files are kept and marked) followed by its candidate selection (specifier with the pre-release policy, then
yanked files dropped unless an ``==``/``===`` pin can only be met by them).
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import operator
import re
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import product
from typing import Any, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipcompat.index.simple import JsonPageFiles, make_link
from pipcompat.models import Link, TargetEnvironment, allowed_formats, allows_prereleases
from pipcompat.resolver.model import PackageSource, ResolveOptions

SDIST_EXTENSIONS = (
    ".tar.gz",
    ".tgz",
    ".tar",
    ".zip",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)

_BUILD_TAG = re.compile(r"(\d+)(.*)$")

_VERSIONS: dict[str, Version | None] = {}


def parse_version(text: str) -> Version | None:
    """A ``Version`` or ``None`` for an invalid one; cached (the same strings recur across projects)."""
    try:
        return _VERSIONS[text]
    except KeyError:
        pass
    try:
        version: Version | None = Version(text)
    except InvalidVersion:
        version = None
    if len(_VERSIONS) < 200_000:
        _VERSIONS[text] = version
    return version


class FileChoice(NamedTuple):
    """A usable file: its link and how good it is for the target (lower ``rank`` is better).

    A named tuple rather than a frozen dataclass: big projects have thousands of usable files, and a
    tuple is built several times faster.
    """

    link: Link
    version: Version
    is_wheel: bool
    rank: int
    build: tuple[int, str] | tuple[()] = ()


@dataclass
class VersionFiles:
    """The usable files of one version, best first."""

    version: Version
    files: list[FileChoice] = field(default_factory=list)

    @property
    def all_yanked(self) -> bool:
        # Files are kept not-yanked first, so the first file decides (any() would give the same answer).
        files = self.files
        if not files:
            return True
        if not files[0].link.is_yanked:
            return False
        return all(f.link.is_yanked for f in files)

    @property
    def has_wheel(self) -> bool:
        return any(f.is_wheel for f in self.files)

    def usable(self, allow_yanked: bool) -> list[FileChoice]:
        if allow_yanked:
            return self.files
        return [f for f in self.files if not f.link.is_yanked]


@dataclass
class ProjectFiles:
    """Everything known about one project's files for the target."""

    name: str
    link_count: int
    versions: dict[Version, VersionFiles]
    rejected: dict[str, set[Version]]
    """Why versions had no usable file, by reason: ``requires-python``, ``platform``, ``format``,
    ``upload-time``."""

    @property
    def exists(self) -> bool:
        return self.link_count > 0

    def ordered(self) -> list[Version]:
        """The usable versions, ascending (computed once: ``select`` runs for every requirement change)."""
        cached: list[Version] | None = self.__dict__.get("_ordered")
        if cached is None or len(cached) != len(self.versions):
            cached = self.__dict__["_ordered"] = sorted(self.versions, key=version_order)
        return cached


@dataclass(frozen=True)
class Selection:
    """The outcome of choosing versions for one set of specifiers: matches in ascending version order."""

    matches: list[VersionFiles]
    allow_yanked: bool


def _split_sdist(filename: str) -> str | None:
    lower = filename.lower()
    if lower.endswith(".tar.gz"):  # most of them
        return filename[:-7]
    if not lower.endswith(SDIST_EXTENSIONS):
        return None
    for ext in SDIST_EXTENSIONS:
        if lower.endswith(ext):
            return filename[: -len(ext)]
    return None


def sdist_version(stem: str, name: str) -> str | None:
    """The version part of an sdist stem ``Foo_Bar-1.0`` for canonical *name*, as pip finds it."""
    for index, char in enumerate(stem):
        if char == "-" and canonicalize_name(stem[:index]) == name:
            return stem[index + 1 :] or None
    return None


class LinkEvaluator:
    """Judges links for one target and one set of options."""

    def __init__(self, target: TargetEnvironment, options: ResolveOptions) -> None:
        self.target = target
        self.options = options
        self.tag_rank = {tag: index for index, tag in enumerate(target.tags)}
        self.python = Version(target.python_version)
        self._requires_python: dict[str, bool] = {}
        self._names: dict[str, str] = {}
        self._ranks: dict[tuple[str, str, str], int] = {}
        self._fingerprint: str | None = None

    def cache_kind(self, name: str) -> str:
        """What :meth:`project` depends on besides the links, for canonical *name*, as a short key."""
        options = self.options
        formats = allowed_formats(name, only_binary=options.only_binary, no_binary=options.no_binary)
        return f"evaluated:{self.fingerprint()}:{name}:{','.join(sorted(formats))}"

    def fingerprint(self) -> str:
        """A digest of the target and of the options that judge every project's files alike."""
        base = self._fingerprint
        if base is None:
            import packaging

            cutoff = self.options.uploaded_prior_to
            parts = (
                _EVALUATED_FORMAT,
                packaging.__version__,
                self.target.python_version,
                "1" if self.options.ignore_requires_python else "0",
                "" if cutoff is None else cutoff.isoformat(),
                *self.target.tags,
            )
            base = self._fingerprint = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return base

    def python_matches(self, requires_python: str | None) -> bool:
        if requires_python is None or self.options.ignore_requires_python:
            return True
        try:
            return self._requires_python[requires_python]
        except KeyError:
            pass
        try:
            ok = SpecifierSet(requires_python).contains(self.python, prereleases=True)
        except InvalidSpecifier:
            ok = True  # pip ignores an invalid Requires-Python
        self._requires_python[requires_python] = ok
        return ok

    def _canonical(self, text: str) -> str:
        try:
            return self._names[text]
        except KeyError:
            value = self._names[text] = canonicalize_name(text)
            return value

    def _wheel_rank(self, pythons: str, abis: str, platforms: str) -> int:
        """The best (lowest) rank of a wheel's compressed tag set; cached, as tag sets recur across files."""
        key = (pythons, abis, platforms)
        try:
            return self._ranks[key]
        except KeyError:
            pass
        worst = len(self.tag_rank)
        rank = min(
            (
                self.tag_rank.get(f"{py}-{abi}-{plat}", worst)
                for py, abi, plat in product(pythons.split("."), abis.split("."), platforms.split("."))
            ),
            default=worst,
        )
        self._ranks[key] = rank
        return rank

    def _too_new(self, link: Link) -> bool:
        cutoff = self.options.uploaded_prior_to
        if cutoff is None or link.url.startswith("file:"):
            return False
        if not link.upload_time:
            return True
        try:
            uploaded = datetime.fromisoformat(link.upload_time.replace("Z", "+00:00"))
        except ValueError:
            return True
        if uploaded.tzinfo is None:
            uploaded = uploaded.replace(tzinfo=timezone.utc)
        if cutoff.tzinfo is None:
            cutoff = cutoff.replace(tzinfo=timezone.utc)
        return uploaded >= cutoff

    def project(self, name: str, links: Iterable[Link]) -> ProjectFiles:
        """Evaluate every link of canonical *name*."""
        return self.project_groups(name, [links])

    def project_groups(self, name: str, groups: Iterable[Iterable[Link] | JsonPageFiles]) -> ProjectFiles:
        """Evaluate every file of canonical *name*, given in groups (a source's ``link_groups``).

        Every file is judged (the resolver needs every usable version, and why the others are not), but
        a usable file becomes a :class:`FileChoice` (and a JSON page's file a :class:`Link`) only when its
        version's files are first asked for.
        """
        formats = allowed_formats(
            name, only_binary=self.options.only_binary, no_binary=self.options.no_binary
        )
        rows_of: dict[Version, list[_Row]] = {}
        rejected: dict[str, set[Version]] = {}
        count = 0
        sdist_rank = len(self.tag_rank)
        # The loop runs once per file of the page (tens of thousands for big projects): the caches are
        # read inline rather than through the helper methods, which fill them on a miss.
        binary_ok = "binary" in formats
        source_ok = "source" in formats
        names = self._names
        ranks = self._ranks
        known_versions = _VERSIONS
        check_upload_time = self.options.uploaded_prior_to is not None
        ignore_requires_python = self.options.ignore_requires_python
        requires_python_ok = self._requires_python
        no_build = _NO_BUILD
        # Files come grouped by version (pages list them by file name), so most are added to the same
        # version as the one before: those skip the hashing of a ``Version`` (a Python method).
        last_version: Version | None = None
        last_rows: list[_Row] = []
        last_rejected: tuple[Version, str] | None = None
        for group in groups:
            page: JsonPageFiles | None = None
            items: Iterable[Any]
            if not isinstance(group, JsonPageFiles):
                items = group
            elif check_upload_time:  # judged on the links (their URLs and upload times)
                items = group.links()
            else:
                page, items = group, group.entries
            for item in items:
                if page is not None:
                    # A JSON page's entry, as json.loads left it (see JsonPageFiles.fields).
                    if type(item) is not dict or "url" not in item or "filename" not in item:
                        continue
                    filename = item["filename"]
                    if type(filename) is not str:
                        filename = str(filename)
                    requires_python = item.get("requires-python") or None
                    yanked = item.get("yanked", False)
                    is_yanked = yanked is not False and yanked is not None
                else:
                    filename = item.filename
                    requires_python = item.requires_python
                    is_yanked = item.yanked is not None
                count += 1
                build: tuple[int, str] | tuple[()] = ()
                neg_build = no_build
                if filename.endswith(".whl"):
                    parts = filename[:-4].split("-")
                    if len(parts) not in (5, 6):
                        continue
                    canonical = names.get(parts[0])
                    if canonical is None:
                        canonical = self._canonical(parts[0])
                    if canonical != name:
                        continue
                    text = parts[1]
                    version = known_versions[text] if text in known_versions else parse_version(text)
                    if version is None:
                        continue
                    if len(parts) == 6:
                        match = _BUILD_TAG.match(parts[2])
                        if match is None:
                            continue
                        build = (int(match.group(1)), match.group(2))
                        neg_build = (0, -build[0])
                    reason = None if binary_ok else "format"
                    rank = ranks.get((parts[-3], parts[-2], parts[-1]))
                    if rank is None:
                        rank = self._wheel_rank(parts[-3], parts[-2], parts[-1])
                    if reason is None and rank >= sdist_rank:
                        reason = "platform"
                    is_wheel = True
                else:
                    stem = _split_sdist(filename)
                    if stem is None:
                        continue
                    # The first "-" is where pip's scan (sdist_version) stops for most names.
                    prefix, _dash, text = stem.partition("-")
                    canonical = names.get(prefix)
                    if canonical is None:
                        canonical = self._canonical(prefix)
                    if canonical == name:
                        version = parse_version(text) if text else None
                    else:
                        text_or_none = sdist_version(stem, name)
                        version = parse_version(text_or_none) if text_or_none else None
                    if version is None:
                        continue
                    reason = None if source_ok else "format"
                    rank = sdist_rank
                    is_wheel = False
                if reason is None and check_upload_time and self._too_new(item):
                    reason = "upload-time"
                if reason is None and not ignore_requires_python and requires_python is not None:
                    ok = requires_python_ok.get(requires_python)
                    if ok is None:
                        ok = self.python_matches(requires_python)
                    if not ok:
                        reason = "requires-python"
                if reason is not None:
                    if last_rejected is None or last_rejected[0] is not version or last_rejected[1] != reason:
                        last_rejected = (version, reason)
                        found = rejected.get(reason)
                        if found is None:
                            found = rejected[reason] = set()
                        found.add(version)
                    continue
                row = (is_yanked, rank, neg_build, item, page, version, is_wheel, build)
                if version is last_version:
                    last_rows.append(row)
                    continue
                rows = rows_of.get(version)
                if rows is None:
                    rows = rows_of[version] = [row]
                else:
                    rows.append(row)
                last_version, last_rows = version, rows
        versions: dict[Version, VersionFiles] = {
            version: _EvaluatedVersionFiles(version, rows) for version, rows in rows_of.items()
        }
        return ProjectFiles(name, count, versions, rejected)


#: One usable file as :meth:`LinkEvaluator.project_groups` found it: its sort key (pip's order: not
#: yanked, then wheels by tag priority, then build tag, higher first; sdists last), then the link (or a
#: JSON page's entry and its page), its own version, whether it is a wheel, its build tag.
_Row = tuple[
    bool, int, tuple[int, int], Any, JsonPageFiles | None, Version, bool, tuple[int, str] | tuple[()]
]
_NO_BUILD = (1, 0)


def _row_order(row: _Row) -> tuple[bool, int, tuple[int, int]]:
    return row[0], row[1], row[2]


class _LazyVersionFiles(VersionFiles):
    """A version whose :class:`FileChoice` values (and links) are made by :meth:`_make` when its files are
    first asked for: the resolver looks at the files of a few versions of each project."""

    #: One lock for all (making one version's files is short; thousands of versions need no lock each).
    _lock = threading.Lock()
    _files: list[FileChoice] | None = None

    @property
    def files(self) -> list[FileChoice]:
        files = self._files
        if files is None:
            with self._lock:
                files = self._files
                if files is None:
                    files = self._files = self._make()
        return files

    @files.setter
    def files(self, value: list[FileChoice]) -> None:
        self._files = value

    def _make(self) -> list[FileChoice]:
        raise NotImplementedError


class _EvaluatedVersionFiles(_LazyVersionFiles):
    """A version's usable files as the evaluation found them."""

    def __init__(self, version: Version, rows: list[_Row]) -> None:
        self.version = version
        self._rows: list[_Row] | None = rows
        self._sorted = len(rows) < 2

    @property
    def all_yanked(self) -> bool:
        rows = self._rows
        if self._files is not None or rows is None:
            return super().all_yanked
        return all(row[0] for row in rows)

    @property
    def has_wheel(self) -> bool:
        rows = self._rows
        if self._files is not None or rows is None:
            return super().has_wheel
        return any(row[6] for row in rows)

    def sorted_rows(self) -> list[_Row] | None:
        """The rows in pip's order (``None`` once the files are made).

        Sorted into a new list, never in place: other threads read the rows meanwhile (``all_yanked``,
        a stored copy of the evaluation), and a list being sorted in place looks empty to them.
        """
        rows = self._rows
        if rows is not None and not self._sorted:
            rows = sorted(rows, key=_row_order)
            self._rows = rows
            self._sorted = True
        return rows

    def _make(self) -> list[FileChoice]:
        made: list[FileChoice] = []
        for _yanked, rank, _neg, item, page, version, is_wheel, build in self.sorted_rows() or ():
            link = item if page is None else page.link(item)
            made.append(FileChoice(link, version, is_wheel, rank, build))
        self._rows = None
        return made


def is_pinned(specifier: SpecifierSet) -> bool:
    """PEP 592: a ``===`` or a non-wildcard ``==`` specifier may select a yanked file."""
    for spec in specifier:
        if spec.operator == "===":
            return True
        if spec.operator == "==" and not spec.version.endswith(".*"):
            return True
    return False


def select(
    project: ProjectFiles,
    specifier: SpecifierSet,
    options: ResolveOptions,
) -> Selection:
    """The versions of *project* that *specifier* admits, as pip 26 chooses them (ascending)."""
    allow_pre = allows_prereleases(
        project.name, all_releases=options.all_releases, only_final=options.only_final
    )
    matched = list(specifier.filter(project.ordered(), prereleases=allow_pre))
    entries = [project.versions[v] for v in matched]
    all_yanked = all(entry.all_yanked for entry in entries)
    allow_yanked = all_yanked and is_pinned(specifier)
    if not allow_yanked:
        entries = [entry for entry in entries if not entry.all_yanked]
    return Selection(entries, allow_yanked)


def prerelease_versions(project: ProjectFiles, specifier: SpecifierSet) -> list[Version]:
    """Usable pre-release versions that *specifier* would accept if pre-releases were allowed."""
    return [
        v
        for v in sorted(project.versions, key=version_order)
        if v.is_prerelease and specifier.contains(v, prereleases=True) and not project.versions[v].all_yanked
    ]


_VERSION_SLOTS = ("_dev", "_epoch", "_hash_cache", "_key_cache", "_local", "_post", "_pre", "_release")


_VERSION_FIELDS = ("_epoch", "_release", "_pre", "_post", "_dev", "_local")


def _version_parts(version: Version) -> tuple[Any, ...] | None:
    """A version's parsed fields, to make it again without parsing (``None``: not possible here)."""
    if not _FAST_VERSIONS:
        return None
    return tuple(getattr(version, name) for name in _VERSION_FIELDS)


def _version_from_parts(parts: tuple[Any, ...]) -> Version:
    """The :class:`Version` whose fields :func:`_version_parts` gave, made without parsing its text
    (several times faster; warm runs make thousands)."""
    version: Version = object.__new__(Version)
    for name, value in zip(_VERSION_FIELDS, parts, strict=True):
        setattr(version, name, value)
    version._hash_cache = None
    version._key_cache = None
    return version


def _fast_versions() -> bool:
    """Whether this ``packaging`` keeps a version as the fields above (checked on one that uses them all)."""
    if tuple(sorted(getattr(Version, "__slots__", ()))) != _VERSION_SLOTS:
        return False
    try:
        sample = Version("1!2.3rc4.post5.dev6+local.7")
        parts = tuple(getattr(sample, name) for name in _VERSION_FIELDS)
        made = _version_from_parts(marshal.loads(marshal.dumps(parts)))
        return made == sample and str(made) == str(sample) and hash(made) == hash(sample)
    except Exception:
        return False


_FAST_VERSIONS = _fast_versions()


def _version_order_key() -> Callable[[Version], Any] | None:
    """A sort key that orders versions as ``<`` does, in C: ``packaging``'s own comparison key when it is a
    plain tuple of numbers (``Version.__lt__`` is a Python call per comparison: sorting the 2,000
    versions of a big project makes ~20,000 of them). ``None`` where this ``packaging`` differs."""
    key = getattr(Version, "_key", None)
    if not isinstance(key, property):
        return None
    getter = operator.attrgetter("_key")
    try:
        texts = ("1!0", "1.0.dev1", "1.0a1", "1.0", "1.0.post1", "1.0+local.2", "1.0+l")
        samples = [Version(t) for t in texts]
        if sorted(samples, key=getter) != sorted(samples) or not all(
            isinstance(getter(v), tuple) for v in samples
        ):
            return None
    except Exception:
        return None
    return getter


class _ComparedVersion:
    """A version compared with its own ``<`` (the fallback of :func:`version_order`)."""

    __slots__ = ("version",)

    def __init__(self, version: Version) -> None:
        self.version = version

    def __lt__(self, other: _ComparedVersion) -> bool:
        return self.version < other.version


#: The key :func:`sorted` orders versions by, ascending as ``<`` orders them.
version_order: Callable[[Version], Any] = _version_order_key() or _ComparedVersion


#: Bump when :meth:`LinkEvaluator.project` or the stored form below changes (``marshal`` depends on Python).
_EVALUATED_FORMAT = f"5-{sys.version_info[0]}.{sys.version_info[1]}"


def dump_project(project: ProjectFiles) -> bytes:
    """*project* as bytes for :func:`load_project` (``marshal``: the fastest form to read back).

    A file is stored as the link's fields, or, for a JSON page's file whose link was not made, as the
    page's entry itself (with the page's URLs, to make the link from it when it is loaded). Each
    version's files are marshalled on their own, inside the whole: loading reads every version but
    unmarshals the files of only those the resolver asks about (a few of hundreds or thousands). A
    CRC-32 of the whole comes first, so that damage is found at load time, not when a version is read.
    """
    index_urls: dict[str, int] = {}
    pages: dict[int, int] = {}
    page_urls: list[tuple[str, str]] = []
    rows = []
    for version, entry in project.versions.items():
        text = str(version)
        files: list[tuple[Any, ...]] = []
        evaluated = entry.sorted_rows() if isinstance(entry, _EvaluatedVersionFiles) else None
        if evaluated is not None:
            for _yanked, rank, _neg, item, page, own_version, is_wheel, build in evaluated:
                own = None if own_version is version else str(own_version)
                if own == text:
                    own = None
                if page is None:
                    files.append(_stored_link(item, is_wheel, rank, build, own, index_urls))
                    continue
                number = pages.get(id(page))
                if number is None:
                    number = pages[id(page)] = len(page_urls)
                    page_urls.append((page.page_url, page.index_url))
                files.append((item, number, is_wheel, rank, build, own))
        else:
            for choice in entry.files:
                own = str(choice.version)
                files.append(
                    _stored_link(
                        choice.link,
                        choice.is_wheel,
                        choice.rank,
                        choice.build,
                        None if own == text else own,
                        index_urls,
                    )
                )
        rows.append((text, _version_parts(version), entry.all_yanked, entry.has_wheel, marshal.dumps(files)))
    rejected = {
        reason: [(str(v), _version_parts(v)) for v in found] for reason, found in project.rejected.items()
    }
    body = marshal.dumps((project.name, project.link_count, list(index_urls), rows, rejected, page_urls))
    return zlib.crc32(body).to_bytes(4, "little") + body


def _stored_link(  # noqa: PLR0917
    link: Link,
    is_wheel: bool,
    rank: int,
    build: tuple[int, str] | tuple[()],
    own: str | None,
    index_urls: dict[str, int],
) -> tuple[Any, ...]:
    return (
        link.filename,
        link.url,
        dict(link.hashes),
        link.requires_python,
        link.yanked,
        None if link.metadata_hashes is None else dict(link.metadata_hashes),
        link.upload_time,
        link.size,
        index_urls.setdefault(link.index_url, len(index_urls)),
        is_wheel,
        rank,
        build,
        own,
    )


def load_project(data: bytes) -> ProjectFiles:
    """The :class:`ProjectFiles` that :func:`dump_project` stored; ``ValueError`` when it is unreadable.

    The files of each version are made only when that version's files are first asked for: the resolver
    looks at the files of a few versions of each project, among hundreds or thousands.
    """
    try:
        body = memoryview(data)[4:]
        if len(data) < 4 or zlib.crc32(body) != int.from_bytes(data[:4], "little"):
            raise ValueError("damaged")
        name, link_count, index_urls, rows, stored_rejected, page_urls = marshal.loads(body)
        pages = [JsonPageFiles([], page_url=url, index_url=index) for url, index in page_urls]
        versions: dict[Version, VersionFiles] = {}
        for text, parts, all_yanked, has_wheel, files in rows:
            version = _stored_version(text, parts)
            versions[version] = _StoredVersionFiles(version, files, index_urls, pages, all_yanked, has_wheel)
        rejected = {
            reason: {_stored_version(text, parts) for text, parts in found}
            for reason, found in stored_rejected.items()
        }
    except (EOFError, TypeError, IndexError, InvalidVersion) as error:
        raise ValueError(str(error)) from None
    return ProjectFiles(name, link_count, versions, rejected)


def _stored_version(text: str, parts: tuple[Any, ...] | None) -> Version:
    """The version :func:`dump_project` stored as its text and :func:`_version_parts` (made once per
    process and text)."""
    known = _VERSIONS
    version = known.get(text)
    if version is None:
        version = _version_from_parts(parts) if parts is not None else parse_version(text)
        if version is None:
            raise ValueError(text)
        if len(known) < 200_000:
            known[text] = version
    return version


class _StoredVersionFiles(_LazyVersionFiles):
    """A version's files as :func:`dump_project` stored them."""

    def __init__(  # noqa: PLR0917
        self,
        version: Version,
        rows: bytes,
        index_urls: list[str],
        pages: list[JsonPageFiles],
        all_yanked: bool,
        has_wheel: bool,
    ) -> None:
        self.version = version
        self._rows: bytes | None = rows
        self._index_urls = index_urls
        self._pages = pages
        self._all_yanked = bool(all_yanked)
        self._has_wheel = bool(has_wheel)

    @property
    def all_yanked(self) -> bool:
        return self._all_yanked if self._files is None else super().all_yanked

    @property
    def has_wheel(self) -> bool:
        return self._has_wheel if self._files is None else super().has_wheel

    def _make(self) -> list[FileChoice]:
        version = self.version
        index_urls = self._index_urls
        pages = self._pages
        made: list[FileChoice] = []
        rows: list[Any] = marshal.loads(self._rows) if self._rows is not None else []
        for row in rows:
            if len(row) == 6:  # a JSON page's entry
                entry, page, is_wheel, rank, build, own = row
                link = pages[page].link(entry)
            else:
                (
                    filename,
                    url,
                    hashes,
                    requires_python,
                    yanked,
                    metadata_hashes,
                    upload_time,
                    size,
                    index,
                    is_wheel,
                    rank,
                    build,
                    own,
                ) = row
                link = make_link(
                    filename,
                    url,
                    index_urls[index],
                    hashes,
                    requires_python,
                    yanked,
                    metadata_hashes,
                    upload_time,
                    size,
                )
            made.append(FileChoice(link, version if own is None else Version(own), is_wheel, rank, build))
        self._rows = None
        return made


class ProjectCache:
    """Per-name cache of evaluated files, filled on first request.

    When the source can keep data derived from unchanged pages (the index client's ``derived`` /
    ``store_derived``), the evaluation for this target is kept there too: a warm run whose pages did not
    change loads it instead of parsing and judging every file of every page again.
    """

    def __init__(self, source: PackageSource, evaluator: LinkEvaluator) -> None:
        self.source = source
        self.evaluator = evaluator
        self._projects: dict[str, ProjectFiles] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str) -> ProjectFiles:
        """The project's evaluated files; safe from several threads (a project is evaluated once)."""
        try:
            return self._projects[name]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            project = self._projects.get(name)
            if project is None:
                project = self._projects[name] = self._evaluate(name)
            return project

    def _evaluate(self, name: str) -> ProjectFiles:
        derived: Callable[[str, str], bytes | None] | None = getattr(self.source, "derived", None)
        store: Callable[[str, str, Callable[[], bytes]], None] | None = getattr(
            self.source, "store_derived", None
        )
        if derived is None or store is None:
            return self._judge(name)
        kind = self.evaluator.cache_kind(name)
        data = derived(name, kind)
        if data is not None:
            try:
                project = load_project(data)
            except ValueError:
                pass
            else:
                if project.name == name:
                    return project
        project = self._judge(name)
        # Written for a later run: made on the cache writer's thread, off the path of this one (the
        # look-ahead or the resolver, which go on to the project's metadata).
        store(name, kind, functools.partial(dump_project, project))
        return project

    def _judge(self, name: str) -> ProjectFiles:
        groups: Callable[[str], Iterable[Iterable[Link] | JsonPageFiles]] | None = getattr(
            self.source, "link_groups", None
        )
        if groups is not None:
            return self.evaluator.project_groups(name, groups(name))
        return self.evaluator.project(name, self.source.links(name))

    def known(self, name: str) -> ProjectFiles | None:
        return self._projects.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._projects))
