"""The index client against real local servers and file trees: pages, metadata, cache, auth, faults."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.index import (
    AuthenticationError,
    HashMismatchError,
    IndexClient,
    IndexPageError,
    IndexReporter,
    NetworkError,
    OfflineError,
    SourceBuildUnavailable,
)
from pipcompat.models import Link
from pipcompat.settings import CommandSettings
from tests.support.index_server import (
    IndexServer,
    IndexServerFactory,
    write_file_index,
    write_find_links_page,
)
from tests.support.packages import DistFactory, PackageSpec

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_pip_env")]

SPECS = [
    PackageSpec("alpha", "1.0", deps=["beta>=1"], requires_python=">=3.8"),
    PackageSpec("alpha", "2.0", deps=["beta>=2"], yanked="broken build"),
    PackageSpec("beta", "1.0"),
    PackageSpec("beta", "2.0", sdist=False),
    PackageSpec("Gamma.Delta", "0.1", wheel=False),
]
PASSWORD = "s3cr3t-pw"


class Recorder(IndexReporter):
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def client(server_or_urls: IndexServer | list[str], tmp_path: Path, **options: object) -> IndexClient:
    urls = [server_or_urls.url] if isinstance(server_or_urls, IndexServer) else server_or_urls
    options.setdefault("cache", Cache(tmp_path / "cache"))
    options.setdefault("environ", {"HOME": str(tmp_path / "home")})
    options.setdefault("retries", 0)
    return IndexClient(index_urls=urls, **options)  # type: ignore[arg-type]


def by_name(links: list[Link]) -> dict[str, Link]:
    return {link.filename: link for link in links}


# -------------------------------------------------------------------------------------------- pages


def test_json_page_gives_hashes_yanked_requires_python_metadata_and_upload_times(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, upload_times={"alpha-1.0-py3-none-any.whl": "2023-05-06T07:08:09Z"})
    with client(server, tmp_path) as c:
        links = by_name(c.links("alpha"))
    assert set(links) == {
        "alpha-1.0-py3-none-any.whl",
        "alpha-1.0.tar.gz",
        "alpha-2.0-py3-none-any.whl",
        "alpha-2.0.tar.gz",
    }
    wheel = links["alpha-1.0-py3-none-any.whl"]
    dist = server.dists()["alpha"][0]
    assert wheel.url == server.file_url(wheel.filename)
    assert wheel.index_url == server.url
    assert wheel.hashes == {
        "sha256": next(d.sha256 for d in server.dists()["alpha"] if d.filename == wheel.filename)
    }
    assert wheel.requires_python == ">=3.8"
    assert wheel.yanked is None
    assert wheel.metadata_hashes is not None and "sha256" in wheel.metadata_hashes
    assert wheel.upload_time == "2023-05-06T07:08:09Z"
    assert wheel.size == (Path(server.dists_dir) / wheel.filename).stat().st_size
    assert links["alpha-2.0-py3-none-any.whl"].yanked == "broken build"
    assert links["alpha-1.0.tar.gz"].metadata_hashes is None
    assert dist.project == "alpha"
    accept = server.requests[0].headers["Accept"]
    assert accept.startswith("application/vnd.pypi.simple.v1+json")
    assert "text/html;q=0.01" in accept


def test_html_only_index_is_parsed_with_unescaped_requires_python(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, html_only=True)
    with client(server, tmp_path) as c:
        links = by_name(c.links("Alpha"))
    wheel = links["alpha-1.0-py3-none-any.whl"]
    assert wheel.requires_python == ">=3.8"
    assert wheel.hashes["sha256"]
    assert wheel.metadata_hashes is not None
    assert wheel.upload_time is None
    assert links["alpha-2.0-py3-none-any.whl"].yanked == "broken build"


def test_names_are_normalized_and_unknown_projects_are_empty(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        assert [link.filename for link in c.links("gamma_DELTA")] == ["gamma_delta-0.1.tar.gz"]
        assert c.links("no-such-project") == []
    assert "/simple/gamma-delta/" in server.paths()
    assert "/simple/no-such-project/" in server.paths()


def test_redirected_page_resolves_relative_links_against_the_final_url(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, html_only=True)
    with client([server.base_url + "/simple"], tmp_path) as c:
        page = c._fetch_project_page(server.url, server.base_url + "/simple/Gamma.Delta")
    assert [link.url for link in page.links()] == [server.file_url("gamma_delta-0.1.tar.gz")]


# ----------------------------------------------------------------------------------------- metadata


def test_metadata_uses_the_advertised_metadata_file_and_is_cached(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        wheel = by_name(c.links("alpha"))["alpha-1.0-py3-none-any.whl"]
        metadata = c.metadata(wheel)
    assert b"Name: alpha" in metadata and b"Requires-Dist: beta>=1" in metadata
    assert server.count("/files/alpha-1.0-py3-none-any.whl.metadata") == 1
    assert server.count("/files/alpha-1.0-py3-none-any.whl") == 0
    server.clear_log()
    with client(server, tmp_path) as again:
        assert again.metadata(wheel) == metadata
    assert server.request_count == 0


def test_unadvertised_metadata_comes_from_ranges_not_from_a_guessed_metadata_file(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, html_only=True, advertise_metadata=False)
    with client(server, tmp_path) as c:
        links = by_name(c.links("alpha") + c.links("beta"))
        assert links["alpha-1.0-py3-none-any.whl"].metadata_hashes is None
        assert b"Name: alpha" in c.metadata(links["alpha-1.0-py3-none-any.whl"])
        assert b"Name: beta" in c.metadata(links["beta-2.0-py3-none-any.whl"])
    files = [r for r in server.requests if r.path.startswith("/files/")]
    # one range request each: a small wheel's tail is the whole wheel
    assert [(r.path, r.status) for r in files] == [
        ("/files/alpha-1.0-py3-none-any.whl", 206),
        ("/files/beta-2.0-py3-none-any.whl", 206),
    ]


def test_range_requests_read_only_the_wheel_tail_when_no_metadata_file(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    big = {"alpha/data.bin": os.urandom(512 * 1024)}  # incompressible: the metadata is far from the end
    specs = [PackageSpec("alpha", "1.0", deps=["beta"], files=big, sdist=False), PackageSpec("beta", "1.0")]
    server = index_server(specs, advertise_metadata=False, serve_metadata=False)
    with client(server, tmp_path) as c:
        links = by_name(c.links("alpha") + c.links("beta"))
        assert b"Requires-Dist: beta" in c.metadata(links["alpha-1.0-py3-none-any.whl"])
        assert b"Name: beta" in c.metadata(links["beta-1.0-py3-none-any.whl"])
    wheel_requests = [r for r in server.requests if r.path.endswith(".whl")]
    assert all("Range" in r.headers for r in wheel_requests)
    assert all(r.status == 206 for r in wheel_requests)
    assert server.count("/files/alpha-1.0-py3-none-any.whl") <= 2
    assert server.count("/files/beta-1.0-py3-none-any.whl") == 1
    assert not [r for r in server.requests if r.path.endswith(".metadata")]


def test_metadata_file_is_tried_when_ranges_are_ignored(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, advertise_metadata=False, ranges=False)
    with client(server, tmp_path) as c:
        links = by_name(c.links("beta"))
        assert b"Version: 2.0" in c.metadata(links["beta-2.0-py3-none-any.whl"])
        assert b"Version: 1.0" in c.metadata(links["beta-1.0-py3-none-any.whl"])
    gets = [r for r in server.requests if r.path.startswith("/files/")]
    # one range probe for the host, then the metadata files: no whole wheel
    assert [(r.path, "Range" in r.headers) for r in gets] == [
        ("/files/beta-2.0-py3-none-any.whl", True),
        ("/files/beta-2.0-py3-none-any.whl.metadata", False),
        ("/files/beta-1.0-py3-none-any.whl.metadata", False),
    ]


def test_whole_wheel_is_downloaded_when_ranges_are_ignored(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, advertise_metadata=False, serve_metadata=False, ranges=False)
    with client(server, tmp_path) as c:
        links = by_name(c.links("beta"))
        assert b"Version: 2.0" in c.metadata(links["beta-2.0-py3-none-any.whl"])
        assert b"Version: 1.0" in c.metadata(links["beta-1.0-py3-none-any.whl"])
    gets = [r for r in server.requests if r.path.endswith(".whl")]
    # one range probe for the host, then plain downloads
    assert sum("Range" in r.headers for r in gets) == 1
    assert [r.status for r in gets if "Range" not in r.headers] == [200, 200]


def test_sdist_metadata_needs_a_build_that_is_not_available_yet(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        (sdist,) = c.links("gamma-delta")
        with pytest.raises(
            SourceBuildUnavailable, match="building source distributions is not available yet"
        ):
            c.metadata(sdist)


def test_wrong_metadata_hash_is_refused(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        wheel = by_name(c.links("beta"))["beta-1.0-py3-none-any.whl"]
        with pytest.raises(HashMismatchError, match=r"hash mismatch for the metadata of beta-1\.0"):
            c.metadata(replace(wheel, metadata_hashes={"sha256": "0" * 64}))


# --------------------------------------------------------------------------------------- HTTP cache


def test_second_fetch_revalidates_and_gets_304(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        first = c.links("alpha")
    server.clear_log()
    with client(server, tmp_path) as c:
        assert c.links("alpha") == first
    (request,) = server.requests
    assert request.headers.get("If-None-Match") and request.status == 304


def test_fresh_page_under_max_age_is_served_without_a_request(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, cache_control="max-age=600")
    with client(server, tmp_path) as c:
        first = c.links("alpha")
    server.clear_log()
    with client(server, tmp_path) as c:
        assert c.links("alpha") == first
    assert server.request_count == 0
    with client(server, tmp_path, refresh=True) as c:
        assert c.links("alpha") == first
    assert [r.status for r in server.requests] == [304]


def test_offline_serves_the_cache_and_never_the_network(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        links = by_name(c.links("alpha"))
        c.metadata(links["alpha-1.0-py3-none-any.whl"])
    server.clear_log()
    with client(server, tmp_path, offline=True) as c:
        assert by_name(c.links("alpha")) == links
        assert b"Name: alpha" in c.metadata(links["alpha-1.0-py3-none-any.whl"])
        with pytest.raises(OfflineError, match="not in the cache"):
            c.links("beta")
        with pytest.raises(OfflineError):
            c.metadata(links["alpha-2.0-py3-none-any.whl"])
    assert server.request_count == 0


def test_new_files_appear_after_revalidation(
    index_server: IndexServerFactory, make_dists: DistFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    with client(server, tmp_path) as c:
        assert len(c.links("beta")) == 3
    make_dists([PackageSpec("beta", "3.0", sdist=False)], server.dists_dir)
    with client(server, tmp_path) as c:
        assert "beta-3.0-py3-none-any.whl" in by_name(c.links("beta"))


# ------------------------------------------------------------------------------------- several indexes


def test_merged_indexes_warn_when_a_name_is_on_several(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    first = index_server([PackageSpec("beta", "1.0")])
    second = index_server([PackageSpec("beta", "9.0"), PackageSpec("alpha", "1.0")])
    reporter = Recorder()
    with client([first.url, second.url], tmp_path, reporter=reporter) as c:
        assert {link.filename for link in c.links("beta")} == {
            "beta-1.0-py3-none-any.whl",
            "beta-1.0.tar.gz",
            "beta-9.0-py3-none-any.whl",
            "beta-9.0.tar.gz",
        }
        assert {link.index_url for link in c.links("alpha")} == {second.url}
    assert len(reporter.warnings) == 1
    assert "beta is found on more than one index" in reporter.warnings[0]


def test_first_index_strategy_takes_only_the_first_index_with_the_name(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    first = index_server([PackageSpec("beta", "1.0")])
    second = index_server([PackageSpec("beta", "9.0"), PackageSpec("alpha", "1.0")])
    reporter = Recorder()
    with client([first.url, second.url], tmp_path, index_strategy="first-index", reporter=reporter) as c:
        assert {link.index_url for link in c.links("beta")} == {first.url}
        assert {link.index_url for link in c.links("alpha")} == {second.url}
    assert second.count("/simple/beta/") == 0
    assert reporter.warnings == []


# ---------------------------------------------------------------------------- file indexes, find-links


def test_file_index_reads_index_html_per_project(make_dists: DistFactory, tmp_path: Path) -> None:
    dists = make_dists(SPECS)
    url = write_file_index(dists, tmp_path / "tree")
    (tmp_path / "tree" / "simple" / "empty").mkdir()  # no index.html: nothing there, as with pip
    with client([url], tmp_path) as c:
        links = by_name(c.links("alpha"))
        assert links["alpha-1.0-py3-none-any.whl"].url.startswith("file://")
        assert links["alpha-2.0-py3-none-any.whl"].yanked is None
        assert b"Requires-Dist: beta>=1" in c.metadata(links["alpha-1.0-py3-none-any.whl"])
        assert c.links("empty") == []
        assert c.links("missing") == []
        target = c.download(links["alpha-1.0.tar.gz"], tmp_path / "dl")
    assert target.read_bytes() == (dists / "alpha-1.0.tar.gz").read_bytes()


def test_file_index_with_metadata_files(make_dists: DistFactory, tmp_path: Path) -> None:
    url = write_file_index(make_dists(SPECS), tmp_path / "tree", metadata=True)
    with client([url], tmp_path) as c:
        wheel = by_name(c.links("beta"))["beta-2.0-py3-none-any.whl"]
        assert wheel.metadata_hashes
        assert b"Version: 2.0" in c.metadata(wheel)


def test_find_links_directory_and_pages(make_dists: DistFactory, tmp_path: Path) -> None:
    dists = make_dists(SPECS)
    page = write_find_links_page(dists, tmp_path / "pages" / "links.html")
    (dists / "README.txt").write_text("not a dist")
    with client([], tmp_path, find_links=[str(dists)]) as c:
        assert {link.filename for link in c.links("beta")} == {
            "beta-1.0-py3-none-any.whl",
            "beta-1.0.tar.gz",
            "beta-2.0-py3-none-any.whl",
        }
        assert [link.filename for link in c.links("gamma.delta")] == ["gamma_delta-0.1.tar.gz"]
    with client([], tmp_path, find_links=[page.as_uri()]) as c:
        links = by_name(c.links("alpha"))
        assert set(links) == {n for s in SPECS[:2] for n in s.filenames()}
        assert b"Name: alpha" in c.metadata(links["alpha-2.0-py3-none-any.whl"])


def test_remote_find_links_page_and_missing_location(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, html_only=True)
    reporter = Recorder()
    with client(
        [], tmp_path, find_links=[server.project_url("beta"), "nowhere-at-all"], reporter=reporter
    ) as c:
        assert len(c.links("beta")) == 3
        assert c.links("alpha") == []
    assert any("nowhere-at-all" in w and "ignored" in w for w in reporter.warnings)


# ---------------------------------------------------------------------------------------- downloads


def test_download_streams_and_checks_the_hash(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS)
    dest = tmp_path / "dl"
    with client(server, tmp_path) as c:
        wheel = by_name(c.links("beta"))["beta-1.0-py3-none-any.whl"]
        path = c.download(wheel, dest)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == wheel.hashes["sha256"]
        bad = replace(wheel, filename="beta-1.0-py3-none-any.whl", hashes={"sha256": "ab" * 32})
        path.unlink()
        with pytest.raises(
            HashMismatchError, match=r"hash mismatch for beta-1.0-py3-none-any.whl .*expected sha256:ab"
        ):
            c.download(bad, dest)
    assert list(dest.iterdir()) == []


def test_fetch_file_keeps_a_small_file_in_memory_and_writes_a_big_one(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    dest = tmp_path / "dl"
    with client(server, tmp_path) as c:
        wheel = by_name(c.links("beta"))["beta-1.0-py3-none-any.whl"]
        held = c.fetch_file(wheel, dest, memory_limit=1 << 20)
        assert isinstance(held, bytes)
        assert hashlib.sha256(held).hexdigest() == wheel.hashes["sha256"]
        assert not dest.exists()
        written = c.fetch_file(wheel, dest, memory_limit=100)
        assert isinstance(written, Path)
        assert written.read_bytes() == held
        assert [p.name for p in dest.iterdir()] == ["beta-1.0-py3-none-any.whl"]


@pytest.mark.parametrize("memory_limit", [1 << 20, 100])
def test_fetch_file_with_a_wrong_hash_keeps_nothing(
    index_server: IndexServerFactory, tmp_path: Path, memory_limit: int
) -> None:
    server = index_server(SPECS)
    dest = tmp_path / "dl"
    with client(server, tmp_path) as c:
        wheel = by_name(c.links("beta"))["beta-1.0-py3-none-any.whl"]
        bad = replace(wheel, hashes={"sha256": "ab" * 32})
        with pytest.raises(HashMismatchError, match=r"hash mismatch for beta-1.0-py3-none-any.whl"):
            c.fetch_file(bad, dest, memory_limit=memory_limit)
    assert not dest.exists() or list(dest.iterdir()) == []


# ---------------------------------------------------------------------------------------------- auth


def test_credentials_in_the_index_url_are_used_and_never_shown(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, auth=("user", PASSWORD))
    with client([server.auth_url()], tmp_path) as c:
        links = by_name(c.links("beta"))
        assert all(PASSWORD not in link.url and PASSWORD not in link.index_url for link in links.values())
        assert b"Name: beta" in c.metadata(links["beta-1.0-py3-none-any.whl"])
        c.download(links["beta-1.0.tar.gz"], tmp_path / "dl")
        assert PASSWORD not in repr(c)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes()
            assert PASSWORD not in str(path)


def test_missing_and_wrong_credentials_are_clear_errors(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, auth=("user", PASSWORD))
    with client(server, tmp_path) as c, pytest.raises(AuthenticationError) as missing:
        c.links("beta")
    assert "401" in str(missing.value) and "needs credentials" in str(missing.value)
    assert missing.value.hint and "netrc" in missing.value.hint
    with (
        client([server.auth_url("user", "wrong-pw")], tmp_path) as c,
        pytest.raises(AuthenticationError) as wrong,
    ):
        c.links("beta")
    assert "rejected" in str(wrong.value) and "wrong-pw" not in str(wrong.value)


def test_netrc_credentials(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS, auth=("user", PASSWORD))
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login user password {PASSWORD}\n")
    netrc.chmod(0o600)
    with client(server, tmp_path, environ={"HOME": str(home)}) as c:
        assert len(c.links("beta")) == 3


def test_reporter_is_asked_for_credentials_unless_no_input(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, auth=("user", PASSWORD))

    class Asking(Recorder):
        asked: list[str] = []

        def ask_credentials(self, netloc: str) -> tuple[str, str] | None:
            self.asked.append(netloc)
            return ("user", PASSWORD)

    with client(server, tmp_path, reporter=Asking()) as c:
        assert len(c.links("beta")) == 3
        assert len(c.links("alpha")) == 4  # remembered for the host
    assert Asking.asked == [f"127.0.0.1:{server.port}"]
    with client(server, tmp_path, reporter=Asking(), no_input=True) as c, pytest.raises(AuthenticationError):
        c.links("gamma-delta")


class ForwardingProxy:
    """A plain HTTP forward proxy on 127.0.0.1 that passes GETs on and notes each absolute URL it got."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        seen = self.seen
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                accept = self.headers["Accept"] or "*/*"
                forwarded = urllib.request.Request(self.path, headers={"Accept": accept})
                try:
                    with direct.open(forwarded, timeout=10) as answer:
                        status, headers, body = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as error:
                    status, headers, body = error.code, error.headers, error.read()
                self.send_response(status)
                self.send_header("Content-Type", headers.get("Content-Type", "application/octet-stream"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def forwarding_proxy() -> Iterator[ForwardingProxy]:
    proxy = ForwardingProxy()
    yield proxy
    proxy.close()


def test_environment_proxy_is_used_for_each_origin_it_covers_and_no_proxy_is_honoured(
    index_server: IndexServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forwarding_proxy: ForwardingProxy,
) -> None:
    server = index_server(SPECS)
    through_proxy = server.url
    direct = server.url.replace("127.0.0.1", "localhost")
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, forwarding_proxy.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "localhost")
    # One session, two origins: each gets its own answer from the environment.
    with client([through_proxy, direct], tmp_path, reporter=Recorder()) as c:
        assert len(c.links("beta")) == 6  # 3 files, from each of the two index URLs
        assert len(c.links("alpha")) == 8
    assert forwarding_proxy.seen, "nothing went through the proxy named by HTTP_PROXY"
    assert sorted(forwarding_proxy.seen) == [f"{through_proxy}/alpha/", f"{through_proxy}/beta/"]
    # The origin NO_PROXY names was asked directly: the server saw each page twice, once from the proxy.
    assert server.count("/simple/beta/") == 2 and server.count("/simple/alpha/") == 2


def test_proxy_option_overrides_the_environment(
    index_server: IndexServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forwarding_proxy: ForwardingProxy,
) -> None:
    server = index_server(SPECS)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as unused:  # a port nothing listens on: the environment's proxy would fail
        unused.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{unused.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, dead)
    with client(server, tmp_path, proxy=forwarding_proxy.url) as c:
        assert len(c.links("beta")) == 3
    assert forwarding_proxy.seen == [f"{server.url}/beta/"]


@pytest.mark.parametrize(
    "options", [{"no_proxy_env": True}, {"proxy": ""}], ids=["no-proxy-env", "empty-proxy"]
)
def test_no_proxy_env_and_an_empty_proxy_ignore_the_environments_proxy(
    index_server: IndexServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forwarding_proxy: ForwardingProxy,
    options: dict[str, object],
) -> None:
    server = index_server(SPECS)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, forwarding_proxy.url)
    with client(server, tmp_path, **options) as c:
        assert len(c.links("beta")) == 3
    assert forwarding_proxy.seen == []
    assert server.count("/simple/beta/") == 1
    # Without either, the same environment sends the request through the proxy.
    with client(server, tmp_path / "again") as c:
        assert len(c.links("beta")) == 3
    assert forwarding_proxy.seen == [f"{server.url}/beta/"]


