"""VCS requirements (git): real repositories made in the test with ``git init``, reached through ``file://``
URLs; pinned to a tag, a commit or a branch, with ``#subdirectory=``; a pinned commit works offline; failures
are one clear line that never shows credentials."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.dist.vcs import (
    VcsCheckout,
    build_key,
    checkout,
    clone_editable,
    copy_source,
    direct_url_record,
    parse_vcs_url,
    resolved_url,
)
from pipcompat.errors import PipcompatError
from tests.support.context import TestContext, venv_python

pytestmark = pytest.mark.integration

#: A PEP 517 backend with no requirements, kept in the project itself (``backend-path``): builds need no
#: index. It packs ``src/`` into a wheel named by ``meta.txt`` and logs every wheel it builds.
BACKEND = """
import base64, hashlib, os, zipfile
from pathlib import Path


def _meta():
    name, version = Path("meta.txt").read_text().split()
    return name, version


def _metadata(name, version):
    return f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n"


def _dist_info(directory, name, version):
    path = Path(directory) / f"{name}-{version}.dist-info"
    path.mkdir(parents=True, exist_ok=True)
    (path / "METADATA").write_text(_metadata(name, version))
    return path.name


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _dist_info(metadata_directory, *_meta())


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def _wheel(wheel_directory, files):
    name, version = _meta()
    log = os.environ.get("VCS_TEST_BUILD_LOG")
    if log:
        with open(log, "a") as stream:
            stream.write(f"{name} {version}\\n")
    info = f"{name}-{version}.dist-info"
    files[f"{info}/METADATA"] = _metadata(name, version).encode()
    wheel = "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[f"{info}/WHEEL"] = wheel.encode()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\\n".join(record) + "\\n").encode()
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / filename, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    for path in sorted(Path("src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to("src").as_posix()] = path.read_bytes()
    return _wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name, _ = _meta()
    return _wheel(wheel_directory, {f"_{name}_editable.pth": (str(Path("src").resolve()) + "\\n").encode()})
"""

PYPROJECT = """
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]
"""


def git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)},
    )
    return proc.stdout.strip()


def write_project(root: Path, name: str, version: str, value: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "backend.py").write_text(BACKEND)
    (root / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT).lstrip())
    (root / "meta.txt").write_text(f"{name} {version}\n")
    package = root / "src" / name
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f"VALUE = {value!r}\n")


class Repo:
    """A git repository with a project ``vcsdemo`` at the top and ``subdemo`` in ``sub/``.

    History on ``main``: ``v1.0`` (annotated tag), ``v2.0`` (lightweight tag); branch ``feature`` from
    ``v1.0`` with one more commit.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        git("init", "--quiet", "-b", "main", cwd=path)
        write_project(path, "vcsdemo", "1.0", "one")
        write_project(path / "sub", "subdemo", "1.0", "sub-one")
        self.commit("first")
        git("tag", "-a", "v1.0", "-m", "release 1.0", cwd=path)
        self.v1 = self.head()
        git("checkout", "--quiet", "-b", "feature", cwd=path)
        write_project(path, "vcsdemo", "1.1.dev0", "feature")
        self.commit("feature work")
        self.feature = self.head()
        git("checkout", "--quiet", "main", cwd=path)
        write_project(path, "vcsdemo", "2.0", "two")
        write_project(path / "sub", "subdemo", "2.0", "sub-two")
        self.commit("second")
        git("tag", "v2.0", cwd=path)
        self.v2 = self.head()

    def commit(self, message: str) -> str:
        git("add", "-A", cwd=self.path)
        git("commit", "--quiet", "-m", message, cwd=self.path)
        return self.head()

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.path)

    @property
    def url(self) -> str:
        return f"git+{self.path.as_uri()}"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repos" / "demo")


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def _value(found: VcsCheckout) -> str:
    return (found.source_dir / "src" / "vcsdemo" / "__init__.py").read_text()


def _git_env() -> dict[str, str]:
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}


# -- parsing ---------------------------------------------------------------------------------------------


