"""Unpack a wheel once into the cache's ``archives`` bucket: an immutable entry keyed by its sha256.

An entry is ``<archives>/ab/cd/<sha256>/`` holding ``tree/`` (the wheel's files, exactly) and
``manifest.json`` (every file's RECORD hash, size and whether it is executable). Entries appear by atomic
rename, so concurrent processes never see half an entry. Unpacking is safe: absolute names, ``..``
components, drive letters and symlink members are refused; every file is checked against the wheel's own
``RECORD`` (a file whose hash or size disagrees is an error, naming the file; so is a wheel without a
``RECORD``, a file that ``RECORD`` does not list, or a ``RECORD`` row for a file the wheel does not have).

Using an entry checks it cheaply first, once per process: every file of the manifest must be there with
its size and modification time (one ``lstat`` each; no hashing, which would cost as much as unpacking
again). A damaged entry — a file deleted, truncated or edited in place (hardlinked files are shared with
every environment, so an edit in one of them lands here) or an unreadable manifest — is discarded and
unpacked again from the wheel, or, when the wheel is not at hand, reported as an error naming the entry
(the prepare stage then downloads the wheel again). An edit that keeps both size and modification time is
not detected.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import stat
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from pipcompat.cache import Cache, atomic_directory
from pipcompat.errors import PipcompatError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

MANIFEST = "manifest.json"
TREE = "tree"
_CHUNK = 1 << 20


class InvalidWheelError(PipcompatError):
    """A wheel that cannot be installed: unreadable, unsafe, or not matching its own RECORD."""


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>``, as RECORD writes it."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileEntry(NamedTuple):
    """One file of a cache entry, as its manifest lists it (a tuple: 20,000 of them are made per big
    install, and a tuple is the cheapest object to make)."""

    path: str
    """Posix path relative to the wheel root."""
    hash: str
    size: int
    executable: bool = False


@dataclass(frozen=True)
class UnpackedWheel:
    """An unpacked wheel in the cache."""

    root: Path
    """The entry directory; the files are under ``tree``."""
    files: tuple[FileEntry, ...]
    dist_info: str
    """The ``name-version.dist-info`` directory name inside the wheel."""
    info: tuple[bool, str, str] | None = None
    """``(Root-Is-Purelib, metadata Name, metadata Version)`` when the manifest records them."""

    @property
    def tree(self) -> Path:
        return self.root / TREE


def _safe_member(name: str, wheel: Path, what: str = "has a file") -> str:
    if (
        "\x00" not in name
        and "\\" not in name
        and name[:1] != "/"
        and name[1:2] != ":"
        and all(part not in ("", ".", "..") for part in name.split("/"))
    ):
        return name  # the usual case, already clean: no path object needed
    if "\x00" in name:
        raise InvalidWheelError(
            f"{wheel.name} {what} with a NUL in its name: {name!r}", hint="the wheel is unsafe; not installed"
        )
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidWheelError(
            f"{wheel.name} {what} with an absolute path: {name}", hint="the wheel is unsafe; not installed"
        )
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise InvalidWheelError(
            f"{wheel.name} {what} outside its own tree: {name}", hint="the wheel is unsafe; not installed"
        )
    return "/".join(part for part in parts if part not in ("", "."))


def _check_sizes(infos: list[zipfile.ZipInfo], wheel: Path) -> None:
    """Refuse wheels with too many entries, too many bytes, or a bomb's compression ratio."""
    from pipcompat.dist.archives import DEFAULT_LIMITS as limits

    if len(infos) > limits.max_members:
        raise InvalidWheelError(f"{wheel.name} has more than {limits.max_members} files")
    total = sum(info.file_size for info in infos)
    try:
        size = wheel.stat().st_size
    except OSError:
        size = sum(info.compress_size for info in infos)
    if total > limits.max_total_size or (total > limits.ratio_floor and total > size * limits.max_ratio):
        raise InvalidWheelError(
            f"{wheel.name} would unpack to {total} bytes from {size}: refusing an archive bomb",
            hint="the wheel is unsafe; not installed",
        )


