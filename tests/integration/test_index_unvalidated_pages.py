"""Pages from a server that sends no validators and no freshness (like the PyPI mirror these machines see)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.index import IndexClient


class _Bare(BaseHTTPRequestHandler):
    """Serves one JSON project page with nothing but ``Content-Type`` and ``Content-Length``."""

    version: str = "1.0"
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        page = {
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "files": [
                {
                    "filename": f"demo-{self.version}-py3-none-any.whl",
                    "url": f"/files/demo-{self.version}-py3-none-any.whl",
                    "hashes": {},
                }
            ],
        }
        body = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bare_index() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bare)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def _entries(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_an_unchanged_page_without_validators_is_downloaded_again_but_not_rewritten(
    bare_index: str, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    _Bare.version, _Bare.hits = "1.0", 0
    with IndexClient(index_urls=[bare_index], cache=cache) as client:
        assert [link.filename for link in client.links("demo")] == ["demo-1.0-py3-none-any.whl"]
    written = _entries(tmp_path / "cache")
    with IndexClient(index_urls=[bare_index], cache=cache) as client:
        assert [link.filename for link in client.links("demo")] == ["demo-1.0-py3-none-any.whl"]
    assert _Bare.hits == 2  # nothing allows reusing it unasked
    assert _entries(tmp_path / "cache") == written

    _Bare.version = "2.0"
    with IndexClient(index_urls=[bare_index], cache=cache) as client:
        assert [link.filename for link in client.links("demo")] == ["demo-2.0-py3-none-any.whl"]
    with IndexClient(index_urls=[bare_index], cache=cache, offline=True) as client:
        assert [link.filename for link in client.links("demo")] == ["demo-2.0-py3-none-any.whl"]


def test_what_was_derived_from_a_page_is_found_again_only_while_its_bytes_are_unchanged(
    bare_index: str, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    _Bare.version = "1.0"
    with IndexClient(index_urls=[bare_index], cache=cache) as client:
        client.links("demo")
        assert client.derived("demo", "evaluation") is None
        client.store_derived("demo", "evaluation", b"judged 1.0")
    # the page and what was derived from it: nothing else is written for a page
    assert len(list(cache.bucket("http").iterdir())) == 2
    with IndexClient(index_urls=[bare_index], cache=cache) as client:
        client.links("demo")
        assert client.derived("demo", "evaluation") == b"judged 1.0"
    _Bare.version = "2.0"
    with IndexClient(index_urls=[bare_index], cache=cache) as client:
        assert [link.filename for link in client.links("demo")] == ["demo-2.0-py3-none-any.whl"]
        assert client.derived("demo", "evaluation") is None
