"""``pipcompat pip compile`` writes the same file as pip-compile 7.6.2, byte for byte.

Every directory under ``compile/`` is a case: its files (``requirements.in``, ``pyproject.toml``,
constraints...) and an ``args`` file holding the command-line arguments (split as a shell would). An
``existing.txt`` becomes ``requirements.txt`` before each run, as a previous compile's output. The packages
the cases use are built here and served by a local index server; real pip-compile (pip-tools from the test
environment) and pipcompat run side by side, each in its own copy of the case, with the same arguments,
a clean environment (no pip configuration) and their own caches. Every file of the two copies must then
be equal, and so must the exit status.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.context import clean_environ
from tests.support.index_server import IndexServer
from tests.support.packages import PackageSpec, build_all

pytest.importorskip("piptools")

CORPUS = Path(__file__).parent / "compile"
CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "args").is_file())

MULTI_TAGS = ["py3-none-any", "cp311-cp311-manylinux_2_17_x86_64", "cp39-cp39-win_amd64"]

PACKAGES = [
    PackageSpec("webapp", "1.0", deps=["idna-ish>=1.0", "beta"], extras={"tls": ["cryptoish"]}),
    PackageSpec("webapp", "2.0", deps=["idna-ish>=1.0", "beta"], extras={"tls": ["cryptoish"]}),
    PackageSpec("idna-ish", "1.0"),
    PackageSpec("idna-ish", "1.1"),
    PackageSpec("cryptoish", "1.0", deps=["zeta"], tags=MULTI_TAGS),
    PackageSpec("beta", "1.0"),
    PackageSpec("beta", "2.0", deps=["setuptools"]),
    PackageSpec(
        "Alpha_Pkg",
        "1.0",
        deps=["beta>=1", "gamma; python_version<'3'", "delta[fast]; python_version>='3'"],
    ),
    PackageSpec("Alpha_Pkg", "2.0", deps=["beta>=2"]),
    PackageSpec("Alpha_Pkg", "3.0a1", deps=["beta>=2"]),
    PackageSpec("gamma", "1.0"),
    PackageSpec("delta", "1.0", extras={"fast": ["epsilon"], "slow": ["zeta"]}),
    PackageSpec("epsilon", "1.0", tags=MULTI_TAGS),
    PackageSpec("zeta", "1.0"),
    PackageSpec("setuptools", "60.0"),
    PackageSpec("pip", "22.0"),
    PackageSpec("buildtool", "1.0", deps=["setuptools>=50", "pip"]),
    PackageSpec("rc-pkg", "1.0"),
    PackageSpec("rc-pkg", "2.0b1"),
    PackageSpec("futurist", "1.0"),
    PackageSpec("futurist", "2.0", requires_python=">=3.99"),
    PackageSpec("cyc-a", "1.0", deps=["cyc-b"]),
    PackageSpec("cyc-b", "1.0", deps=["cyc-a"]),
    PackageSpec("Foo.Bar_Baz", "1.0"),
    PackageSpec("unused", "1.0"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    dists = tmp_path_factory.mktemp("compile-dists")
    build_all(PACKAGES, dists)
    with IndexServer(dists) as index:
        yield index


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _prepare(case: str, dest: Path) -> Path:
    shutil.copytree(CORPUS / case, dest)
    (dest / "args").unlink()
    existing = dest / "existing.txt"
    if existing.exists():
        existing.rename(dest / "requirements.txt")
    return dest


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_output_equals_pip_compile(case: str, server: IndexServer, tmp_path: Path) -> None:
    args = shlex.split((CORPUS / case / "args").read_text(encoding="utf-8"))
    runs: dict[str, tuple[subprocess.CompletedProcess[str], dict[str, bytes]]] = {}
    for tool in ("pip-compile", "pipcompat"):
        root = tmp_path / tool
        work = _prepare(case, root / "work")
        env = clean_environ(root / "env")
        env.pop("CUSTOM_COMPILE_COMMAND", None)
        common = ["--no-config", "--cache-dir", str(root / "cache"), "--index-url", server.url, *args]
        if tool == "pip-compile":
            argv = [sys.executable, "-m", "piptools", "compile", *common]
        else:
            argv = [sys.executable, "-m", "pipcompat", "pip", "compile", *common]
        done = _run(argv, work, env)
        runs[tool] = (done, _files(work))
    theirs, their_files = runs["pip-compile"]
    ours, our_files = runs["pipcompat"]
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == theirs.returncode, f"pip-compile:\n{theirs.stderr}\npipcompat:\n{ours.stderr}"
    assert sorted(our_files) == sorted(their_files)
    for name, data in their_files.items():
        assert our_files[name].decode("utf-8") == data.decode("utf-8"), name
        assert our_files[name] == data, name
    # pip-compile's stderr (its warnings in its words, then the file unless -q) is said the same way.
    if case not in STDERR_DIFFERS:
        assert ours.stderr.replace(str(tmp_path / "pipcompat"), "ROOT") == theirs.stderr.replace(
            str(tmp_path / "pip-compile"), "ROOT"
        )


#: Cases whose stderr differs on purpose (docs/compatibility.md), with why.
STDERR_DIFFERS = {
    # pip warns about every missing page of a file:// index ("Location '…' is ignored"); pipcompat takes a
    # missing page as a project the index does not have, as a 404 over HTTP, and says nothing.
    "file-options": "missing file:// index pages",
}


def test_corpus_has_enough_cases() -> None:
    assert len(CASES) >= 15


NETWORK_INPUTS = {
    "requests": "requests\n",
    "flask": "flask\nclick<9\n",
    "httpx-rich": "httpx[http2]\nrich\n",
}


@pytest.mark.network
@pytest.mark.parametrize("name", list(NETWORK_INPUTS))
def test_output_equals_pip_compile_on_pypi(name: str, tmp_path: Path) -> None:
    """The same against the real PyPI, with hashes (both run at once, so they see the same releases)."""
    outputs: dict[str, bytes] = {}
    for tool in ("pip-compile", "pipcompat"):
        root = tmp_path / tool
        work = root / "work"
        work.mkdir(parents=True)
        (work / "requirements.in").write_text(NETWORK_INPUTS[name], encoding="utf-8")
        env = clean_environ(root / "env")  # no PIP_CERT: both trust the system store
        common = ["--no-config", "--cache-dir", str(root / "cache"), "--strip-extras", "--generate-hashes"]
        if tool == "pip-compile":
            argv = [sys.executable, "-m", "piptools", "compile", *common]
        else:
            argv = [sys.executable, "-m", "pipcompat", "pip", "compile", *common]
        done = _run(argv, work, env)
        assert done.returncode == 0, done.stderr
        outputs[tool] = (work / "requirements.txt").read_bytes()
    assert outputs["pipcompat"].decode() == outputs["pip-compile"].decode()
