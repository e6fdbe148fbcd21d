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
import functools
import hashlib
import io
import json
import mmap
import os
import stat
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pipcompat.cache import Cache, atomic_directory
from pipcompat.dist.entry_check import MANIFEST, TREE, first_problem
from pipcompat.errors import PipcompatError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

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


class WheelBytes(NamedTuple):
    """A wheel held in memory: a download small enough not to be written to disk before it is unpacked."""

    name: str
    """The wheel's file name."""
    data: bytes


#: What :func:`unpack_wheel` unpacks: a wheel file, or a wheel's bytes.
Wheel = Path | WheelBytes


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


def _safe_member(name: str, wheel: Wheel, what: str = "has a file") -> str:
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


def _check_sizes(infos: list[zipfile.ZipInfo], wheel: Wheel, size: int) -> None:
    """Refuse wheels with too many entries, too many bytes, or a bomb's compression ratio (*size*: the
    wheel's own)."""
    from pipcompat.dist.archives import DEFAULT_LIMITS as limits

    if len(infos) > limits.max_members:
        raise InvalidWheelError(f"{wheel.name} has more than {limits.max_members} files")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_size or (total > limits.ratio_floor and total > size * limits.max_ratio):
        raise InvalidWheelError(
            f"{wheel.name} would unpack to {total} bytes from {size}: refusing an archive bomb",
            hint="the wheel is unsafe; not installed",
        )


def _find_dist_info(names: list[str], wheel: Wheel) -> str:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    found = sorted(t for t in tops if t.endswith(".dist-info"))
    if len(found) != 1:
        raise InvalidWheelError(f"{wheel.name} has {len(found)} .dist-info directories, not one")
    return found[0]


def _record_of(archive: zipfile.ZipFile, dist_info: str, wheel: Wheel) -> dict[str, tuple[str, str]]:
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


def _make_dir(directory: str, made: set[str]) -> None:
    """``mkdir -p`` that knows which directories it made already: one ``mkdir`` per directory, not one
    or more per file (creating directories is slow on a busy filesystem)."""
    if directory in made:
        return
    parent = directory.rpartition("/")[0]
    if parent and parent != directory:
        _make_dir(parent, made)
    try:
        os.mkdir(directory)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise
    made.add(directory)


#: Members bigger than this are inflated in pieces (one piece in memory at a time); smaller ones in one call.
_WHOLE_MEMBER = 16 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")
#: ``os.fchmod`` where there is one (Windows has it only from Python 3.13).
_FCHMOD: Callable[[int, int], None] | None = getattr(os, "fchmod", None)
_COPY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class Inflater(NamedTuple):
    """Raw-deflate inflation: in one call, as a stream, and the errors either raises."""

    decompress: Callable[[Any, int, int], bytes]
    decompressobj: Callable[[int], Any]
    errors: tuple[type[Exception], ...]


@functools.cache
def _inflater() -> Inflater:
    """ISA-L's inflation (``isal``, a dependency where it has wheels: about twice as fast as zlib, and
    inflating is the biggest part of unpacking) when importable, else zlib's. Both leave the interpreter
    lock free while they work."""
    try:
        from isal import isal_zlib
    except ImportError:
        return Inflater(zlib.decompress, zlib.decompressobj, (zlib.error,))
    isal_error = cast("type[Exception]", isal_zlib.error)  # its stub calls the class an instance
    return Inflater(isal_zlib.decompress, isal_zlib.decompressobj, (zlib.error, isal_error))


