"""Install wheels from the cache into a scheme: link, generate scripts, write the metadata, all or nothing.

:func:`install_wheels` unpacks each wheel once into the cache (in parallel), removes the distributions
being replaced and links every file into place (in parallel), writes entry-point scripts with the
target's shebang, ``INSTALLER`` (``pipcompat``), ``REQUESTED``, ``direct_url.json`` and a ``RECORD`` with
the sha256 and size of every installed file, and optionally byte-compiles in worker processes of the
target interpreter. Everything happens in one :class:`~pipcompat.install.transaction.Transaction`: an
error or Ctrl-C at any point leaves the environment exactly as it was.
"""

from __future__ import annotations

import contextlib
import csv
import email.parser
import functools
import heapq
import io
import itertools
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from pipcompat.cache import Cache
from pipcompat.dist.unpack import FileEntry, InvalidWheelError, UnpackedWheel, record_hash, unpack_wheel
from pipcompat.env.installed import InstalledDistribution, ScanEnvironment
from pipcompat.errors import PipcompatError
from pipcompat.install.link import LinkMode, link_file, link_many
from pipcompat.install.scheme import SCHEME_KEYS, Scheme
from pipcompat.install.transaction import JOURNAL_NAME, Transaction, environment_lock, recover_interrupted
from pipcompat.install.uninstall import remove_in, uninstall_set

INSTALLER_NAME = "pipcompat"
Reporter = Callable[[str], None]


@dataclass(frozen=True)
class WheelToInstall:
    """A wheel file to install, and how it was asked for."""

    path: Path
    requested: bool = False
    """Asked for by the user (writes ``REQUESTED``)."""
    direct_url: Mapping[str, Any] | None = None
    """The PEP 610 ``direct_url.json`` content, for wheels from a URL or a path."""
    sha256: str | None = None
    """The wheel's sha256 when already known (saves hashing it again)."""


@dataclass(frozen=True)
class InstalledDist:
    """What :func:`install_wheels` installed."""

    name: str
    version: str
    dist_info: Path
    lib_files: tuple[str, ...] = field(repr=False, default=())
    """The files linked under the distribution's lib directory (posix, relative to it)."""
    other_files: tuple[Path, ...] = field(repr=False, default=())
    """Every other file written (scripts, ``.data``, metadata, ``RECORD``)."""
    link_kinds: Mapping[str, int] = field(default_factory=dict, compare=False)

    @property
    def files(self) -> tuple[Path, ...]:
        """Every installed file (made on demand: thousands of paths cost time to build)."""
        lib = self.dist_info.parent
        return (*(lib / r for r in self.lib_files), *self.other_files)


@dataclass
class _Pending:
    wheel: WheelToInstall
    unpacked: UnpackedWheel
    name: str
    version: str
    lib_dir: Path
    records: list[tuple[Path, str, int]] = field(default_factory=list)
    """Files outside the wheel's lib directory tree (scripts, ``.data``, metadata written here)."""
    lib_rows: list[FileEntry] = field(default_factory=list)
    """Files linked under the lib directory (their paths are relative to it)."""
    kinds: dict[str, int] = field(default_factory=dict)
    record: Path | None = None
    """The ``RECORD`` written, once it is."""


def _wheel_info(unpacked: UnpackedWheel) -> tuple[bool, str, str]:
    if unpacked.info is not None and unpacked.info[1] and unpacked.info[2]:
        return unpacked.info
    info = unpacked.tree / unpacked.dist_info
    try:
        wheel = email.parser.Parser().parsestr((info / "WHEEL").read_text(encoding="utf-8"))
        metadata = email.parser.Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidWheelError(f"{unpacked.dist_info} is missing WHEEL or METADATA: {exc}") from None
    purelib = str(wheel.get("Root-Is-Purelib", "true")).strip().lower() == "true"
    return purelib, str(metadata.get("Name") or ""), str(metadata.get("Version") or "")


def _shebang(executable: str) -> bytes:
    from installer.scripts import Script

    _name, data = Script("x", "x", "x", "console").generate(executable, "posix")
    return data.split(b"\n# -*- coding", 1)[0]


