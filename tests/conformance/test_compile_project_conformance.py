"""``pipcompat pip compile`` of a project — ``setup.py``, ``setup.cfg``, a ``pyproject.toml`` whose
dependencies are ``dynamic`` — writes the same file as pip-compile 7.6.2, byte for byte.

These inputs need the project's build backend (``prepare_metadata_for_build_wheel`` in an isolated build
environment), so the local index serves the real setuptools and wheel (downloaded once per session from
PyPI by the real pip) next to the packages the projects depend on. pip-compile's build environment is
filled by pip, pointed at the same index with ``PIP_INDEX_URL``. Both tools run side by side in their own
copy of the project with the same arguments; the output files and exit statuses must be equal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.context import clean_environ
from tests.support.index_server import IndexServer
from tests.support.packages import PackageSpec, build_all

pytest.importorskip("piptools")

PACKAGES = [
    PackageSpec("webapp", "1.0", deps=["idna-ish>=1.0"], extras={"tls": ["cryptoish"]}),
    PackageSpec("webapp", "2.0", deps=["idna-ish>=1.0"], extras={"tls": ["cryptoish"]}),
    PackageSpec("idna-ish", "1.0"),
    PackageSpec("cryptoish", "1.0", deps=["zeta"]),
    PackageSpec("zeta", "1.0"),
    PackageSpec("Alpha_Pkg", "1.0", deps=["zeta"]),
    PackageSpec("old-only", "1.0"),
    PackageSpec("docs-tool", "2.0"),
]

SETUP_PY = """
    from setuptools import setup
    setup(
        name="legacy_app",
        version="0.1",
        install_requires=["webapp>=1", "Alpha_Pkg; python_version >= '3'", "old-only; python_version < '3'"],
        extras_require={"tls": ["webapp[tls]"], "docs": ["docs-tool>=2"]},
    )
"""

SETUP_CFG = """
    [metadata]
    name = cfg-app
    version = 1.0

    [options]
    install_requires =
        webapp>=1
        zeta

    [options.extras_require]
    docs = docs-tool