def test_a_git_url_is_taken_apart_as_pip_does() -> None:
    url = parse_vcs_url("git+https://github.com/pypa/pip.git@22.0.4#egg=pip&subdirectory=src/pkg")
    assert (url.vcs, url.repo_url, url.revision, url.egg, url.subdirectory) == (
        "git",
        "https://github.com/pypa/pip.git",
        "22.0.4",
        "pip",
        "src/pkg",
    )
    plain = parse_vcs_url("git+ssh://git@example.com/org/repo.git")
    assert (plain.repo_url, plain.revision, plain.subdirectory, plain.egg) == (
        "ssh://git@example.com/org/repo.git",
        None,
        None,
        None,
    )
    # the revision is the part after the path's last '@', %-unescaped; a user name's '@' is not one
    branch = parse_vcs_url("git+https://tok@example.com/r.git@feature%2Fx")
    assert (branch.repo_url, branch.revision) == ("https://tok@example.com/r.git", "feature/x")
    local = parse_vcs_url("git+file:///tmp/my%20repo@v1")
    assert (local.repo_url, local.revision) == ("file:///tmp/my repo", "v1")


def test_an_empty_revision_is_refused_with_pips_words() -> None:
    with pytest.raises(PipcompatError) as raised:
        parse_vcs_url("git+https://example.com/r.git@")
    assert "has an empty revision (after @) which is not supported" in raised.value.message


def test_the_scp_form_is_refused_as_pip_refuses_it_and_the_ssh_form_is_suggested() -> None:
    with pytest.raises(PipcompatError) as raised:
        parse_vcs_url("git+git@github.com:pypa/pip.git#egg=pip")
    assert "scp-style" in raised.value.message
    assert raised.value.hint == "write it as git+ssh://****@github.com/pypa/pip.git"


def test_credentials_are_kept_for_git_but_redacted_when_shown() -> None:
    url = parse_vcs_url("git+https://user:s3cret@example.com/r.git@v1")
    assert url.repo_url == "https://user:s3cret@example.com/r.git"
    assert url.redacted_url == "https://user:****@example.com/r.git"
    assert "s3cret" not in url.url
    token = parse_vcs_url("git+https://ghp_token123@example.com/r.git")
    assert token.redacted_url == "https://****@example.com/r.git"


def test_other_vcs_urls_parse_but_checking_them_out_is_refused(cache: Cache) -> None:
    for url, label in [
        ("hg+https://hg.example.com/repo@tip#egg=thing", "Mercurial"),
        ("svn+svn://svn.example.com/repo/trunk#egg=thing", "Subversion"),
        ("bzr+lp:thing#egg=thing", "Bazaar"),
    ]:
        parsed = parse_vcs_url(url)
        assert parsed.egg == "thing"
        with pytest.raises(PipcompatError) as raised:
            checkout(parsed, cache)
        assert f"{label} ({parsed.vcs}+) requirements are not supported by pipcompat, only git" in str(
            raised.value
        )
    assert not cache.root.exists()


# -- checking out ----------------------------------------------------------------------------------------


def test_a_tag_resolves_to_its_commit_and_is_checked_out(repo: Repo, cache: Cache) -> None:
    found = checkout(f"{repo.url}@v1.0", cache, environ=_git_env())
    assert found.commit_id == repo.v1  # the annotated tag is peeled to its commit
    assert found.requested_revision == "v1.0"
    assert _value(found) == "VALUE = 'one'\n"
    assert resolved_url(found) == f"{repo.url}@{repo.v1}"
    lightweight = checkout(f"{repo.url}@v2.0", cache, environ=_git_env())
    assert lightweight.commit_id == repo.v2
    assert _value(lightweight) == "VALUE = 'two'\n"


def test_a_commit_full_or_abbreviated_is_checked_out(repo: Repo, cache: Cache) -> None:
    full = checkout(f"{repo.url}@{repo.v1}", cache, environ=_git_env())
    assert (full.commit_id, full.requested_revision) == (repo.v1, repo.v1)
    short = checkout(f"{repo.url}@{repo.v2[:9]}", cache, environ=_git_env())
    assert short.commit_id == repo.v2
    assert short.requested_revision == repo.v2[:9]


