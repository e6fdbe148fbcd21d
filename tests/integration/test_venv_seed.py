"""Seeding pip into a new environment goes through the install engine and leaves what pip would leave."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import sys
from pathlib import Path

import pytest

from tests.support.context import TestContext

PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))) / "versions"
BASE = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
SHORT = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _record_hash(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _dist_info(site_packages: Path, project: str) -> Path:
    found = sorted(site_packages.glob(f"{project}-*.dist-info"))
    assert len(found) == 1, found
    return found[0]


def test_seeded_pip_has_a_true_record_and_pip_s_own_script_names(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE).assert_success()
    venv = ctx.path(".venv")
    site_packages = venv / "lib" / f"python{SHORT}" / "site-packages"
    info = _dist_info(site_packages, "pip")
    assert (info / "INSTALLER").read_text() == "pipcompat\n"
    assert (info / "REQUESTED").exists()

    with open(info / "RECORD", encoding="utf-8", newline="") as stream:
        rows = [row for row in csv.reader(stream) if row]
    listed = {os.path.normpath(site_packages / row[0]) for row in rows}
    for path, digest, size in rows:
        file = site_packages / path
        if path.endswith(".dist-info/RECORD"):
            assert (digest, size) == ("", "")
            continue
        assert file.is_file(), path
        assert (_record_hash(file), int(size)) == (digest, file.stat().st_size), path
    on_disk = {os.path.normpath(p) for p in (site_packages / "pip").rglob("*") if p.is_file()}
    on_disk |= {os.path.normpath(p) for p in info.iterdir()}
    assert on_disk <= listed

    scripts = sorted(p.name for p in (venv / "bin").iterdir() if p.name.startswith("pip"))
    assert scripts == sorted(["pip", f"pip{sys.version_info[0]}", f"pip{SHORT}"])
    for name in scripts:
        assert (venv / "bin" / name).read_text().splitlines()[0] == f"#!{venv / 'bin' / 'python'}"
        assert str(venv / "bin" / name) in listed


def test_seeding_an_existing_environment_again_keeps_one_pip(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE).assert_success()
    again = ctx.run("venv", "-p", BASE).assert_success()
    assert " + pip==" not in again.stderr
    site_packages = ctx.path(".venv", "lib", f"python{SHORT}", "site-packages")
    assert len(list(site_packages.glob("pip-*.dist-info"))) == 1
    ctx.run_cmd([ctx.path(".venv", "bin", "python"), "-m", "pip", "--version"]).assert_success()


def test_clear_seeds_afresh(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE).assert_success()
    ctx.write(f".venv/lib/python{SHORT}/site-packages/stray.py", "")
    result = ctx.run("venv", "--clear", "-p", BASE).assert_success()
    assert " + pip==" in result.stderr
    assert not ctx.path(".venv", "lib", f"python{SHORT}", "site-packages", "stray.py").exists()


@pytest.mark.slow
@pytest.mark.parametrize("minor", ["3.8", "3.12", "3.13"])
def test_versioned_pip_script_is_the_target_s_version(ctx: TestContext, minor: str) -> None:
    """3.8's and 3.12's bundled pips name ``pip3.9``/``pip3.11`` in their wheels; 3.13's names none."""
    if not sorted(PYENV_VERSIONS.glob(f"{minor}.*/bin/python3")):
        pytest.skip(f"no pyenv Python {minor}")
    ctx.run("venv", "-p", minor).assert_success()
    scripts = sorted(p.name for p in ctx.path(".venv", "bin").iterdir() if p.name.startswith("pip"))
    assert scripts == sorted(["pip", "pip3", f"pip{minor}"])
    info = _dist_info(ctx.path(".venv", "lib", f"python{minor}", "site-packages"), "pip")
    record = (info / "RECORD").read_text(encoding="utf-8")
    assert f"bin/pip{minor}," in record
    assert sum(line.split(",")[0].startswith("../../../bin/") for line in record.splitlines()) == 3
    python = ctx.path(".venv", "bin", "python")
    ctx.run_cmd([python, "-m", "pip", "uninstall", "-y", "pip"]).assert_success()
    assert not [p for p in ctx.path(".venv", "bin").iterdir() if p.name.startswith("pip")]
