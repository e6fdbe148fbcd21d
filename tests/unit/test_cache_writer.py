"""The cache's background writer: entries written off the caller's thread, in order, never half-written."""

from __future__ import annotations

import threading
import time
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


def test_a_long_queue_at_flush_is_written_by_several_threads_with_each_path_ending_as_in_order(
    tmp_path: Path,
) -> None:
    writer = BackgroundWriter()
    release = threading.Event()
    written_by: dict[str, set[str]] = {}

    def held() -> bytes:
        release.wait(10)
        return b"first"

    def made(name: str, text: str) -> bytes:
        written_by.setdefault(threading.current_thread().name, set()).add(name)
        return text.encode()

    def broken() -> bytes:
        raise RuntimeError("cannot make it")

    writer.write(tmp_path / "held", held)  # keeps the writer's own thread busy while the queue grows
    for number in range(200):
        name = f"entry-{number % 50}"
        writer.write(tmp_path / name, lambda name=name, number=number: made(name, f"version {number}"))
    writer.write(tmp_path / "entry-0", broken)  # a later entry that fails leaves the one before it
    flushing = threading.Thread(target=writer.flush)
    flushing.start()
    while not writer._handover and flushing.is_alive():
        time.sleep(0.001)
    release.set()
    flushing.join(10)
    assert not flushing.is_alive()
    assert (tmp_path / "held").read_bytes() == b"first"
    for number in range(150, 200):
        assert (tmp_path / f"entry-{number % 50}").read_bytes() == f"version {number}".encode()
    assert "pipcompat-cache-flush" in written_by  # helper threads took part
    assert "pipcompat-cache-writer" not in written_by  # the single thread stopped after its entry
    assert not list(tmp_path.glob(".*.tmp"))
    writer.write(tmp_path / "after", b"written by the writer's thread again")
    writer.flush()
    assert (tmp_path / "after").read_bytes() == b"written by the writer's thread again"
