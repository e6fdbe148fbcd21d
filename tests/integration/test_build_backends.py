"""The build backends real projects use, each building a project made here and served from a local index
with the backends' own wheels (downloaded once per session from PyPI by the real pip): setuptools with a C
extension, hatchling, flit, a legacy ``setup.py``-only project, and a tiny in-tree backend that records the
``--config-settings`` every hook gets."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory, download_wheels
from tests.support.packages import PackageSpec, build_all

pytestmark = pytest.mark.integration

BACKENDS = ("setuptools>=70.1", "wheel", "hatchling", "flit_core>=3.4")


@pytest.fixture(scope="session")
def backend_wheels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """setuptools, wheel, hatchling (and what it needs) and flit_core, downloaded once by the real pip."""
    dest = tmp_path_factory.mktemp("backend-wheels-all")
    error = download_wheels(dest, BACKENDS, with_deps=True)
    if error is not None:
        pytest.skip(f"the build backends' wheels could not be downloaded:\n{error}")
    yield dest


def write_sdist(dists: Path, name: str, version: str, files: Mapping[str, str]) -> Path:
    """``<name>-<version>.tar.gz`` holding *files* (no PKG-INFO unless given: the metadata then needs a
    build)."""
    top = f"{name}-{version}"
    path = dists / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for relative, text in sorted(files.items()):
            data = textwrap.dedent(text).encode()
            info = tarfile.TarInfo(f"{top}/{relative}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return path


def serve(
    index_server: IndexServerFactory, wheels: Path, tmp_path: Path, specs: list[PackageSpec] | None = None
) -> tuple[IndexServer, Path]:
    """An index with the backends' wheels, *specs*, and whatever the test writes into the returned
    directory before its first request."""
    dists = tmp_path / "dists"
    dists.mkdir(exist_ok=True)
    for wheel in wheels.glob("*.whl"):
        shutil.copy(wheel, dists / wheel.name)
    if specs:
        build_all(specs, dists)
    return index_server([], dists_dir=dists), dists


def install(ctx: TestContext, venv: Path, server: IndexServer, *args: str) -> Result:
    return ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)


def run_in(ctx: TestContext, venv: Path, code: str) -> str:
    return ctx.run_cmd([str(venv_python(venv)), "-c", code]).assert_success().stdout.strip()


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


C_EXTENSION = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=70.1"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "fastmath"
        version = "1.0"
    """,
    "setup.py": """
        from setuptools import Extension, setup
        setup(ext_modules=[Extension("fastmath._speed", ["src/speed.c"])], packages=["fastmath"])
    """,
    "fastmath/__init__.py": "from fastmath._speed import add\n",
    "src/speed.c": """
        #define PY_SSIZE_T_CLEAN
        #include <Python.h>

        static PyObject *add(PyObject *self, PyObject *args) {
            long a, b;
            if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
            return PyLong_FromLong(a + b);
        }
        static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add two numbers"}, {NULL, NULL, 0, NULL}};
        static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods};
        PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&module); }
    """,
}


@pytest.mark.slow
def test_a_setuptools_c_extension_builds_imports_and_runs_and_a_second_install_does_not_build(
    ctx: TestContext, index_server: IndexServerFactory, backend_wheels: Path, tmp_path: Path
) -> None:
    if shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.skip("no C compiler")
    server, dists = serve(index_server, backend_wheels, tmp_path)
    write_sdist(dists, "fastmath", "1.0", C_EXTENSION)
    first = ctx.make_venv("one")
    result = ctx.run(
        "pip", "--python", venv_python(first), "install", "-v", "--index-url", server.url, "fastmath"
    ).assert_success()
    assert "building fastmath-1.0" in result.stderr
    assert run_in(ctx, first, "import fastmath; print(fastmath.add(2, 40))") == "42"
    assert list((site_packages(first) / "fastmath").glob("_speed*.so"))
    assert not list(site_packages(first).glob("setuptools*"))

    second = ctx.make_venv("two")
    again = ctx.run(
        "pip", "--python", venv_python(second), "install", "-v", "--index-url", server.url, "fastmath"
    ).assert_success()
    assert "building fastmath" not in again.stderr
    assert "gcc" not in again.stderr
    assert run_in(ctx, second, "import fastmath; print(fastmath.add(1, 1))") == "2"


