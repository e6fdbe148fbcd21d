"""Seeding pip into a new environment goes through the install engine and leaves what pip would leave."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import shutil
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


def _tree(root: Path) -> dict[str, tuple[bytes, int, bool]]:
    """Every file and directory under *root*: contents (the root's path masked), mode, directory or not."""
    found: dict[str, tuple[bytes, int, bool]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[relative] = (os.readlink(path).encode(), 0, False)
        elif path.is_dir():
            found[relative] = (b"", path.stat().st_mode, True)
        else:
            data = path.read_bytes().replace(str(root).encode(), b"<ROOT>")
            found[relative] = (data, path.stat().st_mode, False)
    return found


def _pyenv_python(minor: str) -> str:
    found = sorted(PYENV_VERSIONS.glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        pytest.skip(f"no pyenv Python {minor}")
    return str(found[-1])


@pytest.mark.parametrize(
    "minor", [None, pytest.param("3.8", marks=pytest.mark.slow), pytest.param("3.13", marks=pytest.mark.slow)]
)
def test_seeding_from_the_cache_writes_what_the_install_engine_writes(
    tmp_path: Path, minor: str | None
) -> None:
    """File by file, byte for byte: contents, RECORD, scripts, modes (3.8 seeds setuptools too)."""
    from pipcompat import __version__
    from pipcompat.commands.venv import find_base, options_from_values, seed_environment
    from pipcompat.env.seed import SeededDist
    from pipcompat.env.venv import create_venv

    cache_root = str(tmp_path / "cache")
    environ = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    base = find_base(
        BASE if minor is None else _pyenv_python(minor),
        environ=environ,
        cwd=str(tmp_path),
        cache_root=cache_root,
    )
    options = options_from_values({})
    seeded = {}
    trees = {}
    where = tmp_path / "venv"  # the same path both times: scripts' shebangs, and so RECORD, name it
    for name, from_cache in (("engine", False), ("fast", True), ("older entry", True)):
        if where.exists():
            shutil.rmtree(where)
        if name == "older entry":  # entries unpacked before manifests recorded times and WHEEL/METADATA
            for manifest in Path(cache_root).glob("archives-v1/*/*/*/manifest.json"):
                data = json.loads(manifest.read_text(encoding="utf-8"))
                manifest.write_text(json.dumps({k: data[k] for k in ("wheel", "dist_info", "files")}))
        created = create_venv(str(where), base, options, cwd=str(tmp_path), pipcompat_version=__version__)
        installed, missing = seed_environment(
            created, base, options, cache_root=cache_root, from_cache=from_cache
        )
        assert not missing
        seeded[name] = [(dist.name, dist.version, isinstance(dist, SeededDist)) for dist in installed]
        trees[name] = _tree(where)
    assert [(n, v) for n, v, _fast in seeded["fast"]] == [(n, v) for n, v, _fast in seeded["engine"]]
    assert seeded["older entry"] == seeded["fast"]
    assert trees["older entry"] == trees["fast"]
    assert all(fast for _n, _v, fast in seeded["fast"]), "the cached entry was not used"
    assert not any(fast for _n, _v, fast in seeded["engine"])

    engine, fast = trees["engine"], trees["fast"]
    assert sorted(engine) == sorted(fast)
    different = [path for path in engine if engine[path] != fast[path]]
    assert different == []
    records = sorted(p for p in fast if p.endswith(".dist-info/RECORD"))
    assert records and all(engine[p][0] == fast[p][0] for p in records)
    short = minor or SHORT
    scripts = sorted(p for p in fast if p.startswith("bin/pip"))
    assert scripts == sorted(["bin/pip", "bin/pip3", f"bin/pip{short}"])


def test_a_damaged_cache_entry_is_unpacked_again_when_seeding(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE, "one").assert_success()
    manifests = sorted(ctx.cache_dir.glob("archives-v1/*/*/*/manifest.json"))
    assert manifests
    for manifest in manifests:
        init = manifest.parent / "tree" / "pip" / "__init__.py"
        if init.is_file():
            os.unlink(init)  # also the first environment's link goes on living: only the cache loses it
    result = ctx.run("venv", "-p", BASE, "two").assert_success()
    assert " + pip==" in result.stderr
    python = ctx.path("two", "bin", "python")
    ctx.run_cmd([python, "-m", "pip", "--version"]).assert_success()
    assert ctx.path("two", "lib", f"python{SHORT}", "site-packages", "pip", "__init__.py").is_file()


def test_seeding_twice_from_the_cache_gives_working_pips(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE, "one").assert_success()
    result = ctx.run("venv", "-p", BASE, "two").assert_success()
    assert " + pip==" in result.stderr
    for name in ("one", "two"):
        ctx.run_cmd([ctx.path(name, "bin", "pip"), "--version"]).assert_success()


def test_a_stray_script_in_the_way_is_replaced_by_pip_s_own(ctx: TestContext) -> None:
    ctx.run("venv", "-p", BASE, "warm").assert_success()  # pip unpacked in the cache
    ctx.run("venv", "--without-pip", "-p", BASE, "env").assert_success()
    ctx.write("env/bin/pip3", "#!/bin/sh\necho not-pip\n")
    result = ctx.run("venv", "-p", BASE, "env").assert_success()
    assert " + pip==" in result.stderr
    assert "not-pip" not in ctx.path("env", "bin", "pip3").read_text()
    ctx.run_cmd([ctx.path("env", "bin", "pip3"), "--version"]).assert_success()


def _seeded_into(cache: Path) -> bool:
    return any(cache.glob("archives-v1/*/*/*/manifest.json"))


def test_the_cache_is_the_one_pip_commands_use(ctx: TestContext) -> None:
    ctx.env.pop("PIPCOMPAT_CACHE_DIR")
    ctx.write("pip.conf", f"[global]\ncache-dir = {ctx.path('from-conf')}\n")
    ctx.run("venv", "-p", BASE, "a", env={"PIP_CONFIG_FILE": str(ctx.path("pip.conf"))}).assert_success()
    assert _seeded_into(ctx.path("from-conf"))
    ctx.run("venv", "-p", BASE, "b", env={"PIP_CACHE_DIR": str(ctx.path("from-env"))}).assert_success()
    assert _seeded_into(ctx.path("from-env"))
    # pipcompat's own variable comes before pip's, and the command line before both.
    both = {"PIP_CACHE_DIR": str(ctx.path("pip-var")), "PIPCOMPAT_CACHE_DIR": str(ctx.path("own-var"))}
    ctx.run("venv", "-p", BASE, "c", env=both).assert_success()
    assert _seeded_into(ctx.path("own-var")) and not ctx.path("pip-var").exists()
    ctx.run("venv", "-p", BASE, "--cache-dir", ctx.path("option"), "d", env=both).assert_success()
    assert _seeded_into(ctx.path("option"))
    settings = ctx.run("venv", "--show-settings", env={"PIP_CACHE_DIR": str(ctx.path("x"))}).assert_success()
    assert "# PIP_CACHE_DIR" in settings.stdout