# -------------------------------------------------------------------------------------------- faults


def test_server_errors_are_retried(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS, fail_first_n=1)
    with client(server, tmp_path, retries=2) as c:
        assert len(c.links("beta")) == 3
    assert [r.status for r in server.requests] == [500, 200]


def test_server_errors_after_retries_are_one_line_errors(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS, fail_first_n=10, auth=("user", PASSWORD))
    with client([server.auth_url()], tmp_path, retries=1) as c, pytest.raises(NetworkError) as caught:
        c.links("beta")
    message = str(caught.value)
    assert message.startswith(f"HTTP 500 from http://127.0.0.1:{server.port}/simple/beta/")
    assert "after 1 retries" in message and "\n" not in message and PASSWORD not in message


def test_slow_index_times_out(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS, slow=2.0)
    with (
        client(server, tmp_path, timeout=0.3) as c,
        pytest.raises(NetworkError, match=r"timed out after 0\.3s"),
    ):
        c.links("beta")


def test_truncated_json_page_is_a_clear_error(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS, truncate=True)
    with client(server, tmp_path) as c, pytest.raises((NetworkError, IndexPageError)) as caught:
        c.links("beta")
    assert "/simple/beta/" in str(caught.value) and "\n" not in str(caught.value)


def test_unreachable_index_is_a_clear_error(tmp_path: Path) -> None:
    with client(["http://127.0.0.1:9/simple"], tmp_path) as c, pytest.raises(NetworkError) as caught:
        c.links("beta")
    assert str(caught.value).startswith("could not connect to http://127.0.0.1:9/simple/beta/")


