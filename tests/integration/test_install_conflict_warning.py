"""The check after ``pip install`` (pip's "dependency conflicts" error block), held to pip's own output.

The requirements of the wheels just installed come from the resolution, not from reading their
``METADATA`` again; these tests show the warning is still pip's, line for line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec(
        "app",
        "1.0",
        deps=["lib>=1", "util", 'winonly; sys_platform == "win32"'],
        extras={"fast": ["speedup"]},
    ),
    PackageSpec("old", "1.0", deps=["lib<2"]),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
    PackageSpec("util", "1.0"),
    PackageSpec("speedup", "1.0", deps=["lib"]),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def _conflicts(result: Result) -> list[str]:
    """The lines of the error block after ``ERROR: pip's dependency resolver …``."""
    lines = result.stderr.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("ERROR: pip's dependency resolver"):
            return [entry for entry in lines[index + 1 :] if " requires " in entry]
    return []


def _both(ctx: TestContext, server: IndexServer, *steps: tuple[str, ...]) -> tuple[Result, Result]:
    """Run the same install steps with pipcompat and with pip, each in its own venv; the last results."""
    results = []
    for tool in ("pipcompat", "pip"):
        venv: Path = ctx.make_venv()
        result = None
        for args in steps:
            argv = ("--python", venv_python(venv), "install", "--index-url", server.url, *args)
            result = ctx.run("pip", *argv) if tool == "pipcompat" else ctx.run_pip(*argv)
            result.assert_success()
        assert result is not None
        results.append(result)
    return results[0], results[1]


def test_a_complete_install_with_extras_and_markers_warns_of_nothing(
    ctx: TestContext, server: IndexServer
) -> None:
    ours, pips = _both(ctx, server, ("app[fast]",))
    assert _conflicts(ours) == _conflicts(pips) == []
    assert "ERROR" not in ours.stderr


def test_no_deps_leaves_the_check_out_like_pip(ctx: TestContext, server: IndexServer) -> None:
    ours, pips = _both(ctx, server, ("--no-deps", "app"))
    assert _conflicts(ours) == _conflicts(pips) == []
    assert "ERROR" not in ours.stderr


def test_an_install_that_breaks_an_installed_dependent_is_reported_like_pip(
    ctx: TestContext, server: IndexServer
) -> None:
    ours, pips = _both(ctx, server, ("old",), ("lib==2.0",))
    assert _conflicts(ours) == _conflicts(pips)
    assert _conflicts(ours) == ["old 1.0 requires lib<2, but you have lib 2.0 which is incompatible."]
