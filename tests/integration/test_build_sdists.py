"""Building sdists into wheels: sdist-only packages resolve and install through pipcompat's own isolated
build environments (made by its venv builder, filled by its resolver and installer from the same index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServerFactory, serve_with_wheels
from tests.support.packages import PackageSpec, build_sdist

pytestmark = pytest.mark.integration


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def _import(venv: Path, code: str, ctx: TestContext) -> str:
    result = ctx.run_cmd([str(venv_python(venv)), "-c", code]).assert_success()
    return result.stdout.strip()


@pytest.mark.slow
def test_an_sdist_only_dependency_deep_in_a_resolution_installs(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(
        index_server,
        [
            PackageSpec("top", "1.0", deps=["middle>=1"]),
            PackageSpec("middle", "1.0", deps=["deep"]),
            PackageSpec("deep", "2.0", deps=["leaf"], wheel=False),
            PackageSpec("leaf", "1.0"),
        ],
        setuptools_wheels,
        tmp_path / "dists",
    )
    venv = ctx.make_venv()
    result = ctx.run(
        "pip", "--python", venv_python(venv), "install", "--index-url", server.url, "top"
    ).assert_success()
    assert "+ deep==2.0" in result.stderr
    assert _import(venv, "import deep, leaf, top; print(deep.__name__)", ctx) == "deep"
    dist_info = _site_packages(venv) / "deep-2.0.dist-info"
    assert (dist_info / "RECORD").is_file()
    # The build environment's setuptools went into a throwaway environment, not the target.
    assert not list(_site_packages(venv).glob("setuptools*"))


@pytest.mark.slow
def test_the_same_sdist_installed_twice_builds_once(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(
        index_server, [PackageSpec("only-source", "1.0", wheel=False)], setuptools_wheels, tmp_path / "dists"
    )
    first = ctx.make_venv("one")
    second = ctx.make_venv("two")
    ctx.run(
        "pip", "--python", venv_python(first), "install", "--index-url", server.url, "only-source"
    ).assert_success()
    built = list((ctx.cache_dir).glob("built*/**/*.whl"))
    assert [p.name for p in built] == ["only_source-1.0-py3-none-any.whl"]
    server.clear_log()
    ctx.run(
        "pip", "--python", venv_python(second), "install", "--index-url", server.url, "only-source"
    ).assert_success()
    # No setuptools was fetched the second time: nothing was built.
    assert not [p for p in server.paths() if "setuptools" in p]
    assert list((ctx.cache_dir).glob("built*/**/*.whl")) == built
    assert _import(second, "import only_source; print('ok')", ctx) == "ok"


def test_a_build_failure_names_the_package_shows_the_output_and_changes_nothing(
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
        [broken, PackageSpec("fine", "1.0", deps=["broken"])],
        setuptools_wheels,
        tmp_path / "dists",
    )
    venv = ctx.make_venv()
    before = sorted(p.name for p in _site_packages(venv).iterdir())
    result = ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, "fine")
    result.assert_failure(1)
    assert "failed to build broken-1.0" in result.stderr
    assert "frobnicator exploded" in result.stderr
    assert "hint:" in result.stderr
    assert sorted(p.name for p in _site_packages(venv).iterdir()) == before


@pytest.mark.slow
def test_no_build_isolation_builds_with_the_target_environment(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(
        index_server, [PackageSpec("plain", "1.0", wheel=False)], setuptools_wheels, tmp_path / "dists"
    )
    venv = ctx.make_venv()
    # Without isolation the backend must already be in the target.
    failed = ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "--no-build-isolation",
        "plain",
    )
    failed.assert_failure(1)
    assert "plain" in failed.stderr
    ctx.run(
        "pip", "--python", venv_python(venv), "install", "--index-url", server.url, "setuptools"
    ).assert_success()
    ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "--no-build-isolation",
        "plain",
    ).assert_success()
    assert _import(venv, "import plain; print('ok')", ctx) == "ok"


_BACKEND = """
import base64, hashlib, json, os, zipfile

def _record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "configured-1.0-py3-none-any.whl"
    files = {
        "configured_settings.json": json.dumps(config_settings or {}, sort_keys=True).encode(),
        "configured-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: configured\\nVersion: 1.0\\n",
        "configured-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
    }
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\\n" for p, d in files.items())
    record += "configured-1.0.dist-info/RECORD,,\\n"
    files["configured-1.0.dist-info/RECORD"] = record.encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return name
"""


def test_config_settings_reach_the_backend(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    spec = PackageSpec(
        "configured",
        "1.0",
        wheel=False,
        files={"backend/tinybackend.py": _BACKEND},
    )
    dists = tmp_path / "dists"
    sdist = build_sdist(spec, dists)
    # Replace the setuptools pyproject with one using the in-tree backend.
    import io
    import tarfile

    members: dict[str, bytes] = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if member.isfile():
                data = tar.extractfile(member)
                assert data is not None
                members[member.name] = data.read()
    members["configured-1.0/pyproject.toml"] = (
        b'[build-system]\nrequires = []\nbuild-backend = "tinybackend"\nbackend-path = ["backend"]\n'
    )
    with tarfile.open(sdist, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    server = index_server([], dists_dir=dists)
    venv = ctx.make_venv()
    ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "-C",
        "mode=fast",
        "--config-settings",
        "flag=a",
        "-C",
        "flag=b",
        "configured",
    ).assert_success()
    settings = (_site_packages(venv) / "configured_settings.json").read_text()
    assert settings == '{"flag": ["a", "b"], "mode": "fast"}'


@pytest.mark.slow
def test_compile_resolves_an_sdist_only_dependency(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(
        index_server,
        [
            PackageSpec("app", "1.0", deps=["srconly"]),
            PackageSpec("srconly", "3.0", deps=["leaf"], wheel=False),
            PackageSpec("leaf", "1.0"),
        ],
        setuptools_wheels,
        tmp_path / "dists",
    )
    ctx.write("requirements.in", "app\n")
    result = ctx.run(
        "pip",
        "compile",
        "--no-header",
        "--no-annotate",
        "--index-url",
        server.url,
        "requirements.in",
        "-o",
        "-",
    ).assert_success()
    assert [line for line in result.stdout.splitlines() if "==" in line] == [
        "app==1.0",
        "leaf==1.0",
        "srconly==3.0",
    ]
