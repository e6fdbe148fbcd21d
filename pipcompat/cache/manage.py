"""Looking after the cache: what it holds, ``clean`` (everything, or one project's entries) and ``prune``.

Entries are attributed to projects by what they hold, so keys stay content-addressed (no index to keep in
step, nothing extra for writers to do):

- ``archives``: an unpacked wheel's ``manifest.json`` names its wheel file; a seeded (bundled) wheel's
  ``files/`` tree holds one ``<name>-<version>.dist-info`` directory;
- ``built``: the wheel files inside the entry;
- ``metadata``: the ``Name:`` field of the core metadata the entry holds;
- ``http``: a stored page records the URL it came from (``…/simple/<project>/``); a parsed page holds the
  file names it lists;
- ``interpreters``: probes belong to no project (``clean`` without names removes them, ``prune`` removes
  those whose interpreter is gone).

Every removal first renames the entry aside (an atomic step: readers see the whole entry or none) and
then deletes it. :func:`clean` and :func:`prune` run under :meth:`Cache.exclusive`, so they never pull an
entry from under a command that holds :meth:`Cache.shared` (every command does, via :func:`open_cache`).
"""

from __future__ import annotations

import contextlib
import email.parser
import json
import marshal
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipcompat.cache import BUCKET_VERSIONS, ROOT_LOCK, SHARD_LEVELS, Bucket, Cache

#: Name endings of temporary files and directories (atomic writes, downloads, entries set aside).
TEMP_SUFFIXES = (".tmp", ".part", ".bad")
LOCK_SUFFIX = ".lock"
#: ``prune`` removes ``http`` entries (pages and what was derived from them) not written for this long.
HTTP_UNUSED_DAYS = 30
_BUCKET_DIR = re.compile(r"^(?P<name>[a-z]+)-v(?P<version>\d+)$")
_SDIST_EXTENSIONS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")
BUCKETS: tuple[Bucket, ...] = ("http", "metadata", "archives", "built", "interpreters")
WAITING_MESSAGE = "Cache is currently in use, waiting for other pipcompat processes to finish"