def _member_span(view: memoryview, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Where *info*'s compressed bytes are in the archive's bytes *view*."""
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile("encrypted member")
    offset = info.header_offset
    if offset + _LOCAL_HEADER.size > len(view):
        raise zipfile.BadZipFile("local header beyond the end of the file")
    magic, name_size, extra_size = _LOCAL_HEADER.unpack_from(view, offset)
    if magic != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    start = offset + _LOCAL_HEADER.size + name_size + extra_size
    stop = start + info.compress_size
    if stop > len(view):
        raise zipfile.BadZipFile("member data beyond the end of the file")
    return start, stop


def _member_data(view: memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """The bytes of *info*, read straight from the archive's bytes: a stored member is copied out, a
    deflated one is inflated in one call. ``None`` for a member to stream instead (too big to hold at
    once, or compressed another way)."""
    if info.file_size > _WHOLE_MEMBER or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start, stop = _member_span(view, info)
    inflater = _inflater()
    raw = view[start:stop]  # released before returning: the map closes only when no slice is left
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            return bytes(raw)
        return inflater.decompress(raw, -15, info.file_size or 1)
    except inflater.errors as exc:
        raise zipfile.BadZipFile(str(exc)) from None
    finally:
        raw.release()


def _stream_member(
    archive: zipfile.ZipFile, view: memoryview, info: zipfile.ZipInfo, fd: int, digest: Any, *, crc: bool
) -> int:
    """Copy *info* into *fd* a piece at a time, hashing it on the way (and checking its CRC when *crc*);
    the size. Deflated and stored members are read from *view*; other methods through :mod:`zipfile`
    (which checks the CRC itself)."""
    size = 0
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with archive.open(info) as source:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                _write_all(fd, chunk)
        return size
    start, stop = _member_span(view, info)
    inflater = _inflater()
    stream = inflater.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    check = 0
    position = start
    pending = b""
    try:
        while True:
            if not pending and position < stop:
                with view[position : min(stop, position + _CHUNK)] as piece:
                    pending = bytes(piece)
                position += len(pending)
            if stream is None:
                out, pending = pending, b""
            else:
                out = stream.decompress(pending, 8 * _CHUNK)  # bounded: a piece may inflate a thousandfold
                pending = stream.unconsumed_tail
            if out:
                digest.update(out)
                if crc:
                    check = zlib.crc32(out, check)
                size += len(out)
                _write_all(fd, out)
            elif not pending and (position >= stop or (stream is not None and stream.eof)):
                break
    except inflater.errors as exc:
        raise zipfile.BadZipFile(str(exc)) from None
    if stream is not None and not stream.eof:
        raise zipfile.BadZipFile("the compressed data ends early")
    if size != info.file_size:
        raise zipfile.BadZipFile(f"{size} bytes, not {info.file_size}")
    if crc and check != info.CRC:
        raise zipfile.BadZipFile("bad CRC-32")
    return size


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _extract(wheel: Wheel, dest: Path) -> tuple[list[FileEntry], list[int], str]:
    """Unpack *wheel* into *dest*, checking every member against RECORD on the way.

    Members are read from the wheel's bytes (a memory map of a file) without :mod:`zipfile`'s per-member
    file objects: a deflated member is inflated in one call, hashed and written with ``os.write`` (each of
    those leaves the interpreter lock free, so several wheels unpack at once). The CRC of a member that
    RECORD gives a sha256 for is not computed (the sha256 is the stronger check); the others' CRC is."""
    if isinstance(wheel, WheelBytes):
        try:
            archive = zipfile.ZipFile(io.BytesIO(wheel.data))
        except (ValueError, zipfile.BadZipFile) as exc:
            raise InvalidWheelError(f"{wheel.name} is not a valid wheel: {exc}") from None
        with archive, memoryview(wheel.data) as view:
            return _extract_members(wheel, archive, view, dest)
    try:
        stream = open(wheel, "rb")  # noqa: SIM115 - closed below, after the map
    except OSError as exc:
        raise InvalidWheelError(f"{wheel.name} is not a valid wheel: {exc}") from None
    with stream:
        try:
            archive = zipfile.ZipFile(stream)
            mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise InvalidWheelError(f"{wheel.name} is not a valid wheel: {exc}") from None
        with archive, mapped, memoryview(mapped) as view:
            return _extract_members(wheel, archive, view, dest)


def _extract_members(
    wheel: Wheel, archive: zipfile.ZipFile, view: memoryview, dest: Path
) -> tuple[list[FileEntry], list[int], str]:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    _check_sizes(infos, wheel, len(view))
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
    root = os.fspath(dest)
    made: set[str] = {root}
    sha256 = hashlib.sha256
    encode = base64.urlsafe_b64encode
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
        expected = record.get(info.filename) or record.get(name)
        is_signature = name in signatures
        if expected is None and not is_signature:
            raise InvalidWheelError(
                f"{wheel.name}: {name} is not listed in its RECORD",
                hint="the wheel is corrupt or was tampered with; not installed",
            )
        checked_by_hash = expected is not None and not is_signature and expected[0][:7] == "sha256="
        parent, _, _ = name.rpartition("/")
        target = f"{root}/{name}"
        executable = bool(mode & 0o111)
        try:
            if parent:
                _make_dir(f"{root}/{parent}", made)
            data = _member_data(view, info)
            fd = os.open(target, _COPY_FLAGS, 0o666)
            try:
                if data is None:
                    digest = sha256()
                    size = _stream_member(archive, view, info, fd, digest, crc=not checked_by_hash)
                else:
                    size = len(data)
                    if size != info.file_size:
                        raise zipfile.BadZipFile(f"{size} bytes, not {info.file_size}")
                    if not checked_by_hash and zlib.crc32(data) != info.CRC:
                        raise zipfile.BadZipFile("bad CRC-32")
                    digest = sha256(data)
                    _write_all(fd, data)
                if executable and _FCHMOD is not None:
                    _FCHMOD(fd, 0o755)
                mtime = os.fstat(fd).st_mtime_ns
            finally:
                os.close(fd)
            if executable and _FCHMOD is None:
                os.chmod(target, 0o755)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InvalidWheelError(f"{wheel.name} is corrupt ({name}): {exc}") from None
        hashed = "sha256=" + encode(digest.digest()).rstrip(b"=").decode()
        if expected is not None and not is_signature:
            want_hash, want_size = expected
            if checked_by_hash and want_hash != hashed:
                raise InvalidWheelError(
                    f"{wheel.name}: {name} does not match the hash RECORD gives for it",
                    hint="the wheel is corrupt or was tampered with",
                )
            if want_size and want_size.isdigit() and int(want_size) != size:
                raise InvalidWheelError(f"{wheel.name}: {name} does not match the size RECORD gives for it")
        entries.append(FileEntry(name, hashed, size, executable))
        mtimes.append(mtime)
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
_prechecked: set[Path] = set()
"""Entries found whole by a check in another process (:func:`accept_checked`): only their manifest is read."""


def accept_checked(roots: Iterable[Path]) -> None:
    """Take the entries at *roots* as checked (whole) by this process: :func:`unpack_wheel` reads their
    manifests without checking every file again."""
    with _verified_lock:
        _prechecked.update(roots)


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
#: :data:`_CHECK_THREADS` threads at once (one per CPU, two to four): the biggest entries are checked
#: first and linked first, and one thread among a dozen busy ones would take a third of a second for
#: 5,000 files. More threads than CPUs only hand the interpreter lock to one another around each ``lstat``.
_CHECK_PART = 1500
_CHECK_THREADS = max(2, min(4, os.cpu_count() or 2))
_check_pool: ThreadPoolExecutor | None = None


def _problem_in_parts(tree: str, rows: list[list[Any]], mtimes: list[Any]) -> str | None:
    """:func:`~pipcompat.dist.entry_check.first_problem` for a big entry, its parts checked at once; the first problem in the
    manifest's order, as one pass would find it."""
    global _check_pool
    from concurrent.futures import ThreadPoolExecutor

    with _verified_lock:
        if _check_pool is None:
            _check_pool = ThreadPoolExecutor(_CHECK_THREADS, thread_name_prefix="pipcompat-check")
        pool = _check_pool
    step = -(-len(rows) // min(_CHECK_THREADS, len(rows) // _CHECK_PART))
    futures = [
        pool.submit(first_problem, tree, rows[i : i + step], mtimes[i : i + step])
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
        if root in _prechecked:
            problem = None
        elif len(rows) > 2 * _CHECK_PART:
            problem = _problem_in_parts(tree, rows, mtimes)
        else:
            problem = first_problem(tree, rows, mtimes)
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


def unpack_wheel(wheel: Wheel, cache: Cache, *, sha256: str | None = None) -> UnpackedWheel:
    """The cache entry of *wheel* (created on first use); *sha256* of the file when already known.

    A damaged entry is unpacked again from *wheel*; when *wheel* is not there, :class:`DamagedEntryError`.
    """
    digest = sha256 or (
        hashlib.sha256(wheel.data).hexdigest() if isinstance(wheel, WheelBytes) else file_sha256(wheel)
    )
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
            if isinstance(wheel, Path) and not wheel.is_file():
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