def test_a_branch_follows_the_remote_and_no_revision_is_the_default_branch(repo: Repo, cache: Cache) -> None:
    first = checkout(f"{repo.url}@feature", cache, environ=_git_env())
    assert first.commit_id == repo.feature
    assert _value(first) == "VALUE = 'feature'\n"
    git("checkout", "--quiet", "feature", cwd=repo.path)
    write_project(repo.path, "vcsdemo", "1.2.dev0", "feature-2")
    moved = repo.commit("more feature work")
    git("checkout", "--quiet", "main", cwd=repo.path)
    again = checkout(f"{repo.url}@feature", cache, environ=_git_env())
    assert again.commit_id == moved
    assert _value(again) == "VALUE = 'feature-2'\n"
    assert _value(first) == "VALUE = 'feature'\n"  # the old checkout is immutable
    default = checkout(repo.url, cache, environ=_git_env())
    assert (default.commit_id, default.requested_revision) == (repo.v2, None)


def test_a_subdirectory_is_the_source_dir_and_is_recorded(repo: Repo, cache: Cache) -> None:
    found = checkout(f"{repo.url}@v1.0#egg=subdemo&subdirectory=sub", cache, environ=_git_env())
    assert found.subdirectory == "sub"
    assert found.source_dir == found.checkout_dir / "sub"
    assert (found.source_dir / "meta.txt").read_text() == "subdemo 1.0\n"
    assert resolved_url(found) == f"{repo.url}@{repo.v1}#subdirectory=sub"
    assert direct_url_record(found) == {
        "url": repo.path.as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": repo.v1, "requested_revision": "v1.0"},
        "subdirectory": "sub",
    }
    with pytest.raises(PipcompatError) as raised:
        checkout(f"{repo.url}@v1.0#subdirectory=nowhere", cache, environ=_git_env())
    assert "there is no directory 'nowhere'" in raised.value.message


def test_the_checkout_keeps_git_metadata_for_scm_versioned_builds(repo: Repo, cache: Cache) -> None:
    found = checkout(f"{repo.url}@{repo.v2}", cache, environ=_git_env())
    described = git("describe", "--tags", cwd=found.checkout_dir)
    assert described == "v2.0"
    assert git("remote", "get-url", "origin", cwd=found.checkout_dir) == repo.path.as_uri()
    assert git("status", "--porcelain", cwd=found.checkout_dir) == ""


def test_a_pinned_commit_works_offline_once_fetched(repo: Repo, cache: Cache, tmp_path: Path) -> None:
    first = checkout(f"{repo.url}@{repo.v1}", cache, environ=_git_env())
    shutil.rmtree(first.checkout_dir)  # even the checkout can be made again from the mirror
    moved = tmp_path / "moved-away"
    repo.path.rename(moved)
    again = checkout(f"{repo.url}@{repo.v1}", cache, environ=_git_env())
    assert again.commit_id == repo.v1
    assert _value(again) == "VALUE = 'one'\n"
    with pytest.raises(PipcompatError) as raised:
        checkout(f"{repo.url}@v1.0", cache, environ=_git_env())  # a tag may move: it is fetched
    assert "repository not found or access denied" in raised.value.message


def test_an_unknown_revision_is_one_clear_error_and_makes_no_checkout(repo: Repo, cache: Cache) -> None:
    with pytest.raises(PipcompatError) as raised:
        checkout(f"{repo.url}@v9.9", cache, environ=_git_env())
    assert (
        raised.value.message
        == f"{repo.url}@v9.9: no branch, tag or commit named 'v9.9' in {repo.path.as_uri()}"
    )
    assert raised.value.hint is not None and "git ls-remote" in raised.value.hint
    assert raised.value.exit_code == 1
    assert not (cache.bucket("git") / "checkouts").exists()


def test_a_commit_no_branch_reaches_is_fetched_by_name(repo: Repo, cache: Cache) -> None:
    git("checkout", "--quiet", "--detach", "main", cwd=repo.path)
    write_project(repo.path, "vcsdemo", "3.0", "dangling")
    dangling = repo.commit("not on a branch")
    git("update-ref", "refs/pull/1/head", dangling, cwd=repo.path)
    git("checkout", "--quiet", "main", cwd=repo.path)
    found = checkout(f"{repo.url}@refs/pull/1/head", cache, environ=_git_env())
    assert found.commit_id == dangling
    assert _value(found) == "VALUE = 'dangling'\n"


