"""``pipcompat pip wheel``: a wheel of every requirement and dependency, saved or built as pip wheel does."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory, serve_with_wheels
from tests.support.packages import APP_WITH_AN_SDIST

SPECS = APP_WITH_AN_SDIST


@pytest.fixture
def server(index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path) -> IndexServer:
    return serve_with_wheels(index_server, SPECS, setuptools_wheels, tmp_path / "dists")


def wheel(ctx: TestContext, server: IndexServer, *args: str | Path) -> Result:
    venv = ctx.make_venv()
    return ctx.run("pip", "--python", venv_python(venv), "wheel", "--index-url", server.url, *args)


def test_wheels_are_saved_and_sdists_built_into_the_directory_as_pip_wheel_does(
    ctx: TestContext, server: IndexServer
) -> None:
    result = wheel(ctx, server, "-w", "ours", "app").assert_success()
    ctx.run_pip(
        "wheel", "-q", "--index-url", server.url, "-w", str(ctx.path("theirs")), "app"
    ).assert_success()
    ours = sorted(p.name for p in ctx.path("ours").iterdir())
    assert ours == sorted(p.name for p in ctx.path("theirs").iterdir())
    assert ours == ["app-1.0-py3-none-any.whl", "lib-2.0-py3-none-any.whl", "srconly-1.0-py3-none-any.whl"]
    for name in ("app-1.0-py3-none-any.whl", "lib-2.0-py3-none-any.whl"):
        assert ctx.path("ours", name).read_bytes() == ctx.path("theirs", name).read_bytes()
        assert f"Saved ./ours/{name}\n" in result.stdout
    built = ctx.path("ours", "srconly-1.0-py3-none-any.whl").read_bytes()
    digest = hashlib.sha256(built).hexdigest()
    line = f"filename=srconly-1.0-py3-none-any.whl size={len(built)} sha256={digest}\n"
    assert f"  Created wheel for srconly: {line}" in result.stdout
    assert result.stdout.endswith("Successfully built srconly\n")
    with zipfile.ZipFile(ctx.path("ours", "srconly-1.0-py3-none-any.whl")) as archive:
        assert "srconly-1.0.dist-info/METADATA" in archive.namelist()


def test_an_editable_project_gets_a_regular_wheel(ctx: TestContext, server: IndexServer) -> None:
    project = ctx.path("proj")
    (project / "proj").mkdir(parents=True)
    (project / "proj" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "proj"\nversion = "0.3"\n'
    )
    result = wheel(ctx, server, "-w", "out", "--no-deps", "-e", project).assert_success()
    assert [p.name for p in ctx.path("out").iterdir()] == ["proj-0.3-py3-none-any.whl"]
    with zipfile.ZipFile(ctx.path("out", "proj-0.3-py3-none-any.whl")) as archive:
        assert "proj/__init__.py" in archive.namelist()
    assert "Successfully built proj" in result.stdout


def test_a_wrong_hash_builds_and_saves_nothing(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.txt", f"srconly==1.0 --hash=sha256:{hashlib.sha256(b'other').hexdigest()}\n")
    result = wheel(ctx, server, "-w", "out", "--no-deps", "-r", "requirements.txt").assert_failure(1)
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr and "Traceback" not in result.stderr
    assert not ctx.path("out").exists() or not list(ctx.path("out").iterdir())