def _entry_points(text: str) -> list[tuple[str, str, str]]:
    found = []
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        key, sep, value = line.partition("=")
        if sep and group in ("console_scripts", "gui_scripts"):
            found.append((group, key.strip(), value.strip()))
    return found


def _write_new(
    transaction: Transaction, path: Path, data: bytes, *, executable: bool = False
) -> tuple[str, int]:
    transaction.prepare_target(path)
    with open(path, "wb") as stream:
        stream.write(data)
    transaction.created(path)
    if executable:
        os.chmod(path, 0o755)
    return record_hash(data), len(data)


class _Task:
    """One piece of work for a :class:`_WorkQueue`; its outcome lands in :attr:`future`."""

    __slots__ = ("claimed", "fn", "future")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.future: Future[Any] = Future()
        self.claimed = False

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # handed to whoever waits, as a thread pool does
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)


class _WorkQueue:
    """A thread pool that runs the task of highest priority first (not the oldest), and lets the one who
    queued a task take it back and run it itself while no worker has started it: a task that queues parts
    of its own work and waits for them never deadlocks, even when every worker is busy."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers)
        self._heap: list[tuple[int, int, _Task]] = []
        self._lock = threading.Lock()
        self._order = itertools.count()

    def submit(self, priority: int, fn: Callable[[], Any]) -> _Task:
        task = _Task(fn)
        with self._lock:
            heapq.heappush(self._heap, (-priority, next(self._order), task))
        self._pool.submit(self._run_next)
        return task

    def _claim(self, task: _Task) -> bool:
        with self._lock:
            if task.claimed:
                return False
            task.claimed = True
            return True

    def _run_next(self) -> None:
        while True:
            with self._lock:
                if not self._heap:
                    return
                task = heapq.heappop(self._heap)[2]
                if task.claimed:
                    continue  # taken back by the one who queued it
                task.claimed = True
            task.run()
            return

    def result(self, task: _Task) -> Any:
        """*task*'s result: run here when no worker has started it, else waited for."""
        if self._claim(task):
            task.run()
        return task.future.result()

    def shutdown(self) -> None:
        """Wait for the tasks under way; the others never run (their futures are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            left = [task for _p, _o, task in self._heap if not task.claimed]
            for task in left:
                task.claimed = True
            self._heap.clear()
        for task in left:
            task.future.cancel()


#: How a wheel's lib files are split across the link workers: a part holds about this much work, counted
#: in files linked, a directory made counting as :data:`_DIR_COST` files (making a directory costs the
#: kernel ten times a hardlink or more: a new inode).
_PART_COST = 1200
_DIR_COST = 10


def _directories(relatives: Sequence[str]) -> list[str]:
    """Every directory (relative, posix) that holds a file of *relatives*, in depth-first order (a
    directory right before its subtree, parents before children)."""
    found: set[str] = set()
    for relative in relatives:
        directory = relative.rpartition("/")[0]
        while directory and directory not in found:
            found.add(directory)
            directory = directory.rpartition("/")[0]
    return sorted(found, key=lambda d: d.split("/"))


def _parts(
    directories: list[str], relatives: list[str], count: int
) -> tuple[list[str], list[tuple[list[str], list[str]]]]:
    """Split one wheel's work into *count* parts that can run at once: the directories each part makes and
    the files it links, and the *spine*, the directories to make before any part starts.

    *directories* are in depth-first order, so a contiguous run of them starting at ``X`` holds every
    directory's parent except ``X``'s ancestors: those form the spine. Files go with their directory;
    files at the top and in spine directories go to the first part.
    """
    files_in: dict[str, list[str]] = {}
    for relative in relatives:
        files_in.setdefault(relative.rpartition("/")[0], []).append(relative)
    costs = [_DIR_COST + len(files_in.get(d, ())) for d in directories]
    share = (sum(costs) + len(files_in.get("", ()))) / count
    starts = [0]
    running = float(len(files_in.get("", ())))
    for index, cost in enumerate(costs):
        if running >= share * len(starts) and len(starts) < count and index > starts[-1]:
            starts.append(index)
        running += cost
    spine_set: set[str] = set()
    for start in starts[1:]:
        directory = directories[start].rpartition("/")[0]
        while directory and directory not in spine_set:
            spine_set.add(directory)
            directory = directory.rpartition("/")[0]
    spine = [d for d in directories if d in spine_set]
    parts: list[tuple[list[str], list[str]]] = []
    for begin, end in zip(starts, [*starts[1:], len(directories)], strict=True):
        dirs = [d for d in directories[begin:end] if d not in spine_set]
        parts.append((dirs, [f for d in dirs for f in files_in.get(d, ())]))
    parts[0][1].extend(f for d in ["", *spine] for f in files_in.get(d, ()))
    return spine, parts


def _link_part(
    tree: str,
    lib: str,
    directories: list[str],
    relatives: list[str],
    made_before: Collection[str],
    *,
    transaction: Transaction,
    mode: LinkMode,
) -> dict[str, int]:
    """Make *directories* (relative to *lib*, parents first) and link *relatives* from *tree* into them;
    how many files were made each way.

    Directories are made once each (journalled together); files in a directory made here or in
    *made_before* (absolute paths made by this wheel already) cannot be in the way, so they go straight
    to ``os.link`` after one journal write for all of them; files in directories that were there already
    are checked first, and one in the way is stashed as a single file would be.
    """
    made = set(transaction.make_new_dirs([f"{lib}/{d}" for d in directories], made_before))
    made.update(made_before)
    fresh: list[str] = []
    existing_dir: list[str] = []
    for relative in relatives:
        directory = relative.rpartition("/")[0]
        if directory and f"{lib}/{directory}" in made:
            fresh.append(relative)
        else:
            existing_dir.append(relative)
    in_the_way = [r for r in existing_dir if os.path.lexists(f"{lib}/{r}")]
    if in_the_way:
        blocked = set(in_the_way)
        fresh.extend(r for r in existing_dir if r not in blocked)
    else:
        fresh.extend(existing_dir)
    targets = [f"{lib}/{r}" for r in fresh]
    transaction.will_create(targets)
    try:
        kinds, raced = link_many(tree, lib, fresh, mode)
    finally:
        transaction.created_many(targets)
    for relative in [*in_the_way, *raced]:
        destination = Path(lib, relative)
        transaction.prepare_target(destination)
        kind = link_file(Path(tree, relative), destination, mode)
        transaction.created(destination)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def _link_files(
    pending: _Pending,
    tree: Path,
    base: Path,
    relatives: list[str],
    *,
    transaction: Transaction,
    mode: LinkMode,
    queue: _WorkQueue | None = None,
) -> None:
    """Link the files *relatives* (posix, relative to *tree* and *base*) of one wheel from its cache entry
    into *base*: in one batch, or, for many files and a *queue*, in parts run by the queue's workers at
    once (the spine of directories the parts share made first). Every part has finished, one way or the
    other, when this returns or raises."""
    transaction.make_dirs(base)
    source, lib = os.fspath(tree), os.fspath(base)
    directories = _directories(relatives)
    count = 1
    if queue is not None:
        cost = len(relatives) + _DIR_COST * len(directories)
        count = min(queue.workers, cost // _PART_COST)
    if count <= 1:
        found = [_link_part(source, lib, directories, relatives, (), transaction=transaction, mode=mode)]
    else:
        assert queue is not None
        spine, parts = _parts(directories, relatives, count)
        made = frozenset(transaction.make_new_dirs([f"{lib}/{d}" for d in spine]))
        tasks = [
            queue.submit(
                _PART_PRIORITY,
                functools.partial(
                    _link_part, source, lib, dirs, files, made, transaction=transaction, mode=mode
                ),
            )
            for dirs, files in parts[1:]
        ]
        found = []
        error: BaseException | None = None
        try:
            found.append(_link_part(source, lib, *parts[0], made, transaction=transaction, mode=mode))
        except BaseException as exc:
            error = exc
        for task in tasks:  # each part run here, unless a worker has started it already
            try:
                found.append(queue.result(task))
            except BaseException as exc:
                error = error or exc
        if error is not None:
            raise error
    for kinds in found:
        for kind, number in kinds.items():
            pending.kinds[kind] = pending.kinds.get(kind, 0) + number


#: Parts of a wheel being linked go before any wheel waiting to start: its owner waits for them.
_PART_PRIORITY = 1 << 40


def _link_one(
    pending: _Pending,
    scheme: Scheme,
    transaction: Transaction,
    mode: LinkMode,
    python: str,
    *,
    record: bool,
    queue: _WorkQueue | None = None,
) -> None:
    """Install one wheel's files; with *record*, its ``RECORD`` too (without, it is written once the
    byte-compiled files are known)."""
    unpacked = pending.unpacked
    data_prefix = unpacked.dist_info[: -len(".dist-info")] + ".data/"
    skip = {f"{unpacked.dist_info}/{n}" for n in ("RECORD", "RECORD.jws", "RECORD.p7s", "INSTALLER")}
    skip |= {f"{unpacked.dist_info}/REQUESTED", f"{unpacked.dist_info}/direct_url.json"}
    data_files = [e for e in unpacked.files if e.path.startswith(data_prefix)]
    if data_files:
        lib_files = [e for e in unpacked.files if e.path not in skip and not e.path.startswith(data_prefix)]
    else:
        lib_files = [e for e in unpacked.files if e.path not in skip]
    pending.lib_rows.extend(lib_files)
    relatives = [e.path for e in lib_files]
    # ``.data`` files other than scripts are linked like the lib files, one batch per scheme directory.
    data_links: dict[str, list[str]] = {}
    bases: dict[str, Path] = {}
    for entry in data_files:
        if entry.path in skip:
            continue
        key, _, rest = entry.path[len(data_prefix) :].partition("/")
        if key not in SCHEME_KEYS or not rest:
            raise InvalidWheelError(f"{unpacked.dist_info}: unknown .data directory {key!r} in {entry.path}")
        base = bases.get(key)
        if base is None:
            base = bases[key] = scheme.path(key, pending.name)
        destination = base / rest
        if base not in destination.parents:
            raise InvalidWheelError(f"{unpacked.dist_info}: {entry.path} points outside the target")
        if key == "scripts":
            data = (unpacked.tree / entry.path).read_bytes()
            if data.startswith((b"#!python", b"#!pythonw")):
                _first, _, body = data.partition(b"\n")
                data = _shebang(python) + b"\n" + body
            digest, size = _write_new(transaction, destination, data, executable=True)
            pending.records.append((destination, digest, size))
            continue
        data_links.setdefault(key, []).append(rest)
        pending.records.append((destination, entry.hash, entry.size))
    for key, rests in data_links.items():
        tree = unpacked.tree / data_prefix / key
        _link_files(pending, tree, bases[key], rests, transaction=transaction, mode=mode, queue=queue)
    _link_files(
        pending, unpacked.tree, pending.lib_dir, relatives, transaction=transaction, mode=mode, queue=queue
    )
    info = pending.lib_dir / unpacked.dist_info
    text = unpacked.tree / unpacked.dist_info / "entry_points.txt"
    if text.is_file():
        from installer.scripts import Script

        for group, script_name, value in _entry_points(text.read_text(encoding="utf-8")):
            module, _, attr = value.partition(":")
            attr = attr.split("[", 1)[0].strip()
            if group == "gui_scripts":
                script = Script(script_name, module.strip(), attr, "gui")
            else:
                script = Script(script_name, module.strip(), attr, "console")
            _name, data = script.generate(python, "posix")
            destination = scheme.scripts / script_name
            digest, size = _write_new(transaction, destination, data, executable=True)
            pending.records.append((destination, digest, size))
    digest, size = _write_new(transaction, info / "INSTALLER", f"{INSTALLER_NAME}\n".encode())
    pending.records.append((info / "INSTALLER", digest, size))
    if pending.wheel.requested:
        digest, size = _write_new(transaction, info / "REQUESTED", b"")
        pending.records.append((info / "REQUESTED", digest, size))
    if pending.wheel.direct_url is not None:
        data = json.dumps(dict(pending.wheel.direct_url), sort_keys=True).encode()
        digest, size = _write_new(transaction, info / "direct_url.json", data)
        pending.records.append((info / "direct_url.json", digest, size))
    if record:
        pending.record = _write_record(pending, transaction)


def _record_path(path: Path, lib_dir: Path) -> str:
    text, base = str(path), str(lib_dir)
    if text.startswith(base) and text[len(base) : len(base) + 1] == os.sep:
        return text[len(base) + 1 :].replace(os.sep, "/")
    try:
        relative = os.path.relpath(path, lib_dir)
    except ValueError:  # another drive
        relative = str(path)
    return relative.replace(os.sep, "/")


#: What makes the csv module quote a field (``QUOTE_MINIMAL``): the delimiter, the quote and line ends.
_NEEDS_QUOTES = re.compile('[,"\r\n]')


def _write_record(pending: _Pending, transaction: Transaction) -> Path:
    record = pending.lib_dir / pending.unpacked.dist_info / "RECORD"
    by_path = {e.path: (e.hash, e.size) for e in pending.lib_rows}
    by_path.update({_record_path(p, pending.lib_dir): (h, s) for p, h, s in pending.records})
    rows = sorted(by_path.items())
    own = _record_path(record, pending.lib_dir)
    if _NEEDS_QUOTES.search("\0".join([own, *by_path])):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([path, digest, size] for path, (digest, size) in rows)
        writer.writerow([own, "", ""])
        text = out.getvalue()
    else:  # the usual case: what csv would write, without a writer call per row
        text = "".join([f"{path},{digest},{size}\n" for path, (digest, size) in rows]) + f"{own},,\n"
    _write_new(transaction, record, text.encode())
    return record


def compile_files(python: str, files: Sequence[Path], *, environ: Mapping[str, str] | None = None) -> None:
    """Byte-compile *files* with the target interpreter, in parallel worker processes (``-j0``)."""
    if not files:
        return
    listing = "\n".join(str(f) for f in files) + "\n"
    proc = subprocess.run(
        [python, "-m", "compileall", "-q", "-j0", "-i", "-"],
        input=listing,
        text=True,
        capture_output=True,
        env=dict(os.environ if environ is None else environ),
        check=False,
    )
    if proc.returncode not in (0, 1):  # 1: some file had a syntax error, as pip tolerates
        raise PipcompatError(f"byte-compiling failed: {proc.stderr.strip() or proc.stdout.strip()}")


def _installed_meanwhile(
    wanted: Sequence[tuple[str, Path]], replace: Sequence[InstalledDistribution], prefix: str | None
) -> list[InstalledDistribution]:
    """Distributions of the names being installed (``(name, lib directory)`` pairs) that are there now but
    were not planned for removal: another install into the same environment finished while this one was
    preparing."""
    planned = {os.path.normcase(str(d.info_path)) for d in replace}
    found: list[InstalledDistribution] = []
    listings: dict[Path, dict[str, list[str]]] = {}  # each lib directory listed once, by canonical name
    for name, lib_dir in wanted:
        key = _canonical(name)
        by_name = listings.get(lib_dir)
        if by_name is None:
            by_name = listings[lib_dir] = {}
            try:
                names = os.listdir(lib_dir)
            except OSError:
                names = []
            for entry in names:
                if entry.endswith(".dist-info"):
                    by_name.setdefault(_canonical(entry[: -len(".dist-info")].rpartition("-")[0]), []).append(
                        entry
                    )
        for entry in by_name.get(key, ()):
            info = lib_dir / entry
            if os.path.normcase(str(info)) in planned:
                continue
            if not (info / "RECORD").is_file():
                continue
            environment = ScanEnvironment([str(lib_dir)], prefix or "", in_virtualenv=True)
            found.append(InstalledDistribution(info, environment))
            planned.add(os.path.normcase(str(info)))
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class Installation:
    """An install in progress: every wheel :meth:`add`-ed is linked into *scheme* at once, by worker
    threads, while the caller may still be downloading the others; :meth:`finish` waits for them,
    byte-compiles when asked and returns what was installed. All or nothing, as :func:`install_wheels`:
    on entry the environment is locked and the distributions in *replace* are removed inside one
    :class:`~pipcompat.install.transaction.Transaction`; leaving the ``with`` block with an error (or
    Ctrl-C), also one raised while wheels are still being added, waits for the links under way and
    leaves the environment exactly as it was.

    *names* are the names of the wheels that will be added, when known: an installed distribution of one
    of them that is not in *replace* (another install finished meanwhile) is replaced too.
    """

    def __init__(
        self,
        scheme: Scheme,
        cache: Cache,
        *,
        python: str,
        link_mode: LinkMode = "hardlink",
        compile: bool = False,
        cache_tag: str | None = None,
        replace: Sequence[InstalledDistribution] = (),
        replace_scripts_dir: str | None = None,
        prefix: str | None = None,
        reporter: Reporter | None = None,
        workers: int | None = None,
        names: Sequence[str] = (),
    ) -> None:
        self.scheme = scheme
        self.cache = cache
        self.python = python
        self.link_mode: LinkMode = link_mode
        self.compile = compile
        self.cache_tag = cache_tag
        self.replace = list(replace)
        self.replace_scripts_dir = replace_scripts_dir
        self.prefix = prefix
        self.reporter = reporter
        # One link worker per CPU: linking is system calls (``link``, ``mkdir``), and more threads than
        # CPUs hand the interpreter lock to one another around each of them (a context switch each).
        self.workers = workers or min(32, max(2, os.cpu_count() or 2))
        self.names = {_canonical(n) for n in names}
        self._pendings: list[_Pending] = []
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        self._stack = contextlib.ExitStack()
        self._transaction: Transaction | None = None
        self._queue: _WorkQueue | None = None
        self._results: list[InstalledDist] | None = None

    def __enter__(self) -> Installation:
        scheme = self.scheme
        journal_dir = scheme.purelib
        journal_dir.mkdir(parents=True, exist_ok=True)
        with self._stack as stack:
            stack.enter_context(environment_lock(journal_dir))
            recover_interrupted(journal_dir, locked=True)
            lib_dirs = dict.fromkeys([scheme.purelib, scheme.platlib])
            wanted = [(name, lib_dir) for name in sorted(self.names) for lib_dir in lib_dirs]
            self.replace += _installed_meanwhile(wanted, self.replace, self.prefix)
            self._transaction = stack.enter_context(Transaction(journal_dir / JOURNAL_NAME))
            for dist in self.replace:
                self._remove(dist)
            self._queue = _WorkQueue(self.workers)
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if kind is None and self._results is None:
                self.finish()
        except BaseException:
            self._shutdown()
            if not self._stack.__exit__(*sys.exc_info()):
                raise
            return
        self._shutdown()
        self._stack.__exit__(kind, value, traceback)

    def _shutdown(self) -> None:
        if self._queue is not None:
            self._queue.shutdown()

    def _remove(self, dist: InstalledDistribution) -> None:
        assert self._transaction is not None
        scheme = self.scheme
        removal = uninstall_set(
            dist,
            scripts_dir=self.replace_scripts_dir or str(scheme.scripts),
            prefix=self.prefix,
            cache_tag=self.cache_tag,
        )
        stops = [scheme.purelib, scheme.platlib, scheme.scripts, scheme.data, scheme.headers]
        remove_in(self._transaction, removal, stop_dirs=stops)

    def add(self, wheel: WheelToInstall, unpacked: UnpackedWheel | None = None) -> None:
        """Start linking *wheel* (its cache entry when already at hand); safe to call from any thread."""
        assert self._transaction is not None and self._queue is not None
        entry = unpacked or unpack_wheel(wheel.path, self.cache, sha256=wheel.sha256)
        purelib, name, version = _wheel_info(entry)
        pending = _Pending(
            wheel, entry, name, version, self.scheme.purelib if purelib else self.scheme.platlib
        )
        with self._lock:
            if self._results is not None:
                raise RuntimeError("the installation is finished")
            if _canonical(name) not in self.names:
                # Not announced: look for a copy installed meanwhile now, before its files are linked.
                for dist in _installed_meanwhile([(name, pending.lib_dir)], self.replace, self.prefix):
                    self.replace.append(dist)
                    self._remove(dist)
                self.names.add(_canonical(name))
            self._pendings.append(pending)
            # The wheel with the most files first: the longest to link, it would finish alone at the end.
            link = functools.partial(
                _link_one,
                pending,
                self.scheme,
                self._transaction,
                self.link_mode,
                self.python,
                record=not self.compile,
                queue=self._queue,
            )
            self._futures.append(self._queue.submit(len(entry.files), link).future)

    def finish(self) -> list[InstalledDist]:
        """Wait for every wheel added, byte-compile when asked, write the RECORDs: what was installed."""
        with self._lock:
            futures = list(self._futures)
            pendings = list(self._pendings)
            self._results = []
        errors = [f.exception() for f in futures]
        for error in errors:
            if error is not None:
                raise error
        assert self._transaction is not None
        if self.compile:
            _compile_pendings(pendings, self.scheme, self._transaction, self.python, self.cache_tag)
        results = []
        for p in pendings:
            record = p.record or _write_record(p, self._transaction)
            results.append(
                InstalledDist(
                    p.name,
                    p.version,
                    record.parent,
                    tuple(e.path for e in p.lib_rows),
                    (*(path for path, _h, _s in p.records), record),
                    dict(p.kinds),
                )
            )
            if self.reporter is not None:
                self.reporter(f"{p.name}=={p.version}")
        self._results = results
        return results


def _compile_pendings(
    pendings: Sequence[_Pending], scheme: Scheme, transaction: Transaction, python: str, cache_tag: str | None
) -> None:
    sources = [
        path
        for p in pendings
        for path, _h, _s in p.records
        if path.suffix == ".py" and (scheme.purelib in path.parents or scheme.platlib in path.parents)
    ]
    sources += [p.lib_dir / e.path for p in pendings for e in p.lib_rows if e.path.endswith(".py")]
    new_caches = {s.parent / "__pycache__" for s in sources}
    new_caches = {d for d in new_caches if not d.exists()}
    compile_files(python, sources)
    for directory in sorted(new_caches):
        if directory.is_dir():
            transaction.created(directory)
    if cache_tag:
        for p in pendings:
            extra = []
            linked = [p.lib_dir / e.path for e in p.lib_rows if e.path.endswith(".py")]
            for path in [*(path for path, _h, _s in p.records), *linked]:
                if path.suffix != ".py":
                    continue
                pyc = path.parent / "__pycache__" / f"{path.stem}.{cache_tag}.pyc"
                if pyc.is_file():
                    transaction.created(pyc)
                    data = pyc.read_bytes()
                    extra.append((pyc, record_hash(data), len(data)))
            p.records.extend(extra)


def install_wheels(
    wheels: Sequence[WheelToInstall],
    scheme: Scheme,
    cache: Cache,
    *,
    python: str,
    link_mode: LinkMode = "hardlink",
    compile: bool = False,
    cache_tag: str | None = None,
    replace: Sequence[InstalledDistribution] = (),
    replace_scripts_dir: str | None = None,
    prefix: str | None = None,
    reporter: Reporter | None = None,
    workers: int | None = None,
) -> list[InstalledDist]:
    """Install *wheels* into *scheme*, replacing the distributions in *replace*; all or nothing.

    *python* is the target interpreter (for shebangs and ``compile``); *cache_tag* its
    ``sys.implementation.cache_tag`` (for the ``__pycache__`` files of replaced distributions). Every wheel
    is unpacked (or found) in the cache first; :class:`Installation` links wheels as they become ready.
    """
    workers = workers or min(32, (os.cpu_count() or 2) * 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        unpacked = list(pool.map(lambda w: unpack_wheel(w.path, cache, sha256=w.sha256), wheels))
    names = [_wheel_info(entry)[1] for entry in unpacked]
    installation = Installation(
        scheme,
        cache,
        python=python,
        link_mode=link_mode,
        compile=compile,
        cache_tag=cache_tag,
        replace=replace,
        replace_scripts_dir=replace_scripts_dir,
        prefix=prefix,
        reporter=reporter,
        workers=workers,
        names=names,
    )
    with installation:
        for wheel, entry in zip(wheels, unpacked, strict=True):
            installation.add(wheel, entry)
        return installation.finish()
