"""The one global cache: versioned buckets, atomic writes, cross-process locks.

Layout (under the cache root)::

    http-v1/          HTTP responses and their freshness (mutable: revalidated in place, atomically)
    metadata-v1/      core metadata of candidates, keyed by index file URL or hash
    archives-v1/      downloaded wheels, unpacked once, immutable, keyed by content hash
    built-v1/         wheels built from sdists and source trees
    interpreters-v1/  interpreter probes, keyed by path and mtime

Entries appear by atomic rename and are never edited in place (except in ``http``), so several pipcompat
processes can share one cache. Writers take a :func:`Cache.lock` on the entry they are creating.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Bucket = Literal["http", "metadata", "archives", "built", "interpreters"]

#: Bump a bucket's version when the format of its entries changes; old buckets are left for ``prune``.
BUCKET_VERSIONS: dict[str, int] = {
    "http": 1,
    "metadata": 1,
    "archives": 1,
    "built": 1,
    "interpreters": 1,
}


def digest_key(*parts: str) -> str:
    """A short, filesystem-safe key for arbitrary strings (URLs, paths)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def sharded(key: str) -> Path:
    """``ab/cd/abcdef…``: keeps directories small."""
    return Path(key[:2], key[2:4], key)


@dataclass(frozen=True)
class Cache:
    """A cache rooted at ``root`` (``--no-cache-dir`` gives the command a temporary root instead)."""

    root: Path

    def bucket(self, name: Bucket) -> Path:
        return self.root / f"{name}-v{BUCKET_VERSIONS[name]}"

    def entry(self, bucket: Bucket, key: str) -> Path:
        return self.bucket(bucket) / sharded(key)

    @contextlib.contextmanager
    def lock(self, path: Path) -> Iterator[None]:
        """Hold a cross-process lock for creating *path* (a sibling ``.lock`` file)."""
        from filelock import FileLock

        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            yield


def write_atomic(path: Path, data: bytes) -> None:
    """Write *data* to *path* so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


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
