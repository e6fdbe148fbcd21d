"""Core metadata out of a wheel: from a local file, or over HTTP range requests without downloading it.

:class:`RangeFile` is a read-only, seekable file object over ``Range: bytes=`` requests: it first reads
the tail of the file (where the zip central directory is, and usually the ``.dist-info`` files, which
wheels store last), then fetches only the byte ranges asked for. :func:`metadata_by_ranges` reads the
``METADATA`` member straight from the central directory records it finds in that tail (no ``ZipInfo`` for
each of a big wheel's thousands of files, and no need for the whole central directory when the
``.dist-info`` records are in the tail, as they are in wheels written by the usual tools): one request for
most wheels (the first asks for a share of the wheel's size when the index gave it), two for some big
ones. Anything unusual (ZIP64, a prefixed archive, several ``.dist-info`` directories) goes through
``zipfile`` over the same :class:`RangeFile`.
"""

from __future__ import annotations

import email.parser
import io
import struct
import zlib
from collections.abc import Callable, Mapping
from typing import IO, Any

from pipcompat.errors import PipcompatError, redact
from pipcompat.index.urls import canonical_name

#: ``get_range("bytes=a-b") -> (status, headers, body)``
GetRange = Callable[[str], tuple[int, Mapping[str, str], bytes]]

#: How much of the end of a wheel the first request asks for, at least.
TAIL_BYTES = 64 * 1024
#: ... and at most, when the wheel's size makes a bigger guess (see :func:`tail_bytes`).
MAX_TAIL_BYTES = 512 * 1024
#: The share of a wheel's size the first request asks for (1/40: 2.5%).
TAIL_SHARE = 40
#: The smallest range fetched for a later read.
MIN_CHUNK = 16 * 1024


