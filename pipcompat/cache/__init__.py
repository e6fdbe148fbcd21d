"""The one global cache: versioned buckets, atomic writes, cross-process locks.

Layout (under the cache root)::

    http-v2/          HTTP responses and their freshness (mutable: revalidated in place, atomically)
    metadata-v2/      core metadata of candidates, keyed by index file URL or hash
    archives-v1/      downloaded wheels, unpacked once, immutable, keyed by content hash
    built-v1/         wheels built from sdists and source trees
    interpreters-v1/  interpreter probes, keyed by path and mtime
    git-v1/           bare mirrors of git repositories (``db/``, fetched under a lock) and immutable
                      checkouts of their commits (``checkouts/``): see :mod:`pipcompat.dist.vcs`

Entries of ``http`` and ``metadata`` sit directly in their bucket; those of the other buckets two levels of
shard directories down (``ab/cd/abcd…``): see :data:`SHARD_LEVELS`. Entries appear by atomic rename and are
never edited in place (except in ``http``), so several pipcompat processes can share one cache. Writers
take a :func:`Cache.lock` on the entry they are creating.

A command holds :meth:`Cache.shared` (a shared lock on ``<root>/.lock``) for as long as it uses the cache;
``pipcompat cache clean`` and ``prune`` take :meth:`Cache.exclusive`, so they wait for running installs and
installs wait for them. :func:`open_cache` does both jobs for a command: the cache at a root, or a
temporary one removed at exit when the cache is disabled (``--no-cache-dir``). Cleaning, pruning and
sizes live in :mod:`pipcompat.cache.manage`.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipcompat.fsutil import replace_file

Bucket = Literal["http", "metadata", "archives", "built", "interpreters", "git"]

#: Bump a bucket's version when the format of its entries changes; old buckets are left for ``prune``.
BUCKET_VERSIONS: dict[str, int] = {
    "http": 2,
    "metadata": 2,
    "archives": 1,
    "built": 1,
    "interpreters": 1,
    "git": 1,
}

#: The whole-cache lock file (shared by commands, exclusive for ``clean``/``prune``).
ROOT_LOCK = ".lock"


def digest_key(*parts: str) -> str:
    """A short, filesystem-safe key for arbitrary strings (URLs, paths)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


#: Levels of two-hex-digit shard directories above a bucket's entries (``ab/cd/abcd…`` for 2). A cold
#: resolve writes several hundred small ``http`` and ``metadata`` entries at once, and on ext4 every new
#: directory takes a block and a file created in a directory made moments before costs several times one
#: created in a directory already there: with two levels, a cold data-science resolve made ~550 shard
#: directories for ~480 entries and then waited 0.4-0.9 s for its cache writes (``docs/cache.md``).
#: Entries that are directory trees (unpacked wheels, builds) keep their shards: each entry makes a tree
#: of its own anyway. (``git`` has a layout of its own.)
SHARD_LEVELS: dict[str, int] = {
    "http": 0,
    "metadata": 0,
    "archives": 2,
    "built": 2,
    "interpreters": 2,
}


def sharded(key: str, levels: int = 2) -> Path:
    """*key* below *levels* shard directories named by its leading pairs of characters (``ab/cd/abcd…``)."""
    return Path(*(key[2 * level : 2 * level + 2] for level in range(levels)), key)


@dataclass(frozen=True)
class Cache:
    """A cache rooted at ``root`` (``--no-cache-dir`` gives the command a temporary root instead)."""

    root: Path

    def bucket(self, name: Bucket) -> Path:
        return self.root / f"{name}-v{BUCKET_VERSIONS[name]}"

    def entry(self, bucket: Bucket, key: str) -> Path:
        return self.bucket(bucket) / sharded(key, SHARD_LEVELS[bucket])

    @contextlib.contextmanager
    def lock(self, path: Path) -> Iterator[None]:
        """Hold a cross-process lock for creating *path* (a sibling ``.lock`` file)."""
        from filelock import FileLock

        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            yield

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the whole-cache lock shared: any number of commands at once, but no ``clean``/``prune``.

        A cache that cannot hold a lock file (read-only) is used without one.
        """
        with _root_lock(self.root, exclusive=False, waiting=None):
            yield

    @contextlib.contextmanager
    def exclusive(self, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the whole-cache lock alone; *waiting* is called once if another process holds it first."""
        with _root_lock(self.root, exclusive=True, waiting=waiting):
            yield


