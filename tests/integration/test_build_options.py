"""Build options of ``pip install``: ``--build-constraint`` (and pip's rule that ``-c``/``PIP_CONSTRAINT`` do
not reach build environments), a requirement line's own ``--config-settings``, ``--check-build-dependencies``
with ``--no-build-isolation``, and ``.zip`` sdists given as a path or a ``file://`` direct reference.

The projects are built by ``tinyback``, a tiny backend served by the test index in two versions: the wheel
it builds carries ``<name>_build.json`` saying which version of it ran and which config settings it got."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec, build_all

pytestmark = pytest.mark.integration

BACKEND = """
import base64, hashlib, json, os, zipfile

VERSION = "{version}"


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open("meta.json") as handle:
        meta = json.load(handle)
    name, version = meta["name"], meta["version"]
    dist = name + "-" + version + ".dist-info"
    record = json.dumps({{"backend": VERSION, "settings": config_settings}}, sort_keys=True)
    files = {{
        name + "_build.json": record.encode(),
        dist + "/METADATA": (
            "Metadata-Version: 2.1\\nName: " + name + "\\nVersion: " + version + "\\n"
        ).encode(),
        dist + "/WHEEL": b"Wheel-Version: 1.0\\nGenerator: tinyback\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
    }}
    rows = "".join(path + "," + _hash(data) + "," + str(len(data)) + "\\n" for path, data in files.items())
    files[dist + "/RECORD"] = (rows + dist + "/RECORD,,\\n").encode()
    wheel = name + "-" + version + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel
