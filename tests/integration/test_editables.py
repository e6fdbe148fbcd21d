"""Editable installs (``-e path``, ``--editable``, ``-e path[extra]``, ``-e`` in requirement files) through
PEP 660 ``build_editable`` in pipcompat's isolated build environments; ``pip freeze`` / ``pip list`` show
them exactly as the real pip does for the same environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory, serve_with_wheels
from tests.support.packages import PackageSpec

pytestmark = pytest.mark.integration


def write_project(root: Path, name: str, *, extras: str = "") -> Path:
    module = name.replace("-", "_").lower()
    (root / "src" / module).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["setuptools>=70.1"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        f'name = "{name}"\n'
        'version = "0.1"\n\n'
        f"{extras}"
        "[project.scripts]\n"
        f'{module}-cli = "{module}:main"\n',
        encoding="utf-8",
    )
    (root / "src" / module / "__init__.py").write_text(
        "def main():\n    print('first version')\n", encoding="utf-8"
    )
    return root


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def install(ctx: TestContext, venv: Path, server: IndexServer, *args: str | Path) -> str:
    result = ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)
    result.assert_success()
    return result.stderr


@pytest.mark.slow
def test_editable_project_runs_from_its_tree_and_lists_like_pip(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(index_server, [], setuptools_wheels, tmp_path / "dists")
    project = write_project(ctx.path("proj"), "edit-me")
    venv = ctx.make_venv()
    result = ctx.run(
        "pip", "--python", venv_python(venv), "install", "--index-url", server.url, "-e", ".", cwd=project
    )
    stderr = result.assert_success().stderr
    assert "+ edit-me==0.1" in stderr
    script = venv / "bin" / "edit_me-cli"
    assert ctx.run_cmd([str(script)]).assert_success().stdout == "first version\n"

    # Editing the source changes behaviour without reinstalling.
    module = project / "src" / "edit_me" / "__init__.py"
    module.write_text("def main():\n    print('second version')\n", encoding="utf-8")
    assert ctx.run_cmd([str(script)]).assert_success().stdout == "second version\n"

    dist_info = site_packages(venv) / "edit_me-0.1.dist-info"
    assert json.loads((dist_info / "direct_url.json").read_text()) == {
        "url": project.as_uri(),
        "dir_info": {"editable": True},
    }
    assert (dist_info / "REQUESTED").is_file()
    assert (dist_info / "INSTALLER").read_text() == "pipcompat\n"

    # freeze and list show it exactly as pip does.
    python = venv_python(venv)
    for args in (("freeze",), ("list",), ("list", "--editable"), ("list", "--format=json")):
        ours = ctx.run("pip", "--python", python, *args).assert_success().stdout
        theirs = ctx.run_pip("--python", python, *args).assert_success().stdout
        assert ours == theirs, args
    assert "-e " + str(project) in ctx.run("pip", "--python", python, "freeze").stdout

    # Editable wheels are never cached as built wheels.
    assert not list(ctx.cache_dir.glob("built*/**/*.whl"))

    # Uninstall removes the .pth / finder files and the script.
    record = (dist_info / "RECORD").read_text()
    site = site_packages(venv)
    hooks = [line.split(",")[0] for line in record.splitlines() if line.split(",")[0].endswith(".pth")]
    assert hooks
    ctx.run("pip", "--python", python, "uninstall", "-y", "edit-me").assert_success()
    assert not dist_info.exists()
    assert not script.exists()
    for hook in hooks:
        assert not (site / hook).exists()
    assert module.is_file(), "the project's own files stay"


@pytest.mark.slow
def test_editable_with_extras_from_a_requirement_file_and_option_spellings(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(
        index_server, [PackageSpec("extra-dep", "2.0")], setuptools_wheels, tmp_path / "dists"
    )
    write_project(
        ctx.path("proj"),
        "with-extras",
        extras='[project.optional-dependencies]\nfancy = ["extra-dep>=1"]\n\n',
    )
    write_project(ctx.path("other"), "other-proj")
    ctx.write("requirements.txt", "-e ./proj[fancy]\n")
    venv = ctx.make_venv()
    stderr = install(ctx, venv, server, "-r", "requirements.txt", "--editable", "./other")
    assert "+ extra-dep==2.0" in stderr
    assert "+ with-extras==0.1" in stderr
    assert "+ other-proj==0.1" in stderr
    python = venv_python(venv)
    ours = ctx.run("pip", "--python", python, "freeze").assert_success().stdout
    assert ours == ctx.run_pip("--python", python, "freeze").assert_success().stdout
    assert "-e " + str(ctx.path("proj")) in ours

    # Installed editable, a second run with the same editable changes nothing but the editable itself
    # (pip reinstalls local trees), and a non-editable install replaces it.
    stderr = install(ctx, venv, server, "./other")
    assert "- other-proj==0.1" in stderr and "+ other-proj==0.1" in stderr
    info = json.loads(
        next(site_packages(venv).glob("other_proj-0.1.dist-info")).joinpath("direct_url.json").read_text()
    )
    assert info == {"url": ctx.path("other").as_uri(), "dir_info": {}}


def test_an_editable_in_hash_checking_mode_is_pips_error(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server([])
    write_project(ctx.path("proj"), "hash-edit")
    venv = ctx.make_venv()
    result = ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "--require-hashes",
        "-e",
        "./proj",
    ).assert_failure(1)
    assert (
        "cannot be installed when requiring hashes, because there is no single file to hash" in result.stderr
    )


@pytest.mark.slow
def test_dry_run_report_of_an_editable_marks_it_editable(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(index_server, [], setuptools_wheels, tmp_path / "dists")
    project = write_project(ctx.path("proj"), "report-edit")
    venv = ctx.make_venv()
    result = ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "--dry-run",
        "--report",
        "-",
        "-e",
        "./proj",
    ).assert_success()
    (item,) = json.loads(result.stdout)["install"]
    assert item["download_info"] == {"url": project.as_uri(), "dir_info": {"editable": True}}
    assert item["is_direct"] is True and item["requested"] is True
    assert not list(site_packages(venv).glob("report_edit*"))
