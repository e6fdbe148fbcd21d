"""Shared fixtures: built dists, a local index server, a subprocess ``TestContext``, a clean pip env.

Markers (``slow``, ``network``, ``integration``) are declared in the project configuration, not here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.context import TestContext, is_leaky, isolation_env
from tests.support.index_server import IndexServerFactory, download_wheels
from tests.support.packages import DistFactory


@pytest.fixture
def make_dists(tmp_path_factory: pytest.TempPathFactory) -> DistFactory:
    """Build ``PackageSpec``s into a directory: ``make_dists([spec, ...]) -> Path``."""
    return DistFactory(tmp_path_factory.mktemp)


@pytest.fixture
def package_builder(make_dists: DistFactory) -> DistFactory:
    """Alias of ``make_dists``."""
    return make_dists


@pytest.fixture
def index_server(make_dists: DistFactory) -> Iterator[IndexServerFactory]:
    """Start local simple indexes: ``index_server([spec, ...], auth=("u", "p"), ...) -> IndexServer``."""
    factory = IndexServerFactory(make_dists)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def ctx(tmp_path: Path) -> TestContext:
    """A ``TestContext`` sandbox running ``python -m pipcompat`` in a clean environment."""
    return TestContext(tmp_path / "ctx")


@pytest.fixture
def dist_info_site(ctx: TestContext) -> Path:
    """A directory holding hand-made ``alpha 1.0`` and ``beta 2.0`` ``.dist-info`` entries: ``pip freeze
    --path`` and ``pip list --path`` read it, so no environment has to be built."""
    root = ctx.temp_dir / "site"
    for name, version in (("alpha", "1.0"), ("beta", "2.0")):
        info = root / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return root


@pytest.fixture
def clean_pip_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """For in-process tests: drop ``PIP_*``/``PIPCOMPAT_*``/``VIRTUAL_ENV``/``CONDA_PREFIX``, set
    ``PIP_CONFIG_FILE=os.devnull`` and point HOME, XDG dirs and the cache into ``tmp_path``.

    Returns the variables it set.
    """
    for key in list(os.environ):
        if is_leaky(key):
            monkeypatch.delenv(key, raising=False)
    env = isolation_env(tmp_path / "clean-env")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(scope="session")
def setuptools_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A setuptools wheel (>= 70.1: builds and PEP 660 without ``wheel``) for isolated builds served by a
    test index, downloaded once per session by the real pip; the test is skipped when none can be had."""
    dest = tmp_path_factory.mktemp("setuptools-wheels")
    error = download_wheels(dest, ["setuptools>=70.1"])
    if error is not None or not list(dest.glob("setuptools-*.whl")):
        pytest.skip(f"no setuptools wheel could be downloaded:\n{error}")
    return dest
