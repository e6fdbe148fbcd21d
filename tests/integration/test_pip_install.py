"""``pipcompat pip install`` into real virtual environments from a real local index.

Every test makes its own venv (``python -m venv --without-pip``) and points ``--python`` at it; the result is
read back with the real pip (``pip --python <venv> freeze``), so what is checked is what a user would see.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.context import TestContext, dead_proxy_environ, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

WEB = [
    PackageSpec("app", "1.0", deps=["lib>=1", "util"], console_scripts={"app": "app:main"}),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
    PackageSpec("util", "1.0"),
    PackageSpec("util", "1.1"),
]


def freeze(ctx: TestContext, venv: Path) -> list[str]:
    result = ctx.run_pip("--python", venv_python(venv), "freeze", "--all").assert_success()
    return [line for line in result.stdout.splitlines() if line and not line.startswith("pip==")]


def install(ctx: TestContext, venv: Path, server: IndexServer, *args: str | Path) -> object:
    return ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)


def snapshot(venv: Path) -> dict[str, bytes]:
    """Every file of the environment's site-packages and bin, with its content."""
    found = {}
    for base in (venv / "lib", venv / "bin"):
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path.relative_to(venv))] = path.read_bytes()
    return found


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(WEB)


def test_install_from_a_requirements_file_with_constraints(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    ctx.write("requirements.txt", "app\n")
    ctx.write("constraints.txt", "lib<2\n")
    result = install(ctx, venv, server, "-r", "requirements.txt", "-c", "constraints.txt").assert_success()
    assert freeze(ctx, venv) == ["app==1.0", "lib==1.0", "util==1.1"]
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Resolved 3 packages in ")
    assert lines[1].startswith("Prepared 3 packages in ")
    assert lines[2].startswith("Installed 3 packages in ")
    assert lines[3:] == [" + app==1.0", " + lib==1.0", " + util==1.1"]
    assert result.stdout == ""
    assert subprocess.run([venv / "bin" / "app"], capture_output=True, text=True, check=True).stdout


def test_second_run_audits_and_changes_nothing(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "app").assert_success()
    before = snapshot(venv)
    result = install(ctx, venv, server, "app").assert_success()
    assert result.stderr.splitlines()[-1].startswith("Audited 3 packages in ")
    assert snapshot(venv) == before


def test_installed_versions_are_kept_without_upgrade(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "lib==1.0", "util==1.0").assert_success()
    install(ctx, venv, server, "app").assert_success()
    assert freeze(ctx, venv) == ["app==1.0", "lib==1.0", "util==1.0"]


def test_upgrade_only_if_needed_leaves_satisfied_dependencies(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "app", "lib==1.0", "util==1.0").assert_success()
    install(ctx, venv, server, "--upgrade", "app").assert_success()
    assert freeze(ctx, venv) == ["app==1.0", "lib==1.0", "util==1.0"]


def test_upgrade_eager_upgrades_dependencies(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "app", "lib==1.0", "util==1.0").assert_success()
    result = install(ctx, venv, server, "-U", "--upgrade-strategy", "eager", "app").assert_success()
    assert freeze(ctx, venv) == ["app==1.0", "lib==2.0", "util==1.1"]
    assert " - lib==1.0" in result.stderr.splitlines()
    assert " + lib==2.0" in result.stderr.splitlines()


def test_force_reinstall_reinstalls_everything(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "util==1.1").assert_success()
    module = next(venv.rglob("util/__init__.py"))
    module.unlink()
    result = install(ctx, venv, server, "--force-reinstall", "util==1.1").assert_success()
    assert " - util==1.1" in result.stderr and " + util==1.1" in result.stderr
    assert module.is_file()


def test_no_deps_installs_only_what_is_named(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "--no-deps", "app").assert_success()
    assert freeze(ctx, venv) == ["app==1.0"]


def test_dry_run_prints_pips_line_and_installs_nothing(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "--dry-run", "app").assert_success()
    assert result.stdout == "Would install app-1.0 lib-2.0 util-1.1\n"
    assert freeze(ctx, venv) == []


def _normalized_report(text: str) -> dict[str, object]:
    data = json.loads(text)
    data.pop("pip_version")
    items = sorted(data["install"], key=lambda item: item["metadata"]["name"])
    for item in items:
        item["download_info"]["archive_info"].pop("hash", None)
    data["install"] = items
    return data


def test_report_equals_pips_report(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    args = ["--dry-run", "--report", "-", "-q", "--index-url", server.url, "app", "lib<2"]
    ours = ctx.run("pip", "--python", venv_python(venv), "install", *args).assert_success()
    pips = ctx.run_pip("--python", venv_python(venv), "install", *args).assert_success()
    assert _normalized_report(ours.stdout) == _normalized_report(pips.stdout)


def test_report_to_a_file_after_a_real_install(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    install(ctx, venv, server, "--report", "report.json", "util").assert_success()
    report = json.loads(ctx.read("report.json"))
    assert report["version"] == "1"
    [item] = report["install"]
    assert item["metadata"]["name"] == "util" and item["requested"] is True
    assert item["download_info"]["url"].endswith("/files/util-1.1-py3-none-any.whl")


def _sha256(server: IndexServer, filename: str) -> str:
    return hashlib.sha256((server.dists_dir / filename).read_bytes()).hexdigest()


def test_hash_checking_mode_installs_matching_files(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    good = _sha256(server, "util-1.1-py3-none-any.whl")
    ctx.write("requirements.txt", f"util==1.1 --hash=sha256:{'0' * 64} --hash=sha256:{good}\n")
    install(ctx, venv, server, "-r", "requirements.txt").assert_success()
    assert freeze(ctx, venv) == ["util==1.1"]


def test_hash_mismatch_names_the_package_and_installs_nothing(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    good = _sha256(server, "lib-1.0-py3-none-any.whl")
    ctx.write(
        "requirements.txt",
        f"lib==1.0 --hash=sha256:{good}\nutil==1.1 --hash=sha256:{'0' * 64}\n",
    )
    before = snapshot(venv)
    result = install(ctx, venv, server, "-r", "requirements.txt").assert_failure(1)
    assert "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE" in result.stderr
    assert "util==1.1 from http://" in result.stderr
    assert f"Expected sha256 {'0' * 64}" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(venv) == before


def test_hash_mode_requires_pins_and_hashes_for_every_package(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    good = _sha256(server, "app-1.0-py3-none-any.whl")
    ctx.write("requirements.txt", f"app --hash=sha256:{good}\n")
    result = install(ctx, venv, server, "-r", "requirements.txt").assert_failure(1)
    assert "all requirements must have their versions pinned with ==" in result.stderr
    assert "Hashes are required in --require-hashes mode" in result.stderr
    lib_hash = _sha256(server, "lib-2.0-py3-none-any.whl")
    assert f"lib==2.0 --hash=sha256:{lib_hash}" in result.stderr
    assert freeze(ctx, venv) == []


def test_require_hashes_with_no_hashes_at_all(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "--require-hashes", "util==1.1").assert_failure(1)
    assert "Hashes are required in --require-hashes mode" in result.stderr


def test_a_download_failing_midway_leaves_the_environment_unchanged(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server(WEB, not_found={"/files/util-1.1-py3-none-any.whl"})
    venv = ctx.make_venv()
    install(ctx, venv, server, "lib==1.0").assert_success()
    before = snapshot(venv)
    result = install(ctx, venv, server, "--upgrade", "app", "lib").assert_failure(1)
    assert "404" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(venv) == before


def test_target_directory(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    target = ctx.path("target")
    install(ctx, venv, server, "--target", target, "app").assert_success()
    assert (target / "app" / "__init__.py").is_file()
    assert (target / "lib-2.0.dist-info").is_dir()
    assert (target / "bin" / "app").is_file()
    assert freeze(ctx, venv) == []


def test_prefix_directory(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    prefix = ctx.path("prefix")
    install(ctx, venv, server, "--prefix", prefix, "util").assert_success()
    found = list(prefix.glob("lib/python*/site-packages/util-1.1.dist-info"))
    assert found, sorted(str(p) for p in prefix.rglob("*"))
    assert freeze(ctx, venv) == []


def test_an_editable_directory_without_a_project_is_pips_error(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "-e", ".").assert_failure(1)
    assert "does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found" in (
        result.stderr
    )


def test_a_source_only_project_is_a_clear_error(ctx: TestContext, index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("sdistonly", "1.0", wheel=False)])
    venv = ctx.make_venv()
    result = install(ctx, venv, server, "sdistonly").assert_failure(1)
    # The index has no setuptools for the isolated build environment (see test_build_sdists.py).
    assert (
        "failed to build sdistonly-1.0: installing the build requirements (setuptools>=61)" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_second_venv_from_a_warm_cache_downloads_nothing_and_shares_inodes(
    ctx: TestContext, server: IndexServer
) -> None:
    first = ctx.make_venv("one")
    second = ctx.make_venv("two")
    install(ctx, first, server, "app").assert_success()
    server.clear_log()
    result = install(ctx, second, server, "app").assert_success()
    assert not [p for p in server.paths() if p.startswith("/files/") and p.endswith(".whl")]
    assert "Prepared" not in result.stderr
    assert freeze(ctx, second) == freeze(ctx, first)
    one = next(first.rglob("lib/__init__.py"))
    two = next(second.rglob("lib/__init__.py"))
    assert os.stat(one).st_ino == os.stat(two).st_ino


@pytest.mark.slow
def test_concurrent_installs_sharing_one_cache_both_succeed(ctx: TestContext, server: IndexServer) -> None:
    venvs = [ctx.make_venv(f"venv{i}") for i in range(2)]
    procs = [
        subprocess.Popen(
            ctx.command("pip", "--python", venv_python(v), "install", "--index-url", server.url, "app"),
            cwd=ctx.temp_dir,
            env=ctx.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for v in venvs
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for venv in venvs:
        assert freeze(ctx, venv) == ["app==1.0", "lib==2.0", "util==1.1"]


def test_group_installs_a_pyproject_dependency_group_with_its_includes(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    ctx.write(
        "proj/pyproject.toml",
        """
        [dependency-groups]
        Test = ["lib<2", {include-group = "tools"}]
        tools = ["util==1.0"]
        """,
    )
    ours = install(ctx, venv, server, "--group", "proj/pyproject.toml:test").assert_success()
    assert freeze(ctx, venv) == ["lib==1.0", "util==1.0"]
    assert ours.stderr.splitlines()[-2:] == [" + lib==1.0", " + util==1.0"]
    # The working directory's pyproject.toml when no path is given, with requirements beside it.
    again = ctx.make_venv("again")
    ctx.run("pip", "--python", venv_python(again), "install", "--index-url", server.url,
            "--group", "tools", "app", cwd=ctx.temp_dir / "proj").assert_success()  # fmt: skip
    assert freeze(ctx, again) == ["app==1.0", "lib==2.0", "util==1.0"]


@pytest.mark.parametrize(
    ("pyproject", "group", "message"),
    [
        (None, "test", "pyproject.toml not found. Cannot resolve '--group' option."),
        (
            "[project]\nname = 'x'\n",
            "test",
            "[dependency-groups] table was missing from 'sub/pyproject.toml'",
        ),
        ("[dependency-groups]\ntest = ['lib']\n", "lint", "resolution failed for 'lint' from 'sub/pyproject"),
        (
            "[dependency-groups]\na = [{include-group = 'b'}]\nb = [{include-group = 'a'}]\n",
            "a",
            "Cyclic dependency group include",
        ),
        ("[dependency-groups\n", "test", "Error parsing sub/pyproject.toml"),
    ],
)
def test_a_group_that_cannot_be_read_is_one_error_and_installs_nothing(
    ctx: TestContext, server: IndexServer, pyproject: str | None, group: str, message: str
) -> None:
    venv = ctx.make_venv()
    if pyproject is not None:
        ctx.write("sub/pyproject.toml", pyproject, dedent=False)
    option = ("--group", f"sub/pyproject.toml:{group}")
    result = install(ctx, venv, server, *option).assert_failure(1)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert freeze(ctx, venv) == []
    theirs = ctx.run_pip("--python", venv_python(venv), "install", "--index-url", server.url, *option)
    assert theirs.returncode == 1 and message in theirs.stderr, theirs.stderr


SCRIPT = """\
#!/usr/bin/env python
# /// script
# requires-python = ">=3.8"
# dependencies = [
#   "lib<2",
#   "util==1.0",
# ]
# ///
print("hello")
"""


def test_requirements_from_script_installs_its_dependencies_with_the_other_sources(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("tool.py", SCRIPT, dedent=False)
    option = ("--requirements-from-script", "tool.py")
    ours = ctx.make_venv("ours")
    result = install(ctx, ours, server, "app", *option).assert_success()
    assert result.stderr.splitlines()[-3:] == [" + app==1.0", " + lib==1.0", " + util==1.0"]
    theirs = ctx.make_venv("theirs")
    ctx.run_pip("--python", venv_python(theirs), "install", "--index-url", server.url, "app", *option)
    assert freeze(ctx, ours) == freeze(ctx, theirs) == ["app==1.0", "lib==1.0", "util==1.0"]


@pytest.mark.parametrize(
    ("script", "extra"),
    [
        ("print(1)\n", ()),
        ("# /// script\n# a = 1\n# ///\nx = 1\n# /// script\n# a = 1\n# ///\n", ()),
        ("# /// script\n# dependencies = [\n# ///\n", ()),
        ('# /// script\n# requires-python = ">=3.99"\n# dependencies = ["lib"]\n# ///\n', ()),
        (None, ()),
        (SCRIPT, ("--requirements-from-script", "tool.py")),
        (SCRIPT, ("--only-deps", "--group", "pyproject.toml:x")),
    ],
    ids=["no-block", "two-blocks", "bad-toml", "requires-python", "missing-file", "twice", "only-deps"],
)
def test_a_script_that_cannot_be_used_is_pips_error_and_installs_nothing(
    ctx: TestContext, server: IndexServer, script: str | None, extra: tuple[str, ...]
) -> None:
    if script is not None:
        ctx.write("tool.py", script, dedent=False)
    option = ("--requirements-from-script", "tool.py", *extra)
    venv = ctx.make_venv()
    theirs = ctx.run_pip("--python", venv_python(venv), "install", "--index-url", server.url, *option)
    assert theirs.returncode == 1, theirs.stderr
    [pips_error] = [line for line in theirs.stderr.splitlines() if line.startswith("ERROR: ")]
    ours = install(ctx, venv, server, *option).assert_failure(1)
    assert pips_error.removeprefix("ERROR: ") in ours.stderr
    assert "Traceback" not in ours.stderr
    assert freeze(ctx, venv) == []


def test_ignore_requires_python_skips_the_scripts_python_check(ctx: TestContext, server: IndexServer) -> None:
    ctx.write(
        "tool.py", '# /// script\n# requires-python = "<3"\n# dependencies = ["util"]\n# ///\n', dedent=False
    )
    venv = ctx.make_venv()
    option = ("--requirements-from-script", "tool.py")
    install(ctx, venv, server, *option).assert_failure(1)
    install(ctx, venv, server, "--ignore-requires-python", *option).assert_success()
    assert freeze(ctx, venv) == ["util==1.1"]


@pytest.mark.parametrize(
    "option", [("--no-proxy-env",), ("--proxy", "")], ids=["no-proxy-env", "empty-proxy"]
)
def test_no_proxy_env_installs_past_a_proxy_the_environment_names(
    ctx: TestContext, server: IndexServer, option: tuple[str, ...]
) -> None:
    env = dead_proxy_environ()
    venv = ctx.make_venv()
    args = ("pip", "--python", venv_python(venv), "install", "--index-url", server.url)
    failed = ctx.run(*args, "--retries", "0", "util==1.0", env=env).assert_failure(1)
    assert "proxy" in failed.stderr and "Traceback" not in failed.stderr
    ctx.run(*args, *option, "util==1.0", env=env).assert_success()
    assert freeze(ctx, venv) == ["util==1.0"]
