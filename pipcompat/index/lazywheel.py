"""Core metadata out of a wheel: from a local file, or over HTTP range requests without downloading it.

:class:`RangeFile` is a read-only, seekable file object over ``Range: bytes=`` requests: it first reads
the tail of the file (where the zip central directory is, and usually the ``.dist-info`` files, which
wheels store last), then fetches only the byte ranges ``zipfile`` asks for. When the server ignores
``Range`` the first answer is the whole file, and it is simply used.
"""

from __future__ import annotations

import email.parser
import io
import zipfile
from collections.abc import Callable, Mapping
from typing import IO, Any

from pipcompat.errors import PipcompatError
from pipcompat.index.urls import canonical_name, redact

#: ``get_range("bytes=a-b") -> (status, headers, body)``
GetRange = Callable[[str], tuple[int, Mapping[str, str], bytes]]

#: How much of the end of a wheel the first request asks for.
TAIL_BYTES = 64 * 1024
#: The smallest range fetched for a later read.
MIN_CHUNK = 16 * 1024


class RangesUnsupported(Exception):
    """The server answered a range request with the whole file (``body`` holds it) or an error."""

    def __init__(self, body: bytes | None = None) -> None:
        super().__init__("range requests are not supported")
        self.body = body


class RangeFile(io.RawIOBase):
    """A seekable view of a remote file; ``get_range(start, end)`` returns ``(status, headers, body)``."""

    def __init__(self, get_range: GetRange, url: str) -> None:
        super().__init__()
        self._get = get_range
        self._url = url
        self._chunks: list[tuple[int, bytes]] = []
        self._pos = 0
        self.requests = 0
        status, headers, body = self._get(f"bytes=-{TAIL_BYTES}")
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
        self._chunks.append((total - len(body), body))

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

    def _slice(self, start: int, end: int) -> bytes:
        for chunk_start, chunk in self._chunks:
            if chunk_start <= start and end <= chunk_start + len(chunk):
                return chunk[start - chunk_start : end - chunk_start]
        fetch_end = min(self.length, max(end, start + MIN_CHUNK))
        status, _headers, body = self._get(f"bytes={start}-{fetch_end - 1}")
        self.requests += 1
        if status != 206 or len(body) != fetch_end - start:
            raise RangesUnsupported(body if status == 200 else None)
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
    try:
        with zipfile.ZipFile(stream) as archive:
            return bytes(archive.read(metadata_member(archive.namelist(), filename)))
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as error:
        raise PipcompatError(
            f"{redact(url)} is not a valid wheel ({error})", hint="the file is broken or was cut off"
        ) from None


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