def test_a_missing_repository_is_reported_without_credentials(cache: Cache, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-repo"
    with pytest.raises(PipcompatError) as raised:
        checkout(f"git+{missing.as_uri()}@v1", cache, environ=_git_env())
    assert raised.value.message.startswith(f"cannot fetch git+{missing.as_uri()}@v1: repository not found")
    # an HTTP server that is not there: the password must not appear anywhere
    with pytest.raises(PipcompatError) as raised:
        checkout("git+https://user:s3cret-pw@127.0.0.1:9/repo.git@v1", cache, environ=_git_env())
    shown = f"{raised.value.message}\n{raised.value.hint}"
    assert "s3cret-pw" not in shown
    assert "user:****@127.0.0.1:9" in shown


def test_git_missing_is_one_clear_error(repo: Repo, cache: Cache, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    with pytest.raises(PipcompatError) as raised:
        checkout(f"{repo.url}@v1.0", cache, environ={**_git_env(), "PATH": str(empty)})
    assert "git is not installed" in raised.value.message


def test_concurrent_processes_share_one_mirror(repo: Repo, tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from pipcompat.cache import Cache
        from pipcompat.dist.vcs import checkout
        print(checkout({f"{repo.url}@v1.0"!r}, Cache(Path({str(tmp_path / "shared-cache")!r}))).commit_id)
        """
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
            env=_git_env(),
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [out.strip() for out, _err in outputs] == [repo.v1] * 3, outputs
    assert len(list((tmp_path / "shared-cache" / "git-v1" / "db").iterdir())) == 2  # mirror + its lock


def test_a_build_copy_and_an_editable_clone_leave_the_cache_checkout_alone(
    repo: Repo, cache: Cache, tmp_path: Path
) -> None:
    found = checkout(f"{repo.url}@feature#subdirectory=sub", cache, environ=_git_env())
    same = checkout(f"{repo.url}@{repo.feature}#subdirectory=sub", cache, environ=_git_env())
    assert build_key(found) == build_key(same)
    assert build_key(found) != build_key(checkout(f"{repo.url}@feature", cache, environ=_git_env()))
    copied = copy_source(found, tmp_path / "build-copy")
    assert copied == tmp_path / "build-copy" / "sub"
    (copied / "build").mkdir()
    assert not (found.source_dir / "build").exists()
    project = clone_editable(found, tmp_path / "src" / "subdemo", environ=_git_env())
    assert project == tmp_path / "src" / "subdemo" / "sub"
    clone = tmp_path / "src" / "subdemo"
    assert git("rev-parse", "HEAD", cwd=clone) == repo.feature
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=clone) == "feature"  # on the branch, as pip leaves it
    assert git("remote", "get-url", "origin", cwd=clone) == repo.path.as_uri()
    assert git("describe", "--tags", "--abbrev=0", cwd=clone) == "v1.0"
    (project / "meta.txt").write_text("edited locally\n")
    # the same repository again: updated in place as pip does (reset to the commit)
    assert clone_editable(found, clone, environ=_git_env()) == project
    assert (project / "meta.txt").read_text() == "subdemo 1.0\n"
    other = tmp_path / "src" / "other"
    other.mkdir(parents=True)
    (other / "file.txt").write_text("not a clone")
    with pytest.raises(PipcompatError) as raised:
        clone_editable(found, other, environ=_git_env())
    assert "the directory exists and is not a clone of it" in raised.value.message


# -- freeze shows what pip shows ---------------------------------------------------------------------


@pytest.mark.slow
def test_freeze_shows_a_vcs_install_as_pip_does(ctx: TestContext, repo: Repo, cache: Cache) -> None:
    venv = ctx.make_venv()
    python = str(venv_python(venv))
    requirement = f"vcsdemo @ {repo.url}@v1.0"
    sub = f"subdemo @ {repo.url}@feature#subdirectory=sub"
    ctx.run_pip("--python", python, "install", "--no-index", requirement, sub).assert_success()
    pip_freeze = ctx.run_pip("--python", python, "freeze").assert_success().stdout
    ours = ctx.run("pip", "--python", python, "freeze").assert_success().stdout
    assert ours == pip_freeze
    assert f"vcsdemo @ {repo.url}@{repo.v1}\n" in ours
    # and what pip recorded in direct_url.json is what direct_url_record gives for the same checkout
    recorded = json.loads(
        next((venv / "lib").glob("python*/site-packages/vcsdemo-1.0.dist-info/direct_url.json")).read_text()
    )
    assert recorded == direct_url_record(checkout(f"{repo.url}@v1.0", cache, environ=_git_env()))


# -- pip install -------------------------------------------------------------------------------------------


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def _direct_url(venv: Path, name: str, version: str) -> dict[str, object]:
    data = json.loads((_site_packages(venv) / f"{name}-{version}.dist-info" / "direct_url.json").read_text())
    assert isinstance(data, dict)
    return data


def _import(venv: Path, module: str, ctx: TestContext) -> str:
    code = f"import {module}; print({module}.VALUE)"
    return ctx.run_cmd([str(venv_python(venv)), "-c", code]).assert_success().stdout.strip()


@pytest.mark.slow
def test_pip_install_of_a_tag_records_the_commit_and_freezes_like_pip(ctx: TestContext, repo: Repo) -> None:
    venv = ctx.make_venv()
    python = str(venv_python(venv))
    log = ctx.path("builds.log")
    env = {"VCS_TEST_BUILD_LOG": str(log)}
    ctx.run("pip", "--python", python, "install", f"vcsdemo @ {repo.url}@v1.0", env=env).assert_success()
    assert _import(venv, "vcsdemo", ctx) == "one"
    assert _direct_url(venv, "vcsdemo", "1.0") == {
        "url": repo.path.as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": repo.v1, "requested_revision": "v1.0"},
    }
    freeze = ctx.run("pip", "--python", python, "freeze").assert_success().stdout
    assert freeze == f"vcsdemo @ {repo.url}@{repo.v1}\n"
    assert ctx.run_pip("--python", python, "freeze").assert_success().stdout == freeze
    assert log.read_text() == "vcsdemo 1.0\n"
    # the same commit again: left alone, as pip leaves it
    again = ctx.run("pip", "--python", python, "install", f"vcsdemo @ {repo.url}@{repo.v1}", env=env)
    assert "vcsdemo" not in again.assert_success().output
    # a new commit of the same version is installed (pip would keep the old one: see docs/compatibility.md)
    ctx.run("pip", "--python", python, "install", f"vcsdemo @ {repo.url}@main", env=env).assert_success()
    git("commit", "--quiet", "--allow-empty", "-m", "same version, new commit", cwd=repo.path)
    newer = ctx.run("pip", "--python", python, "install", f"vcsdemo @ {repo.url}@main", env=env)
    assert " - vcsdemo==2.0\n + vcsdemo==2.0" in newer.assert_success().stderr
    assert _direct_url(venv, "vcsdemo", "2.0")["vcs_info"] == {
        "vcs": "git",
        "commit_id": repo.head(),
        "requested_revision": "main",
    }


@pytest.mark.slow
def test_requirement_files_pin_commits_branches_and_subdirectories_and_a_commit_builds_once(
    ctx: TestContext, repo: Repo
) -> None:
    log = ctx.path("builds.log")
    env = {"VCS_TEST_BUILD_LOG": str(log)}
    ctx.write(
        "requirements.txt",
        f"""
        {repo.url}@{repo.v2}#egg=vcsdemo
        subdemo @ {repo.url}@feature#subdirectory=sub
        """,
    )
    first = ctx.make_venv("first")
    ctx.run(
        "pip", "--python", str(venv_python(first)), "install", "-r", "requirements.txt", env=env
    ).assert_success()
    assert _import(first, "vcsdemo", ctx) == "two"
    assert _import(first, "subdemo", ctx) == "sub-one"
    assert _direct_url(first, "subdemo", "1.0") == {
        "url": repo.path.as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": repo.feature, "requested_revision": "feature"},
        "subdirectory": "sub",
    }
    assert sorted(log.read_text().splitlines()) == ["subdemo 1.0", "vcsdemo 2.0"]
    # the same commits again, into another environment: nothing is checked out or built again
    checkouts = sorted(p.name for p in (ctx.cache_dir / "git-v1" / "checkouts").glob("*/*") if p.is_dir())
    second = ctx.make_venv("second")
    result = ctx.run(
        "pip", "--python", str(venv_python(second)), "install", "-r", "requirements.txt", env=env
    )
    result.assert_success()
    assert _import(second, "subdemo", ctx) == "sub-one"
    assert sorted(log.read_text().splitlines()) == ["subdemo 1.0", "vcsdemo 2.0"]
    assert (
        sorted(p.name for p in (ctx.cache_dir / "git-v1" / "checkouts").glob("*/*") if p.is_dir())
        == checkouts
    )
    freeze = ctx.run("pip", "--python", str(venv_python(second)), "freeze").assert_success().stdout
    assert freeze == (
        f"subdemo @ {repo.url}@{repo.feature}#subdirectory=sub\nvcsdemo @ {repo.url}@{repo.v2}\n"
    )


@pytest.mark.slow
def test_an_unknown_revision_fails_in_one_line_and_installs_nothing(ctx: TestContext, repo: Repo) -> None:
    venv = ctx.make_venv()
    python = str(venv_python(venv))
    before = sorted(p.name for p in _site_packages(venv).iterdir())
    result = ctx.run(
        "pip",
        "--python",
        python,
        "install",
        f"vcsdemo @ {repo.url}@v9.9",
        f"subdemo @ {repo.url}@v1.0#subdirectory=sub",
    )
    result.assert_failure(1)
    assert result.stderr.splitlines()[0] == (
        f"error: {repo.url}@v9.9: no branch, tag or commit named 'v9.9' in {repo.path.as_uri()}"
    )
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in _site_packages(venv).iterdir()) == before


def test_credentials_in_a_vcs_url_are_never_printed(ctx: TestContext) -> None:
    venv = ctx.make_venv()
    result = ctx.run(
        "pip",
        "--python",
        str(venv_python(venv)),
        "install",
        "-v",
        "thing @ git+https://someone:s3cret-pw@127.0.0.1:9/org/thing.git@v1",
    )
    result.assert_failure(1)
    assert "s3cret-pw" not in result.output
    assert "cannot fetch git+https://someone:****@127.0.0.1:9/org/thing.git@v1" in result.stderr


def test_other_vcs_requirements_are_refused_naming_the_line(ctx: TestContext) -> None:
    ctx.write("requirements.txt", "hg+https://hg.example.com/thing@tip#egg=thing\n")
    result = ctx.run("pip", "install", "--dry-run", "-r", "requirements.txt")
    result.assert_failure(1)
    assert result.stderr.splitlines()[0] == (
        "error: hg+https://hg.example.com/thing@tip#egg=thing (from -r requirements.txt (line 1)): "
        "Mercurial (hg+) requirements are not supported by pipcompat, only git"
    )


@pytest.mark.slow
def test_the_install_report_has_pips_download_info_for_a_vcs_requirement(
    ctx: TestContext, repo: Repo
) -> None:
    requirement = f"vcsdemo @ {repo.url}@v1.0"
    ours = ctx.run("pip", "install", "--dry-run", "--quiet", "--report", "-", requirement).assert_success()
    pips = ctx.run_pip("install", "--dry-run", "--quiet", "--no-index", "--report", "-", requirement)
    pips.assert_success()
    [our_item] = json.loads(ours.stdout)["install"]
    [pip_item] = json.loads(pips.stdout)["install"]
    assert (
        our_item["download_info"]
        == pip_item["download_info"]
        == {
            "url": repo.path.as_uri(),
            "vcs_info": {"vcs": "git", "commit_id": repo.v1, "requested_revision": "v1.0"},
        }
    )
    assert our_item["is_direct"] is pip_item["is_direct"] is True


@pytest.mark.slow
def test_an_editable_vcs_install_clones_into_the_venv_src_like_pip(ctx: TestContext, repo: Repo) -> None:
    ours = ctx.make_venv("ours")
    theirs = ctx.make_venv("theirs")
    requirement = f"{repo.url}@feature#egg=vcsdemo"
    ctx.run("pip", "--python", str(venv_python(ours)), "install", "-e", requirement).assert_success()
    ctx.run_pip(
        "--python", str(venv_python(theirs)), "install", "--no-index", "-e", requirement
    ).assert_success()
    for venv in (ours, theirs):
        clone = venv / "src" / "vcsdemo"
        assert git("rev-parse", "HEAD", cwd=clone) == repo.feature
        assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=clone) == "feature"
        assert _import(venv, "vcsdemo", ctx) == "feature"
    for venv in (ours, theirs):
        assert _direct_url(venv, "vcsdemo", "1.1.dev0") == {
            "url": (venv / "src" / "vcsdemo").as_uri(),
            "dir_info": {"editable": True},
        }
    # an edit in the clone shows without reinstalling
    (ours / "src" / "vcsdemo" / "src" / "vcsdemo" / "__init__.py").write_text("VALUE = 'edited'\n")
    assert _import(ours, "vcsdemo", ctx) == "edited"
    freeze_ours = ctx.run("pip", "--python", str(venv_python(ours)), "freeze").assert_success().stdout
    freeze_theirs = ctx.run_pip("--python", str(venv_python(theirs)), "freeze").assert_success().stdout
    assert freeze_ours == freeze_theirs == f"-e {repo.url}@{repo.feature}#egg=vcsdemo\n"


# -- pip compile -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_compile_records_the_resolved_commit_where_pip_compile_repeats_the_revision(
    ctx: TestContext, repo: Repo
) -> None:
    ctx.write(
        "requirements.in",
        f"""
        vcsdemo @ {repo.url}@v1.0
        {repo.url}@feature#egg=subdemo&subdirectory=sub
        """,
    )
    args = ("--no-index", "--no-header", "--strip-extras", "--output-file", "-", "requirements.in")
    ours = ctx.run("pip", "compile", *args).assert_success().stdout
    theirs = ctx.run_cmd([str(Path(sys.executable).parent / "pip-compile"), "-q", *args])
    theirs.assert_success()
    # pip-compile 7.6.2 writes the revision as asked (and, on this Python, file URLs as "file:/path"):
    local = f"git+file:{repo.path}"
    assert theirs.stdout == (
        f"subdemo @ {local}@feature#subdirectory=sub\n    # via -r requirements.in\n"
        f"vcsdemo @ {local}@v1.0\n    # via -r requirements.in\n"
    )
    # pipcompat writes the same lines with the commit the revision resolved to (issue 5)
    assert ours == (
        f"subdemo @ {local}@{repo.feature}#subdirectory=sub\n    # via -r requirements.in\n"
        f"vcsdemo @ {local}@{repo.v1}\n    # via -r requirements.in\n"
    )
    # an editable is written as given, as pip-compile writes it; an unnamed URL is named from its metadata
    ctx.write(
        "more.in",
        f"""
        -e {repo.url}@feature#egg=vcsdemo
        {repo.url}@v1.0#subdirectory=sub
        """,
    )
    more = ("--no-index", "--no-header", "--strip-extras", "--output-file", "-", "more.in")
    theirs = ctx.run_cmd([str(Path(sys.executable).parent / "pip-compile"), "-q", *more]).assert_success()
    assert theirs.stdout == (
        f"-e {repo.url}@feature#egg=vcsdemo\n    # via -r more.in\n"
        f"subdemo @ {local}@v1.0#subdirectory=sub\n    # via -r more.in\n"
    )
    assert ctx.run("pip", "compile", *more).assert_success().stdout == (
        f"-e {repo.url}@feature#egg=vcsdemo\n    # via -r more.in\n"
        f"subdemo @ {local}@{repo.v1}#subdirectory=sub\n    # via -r more.in\n"
    )
    assert not ctx.path("src").exists()
    # --universal writes the same lines (the checkouts' metadata holds for every environment)
    universal = ctx.run("pip", "compile", "--universal", *more).assert_success().stdout
    assert universal == ctx.run("pip", "compile", *more).stdout
    # and installing that output gives the same commits
    ctx.write("compiled.txt", ours)
    venv = ctx.make_venv()
    ctx.run("pip", "--python", str(venv_python(venv)), "install", "-r", "compiled.txt").assert_success()
    assert _direct_url(venv, "vcsdemo", "1.0")["vcs_info"] == {
        "vcs": "git",
        "commit_id": repo.v1,
        "requested_revision": repo.v1,
    }