def _find_dist_info(names: list[str], wheel: Path) -> str:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    found = sorted(t for t in tops if t.endswith(".dist-info"))
    if len(found) != 1:
        raise InvalidWheelError(f"{wheel.name} has {len(found)} .dist-info directories, not one")
    return found[0]


def _record_of(archive: zipfile.ZipFile, dist_info: str, wheel: Path) -> dict[str, tuple[str, str]]:
    try:
        text = archive.read(f"{dist_info}/RECORD").decode("utf-8")
    except KeyError:
        raise InvalidWheelError(
            f"{wheel.name} has no {dist_info}/RECORD", hint="the wheel is not valid; not installed"
        ) from None
    except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
        raise InvalidWheelError(f"{wheel.name}: cannot read {dist_info}/RECORD: {exc}") from None
    rows = {}
    for row in csv.reader(io.StringIO(text)):
        if row:
            rows[row[0]] = (row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else "")
    return rows


def _make_dir(directory: Path, made: set[Path]) -> None:
    """``mkdir -p`` that knows which directories it made already: one ``mkdir`` per directory, not one
    or more per file (creating directories is slow on a busy filesystem)."""
    if directory in made:
        return
    parent = directory.parent
    if parent != directory:
        _make_dir(parent, made)
    try:
        os.mkdir(directory)
    except FileExistsError:
        if not directory.is_dir():
            raise
    made.add(directory)


