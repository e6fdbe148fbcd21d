"""The index client against the real PyPI (JSON, PEP 658, range requests): a few smoke tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.index import IndexClient

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("clean_pip_env")]


def test_pypi_pages_metadata_and_cache(tmp_path: Path) -> None:
    def make(**options: object) -> IndexClient:
        return IndexClient(
            index_urls=["https://pypi.org/simple"],
            cache=Cache(tmp_path / "cache"),
            environ={"HOME": str(tmp_path)},
            **options,  # type: ignore[arg-type]
        )

    with make() as client:
        client.prefetch(["six", "botocore"])
        links = client.links("six")
        assert len(client.links("botocore")) > 1000
        wheel = next(link for link in links if link.filename == "six-1.16.0-py2.py3-none-any.whl")
        assert wheel.hashes["sha256"] and wheel.requires_python
        assert b"Version: 1.16.0" in client.metadata(wheel)
    with make(offline=True) as client:
        assert client.links("six") == links
        assert b"Name: six" in client.metadata(wheel)