@contextlib.contextmanager
def _root_lock(root: Path, *, exclusive: bool, waiting: Callable[[], None] | None) -> Iterator[None]:
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / ROOT_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        if exclusive:
            raise
        yield
        return
    try:
        if sys.platform == "win32":  # pragma: no cover - no shared locks there: only clean/prune lock
            if not exclusive:
                yield
                return
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                if waiting is not None:
                    waiting()
                while True:
                    try:
                        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                        break
                    except OSError:
                        continue
            yield
            return
        import fcntl

        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except OSError:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def open_cache(root: Path | None) -> Iterator[Cache]:
    """The cache a command uses, held shared while the block runs.

    *root* ``None`` (``--no-cache-dir``) gives a fresh temporary cache, removed when the block ends.
    """
    if root is None:
        temp = Path(tempfile.mkdtemp(prefix="pipcompat-cache-"))
        try:
            yield Cache(temp)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
        return
    cache = Cache(root)
    with cache.shared():
        yield cache


def write_atomic(path: Path, data: bytes | tuple[bytes, ...]) -> None:
    """Write a cache entry (bytes, or parts one after the other) so that readers see the old file or the
    new one, never a part."""
    replace_file(path, data)


#: What :class:`BackgroundWriter` writes: bytes, parts written one after the other, or a function making
#: either.
EntryData = bytes | tuple[bytes, ...] | Callable[[], bytes | tuple[bytes, ...]]


class BackgroundWriter:
    """Cache entries written with :func:`write_atomic` by one thread, in order, while there is work.

    For entries that a later run (or a later request) reads and the thread making them need not wait for:
    on a loaded machine every system call that drops the GIL waits to get it back. An entry's data may be
    given as a function that makes it, called on the writer's thread (for data only a later run reads, so
    that making it is not on the path of the thread that has it). The thread is not a daemon, so the
    interpreter waits for it at exit and nothing queued is lost; :meth:`flush` waits for what is queued.
    Errors are ignored (a read-only or full cache must not fail a command).

    A long queue left at :meth:`flush` (a cold resolve ends with a few hundred entries queued: the writer
    gets the GIL seldom while the resolve runs) is written by several threads, one path per thread at a
    time and each path's entries in the order given, so the result is the one the single thread would have
    left: creating a file is mostly kernel work, which runs on every CPU at once.
    """

    #: Entries queued at :meth:`flush` from which several threads write them.
    PARALLEL_FLUSH = 32
    #: Threads writing a long queue at :meth:`flush`.
    FLUSH_THREADS = 4

    def __init__(self) -> None:
        self._queue: collections.deque[tuple[Path, EntryData]] = collections.deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: A flush is writing the queue itself: the single thread stops and is not started again.
        self._handover = False

    def write(self, path: Path, data: EntryData) -> None:
        with self._lock:
            self._queue.append((path, data))
            if self._thread is None and not self._handover:
                self._thread = threading.Thread(target=self._run, name="pipcompat-cache-writer")
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._queue or self._handover:
                    self._thread = None
                    return
                path, data = self._queue.popleft()
            _write_entry(path, data)

    def flush(self) -> None:
        """Wait until everything queued so far is written."""
        while True:
            with self._lock:
                thread = self._thread
                if thread is threading.current_thread() or (thread is None and not self._queue):
                    return
                self._handover = len(self._queue) >= self.PARALLEL_FLUSH
                if thread is None and not self._handover:
                    thread = self._thread = threading.Thread(target=self._run, name="pipcompat-cache-writer")
                    thread.start()
            if thread is not None:
                thread.join()  # when handing over, it stops after the entry it is writing
            with self._lock:
                if not self._handover:
                    continue
                items = list(self._queue)
                self._queue.clear()
            try:
                self._write_in_parallel(items)
            finally:
                with self._lock:
                    self._handover = False
                    if self._queue and self._thread is None:  # queued meanwhile by other threads
                        self._thread = threading.Thread(target=self._run, name="pipcompat-cache-writer")
                        self._thread.start()

    def _write_in_parallel(self, items: list[tuple[Path, EntryData]]) -> None:
        by_path: dict[Path, list[EntryData]] = {}
        for path, data in items:
            by_path.setdefault(path, []).append(data)
        work = collections.deque(by_path.items())

        def drain() -> None:
            while True:
                try:
                    path, entries = work.popleft()
                except IndexError:
                    return
                for data in entries:
                    _write_entry(path, data)

        helpers = [
            threading.Thread(target=drain, name="pipcompat-cache-flush")
            for _ in range(min(self.FLUSH_THREADS, len(work)) - 1)
        ]
        for helper in helpers:
            helper.start()
        try:
            drain()
        finally:
            for helper in helpers:
                helper.join()


def _write_entry(path: Path, data: EntryData) -> None:
    if callable(data):
        try:
            data = data()
        except Exception:  # a copy for a later run: never worth failing or littering a command
            return
    with contextlib.suppress(OSError, ValueError):
        write_atomic(path, data)


@contextlib.contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Yield a temporary directory that becomes *path* when the block succeeds.

    If another process created *path* first, its entry wins and ours is discarded (entries are immutable
    and equal by construction, being keyed by content).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        yield temp
        try:
            os.rename(temp, path)
        except OSError:
            if not path.is_dir():
                raise
            shutil.rmtree(temp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
