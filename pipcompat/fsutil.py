"""Small filesystem helpers every layer may use."""

from __future__ import annotations

import contextlib
import os
import tempfile


def _default_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def replace_file(path: str | os.PathLike[str], data: bytes, *, keep_mode: bool = False) -> None:
    """Write *data* to *path* so that readers see the old content or the new, never a part of it.

    The data goes to a temporary file in the same directory, which is then renamed over *path*. With
    ``keep_mode`` (for files a person owns: configuration, an output file) a symbolic link is followed, so
    its target is replaced, and the file keeps its permissions (new files get the umask's).
    """
    target = os.path.realpath(path) if keep_mode else os.fspath(path)
    directory = os.path.dirname(target) or "."
    os.makedirs(directory, exist_ok=True)
    mode: int | None = None
    if keep_mode:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = _default_mode()
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
