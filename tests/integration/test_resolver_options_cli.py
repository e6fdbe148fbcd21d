"""uv's resolver options on pipcompat's command lines: ``--index-strategy``, ``--resolution`` and
``--exclude-newer`` reach the resolver and the index client from ``pip install`` and ``pip compile``."""

from __future__ import annotations

import pytest

from tests.support.context import TestContext
from tests.support.index_server import IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=["lib>=1"], upload_time="2024-01-01T00:00:00Z"),
    PackageSpec("app", "2.0", deps=["lib>=1"], upload_time="2024-06-01T00:00:00Z"),
    PackageSpec("lib", "1.0", upload_time="2024-01-01T00:00:00Z"),
    PackageSpec("lib", "2.0", upload_time="2024-06-01T00:00:00Z"),
]


def dry_run(ctx: TestContext, *args: str) -> str:
    venv = ctx.make_venv()
    result = ctx.run("pip", "--python", str(venv), "install", "--dry-run", *args).assert_success()
    return result.stdout


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        ("highest", "Would install app-2.0 lib-2.0"),
        ("lowest", "Would install app-1.0 lib-1.0"),
        ("lowest-direct", "Would install app-1.0 lib-2.0"),
    ],
)
def test_install_resolution_chooses_versions(
    ctx: TestContext, index_server: IndexServerFactory, resolution: str, expected: str
) -> None:
    server = index_server(SPECS)
    assert expected in dry_run(ctx, "-i", server.url, "--resolution", resolution, "app")


def test_install_exclude_newer_ignores_later_uploads(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server(SPECS)
    out = dry_run(ctx, "-i", server.url, "--exclude-newer", "2024-03-01T00:00:00Z", "app")
    assert "Would install app-1.0 lib-1.0" in out


def test_install_first_index_strategy_ignores_later_indexes(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    private = index_server([PackageSpec("lib", "1.0")])
    public = index_server([PackageSpec("lib", "9.0")])
    args = ["-i", private.url, "--extra-index-url", public.url, "lib"]
    assert "Would install lib-9.0" in dry_run(ctx, *args)
    assert "Would install lib-1.0" in dry_run(ctx, "--index-strategy", "first-index", *args)


def test_resolver_options_must_be_spelled_in_full(ctx: TestContext) -> None:
    result = ctx.run("pip", "install", "--resolut", "lowest", "x").assert_failure(2)
    assert "no such option: --resolut" in result.stderr


def test_compile_resolution_and_index_strategy(ctx: TestContext, index_server: IndexServerFactory) -> None:
    server = index_server(SPECS)
    other = index_server([PackageSpec("lib", "9.0")])
    ctx.write("requirements.in", "app\n")
    ctx.run(
        "pip", "compile", "--no-config", "-q", "-i", server.url, "--extra-index-url", other.url,
        "--resolution", "lowest-direct", "--index-strategy", "first-index",
    ).assert_success()  # fmt: skip
    text = ctx.read("requirements.txt")
    assert "app==1.0\n" in text and "lib==2.0\n" in text
    assert "--index-strategy=first-index" in text and "--resolution=lowest-direct" in text
