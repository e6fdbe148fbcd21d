"""Unpacking source archives safely: ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz`` and ``.zip``.

:func:`extract_archive` checks every member before anything is written, then writes the members itself
(the same code on every supported Python), so that what is refused, and how the files end up, does not
depend on the running Python's ``tarfile``. Where Python has the tar extraction filters (3.12+, 3.10.12,
3.11.4) the ``data`` filter also checks every tar member, as a second line of defence.

Refused, with one :class:`UnsafeArchiveError` naming the archive and the member:

- names that are absolute, have a drive letter, a backslash, a NUL, or a ``..`` component;
- symbolic links whose target is absolute or lands outside the destination, links that point at the
  destination itself, and any name or link target that goes *through* a symbolic link of the archive
  (so that a chain of links cannot lead outside); hard links to anything but a regular file met before;
- device files, FIFOs and anything that is not a file, a directory or a link (tar), and zip entries whose
  Unix mode says symbolic link or special file;
- an entry whose name is met again when either of the two is a link (a file written over a link);
- more than :attr:`ArchiveLimits.max_members` members, more than :attr:`ArchiveLimits.max_total_size`
  bytes in all, and archives that expand more than :attr:`ArchiveLimits.max_ratio` times their own size
  (zip bombs), past a floor of :attr:`ArchiveLimits.ratio_floor` bytes.

Files are written with the owner's read/write bits (and execute bits when the archive's owner could
execute them), never setuid/setgid or group/other write: the ``data`` filter's rule. On refusal the
destination is removed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from pipcompat.errors import PipcompatError

#: The archive suffixes :func:`extract_archive` knows.
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")

_CHUNK = 1 << 20


class UnsafeArchiveError(PipcompatError):
    """An archive that would write outside its destination, or is too big to unpack."""

    def __init__(self, archive: Path | str, problem: str) -> None:
        name = archive.name if isinstance(archive, Path) else archive
        super().__init__(
            f"refusing to unpack {name}: {problem}",
            hint="the archive is unsafe or damaged; nothing was installed from it",
        )
        self.problem = problem


@dataclass(frozen=True)
class ArchiveLimits:
    """How big an archive may get when unpacked."""

    max_members: int = 200_000
    max_total_size: int = 8 << 30
    """Bytes of all files together (8 GiB)."""
    max_ratio: int = 250
    """Unpacked size over archive size, checked once the unpacked size passes :attr:`ratio_floor`."""
    ratio_floor: int = 128 << 20


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class _Member:
    """One archive member, as checked: its clean name and what it is."""

    name: str
    kind: str
    """``file``, ``dir``, ``symlink`` or ``hardlink``."""
    size: int = 0
    executable: bool = False
    link: str = ""
    """The clean target (archive-relative) of a hard link, or the raw target of a symbolic link."""
    source: object = None
    """The ``TarInfo`` or ``ZipInfo``."""


def clean_member_name(name: str) -> str | None:
    """*name* as a relative posix path without ``.`` parts (``None`` when it is unsafe or empty)."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return None
    if len(name) > 1 and name[1] == ":":
        return None
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".")]
    if any(part == ".." for part in parts):
        return None
    return "/".join(parts)


def _through_link(path: str, links: set[str]) -> str | None:
    """The first proper prefix of *path* that is a symbolic link of the archive, if any."""
    parts = path.split("/")
    for end in range(1, len(parts)):
        prefix = "/".join(parts[:end])
        if prefix in links:
            return prefix
    return None


def _link_target_problem(name: str, target: str, links: set[str]) -> str | None:
    """Why the symbolic link *name* → *target* is unsafe (``None``: it stays inside)."""
    if not target or "\x00" in target or "\\" in target or target.startswith("/"):
        return f"symbolic link {name} points to {target!r}, outside the archive"
    if len(target) > 1 and target[1] == ":":
        return f"symbolic link {name} points to {target!r}, outside the archive"
    current = name.split("/")[:-1]
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if current and "/".join(current) in links:
            return f"symbolic link {name} points through another link ({'/'.join(current)})"
        if part == "..":
            if not current:
                return f"symbolic link {name} points to {target!r}, outside the archive"
            current.pop()
        else:
            current.append(part)
    if not current:
        return f"symbolic link {name} points to the top of the archive"
    return None


