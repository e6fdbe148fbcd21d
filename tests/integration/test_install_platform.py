"""``pipcompat pip install --platform/--python-version/--implementation/--abi``: wheels for another
interpreter, into ``--target`` (or a dry run), as pip chooses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec(
        "native",
        "1.0",
        deps=["helper", 'legacy; python_version < "3.12"'],
        tags=["cp312-cp312-win_amd64", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"],
        sdist=False,
        files={"native/_impl.txt": "1.0"},
    ),
    PackageSpec("native", "2.0", tags=["cp313-cp313-win_amd64"], sdist=False),
    PackageSpec("helper", "1.0", requires_python=">=3.12", sdist=False),
    PackageSpec("legacy", "1.0", sdist=False),
    PackageSpec("source_only", "1.0", wheel=False),
    PackageSpec("oldlinux", "1.0", tags=["cp312-cp312-manylinux1_x86_64"], sdist=False),
    PackageSpec("newlinux", "1.0", tags=["cp312-cp312-manylinux_2_28_x86_64"], sdist=False),
]
RESTRICTED = ("--platform", "win_amd64", "--python-version", "3.12", "--only-binary=:all:")


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def install(ctx: TestContext, venv: Path, server: IndexServer, *args: str | Path) -> Result:
    return ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)


def test_target_gets_the_wheels_of_the_platform_and_python_version_asked_for(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    target = ctx.path("lambda")
    install(ctx, venv, server, "--target", target, *RESTRICTED, "native").assert_success()
    infos = sorted(p.name for p in target.glob("*.dist-info"))
    # native 2.0 is for 3.13 only; helper needs Python 3.12 (the venv runs another); dependencies' markers
    # are evaluated for the interpreter at hand, as pip does, so legacy comes along on an older Python
    expected = ["helper-1.0.dist-info", "native-1.0.dist-info"]
    if _python_of(venv) < (3, 12):
        expected.insert(1, "legacy-1.0.dist-info")
    assert infos == expected
    wheel_tag = (target / "native-1.0.dist-info" / "WHEEL").read_text()
    assert "Tag: cp312-cp312-win_amd64" in wheel_tag
    assert not list((venv / "lib").glob("python*/site-packages/native"))


def _python_of(venv: Path) -> tuple[int, ...]:
    for line in (venv / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return tuple(int(part) for part in value.strip().split(".")[:2])
    raise AssertionError("pyvenv.cfg names no version")


def test_manylinux2014_covers_the_older_manylinux_names_as_in_pip(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    args = ("--dry-run", "--platform", "manylinux2014_x86_64", "--python-version", "312", "--no-deps")
    result = install(ctx, venv, server, *args, "native").assert_success()
    assert "native-1.0" in result.stdout + result.stderr
    # a wheel only for manylinux1 is taken; one for the newer manylinux_2_28 is not (pip does not expand it)
    older = install(ctx, venv, server, *args, "oldlinux").assert_success()
    assert "oldlinux-1.0" in older.stdout + older.stderr
    newer = install(ctx, venv, server, *args, "newlinux").assert_failure(1)
    assert "newlinux" in newer.stderr and "Traceback" not in newer.stderr


def test_platform_options_need_wheels_only_or_no_deps_and_a_target(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    sources = install(ctx, venv, server, "--target", ctx.path("t"), "--platform", "win_amd64", "native")
    assert (
        "either --no-deps must be set, or --only-binary=:all: must be set" in sources.assert_failure(1).stderr
    )
    into_venv = install(ctx, venv, server, *RESTRICTED, "native").assert_failure(1)
    assert "unless installing via '--target' or using '--dry-run'" in into_venv.stderr
    assert not ctx.path("t").exists()
    assert not list((venv / "lib").glob("python*/site-packages/native*"))


def test_a_platform_no_file_is_for_is_a_clear_error(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    args = ("--target", ctx.path("t"), "--platform", "macosx_11_0_arm64", "--only-binary=:all:", "native")
    result = install(ctx, venv, server, *args).assert_failure(1)
    assert "native" in result.stderr and "Traceback" not in result.stderr