def canonical_name(name: str) -> str:
    """PEP 503 normalisation (``Foo_Bar`` → ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- sizes and counts -----------------------------------------------------------------------------------
@dataclass
class Removal:
    """What a removal freed: files, directories and bytes (``st_size`` of each file)."""

    files: int = 0
    dirs: int = 0
    bytes: int = 0
    paths: list[Path] = field(default_factory=list)
    """The top-level paths removed (entries, buckets, leftovers), in the order they went."""

    def add(self, other: Removal) -> None:
        self.files += other.files
        self.dirs += other.dirs
        self.bytes += other.bytes
        self.paths += other.paths

    @property
    def empty(self) -> bool:
        return not (self.files or self.dirs)


def measure(path: Path) -> Removal:
    """Files, directories and bytes under *path* (a file counts as one file), not following links."""
    found = Removal()
    try:
        info = path.lstat()
    except OSError:
        return found
    if not path.is_dir() or path.is_symlink():
        found.files, found.bytes = 1, info.st_size
        return found
    found.dirs = 1
    for directory, dirnames, filenames in os.walk(path):
        found.dirs += len(dirnames)
        for filename in filenames:
            found.files += 1
            with contextlib.suppress(OSError):
                found.bytes += os.lstat(os.path.join(directory, filename)).st_size
        # symlinked directories are listed in dirnames but not walked into: count them as files instead
        for dirname in dirnames:
            if os.path.islink(os.path.join(directory, dirname)):
                found.dirs -= 1
                found.files += 1
    return found


def directory_size(path: Path) -> int:
    return measure(path).bytes


def remove_path(path: Path) -> Removal:
    """Remove a file or a tree, atomically from a reader's point of view; report what went."""
    found = measure(path)
    if not found.files and not found.dirs:
        return found
    if path.is_dir() and not path.is_symlink():
        aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
        try:
            os.replace(path, aside / "entry")
        except OSError:
            shutil.rmtree(aside, ignore_errors=True)
            if not path.exists():
                return Removal()
            raise
        shutil.rmtree(aside, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            return Removal()
    found.paths = [path]
    return found


# -- entries ---------------------------------------------------------------------------------------------
def is_temporary(name: str) -> bool:
    return name.endswith(TEMP_SUFFIXES)


def shard_levels(bucket_dir: Path) -> int:
    """How many shard directories sit above the entries of the bucket at *bucket_dir* (by its name,
    ``http-v2``); old versions of a bucket are only ever removed whole."""
    match = _BUCKET_DIR.match(bucket_dir.name)
    return SHARD_LEVELS.get(match["name"], 2) if match else 2


def entry_parents(bucket_dir: Path) -> list[Path]:
    """The directories that hold a bucket's entries: the bucket itself, or its innermost shards."""
    parents = [bucket_dir]
    for _level in range(shard_levels(bucket_dir)):
        parents = [
            child
            for parent in parents
            for child in _children(parent)
            if child.is_dir() and not is_temporary(child.name)
        ]
    return parents


def iter_entries(bucket_dir: Path) -> Iterator[Path]:
    """The entries of a bucket (``<key>`` or ``ab/cd/<key>``), without lock files and temporary leftovers."""
    for parent in entry_parents(bucket_dir):
        for entry in _children(parent):
            if entry.name.endswith(LOCK_SUFFIX) or is_temporary(entry.name):
                continue
            yield entry


def _children(path: Path) -> list[Path]:
    try:
        return sorted(path.iterdir())
    except OSError:
        return []


def _wheel_project(filename: str) -> str | None:
    if filename.endswith(".whl") and filename.count("-") >= 4:
        return canonical_name(filename.split("-", 1)[0])
    return None


def _file_project(filename: str) -> str | None:
    project = _wheel_project(filename)
    if project is not None:
        return project
    lower = filename.lower()
    for extension in _SDIST_EXTENSIONS:
        if lower.endswith(extension):
            stem = filename[: -len(extension)]
            name, dash, _version = stem.rpartition("-")
            return canonical_name(name) if dash and name else None
    return None


def _dist_info_project(tree: Path) -> str | None:
    for child in _children(tree):
        if child.name.endswith(".dist-info") and child.is_dir():
            name, dash, _version = child.name[: -len(".dist-info")].rpartition("-")
            if dash:
                return canonical_name(name)
    return None


def archive_wheel_name(entry: Path) -> str | None:
    """The wheel file name an ``archives`` entry was unpacked from (rebuilt from ``WHEEL`` for seeds)."""
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        return str(manifest["wheel"])
    files = entry / "files"
    for child in _children(files):
        if child.name.endswith(".dist-info") and child.is_dir():
            stem = child.name[: -len(".dist-info")]
            with contextlib.suppress(OSError):
                wheel = email.parser.Parser().parsestr((child / "WHEEL").read_text(encoding="utf-8"))
                tags = [str(tag) for tag in wheel.get_all("Tag") or []]
                if tags:
                    pythons = ".".join(dict.fromkeys(t.split("-")[0] for t in tags))
                    abis = ".".join(dict.fromkeys(t.split("-")[1] for t in tags))
                    platforms = ".".join(dict.fromkeys(t.split("-")[2] for t in tags))
                    return f"{stem}-{pythons}-{abis}-{platforms}.whl"
            return f"{stem}-py3-none-any.whl"
    return None


def entry_projects(bucket: str, entry: Path) -> set[str]:
    """The projects (canonical names) an entry belongs to; empty when it belongs to none or is unreadable."""
    if bucket == "archives":
        wheel = archive_wheel_name(entry)
        project = _wheel_project(wheel) if wheel else None
        return {project} if project else set()
    if bucket == "built":
        if entry.is_file():
            project = _file_project(entry.name)
            return {project} if project else set()
        found = set()
        for _directory, _dirs, filenames in os.walk(entry):
            found |= {p for p in map(_file_project, filenames) if p}
        return found
    if bucket == "metadata":
        with contextlib.suppress(OSError):
            with open(entry, "rb") as stream:
                head = stream.read(64 * 1024)
            name = email.parser.BytesHeaderParser().parsebytes(head.partition(b"\n\n")[0]).get("Name")
            if name:
                return {canonical_name(str(name).strip())}
        return set()
    if bucket == "http":
        return _http_projects(entry)
    return set()


def _http_projects(entry: Path) -> set[str]:
    try:
        data = entry.read_bytes()
    except OSError:
        return set()
    head, newline, _body = data.partition(b"\n")
    if newline and head.startswith(b"{"):
        with contextlib.suppress(ValueError, AttributeError):
            url = str(json.loads(head).get("url", ""))
            path = re.split(r"[?#]", url, maxsplit=1)[0]
            segments = [s for s in path.split("/") if s]
            return {canonical_name(segments[-1])} if segments else set()
    with contextlib.suppress(ValueError, EOFError, TypeError, IndexError):
        rows = marshal.loads(data)
        return {p for p in (_file_project(str(row[0])) for row in rows) if p}
    return set()


# -- what the cache holds --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BucketInfo:
    name: str
    path: Path
    entries: int
    size: int


def bucket_info(cache: Cache, bucket: Bucket) -> BucketInfo:
    path = cache.bucket(bucket)
    entries = sum(1 for _ in iter_entries(path))
    return BucketInfo(bucket, path, entries, directory_size(path))


def cached_wheels(cache: Cache) -> list[tuple[str, Path]]:
    """Every wheel the cache holds: ``(wheel file name, path)``, unpacked entries and built wheels."""
    found: list[tuple[str, Path]] = []
    for entry in iter_entries(cache.bucket("archives")):
        name = archive_wheel_name(entry)
        if name:
            found.append((name, entry))
    for directory, _dirs, filenames in os.walk(cache.bucket("built")):
        for filename in filenames:
            if filename.endswith(".whl") and not is_temporary(filename):
                found.append((filename, Path(directory, filename)))
    return found


# -- clean and prune -------------------------------------------------------------------------------------
def clean(
    cache: Cache, packages: Iterable[str] | None = None, *, waiting: Callable[[], None] | None = None
) -> dict[str, Removal]:
    """Remove everything (*packages* ``None``: the key ``""``) or the entries of each named project.

    Returns what was removed, per requested name (as given).
    """
    if not cache.root.exists():
        return {"": Removal()} if packages is None else {name: Removal() for name in packages}
    with cache.exclusive(waiting):
        if packages is None:
            total = Removal()
            for child in _children(cache.root):
                if child.name != ROOT_LOCK:
                    total.add(remove_path(child))
            return {"": total}
        wanted = {name: canonical_name(name) for name in packages}
        removed = {name: Removal() for name in wanted}
        owners: dict[str, list[str]] = {}
        for name, project in wanted.items():
            owners.setdefault(project, []).append(name)
        for bucket in BUCKETS:
            for entry in iter_entries(cache.bucket(bucket)):
                for project in entry_projects(bucket, entry) & owners.keys():
                    gone = remove_entry(cache, entry)
                    removed[owners[project][0]].add(gone)
                    break
        remove_empty_dirs(cache)
        return removed


def remove_entry(cache: Cache, entry: Path) -> Removal:
    with cache.lock(entry):
        gone = remove_path(entry)
    lock = Path(str(entry) + LOCK_SUFFIX)
    with contextlib.suppress(OSError):
        lock.unlink()
    return gone


def prune(cache: Cache, *, waiting: Callable[[], None] | None = None) -> Removal:
    """Remove what no command will use again.

    - buckets of older versions (``archives-v0`` once ``archives-v1`` is current; a newer version's
      bucket belongs to a newer pipcompat sharing the cache, and stays);
    - temporary leftovers (``*.tmp``, ``*.part``, ``*.bad``) of processes that died;
    - partial ``archives`` entries (neither a manifest nor a seeded ``files`` tree);
    - lock files whose entry does not exist;
    - interpreter probes of interpreters that are gone (and the no-op audits remembered beside them);
    - in the ``git`` bucket, half-made mirrors and checkouts and their stale locks (never anything inside a
      repository: git keeps empty directories of its own);
    - ``http`` entries not written for :data:`HTTP_UNUSED_DAYS` days: pages kept for revalidation, and what
      was derived from pages (kept evaluations, notes), of which every new version of a page leaves one
      more: whatever is still needed is fetched or computed again;
    - directories left empty.
    """
    total = Removal()
    if not cache.root.exists():
        return total
    with cache.exclusive(waiting):
        for child in _children(cache.root):
            match = _BUCKET_DIR.match(child.name)
            # a bucket name this version does not know may belong to a newer pipcompat: left alone
            old_bucket = (
                match is not None
                and match["name"] in BUCKET_VERSIONS
                and int(match["version"]) < BUCKET_VERSIONS[match["name"]]
            )
            if (child.is_dir() and old_bucket) or is_temporary(child.name):
                total.add(remove_path(child))
        for bucket in BUCKETS:
            total.add(_prune_bucket(cache, bucket))
        total.add(_prune_git(cache))
        total.dirs += remove_empty_dirs(cache)
    return total


def _prune_git(cache: Cache) -> Removal:
    """The ``git`` bucket is ``db/<repository key>`` (bare mirrors) and ``checkouts/<key>/<commit>``
    (:mod:`pipcompat.dist.vcs`), each made in a ``.<name>.*.tmp`` sibling then renamed, next to its
    ``<name>.lock``: remove those siblings when a process died, and empty ``checkouts/<key>`` directories."""
    total = Removal()
    git_dir = cache.bucket("git")

    def tidy(parent: Path) -> None:
        for child in _children(parent):
            orphan_lock = (
                child.name.endswith(LOCK_SUFFIX) and not Path(str(child)[: -len(LOCK_SUFFIX)]).exists()
            )
            if is_temporary(child.name) or orphan_lock:
                total.add(remove_path(child))

    tidy(git_dir / "db")
    tidy(git_dir / "checkouts")
    for key_dir in _children(git_dir / "checkouts"):
        if key_dir.is_dir():
            tidy(key_dir)
            with contextlib.suppress(OSError):
                key_dir.rmdir()
                total.dirs += 1
    return total


def _prune_bucket(cache: Cache, bucket: Bucket) -> Removal:
    total = Removal()
    bucket_dir = cache.bucket(bucket)
    if not bucket_dir.is_dir():
        return total
    # temporary leftovers, at any depth (a directory set aside is removed whole)
    for directory, dirnames, filenames in os.walk(bucket_dir):
        for name in list(dirnames):
            if is_temporary(name):
                dirnames.remove(name)
                total.add(remove_path(Path(directory, name)))
        for name in filenames:
            if is_temporary(name):
                total.add(remove_path(Path(directory, name)))
        if bucket == "archives" and Path(directory) != bucket_dir:
            # look at an entry's own top level, not inside its tree (a wheel may hold ``.tmp`` files)
            depth = len(Path(directory).relative_to(bucket_dir).parts)
            if depth > SHARD_LEVELS["archives"]:
                dirnames.clear()
    limit = time.time() - HTTP_UNUSED_DAYS * 86400
    for entry in iter_entries(bucket_dir):
        partial = bucket == "archives" and entry.is_dir() and not _complete_archive(entry)
        if (
            partial
            or (bucket == "interpreters" and _probe_is_stale(entry))
            or (bucket == "http" and _written_before(entry, limit))
        ):
            total.add(remove_entry(cache, entry))
    for parent in entry_parents(bucket_dir):
        for lock in _children(parent):
            if lock.name.endswith(LOCK_SUFFIX) and not Path(str(lock)[: -len(LOCK_SUFFIX)]).exists():
                total.add(remove_path(lock))
    return total


def _written_before(entry: Path, limit: float) -> bool:
    try:
        return entry.stat().st_mtime < limit
    except OSError:
        return False


def _complete_archive(entry: Path) -> bool:
    return (entry / "manifest.json").is_file() or (entry / "files").is_dir()


def _probe_is_stale(entry: Path) -> bool:
    """A probe whose interpreter is gone; a no-op install's remembered audit (``<key>.audit``, see
    :mod:`pipcompat.cli.install_noop`) goes with its probe (``<key>.json``)."""
    if entry.suffix == ".audit":
        probe = entry.with_suffix(".json")
        return not probe.is_file() or _probe_is_stale(probe)
    try:
        data = json.loads(entry.read_bytes())
        executable = data["executable"]
    except (OSError, ValueError, KeyError, TypeError):
        return True
    return not isinstance(executable, str) or not os.path.exists(executable)


def remove_empty_dirs(cache: Cache) -> int:
    """Remove empty shard directories under every bucket (bottom up); return how many went."""
    removed = 0
    for bucket in BUCKETS:
        bucket_dir = cache.bucket(bucket)
        if not SHARD_LEVELS[bucket]:
            continue
        for first in _children(bucket_dir):
            if not first.is_dir():
                continue
            for second in _children(first):
                if second.is_dir():
                    with contextlib.suppress(OSError):
                        second.rmdir()
                        removed += 1
            with contextlib.suppress(OSError):
                first.rmdir()
                removed += 1
    return removed


# -- formatting ------------------------------------------------------------------------------------------
def human_bytes(size: int) -> str:
    """uv's sizes: ``512B``, ``1.5KiB``, ``12.0MiB``."""
    if size < 1024:
        return f"{size}B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f}{unit}"
    raise AssertionError("unreachable")


def describe_removal(removal: Removal, *, empty: str, suffix: str = "") -> str:
    """``Removed 12 files (1.5MiB)``, ``Removed 1 directory``, or *empty* (uv's summary line)."""
    if removal.files == 0 and removal.dirs == 0:
        return empty
    if removal.files == 0:
        text = "Removed 1 directory" if removal.dirs == 1 else f"Removed {removal.dirs} directories"
    else:
        text = "Removed 1 file" if removal.files == 1 else f"Removed {removal.files} files"
    text += suffix
    if removal.bytes:
        text += f" ({human_bytes(removal.bytes)})"
    return text
