"""All-or-nothing changes to an environment.

A :class:`Transaction` records every file it creates and moves every file it removes or overwrites into
a stash directory (on the same filesystem, so a move is a rename). :meth:`Transaction.commit` deletes
the stash; :meth:`Transaction.rollback` removes what was created, brings the stashed files back and
removes directories it created. Used as a context manager, any exception — ``KeyboardInterrupt``
included — rolls back before it propagates. Replacing X 1.0 by 2.0 is: stash 1.0's files, link 2.0's,
commit; a failure in between leaves 1.0 exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

from pipcompat.errors import PipcompatError

STASH_PREFIX = ".pipcompat-stash-"


class Transaction:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stash_dirs: dict[int, Path] = {}
        self._moves: list[tuple[Path, Path]] = []
        self._created: list[Path] = []
        self._created_dirs: list[Path] = []
        self._counter = 0
        self.done = False

    # -- recording -----------------------------------------------------------------------------------
    def _stash_dir_for(self, path: Path) -> Path:
        parent = path.parent
        device = os.lstat(path).st_dev
        with self._lock:
            found = self._stash_dirs.get(device)
            if found is None:
                found = Path(tempfile.mkdtemp(prefix=STASH_PREFIX, dir=parent))
                self._stash_dirs[device] = found
            self._counter += 1
            return found / str(self._counter)

    def stash(self, path: Path) -> None:
        """Move *path* (a file, symlink or whole directory) aside; empty parents it leaves are removed."""
        stashed = self._stash_dir_for(path)
        try:
            os.rename(path, stashed)
        except OSError:
            shutil.move(os.fspath(path), os.fspath(stashed))
        with self._lock:
            self._moves.append((path, stashed))

    def remove_empty_parents(self, path: Path, stop: Path) -> None:
        """Remove directories from *path*'s parent up to (not including) *stop* while they are empty."""
        current = path.parent
        stop = Path(os.path.normpath(stop))
        while current != stop and stop in current.parents:
            try:
                os.rmdir(current)
            except OSError:
                return
            current = current.parent

    def make_dirs(self, directory: Path) -> None:
        """``mkdir -p``, remembering which directories were new."""
        missing: list[Path] = []
        current = directory
        while not current.exists():
            missing.append(current)
            if current.parent == current:
                break
            current = current.parent
        for item in reversed(missing):
            try:
                item.mkdir()
            except FileExistsError:
                continue
            with self._lock:
                self._created_dirs.append(item)

    def prepare_target(self, path: Path) -> None:
        """Make way for a new file at *path*: parents created, an existing file stashed."""
        self.make_dirs(path.parent)
        if path.is_symlink() or path.exists():
            if path.is_dir() and not path.is_symlink():
                raise PipcompatError(f"cannot install file {path}: a directory is in the way")
            self.stash(path)

    def created(self, path: Path) -> None:
        with self._lock:
            self._created.append(path)

    # -- ending --------------------------------------------------------------------------------------
    def commit(self) -> None:
        for directory in self._stash_dirs.values():
            shutil.rmtree(directory, ignore_errors=True)
        self._stash_dirs.clear()
        self._moves.clear()
        self._created.clear()
        self._created_dirs.clear()
        self.done = True

    def rollback(self) -> None:
        for path in reversed(self._created):
            with contextlib.suppress(FileNotFoundError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        failed: list[tuple[Path, Path]] = []
        for original, stashed in reversed(self._moves):
            try:
                if original.is_symlink() or original.is_file():
                    original.unlink()
                elif original.is_dir():
                    shutil.rmtree(original)
                original.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.rename(stashed, original)
                except OSError:
                    shutil.move(os.fspath(stashed), os.fspath(original))
            except OSError:
                failed.append((original, stashed))
        for directory in reversed(self._created_dirs):
            with contextlib.suppress(OSError):
                directory.rmdir()
        self._created.clear()
        self._created_dirs.clear()
        self._moves = failed
        if not failed:
            for directory in self._stash_dirs.values():
                shutil.rmtree(directory, ignore_errors=True)
            self._stash_dirs.clear()
        self.done = True
        if failed:
            original, stashed = failed[0]
            raise PipcompatError(
                f"could not restore {original} (a copy is kept at {stashed})",
                hint="check both paths before retrying",
            )

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.done:
            return
        if kind is None:
            self.commit()
        else:
            self.rollback()
