"""``pip list --outdated/--uptodate`` and ``pip index versions``: pipcompat's stdout equals real pip's.

Both tools look at the same virtual environment and the same local index server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context import TestContext
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("alpha", "1.0"),
    PackageSpec("alpha", "2.0"),
    PackageSpec("beta", "1.0"),
    PackageSpec("beta", "1.1"),
    PackageSpec("beta", "2.0b1"),
    PackageSpec("gamma", "3.0"),
    PackageSpec("delta", "1.0"),
    PackageSpec("delta", "1.5", requires_python="<3"),
    PackageSpec("epsilon", "1.0"),
    PackageSpec("epsilon", "2.0", yanked=True),
    PackageSpec("Zeta_Pkg", "0.1"),
    PackageSpec("Zeta_Pkg", "0.2"),
    PackageSpec("eta", "0.9"),
    PackageSpec("eta", "1.0", tags="cp312-cp312-win_amd64", sdist=False),
]

INSTALLED = ["alpha==1.0", "beta==1.0", "gamma==3.0", "delta==1.0", "epsilon==1.0", "Zeta_Pkg==0.1"]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


@pytest.fixture
def venv(ctx: TestContext, server: IndexServer) -> Path:
    """A venv with older releases installed by the real pip from the local index."""
    path = ctx.make_venv("env")
    ctx.run_pip("--python", path, "install", "-q", "--index-url", server.url, *INSTALLED).assert_success()
    return path


def both(ctx: TestContext, venv: Path, *args: str) -> tuple[str, str]:
    ours = ctx.run("pip", "--python", venv, *args).assert_success()
    pips = ctx.run_pip("--python", venv, *args).assert_success()
    return ours.stdout, pips.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("--outdated",),
        ("--outdated", "--format=json"),
        ("--outdated", "--pre"),
        ("--outdated", "--pre", "--format=json"),
        ("--uptodate",),
        ("--uptodate", "--format=json"),
        ("--uptodate", "--format=freeze"),
        ("--uptodate", "--pre"),
        ("--outdated", "--all-releases", "beta"),
        ("--outdated", "--exclude", "alpha"),
        ("--outdated", "--not-required"),
        ("--outdated", "-v"),
    ],
)
def test_list_outdated_and_uptodate_match_pip(
    ctx: TestContext, venv: Path, server: IndexServer, args: tuple[str, ...]
) -> None:
    ours, pips = both(ctx, venv, "list", *args, "--index-url", server.url)
    # pip -v also logs, on stdout, each file it skips for its Requires-Python: not part of the listing
    pips = "".join(line for line in pips.splitlines(True) if not line.startswith("  Link requires"))
    assert ours == pips
    assert ours  # the comparison means something only when there is output


@pytest.mark.slow
def test_list_outdated_only_binary_and_find_links_match_pip(
    ctx: TestContext, venv: Path, server: IndexServer
) -> None:
    for args in (
        ("--outdated", "--only-binary", ":all:"),
        ("--outdated", "--no-binary", "alpha"),
        ("--outdated", "--prefer-binary"),
    ):
        ours, pips = both(ctx, venv, "list", *args, "--index-url", server.url)
        assert ours == pips, args


@pytest.mark.slow
def test_list_outdated_shows_sdist_type_like_pip(ctx: TestContext, index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("alpha", "1.0"), PackageSpec("alpha", "2.0", wheel=False)])
    venv = ctx.make_venv("env")
    ctx.run_pip("--python", venv, "install", "-q", "--index-url", server.url, "alpha==1.0").assert_success()
    ours, pips = both(ctx, venv, "list", "--outdated", "--index-url", server.url)
    assert ours == pips
    assert "sdist" in ours


def test_outdated_with_uptodate_is_refused_like_pip(ctx: TestContext) -> None:
    result = ctx.run("pip", "list", "--outdated", "--uptodate").assert_failure(1)
    assert result.stderr == "error: Options --outdated and --uptodate cannot be combined.\n"


def test_outdated_freeze_is_refused_like_pip(ctx: TestContext) -> None:
    result = ctx.run("pip", "list", "--outdated", "--format=freeze").assert_failure(1)
    assert result.stderr == "error: List format 'freeze' cannot be used with the --outdated option.\n"
    pip = ctx.run_pip("list", "--outdated", "--format=freeze").assert_failure(1)
    assert "List format 'freeze' cannot be used with the --outdated option." in pip.stderr


def test_pre_with_all_releases_is_refused_like_pip(ctx: TestContext) -> None:
    result = ctx.run("pip", "list", "--outdated", "--pre", "--all-releases", "x").assert_failure(1)
    assert "--pre cannot be used with --all-releases or --only-final." in result.stderr


# -- pip index versions ---------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("alpha",),
        ("beta",),
        ("beta", "--pre"),
        ("beta", "--json"),
        ("delta",),
        ("delta", "--ignore-requires-python"),
        ("epsilon",),
        ("zeta-pkg",),
        ("Zeta_Pkg", "--json"),
        ("gamma", "--only-binary", ":all:"),
        ("delta", "--python-version", "2.7"),
        ("eta",),
        ("eta", "--platform", "win_amd64", "--python-version", "312"),
        ("eta", "--platform", "win_amd64", "--implementation", "pp"),
    ],
)
def test_index_versions_matches_pip(
    ctx: TestContext, venv: Path, server: IndexServer, args: tuple[str, ...]
) -> None:
    ours, pips = both(ctx, venv, "index", "versions", *args, "--index-url", server.url)
    assert ours == pips


@pytest.mark.slow
def test_index_versions_of_a_package_not_installed_matches_pip(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv("bare")
    for args in (("alpha",), ("alpha", "--json")):
        ours, pips = both(ctx, venv, "index", "versions", *args, "--index-url", server.url)
        assert ours == pips


def test_index_versions_of_an_unknown_project_fails_like_pip(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv("bare")
    ours = ctx.run("pip", "--python", venv, "index", "versions", "nope", "--index-url", server.url)
    ours.assert_failure(1)
    assert "No matching distribution found for nope" in ours.stderr
    pips = ctx.run_pip("--python", venv, "index", "versions", "nope", "--index-url", server.url)
    assert pips.returncode == 1
    assert "No matching distribution found for nope" in pips.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Need an action (versions) to perform."),
        (("versions",), "You need to specify exactly one argument"),
        (("versions", "a", "b"), "You need to specify exactly one argument"),
    ],
)
def test_index_usage_errors_like_pip(ctx: TestContext, args: tuple[str, ...], message: str) -> None:
    result = ctx.run("pip", "index", *args).assert_failure(1)
    assert result.stderr == f"error: {message}\n"
