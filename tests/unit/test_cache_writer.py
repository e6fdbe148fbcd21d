"""The cache's background writer: entries written off the caller's thread, in order, never half-written."""

from __future__ import annotations

import threading
from pathlib import Path

from pipcompat.cache import BackgroundWriter


def test_entries_are_written_in_order_and_flush_waits_for_them(tmp_path: Path) -> None:
    writer = BackgroundWriter()
    target = tmp_path / "a" / "b" / "entry"
    for number in range(50):
        writer.write(target, f"version {number}".encode())
    writer.write(tmp_path / "parts", (b"one ", b"two"))
    writer.flush()
    assert target.read_bytes() == b"version 49"
    assert (tmp_path / "parts").read_bytes() == b"one two"


def test_data_given_as_a_function_is_made_on_the_writers_thread(tmp_path: Path) -> None:
    writer = BackgroundWriter()
    made_on: list[threading.Thread] = []

    def make() -> bytes:
        made_on.append(threading.current_thread())
        return b"made later"

    writer.write(tmp_path / "entry", make)
    writer.flush()
    assert (tmp_path / "entry").read_bytes() == b"made later"
    assert made_on and made_on[0] is not threading.current_thread()


def test_a_function_that_fails_writes_nothing_and_the_next_entries_still_are(tmp_path: Path) -> None:
    writer = BackgroundWriter()

    def broken() -> bytes:
        raise RuntimeError("cannot make it")

    writer.write(tmp_path / "broken", broken)
    writer.write(tmp_path / "after", b"still written")
    writer.flush()
    assert not (tmp_path / "broken").exists()
    assert (tmp_path / "after").read_bytes() == b"still written"
    assert not list(tmp_path.glob(".*.tmp"))
