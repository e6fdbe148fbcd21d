"""``pipcompat pip download``: the files pip would download, saved as they are, checked as pip checks them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory, serve_with_wheels
from tests.support.packages import APP_WITH_AN_SDIST, PackageSpec

SPECS = [
    *APP_WITH_AN_SDIST,
    PackageSpec("native", "1.0", tags=["cp312-cp312-win_amd64"], sdist=False),
]


@pytest.fixture
def server(index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path) -> IndexServer:
    return serve_with_wheels(index_server, SPECS, setuptools_wheels, tmp_path / "dists")


def download(ctx: TestContext, server: IndexServer, *args: str) -> Result:
    venv = ctx.make_venv()
    return ctx.run("pip", "--python", venv_python(venv), "download", "--index-url", server.url, *args)


def test_download_saves_the_files_pip_saves_wheels_and_sdists_as_they_are(
    ctx: TestContext, server: IndexServer
) -> None:
    result = download(ctx, server, "-d", "ours", "app").assert_success()
    theirs = ctx.run_pip("download", "-q", "--index-url", server.url, "-d", str(ctx.path("theirs")), "app")
    theirs.assert_success()
    ours = sorted(p.name for p in ctx.path("ours").iterdir())
    assert ours == sorted(p.name for p in ctx.path("theirs").iterdir())
    assert ours == ["app-1.0-py3-none-any.whl", "lib-2.0-py3-none-any.whl", "srconly-1.0.tar.gz"]
    for name in ours:
        assert ctx.path("ours", name).read_bytes() == ctx.path("theirs", name).read_bytes()
        assert f"Saved ./ours/{name}\n" in result.stdout
    assert result.stdout.endswith("Successfully downloaded app lib srconly\n")
    assert not [p for p in ctx.path("ours").iterdir() if p.name.startswith(".")]


def test_a_file_already_there_is_kept_and_a_damaged_one_fetched_again(
    ctx: TestContext, server: IndexServer
) -> None:
    download(ctx, server, "-d", "dl", "--no-deps", "lib").assert_success()
    again = download(ctx, server, "-d", "dl", "--no-deps", "lib").assert_success()
    wheel = ctx.path("dl", "lib-2.0-py3-none-any.whl")
    assert f"  File was already downloaded {wheel}\n" in again.stdout  # pip's indent, the absolute path
    good = wheel.read_bytes()
    wheel.write_bytes(b"damaged")
    fixed = download(ctx, server, "-d", "dl", "--no-deps", "lib").assert_success()
    assert "has bad hash. Re-downloading." in fixed.stderr
    assert wheel.read_bytes() == good


def test_a_wrong_hash_saves_nothing(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.txt", f"lib==2.0 --hash=sha256:{hashlib.sha256(b'other').hexdigest()}\n")
    result = download(ctx, server, "-d", "dl", "-r", "requirements.txt").assert_failure(1)
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr and "Traceback" not in result.stderr
    assert not ctx.path("dl").exists() or not list(ctx.path("dl").iterdir())


def test_files_for_another_platform_need_wheels_only_or_no_deps(
    ctx: TestContext, server: IndexServer
) -> None:
    refused = download(ctx, server, "-d", "dl", "--platform", "win_amd64", "native").assert_failure(1)
    assert "either --no-deps must be set, or --only-binary=:all: must be set" in refused.stderr
    args = ("-d", "dl", "--platform", "win_amd64", "--python-version", "312", "--only-binary=:all:", "native")
    download(ctx, server, *args).assert_success()
    assert [p.name for p in ctx.path("dl").iterdir()] == ["native-1.0-cp312-cp312-win_amd64.whl"]


def test_nothing_to_download_is_pips_error(ctx: TestContext, server: IndexServer) -> None:
    result = download(ctx, server, "-d", "dl").assert_failure(1)
    assert 'You must give at least one requirement to download (see "pip help download")' in result.stderr
