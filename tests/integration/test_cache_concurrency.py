"""Several pipcompat processes sharing one cache at once: nobody fails, and the cache stays whole."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.cache.manage import iter_entries
from tests.support.context import TestContext
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=["lib>=1", "util"]),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0", deps=["util>=1"]),
    PackageSpec("util", "1.0"),
    PackageSpec("util", "1.1"),
]

PROCESSES = 4


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def start(ctx: TestContext, *args: str | os.PathLike[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ctx.command(*args),
        cwd=ctx.temp_dir,
        env=ctx.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append((proc.returncode, out, err))
    return results


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def assert_cache_is_whole(cache_dir: Path) -> int:
    """Every unpacked wheel matches its manifest; no temporary leftovers; no partial entries.

    Returns the number of unpacked wheels checked.
    """
    leftovers = [
        Path(d, name)
        for d, dirs, files in os.walk(cache_dir)
        for name in (*dirs, *files)
        if name.endswith((".tmp", ".part", ".bad"))
    ]
    assert leftovers == []
    checked = 0
    for entry in iter_entries(Cache(cache_dir).bucket("archives")):
        manifest_path = entry / "manifest.json"
        if not manifest_path.exists():
            assert (entry / "files").is_dir(), f"partial entry {entry}"
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        tree = entry / "tree"
        listed = set()
        for path, digest, size, _executable in manifest["files"]:
            data = (tree / path).read_bytes()
            assert len(data) == size, path
            assert record_hash(data) == digest, path
            listed.add(path)
        on_disk = {
            Path(d, f).relative_to(tree).as_posix() for d, _dirs, files in os.walk(tree) for f in files
        }
        assert on_disk == listed, entry
        checked += 1
    for entry in iter_entries(Cache(cache_dir).bucket("metadata")):
        assert entry.read_bytes().startswith(b"Metadata-Version:"), entry
    return checked


@pytest.mark.slow
def test_concurrent_compiles_share_one_cache(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    args = (
        "pip",
        "compile",
        "--no-config",
        "-q",
        "--no-header",
        "-i",
        server.url,
        "-o",
        "-",
        "requirements.in",
    )
    results = finish([start(ctx, *args) for _ in range(PROCESSES)])
    assert [code for code, _out, _err in results] == [0] * PROCESSES, results
    outputs = {out for _code, out, _err in results}
    assert len(outputs) == 1
    assert "lib==2.0" in outputs.pop()
    assert_cache_is_whole(ctx.cache_dir)
    # and the cache serves the next run, offline from the index's point of view for pages it keeps
    again = ctx.run(*args).assert_success()
    assert "lib==2.0" in again.stdout


@pytest.mark.slow
def test_concurrent_venvs_unpack_the_same_wheels_once(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    compile_args = ("pip", "compile", "--no-config", "-q", "-i", server.url, "-o", "-", "requirements.in")
    procs = [start(ctx, "venv", f"env{i}") for i in range(PROCESSES)]
    procs += [start(ctx, *compile_args) for _ in range(2)]
    results = finish(procs)
    assert [code for code, _out, _err in results] == [0] * len(procs), results
    assert (
        assert_cache_is_whole(ctx.cache_dir)
        + sum(1 for e in iter_entries(Cache(ctx.cache_dir).bucket("archives")) if (e / "files").is_dir())
        >= 1
    )
    for i in range(PROCESSES):
        python = ctx.path(f"env{i}", "bin", "python")
        ctx.run_cmd([python, "-m", "pip", "--version"]).assert_success()
    # the same wheel is unpacked once: every environment's pip is a link to the same cached files
    inodes = {
        os.stat(next(ctx.path(f"env{i}").glob("lib/python*/site-packages/pip/__init__.py"))).st_ino
        for i in range(PROCESSES)
    }
    assert len(inodes) == 1


HOLD_SHARED = """
import sys, time
from pathlib import Path
from pipcompat.cache import open_cache
with open_cache(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.mark.slow
def test_clean_waits_for_a_command_using_the_cache(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", "app\n")
    ctx.run(
        "pip", "compile", "--no-config", "-q", "-i", server.url, "-o", "-", "requirements.in"
    ).assert_success()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SHARED, str(ctx.cache_dir), "2"],
        env={**ctx.env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        started = time.monotonic()
        result = ctx.run("cache", "clean").assert_success()
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert "Cache is currently in use, waiting for other pipcompat processes to finish" in result.stderr
    assert waited >= 1.0
    assert holder.returncode == 0
    assert "Removed " in result.stderr


@pytest.mark.slow
def test_prune_alongside_running_compiles_leaves_a_working_cache(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("requirements.in", "app\n")
    args = ("pip", "compile", "--no-config", "-q", "-i", server.url, "-o", "-", "requirements.in")
    procs = [start(ctx, *args) for _ in range(PROCESSES)]
    prunes = [start(ctx, "cache", "prune") for _ in range(2)]
    results = finish(procs + prunes)
    assert [code for code, _out, _err in results] == [0] * (PROCESSES + 2), results
    final_prune = ctx.run("cache", "prune").assert_success()
    assert "Pruning cache at" in final_prune.stderr
    assert_cache_is_whole(ctx.cache_dir)
    ctx.run(*args).assert_success()
