"""``pipcompat venv`` makes environments that behave as ``python -m venv``'s do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.context import TestContext
from tests.support.index_server import IndexServerFactory
from tests.support.packages import PackageSpec, build_wheel

PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))) / "versions"
BASE = os.path.realpath(getattr(sys, "_base_executable", sys.executable))

SHOW = (
    "import json, site, sys; print(json.dumps({'prefix': sys.prefix, 'base': sys.base_prefix, "
    "'site': site.getsitepackages(), 'path': sys.path}))"
)


def pyenv_python(minor: str) -> Path | None:
    matches = sorted(PYENV_VERSIONS.glob(f"{minor}.*/bin/python3"))
    return matches[-1] if matches else None


def facts(python: Path) -> dict[str, object]:
    done = subprocess.run([str(python), "-c", SHOW], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_venv_without_pip_behaves_like_python_m_venv(ctx: TestContext) -> None:
    result = ctx.run("venv", "--without-pip", "-p", BASE).assert_success()
    venv = ctx.path(".venv")
    assert "Creating virtual environment at: .venv" in result.stderr
    assert "Activate with: source .venv/bin/activate" in result.stderr
    assert result.stdout == ""
    seen = facts(venv / "bin" / "python")
    assert seen["prefix"] == str(venv)
    assert seen["base"] == sys.base_prefix
    site_packages = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    assert str(site_packages) in seen["site"]  # type: ignore[operator]
    assert not (venv / "bin" / "pip").exists()
    assert not list(site_packages.iterdir())
    assert (venv / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (venv / "lib64").is_symlink() and os.readlink(venv / "lib64") == "lib"


def test_pyvenv_cfg_matches_cpython_for_the_same_interpreter(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "-p", BASE, "ours").assert_success()
    ctx.run_cmd([BASE, "-m", "venv", "--without-pip", str(ctx.path("theirs"))]).assert_success()

    def cfg(name: str) -> dict[str, str]:
        lines = ctx.read(f"{name}/pyvenv.cfg").splitlines()
        return dict(line.split(" = ", 1) for line in lines)

    ours, theirs = cfg("ours"), cfg("theirs")
    assert ours.pop("pipcompat")
    command_ours, command_theirs = ours.pop("command", ""), theirs.pop("command", "")
    assert command_ours.replace("ours", "X") == command_theirs.replace("theirs", "X")
    assert ours == theirs
    ours_bin = sorted(p.name for p in ctx.path("ours", "bin").iterdir() if p.name.startswith("python"))
    theirs_bin = sorted(p.name for p in ctx.path("theirs", "bin").iterdir() if p.name.startswith("python"))
    assert ours_bin == theirs_bin


def test_seeded_venv_runs_pip_and_installs_a_local_wheel(ctx: TestContext, tmp_path: Path) -> None:
    result = ctx.run("venv", "-p", BASE).assert_success()
    assert " + pip==" in result.stderr
    python = ctx.path(".venv", "bin", "python")
    version = ctx.run_cmd([python, "-m", "pip", "--version"]).assert_success()
    assert str(ctx.path(".venv")) in version.stdout
    wheel = build_wheel(
        PackageSpec("hello-seed", "1.0", console_scripts={"hello-seed": "hello_seed:main"}), tmp_path
    )
    ctx.run_cmd(
        [ctx.path(".venv", "bin", "pip"), "install", "--no-index", "--disable-pip-version-check", wheel]
    ).assert_success()
    ctx.run_cmd([python, "-c", "import hello_seed"]).assert_success()
    listing = ctx.run_cmd([python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"])
    names = {item["name"] for item in json.loads(listing.stdout)}
    assert {"pip", "hello-seed"} <= names
    # pip's own RECORD is right: pip can uninstall itself completely.
    ctx.run_cmd([python, "-m", "pip", "uninstall", "-y", "pip"]).assert_success()
    ctx.run_cmd([python, "-c", "import pip"]).assert_failure()
    assert not ctx.path(".venv", "bin", "pip").exists()


def test_seeded_files_are_hardlinks_into_the_cache(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE, "one").assert_success()
    ctx.run("venv", "-p", BASE, "two").assert_success()
    lib = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages/pip/__init__.py"
    one, two = ctx.path("one", lib), ctx.path("two", lib)
    assert os.path.samefile(one, two)
    assert one.stat().st_nlink >= 3


def test_system_site_packages_sees_the_base_packages(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "--system-site-packages", "-p", BASE, "with").assert_success()
    ctx.run("venv", "--without-pip", "-p", BASE, "without").assert_success()
    base_site = facts(Path(BASE))["site"]
    assert set(base_site) <= set(facts(ctx.path("with", "bin", "python"))["site"])  # type: ignore[arg-type]
    assert not set(base_site) & set(facts(ctx.path("without", "bin", "python"))["path"])  # type: ignore[arg-type]
    assert "include-system-site-packages = true" in ctx.read("with/pyvenv.cfg")


def test_bash_activation_and_deactivation(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "-p", BASE, "--prompt", "my env").assert_success()
    script = (
        "PS1='$ '; OLD=\"$PATH\"; source .venv/bin/activate && "
        "python -c 'import sys; print(sys.prefix)' && echo \"$VIRTUAL_ENV|$VIRTUAL_ENV_PROMPT|$PS1\" && "
        'deactivate && echo "${VIRTUAL_ENV:-unset}|$PS1" && test "$PATH" = "$OLD" && echo restored && '
        "declare -F deactivate >/dev/null || echo gone"
    )
    done = ctx.run_cmd(["bash", "-c", script]).assert_success()
    venv = str(ctx.path(".venv"))
    assert done.stdout.splitlines() == [venv, f"{venv}|my env|(my env) $ ", "unset|$ ", "restored", "gone"]


def test_prompt_dot_means_the_current_directory_name(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "-p", BASE, "--prompt", ".").assert_success()
    assert f"prompt = '{ctx.temp_dir.name}'" in ctx.read(".venv/pyvenv.cfg")
    if sys.version_info >= (3, 11):  # CPython writes the `command` line from 3.11 on, and so do we
        assert '--prompt="."' in ctx.read(".venv/pyvenv.cfg")


def test_clear_empties_an_existing_environment(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "-p", BASE).assert_success()
    ctx.write(".venv/marker", "x")
    ctx.run("venv", "--without-pip", "-p", BASE).assert_success()
    assert ctx.path(".venv", "marker").exists()
    ctx.run("venv", "--without-pip", "--clear", "-p", BASE).assert_success()
    assert not ctx.path(".venv", "marker").exists()
    assert ctx.path(".venv", "bin", "python").exists()


def test_a_directory_that_is_not_an_environment_is_refused(ctx: TestContext) -> None:
    ctx.write("project/keep.txt", "precious")
    result = ctx.run("venv", "--without-pip", "-p", BASE, "project").assert_failure(1)
    assert "exists and is not a virtual environment" in result.stderr
    assert ctx.read("project/keep.txt") == "precious"
    ctx.run("venv", "--without-pip", "-p", BASE, "--allow-existing", "project").assert_success()
    assert ctx.read("project/keep.txt") == "precious"
    assert ctx.path("project", "pyvenv.cfg").exists()


def test_copies_instead_of_symlinks(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "--copies", "-p", BASE).assert_success()
    python = ctx.path(".venv", "bin", "python")
    assert not python.is_symlink()
    assert facts(python)["prefix"] == str(ctx.path(".venv"))
    if sys.version_info >= (3, 11):  # CPython writes the `command` line from 3.11 on, and so do we
        assert "--copies" in ctx.read(".venv/pyvenv.cfg")


def test_without_scm_ignore_files_writes_no_gitignore(ctx: TestContext) -> None:
    ctx.run("venv", "--without-pip", "--without-scm-ignore-files", "-p", BASE).assert_success()
    assert not ctx.path(".venv", ".gitignore").exists()


def _dist_infos(venv: Path) -> list[str]:
    site_packages = next((venv / "lib").glob("python3.*/site-packages"))
    return sorted(path.name for path in site_packages.glob("*.dist-info"))


@pytest.mark.parametrize("minor", ["3.11", "3.12"])
def test_upgrade_deps_installs_the_newest_pip_from_the_configured_index(
    ctx: TestContext, index_server: IndexServerFactory, minor: str
) -> None:
    python = pyenv_python(minor)
    if python is None:
        pytest.skip(f"no CPython {minor} under pyenv")
    server = index_server([PackageSpec("pip", "99.0"), PackageSpec("setuptools", "99.0")])
    # The index comes from pip's configuration, as it would for the pip that 'python -m venv' runs.
    result = ctx.run(
        "venv", "--upgrade-deps", "-p", python, env={"PIP_INDEX_URL": server.url}
    ).assert_success()
    if minor == "3.11":  # as python -m venv: pip and setuptools before 3.12, pip alone from 3.12
        assert _dist_infos(ctx.path(".venv")) == ["pip-99.0.dist-info", "setuptools-99.0.dist-info"]
        assert " + setuptools==99.0" in result.stderr
    else:
        assert _dist_infos(ctx.path(".venv")) == ["pip-99.0.dist-info"]
    assert " + pip==99.0" in result.stderr
    assert result.stderr.rstrip().endswith("Activate with: source .venv/bin/activate")


def test_upgrade_deps_failure_is_one_error_and_its_status(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server([PackageSpec("unrelated", "1.0")])
    result = ctx.run(
        "venv", "--upgrade-deps", "--without-pip", "-p", BASE, env={"PIP_INDEX_URL": server.url}
    ).assert_failure(1)
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] != []
    assert "Activate with" not in result.stderr


def test_quiet_prints_nothing(ctx: TestContext) -> None:
    result = ctx.run("venv", "-q", "--without-pip", "-p", BASE).assert_success()
    assert result.output == ""


@pytest.mark.slow
@pytest.mark.parametrize("minor", ["3.8", "3.10", "3.12", "3.13"])
def test_venvs_for_pyenv_versions(ctx: TestContext, minor: str) -> None:
    python = pyenv_python(minor)
    if python is None:
        pytest.skip(f"no pyenv Python {minor}")
    result = ctx.run("venv", "-p", minor).assert_success()
    assert f"Using CPython {minor}." in result.stderr
    venv_python = ctx.path(".venv", "bin", "python")
    seen = facts(venv_python)
    assert seen["prefix"] == str(ctx.path(".venv"))
    assert seen["base"] == str(python.parent.parent)
    pip = ctx.run_cmd([venv_python, "-m", "pip", "--version", "--disable-pip-version-check"]).assert_success()
    assert f"(python {minor})" in pip.stdout
    assert ctx.path(".venv", "bin", f"pip{minor}").exists()
    has_setuptools = ctx.run_cmd([venv_python, "-c", "import setuptools"]).returncode == 0
    assert has_setuptools == (minor in ("3.8", "3.10"))