def _extract(wheel: Path, dest: Path) -> tuple[list[FileEntry], list[int], str]:
    try:
        archive = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidWheelError(f"{wheel.name} is not a valid wheel: {exc}") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        _check_sizes(infos, wheel)
        dist_info = _find_dist_info([i.filename for i in infos], wheel)
        seen: set[str] = set()
        names: list[str] = []
        for info in infos:
            name = _safe_member(info.filename, wheel)
            names.append(name)
            if name in seen:
                raise InvalidWheelError(
                    f"{wheel.name} has {name} twice", hint="the wheel is corrupt or was tampered with"
                )
            seen.add(name)
        record = _record_of(archive, dist_info, wheel)
        signatures = {f"{dist_info}/RECORD", f"{dist_info}/RECORD.jws", f"{dist_info}/RECORD.p7s"}
        entries: list[FileEntry] = []
        mtimes: list[int] = []
        dest.mkdir(parents=True, exist_ok=True)
        made: set[Path] = {dest}
        for info, name in zip(infos, names, strict=True):
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise InvalidWheelError(
                    f"{wheel.name} has a symbolic link: {name}", hint="the wheel is unsafe; not installed"
                )
            if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                raise InvalidWheelError(
                    f"{wheel.name} has a special file: {name}", hint="the wheel is unsafe; not installed"
                )
            target = dest / name
            _make_dir(target.parent, made)
            digest = hashlib.sha256()
            size = 0
            try:
                with archive.open(info) as source, open(target, "wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise InvalidWheelError(f"{wheel.name} is corrupt ({name}): {exc}") from None
            executable = bool(mode & 0o111)
            if executable:
                os.chmod(target, 0o755)
            hashed = "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
            expected = record.get(info.filename) or record.get(name)
            is_signature = name in signatures
            if expected is None and not is_signature:
                raise InvalidWheelError(
                    f"{wheel.name}: {name} is not listed in its RECORD",
                    hint="the wheel is corrupt or was tampered with; not installed",
                )
            if expected is not None and not is_signature:
                want_hash, want_size = expected
                algorithm = want_hash.partition("=")[0]
                if algorithm == "sha256" and want_hash != hashed:
                    raise InvalidWheelError(
                        f"{wheel.name}: {name} does not match the hash RECORD gives for it",
                        hint="the wheel is corrupt or was tampered with",
                    )
                if want_size and want_size.isdigit() and int(want_size) != size:
                    raise InvalidWheelError(
                        f"{wheel.name}: {name} does not match the size RECORD gives for it"
                    )
            entries.append(FileEntry(name, hashed, size, executable))
            mtimes.append(os.lstat(target).st_mtime_ns)
        present = {e.path for e in entries} | {i.filename for i in infos}
        for listed in record:
            clean = listed.replace("\\", "/")
            if clean.endswith("/") or clean in signatures or clean in present:
                continue
            if _safe_member(clean, wheel, "lists a RECORD path") not in present:
                raise InvalidWheelError(
                    f"{wheel.name}: its RECORD lists {listed}, which the wheel does not have",
                    hint="the wheel is corrupt or was tampered with; not installed",
                )
    return entries, mtimes, dist_info


class DamagedEntryError(PipcompatError):
    """A cache entry whose files no longer match its manifest, and no wheel at hand to unpack again."""


_verified: dict[Path, UnpackedWheel] = {}
_verified_lock = threading.Lock()


def _from_manifest(root: Path, data: dict[str, object]) -> UnpackedWheel:
    rows = data["files"]
    assert isinstance(rows, list)
    files = tuple(map(FileEntry._make, rows))
    info = data.get("info")
    known = None
    if isinstance(info, list) and len(info) == 3:
        known = (bool(info[0]), str(info[1]), str(info[2]))
    return UnpackedWheel(root=root, files=files, dist_info=str(data["dist_info"]), info=known)


#: An entry with more files than twice this is checked in parts of about this many files, by up to
#: :data:`_CHECK_THREADS` threads at once: the biggest entries are checked first and linked first, and
#: one thread among a dozen busy ones would take a third of a second for 5,000 files.
_CHECK_PART = 1500
_CHECK_THREADS = 4
_check_pool: ThreadPoolExecutor | None = None


def _first_problem(tree: str, rows: list[list[Any]], mtimes: list[Any]) -> str | None:
    """The first file of *rows* (paths relative to *tree*, which ends with a separator) whose kind, size
    or modification time is not what the manifest says (*mtimes*: ``None`` where unknown), in words."""
    lstat = os.lstat
    is_reg = stat.S_ISREG
    for row, mtime in zip(rows, mtimes, strict=True):
        try:
            info = lstat(tree + row[0])
        except OSError:
            return f"{row[0]} is missing"
        if not is_reg(info.st_mode) or info.st_size != int(row[2]):
            return f"{row[0]} has changed size"
        if mtime is not None and info.st_mtime_ns != mtime:
            return f"{row[0]} was modified"
    return None


def _problem_in_parts(tree: str, rows: list[list[Any]], mtimes: list[Any]) -> str | None:
    """:func:`_first_problem` for a big entry, its parts checked at once; the first problem in the
    manifest's order, as one pass would find it."""
    global _check_pool
    from concurrent.futures import ThreadPoolExecutor

    with _verified_lock:
        if _check_pool is None:
            _check_pool = ThreadPoolExecutor(_CHECK_THREADS, thread_name_prefix="pipcompat-check")
        pool = _check_pool
    step = -(-len(rows) // min(_CHECK_THREADS, len(rows) // _CHECK_PART))
    futures = [
        pool.submit(_first_problem, tree, rows[i : i + step], mtimes[i : i + step])
        for i in range(0, len(rows), step)
    ]
    for future in futures:
        problem = future.result()
        if problem is not None:
            return problem
    return None


def _check(root: Path) -> tuple[str | None, UnpackedWheel | None]:
    """What is wrong with the entry at *root* (``None``: whole, as far as sizes and times tell), and the
    entry when whole. Each entry is checked once per process."""
    found = _verified.get(root)
    if found is not None:
        return None, found
    try:
        data = json.loads((root / MANIFEST).read_bytes())
        rows = data["files"]
        mtimes = data.get("mtimes")
        if not isinstance(mtimes, list) or len(mtimes) != len(rows):
            mtimes = [None] * len(rows)
        tree = os.fspath(root / TREE) + os.sep
        if len(rows) > 2 * _CHECK_PART:
            problem = _problem_in_parts(tree, rows, mtimes)
        else:
            problem = _first_problem(tree, rows, mtimes)
        if problem is not None:
            return problem, None
        found = _from_manifest(root, data)
    except (OSError, ValueError, KeyError, IndexError, TypeError, AssertionError) as exc:
        return f"its manifest is unreadable ({exc.__class__.__name__})", None
    with _verified_lock:
        _verified[root] = found
    return None, found


def _damage(root: Path) -> str | None:
    """What is wrong with the entry at *root* (``None``: whole, as far as sizes and times tell)."""
    return _check(root)[0]


def _whole(root: Path) -> UnpackedWheel | None:
    if root not in _verified and not (root / MANIFEST).is_file():
        return None
    return _check(root)[1]


def _wheel_info(tree: Path, dist_info: str) -> list[object] | None:
    """``[purelib, name, version]`` from the unpacked ``WHEEL`` and ``METADATA`` headers (no email parser:
    only the first header block is read, and only three fields)."""
    try:
        wheel = _headers((tree / dist_info / "WHEEL").read_bytes(), {"root-is-purelib"})
        metadata = _headers((tree / dist_info / "METADATA").read_bytes(), {"name", "version"})
    except OSError:
        return None
    if "name" not in metadata or "version" not in metadata:
        return None
    purelib = wheel.get("root-is-purelib", "true").strip().lower() == "true"
    return [purelib, metadata["name"], metadata["version"]]


def _headers(data: bytes, wanted: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in data.decode("utf-8", "surrogateescape").splitlines():
        if not raw.strip():
            break
        if raw[:1] in (" ", "\t"):
            continue
        key, sep, value = raw.partition(":")
        key = key.strip().lower()
        if sep and key in wanted and key not in found:
            found[key] = value.strip()
    return found


def _wheel_name(root: Path) -> str:
    try:
        return str(json.loads((root / MANIFEST).read_text(encoding="utf-8"))["wheel"])
    except (OSError, ValueError, KeyError, TypeError):
        return root.name


def unpack_wheel(wheel: Path, cache: Cache, *, sha256: str | None = None) -> UnpackedWheel:
    """The cache entry of *wheel* (created on first use); *sha256* of the file when already known.

    A damaged entry is unpacked again from *wheel*; when *wheel* is not there, :class:`DamagedEntryError`.
    """
    digest = sha256 or file_sha256(wheel)
    root = cache.entry("archives", digest)
    found = _whole(root)
    if found is not None:
        return found
    with cache.lock(root):
        found = _whole(root)
        if found is not None:
            return found
        if root.exists():
            problem = _damage(root) or "it is incomplete"
            if not wheel.is_file():
                name = _wheel_name(root)
                project = name.split("-", 1)[0]
                raise DamagedEntryError(
                    f"the cache entry of {name} is damaged ({problem}): {root}",
                    hint=f"run `pipcompat cache clean {project}` and try again",
                )
            _discard(root)
        with atomic_directory(root) as temp:
            entries, mtimes, dist_info = _extract(wheel, temp / TREE)
            manifest: dict[str, object] = {
                "wheel": wheel.name,
                "dist_info": dist_info,
                "files": [[e.path, e.hash, e.size, e.executable] for e in entries],
                "mtimes": mtimes,
                "info": _wheel_info(temp / TREE, dist_info),
            }
            (temp / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    made = _from_manifest(root, manifest)
    with _verified_lock:
        _verified[root] = made  # whole by construction: not checked again by this process
    return made


def _discard(root: Path) -> None:
    import shutil
    import tempfile

    aside = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.", suffix=".bad"))
    os.replace(root, aside / "entry")
    shutil.rmtree(aside, ignore_errors=True)
