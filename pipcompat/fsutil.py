"""Small filesystem helpers every layer may use."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile


def _default_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _temp_file(directory: str, name: str) -> tuple[int, str]:
    """A new temporary file next to *name* in *directory* (made, with its parents, only if it is missing).

    The file is created first and the directory only when that fails: most writes go to a directory that
    exists, and every system call costs a writer under load (a thread that drops the GIL for one waits to
    get it back).
    """
    prefix = f".{name}."
    try:
        return tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
        return tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")


def replace_file(
    path: str | os.PathLike[str], data: bytes | tuple[bytes, ...], *, keep_mode: bool = False
) -> None:
    """Write *data* (bytes, or a tuple of parts written one after the other) to *path* so that readers see
    the old content or the new, never a part of it.

    The data goes to a temporary file in the same directory (made if it is missing), which is then renamed
    over *path*. With ``keep_mode`` (for files a person owns: configuration, an output file) a symbolic link
    is followed, so its target is replaced, and the file keeps its permissions (new files get the umask's);
    a target that is neither a file nor a directory (a device such as ``/dev/null``, a named pipe) is written
    into, as ``open(path, "w")`` would.
    """
    target = os.path.realpath(path) if keep_mode else os.fspath(path)
    directory = os.path.dirname(target) or "."
    mode: int | None = None
    if keep_mode:
        try:
            info = os.stat(target)
        except FileNotFoundError:
            mode = _default_mode()
        else:
            if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
                # A device or a pipe (``-o /dev/null``): written into, never replaced by a file.
                _write_into(target, data)
                return
            mode = info.st_mode & 0o7777
    fd, temp = _temp_file(directory, os.path.basename(target))
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write_into(target: str, data: bytes | tuple[bytes, ...]) -> None:
    fd = os.open(target, os.O_WRONLY)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes | tuple[bytes, ...]) -> None:
    for part in (data,) if isinstance(data, bytes) else data:
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view) :]
