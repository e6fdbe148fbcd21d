"""The progress bar: drawn only on a terminal, erased at the end, pip's ``raw`` lines, nothing with -q."""

from __future__ import annotations

import io

import pytest

from pipcompat.ui import progress as progress_module
from pipcompat.ui.progress import Progress, progress_mode


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_only_on_a_terminal_and_not_when_quiet() -> None:
    assert progress_mode("auto", Terminal(), 0) == "bar"
    assert progress_mode("on", Terminal(), 0) == "bar"
    assert progress_mode("auto", io.StringIO(), 0) == "off"
    assert progress_mode("auto", Terminal(), -1) == "off"
    assert progress_mode("off", Terminal(), 0) == "off"
    assert progress_mode("raw", io.StringIO(), 0) == "raw"


def test_bar_is_drawn_then_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)
    stream = Terminal()
    with Progress(stream, 2, "Preparing", "bar") as bar:
        bar.advance("alpha")
        bar.advance("beta")
    text = stream.getvalue()
    assert "Preparing [" in text and "1/2 alpha" in text and "2/2 beta" in text
    assert text.endswith("\r\033[2K")


def test_quick_work_draws_nothing() -> None:
    stream = Terminal()
    with Progress(stream, 3, "Preparing", "bar") as bar:
        for name in "abc":
            bar.advance(name)
    assert stream.getvalue() == ""


def test_raw_mode_prints_machine_readable_lines() -> None:
    stream = io.StringIO()
    with Progress(stream, 2, "Preparing", "raw") as bar:
        bar.advance()
        bar.advance()
    assert stream.getvalue() == "Progress 1 of 2\nProgress 2 of 2\n"
