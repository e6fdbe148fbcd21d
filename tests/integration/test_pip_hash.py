"""``pipcompat pip hash`` prints what pip hash prints."""

from __future__ import annotations

import pytest

from tests.support.context import TestContext


@pytest.mark.parametrize("algorithm", [None, "sha384", "sha512"])
def test_hash_output_matches_pip(ctx: TestContext, algorithm: str | None) -> None:
    ctx.write("a.whl", "not really a wheel\n")
    ctx.write("b.tar.gz", "nor an sdist\n")
    args = ["hash", *(["-a", algorithm] if algorithm else []), "a.whl", "b.tar.gz"]
    ours = ctx.run("pip", *args).assert_success()
    pips = ctx.run_pip(*args).assert_success()
    assert ours.stdout == pips.stdout


def test_hash_of_missing_file_is_one_line_with_pips_exit_status(ctx: TestContext) -> None:
    result = ctx.run("pip", "hash", "missing.whl").assert_failure(2)
    assert result.stderr.startswith("error: cannot read missing.whl")
    assert "Traceback" not in result.stderr


def test_hash_without_files_fails_like_pip(ctx: TestContext) -> None:
    ours = ctx.run("pip", "hash")
    assert ours.returncode == ctx.run_pip("hash").returncode == 1


def test_hash_rejects_a_weak_algorithm_as_usage_error(ctx: TestContext) -> None:
    ctx.write("a.whl", "x")
    assert ctx.run("pip", "hash", "-a", "md5", "a.whl").returncode == 2
    assert ctx.run_pip("hash", "-a", "md5", "a.whl").returncode == 2
