"""All-or-nothing changes to an environment.

A :class:`Transaction` records every file it creates and moves every file it removes or overwrites into
a stash directory (on the same filesystem, so a move is a rename). :meth:`Transaction.commit` deletes
the stash; :meth:`Transaction.rollback` removes what was created, brings the stashed files back and
removes directories it created. Used as a context manager, any exception — ``KeyboardInterrupt``
included — rolls back before it propagates. Replacing X 1.0 by 2.0 is: stash 1.0's files, link 2.0's,
commit; a failure in between leaves 1.0 exactly as it was.

A process that is killed (``SIGKILL``, power loss of the process) cannot roll back, so a transaction given a
*journal* path writes down each step before taking it: ``D`` a directory it is about to create, ``C`` a
file it is about to create, ``S`` a move into the stash, ``T`` a stash directory, and ``K`` once it commits.
The journal is removed when the transaction ends. :func:`recover_interrupted` replays journals left in a
directory by processes that died: an uncommitted one is rolled back (the old files come back from the
stash), a committed one has its stash removed. The install engine keeps its journal in ``purelib`` as
:data:`JOURNAL_NAME` (one install at a time: :func:`environment_lock`), and the environment scan calls
:func:`recover_interrupted` first, so the next command sees the environment as it was before the killed one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from types import TracebackType

from pipcompat.errors import PipcompatError

STASH_PREFIX = ".pipcompat-stash-"
JOURNAL_NAME = ".pipcompat-journal"


class Transaction:
    def __init__(self, journal: Path | None = None) -> None:
        self._journal_path = journal
        self._journal: int | None = None
        self._lock = threading.Lock()
        self._stash_dirs: dict[int, Path] = {}
        self._moves: list[tuple[Path, Path]] = []
        self._created: list[Path | str] = []
        self._created_dirs: list[Path | str] = []
        self._counter = 0
        self.done = False

    # -- recording -----------------------------------------------------------------------------------
    def _log(self, kind: str, *paths: Path) -> None:
        """Write one journal line (before the step it describes), when there is a journal."""
        if self._journal_path is None:
            return
        with self._lock:
            self._log_locked(kind, *paths)

    def _log_locked(self, kind: str, *paths: Path) -> None:
        if self._journal_path is None:
            return
        line = ("\t".join([kind, *(os.fspath(p) for p in paths)]) + "\n").encode("utf-8", "surrogateescape")
        if self._journal is None:
            self._journal = os.open(self._journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(self._journal, line)

    def _close_journal(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None
        if self._journal_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._journal_path)

    def _stash_dir_for(self, path: Path) -> Path:
        parent = path.parent
        device = os.lstat(path).st_dev
        with self._lock:
            found = self._stash_dirs.get(device)
            if found is None:
                while True:  # named and journalled before it exists, so a kill cannot orphan it
                    found = parent / f"{STASH_PREFIX}{secrets.token_hex(6)}"
                    self._log_locked("T", found)
                    try:
                        os.mkdir(found, 0o700)
                        break
                    except FileExistsError:
                        continue
                self._stash_dirs[device] = found
            self._counter += 1
            return found / str(self._counter)

    def stash(self, path: Path) -> None:
        """Move *path* (a file, symlink or whole directory) aside; empty parents it leaves are removed."""
        stashed = self._stash_dir_for(path)
        self._log("S", path, stashed)
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
            self._log("D", item)
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
        self._log("C", path)

    def created(self, path: Path) -> None:
        with self._lock:
            self._created.append(path)

    # -- batches (one wheel's files at a time: one journal write, one lock) ---------------------------
    def make_new_dirs(self, directories: Sequence[str], new_parents: Collection[str] = ()) -> list[str]:
        """Create the missing ones among *directories* (parents listed before children); return those
        this call created. One ``stat`` per directory whose parent already existed, one journal write;
        none for a directory whose parent is in *new_parents* (directories just made, so empty)."""
        new: set[str] = set()
        missing: list[str] = []
        for directory in directories:
            parent = os.path.dirname(directory)
            if parent in new or parent in new_parents or not os.path.isdir(directory):
                new.add(directory)
                missing.append(directory)
        if not missing:
            return []
        with self._lock:
            self._log_many_locked("D", missing)
        made: list[str] = []
        try:
            for directory in missing:
                try:
                    os.mkdir(directory)
                except FileExistsError:
                    continue
                made.append(directory)
        finally:
            with self._lock:
                self._created_dirs.extend(made)
        return made

    def will_create(self, paths: Sequence[str]) -> None:
        """Journal that every path of *paths* (none of which exists) is about to be created."""
        with self._lock:
            self._log_many_locked("C", paths)

    def created_many(self, paths: Sequence[str]) -> None:
        with self._lock:
            self._created.extend(paths)

    def _log_many_locked(self, kind: str, paths: Sequence[str]) -> None:
        if self._journal_path is None or not paths:
            return
        prefix = kind + "\t"
        text = prefix + ("\n" + prefix).join(paths) + "\n"
        if self._journal is None:
            self._journal = os.open(self._journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        data = text.encode("utf-8", "surrogateescape")
        while data:
            written = os.write(self._journal, data)
            data = data[written:]

    # -- ending --------------------------------------------------------------------------------------
    def commit(self) -> None:
        self._log("K")
        for directory in self._stash_dirs.values():
            shutil.rmtree(directory, ignore_errors=True)
        self._stash_dirs.clear()
        self._moves.clear()
        self._created.clear()
        self._created_dirs.clear()
        self._close_journal()
        self.done = True

    def rollback(self) -> None:
        for item in reversed(self._created):
            path = Path(item)
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
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
                os.rmdir(directory)
        self._created.clear()
        self._created_dirs.clear()
        self._moves = failed
        if not failed:
            for directory in self._stash_dirs.values():
                shutil.rmtree(directory, ignore_errors=True)
            self._stash_dirs.clear()
        self.done = True
        if not failed:
            self._close_journal()
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


def _replay(journal: Path) -> None:
    rows: list[tuple[str, list[Path]]] = []
    for raw in journal.read_bytes().decode("utf-8", "surrogateescape").split("\n"):
        if raw:
            fields = raw.split("\t")
            rows.append((fields[0], [Path(p) for p in fields[1:]]))
    committed = any(kind == "K" for kind, _ in rows)
    if not committed:
        for kind, paths in reversed(rows):
            if kind == "C" and paths:
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    if paths[0].is_dir() and not paths[0].is_symlink():
                        shutil.rmtree(paths[0])
                    else:
                        paths[0].unlink()
            elif kind == "S" and len(paths) == 2:
                original, stashed = paths
                if not (stashed.exists() or stashed.is_symlink()):
                    continue
                if original.is_symlink() or original.is_file():
                    original.unlink()
                elif original.is_dir():
                    shutil.rmtree(original)
                original.parent.mkdir(parents=True, exist_ok=True)
                os.rename(stashed, original)
            elif kind == "D" and paths:
                with contextlib.suppress(OSError):
                    paths[0].rmdir()
    for kind, paths in rows:
        if kind == "T" and paths:
            shutil.rmtree(paths[0], ignore_errors=True)
    journal.unlink()


def recover_interrupted(directory: Path, *, locked: bool = False) -> int:
    """Finish the transactions of killed processes journalled in *directory*; how many were found.

    Only journals no live process holds are replayed (the writer holds an exclusive lock on the journal's
    directory, :func:`environment_lock`); *locked* says the caller holds that lock already.
    Errors (a read-only environment) are left for later.
    """
    journal = directory / JOURNAL_NAME
    if not os.path.lexists(journal):
        return 0
    journals = [journal]
    if locked:
        for journal in journals:
            with contextlib.suppress(OSError):
                _replay(journal)
        return len(journals)
    try:
        with environment_lock(directory, blocking=False):
            return recover_interrupted(directory, locked=True)
    except OSError:
        return 0


@contextlib.contextmanager
def environment_lock(directory: Path, *, blocking: bool = True) -> Iterator[None]:
    """Hold the environment's install lock (a lock on *directory* itself, no file): one install at a time.

    With *blocking* false, :class:`BlockingIOError` when another process holds it.
    """
    if sys.platform == "win32":  # pragma: no cover - no flock there
        yield
        return
    import fcntl

    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        yield
    finally:
        os.close(fd)
