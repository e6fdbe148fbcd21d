"""``pipcompat cache dir|clean|prune`` and ``pipcompat pip cache …`` as a user runs them, on a real cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipcompat.cache import BUCKET_VERSIONS, Bucket, Cache
from pipcompat.cache.manage import entry_projects, iter_entries
from tests.support.context import TestContext
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=["lib>=1"]),
    PackageSpec("lib", "1.0"),
    PackageSpec("other", "1.0"),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def fill_cache(ctx: TestContext, server: IndexServer, *names: str) -> None:
    """Resolve *names* through the index: pages and metadata land in the cache."""
    ctx.write("requirements.in", "\n".join(names) + "\n")
    ctx.run(
        "pip", "compile", "--no-config", "-q", "-i", server.url, "-o", "-", "requirements.in"
    ).assert_success()


def projects_in(cache_dir: Path) -> set[str]:
    cache = Cache(cache_dir)
    found: set[str] = set()
    buckets: tuple[Bucket, ...] = ("http", "metadata", "archives")
    for bucket in buckets:
        for entry in iter_entries(cache.bucket(bucket)):
            found |= entry_projects(bucket, entry)
    return found


def files_under(path: Path) -> list[Path]:
    return [Path(d, f) for d, _dirs, names in os.walk(path) for f in names]


# -- pipcompat cache dir --------------------------------------------------------------------------------
def test_cache_dir_prints_pipcompat_cache_dir(ctx: TestContext) -> None:
    result = ctx.run("cache", "dir").assert_success()
    assert result.stdout == f"{ctx.cache_dir}\n"


def test_cache_dir_option_beats_the_environment(ctx: TestContext) -> None:
    result = ctx.run("cache", "dir", "--cache-dir", ctx.path("elsewhere")).assert_success()
    assert result.stdout == f"{ctx.path('elsewhere')}\n"


def test_pip_cache_dir_variable_is_used_when_pipcompat_names_none(ctx: TestContext) -> None:
    result = ctx.run(
        "cache", "dir", env={"PIPCOMPAT_CACHE_DIR": None, "PIP_CACHE_DIR": str(ctx.path("pip-cache"))}
    ).assert_success()
    assert result.stdout == f"{ctx.path('pip-cache')}\n"


def test_pipcompat_cache_dir_beats_pip_cache_dir(ctx: TestContext) -> None:
    result = ctx.run("cache", "dir", env={"PIP_CACHE_DIR": str(ctx.path("pip-cache"))}).assert_success()
    assert result.stdout == f"{ctx.cache_dir}\n"


def test_default_cache_is_under_the_user_cache_directory(ctx: TestContext) -> None:
    result = ctx.run("cache", "dir", env={"PIPCOMPAT_CACHE_DIR": None}).assert_success()
    assert result.stdout == f"{ctx.home / '.cache' / 'pipcompat'}\n"


def test_pip_conf_cache_dir_is_used(ctx: TestContext) -> None:
    conf = ctx.write("pip.conf", f"[global]\ncache-dir = {ctx.path('from-conf')}\n")
    result = ctx.run(
        "cache", "dir", env={"PIPCOMPAT_CACHE_DIR": None, "PIP_CONFIG_FILE": str(conf)}
    ).assert_success()
    assert result.stdout == f"{ctx.path('from-conf')}\n"


def test_pip_cache_dir_agrees_with_pipcompat_cache_dir(ctx: TestContext) -> None:
    env = {"PIPCOMPAT_CACHE_DIR": None, "PIP_CACHE_DIR": str(ctx.path("shared"))}
    ours = ctx.run("cache", "dir", env=env).assert_success().stdout
    pips = ctx.run("pip", "cache", "dir", env=env).assert_success().stdout
    assert ours == pips == f"{ctx.path('shared')}\n"


def test_unknown_cache_command_is_a_usage_error(ctx: TestContext) -> None:
    result = ctx.run("cache", "sweep").assert_failure(2)
    assert "unknown cache command 'sweep'" in result.stderr
    assert "dir, clean, prune" in result.stderr


def test_cache_without_a_command_is_a_usage_error(ctx: TestContext) -> None:
    result = ctx.run("cache").assert_failure(2)
    assert "a command is required" in result.stderr


def test_top_level_help_lists_cache(ctx: TestContext) -> None:
    assert "cache" in ctx.run("--help").assert_success().stdout


# -- pipcompat cache clean ------------------------------------------------------------------------------
def test_clean_removes_everything_and_says_how_much(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app")
    assert files_under(ctx.cache_dir)
    result = ctx.run("cache", "clean").assert_success()
    assert result.stderr.startswith(f"Clearing cache at: {ctx.cache_dir}\nRemoved ")
    assert " files (" in result.stderr
    assert [p.name for p in files_under(ctx.cache_dir)] in ([], [".lock"])


def test_clean_of_an_empty_cache_says_so(ctx: TestContext) -> None:
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    result = ctx.run("cache", "clean").assert_success()
    assert result.stderr == f"Clearing cache at: {ctx.cache_dir}\nNo cache entries found\n"


def test_clean_of_a_missing_cache_says_so(ctx: TestContext) -> None:
    result = ctx.run("cache", "clean", "--cache-dir", ctx.path("nothing-here")).assert_success()
    assert result.stderr == f"No cache found at: {ctx.path('nothing-here')}\n"


def test_clean_one_package_leaves_the_others(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app", "other")
    assert {"app", "lib", "other"} <= projects_in(ctx.cache_dir)
    result = ctx.run("cache", "clean", "Other").assert_success()
    assert result.stderr.startswith("Removed ")
    assert " for Other (" in result.stderr
    remaining = projects_in(ctx.cache_dir)
    assert "other" not in remaining
    assert {"app", "lib"} <= remaining


def test_clean_an_unknown_package_warns(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app")
    result = ctx.run("cache", "clean", "nope").assert_success()
    assert result.stderr == "warning: No cache entries found for nope\n"


def test_clean_verbose_names_each_removed_entry(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "lib")
    result = ctx.run("cache", "clean", "lib", "-v").assert_success()
    removed = [line for line in result.stderr.splitlines() if line.startswith(f"Removed {ctx.cache_dir}")]
    assert removed
    assert all(not Path(line.removeprefix("Removed ")).exists() for line in removed)


def test_a_cleaned_cache_still_works(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app")
    ctx.run("cache", "clean", "lib").assert_success()
    fill_cache(ctx, server, "app")
    assert "lib" in projects_in(ctx.cache_dir)


def make_leftovers(cache_dir: Path) -> list[Path]:
    """Things a crashed or older pipcompat leaves behind, and one entry that must survive."""
    cache = Cache(cache_dir)
    old_bucket = cache_dir / f"archives-v{BUCKET_VERSIONS['archives'] - 1}" / "ab" / "cd" / "abcd"
    old_bucket.mkdir(parents=True)
    (old_bucket / "file.py").write_text("x = 1\n")
    temp_dir = cache.entry("archives", "ef01" + "0" * 28).parent / ".ef01.x1y2.tmp"
    temp_dir.mkdir(parents=True)
    (temp_dir / "half.py").write_text("half\n")
    temp_file = cache.entry("metadata", "1234" + "0" * 28).parent / ".1234.abc.tmp"
    temp_file.parent.mkdir(parents=True, exist_ok=True)
    temp_file.write_bytes(b"partial")
    partial = cache.entry("archives", "5678" + "0" * 28)
    (partial / "tree").mkdir(parents=True)
    (partial / "tree" / "mod.py").write_text("")
    orphan_lock = Path(str(cache.entry("archives", "9abc" + "0" * 28)) + ".lock")
    orphan_lock.parent.mkdir(parents=True, exist_ok=True)
    orphan_lock.write_bytes(b"")
    return [old_bucket.parents[2], temp_dir, temp_file, partial, orphan_lock]


def test_prune_removes_old_buckets_and_leftovers(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app")
    before = projects_in(ctx.cache_dir)
    leftovers = make_leftovers(ctx.cache_dir)
    result = ctx.run("cache", "prune").assert_success()
    lines = result.stderr.splitlines()
    assert lines[0] == f"Pruning cache at: {ctx.cache_dir}"
    assert lines[1].startswith("Removed 5 files (")
    assert not any(path.exists() for path in leftovers)
    assert projects_in(ctx.cache_dir) == before
    assert not [p for p in files_under(ctx.cache_dir) if p.name.endswith((".tmp", ".part"))]


def test_prune_of_a_tidy_cache_finds_nothing(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app")
    result = ctx.run("cache", "prune").assert_success()
    assert result.stderr == f"Pruning cache at: {ctx.cache_dir}\nNo unused entries found\n"


def test_prune_keeps_buckets_of_a_newer_pipcompat(ctx: TestContext) -> None:
    newer = ctx.cache_dir / f"archives-v{BUCKET_VERSIONS['archives'] + 1}"
    newer.mkdir(parents=True)
    (newer / "keep").write_text("")
    ctx.run("cache", "prune").assert_success()
    assert (newer / "keep").exists()


def test_prune_removes_probes_of_interpreters_that_are_gone(ctx: TestContext) -> None:
    cache = Cache(ctx.cache_dir)
    probe = cache.entry("interpreters", "feed" + "0" * 28).with_suffix(".json")
    probe.parent.mkdir(parents=True)
    probe.write_text(json.dumps({"executable": str(ctx.path("gone", "python"))}))
    result = ctx.run("cache", "prune").assert_success()
    assert "Removed 1 file (" in result.stderr
    assert not probe.exists()


# -- pipcompat pip cache --------------------------------------------------------------------------------
@pytest.fixture
def seeded(ctx: TestContext) -> TestContext:
    """A cache holding the wheels ``pipcompat venv`` seeds (pip, and setuptools on older Pythons)."""
    ctx.run("venv", "seeded-env").assert_success()
    return ctx


def test_pip_cache_info_has_pips_shape(seeded: TestContext) -> None:
    lines = seeded.run("pip", "cache", "info").assert_success().stdout.splitlines()
    cache_dir = seeded.cache_dir
    assert lines[0] == f"Package index page cache location (pip v23.3+): {cache_dir / 'http-v2'}"
    assert lines[1].startswith("Package index page cache size: ")
    assert lines[2] == "Number of HTTP files: 0"
    assert f"Unpacked wheels location: {cache_dir / 'archives-v1'}" in lines
    assert any(line.startswith("Unpacked wheels size: ") and line.endswith(" MB") for line in lines)
    assert lines[-3:] == [
        f"Locally built wheels location: {cache_dir / 'built-v1'}",
        "Locally built wheels size: 0 bytes",
        "Number of locally built wheels: 0",
    ]


def test_pip_cache_list_shows_cached_wheels_like_pip(seeded: TestContext) -> None:
    lines = seeded.run("pip", "cache", "list").assert_success().stdout.splitlines()
    assert lines[:2] == ["Cache contents:", ""]
    assert any(line.startswith(" - pip-") and line.endswith(" MB)") and ".whl (" in line for line in lines)
    assert lines[2:] == sorted(lines[2:])


def test_pip_cache_list_pattern_and_abspath(seeded: TestContext) -> None:
    named = seeded.run("pip", "cache", "list", "pip").assert_success().stdout.splitlines()
    assert len(named) == 3 and named[2].startswith(" - pip-")
    paths = seeded.run("pip", "cache", "list", "pip", "--format=abspath").assert_success().stdout.split()
    assert len(paths) == 1 and Path(paths[0]).is_dir()
    assert paths[0].startswith(str(seeded.cache_dir))


def test_pip_cache_list_of_nothing(ctx: TestContext) -> None:
    result = ctx.run("pip", "cache", "list").assert_success()
    assert result.stdout == "No locally built wheels cached.\n"
    assert ctx.run("pip", "cache", "list", "--format", "abspath").assert_success().stdout == ""


def test_pip_cache_remove_pattern(seeded: TestContext) -> None:
    result = seeded.run("pip", "cache", "remove", "pip").assert_success()
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Files removed: ") and lines[0].endswith(" MB)")
    assert lines[1].startswith("Directories removed: ")
    assert seeded.run("pip", "cache", "list", "pip").stdout == "No locally built wheels cached.\n"


def test_pip_cache_remove_without_a_match_warns(seeded: TestContext) -> None:
    result = seeded.run("pip", "cache", "remove", "nothing").assert_success()
    assert result.stderr == 'warning: No matching packages for pattern "nothing"\n'
    assert result.stdout == "Files removed: 0 (0 bytes)\nDirectories removed: 0\n"


def test_pip_cache_purge_empties_the_cache(seeded: TestContext, server: IndexServer) -> None:
    fill_cache(seeded, server, "app")
    seeded.run("pip", "cache", "purge").assert_success()
    assert [p.name for p in files_under(seeded.cache_dir)] in ([], [".lock"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Need an action (dir, info, list, purge, remove) to perform."),
        (("sweep",), "Need an action (dir, info, list, purge, remove) to perform."),
        (("dir", "x"), "Too many arguments"),
        (("info", "x"), "Too many arguments"),
        (("list", "a", "b"), "Too many arguments"),
        (("remove",), "Please provide a pattern"),
        (("purge", "x"), "Too many arguments"),
    ],
)
def test_pip_cache_errors_are_pips(ctx: TestContext, args: tuple[str, ...], message: str) -> None:
    result = ctx.run("pip", "cache", *args).assert_failure(1)
    assert result.stderr == f"error: {message}\n"


def test_pip_cache_with_the_cache_disabled_fails_as_pip(ctx: TestContext) -> None:
    result = ctx.run("pip", "--no-cache-dir", "cache", "dir").assert_failure(1)
    assert result.stderr == "error: pip cache commands can not function since cache is disabled.\n"
    pip = ctx.run_pip("--no-cache-dir", "cache", "dir").assert_failure(1)
    assert "pip cache commands can not function since cache is disabled." in pip.stderr


def test_prune_tidies_the_git_bucket_without_touching_repositories(ctx: TestContext) -> None:
    git_dir = ctx.cache_dir / f"git-v{BUCKET_VERSIONS['git']}"
    mirror = git_dir / "db" / "0123abcd"
    subprocess.run(["git", "init", "--bare", "--quiet", str(mirror)], check=True)
    (git_dir / "db" / "0123abcd.lock").write_text("")
    checkout = git_dir / "checkouts" / "0123abcd" / ("a" * 40)
    (checkout / "pkg").mkdir(parents=True)
    (checkout / "pkg" / "__init__.py").write_text("")
    (checkout / "empty-in-the-project").mkdir()
    # What a process killed while fetching a new repository or checking out a commit leaves behind:
    leftovers = [
        git_dir / "db" / ".feedbeef.x1y2.tmp",
        git_dir / "db" / "feedbeef.lock",
        git_dir / "checkouts" / "0123abcd" / f".{'b' * 40}.z9.tmp",
    ]
    for path in leftovers:
        if path.suffix == ".lock":
            path.write_text("")
        else:
            (path / "sub").mkdir(parents=True)
    leftovers.append(git_dir / "checkouts" / "deadbeef")  # a repository whose only checkout failed
    leftovers[-1].mkdir()
    ctx.run("cache", "prune").assert_success()
    assert [path for path in leftovers if path.exists()] == []
    # The repository keeps git's own empty directories and still is one; the checkout is whole.
    assert (mirror / "refs" / "tags").is_dir()
    done = subprocess.run(
        ["git", "-C", str(mirror), "rev-parse", "--is-bare-repository"], capture_output=True, check=True
    )
    assert done.stdout.strip() == b"true"
    assert (checkout / "empty-in-the-project").is_dir()
    assert (git_dir / "db" / "0123abcd.lock").exists()


def test_prune_keeps_a_remembered_audit_while_its_probe_stays(ctx: TestContext) -> None:
    cache = Cache(ctx.cache_dir)
    live_probe = cache.entry("interpreters", "beef" + "0" * 28).with_suffix(".json")
    live_probe.parent.mkdir(parents=True)
    live_probe.write_text(json.dumps({"executable": sys.executable}))
    live_audit = live_probe.with_suffix(".audit")
    live_audit.write_text("{}")
    orphan_audit = cache.entry("interpreters", "cafe" + "0" * 28).with_suffix(".audit")
    orphan_audit.parent.mkdir(parents=True)
    orphan_audit.write_text("{}")
    ctx.run("cache", "prune").assert_success()
    assert live_probe.exists()
    assert live_audit.exists()
    assert not orphan_audit.exists()


def test_prune_removes_index_entries_not_written_for_a_month(ctx: TestContext, server: IndexServer) -> None:
    fill_cache(ctx, server, "app")
    entries = sorted(iter_entries(ctx.cache_dir / f"http-v{BUCKET_VERSIONS['http']}"))
    assert len(entries) >= 2
    old, recent = entries[: len(entries) // 2], entries[len(entries) // 2 :]
    month_ago = time.time() - 31 * 86400
    for entry in old:
        os.utime(entry, (month_ago, month_ago))
    result = ctx.run("cache", "prune").assert_success()
    assert result.stderr.splitlines()[1].startswith(f"Removed {len(old)} file")
    assert not any(entry.exists() for entry in old)
    assert all(entry.exists() for entry in recent)
    fill_cache(ctx, server, "app")  # what is needed again is fetched again


def test_index_entries_sit_in_one_directory_and_the_sharded_buckets_before_them_are_pruned(
    ctx: TestContext, server: IndexServer
) -> None:
    fill_cache(ctx, server, "app")
    cache = Cache(ctx.cache_dir)
    for bucket in ("http", "metadata"):
        bucket_dir = cache.bucket(bucket)
        entries = list(iter_entries(bucket_dir))
        assert entries and all(entry.parent == bucket_dir and entry.is_file() for entry in entries)
    sharded_page = ctx.cache_dir / "http-v1" / "ab" / "cd" / ("abcd" + "0" * 28)
    sharded_page.parent.mkdir(parents=True)
    sharded_page.write_bytes(b"{}\n")
    orphan_lock = Path(str(cache.entry("metadata", "9abc" + "0" * 28)) + ".lock")
    orphan_lock.write_bytes(b"")
    before = projects_in(ctx.cache_dir)
    result = ctx.run("cache", "prune").assert_success()
    assert result.stderr.splitlines()[1].startswith("Removed 2 files (")
    assert not (ctx.cache_dir / "http-v1").exists() and not orphan_lock.exists()
    assert projects_in(ctx.cache_dir) == before
