"""Wheel metadata over range requests: how few requests and bytes it takes, and what it does with odd zips."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from pipcompat.errors import PipcompatError
from pipcompat.index.lazywheel import (
    MAX_TAIL_BYTES,
    TAIL_BYTES,
    RangesUnsupported,
    metadata_by_ranges,
    tail_bytes,
)

FILENAME = "foo_bar-1.0-py3-none-any.whl"
METADATA = b"Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\nRequires-Dist: baz>=2\n\n" + b"x" * 3000


class Server:
    """Answers ``Range: bytes=`` like a web server over *data*, and records what it was asked."""

    def __init__(self, data: bytes, *, ranges: bool = True) -> None:
        self.data = data
        self.ranges = ranges
        self.asked: list[str] = []

    def __call__(self, spec: str) -> tuple[int, dict[str, str], bytes]:
        self.asked.append(spec)
        data = self.data
        if not self.ranges:
            return 200, {}, data
        first, _, last = spec.removeprefix("bytes=").partition("-")
        if not first:
            start, end = max(0, len(data) - int(last)), len(data) - 1
        else:
            start, end = int(first), min(int(last), len(data) - 1)
        return 206, {"Content-Range": f"bytes {start}-{end}/{len(data)}"}, data[start : end + 1]

    @property
    def bytes_sent(self) -> int:
        total = 0
        for spec in self.asked:
            first, _, last = spec.removeprefix("bytes=").partition("-")
            total += int(last) if not first else int(last) - int(first) + 1
        return total


def wheel(files: list[tuple[str, bytes]], *, dist_info_first: bool = False, prefix: bytes = b"") -> bytes:
    dist_info = [
        ("foo_bar-1.0.dist-info/METADATA", METADATA),
        ("foo_bar-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
        ("foo_bar-1.0.dist-info/RECORD", b""),
    ]
    members = dist_info + files if dist_info_first else files + dist_info
    buffer = io.BytesIO()
    buffer.write(prefix)
    with zipfile.ZipFile(buffer, "a" if prefix else "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def many_files(count: int) -> list[tuple[str, bytes]]:
    return [(f"foo_bar/package_with_a_long_name/module_{i:05d}.py", b"x = 1\n") for i in range(count)]


def test_a_small_wheel_takes_one_request() -> None:
    server = Server(wheel([("foo_bar/__init__.py", b"")]))
    assert metadata_by_ranges(server, FILENAME, "https://h/w.whl") == METADATA
    assert server.asked == [f"bytes=-{TAIL_BYTES}"]


def test_a_wheel_with_a_big_central_directory_takes_two_requests_and_a_few_bytes() -> None:
    data = wheel([*many_files(3000), ("foo_bar/blob.bin", os.urandom(300_000))])
    server = Server(data)
    assert metadata_by_ranges(server, FILENAME, "https://h/w.whl") == METADATA
    # the tail holds the .dist-info records of the central directory; only METADATA's bytes follow
    assert len(server.asked) == 2
    assert server.bytes_sent < TAIL_BYTES + 4096


def big_binary_wheel() -> bytes:
    """A wheel shaped like numpy's: 1,500 files, a RECORD listing them after METADATA, and 12 MB of
    (stored) binaries, so that METADATA starts a few hundred KiB before the end."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in many_files(1500):
            archive.writestr(name, data)
        archive.writestr(zipfile.ZipInfo("foo_bar/_core.so"), os.urandom(12_000_000))
        archive.writestr("foo_bar-1.0.dist-info/METADATA", METADATA)
        archive.writestr("foo_bar-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n")
        record = "".join(f"{name},sha256={os.urandom(32).hex()},6\n" for name, _ in many_files(1500))
        archive.writestr("foo_bar-1.0.dist-info/RECORD", record)
    return buffer.getvalue()


def test_a_big_wheel_of_known_size_takes_one_request_sized_by_it() -> None:
    data = big_binary_wheel()
    start_of_metadata = data.index(b"foo_bar-1.0.dist-info/METADATA")
    assert len(data) - start_of_metadata > TAIL_BYTES  # a 64 KiB tail would not reach it
    server = Server(data)
    assert metadata_by_ranges(server, FILENAME, "https://h/w.whl", size=len(data)) == METADATA
    assert server.asked == [f"bytes=-{tail_bytes(len(data))}"]
    # Without the size, the same wheel takes the small tail, then METADATA's own bytes.
    server = Server(data)
    assert metadata_by_ranges(server, FILENAME, "https://h/w.whl") == METADATA
    assert len(server.asked) == 2 and server.asked[0] == f"bytes=-{TAIL_BYTES}"


def test_the_first_request_grows_with_the_size_within_bounds() -> None:
    assert tail_bytes(None) == tail_bytes(0) == tail_bytes(10_000) == TAIL_BYTES
    assert tail_bytes(16_000_000) == 400_000
    assert tail_bytes(2_000_000_000) == MAX_TAIL_BYTES


def test_a_wrong_size_from_the_index_still_gives_the_metadata() -> None:
    data = wheel([("foo_bar/__init__.py", b"")])
    for size in (1, len(data) * 1000):
        server = Server(data)
        assert metadata_by_ranges(server, FILENAME, "https://h/w.whl", size=size) == METADATA


def test_metadata_recorded_early_in_a_big_central_directory_is_still_found() -> None:
    data = wheel(many_files(3000), dist_info_first=True)
    server = Server(data)
    assert metadata_by_ranges(server, FILENAME, "https://h/w.whl") == METADATA
    assert len(server.asked) == 3  # the tail, the rest of the central directory, METADATA


def test_an_archive_with_bytes_before_it_is_read_through_zipfile() -> None:
    server = Server(wheel(many_files(10), prefix=b"#!/bin/sh\nexit 0\n"))
    assert metadata_by_ranges(server, FILENAME, "https://h/w.whl") == METADATA


def test_a_corrupt_metadata_member_is_an_error_naming_the_wheel() -> None:
    data = bytearray(wheel([("foo_bar/__init__.py", b"")], dist_info_first=True))
    start = data.index(b"foo_bar-1.0.dist-info/METADATA") + len("foo_bar-1.0.dist-info/METADATA")
    data[start + 5] ^= 0xFF
    with pytest.raises(PipcompatError, match=r"https://h/w\.whl is not a valid wheel"):
        metadata_by_ranges(Server(bytes(data)), FILENAME, "https://h/w.whl")


def test_a_wheel_without_metadata_is_an_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("foo_bar/__init__.py", b"")
    with pytest.raises(PipcompatError, match=r"has no \.dist-info/METADATA"):
        metadata_by_ranges(Server(buffer.getvalue()), FILENAME, "https://h/w.whl")


def test_a_server_that_ignores_ranges_is_reported_after_one_request() -> None:
    server = Server(wheel([]), ranges=False)
    with pytest.raises(RangesUnsupported):
        metadata_by_ranges(server, FILENAME, "https://h/w.whl")
    assert len(server.asked) == 1
