"""Put one file of a cache entry into an environment: hardlink, reflink, copy or symlink.

``hardlink`` (the default) falls back to a reflink (``FICLONE``, copy-on-write on btrfs/XFS) and then to a
plain copy when the cache is on another filesystem or links are not allowed; once a fallback was needed
for a destination device, later files go straight to it. ``copy`` tries a reflink first. ``symlink``
points into the cache (fast, but the environment then depends on the cache staying in place).
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

LinkMode = Literal["hardlink", "copy", "symlink"]
LINK_MODES: tuple[LinkMode, ...] = ("hardlink", "copy", "symlink")

_FICLONE = 0x40049409  # _IOW(0x94, 9, int) on Linux
_NO_HARDLINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP}

_lock = threading.Lock()
_no_hardlinks: set[tuple[int, int]] = set()
_no_reflinks: set[tuple[int, int]] = set()


def _devices(src: Path, dst: Path) -> tuple[int, int]:
    return (os.stat(src).st_dev, os.stat(dst.parent).st_dev)


def _reflink(src: Path, dst: Path) -> bool:
    if not hasattr(os, "O_CLOEXEC") or os.name != "posix":
        return False
    try:
        import fcntl
    except ImportError:
        return False
    try:
        with open(src, "rb") as source, open(dst, "wb") as target:
            fcntl.ioctl(target.fileno(), _FICLONE, source.fileno())
    except OSError:
        try:
            os.unlink(dst)
        except OSError:
            pass
        return False
    shutil.copymode(src, dst)
    return True


def _copy(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    shutil.copymode(src, dst)


def link_file(src: Path, dst: Path, mode: LinkMode = "hardlink") -> str:
    """Create *dst* (which must not exist) from *src*; return how (``hardlink``, ``reflink``, ``copy``...)."""
    if mode == "symlink":
        os.symlink(src, dst)
        return "symlink"
    pair = _devices(src, dst)
    if mode == "hardlink" and pair not in _no_hardlinks:
        try:
            os.link(src, dst)
            return "hardlink"
        except OSError as exc:
            if exc.errno not in _NO_HARDLINK:
                raise
            with _lock:
                _no_hardlinks.add(pair)
    if pair not in _no_reflinks:
        if _reflink(src, dst):
            return "reflink"
        with _lock:
            _no_reflinks.add(pair)
    _copy(src, dst)
    return "copy"


def link_many(
    src_root: str, dst_root: str, relatives: Sequence[str], mode: LinkMode = "hardlink"
) -> tuple[dict[str, int], list[str]]:
    """Create ``dst_root/r`` from ``src_root/r`` for every posix relative path *r* of *relatives*.

    The destinations' directories must exist, and the destinations should not: one that does is left
    alone and returned (the caller makes way for it and calls :func:`link_file`). Returns how many files
    were made each way, and the relative paths that were in the way. The fast path for many files: one
    ``os.link`` per file, no ``stat``; the fallbacks are those of :func:`link_file`, decided once.
    """
    kinds: dict[str, int] = {}
    in_the_way: list[str] = []
    if not relatives:
        return kinds, in_the_way
    src_prefix = src_root.rstrip("/") + "/"
    dst_prefix = dst_root.rstrip("/") + "/"
    start = 0
    if mode == "hardlink":
        pair = (os.stat(src_root).st_dev, os.stat(dst_root).st_dev)
        if pair not in _no_hardlinks:
            link = os.link
            done = 0
            for relative in relatives:
                try:
                    link(src_prefix + relative, dst_prefix + relative)
                except FileExistsError:
                    in_the_way.append(relative)
                except OSError as exc:
                    if exc.errno not in _NO_HARDLINK:
                        raise
                    with _lock:
                        _no_hardlinks.add(pair)
                    break
                else:
                    done += 1
                start += 1
            if done:
                kinds["hardlink"] = done
    for relative in relatives[start:]:
        destination = Path(dst_prefix + relative)
        if os.path.lexists(destination):
            in_the_way.append(relative)
            continue
        kind = link_file(Path(src_prefix + relative), destination, mode)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds, in_the_way


def link_tree(
    src: Path, dst: Path, mode: LinkMode = "hardlink", *, files: Iterable[str] | None = None
) -> list[Path]:
    """Link every file under *src* (or the posix relative paths *files*) to the same place under *dst*.

    Directories are created as needed; existing files are replaced. Returns the created files.
    """
    if files is None:
        files = [
            Path(root, name).relative_to(src).as_posix()
            for root, _dirs, names in os.walk(src)
            for name in names
        ]
    created: list[Path] = []
    for relative in files:
        target = dst / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        link_file(src / relative, target, mode)
        created.append(target)
    return created