"""


def _backend(version: str) -> PackageSpec:
    return PackageSpec(
        "tinyback", version, files={"tinyback/__init__.py": BACKEND.format(version=version)}, sdist=False
    )


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server([_backend("1.0"), _backend("2.0")])


PYPROJECT = """\
[build-system]
requires = ["{requires}"]
build-backend = "tinyback"
"""


def make_project(root: Path, name: str, version: str = "1.0", requires: str = "tinyback") -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT.format(requires=requires))
    (root / "meta.json").write_text(json.dumps({"name": name, "version": version}))
    return root


def zip_sdist(project: Path, dest: Path, name: str, version: str = "1.0") -> Path:
    path = dest / f"{name}-{version}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(project.rglob("*")):
            if file.is_file():
                archive.write(file, f"{name}-{version}/{file.relative_to(project)}")
    return path


def build_record(venv: Path, name: str) -> dict[str, object]:
    site = next((venv / "lib").glob("python*/site-packages"))
    data: dict[str, object] = json.loads((site / f"{name}_build.json").read_text())
    return data


def install(
    ctx: TestContext, venv: Path, server: IndexServer, *args: str, env: dict[str, str] | None = None
) -> Result:
    return ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args, env=env)


# -- --build-constraint ----------------------------------------------------------------------------------


def test_build_constraint_pins_the_backend_version_in_the_isolated_build_environment(
    ctx: TestContext, server: IndexServer
) -> None:
    project = make_project(ctx.temp_dir / "proj", "proj")
    ctx.write("build-constraints.txt", "tinyback==1.0\n")
    plain = ctx.make_venv("plain")
    install(ctx, plain, server, str(project)).assert_success()
    assert build_record(plain, "proj")["backend"] == "2.0"

    pinned = ctx.make_venv("pinned")
    install(ctx, pinned, server, "--build-constraint", "build-constraints.txt", str(project)).assert_success()
    assert build_record(pinned, "proj")["backend"] == "1.0"


def test_build_constraint_reaches_editables_and_sdists_from_the_index(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    dists = tmp_path / "dists"
    dists.mkdir()
    build_all([_backend("1.0"), _backend("2.0")], dists)
    project = make_project(tmp_path / "src" / "fromindex", "fromindex")
    zip_sdist(project, dists, "fromindex")
    server = index_server([], dists_dir=dists)
    ctx.write("bc.txt", "tinyback<2\n")
    venv = ctx.make_venv()
    install(ctx, venv, server, "--build-constraint", "bc.txt", "fromindex").assert_success()
    assert build_record(venv, "fromindex")["backend"] == "1.0"


def test_constraints_of_the_install_do_not_reach_build_environments(
    ctx: TestContext, server: IndexServer
) -> None:
    project = make_project(ctx.temp_dir / "proj", "proj")
    constraints = ctx.write("constraints.txt", "tinyback==1.0\n")
    venv = ctx.make_venv("by-option")
    install(ctx, venv, server, "-c", "constraints.txt", str(project)).assert_success()
    assert build_record(venv, "proj")["backend"] == "2.0"
    venv = ctx.make_venv("by-environment")
    install(ctx, venv, server, str(project), env={"PIP_CONSTRAINT": str(constraints)}).assert_success()
    assert build_record(venv, "proj")["backend"] == "2.0"


def test_build_constraint_with_no_build_isolation_is_refused_as_pip_refuses_it(
    ctx: TestContext, server: IndexServer
) -> None:
    project = make_project(ctx.temp_dir / "proj", "proj")
    ctx.write("bc.txt", "tinyback==1.0\n")
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "--no-build-isolation", "--build-constraint", "bc.txt", str(project))
    assert result.returncode == 1
    assert "--build-constraint cannot be used with --no-build-isolation." in result.stderr


def test_a_missing_build_constraint_file_is_an_error_before_anything_is_installed(
    ctx: TestContext, server: IndexServer
) -> None:
    project = make_project(ctx.temp_dir / "proj", "proj")
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "--build-constraint", "nope.txt", str(project))
    assert result.returncode != 0
    assert "nope.txt" in result.stderr
    assert not list((venv / "lib").glob("python*/site-packages/proj_build.json"))


# -- per-requirement --config-settings -------------------------------------------------------------------


def test_a_requirement_lines_config_settings_reach_only_that_requirements_build(
    ctx: TestContext, server: IndexServer
) -> None:
    one = make_project(ctx.temp_dir / "one", "one")
    two = make_project(ctx.temp_dir / "two", "two")
    ctx.write(
        "requirements.txt",
        f"one @ {one.as_uri()} --config-settings mode=fast -C opt=a --config-settings=opt=b\n{two}\n",
    )
    venv = ctx.make_venv()
    install(ctx, venv, server, "-r", "requirements.txt").assert_success()
    assert build_record(venv, "one")["settings"] == {"mode": "fast", "opt": ["a", "b"]}
    assert build_record(venv, "two")["settings"] is None


def test_config_settings_reach_requirements_as_in_pip_line_settings_replace_the_command_lines(
    ctx: TestContext, server: IndexServer
) -> None:
    one = make_project(ctx.temp_dir / "one", "one")
    two = make_project(ctx.temp_dir / "two", "two")
    three = make_project(ctx.temp_dir / "three", "three")
    ctx.write("requirements.txt", f"one @ {one.as_uri()} --config-settings mode=line\n{two}\n")
    venv = ctx.make_venv()
    install(ctx, venv, server, "-C", "global=1", "-r", "requirements.txt", str(three)).assert_success()
    assert build_record(venv, "one")["settings"] == {"mode": "line"}
    # pip gives the command line's -C to the command line's requirements only.
    assert build_record(venv, "two")["settings"] is None
    assert build_record(venv, "three")["settings"] == {"global": "1"}


def test_different_line_config_settings_build_again_instead_of_reusing_the_cached_wheel(
    ctx: TestContext, server: IndexServer
) -> None:
    one = make_project(ctx.temp_dir / "one", "one")
    venv = ctx.make_venv()
    for mode in ("first", "second", "first"):
        ctx.write("requirements.txt", f"one @ {one.as_uri()} --config-settings mode={mode}\n")
        install(ctx, venv, server, "-r", "requirements.txt").assert_success()
        assert build_record(venv, "one")["settings"] == {"mode": mode}


def test_editable_and_index_sdist_lines_get_their_own_config_settings(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    dists = tmp_path / "dists"
    dists.mkdir()
    build_all([_backend("1.0"), _backend("2.0")], dists)
    zip_sdist(make_project(tmp_path / "src" / "fromindex", "fromindex"), dists, "fromindex")
    server = index_server([], dists_dir=dists)
    local = make_project(ctx.temp_dir / "local", "local")
    ctx.write("requirements.txt", f"fromindex==1.0 -C where=index\n{local} --config-settings where=local\n")
    venv = ctx.make_venv()
    install(ctx, venv, server, "-r", "requirements.txt").assert_success()
    assert build_record(venv, "fromindex")["settings"] == {"where": "index"}
    assert build_record(venv, "local")["settings"] == {"where": "local"}


# -- --check-build-dependencies --------------------------------------------------------------------------


def test_check_build_dependencies_reports_a_missing_backend_with_pips_message(
    ctx: TestContext, server: IndexServer
) -> None:
    project = make_project(ctx.temp_dir / "proj", "proj", requires="tinyback>=2")
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "--no-build-isolation", "--check-build-dependencies", str(project))
    assert result.returncode == 1
    assert "are missing: 'tinyback>=2'." in result.stderr
    assert "Some build dependencies for " in result.stderr


def test_check_build_dependencies_reports_a_conflicting_backend_and_passes_when_satisfied(
    ctx: TestContext, server: IndexServer
) -> None:
    project = make_project(ctx.temp_dir / "proj", "proj", requires="tinyback>=2")
    venv = ctx.make_venv()
    install(ctx, venv, server, "tinyback==1.0").assert_success()
    result = install(ctx, venv, server, "--no-build-isolation", "--check-build-dependencies", str(project))
    assert result.returncode == 1
    assert (
        "conflict with the backend dependencies: tinyback==1.0 is incompatible with tinyback>=2."
        in result.stderr
    )
    install(ctx, venv, server, "tinyback==2.0").assert_success()
    install(
        ctx, venv, server, "--no-build-isolation", "--check-build-dependencies", str(project)
    ).assert_success()
    assert build_record(venv, "proj")["backend"] == "2.0"


# -- .zip sdists -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["path", "direct-reference"])
def test_a_zip_sdist_installs_from_a_path_or_a_file_url(
    ctx: TestContext, server: IndexServer, tmp_path: Path, form: str
) -> None:
    project = make_project(tmp_path / "zipped", "zipped", version="2.5")
    archive = zip_sdist(project, tmp_path, "zipped", "2.5")
    venv = ctx.make_venv()
    requirement = str(archive) if form == "path" else f"zipped @ {archive.as_uri()}"
    result = install(ctx, venv, server, requirement)
    result.assert_success()
    assert "+ zipped==2.5" in result.stderr
    assert build_record(venv, "zipped")["backend"] == "2.0"


@pytest.mark.slow
def test_line_config_settings_and_build_constraints_match_real_pip(
    ctx: TestContext, server: IndexServer
) -> None:
    one = make_project(ctx.temp_dir / "one", "one")
    two = make_project(ctx.temp_dir / "two", "two")
    ctx.write("requirements.txt", f"one @ {one.as_uri()} --config-settings mode=line\n{two}\n")
    ctx.write("bc.txt", "tinyback==1.0\n")
    ctx.write("c.txt", "tinyback==1.0\n")
    args = ["-C", "global=1", "--build-constraint", "bc.txt", "-c", "c.txt", "-r", "requirements.txt"]
    ours = ctx.make_venv("ours")
    install(ctx, ours, server, *args).assert_success()
    theirs = ctx.make_venv("theirs")
    ctx.run_pip(
        "--python", venv_python(theirs), "install", "--no-cache-dir", "--index-url", server.url, *args
    ).assert_success()
    for name in ("one", "two"):
        assert build_record(ours, name) == build_record(theirs, name), name
    assert build_record(theirs, "one") == {"backend": "1.0", "settings": {"mode": "line"}}


# -- the command's format and release control reach build environments (pip reuses its finder) -----------


def test_pre_and_format_control_of_the_install_reach_the_build_environment(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server([_backend("1.0"), _backend("2.0"), _backend("3.0rc1")])
    project = make_project(ctx.temp_dir / "proj", "proj")
    plain = ctx.make_venv("plain")
    install(ctx, plain, server, str(project)).assert_success()
    assert build_record(plain, "proj")["backend"] == "2.0"

    pre = ctx.make_venv("pre")
    install(ctx, pre, server, "--pre", str(project)).assert_success()
    assert build_record(pre, "proj")["backend"] == "3.0rc1"

    # tinyback is published as wheels only: refusing its wheels leaves the build nothing to install.
    refused = ctx.make_venv("refused")
    result = install(ctx, refused, server, "--no-binary", "tinyback", str(project)).assert_failure(1)
    assert "tinyback" in result.stderr and "Traceback" not in result.stderr
    assert not list(next((refused / "lib").glob("python*/site-packages")).glob("proj*"))
