"""Start-up stays light: commands that need no network import no network or resolver code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("requests", "urllib3", "resolvelib", "rich", "tomlkit", "installer", "build")

PROBE = """
import contextlib, io, json, sys
from pipcompat.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: str) -> tuple[int, set[str]]:
    env = {"PIP_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=True
    )
    report = json.loads(done.stdout.splitlines()[-1])
    return report["status"], {name.split(".")[0] for name in report["modules"]}


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("--version",), id="version"),
        pytest.param(("--help",), id="help"),
        pytest.param(("pip", "--help"), id="pip-help"),
        pytest.param(("pip", "install", "--help"), id="pip-install-help"),
        pytest.param(("pip", "install", "--show-settings", "--no-deps", "x"), id="show-settings"),
    ],
)
def test_commands_without_network_import_no_heavy_modules(argv: tuple[str, ...]) -> None:
    status, modules = _modules_after(*argv)
    assert status == 0
    assert not modules & set(HEAVY), f"imported {sorted(modules & set(HEAVY))}"
