"""``pipcompat pip compile`` on bad input and misbehaving indexes: one clear error, no traceback, the output
file left exactly as it was (issue 3's list: unknown package, impossible pins, malformed lines, an index
answering 500s, an index that hangs, a truncated JSON page, a file whose hash is not the index's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext
from tests.support.index_server import IndexServer, IndexServerFactory, write_file_index
from tests.support.packages import DistFactory, PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=["lib>=2"]),
    PackageSpec("other", "1.0", deps=["lib<2"]),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
]
EXISTING = "app==1.0\nlib==2.0\n"


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def compile_with(ctx: TestContext, index_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return ctx.run(
        "pip", "compile", "--no-config", "--strip-extras", "-i", index_url, *args, "requirements.in", env=env
    )


def assert_clean_failure(ctx: TestContext, result: Result, *, code: int = 1) -> str:
    """The run failed with *code*, said why without a traceback, and left requirements.txt untouched."""
    result.assert_failure(code)
    assert "Traceback" not in result.stderr
    assert ctx.read("requirements.txt") == EXISTING
    leftovers = [p.name for p in ctx.temp_dir.iterdir() if p.name.startswith(".requirements.txt")]
    assert leftovers == []
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture(autouse=True)
def existing_output(ctx: TestContext) -> Iterator[None]:
    ctx.write("requirements.txt", EXISTING)
    yield


def test_unknown_package_is_one_line_with_a_close_name(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\nlibb\n")
    result = compile_with(ctx, server.url)
    line = assert_clean_failure(ctx, result)
    assert "libb" in line
    assert "hint: did you mean 'lib'?" in result.stderr


def test_impossible_pins_explain_the_conflict_chain(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\nother\n")
    result = compile_with(ctx, server.url)
    assert_clean_failure(ctx, result)
    assert "app 1.0 depends on lib>=2" in result.stderr
    assert "other 1.0 depends on lib<2" in result.stderr
    assert "ResolutionImpossible" not in result.stderr


def test_malformed_line_names_file_and_line(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\nlib >>= 2\n")
    line = assert_clean_failure(ctx, compile_with(ctx, server.url), code=1)
    assert line.startswith("error: requirements.in:2: invalid requirement 'lib >>= 2'")


def test_an_index_answering_500_is_one_line_after_retries(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    failing = index_server(SPECS, fail_first_n=1000)
    ctx.write("requirements.in", "app\n")
    line = assert_clean_failure(ctx, compile_with(ctx, failing.url, env={"PIP_RETRIES": "1"}))
    assert "500" in line and "/simple/app/" in line


def test_an_index_that_hangs_times_out_with_one_line(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    hanging = index_server(SPECS, slow=30.0)
    ctx.write("requirements.in", "app\n")
    result = compile_with(ctx, hanging.url, env={"PIP_TIMEOUT": "0.5", "PIP_RETRIES": "0"})
    line = assert_clean_failure(ctx, result)
    assert "timed out" in line


def test_a_truncated_json_page_is_one_line(ctx: TestContext, index_server: IndexServerFactory) -> None:
    truncating = index_server(SPECS, truncate=True, fault_paths={"/simple/"})
    ctx.write("requirements.in", "app\n")
    line = assert_clean_failure(ctx, compile_with(ctx, truncating.url, env={"PIP_RETRIES": "0"}))
    assert "/simple/app/" in line


def test_a_file_whose_hash_is_not_the_indexs_is_refused(
    ctx: TestContext, make_dists: DistFactory, tmp_path: Path
) -> None:
    dists = make_dists([PackageSpec("app", "1.0", deps=["lib"]), PackageSpec("lib", "1.0")])
    index_url = write_file_index(dists, tmp_path / "index", copy=True)
    # Swap the wheel behind the index for another build: the page still advertises the old sha256.
    swapped = make_dists([PackageSpec("app", "1.0", deps=["lib", "extra-dep"])], dest=tmp_path / "swap")
    wheel = next((tmp_path / "index" / "files").glob("app-1.0-*.whl"))
    wheel.write_bytes(next(Path(swapped).glob("app-1.0-*.whl")).read_bytes())
    ctx.write("requirements.in", "app\n")
    line = assert_clean_failure(ctx, compile_with(ctx, index_url))
    assert "app-1.0" in line and "hash" in line.lower()
