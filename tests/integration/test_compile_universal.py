"""``pipcompat pip compile --universal``: one output for every platform and supported Python, with markers."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from pipcompat.resolver.universal import Universe
from tests.support.context import TestContext
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=['winhelper>=1; sys_platform == "win32"', "common"]),
    PackageSpec("winhelper", "1.0", deps=['pywin32; platform_system == "Windows"']),
    PackageSpec("pywin32", "306", tags="cp38.cp39.cp310.cp311.cp312-none-win_amd64", sdist=False),
    PackageSpec("common", "1.0", requires_python=">=3.7"),
    PackageSpec("common", "2.0", requires_python=">=3.9"),
    PackageSpec("numpy", "1.24.4", requires_python=">=3.8"),
    PackageSpec("numpy", "1.26.4", requires_python=">=3.9"),
    PackageSpec("numpy", "2.1.0", requires_python=">=3.10"),
    PackageSpec("backport", "1.0"),
    PackageSpec("web", "1.0", extras={"speed": ['uvloop; sys_platform != "win32"'], "tz": ["tzdata"]}),
    PackageSpec("uvloop", "0.19"),
    PackageSpec("tzdata", "2024.1"),
    PackageSpec("a", "1.0", deps=["c<2"]),
    PackageSpec("b", "1.0", deps=["c>=2"]),
    PackageSpec("c", "1.0"),
    PackageSpec("c", "2.0"),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def compile_universal(ctx: TestContext, server: IndexServer, *args: str) -> list[str]:
    return ["pip", "compile", "--no-config", "--strip-extras", "-i", server.url, "--universal", *args]


def pins_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith((" ", "#", "-"))]


def test_platform_specific_dependencies_carry_their_markers(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    ctx.run(*compile_universal(ctx, server, "--python-version", "3.9")).assert_success()
    text = ctx.read("requirements.txt")
    assert pins_of(text) == [
        "app==1.0",
        "common==2.0",
        'pywin32==306 ; platform_system == "Windows"',
        'winhelper==1.0 ; sys_platform == "win32"',
    ]
    assert 'pywin32==306 ; platform_system == "Windows"\n    # via winhelper\n' in text
    assert (
        f"#    pip-compile --index-url={server.url} --python-version=3.9 --strip-extras --universal\n" in text
    )


def test_newest_version_that_drops_an_old_python_is_kept_for_newer_pythons(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("requirements.in", "common\n")
    ctx.run(*compile_universal(ctx, server, "--python-version", "3.8")).assert_success()
    assert pins_of(ctx.read("requirements.txt")) == [
        'common==1.0 ; python_version < "3.9"',
        'common==2.0 ; python_version >= "3.9"',
    ]


def test_requires_python_of_a_pyproject_sets_the_range(ctx: TestContext, server: IndexServer) -> None:
    ctx.write(
        "pyproject.toml",
        '[project]\nname = "proj"\nversion = "0"\nrequires-python = ">=3.9"\ndependencies = ["common"]\n',
    )
    ctx.run(*compile_universal(ctx, server, "pyproject.toml")).assert_success()
    assert pins_of(ctx.read("requirements.txt")) == ["common==2.0"]


def test_python_version_split_forks_the_resolution(ctx: TestContext, server: IndexServer) -> None:
    ctx.write(
        "requirements.in",
        'numpy>=2; python_version >= "3.10"\nnumpy<2; python_version < "3.10"\n'
        'backport; python_version < "3.9" and python_version >= "3.8"\n',
    )
    ctx.run(*compile_universal(ctx, server, "--python-version", "3.8")).assert_success()
    assert pins_of(ctx.read("requirements.txt")) == [
        'backport==1.0 ; python_version < "3.9"',
        'numpy==1.24.4 ; python_version < "3.9"',
        'numpy==1.26.4 ; python_version == "3.9"',
        'numpy==2.1.0 ; python_version >= "3.10"',
    ]


def test_extras_with_markers(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", 'web[speed]\nweb[tz]; sys_platform == "win32"\n')
    ctx.run(*compile_universal(ctx, server, "--python-version", "3.8")).assert_success()
    assert pins_of(ctx.read("requirements.txt")) == [
        'tzdata==2024.1 ; sys_platform == "win32"',
        'uvloop==0.19 ; sys_platform != "win32"',
        "web==1.0",
    ]


def test_optional_dependencies_of_a_pyproject_keep_their_markers(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write(
        "pyproject.toml",
        '[project]\nname = "proj"\nversion = "0"\nrequires-python = ">=3.8"\ndependencies = ["common"]\n'
        "[project.optional-dependencies]\nwin = ['winhelper; sys_platform == \"win32\"']\n",
    )
    ctx.run(*compile_universal(ctx, server, "--extra", "win", "pyproject.toml")).assert_success()
    assert pins_of(ctx.read("requirements.txt")) == [
        'common==1.0 ; python_version < "3.9"',
        'common==2.0 ; python_version >= "3.9"',
        'pywin32==306 ; platform_system == "Windows"',
        'winhelper==1.0 ; sys_platform == "win32"',
    ]


def test_conflict_in_some_environments_is_a_clear_error(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", 'a; sys_platform == "win32"\nb\n')
    result = ctx.run(*compile_universal(ctx, server, "--python-version", "3.8")).assert_failure(1)
    assert "Traceback" not in result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        "error: a 1.0 depends on c<2; b 1.0 depends on c>=2; so a 1.0 and b 1.0 cannot be installed together "
        '(in the environments where sys_platform == "win32")'
    ]
    assert not ctx.path("requirements.txt").exists()


def test_conflicts_between_requirements_that_never_meet_are_an_error_as_in_uv(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("requirements.in", 'a; sys_platform == "win32"\nb; sys_platform != "win32"\n')
    result = ctx.run(*compile_universal(ctx, server, "--python-version", "3.8")).assert_failure(1)
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        "error: a 1.0 depends on c<2; b 1.0 depends on c>=2; so a 1.0 and b 1.0 cannot be installed together"
    ]
    assert not ctx.path("requirements.txt").exists()


def test_hashes_cover_every_file_of_the_pinned_version(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "winhelper\n")
    ctx.run(*compile_universal(ctx, server, "--python-version", "3.8", "--generate-hashes")).assert_success()
    text = ctx.read("requirements.txt")
    assert 'pywin32==306 ; platform_system == "Windows" \\\n    --hash=sha256:' in text
    winhelper = text.split("winhelper==1.0")[1]
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", winhelper.split("# via")[0])) == 2  # wheel + sdist


def test_python_platform_is_refused_with_universal(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "common\n")
    result = ctx.run(*compile_universal(ctx, server, "--python-platform", "linux")).assert_failure(2)
    assert "--python-platform cannot be used with --universal" in result.stderr


def test_python_version_without_universal_targets_that_python(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "common\n")
    args = ["pip", "compile", "--no-config", "--strip-extras", "-i", server.url, "--python-version", "3.8"]
    ctx.run(*args).assert_success()
    text = ctx.read("requirements.txt")
    assert pins_of(text) == ["common==1.0"]
    assert "# This file is autogenerated by pip-compile with Python 3.8\n" in text


# -- against uv -------------------------------------------------------------------------------------------


def _uv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.getbasetemp() / "uv-venv"
    python = root / "bin" / "python"
    uv = root / "bin" / "uv"
    if not uv.exists():
        venv.create(root, with_pip=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "uv"], capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not uv.exists():
            pytest.skip(f"uv could not be installed: {done.stderr.strip()[-300:]}")
    return uv


def _truth_table(path: Path, universe: Universe) -> set[tuple[str, str, int]]:
    """(name, version, environments) for every pin of a requirements file, whoever wrote it."""
    result: set[tuple[str, str, int]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#", "-")):
            continue
        requirement = Requirement(line.rstrip(" \\"))
        version = str(next(iter(requirement.specifier)).version)
        marker = requirement.marker
        result.add(
            (requirement.name.lower(), version, universe.mask(Marker(str(marker)) if marker else None))
        )
    return result


UV_CASES = {
    "platform": "app\n",
    "requires-python": "common\n",
    "python-split": 'numpy>=2; python_version >= "3.10"\nnumpy<2; python_version < "3.10"\n',
    "extras": 'web[speed]\nweb[tz]; sys_platform == "win32"\n',
}


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("case", sorted(UV_CASES))
def test_same_pins_and_markers_as_uv(
    case: str, ctx: TestContext, server: IndexServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    uv = _uv(tmp_path_factory)
    ctx.write("requirements.in", UV_CASES[case])
    common = ["--universal", "--python-version", "3.8", "--index-url", server.url, "--no-header"]
    ctx.run("pip", "compile", "--no-config", "-o", "ours.txt", *common, "requirements.in").assert_success()
    done = subprocess.run(
        [str(uv), "pip", "compile", "--no-config", "-q", "-o", "uv.txt", *common, "requirements.in"],
        cwd=ctx.temp_dir,
        env={**ctx.env, "UV_CACHE_DIR": str(ctx.root / "uv-cache")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    universe = Universe.from_python_version("3.8")
    assert _truth_table(ctx.path("ours.txt"), universe) == _truth_table(ctx.path("uv.txt"), universe)


def test_truth_table_reads_both_formats(tmp_path: Path) -> None:
    universe = Universe.from_python_version("3.8")
    ours = tmp_path / "ours.txt"
    theirs = tmp_path / "theirs.txt"
    ours.write_text('numpy==1.24.4 ; python_version < "3.10"\n    # via -r requirements.in\n')
    theirs.write_text("numpy==1.24.4 ; python_full_version < '3.10'\n    # via -r requirements.in\n")
    assert _truth_table(ours, universe) == _truth_table(theirs, universe)
    assert sys.version_info >= (3, 8)