def _tar_members(tf: tarfile.TarFile, archive: Path, limits: ArchiveLimits) -> Iterator[_Member]:
    total = 0
    for count, info in enumerate(tf, 1):
        # Stop early: reading the headers of a compressed tar decompresses everything before them.
        total += info.size if info.isreg() else 0
        if count > limits.max_members:
            raise UnsafeArchiveError(archive, f"it has more than {limits.max_members} members")
        if total > limits.max_total_size:
            raise UnsafeArchiveError(
                archive, f"it would unpack to more than the limit of {limits.max_total_size} bytes"
            )
        name = clean_member_name(info.name)
        if name is None:
            raise UnsafeArchiveError(
                archive, f"member {info.name!r} would be written outside the destination"
            )
        if info.isdir():
            yield _Member(name, "dir", source=info)
        elif info.isreg():
            yield _Member(name, "file", info.size, bool(info.mode & 0o100), source=info)
        elif info.issym():
            yield _Member(name, "symlink", link=info.linkname, source=info)
        elif info.islnk():
            target = clean_member_name(info.linkname)
            if target is None:
                raise UnsafeArchiveError(
                    archive, f"hard link {info.name} points to {info.linkname!r}, outside the archive"
                )
            yield _Member(name, "hardlink", link=target, source=info)
        else:
            kind = "a device file" if info.ischr() or info.isblk() else "a FIFO" if info.isfifo() else None
            raise UnsafeArchiveError(archive, f"member {info.name} is {kind or 'a special file'}")


def _zip_members(zf: zipfile.ZipFile, archive: Path) -> Iterator[_Member]:
    for info in zf.infolist():
        name = clean_member_name(info.filename)
        if name is None:
            raise UnsafeArchiveError(
                archive, f"member {info.filename!r} would be written outside the destination"
            )
        mode = info.external_attr >> 16
        if info.is_dir() or stat.S_ISDIR(mode):
            yield _Member(name, "dir", source=info)
            continue
        if mode and stat.S_ISLNK(mode):
            raise UnsafeArchiveError(archive, f"member {info.filename} is a symbolic link")
        if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            raise UnsafeArchiveError(archive, f"member {info.filename} is a special file")
        if info.compress_size == 0 and info.file_size > 0:
            raise UnsafeArchiveError(archive, f"member {info.filename} claims data it does not have")
        yield _Member(name, "file", info.file_size, bool(mode & 0o100), source=info)


def _data_filter_check(members: list[_Member], archive: Path, dest: Path) -> None:
    """Python's own ``data`` filter over members :func:`_check` accepted (a second line of defence)."""
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is None:  # pragma: no cover - Pythons without extraction filters
        return
    for member in members:
        assert isinstance(member.source, tarfile.TarInfo)
        try:
            data_filter(member.source, str(dest))
        except tarfile.TarError as error:  # FilterError and its kinds
            raise UnsafeArchiveError(archive, f"member {member.source.name!r}: {error}") from None


def _check(members: list[_Member], archive: Path, archive_size: int, limits: ArchiveLimits) -> None:
    if len(members) > limits.max_members:
        raise UnsafeArchiveError(archive, f"it has more than {limits.max_members} members")
    total = sum(member.size for member in members)
    if total > limits.max_total_size:
        raise UnsafeArchiveError(
            archive, f"it would unpack to {total} bytes, more than the limit of {limits.max_total_size}"
        )
    if total > limits.ratio_floor and total > archive_size * limits.max_ratio:
        raise UnsafeArchiveError(
            archive,
            f"it would unpack to {total} bytes from {archive_size} "
            f"(more than {limits.max_ratio} times its size: an archive bomb)",
        )
    links = {member.name for member in members if member.kind == "symlink"}
    kinds: dict[str, str] = {}
    for member in members:
        through = _through_link(member.name, links)
        if through is not None:
            raise UnsafeArchiveError(
                archive, f"member {member.name} would be written through the link {through}"
            )
        previous = kinds.get(member.name)
        if previous is not None and (
            "symlink" in (previous, member.kind)
            or ("dir" in (previous, member.kind) and previous != member.kind)
        ):
            raise UnsafeArchiveError(
                archive, f"member {member.name} appears twice, once as a link or directory"
            )
        if member.kind == "symlink":
            problem = _link_target_problem(member.name, member.link, links)
            if problem is not None:
                raise UnsafeArchiveError(archive, problem)
        elif member.kind == "hardlink" and (
            kinds.get(member.link) not in ("file", "hardlink") or _through_link(member.link, links)
        ):
            raise UnsafeArchiveError(
                archive, f"hard link {member.name} points to {member.link}, which is not a file before it"
            )
        kinds[member.name] = member.kind


