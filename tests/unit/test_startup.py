"""Start-up stays light: commands that need no network import no network or resolver code."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import pipcompat
from pipcompat.cli.venv import build_parser, scan_plain
from pipcompat.env.venv import probe_cache_path
from tests.support.index_server import IndexServerFactory
from tests.support.packages import PackageSpec

HEAVY = ("requests", "urllib3", "resolvelib", "rich", "tomlkit", "installer", "build")

PROBE = """
import contextlib, io, json, sys
from pipcompat.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: str) -> tuple[int, set[str]]:
    env = {"PIP_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=True
    )
    report = json.loads(done.stdout.splitlines()[-1])
    return report["status"], {name.split(".")[0] for name in report["modules"]}


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("--version",), id="version"),
        pytest.param(("--help",), id="help"),
        pytest.param(("pip", "--help"), id="pip-help"),
        pytest.param(("pip", "install", "--help"), id="pip-install-help"),
        pytest.param(("pip", "install", "--show-settings", "--no-deps", "x"), id="show-settings"),
    ],
)
def test_commands_without_network_import_no_heavy_modules(argv: tuple[str, ...]) -> None:
    status, modules = _modules_after(*argv)
    assert status == 0
    assert not modules & set(HEAVY), f"imported {sorted(modules & set(HEAVY))}"


# -- pipcompat pip compile --------------------------------------------------------------------------------
#: What ``pipcompat pip compile`` does not import before it runs: pip's command-line machinery (pip-tools'
#: parser reads the command line, so pip's parser, help and cache-directory default are never built), and,
#: for ``--help`` and ``--show-settings``, nothing that resolves, writes a lock file or talks to an index, nor
#: the settings families of the commands that install, write or list.
COMPILE_FORBIDDEN = (
    *HEAVY,
    "platformdirs",
    "pipcompat.cli.pip",
    "pipcompat.cli.pip_options",
    "pipcompat.cli.help",
    "pipcompat.index",
    "pipcompat.resolver",
    "pipcompat.lock",
    "pipcompat.commands.pip_compile",
    "pipcompat.settings_families",
)


