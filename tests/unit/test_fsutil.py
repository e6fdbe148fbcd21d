"""Writing files a person owns: replaced atomically, or written into when they are a device or a pipe."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipcompat.fsutil import replace_file

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def test_a_regular_output_file_is_replaced_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    before = target.stat().st_ino
    replace_file(target, (b"new", b"\n"), keep_mode=True)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != before  # a new file renamed over the old one
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@needs_fifo
def test_an_output_that_is_a_named_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        replace_file(pipe, (b"app==2.0", b"\n"), keep_mode=True)
        assert os.read(reader, 1000) == b"app==2.0\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]