def tail_bytes(size: int | None) -> int:
    """How much of the end of a wheel of *size* bytes (``None``: unknown) to ask for first.

    ``METADATA`` sits before the central directory and, in wheels written by the usual tools, before
    ``RECORD``; both grow with the number of files, and so, roughly, does the wheel. In the big wheels of a
    data-science stack (numpy, pandas, scikit-learn, statsmodels, jupyterlab) ``METADATA`` starts 0.2-2% of
    the file from its end, 120-250 KiB: a 64 KiB tail then needs a second round trip, on the resolver's
    path. 2.5% of the size (between 64 and 512 KiB) takes them in one request.
    """
    if not size or size <= 0:
        return TAIL_BYTES
    return min(MAX_TAIL_BYTES, max(TAIL_BYTES, size // TAIL_SHARE))


class RangesUnsupported(Exception):
    """The server answered a range request with the whole file (``body`` holds it) or an error."""

    def __init__(self, body: bytes | None = None) -> None:
        super().__init__("range requests are not supported")
        self.body = body


class RangeFile(io.RawIOBase):
    """A seekable view of a remote file; ``get_range(start, end)`` returns ``(status, headers, body)``.

    The first request asks for the last *tail* bytes.
    """

    def __init__(self, get_range: GetRange, url: str, *, tail: int = TAIL_BYTES) -> None:
        super().__init__()
        self._get = get_range
        self._url = url
        self._chunks: list[tuple[int, bytes]] = []
        self._pos = 0
        self.requests = 0
        status, headers, body = self._get(f"bytes=-{tail}")
        self.requests += 1
        if status == 200:
            raise RangesUnsupported(body)
        if status == 416:  # empty file, or shorter than... nothing to read
            raise RangesUnsupported(None)
        if status != 206:
            raise RangesUnsupported(None)
        total = _total_from(headers.get("Content-Range", ""))
        if total is None:
            raise RangesUnsupported(None)
        self.length = total
        self.tail_start = total - len(body)
        self.tail = body
        self._chunks.append((self.tail_start, body))

    # io protocol ---------------------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        elif whence == io.SEEK_END:
            self._pos = self.length + offset
        else:
            raise ValueError(f"bad whence {whence}")
        self._pos = max(0, self._pos)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = self.length if size is None or size < 0 else min(self.length, start + size)
        if start >= end:
            return b""
        data = self._slice(start, end)
        self._pos = end
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    # ranges ----------------------------------------------------------------------------------------------

    def bytes_at(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``: from what was read already, else from one request for exactly the part
        that is missing (a range that ends inside a chunk read before fetches only what precedes it)."""
        end = min(end, self.length)
        for chunk_start, chunk in self._chunks:
            if chunk_start <= start and end <= chunk_start + len(chunk):
                return chunk[start - chunk_start : end - chunk_start]
        fetch_end = end
        after = b""
        for chunk_start, chunk in self._chunks:
            if start < chunk_start < end <= chunk_start + len(chunk):
                fetch_end = chunk_start
                after = chunk[: end - chunk_start]
                break
        body = self._fetch(start, fetch_end)
        self._chunks.append((start, body))
        return body + after

    def _fetch(self, start: int, end: int) -> bytes:
        status, _headers, body = self._get(f"bytes={start}-{end - 1}")
        self.requests += 1
        if status != 206 or len(body) != end - start:
            raise RangesUnsupported(body if status == 200 else None)
        return body

    def _slice(self, start: int, end: int) -> bytes:
        for chunk_start, chunk in self._chunks:
            if chunk_start <= start and end <= chunk_start + len(chunk):
                return chunk[start - chunk_start : end - chunk_start]
        fetch_end = min(self.length, max(end, start + MIN_CHUNK))
        body = self._fetch(start, fetch_end)
        self._chunks.append((start, body))
        return body[: end - start]


def _total_from(content_range: str) -> int | None:
    """The complete length from ``Content-Range: bytes a-b/total``."""
    _, _, total = content_range.rpartition("/")
    try:
        return int(total)
    except ValueError:
        return None


def metadata_member(names: list[str], filename: str) -> str:
    """The ``<name>-<version>.dist-info/METADATA`` member of a wheel (matching the file's project)."""
    candidates = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
    if len(candidates) == 1:
        return candidates[0]
    project = canonical_name(filename.partition("-")[0])
    for name in candidates:
        if canonical_name(name.partition("/")[0].removesuffix(".dist-info").partition("-")[0]) == project:
            return name
    raise PipcompatError(
        f"{filename} has {'no' if not candidates else 'more than one'} .dist-info/METADATA",
        hint="the wheel is broken; report it to the project",
    )


def read_wheel_metadata(stream: IO[bytes], filename: str, url: str) -> bytes:
    """The core metadata of the wheel in *stream*."""
    import zipfile  # a whole wheel: range requests read the archive's parts themselves

    try:
        with zipfile.ZipFile(stream) as archive:
            return bytes(archive.read(metadata_member(archive.namelist(), filename)))
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as error:
        raise PipcompatError(
            f"{redact(url)} is not a valid wheel ({error})", hint="the file is broken or was cut off"
        ) from None


def metadata_by_ranges(get_range: GetRange, filename: str, url: str, *, size: int | None = None) -> bytes:
    """The core metadata of the remote wheel *url* (named *filename*, *size* bytes long if known) through
    range requests.

    Raises :class:`RangesUnsupported` when the server does not answer ranges (then nothing but the first
    request was made).
    """
    remote = RangeFile(get_range, url, tail=tail_bytes(size))
    found = _metadata_from_directory(remote, filename, url)
    if found is not None:
        return found
    return read_wheel_metadata(remote, filename, url)  # type: ignore[arg-type]


_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_CENTRAL = b"PK\x01\x02"
_CENTRAL_SIZE = 46
_LOCAL = b"PK\x03\x04"
_LOCAL_SIZE = 30
_STORED, _DEFLATED = 0, 8  # compression methods, as zipfile.ZIP_STORED and ZIP_DEFLATED
_METADATA_SUFFIX = b".dist-info/METADATA"
#: Room for a local header's extra field (usually empty in wheels), so that one request is enough.
_LOCAL_EXTRA_ROOM = 256


class _Entry:
    __slots__ = ("compressed_size", "crc", "flags", "method", "name", "offset", "size")

    def __init__(self, name: str, fields: tuple[int, ...]) -> None:
        self.name = name
        self.flags, self.method = fields[2], fields[3]
        self.crc, self.compressed_size, self.size = fields[6], fields[7], fields[8]
        self.offset = fields[15]


def _metadata_entries(directory: bytes) -> list[_Entry]:
    """The ``<dir>.dist-info/METADATA`` records in (a trailing part of) a central directory.

    Found by their names rather than by walking every record: a record is the 46-byte header, then the
    name; one is taken only when its header's name length ends the name exactly there.
    """
    found: list[_Entry] = []
    position = directory.find(_METADATA_SUFFIX)
    while position >= 0:
        end = position + len(_METADATA_SUFFIX)
        header = directory.rfind(_CENTRAL, 0, position)
        if header >= 0 and header + _CENTRAL_SIZE <= position:
            fields = struct.unpack_from("<4s6H3L5H2L", directory, header)
            if header + _CENTRAL_SIZE + fields[10] == end:
                raw = directory[header + _CENTRAL_SIZE : end]
                name = raw.decode("utf-8" if fields[3] & 0x800 else "cp437", "replace")
                if name.count("/") == 1:
                    found.append(_Entry(name, fields[1:]))
        position = directory.find(_METADATA_SUFFIX, end)
    return found


def _project_of(member: str) -> str:
    return canonical_name(member.partition("/")[0].removesuffix(".dist-info").partition("-")[0])


def _metadata_from_directory(remote: RangeFile, filename: str, url: str) -> bytes | None:
    """``METADATA`` read with the central directory's own records, or ``None`` for the ``zipfile`` path."""
    tail, tail_start = remote.tail, remote.tail_start
    eocd = tail.rfind(_EOCD)
    if eocd < 0 or eocd + _EOCD_SIZE > len(tail):
        return None
    _sig, disk, _cd_disk, _here, _total, cd_size, cd_offset, comment = struct.unpack_from(
        "<4s4H2LH", tail, eocd
    )
    # Not ZIP64, one disk, no bytes before the archive, no stray signature in a comment.
    if disk or eocd + _EOCD_SIZE + comment != len(tail) or cd_offset + cd_size != tail_start + eocd:
        return None
    project = canonical_name(filename.partition("-")[0])
    seen_from = max(cd_offset, tail_start)
    directory = tail[seen_from - tail_start : eocd]
    entries = [e for e in _metadata_entries(directory) if _project_of(e.name) == project]
    if not entries and seen_from > cd_offset:
        directory = remote.bytes_at(cd_offset, seen_from) + directory
        found = _metadata_entries(directory)
        entries = [e for e in found if _project_of(e.name) == project] or (found if len(found) == 1 else [])
    if len(entries) != 1:
        return None
    entry = entries[0]
    if entry.flags & 0x1 or entry.method not in (_STORED, _DEFLATED):
        return None
    if entry.offset in (0xFFFFFFFF,) or entry.compressed_size == 0xFFFFFFFF:
        return None
    name_length = len(entry.name.encode("utf-8" if entry.flags & 0x800 else "cp437"))
    guess_end = entry.offset + _LOCAL_SIZE + name_length + entry.compressed_size + _LOCAL_EXTRA_ROOM
    local = remote.bytes_at(entry.offset, min(guess_end, cd_offset))
    if len(local) < _LOCAL_SIZE or local[:4] != _LOCAL:
        return None
    name_length, extra_length = struct.unpack_from("<2H", local, 26)
    start = _LOCAL_SIZE + name_length + extra_length
    if len(local) < start + entry.compressed_size:
        local = remote.bytes_at(entry.offset, entry.offset + start + entry.compressed_size)
    raw = local[start : start + entry.compressed_size]
    try:
        data = zlib.decompress(raw, -15) if entry.method == _DEFLATED else raw
    except zlib.error as error:
        raise PipcompatError(
            f"{redact(url)} is not a valid wheel ({entry.name}: {error})",
            hint="the file is broken or was cut off",
        ) from None
    if len(data) != entry.size or zlib.crc32(data) != entry.crc:
        raise PipcompatError(
            f"{redact(url)} is not a valid wheel (bad CRC-32 for {entry.name})",
            hint="the file is broken or was cut off",
        )
    return data


def check_metadata(data: bytes, filename: str) -> bool:
    """Whether *data* looks like the core metadata of *filename*'s project (a sanity check for
    ``<file>.metadata`` answers that were not advertised)."""
    if not data.lstrip().startswith(b"Metadata-Version"):
        head = data[:4096].decode("utf-8", "replace")
        if "Metadata-Version:" not in head:
            return False
    message = email.parser.BytesHeaderParser().parsebytes(data[:65536])
    name = message.get("Name")
    if name is None:
        return False
    expected = canonical_name(filename.partition("-")[0]) if filename.endswith(".whl") else None
    return expected is None or canonical_name(str(name)) == expected