def _all_modules_after(cwd: Path, *argv: str) -> tuple[int, set[str]]:
    env = {
        "PIP_CONFIG_FILE": "/dev/null",
        "PATH": "/usr/bin:/bin",
        "HOME": "/nonexistent",
        "PYTHONPATH": str(Path(pipcompat.__file__).resolve().parent.parent),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, cwd=cwd, check=True
    )
    report = json.loads(done.stdout.splitlines()[-1])
    return report["status"], set(report["modules"])


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("pip", "compile", "--help"), id="help"),
        pytest.param(("pip", "compile", "--show-settings", "--no-config", "requirements.in"), id="settings"),
        pytest.param(("pip", "sync", "--help"), id="sync-help"),
    ],
)
def test_compile_goes_straight_to_the_pip_tools_parser(argv: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("click\n", encoding="utf-8")
    status, modules = _all_modules_after(tmp_path, *argv)
    assert status == 0
    imported = {name for name in modules if name in COMPILE_FORBIDDEN or name.split(".")[0] in HEAVY}
    imported |= {name for name in modules for top in COMPILE_FORBIDDEN if name.startswith(top + ".")}
    assert not imported, f"imported {sorted(imported)}"


#: A ``pipcompat pip compile`` run that also reports what was imported when the first page request was
#: handed to the index client's workers (the first task submitted to a thread pool).
COMPILE_RUN_PROBE = """
import contextlib, io, json, sys
from concurrent.futures import ThreadPoolExecutor
first = []
submit = ThreadPoolExecutor.submit
def recording_submit(self, *args, **kwargs):
    if not first:
        first.append(sorted(sys.modules))
    return submit(self, *args, **kwargs)
ThreadPoolExecutor.submit = recording_submit
from pipcompat.cli.main import main
err = io.StringIO()
with contextlib.redirect_stderr(err):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "stderr": err.getvalue(), "first": first[0] if first else None,
                  "modules": sorted(sys.modules)}))
"""

#: Not imported by a plain compile (names from an index that serves wheels with metadata) before its
#: first request: the resolver, the output writer, project-file readers, the build machinery. They are
#: imported while the first pages are on their way.
COMPILE_NOT_BEFORE_FIRST_REQUEST = (
    "resolvelib",
    "pipcompat.resolver",
    "pipcompat.lock.piptools_output",
    "pipcompat.requirements.project_inputs",
    "pipcompat.commands.source_builds",
)

#: Not imported by a plain compile at all: building (``dist``, interpreter discovery, the venv builder),
#: installing, pip's own command line, and what they pull in.
COMPILE_NEVER = (
    "rich",
    "tomlkit",
    "installer",
    "build",
    "platformdirs",
    "configparser",
    "pipcompat.dist",
    "pipcompat.env",
    "pipcompat.install",
    "pipcompat.commands.pip_install",
    "pipcompat.requirements.project_inputs",
    "pipcompat.settings_families",
    "pipcompat.cli.pip",
    "pipcompat.cli.pip_options",
)


def _run_recording_imports(tmp_path: Path, argv: list[str]) -> dict[str, Any]:
    """Run pipcompat *argv* in *tmp_path* under :data:`COMPILE_RUN_PROBE` (no configuration, a cache of its
    own): its status, stderr, and the modules imported at the first request and at the end."""
    env = {
        "PIP_CONFIG_FILE": os.devnull,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PIPCOMPAT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(Path(pipcompat.__file__).resolve().parent.parent),
    }
    done = subprocess.run(
        [sys.executable, "-c", COMPILE_RUN_PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def _matching(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in names))


def test_a_plain_compile_asks_for_its_pages_before_loading_the_resolver_and_never_loads_builds(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server([PackageSpec("app", "1.0", deps=["lib"]), PackageSpec("lib", "1.0")])
    (tmp_path / "requirements.in").write_text("app\n", encoding="utf-8")
    argv = ["pip", "compile", "--no-config", "-q", "--strip-extras", "-i", server.url, "requirements.in"]
    report = _run_recording_imports(tmp_path, argv)
    assert report["status"] == 0, report["stderr"]
    assert "app==1.0" in (tmp_path / "requirements.txt").read_text(encoding="utf-8")
    first, modules = set(report["first"]), set(report["modules"])
    assert "requests" in first  # imported before the requests are handed to the workers
    assert _matching(first, COMPILE_NOT_BEFORE_FIRST_REQUEST) == []
    assert _matching(modules, COMPILE_NEVER) == []


#: Not imported by an install whose wheels all come from the index: the build machinery and what it
#: pulls in (``pipcompat.dist.build``, the ``build`` package, the venv builder of build environments).
INSTALL_OF_WHEELS_NEVER = ("build", "pipcompat.dist.build", "pipcompat.env.venv")


def test_an_install_of_wheels_never_loads_the_build_machinery(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server([PackageSpec("app", "1.0", deps=["lib"]), PackageSpec("lib", "1.0")])
    target = tmp_path / "target"
    argv = ["pip", "--python", sys.executable, "install", "-i", server.url, "--target", str(target)]
    report = _run_recording_imports(tmp_path, [*argv, "app", "-C", "key=value"])
    assert report["status"] == 0, report["stderr"]
    assert sorted(p.name for p in target.glob("*.dist-info")) == ["app-1.0.dist-info", "lib-1.0.dist-info"]
    assert _matching(set(report["modules"]), INSTALL_OF_WHEELS_NEVER) == []


# -- pipcompat venv ----------------------------------------------------------------------------------------
VENV_PROBE = """
import json, subprocess, sys
spawned = []
class NoSpawn(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        spawned.append(args[0] if args else kwargs.get("args"))
        super().__init__(*args, **kwargs)
subprocess.Popen = NoSpawn
before = set(sys.modules)
from pipcompat.cli.main import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(set(sys.modules) - before), "spawned": spawned}))
"""

#: What a warm ``pipcompat venv --without-pip`` must not import: network, resolver, installer, argparse,
#: settings' typed families, interpreter discovery and the cache layer (the probe is read directly).
VENV_FORBIDDEN = (
    *HEAVY,
    "argparse",
    "optparse",
    "tomllib",
    "tempfile",
    "pipcompat.settings",
    "pipcompat.cache",
    "pipcompat.env.probe",
    "pipcompat.env.interpreters",
    "pipcompat.install",
    "pipcompat.cli.parser",
    "pipcompat.config",
    "pipcompat.models",
    "dataclasses",
    "inspect",
    "typing",
    "pathlib",
    "shlex",
    "configparser",
)


def _venv_run(tmp_path: Path, *argv: str) -> dict[str, Any]:
    env = {
        "PIP_CONFIG_FILE": os.devnull,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PIPCOMPAT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(Path(pipcompat.__file__).resolve().parents[1]),
    }
    done = subprocess.run(
        [sys.executable, "-c", VENV_PROBE, "venv", "-q", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def test_warm_venv_without_pip_imports_and_spawns_nothing_heavy(tmp_path: Path) -> None:
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    first = _venv_run(tmp_path, "--without-pip", "-p", base, "one")  # probes the interpreter once
    assert first["status"] == 0
    second = _venv_run(tmp_path, "--without-pip", "-p", base, "two")
    assert second["status"] == 0
    assert second["spawned"] == []
    modules = set(second["modules"])
    heavy = {
        name
        for name in modules
        if name.split(".")[0] in HEAVY or any(name == f or name.startswith(f + ".") for f in VENV_FORBIDDEN)
    }
    assert not heavy, f"imported {sorted(heavy)}"
    assert (tmp_path / "two" / "pyvenv.cfg").is_file()


#: What a warm, seeded ``pipcompat venv`` (pip linked from its cached, unpacked wheel) must not import:
#: the install engine and what it pulls in.
VENV_SEEDED_FORBIDDEN = (
    *HEAVY,
    "argparse",
    "optparse",
    "tempfile",
    "pipcompat.settings",
    "pipcompat.cache",
    "pipcompat.dist",
    "pipcompat.env.probe",
    "pipcompat.env.interpreters",
    "pipcompat.env.installed",
    "pipcompat.install",
    "pipcompat.config",
    "pipcompat.models",
    "packaging",
    "email",
    "concurrent",
    "dataclasses",
    "inspect",
    "typing",
    "pathlib",
    "zipfile",
    "hashlib",
    "shutil",
    "filelock",
)


def test_warm_seeded_venv_links_pip_without_the_install_engine(tmp_path: Path) -> None:
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    first = _venv_run(tmp_path, "-p", base, "one")  # probes the interpreter, unpacks pip into the cache
    assert first["status"] == 0
    second = _venv_run(tmp_path, "-p", base, "two")
    assert second["status"] == 0
    assert second["spawned"] == []
    modules = set(second["modules"])
    heavy = {
        name
        for name in modules
        if name.split(".")[0] in HEAVY
        or any(name == f or name.startswith(f + ".") for f in VENV_SEEDED_FORBIDDEN)
    }
    assert not heavy, f"imported {sorted(heavy)}"
    assert list((tmp_path / "two").glob("lib/python*/site-packages/pip/__init__.py"))


@pytest.mark.parametrize(
    "argv",
    [
        ["env"],
        ["--without-pip", "env"],
        ["env", "--clear", "--prompt", "x y", "-p", "/usr/bin/python3", "-v", "--verbose", "-q"],
        ["--prompt=a=b", "--copies", "--copies", "a", "b", "--seed"],
        ["--symlinks", "--system-site-packages", "--without-scm-ignore-files", "--allow-existing"],
        ["--upgrade", "--python=3.12", "-q", "-q"],
        [],
    ],
)
def test_plain_scanner_reads_what_argparse_reads(argv: list[str]) -> None:
    scanned = scan_plain(argv)
    assert scanned is not None
    parser = build_parser()
    namespace = parser.parse_args(argv)
    events = namespace.__dict__.pop("_events", [])
    final = {dest: value for dest, _opt, value in scanned[0]}
    assert final == {dest: getattr(namespace, dest) for dest, _opt in events}
    assert [(dest, opt) for dest, opt, _v in scanned[0]] == events
    assert scanned[1] == namespace.dirs


@pytest.mark.parametrize(
    "argv",
    [
        ["a", "--clear", "b"],  # argparse: an error
        ["--cl", "env"],  # a prefix
        ["-vv"],  # a cluster
        ["-p3.12"],
        ["--prompt", "-x"],
        ["--prompt="],
        ["--", "-e"],
        ["-h"],
        ["--show-settings"],
        ["--symlinks", "--copies"],
        ["--seed", "--without-pip"],
        ["--clear=1"],
        ["--prompt"],
        ["-"],
    ],
)
def test_plain_scanner_leaves_anything_unusual_to_argparse(argv: list[str]) -> None:
    assert scan_plain(argv) is None


def test_probe_cache_path_is_the_probe_modules_own(tmp_path: Path) -> None:
    from pipcompat.cache import BUCKET_VERSIONS, Cache
    from pipcompat.env.probe import probe_cache_entry

    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    assert probe_cache_path(base, str(tmp_path)) == str(probe_cache_entry(base, Cache(tmp_path)))
    assert BUCKET_VERSIONS["interpreters"] == 1  # env/venv.py's _INTERPRETERS_BUCKET says interpreters-v1
    assert probe_cache_path(str(tmp_path / "missing"), str(tmp_path)) is None


# -- pipcompat pip install (no-op) ---------------------------------------------------------------------------
def test_the_no_op_paths_probe_cache_path_is_the_probe_modules_own(tmp_path: Path) -> None:
    from pipcompat.cli import install_noop

    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    assert install_noop.probe_cache_path(base, str(tmp_path)) == probe_cache_path(base, str(tmp_path))
    assert install_noop.INTERPRETERS_BUCKET == "interpreters-v1"


def test_the_no_op_path_treats_every_archive_name_as_a_path() -> None:
    from pipcompat.cli import install_noop
    from pipcompat.requirements._forms import ARCHIVE_EXTENSIONS

    assert set(ARCHIVE_EXTENSIONS) <= set(install_noop._ARCHIVES)


def test_the_no_op_paths_harmless_options_are_options_pip_install_has() -> None:
    from pipcompat.cli import install_noop, pip_options

    spec = pip_options.COMMANDS["install"]
    parser = pip_options.build_command_parser(spec, config=(), prog="pipcompat pip")
    assert [o for o in install_noop.HARMLESS_OPTIONS if not parser.has_option(o)] == []
    for option in install_noop.FILE_OPTIONS:
        assert option in install_noop.HARMLESS_OPTIONS


@pytest.mark.parametrize(
    "text",
    [
        "[tool.pipcompat]\n",
        '[tool . "pipcompat".install]\nx = 1\n',
        'tool.pipcompat.index-url = "x"\n',
        "[tool]\npipcompat = { index-url = 'x' }\n",
        '[tool]\n"pipcompat".timeout = 1\n',
        "tool = { pipcompat = {} }\n",
        "[tool.pipcompat.install]\nupgrade = true\n",
    ],
)
def test_the_no_op_path_sees_every_spelling_of_a_pipcompat_table(text: str) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

    from pipcompat.cli.install_noop import _mentions_pipcompat_table

    assert "pipcompat" in tomllib.loads(text)["tool"]
    assert _mentions_pipcompat_table(text.encode())


def test_a_project_named_or_depending_on_pipcompat_is_not_a_pipcompat_table() -> None:
    from pipcompat.cli.install_noop import _mentions_pipcompat_table

    text = (
        '[project]\nname = "pipcompat"\ndependencies = [\n  "pipcompat>=1",\n]\n'
        '[tool.x]\nlayers = ["pipcompat.cli"]\n'
    )
    assert not _mentions_pipcompat_table(text.encode())


def test_the_posix_quoting_of_activation_scripts_is_shlex_quote() -> None:
    import shlex

    from pipcompat.env.activation import _quote_posix

    for value in [
        "",
        "plain",
        "with space",
        "it's",
        "$HOME",
        "a\\b",
        "ünï",
        "x=1,y:2/.@%+-",
        "tab\there",
        "*",
    ]:
        assert _quote_posix(value) == shlex.quote(value)


def test_the_venv_cache_root_is_the_configurations_default(tmp_path: Path) -> None:
    from pipcompat.commands.venv import default_cache_root
    from pipcompat.config import default_cache_dir

    for environ in [
        {"PIPCOMPAT_CACHE_DIR": str(tmp_path / "c")},
        {"PIPCOMPAT_CACHE_DIR": "~/c"},
        {"XDG_CACHE_HOME": str(tmp_path / "x"), "HOME": str(tmp_path)},
        {"XDG_CACHE_HOME": "relative", "HOME": str(tmp_path)},
        {"HOME": str(tmp_path)},
    ]:
        assert default_cache_root(environ) == str(default_cache_dir(environ))


def test_the_seeding_fast_paths_cache_and_environment_names_are_the_engines(tmp_path: Path) -> None:
    from pipcompat.cache import ROOT_LOCK, Cache
    from pipcompat.env import seed
    from pipcompat.install.transaction import JOURNAL_NAME

    wheel = tmp_path / "pip-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert seed.archive_entry(str(tmp_path), str(wheel)) == str(Cache(tmp_path).entry("archives", digest))
    assert (seed._ROOT_LOCK, seed._JOURNAL_NAME) == (ROOT_LOCK, JOURNAL_NAME)
