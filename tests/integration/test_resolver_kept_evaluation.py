"""A warm resolve reuses its evaluation of unchanged project pages, and never a stale or foreign one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipcompat.cache import Cache
from pipcompat.errors import PipcompatError
from pipcompat.index import IndexClient
from pipcompat.resolver import Resolution, ResolveOptions, RootRequirement, resolve, synthetic_target
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

SPECS = [
    PackageSpec("app", "1.0", deps=["core>=1"]),
    PackageSpec("core", "1.0"),
    PackageSpec("core", "1.1", tags=["py3-none-any", "cp311-cp311-manylinux_2_17_x86_64"]),
    PackageSpec("core", "2.0", requires_python=">=3.12"),
    PackageSpec("core", "2.1", tags=[]),  # an sdist only
]


def _resolve(server: IndexServer, cache_dir: Path, env: dict[str, str], **options: Any) -> Resolution:
    python = options.pop("python", "3.11")
    roots = [RootRequirement.parse(options.pop("root", "app"), "-r requirements.in")]
    with IndexClient(index_urls=[server.url], cache=Cache(cache_dir), environ=env) as client:
        return resolve(
            roots,
            client,
            ResolveOptions(target=synthetic_target(python, "linux"), index_urls=(server.url,), **options),
        )


def _files(result: Resolution) -> dict[str, tuple[Any, ...]]:
    return {package.name: (package.version, package.link, package.links) for package in result.packages}


def test_a_warm_resolve_over_unchanged_pages_gives_the_same_files(
    index_server: IndexServerFactory, tmp_path: Path, clean_pip_env: dict[str, str]
) -> None:
    server = index_server(SPECS)
    cold = _resolve(server, tmp_path / "cache", clean_pip_env, only_binary=frozenset({":all:"}))
    warm = _resolve(server, tmp_path / "cache", clean_pip_env, only_binary=frozenset({":all:"}))
    assert cold.pins() == warm.pins() == {"app": "1.0", "core": "1.1"}
    assert _files(warm) == _files(cold)
    assert warm["core"].link.filename == "core-1.1-cp311-cp311-manylinux_2_17_x86_64.whl"
    assert warm["core"].link.hashes == cold["core"].link.hashes != {}


def test_a_page_that_changed_is_judged_again(
    index_server: IndexServerFactory, tmp_path: Path, clean_pip_env: dict[str, str]
) -> None:
    server = index_server(SPECS)
    binary = {"only_binary": frozenset({":all:"})}
    assert _resolve(server, tmp_path / "cache", clean_pip_env, **binary).pins()["core"] == "1.1"
    for filename in ("core-1.1-py3-none-any.whl", "core-1.1-cp311-cp311-manylinux_2_17_x86_64.whl"):
        server.yank(filename)
    assert _resolve(server, tmp_path / "cache", clean_pip_env, **binary).pins()["core"] == "1.0"


def test_another_target_or_format_rule_over_the_same_pages_is_judged_for_itself(
    index_server: IndexServerFactory, tmp_path: Path, clean_pip_env: dict[str, str]
) -> None:
    server = index_server(SPECS)
    cache = tmp_path / "cache"
    binary = {"only_binary": frozenset({":all:"})}
    assert _resolve(server, cache, clean_pip_env, **binary).pins()["core"] == "1.1"
    assert _resolve(server, cache, clean_pip_env, python="3.12", **binary).pins()["core"] == "2.0"
    assert _resolve(server, cache, clean_pip_env, **binary).pins()["core"] == "1.1"
    with pytest.raises(PipcompatError, match=r"core-2\.1\.tar\.gz"):  # sdists allowed: 2.1 is a candidate
        _resolve(server, cache, clean_pip_env, only_binary=frozenset({"app"}))
    assert _resolve(server, cache, clean_pip_env, ignore_requires_python=True, **binary).pins()["core"] == (
        "2.0"
    )


def test_a_warm_resolve_asks_at_once_for_the_pages_the_last_one_needed_without_changing_its_result(
    index_server: IndexServerFactory, tmp_path: Path, clean_pip_env: dict[str, str]
) -> None:
    server = index_server(
        [PackageSpec("app", "1.0", deps=["core>=1"]), PackageSpec("app", "2.0"), *SPECS[1:]]
    )
    cache = tmp_path / "cache"
    binary = {"only_binary": frozenset({":all:"})}
    assert _resolve(server, cache, clean_pip_env, root="app<2", **binary).pins() == {
        "app": "1.0",
        "core": "1.1",
    }
    server.clear_log()
    assert _resolve(server, tmp_path / "other", clean_pip_env, root="app>=2", **binary).pins() == {
        "app": "2.0"
    }
    assert "/simple/core/" not in server.paths()
    # The same root project again: core's page is asked for at once (last run's note), yet not used.
    assert _resolve(server, cache, clean_pip_env, root="app>=2", **binary).pins() == {"app": "2.0"}
    assert "/simple/core/" in server.paths()