@pytest.mark.slow
def test_a_c_extension_that_does_not_compile_names_the_package_and_shows_the_compiler_error(
    ctx: TestContext, index_server: IndexServerFactory, backend_wheels: Path, tmp_path: Path
) -> None:
    if shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.skip("no C compiler")
    server, dists = serve(
        index_server, backend_wheels, tmp_path, [PackageSpec("app", "1.0", deps=["fastmath"])]
    )
    broken = dict(C_EXTENSION)
    broken["src/speed.c"] = C_EXTENSION["src/speed.c"] + "\nthis is not C;\n"
    write_sdist(dists, "fastmath", "1.0", broken)
    venv = ctx.make_venv()
    before = sorted(p.name for p in site_packages(venv).iterdir())
    result = ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, "app")
    result.assert_failure(1)
    assert "failed to build fastmath" in result.stderr
    assert "speed.c:14:1: error: unknown type name" in result.stderr
    assert "hint:" in result.stderr
    # Only the last lines of the output, not all of it.
    assert len([line for line in result.stderr.splitlines() if line.startswith("  | ")]) <= 20
    assert sorted(p.name for p in site_packages(venv).iterdir()) == before


@pytest.mark.slow
def test_a_hatchling_project_only_as_an_sdist_deep_in_a_resolution_installs(
    ctx: TestContext, index_server: IndexServerFactory, backend_wheels: Path, tmp_path: Path
) -> None:
    server, dists = serve(
        index_server,
        backend_wheels,
        tmp_path,
        [PackageSpec("app", "1.0", deps=["middle"]), PackageSpec("middle", "1.0", deps=["hatchy>=2"])],
    )
    write_sdist(
        dists,
        "hatchy",
        "2.0",
        {
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "hatchy"
                version = "2.0"
                dependencies = ["leaf>=1"]

                [project.scripts]
                hatchy = "hatchy:main"

                [tool.hatch.build.targets.wheel]
                packages = ["hatchy"]
            """,
            "hatchy/__init__.py": "def main():\n    print('hatched')\n",
        },
    )
    build_all([PackageSpec("leaf", "1.0")], dists)
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "app")
    assert result.returncode == 0, result.stderr
    assert "+ hatchy==2.0" in result.stderr
    assert "+ leaf==1.0" in result.stderr
    out = ctx.run_cmd([str(venv / "bin" / "hatchy")]).assert_success()
    assert out.stdout.strip() == "hatched"
    assert not list(site_packages(venv).glob("hatchling*"))


@pytest.mark.slow
def test_a_flit_project_builds_and_installs(
    ctx: TestContext, index_server: IndexServerFactory, backend_wheels: Path, tmp_path: Path
) -> None:
    server, dists = serve(index_server, backend_wheels, tmp_path)
    write_sdist(
        dists,
        "flitted",
        "0.3",
        {
            "pyproject.toml": """
                [build-system]
                requires = ["flit_core>=3.4,<5"]
                build-backend = "flit_core.buildapi"

                [project]
                name = "flitted"
                version = "0.3"
                description = "a flit project"
            """,
            "flitted.py": "VALUE = 'flit'\n",
        },
    )
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "flitted")
    assert result.returncode == 0, result.stderr
    assert run_in(ctx, venv, "import flitted; print(flitted.VALUE)") == "flit"
    assert (site_packages(venv) / "flitted-0.3.dist-info" / "METADATA").is_file()


@pytest.mark.slow
def test_a_legacy_setup_py_project_without_pyproject_builds_with_setuptools(
    ctx: TestContext, index_server: IndexServerFactory, backend_wheels: Path, tmp_path: Path
) -> None:
    server, dists = serve(index_server, backend_wheels, tmp_path, [PackageSpec("leaf", "1.0")])
    write_sdist(
        dists,
        "oldstyle",
        "1.2",
        {
            "setup.py": """
                from setuptools import setup
                setup(name="oldstyle", version="1.2", py_modules=["oldstyle"], install_requires=["leaf"])
            """,
            "oldstyle.py": "print('old style')\n",
        },
    )
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "oldstyle")
    assert result.returncode == 0, result.stderr
    assert "+ leaf==1.0" in result.stderr
    assert run_in(ctx, venv, "import oldstyle") == "old style"


RECORDING_BACKEND = """
import json, os, zipfile, base64, hashlib

def _log(hook, config_settings):
    with open(os.environ["BACKEND_LOG"], "a") as out:
        out.write(json.dumps({"hook": hook, "settings": config_settings}, sort_keys=True) + "\\n")

def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

METADATA = b"Metadata-Version: 2.1\\nName: recorded\\nVersion: 1.0\\n"

def get_requires_for_build_wheel(config_settings=None):
    _log("get_requires_for_build_wheel", config_settings)
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_wheel", config_settings)
    path = os.path.join(metadata_directory, "recorded-1.0.dist-info")
    os.makedirs(path)
    with open(os.path.join(path, "METADATA"), "wb") as out:
        out.write(METADATA)
    return "recorded-1.0.dist-info"

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_wheel", config_settings)
    files = {
        "recorded.py": b"",
        "recorded-1.0.dist-info/METADATA": METADATA,
        "recorded-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
    }
    record = "".join(f"{p},{_hash(d)},{len(d)}\\n" for p, d in files.items())
    record += "recorded-1.0.dist-info/RECORD,,\\n"
    files["recorded-1.0.dist-info/RECORD"] = record.encode()
    name = "recorded-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return name
"""


def serve_recorded(
    index_server: IndexServerFactory, tmp_path: Path, backend: str = RECORDING_BACKEND
) -> IndexServer:
    """An index serving only ``recorded 1.0``, an sdist built by the in-tree *backend* (which appends each
    hook and its config settings to ``$BACKEND_LOG``)."""
    dists = tmp_path / "dists"
    dists.mkdir()
    pyproject = """
        [build-system]
        requires = []
        build-backend = "recorder"
        backend-path = ["backend"]
    """
    write_sdist(dists, "recorded", "1.0", {"pyproject.toml": pyproject, "backend/recorder.py": backend})
    return index_server([], dists_dir=dists)


def test_config_settings_reach_every_hook_of_the_backend(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = serve_recorded(index_server, tmp_path)
    log = tmp_path / "hooks.jsonl"
    venv = ctx.make_venv()
    ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "-C",
        "level=3",
        "--config-settings=opt=a",
        "-C",
        "opt=b",
        "recorded",
        env={"BACKEND_LOG": str(log)},
    ).assert_success()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    hooks = [call["hook"] for call in calls]
    # The metadata comes from prepare_metadata_for_build_wheel while resolving, then the wheel is built.
    assert "prepare_metadata_for_build_wheel" in hooks
    assert "build_wheel" in hooks
    assert hooks.index("prepare_metadata_for_build_wheel") < hooks.index("build_wheel")
    for call in calls:
        assert call["settings"] == {"level": "3", "opt": ["a", "b"]}, call
    assert (site_packages(venv) / "recorded.py").is_file()


def test_warnings_a_backend_raises_stay_in_its_output_shown_with_verbose(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    hook = '    _log("get_requires_for_build_wheel", config_settings)\n'
    warn = '    warnings.warn("the backend says beware")\n'
    warning_backend = "import warnings\n" + RECORDING_BACKEND.replace(hook, warn + hook)
    assert "beware" in warning_backend
    server = serve_recorded(index_server, tmp_path, warning_backend)
    env = {"BACKEND_LOG": str(tmp_path / "hooks.jsonl")}
    venv = ctx.make_venv()
    args = ("pip", "--python", venv_python(venv), "install", "--no-cache-dir", "--index-url", server.url)
    quiet = ctx.run(*args, "recorded", env=env).assert_success()
    assert "beware" not in quiet.stdout + quiet.stderr  # pip does not show them either
    verbose = ctx.run(*args, "-v", "--force-reinstall", "recorded", env=env).assert_success()
    assert "BuildBackendWarning: the backend says beware" in verbose.stdout + verbose.stderr


def test_pip_wheel_gives_the_command_lines_config_settings_to_the_backend(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = serve_recorded(index_server, tmp_path)
    log = tmp_path / "hooks.jsonl"
    args = (
        "pip",
        "wheel",
        "--index-url",
        server.url,
        "-w",
        str(tmp_path / "out"),
        "-C",
        "level=3",
        "recorded",
    )
    ctx.run(*args, env={"BACKEND_LOG": str(log)}).assert_success()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert "build_wheel" in [call["hook"] for call in calls]
    assert all(call["settings"] == {"level": "3"} for call in calls), calls
    assert (tmp_path / "out" / "recorded-1.0-py3-none-any.whl").is_file()


def test_pip_sync_gives_pip_args_config_settings_to_no_build_as_pip_sync_does(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    # pip-sync runs `pip install -r <file> -C …`: pip's command-line -C reaches command-line requirements only
    server = serve_recorded(index_server, tmp_path)
    log = tmp_path / "hooks.jsonl"
    venv = ctx.make_venv()
    requirements = ctx.write("requirements.txt", "recorded==1.0\n")
    args = ("pip", "sync", "--python-executable", str(venv_python(venv)), "-i", server.url)
    ctx.run(*args, "--pip-args", "-C level=3", requirements, env={"BACKEND_LOG": str(log)}).assert_success()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert "build_wheel" in [call["hook"] for call in calls]
    assert all(call["settings"] is None for call in calls), calls
    assert (site_packages(venv) / "recorded.py").is_file()
