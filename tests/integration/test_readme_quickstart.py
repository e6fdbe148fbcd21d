"""The README's quick start does what it says, against the real PyPI."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python

pytestmark = [pytest.mark.network, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[list[str]]:
    """The quick start's first shell line, split at ``&&``, each command as an argv."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    line = re.search(r"```sh\n(.+?)\n```", section, re.S)
    assert line is not None
    return [part.split() for part in line.group(1).split("&&")]


def test_quick_start_makes_a_venv_and_installs_the_example_file(ctx: TestContext) -> None:
    commands = quick_start_commands()
    assert commands[0] == ["python3", "-m", "pip", "install", "."]
    shutil.copytree(REPO / "examples", ctx.path("examples"))
    for argv in commands[1:]:  # pipcompat is importable here already: the install step is the test run's
        assert argv[:3] == ["python3", "-m", "pipcompat"]
        ctx.run_cmd([sys.executable, *argv[1:]], timeout=600).assert_success()
    python = venv_python(ctx.path(".venv"))
    done = ctx.run_cmd([python, "-c", "import flask, requests, dateutil, pip; print(flask.__name__)"])
    assert done.assert_success().stdout.strip() == "flask"
    check = ctx.run_cmd([python, "-m", "pip", "check"])
    assert check.assert_success().stdout.strip() == "No broken requirements found."
