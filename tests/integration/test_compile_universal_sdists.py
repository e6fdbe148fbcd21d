"""``pipcompat pip compile --universal`` with versions published only as sdists: their metadata is built
(once, on the running interpreter, through an isolated build environment filled from the same index) and the
resolution is the one the same packages published as wheels give."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.context import TestContext
from tests.support.index_server import IndexServer, IndexServerFactory, serve_with_wheels
from tests.support.packages import PackageSpec

pytestmark = pytest.mark.integration


def _compile(ctx: TestContext, server: IndexServer, output: str, *args: str) -> list[str]:
    return [
        "pip",
        "compile",
        "--no-config",
        "--strip-extras",
        "--no-header",
        "--no-emit-index-url",
        "-i",
        server.url,
        "--universal",
        "-o",
        output,
        *args,
    ]


# app needs helper on Windows and mid everywhere; helper's and mid's own dependencies carry markers, and
# mid has two versions for two Python ranges.
SPECS = [
    PackageSpec("app", "1.0", deps=['helper>=1; sys_platform == "win32"', "mid"]),
    PackageSpec("helper", "1.0", deps=['colors; python_version >= "3.10"', "common"]),
    PackageSpec("mid", "1.0", requires_python=">=3.8", deps=["common<2"]),
    PackageSpec("mid", "2.0", requires_python=">=3.10", deps=['deep; sys_platform != "darwin"', "common"]),
    PackageSpec("deep", "3.0", deps=['leaf; python_version < "3.12"']),
    PackageSpec("leaf", "1.0"),
    PackageSpec("colors", "0.4"),
    PackageSpec("common", "1.0"),
    PackageSpec("common", "2.0"),
]


def _sdist_only(specs: list[PackageSpec], names: set[str]) -> list[PackageSpec]:
    return [replace(spec, wheel=False) if spec.name in names else spec for spec in specs]


@pytest.mark.slow
def test_sdist_only_dependencies_give_the_pins_and_markers_of_the_same_wheels(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    wheels = serve_with_wheels(index_server, SPECS, setuptools_wheels, tmp_path / "wheels")
    # helper is a direct (marker-guarded) dependency; deep is two levels down and only in some forks.
    sdists = serve_with_wheels(
        index_server, _sdist_only(SPECS, {"helper", "deep", "mid"}), setuptools_wheels, tmp_path / "sdists"
    )
    ctx.write("requirements.in", "app\n")
    ctx.run(*_compile(ctx, wheels, "from-wheels.txt", "--python-version", "3.9")).assert_success()
    result = ctx.run(*_compile(ctx, sdists, "from-sdists.txt", "--python-version", "3.9"))
    result.assert_success()
    expected = ctx.read("from-wheels.txt")
    assert ctx.read("from-sdists.txt") == expected
    pins = [line for line in expected.splitlines() if line and not line.startswith((" ", "#"))]
    assert pins == [
        "app==1.0",
        'colors==0.4 ; python_version >= "3.10" and sys_platform == "win32"',
        'common==1.0 ; python_version < "3.10"',
        'common==2.0 ; python_version >= "3.10"',
        'deep==3.0 ; python_version >= "3.10" and sys_platform != "darwin"',
        'helper==1.0 ; sys_platform == "win32"',
        'leaf==1.0 ; python_version >= "3.10" and python_version < "3.12" and sys_platform != "darwin"',
        'mid==1.0 ; python_version < "3.10"',
        'mid==2.0 ; python_version >= "3.10"',
    ]
    # The sdists were downloaded (their metadata built), the wheels' metadata was read as usual.
    assert any(path.endswith("helper-1.0.tar.gz") for path in sdists.paths())
    assert any(path.endswith("deep-3.0.tar.gz") for path in sdists.paths())


@pytest.mark.slow
def test_an_sdist_deep_in_the_graph_is_built_once_and_cached(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    specs = [
        PackageSpec("top", "1.0", deps=["middle>=1"]),
        PackageSpec("middle", "1.0", deps=['deep; python_version >= "3.10"']),
        PackageSpec("deep", "2.0", deps=['leaf; sys_platform == "linux"'], wheel=False),
        PackageSpec("leaf", "1.0"),
    ]
    server = serve_with_wheels(index_server, specs, setuptools_wheels, tmp_path / "dists")
    ctx.write("requirements.in", "top\n")
    ctx.run(*_compile(ctx, server, "requirements.txt", "--python-version", "3.8")).assert_success()
    text = ctx.read("requirements.txt")
    assert 'deep==2.0 ; python_version >= "3.10"\n' in text
    assert 'leaf==1.0 ; python_version >= "3.10" and sys_platform == "linux"\n' in text
    # A second compile reads the built metadata from the cache: no build environment is filled again.
    server.clear_log()
    ctx.run(*_compile(ctx, server, "again.txt", "--python-version", "3.8")).assert_success()
    assert ctx.read("again.txt") == text
    assert not [path for path in server.paths() if "setuptools" in path]


@pytest.mark.slow
def test_a_failing_sdist_build_is_one_clear_error_and_writes_no_output(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    broken = PackageSpec(
        "broken",
        "1.0",
        wheel=False,
        files={
            "setup.py": "import sys\nprint('compiling the frobnicator')\nsys.exit('frobnicator exploded')\n"
        },
    )
    server = serve_with_wheels(
        index_server,
        [broken, PackageSpec("fine", "1.0", deps=['broken; python_version >= "3.9"'])],
        setuptools_wheels,
        tmp_path / "dists",
    )
    ctx.write("requirements.in", "fine\n")
    result = ctx.run(*_compile(ctx, server, "requirements.txt", "--python-version", "3.8"))
    result.assert_failure(1)
    assert result.stderr.count("failed to build broken-1.0") == 1
    assert "frobnicator exploded" in result.stderr
    assert "Traceback" not in result.stderr
    assert not ctx.path("requirements.txt").exists()


LOCAL_PYPROJECT = """[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "0.1"
dependencies = {deps}

[tool.setuptools]
py-modules = []
"""


@pytest.mark.slow
def test_local_trees_and_editables_resolve_universally_with_their_dependencies_forked(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    wheels = serve_with_wheels(index_server, SPECS, setuptools_wheels, tmp_path / "wheels")
    ctx.write("lib/pyproject.toml", LOCAL_PYPROJECT.format(name="local-lib", deps='["app"]'))
    ctx.write("tool/pyproject.toml", LOCAL_PYPROJECT.format(name="local-tool", deps='["common>=2"]'))
    # An editable, and a bare path whose name comes from its metadata.
    ctx.write("requirements.in", "-e ./lib\n./tool ; python_version >= '3.10'\n")
    result = ctx.run(*_compile(ctx, wheels, "out.txt", "--python-version", "3.9", "--generate-hashes"))
    result.assert_success()
    text = ctx.read("out.txt")
    pins = [line.rstrip(" \\") for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    lib_url = ctx.path("lib").as_uri()
    tool_url = ctx.path("tool").as_uri()
    assert pins == [
        f"-e {lib_url}",
        "app==1.0",
        'colors==0.4 ; python_version >= "3.10" and sys_platform == "win32"',
        'common==1.0 ; python_version < "3.10"',
        'common==2.0 ; python_version >= "3.10"',
        'deep==3.0 ; python_version >= "3.10" and sys_platform != "darwin"',
        'helper==1.0 ; sys_platform == "win32"',
        'leaf==1.0 ; python_version >= "3.10" and python_version < "3.12" and sys_platform != "darwin"',
        f'local-tool @ {tool_url} ; python_version >= "3.10"',
        'mid==1.0 ; python_version < "3.10"',
        'mid==2.0 ; python_version >= "3.10"',
    ]
    # No hashes for the two directories (pip-compile's rule, with its warning), hashes for everything else.
    assert text.count("# WARNING: pip install will require the following package to be hashed.") == 2
    lines = text.splitlines()
    hashed = {
        line.rstrip(" \\")
        for line, after in itertools.pairwise(lines)
        if line and not line.startswith((" ", "#")) and after.startswith("    --hash=sha256:")
    }
    assert hashed == {pin for pin in pins if not pin.startswith(("-e ", "local-tool @"))}
    assert "may be rejected by pip install" in result.stderr
