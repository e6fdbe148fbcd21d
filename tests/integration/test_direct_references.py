"""Direct references to source: local project directories, sdists by URL or path, URLs without a name.

They are built through pipcompat's isolated build environments (a real setuptools wheel served by the test
index), recorded in ``direct_url.json`` as PEP 610 says, and shown by ``pip freeze`` and ``--report`` as
pip shows them. Local trees are rebuilt only when something in them changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory, serve_with_wheels
from tests.support.packages import PackageSpec, build_sdist

pytestmark = pytest.mark.integration


def write_project(
    root: Path, name: str, version: str = "1.0", *, module: str | None = None, body: str = "VALUE = 1\n"
) -> Path:
    """A setuptools project (PEP 621) at *root* with one module and a console script ``<module>-cli``."""
    module = module or name.replace("-", "_").lower()
    (root / "src" / module).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["setuptools>=70.1"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        f'name = "{name}"\n'
        f'version = "{version}"\n\n'
        "[project.scripts]\n"
        f'{module}-cli = "{module}:main"\n',
        encoding="utf-8",
    )
    (root / "src" / module / "__init__.py").write_text(
        body + "\n\ndef main():\n    print('value', VALUE)\n", encoding="utf-8"
    )
    return root


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def run_python(ctx: TestContext, venv: Path, code: str) -> str:
    return ctx.run_cmd([str(venv_python(venv)), "-c", code]).assert_success().stdout.strip()


def direct_url(venv: Path, dist_info: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((site_packages(venv) / dist_info / "direct_url.json").read_text())
    return data


def install(ctx: TestContext, venv: Path, server: IndexServer, *args: str | Path) -> str:
    result = ctx.run("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)
    result.assert_success()
    return result.stderr


def pip_freeze(ctx: TestContext, venv: Path) -> str:
    return ctx.run_pip("--python", venv_python(venv), "freeze").assert_success().stdout


def our_freeze(ctx: TestContext, venv: Path) -> str:
    return ctx.run("pip", "--python", venv_python(venv), "freeze").assert_success().stdout


@pytest.mark.slow
def test_a_local_project_directory_installs_with_dir_info_and_freezes_like_pip(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(index_server, [], setuptools_wheels, tmp_path / "dists")
    project = write_project(ctx.path("proj"), "Local-Proj")
    venv = ctx.make_venv()
    stderr = install(ctx, venv, server, "./proj")
    assert "+ local-proj==1.0" in stderr.lower()
    assert run_python(ctx, venv, "import local_proj; print(local_proj.VALUE)") == "1"
    assert direct_url(venv, "local_proj-1.0.dist-info") == {"url": project.as_uri(), "dir_info": {}}
    assert (site_packages(venv) / "local_proj-1.0.dist-info" / "REQUESTED").is_file()
    assert our_freeze(ctx, venv) == pip_freeze(ctx, venv)
    assert f"@ {project.as_uri()}" in our_freeze(ctx, venv)
    # The build ran in a throwaway environment: no setuptools in the target.
    assert not list(site_packages(venv).glob("setuptools*"))


@pytest.mark.slow
def test_an_unchanged_tree_reuses_its_built_wheel_and_any_edit_rebuilds_it(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    server = serve_with_wheels(index_server, [], setuptools_wheels, tmp_path / "dists")
    project = write_project(ctx.path("proj"), "tree-key")
    venv = ctx.make_venv()
    install(ctx, venv, server, "./proj")
    built = sorted(ctx.cache_dir.glob("built*/**/*.whl"))
    assert [p.name for p in built] == ["tree_key-1.0-py3-none-any.whl"]

    # pip reinstalls a local directory on every explicit install; unchanged, the wheel comes from the cache.
    server.clear_log()
    stderr = install(ctx, venv, server, "./proj")
    assert "- tree-key==1.0" in stderr and "+ tree-key==1.0" in stderr
    assert not [p for p in server.paths() if "setuptools" in p], "nothing should have been built"
    assert sorted(ctx.cache_dir.glob("built*/**/*.whl")) == built

    # Build outputs the backend leaves in the tree (build/, *.egg-info) do not count as changes.
    assert (project / "build").is_dir() or list(project.glob("src/*.egg-info"))

    # Any edit (even keeping the size) gives a new build with the new code.
    module = project / "src" / "tree_key" / "__init__.py"
    time.sleep(0.01)
    module.write_text(module.read_text().replace("VALUE = 1", "VALUE = 2"), encoding="utf-8")
    server.clear_log()
    install(ctx, venv, server, "./proj")
    assert [p for p in server.paths() if "setuptools" in p], "the edited tree should have been built"
    assert len(list(ctx.cache_dir.glob("built*/**/*.whl"))) == 2
    assert run_python(ctx, venv, "import tree_key; print(tree_key.VALUE)") == "2"


@pytest.mark.slow
def test_sdists_by_url_by_file_url_and_by_path_install_with_archive_info(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    spec = PackageSpec("remote-src", "1.0", wheel=False)
    server = serve_with_wheels(index_server, [spec], setuptools_wheels, tmp_path / "dists")
    sdist = build_sdist(spec, ctx.path("archives"))
    sha256 = hashlib.sha256(sdist.read_bytes()).hexdigest()
    url = server.file_url(spec.sdist_filename)

    venv = ctx.make_venv("by-url")
    install(ctx, venv, server, f"remote-src @ {url}")
    assert run_python(ctx, venv, "import remote_src; print('ok')") == "ok"
    assert direct_url(venv, "remote_src-1.0.dist-info") == {
        "url": url,
        "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}},
    }
    assert our_freeze(ctx, venv) == pip_freeze(ctx, venv) == f"remote-src @ {url}#sha256={sha256}\n"

    # A URL without a name: the name comes from the metadata, as with pip.
    venv = ctx.make_venv("bare-url")
    stderr = install(ctx, venv, server, url)
    assert "+ remote-src==1.0" in stderr

    # A local sdist, by path and by file:// URL.
    for name, requirement in (("by-path", "archives/" + sdist.name), ("by-file-url", sdist.as_uri())):
        venv = ctx.make_venv(name)
        install(ctx, venv, server, requirement)
        info = direct_url(venv, "remote_src-1.0.dist-info")
        assert info == {
            "url": sdist.as_uri(),
            "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}},
        }, name


@pytest.mark.slow
def test_a_hash_in_the_url_or_in_hash_options_is_checked_against_the_archive(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    spec = PackageSpec("hashed-src", "1.0", wheel=False)
    server = serve_with_wheels(index_server, [spec], setuptools_wheels, tmp_path / "dists")
    sdist = build_sdist(spec, ctx.path("archives"))
    sha256 = hashlib.sha256(sdist.read_bytes()).hexdigest()
    url = server.file_url(spec.sdist_filename)
    venv = ctx.make_venv()
    wrong = "0" * 64
    result = ctx.run(
        "pip", "--python", venv_python(venv), "install", "--index-url", server.url, f"{url}#sha256={wrong}"
    ).assert_failure(1)
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr
    assert sha256 in result.stderr
    assert not list(site_packages(venv).glob("hashed_src*"))

    ctx.write("requirements.txt", f"hashed-src @ {url} --hash=sha256:{sha256}\n")
    install(ctx, venv, server, "-r", "requirements.txt")
    assert (site_packages(venv) / "hashed_src-1.0.dist-info").is_dir()


def test_a_directory_in_hash_checking_mode_is_pips_error(
    ctx: TestContext, index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server([])
    write_project(ctx.path("proj"), "dir-hashes")
    venv = ctx.make_venv()
    result = ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "--require-hashes",
        "./proj",
    ).assert_failure(1)
    assert "Can't verify hashes for these file:// requirements because they point to directories" in (
        result.stderr
    )


def test_a_directory_that_is_not_a_project_is_pips_error(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server([])
    ctx.path("empty").mkdir()
    venv = ctx.make_venv()
    result = ctx.run(
        "pip", "--python", venv_python(venv), "install", "--index-url", server.url, "./empty"
    ).assert_failure(1)
    assert "Directory './empty' is not installable. Neither 'setup.py' nor 'pyproject.toml' found." in (
        result.stderr
    )


def test_an_unreachable_vcs_url_is_a_clear_error(ctx: TestContext, index_server: IndexServerFactory) -> None:
    server = index_server([])
    venv = ctx.make_venv()
    result = ctx.run(
        "pip",
        "--python",
        venv_python(venv),
        "install",
        "--index-url",
        server.url,
        "pkg @ git+https://example.invalid/pkg.git@v1",
    ).assert_failure(1)
    # VCS requirements themselves are tested in test_vcs.py
    assert result.stderr.startswith(
        "error: cannot fetch git+https://example.invalid/pkg.git@v1: repository not found or access denied"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_dry_run_report_of_a_directory_and_an_sdist_has_pips_download_info(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    spec = PackageSpec("report-src", "1.0", wheel=False)
    server = serve_with_wheels(index_server, [spec], setuptools_wheels, tmp_path / "dists")
    project = write_project(ctx.path("proj"), "report-dir")
    url = server.file_url(spec.sdist_filename)
    sha256 = hashlib.sha256(build_sdist(spec, ctx.path("archives")).read_bytes()).hexdigest()
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
        "./proj",
        f"report-src @ {url}",
    ).assert_success()
    report = json.loads(result.stdout)
    by_name = {item["metadata"]["name"]: item for item in report["install"]}
    assert by_name["report-dir"]["download_info"] == {"url": project.as_uri(), "dir_info": {}}
    assert by_name["report-dir"]["is_direct"] is True
    assert by_name["report-src"]["download_info"] == {
        "url": url,
        "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}},
    }
    assert by_name["report-src"]["is_direct"] is True
    assert not list(site_packages(venv).glob("report*"))


def test_the_tree_key_ignores_build_outputs_and_vcs_dirs_and_sees_every_source_change(tmp_path: Path) -> None:
    from pipcompat.dist.sources import tree_key

    project = write_project(tmp_path / "proj", "keyed")
    first = tree_key(project)
    for ignored in ("build/lib/x.py", "dist/keyed-1.0.tar.gz", ".git/HEAD", "src/keyed.egg-info/PKG-INFO"):
        path = project / ignored
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    (project / "src" / "keyed" / "__pycache__").mkdir()
    (project / "src" / "keyed" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"x")
    assert tree_key(project) == first

    module = project / "src" / "keyed" / "__init__.py"
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = tree_key(project)
    assert touched != first
    (project / "src" / "keyed" / "extra.py").write_text("", encoding="utf-8")
    assert tree_key(project) not in (first, touched)
    # A "build" directory below the top is source, not output.
    (project / "src" / "keyed" / "build").mkdir()
    before = tree_key(project)
    (project / "src" / "keyed" / "build" / "steps.py").write_text("", encoding="utf-8")
    assert tree_key(project) != before


@pytest.mark.slow
def test_compile_of_paths_bare_urls_and_editables_matches_pip_compile(
    ctx: TestContext, index_server: IndexServerFactory, setuptools_wheels: Path, tmp_path: Path
) -> None:
    pytest.importorskip("piptools")
    spec = PackageSpec("compiled-src", "1.0", deps=["dep-lib"], wheel=False)
    server = serve_with_wheels(
        index_server, [spec, PackageSpec("dep-lib", "3.0")], setuptools_wheels, tmp_path / "dists"
    )
    write_project(ctx.path("proj"), "Path-Proj")
    write_project(ctx.path("edit"), "edit-proj")
    ctx.write("requirements.in", f"./proj\n-e ./edit\n{server.file_url(spec.sdist_filename)}\n", dedent=False)
    args = ["--no-config", "-q", "--cache-dir", str(tmp_path / "c"), "-i", server.url, "requirements.in"]
    ctx.run_cmd([sys.executable, "-m", "piptools", "compile", *args, "-o", "theirs.txt"]).assert_success()
    ctx.run("pip", "compile", *args, "-o", "ours.txt").assert_success()
    theirs = ctx.read("theirs.txt").replace("theirs.txt", "X")
    assert ctx.read("ours.txt").replace("ours.txt", "X") == theirs
    assert f"path-proj @ {ctx.path('proj').as_uri()}\n" in theirs
    assert f"-e {ctx.path('edit').as_uri()}\n" in theirs
