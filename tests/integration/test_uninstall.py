"""``pip uninstall``: pip's prompt and messages, and nothing left behind (no files, no empty directories)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.install.engine import WheelToInstall, install_wheels
from pipcompat.install.scheme import scheme_for
from pipcompat.install.target import probe
from tests.support.context import TestContext, venv_python
from tests.support.packages import DistFactory, PackageSpec

pytestmark = pytest.mark.integration

SPECS = [
    PackageSpec(
        "hello-world",
        "1.0",
        console_scripts={"hello": "hello_world:main"},
        files={"hello_world/sub/__init__.py": "", "hello_world-1.0.data/data/share/hello/n.txt": "n"},
    ),
    PackageSpec("other", "2.0"),
]


def _tree(root: Path) -> set[str]:
    found = set()
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


def _venv_with_pip_installs(ctx: TestContext, dists: Path, name: str) -> Path:
    venv = ctx.make_venv(name)
    ctx.run_pip(
        "--python", venv_python(venv), "install", "--no-index", "--find-links", dists, "hello-world", "other"
    ).assert_success()
    ctx.run_cmd([venv_python(venv), "-c", "import hello_world.sub"]).assert_success()
    return venv


@pytest.mark.slow
@pytest.mark.parametrize("args", [("-y",), ()])
def test_uninstall_prints_and_removes_like_pip(
    ctx: TestContext, make_dists: DistFactory, args: tuple[str, ...]
) -> None:
    dists = make_dists(SPECS)
    ours_venv = _venv_with_pip_installs(ctx, dists, "ours")
    pips_venv = _venv_with_pip_installs(ctx, dists, "pips")
    ours = ctx.run(
        "pip", "--python", venv_python(ours_venv), "uninstall", *args, "hello-world", "nope", input="y\n"
    )
    theirs = ctx.run_pip(
        "--python", venv_python(pips_venv), "uninstall", *args, "hello-world", "nope", input="y\n"
    )
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout.replace("/ours/", "/X/") == theirs.stdout.replace("/pips/", "/X/")
    assert ours.stderr == theirs.stderr == "WARNING: Skipping nope as it is not installed.\n"
    # pip may leave directories it emptied (here ``share/``); pipcompat removes them.
    left_by_pip = _tree(pips_venv) - _tree(ours_venv)
    assert _tree(ours_venv) <= _tree(pips_venv)
    assert all(not os.listdir(pips_venv / extra) for extra in left_by_pip)


def test_uninstall_removes_everything_it_installed(ctx: TestContext, make_dists: DistFactory) -> None:
    dists = make_dists(SPECS)
    venv = ctx.make_venv()
    before = _tree(venv)
    target = probe(venv_python(venv))
    install_wheels(
        [WheelToInstall(p) for p in sorted(dists.glob("*.whl"))],
        scheme_for(target),
        Cache(ctx.cache_dir),
        python=str(target.executable),
        cache_tag=target.cache_tag,
        compile=True,
    )
    ctx.run_cmd([venv_python(venv), "-c", "import hello_world.sub, other"]).assert_success()
    result = ctx.run("pip", "--python", venv_python(venv), "uninstall", "-y", "hello-world", "OTHER")
    result.assert_success()
    assert "Successfully uninstalled hello-world-1.0" in result.stdout
    assert "Successfully uninstalled other-2.0" in result.stdout
    assert _tree(venv) == before


def test_answering_no_keeps_everything(ctx: TestContext, make_dists: DistFactory) -> None:
    dists = make_dists(SPECS)
    venv = ctx.make_venv()
    target = probe(venv_python(venv))
    install_wheels(
        [WheelToInstall(dists / "other-2.0-py3-none-any.whl")],
        scheme_for(target),
        Cache(ctx.cache_dir),
        python=str(target.executable),
    )
    before = _tree(venv)
    result = ctx.run("pip", "--python", venv_python(venv), "uninstall", "other", input="n\n")
    result.assert_success()
    assert re.search(r"Would remove:\n\s+.*other-2\.0\.dist-info/\*\n", result.stdout)
    assert "Proceed (Y/n)? " in result.stdout
    assert "Successfully" not in result.stdout
    assert _tree(venv) == before


def test_uninstall_reads_requirement_files_and_needs_a_name(
    ctx: TestContext, make_dists: DistFactory
) -> None:
    venv = ctx.make_venv()
    result = ctx.run("pip", "--python", venv_python(venv), "uninstall", "-y")
    assert result.returncode == 1
    assert 'You must give at least one requirement to uninstall (see "pip help uninstall")' in result.stderr
    ctx.write("reqs.txt", "other==2.0\n")
    result = ctx.run("pip", "--python", venv_python(venv), "uninstall", "-y", "-r", "reqs.txt")
    result.assert_success()
    assert result.stderr == "WARNING: Skipping other as it is not installed.\n"