"""

DYNAMIC_PYPROJECT = """
    [build-system]
    requires = ["setuptools>=70.1"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "dyn-app"
    version = "3.0"
    dynamic = ["dependencies", "optional-dependencies"]

    [tool.setuptools]
    py-modules = []

    [tool.setuptools.dynamic]
    dependencies = {file = ["requirements-base.txt"]}
    optional-dependencies.docs = {file = ["requirements-docs.txt"]}
    optional-dependencies.tls = {file = ["requirements-tls.txt"]}
"""

LOCAL_LIB_PYPROJECT = """
    [build-system]
    requires = ["setuptools>=70.1"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "local-lib"
    version = "0.1"
    dependencies = ["webapp>=1"]

    [tool.setuptools]
    py-modules = []
"""

LOCAL_APP_SETUP_PY = """
    from setuptools import setup
    setup(name="local_app", version="2.0", py_modules=[], install_requires=["idna-ish"])
"""

# An in-tree backend over setuptools whose get_requires_for_build_* hooks each add something.
BACKEND_PYPROJECT = """
    [build-system]
    requires = ["setuptools>=70.1"]
    build-backend = "backend"
    backend-path = ["."]

    [project]
    name = "Hooked_App"
    version = "1.0"
    dependencies = ["webapp>=1", "zeta"]

    [project.optional-dependencies]
    docs = ["docs-tool"]

    [tool.setuptools]
    py-modules = []
"""

BACKEND_PY = """
    from setuptools.build_meta import *  # noqa: F403
    from setuptools import build_meta as _base

    def get_requires_for_build_wheel(config_settings=None):
        return _base.get_requires_for_build_wheel(config_settings) + ["zeta"]

    def get_requires_for_build_sdist(config_settings=None):
        return _base.get_requires_for_build_sdist(config_settings) + ["docs-tool>=2"]

    def get_requires_for_build_editable(config_settings=None):
        return ["cryptoish", "zeta"]
"""

BACKEND_FILES = {"pyproject.toml": BACKEND_PYPROJECT, "backend.py": BACKEND_PY}

CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "setup-py": ({"setup.py": SETUP_PY}, ["setup.py"]),
    "setup-py-extra": ({"setup.py": SETUP_PY}, ["--extra", "tls", "setup.py"]),
    "setup-py-all-extras": ({"setup.py": SETUP_PY}, ["--all-extras", "setup.py", "-o", "out.txt"]),
    "setup-py-default-input": ({"setup.py": SETUP_PY}, []),
    "setup-cfg": (
        {"setup.cfg": SETUP_CFG, "setup.py": "from setuptools import setup\nsetup()\n"},
        ["--all-extras", "setup.cfg"],
    ),
    "pyproject-dynamic": (
        {
            "pyproject.toml": DYNAMIC_PYPROJECT,
            "requirements-base.txt": "webapp>=1\nAlpha_Pkg ; python_version >= '3'\n",
            "requirements-docs.txt": "docs-tool\n",
            "requirements-tls.txt": "cryptoish\n",
        },
        ["pyproject.toml"],
    ),
    "pyproject-dynamic-extra": (
        {
            "pyproject.toml": DYNAMIC_PYPROJECT,
            "requirements-base.txt": "webapp>=1\n",
            "requirements-docs.txt": "docs-tool\n",
            "requirements-tls.txt": "cryptoish\n",
        },
        ["--extra", "docs", "--extra", "tls", "pyproject.toml"],
    ),
    "pyproject-dynamic-all-extras": (
        {
            "pyproject.toml": DYNAMIC_PYPROJECT,
            "requirements-base.txt": "webapp>=1\n",
            "requirements-docs.txt": "docs-tool\n",
            "requirements-tls.txt": "cryptoish\n",
        },
        ["--all-extras", "--no-annotate", "pyproject.toml"],
    ),
    # Local trees in a requirements file: pip-compile writes no hashes for an editable or a directory
    # (a '# WARNING' line instead, and a warning on stderr) and hashes everything else.
    "local-trees-with-hashes": (
        {
            "requirements.in": "-e ./lib\n./app\nzeta\n",
            "lib/pyproject.toml": LOCAL_LIB_PYPROJECT,
            "app/setup.py": LOCAL_APP_SETUP_PY,
        },
        ["--generate-hashes", "requirements.in"],
    ),
    # Build dependencies (--build-deps-for / --all-build-deps / --only-build-deps), annotated with where
    # each comes from: build-system.requires or the backend's hook for a target.
    "all-build-deps": (BACKEND_FILES, ["--all-build-deps", "pyproject.toml"]),
    "build-deps-for-wheel-and-editable": (
        BACKEND_FILES,
        ["--build-deps-for", "wheel", "--build-deps-for", "editable", "--all-extras", "pyproject.toml"],
    ),
    "only-build-deps": (
        BACKEND_FILES,
        ["--only-build-deps", "--build-deps-for", "sdist", "--allow-unsafe", "pyproject.toml"],
    ),
    "setup-py-build-deps": (
        {"setup.py": SETUP_PY},
        ["--build-deps-for", "wheel", "--allow-unsafe", "setup.py"],
    ),
    "local-trees": (
        {
            "requirements.in": "-e ./lib\n./app\n",
            "lib/pyproject.toml": LOCAL_LIB_PYPROJECT,
            "app/setup.py": LOCAL_APP_SETUP_PY,
        },
        ["requirements.in"],
    ),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    dists = tmp_path_factory.mktemp("project-compile-dists")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--only-binary",
            ":all:",
            "--no-deps",
            "-d",
            str(dists),
            "setuptools>=70.1",
            "wheel",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if proc.returncode != 0:
        pytest.skip(f"setuptools could not be downloaded:\n{proc.stderr[-2000:]}")
    build_all(PACKAGES, dists)
    with IndexServer(dists) as index:
        yield index


def _files(root: Path) -> dict[str, bytes]:
    """The files a compile leaves, without the build backend's own byproducts (``*.egg-info``, an in-tree
    backend's ``__pycache__``)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not path.name.startswith(".")
        and not any(
            part.endswith(".egg-info") or part == "__pycache__" for part in path.relative_to(root).parts
        )
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_project_compile_equals_pip_compile(case: str, server: IndexServer, tmp_path: Path) -> None:
    files, args = CASES[case]
    results: dict[str, tuple[subprocess.CompletedProcess[str], dict[str, bytes]]] = {}
    for tool in ("pip-compile", "pipcompat"):
        root = tmp_path / tool
        work = root / "work"
        work.mkdir(parents=True)
        for name, text in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        env = clean_environ(root / "env")
        env.pop("CUSTOM_COMPILE_COMMAND", None)
        env["PIP_INDEX_URL"] = server.url
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        common = ["--no-config", "--cache-dir", str(root / "cache"), "--index-url", server.url, *args]
        if tool == "pip-compile":
            argv = [sys.executable, "-m", "piptools", "compile", *common]
        else:
            argv = [sys.executable, "-m", "pipcompat", "pip", "compile", *common]
        done = subprocess.run(
            argv,
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=600,
            check=False,
        )
        # Each tool has its own copy of the project: local paths in the output differ by that root only.
        results[tool] = (done, {k: v.replace(str(root).encode(), b"ROOT") for k, v in _files(work).items()})
        done.stderr = done.stderr.replace(str(root), "ROOT")
        shutil.rmtree(root / "cache", ignore_errors=True)
    theirs, their_files = results["pip-compile"]
    ours, our_files = results["pipcompat"]
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == theirs.returncode, f"pip-compile:\n{theirs.stderr}\npipcompat:\n{ours.stderr}"
    assert sorted(our_files) == sorted(their_files)
    for name, data in their_files.items():
        assert our_files[name].decode("utf-8") == data.decode("utf-8"), name
    # What pip-compile says on stderr (its warnings, then the file) is said in the same words.
    assert ours.stderr == theirs.stderr
