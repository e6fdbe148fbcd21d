"""The no-op fast path of pip install: it answers only what the full path answers, with the same output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipcompat.cli.install_noop import quick_audit_count
from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

PACKAGES = [
    PackageSpec(
        "app",
        "1.0",
        deps=[
            "lib>=1,<3",
            "util; python_version >= '3'",
            "never; sys_platform == 'no-such-os'",
            "extra-only; extra == 'fancy'",
        ],
        extras={"fancy": []},
    ),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
    PackageSpec("util", "1.0"),
    PackageSpec("extra-only", "1.0"),
    PackageSpec("never", "1.0"),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(PACKAGES)


@pytest.fixture
def venv(ctx: TestContext, server: IndexServer) -> Path:
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "app==1.0\nlib==2.0\nutil==1.0\n")
    install(ctx, venv, "-r", "requirements.txt", "--index-url", server.url).assert_success()
    return venv


def install(ctx: TestContext, venv: Path, *args: str, cwd: Path | None = None) -> object:
    return ctx.run("pip", "--python", venv_python(venv), "install", *args, cwd=cwd)


def full_path_dir(ctx: TestContext) -> Path:
    """A working directory whose (empty) ``[tool.pipcompat]`` table sends every run down the full path."""
    directory = ctx.temp_dir / "full"
    directory.mkdir(exist_ok=True)
    (directory / "pyproject.toml").write_text("[tool.pipcompat]\n")
    return directory


def quick(ctx: TestContext, venv: Path, *args: str) -> tuple[int, int] | None:
    argv = ["--python", str(venv_python(venv)), "install", *args]
    return quick_audit_count(argv, ctx.env, str(ctx.temp_dir))


def audit_line(result: object) -> str:
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    return lines[-1].rsplit(" in ", 1)[0] if lines else ""


SATISFIED = [
    ["-r", "requirements.txt"],
    ["app"],
    ["app>=1", "lib"],
    ["app; python_version < '3'", "util"],  # a marker that skips a root
    ["-r", "requirements.txt", "--index-url", "http://127.0.0.1:9/simple", "-q"],
]


def test_a_satisfied_request_is_answered_by_the_fast_path_as_the_full_path_answers_it(
    ctx: TestContext, venv: Path, server: IndexServer
) -> None:
    full_dir = full_path_dir(ctx)
    shutil.copy(ctx.temp_dir / "requirements.txt", full_dir / "requirements.txt")
    server.clear_log()
    for args in SATISFIED:
        assert quick(ctx, venv, *args) is not None, args
        full = install(ctx, venv, *args, cwd=full_dir).assert_success()
        fast = install(ctx, venv, *args).assert_success()
        assert fast.stdout == full.stdout == ""
        assert audit_line(fast) == audit_line(full), args
        assert len(fast.stderr.splitlines()) == len(full.stderr.splitlines()), args
    assert server.paths() == []


UNDECIDED = [
    ["app[fancy]"],  # an extra that is not installed
    ["lib<2"],  # the installed version does not match
    ["missing"],
    ["-U", "app"],
    ["--force-reinstall", "app"],
    ["-v", "app"],
    ["--dry-run", "app"],
    ["--user", "app"],
    ["--target", "t", "app"],
    ["-c", "constraints.txt", "app"],
    ["--req", "requirements.txt"],  # an abbreviation
    ["-r", "hashed.txt"],
    ["-r", "nested.txt"],
    ["-r", "url.txt"],
    ["./app"],
    ["app", "--", "lib"],
    ["--log", "pip.log", "app"],  # the full path writes the log
]


def test_anything_the_fast_path_does_not_decide_goes_to_the_full_path(ctx: TestContext, venv: Path) -> None:
    ctx.write("constraints.txt", "lib==2.0\n")
    ctx.write("hashed.txt", "app==1.0 --hash=sha256:" + "0" * 64 + "\n")
    ctx.write("nested.txt", "-r requirements.txt\n")
    ctx.write("url.txt", "app @ https://example.invalid/app-1.0-py3-none-any.whl\n")
    for args in UNDECIDED:
        assert quick(ctx, venv, *args) is None, args
    site = next(venv.glob("lib/python*/site-packages"))
    (site / ".pipcompat-journal").write_text("")  # an install in progress (or killed)
    assert quick(ctx, venv, "app") is None


def test_a_missing_dependency_goes_to_the_full_path_which_installs_it(
    ctx: TestContext, venv: Path, server: IndexServer
) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    shutil.rmtree(next(site.glob("util-1.0.dist-info")))
    assert quick(ctx, venv, "app") is None
    result = install(ctx, venv, "app", "--index-url", server.url).assert_success()
    assert " + util==1.0" in result.stderr.splitlines()
    assert quick(ctx, venv, "app") == (3, 0)


def test_configuration_that_changes_behaviour_goes_to_the_full_path(ctx: TestContext, venv: Path) -> None:
    assert quick(ctx, venv, "app") == (3, 0)
    ctx.env["PIP_UPGRADE"] = "1"
    assert quick(ctx, venv, "app") is None
    del ctx.env["PIP_UPGRADE"]
    ctx.env["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple"  # an index a no-op never asks
    assert quick(ctx, venv, "app") == (3, 0)
    config = ctx.temp_dir / "pip.conf"
    config.write_text("[global]\nindex-url = http://127.0.0.1:9/simple\n[install]\nforce-reinstall = true\n")
    ctx.env["PIP_CONFIG_FILE"] = str(config)
    assert quick(ctx, venv, "app") is None
    config.write_text("[global]\ntimeout = 5\n[freeze]\nall = true\n")
    assert quick(ctx, venv, "app") == (3, 0)
    ctx.env["VIRTUAL_ENV"] = str(venv)  # an active environment is the target without --python
    assert quick_audit_count(["install", "app"], ctx.env, str(ctx.temp_dir)) == (3, 0)
    ctx.write("pipcompat.toml", "[install]\n")
    assert quick(ctx, venv, "app") is None


def test_a_no_op_install_with_a_log_writes_its_audit_line_there(ctx: TestContext, venv: Path) -> None:
    result = install(ctx, venv, "-r", "requirements.txt", "--log", "pip.log").assert_success()
    assert audit_line(result) == "Audited 3 packages"
    assert "Audited 3 packages in " in (ctx.temp_dir / "pip.log").read_text(encoding="utf-8")
    ctx.env["PIP_LOG_FILE"] = "env.log"
    assert quick(ctx, venv, "app") is None
    install(ctx, venv, "app").assert_success()
    assert "Audited 3 packages in " in (ctx.temp_dir / "env.log").read_text(encoding="utf-8")


NOOP_PROBE = """
import json, sys
before = set(sys.modules)
from pipcompat.cli.main import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(set(sys.modules) - before)}), file=sys.stdout)
"""

#: What the no-op fast path must not import: the full path's machinery and what it costs to import.
NOOP_FORBIDDEN = (
    "packaging",
    "requests",
    "urllib3",
    "resolvelib",
    "installer",
    "build",
    "email",
    "typing",
    "dataclasses",
    "pathlib",
    "argparse",
    "optparse",
    "configparser",
    "tomllib",
    "subprocess",
    "logging",
    "pipcompat.settings",
    "pipcompat.config",
    "pipcompat.commands",
    "pipcompat.requirements",
    "pipcompat.cache",
    "pipcompat.errors",
    "pipcompat.models",
    "pipcompat.env.installed",
    "pipcompat.env.probe",
    "pipcompat.env.interpreters",
    "pipcompat.cli.parser",
    "pipcompat.cli.pip",
)


def test_a_no_op_install_imports_nothing_heavy(ctx: TestContext, venv: Path) -> None:
    argv = ["pip", "--python", str(venv_python(venv)), "install", "-r", "requirements.txt"]
    done = subprocess.run(
        [sys.executable, "-c", NOOP_PROBE, *argv],
        capture_output=True,
        text=True,
        env=ctx.env,
        cwd=ctx.temp_dir,
        check=True,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["status"] == 0
    assert done.stderr.startswith("Audited 3 packages in ")
    modules = set(report["modules"])
    heavy = {m for m in modules if any(m == f or m.startswith(f + ".") for f in NOOP_FORBIDDEN)}
    assert not heavy, f"imported {sorted(heavy)}"


# -- the remembered audit ------------------------------------------------------------------------------------
def audit_record(ctx: TestContext, venv: Path) -> Path:
    records = list((ctx.cache_dir / "interpreters-v1").glob("*/*/*.audit"))
    assert len(records) == 1, records
    return records[0]


def test_an_install_remembers_its_audit_and_the_next_no_op_leaves_it_as_it_was(
    ctx: TestContext, venv: Path
) -> None:
    record = audit_record(ctx, venv)  # written by the install in the fixture
    before = json.loads(record.read_bytes())
    assert before["count"] == 3
    assert sorted(Path(path).name for path, _stamp in before["metadata"]) == [
        "app-1.0.dist-info",
        "lib-2.0.dist-info",
        "util-1.0.dist-info",
    ]
    fast = install(ctx, venv, "-r", "requirements.txt").assert_success()
    assert audit_line(fast) == "Audited 3 packages"
    assert json.loads(record.read_bytes()) == before


def test_a_metadata_file_changed_in_place_is_audited_again(ctx: TestContext, venv: Path) -> None:
    assert quick(ctx, venv, "-r", "requirements.txt") == (3, 0)
    site = next(venv.glob("lib/python*/site-packages"))
    metadata = next(site.glob("app-1.0.dist-info")) / "METADATA"
    text = metadata.read_text()
    metadata.write_text(text.replace("Requires-Dist:", "Requires-Dist: missing\nRequires-Dist:", 1))
    assert quick(ctx, venv, "-r", "requirements.txt") is None


def test_a_distribution_removed_or_added_is_audited_again(
    ctx: TestContext, venv: Path, server: IndexServer
) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    assert quick(ctx, venv, "app") == (3, 0)
    (site / "stray.egg-link").write_text("/nowhere\n")  # something the audit cannot vouch for
    assert quick(ctx, venv, "app") is None
    (site / "stray.egg-link").unlink()
    assert quick(ctx, venv, "app") == (3, 0)
    shutil.rmtree(next(site.glob("lib-2.0.dist-info")))
    assert quick(ctx, venv, "app") is None


def test_other_requirements_or_another_sys_path_are_audited_again(ctx: TestContext, venv: Path) -> None:
    assert quick(ctx, venv, "-r", "requirements.txt") == (3, 0)
    ctx.write("requirements.txt", "app==1.0\nlib==2.0\nutil==1.0\nnever==1.0\n")
    assert quick(ctx, venv, "-r", "requirements.txt") is None
    ctx.write("requirements.txt", "app==1.0\n")
    assert quick(ctx, venv, "-r", "requirements.txt") == (3, 0)
    shadow = ctx.temp_dir / "shadow"
    shadow.mkdir()
    (shadow / "app-0.5.dist-info").mkdir()
    (shadow / "app-0.5.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: app\nVersion: 0.5\n")
    argv = ["--python", str(venv_python(venv)), "install", "-r", "requirements.txt"]
    assert quick_audit_count(argv, {**ctx.env, "PYTHONPATH": str(shadow)}, str(ctx.temp_dir)) is None