def _copy(source: IO[bytes], target: Path, member: _Member, archive: Path) -> None:
    written = 0
    expected, name = member.size, member.name
    mode = 0o755 if member.executable else 0o644
    with open(target, "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > expected:
                raise UnsafeArchiveError(archive, f"member {name} is larger than it says")
            out.write(chunk)
    os.chmod(target, mode)


def _is_within(path: str, root: Path) -> bool:
    return path == str(root) or path.startswith(str(root) + os.sep)


def _write(
    members: list[_Member], dest: Path, archive: Path, open_member: object, resolve_within: Path
) -> None:
    assert callable(open_member)
    ready: set[Path] = set()
    """Directories made and found to be inside the destination."""
    written: set[str] = set()
    for member in members:
        target = dest / member.name
        if member.kind == "dir":
            target.mkdir(parents=True, exist_ok=True)
            continue
        parent = target.parent
        if parent not in ready:
            parent.mkdir(parents=True, exist_ok=True)
            if not _is_within(os.path.realpath(parent), resolve_within):
                raise UnsafeArchiveError(
                    archive, f"member {member.name} would be written outside the destination"
                )
            ready.add(parent)
        if member.name in written and (target.is_symlink() or target.is_dir()):
            raise UnsafeArchiveError(archive, f"member {member.name} would overwrite a link or a directory")
        written.add(member.name)
        if member.kind == "file":
            stream = open_member(member)
            with stream:
                _copy(stream, target, member, archive)
        elif member.kind == "hardlink":
            shutil.copyfile(dest / member.link, target)
            os.chmod(target, stat.S_IMODE(os.stat(dest / member.link).st_mode))
        else:
            os.symlink(member.link, target)
            resolved = os.path.realpath(target)
            if not _is_within(resolved, resolve_within):
                raise UnsafeArchiveError(
                    archive, f"symbolic link {member.name} resolves outside the destination"
                )


def extract_archive(archive: Path, dest: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> Path:
    """Unpack *archive* into *dest* (created; it must not exist or be empty) and return the project
    directory: the single top-level directory when there is one, else *dest*.

    Raises :class:`UnsafeArchiveError` for an unsafe or oversized archive (after removing *dest*), and
    :class:`~pipcompat.errors.PipcompatError` for one that cannot be read.
    """
    lower = archive.name.lower()
    if not lower.endswith(ARCHIVE_SUFFIXES):
        raise PipcompatError(f"cannot unpack {archive.name}: not a .tar.gz, .tar.bz2, .tar.xz, .tar or .zip")
    if dest.exists() and any(dest.iterdir()):
        raise PipcompatError(f"cannot unpack {archive.name} into {dest}: the directory is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    within = Path(os.path.realpath(dest))
    try:
        size = archive.stat().st_size
        if lower.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                members = list(_zip_members(zf, archive))
                _check(members, archive, size, limits)

                def open_zip(member: _Member) -> IO[bytes]:
                    assert isinstance(member.source, zipfile.ZipInfo)
                    return zf.open(member.source)

                _write(members, dest, archive, open_zip, within)
        else:
            with tarfile.open(archive) as tf:
                members = list(_tar_members(tf, archive, limits))
                _check(members, archive, size, limits)
                _data_filter_check(members, archive, within)

                def open_tar(member: _Member) -> IO[bytes]:
                    assert isinstance(member.source, tarfile.TarInfo)
                    stream = tf.extractfile(member.source)
                    if stream is None:
                        raise UnsafeArchiveError(archive, f"member {member.name} has no data")
                    return stream

                _write(members, dest, archive, open_tar, within)
    except UnsafeArchiveError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (
        tarfile.TarError,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
    ) as error:
        shutil.rmtree(dest, ignore_errors=True)
        raise PipcompatError(f"cannot unpack {archive.name}: {error}") from None
    entries = list(dest.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return dest


__all__ = [
    "ARCHIVE_SUFFIXES",
    "DEFAULT_LIMITS",
    "ArchiveLimits",
    "UnsafeArchiveError",
    "clean_member_name",
    "extract_archive",
]