def test_insecure_http_index_is_skipped_with_a_warning(tmp_path: Path) -> None:
    reporter = Recorder()
    with client(["http://pypi.invalid/simple"], tmp_path, reporter=reporter) as c:
        assert c.links("beta") == []
    assert "--trusted-host pypi.invalid" in reporter.warnings[0]


# ----------------------------------------------------------------------------------------- prefetch


def test_prefetch_fetches_each_page_once_across_threads(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    specs = [PackageSpec(f"p{i}", "1.0", sdist=False) for i in range(12)]
    server = index_server(specs, slow=0.05)
    names = [s.name for s in specs]
    with client(server, tmp_path, max_workers=4) as c:
        threads = [threading.Thread(target=c.prefetch, args=(names,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results = [c.links(name) for name in names]
        c.prefetch_metadata(link for links in results for link in links)
        metadata = [c.metadata(links[0]) for links in results]
    assert all(len(links) == 1 for links in results)
    assert all(f"Name: p{i}".encode() in m for i, m in enumerate(metadata))
    for name in names:
        assert server.count(f"/simple/{name}/") == 1
        assert server.count(f"/files/{name}-1.0-py3-none-any.whl.metadata") == 1


def test_from_settings_reads_pip_option_destinations(
    index_server: IndexServerFactory, tmp_path: Path
) -> None:
    server = index_server(SPECS)
    settings = CommandSettings(
        "pip install",
        values={
            "index_url": "https://example.invalid/simple",
            "extra_index_urls": [server.url],
            "find_links": [],
            "timeout": 3.0,
            "retries": 1,
            "trusted_hosts": ["example.invalid"],
            "keyring_provider": "disabled",
        },
    )
    with IndexClient.from_settings(settings, cache=Cache(tmp_path / "c"), environ={}) as c:
        assert c.index_urls == ["https://example.invalid/simple", server.url]
    no_index = CommandSettings("pip install", values={"no_index": True, "find_links": [str(tmp_path)]})
    with IndexClient.from_settings(no_index, cache=None, environ={}) as c:
        assert c.index_urls == [] and c.links("beta") == []


def test_importing_the_index_client_does_not_import_requests() -> None:
    code = "import sys, pipcompat.index; print('requests' in sys.modules, 'urllib3' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_keyring_command_is_asked_only_after_a_401(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(SPECS, auth=("user", PASSWORD))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "keyring.log"
    script = bin_dir / "keyring"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        f"print(json.dumps({{'username': 'user', 'password': {PASSWORD!r}}}))\n"
    )
    script.chmod(0o755)
    environ = {"HOME": str(tmp_path / "home"), "PATH": str(bin_dir)}
    with client(server, tmp_path, keyring_provider="subprocess", environ=environ, no_input=True) as c:
        assert len(c.links("beta")) == 3
        assert len(c.links("alpha")) == 4
    asked = log.read_text().splitlines()
    assert asked == [f"--mode=creds --output=json get {server.url}/"]  # the index URL first, as pip
    log.unlink()
    with (
        client(server, tmp_path / "other", keyring_provider="disabled", environ=environ) as c,
        pytest.raises(AuthenticationError),
    ):
        c.links("beta")
    assert not log.exists()
