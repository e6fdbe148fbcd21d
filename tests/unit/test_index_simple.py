"""Simple-API parsing (HTML scanner and JSON), URL helpers and cache freshness of the index client."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.errors import redact
from pipcompat.index.httpcache import HttpCache, OfflineError, is_fresh
from pipcompat.index.lazywheel import RangeFile, read_wheel_metadata
from pipcompat.index.session import HttpSession
from pipcompat.index.simple import (
    IndexPageError,
    make_link,
    matches_project,
    parse_html_page,
    parse_json_page,
    parse_page,
    project_of_filename,
)
from pipcompat.index.urls import (
    canonical_name,
    is_secure_origin,
    project_url,
    split_credentials,
    strip_credentials,
)
from pipcompat.models import Link
from tests.support.packages import PackageSpec, build_wheel

PAGE = "https://example.org/simple/foo/"
INDEX = "https://example.org/simple"
SHA = "a" * 64


def html(*anchors: str) -> bytes:
    return ("<!DOCTYPE html><html><body>\n" + "\n".join(anchors) + "\n</body></html>").encode()


def test_html_anchor_attributes_become_link_fields() -> None:
    (link,) = parse_html_page(
        html(
            f'<a href="../../files/foo-1.0-py3-none-any.whl#sha256={SHA}"'
            ' data-requires-python="&gt;=3.8,&lt;4" data-yanked="bad &amp; broken"'
            f' data-core-metadata="sha256={"b" * 64}">foo-1.0-py3-none-any.whl</a>'
        ),
        page_url=PAGE,
        index_url=INDEX,
    )
    assert link.filename == "foo-1.0-py3-none-any.whl"
    assert link.url == "https://example.org/files/foo-1.0-py3-none-any.whl"
    assert link.index_url == INDEX
    assert link.hashes == {"sha256": SHA}
    assert link.requires_python == ">=3.8,<4"
    assert link.yanked == "bad & broken"
    assert link.metadata_hashes == {"sha256": "b" * 64}


@pytest.mark.parametrize(
    ("anchor", "yanked", "metadata"),
    [
        ('<a href="foo-1.0.tar.gz">x</a>', None, None),
        ('<a href="foo-1.0.tar.gz" data-yanked>x</a>', "", None),
        ("<a href='foo-1.0.tar.gz' data-yanked='' data-dist-info-metadata='true'>x</a>", "", {}),
        (
            '<A HREF=foo-1.0.tar.gz data-dist-info-metadata="sha256=abc" data-core-metadata="true">x</A>',
            None,
            {},
        ),
        ('<a data-dist-info-metadata="sha256=abc" href="foo-1.0.tar.gz">x</a>', None, {"sha256": "abc"}),
    ],
)
def test_html_quoting_styles_and_pep_714_precedence(
    anchor: str, yanked: str | None, metadata: dict[str, str] | None
) -> None:
    (link,) = parse_html_page(html(anchor), page_url=PAGE, index_url=INDEX)
    assert link.url == "https://example.org/simple/foo/foo-1.0.tar.gz"
    assert (link.yanked, link.metadata_hashes) == (yanked, metadata)


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("https://files.example/a/foo-1.0.tar.gz", "https://files.example/a/foo-1.0.tar.gz"),
        ("/packages/foo-1.0.tar.gz", "https://example.org/packages/foo-1.0.tar.gz"),
        ("//cdn.example/foo-1.0.tar.gz", "https://cdn.example/foo-1.0.tar.gz"),
        ("./foo-1.0.tar.gz", "https://example.org/simple/foo/foo-1.0.tar.gz"),
        ("../../../../foo-1.0.tar.gz", "https://example.org/foo-1.0.tar.gz"),
        ("a/./b/../foo-1.0.tar.gz", "https://example.org/simple/foo/a/foo-1.0.tar.gz"),
        ("foo%2B1-1.0.tar.gz", "https://example.org/simple/foo/foo%2B1-1.0.tar.gz"),
    ],
)
def test_relative_hrefs_resolve_like_urljoin(href: str, url: str) -> None:
    (link,) = parse_html_page(html(f'<a href="{href}">x</a>'), page_url=PAGE, index_url=INDEX)
    assert link.url == url


def test_base_tag_and_filename_unquoting() -> None:
    body = b'<html><head><base href="https://mirror.example/pkgs/"></head><a href="foo%2B1-1.0.tar.gz">x</a>'
    (link,) = parse_html_page(body, page_url=PAGE, index_url=INDEX)
    assert link.url == "https://mirror.example/pkgs/foo%2B1-1.0.tar.gz"
    assert link.filename == "foo+1-1.0.tar.gz"


def test_anchors_without_href_are_skipped_and_many_links_parse() -> None:
    anchors = [f'<a href="foo-1.{i}.tar.gz#sha256={SHA}">f</a>' for i in range(5000)]
    links = parse_html_page(html("<a name='top'>x</a>", *anchors), page_url=PAGE, index_url=INDEX)
    assert len(links) == 5000 and links[-1].filename == "foo-1.4999.tar.gz"


def test_json_page_fields() -> None:
    body = json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "foo",
            "files": [
                {
                    "filename": "foo-1.0-py3-none-any.whl",
                    "url": "../../files/foo-1.0-py3-none-any.whl",
                    "hashes": {"sha256": SHA},
                    "requires-python": ">=3.8",
                    "yanked": "reason",
                    "core-metadata": {"sha256": "b" * 64},
                    "dist-info-metadata": True,
                    "upload-time": "2024-01-01T00:00:00.000000Z",
                    "size": 123,
                },
                {"filename": "foo-1.0.tar.gz", "url": "https://f.example/foo-1.0.tar.gz", "hashes": {}},
                {
                    "filename": "foo-0.9.tar.gz",
                    "url": "foo-0.9.tar.gz",
                    "yanked": True,
                    "dist-info-metadata": True,
                },
            ],
        }
    ).encode()
    wheel, sdist, old = parse_page(
        body, "application/vnd.pypi.simple.v1+json", page_url=PAGE, index_url=INDEX
    )
    assert wheel.url == "https://example.org/files/foo-1.0-py3-none-any.whl"
    assert (wheel.yanked, wheel.metadata_hashes, wheel.size) == ("reason", {"sha256": "b" * 64}, 123)
    assert wheel.upload_time == "2024-01-01T00:00:00.000000Z"
    assert (sdist.hashes, sdist.yanked, sdist.metadata_hashes, sdist.requires_python) == (
        {},
        None,
        None,
        None,
    )
    assert (old.yanked, old.metadata_hashes) == ("", {})


def test_json_page_hashes_urls_and_odd_values_read_as_pip_does() -> None:
    upper = "AB" * 32
    body = json.dumps(
        {
            "files": [
                {
                    "filename": "a-1.tar.gz",
                    "url": "https://f.example/a-1.tar.gz",
                    "hashes": {"SHA256": upper},
                },
                {"filename": "a-2.tar.gz", "url": f"a-2.tar.gz#sha256={upper}", "hashes": {}},
                {"filename": "a-3.tar.gz", "url": "https://f.example/a-3.tar.gz#md5=ab", "hashes": None},
                {
                    "filename": "a-4.tar.gz",
                    "url": "https://f.example/a-4.tar.gz#md5=ab",
                    "hashes": {"sha256": "1"},
                },
                {
                    "filename": 5,
                    "url": "//cdn.example/a-5.tar.gz",
                    "upload-time": "",
                    "size": "3",
                    "yanked": 0,
                },
                {"filename": "no-url.tar.gz"},
                "not a file",
            ]
        }
    ).encode()
    links = parse_json_page(body, page_url=PAGE, index_url=INDEX)
    assert [(link.filename, link.url, dict(link.hashes)) for link in links] == [
        ("a-1.tar.gz", "https://f.example/a-1.tar.gz", {"sha256": upper.lower()}),
        ("a-2.tar.gz", "https://example.org/simple/foo/a-2.tar.gz", {"sha256": upper.lower()}),
        ("a-3.tar.gz", "https://f.example/a-3.tar.gz", {"md5": "ab"}),
        ("a-4.tar.gz", "https://f.example/a-4.tar.gz", {"sha256": "1"}),
        ("5", "https://cdn.example/a-5.tar.gz", {}),
    ]
    assert (links[4].upload_time, links[4].size, links[4].yanked) == (None, None, "0")


def test_truncated_json_and_foreign_content_types_are_errors() -> None:
    with pytest.raises(IndexPageError, match="invalid or truncated JSON"):
        parse_json_page(b'{"files": [{"filename": "foo', page_url=PAGE, index_url=INDEX)
    with pytest.raises(IndexPageError, match="not a simple index page"):
        parse_page(b"x", "application/zip", page_url=PAGE, index_url=INDEX)


@pytest.mark.parametrize(
    ("filename", "name", "matches"),
    [
        ("foo_bar-1.0-py3-none-any.whl", "foo-bar", True),
        ("Foo.Bar-1.0.tar.gz", "foo-bar", True),
        ("foo-bar-1.0.tar.gz", "foo", True),  # ambiguous, as in pip
        ("foo-1.0.tar.gz", "foo-bar", False),
        ("foo.zip", "foo", False),
        ("foo-1.0.exe", "foo", False),
    ],
)
def test_file_names_match_projects_as_pip(filename: str, name: str, matches: bool) -> None:
    assert matches_project(filename, name) is matches


def test_project_of_filename() -> None:
    assert project_of_filename("Foo_Bar-1.0-py3-none-any.whl") == "foo-bar"
    assert project_of_filename("foo-bar-2.0rc1.tar.gz") == "foo-bar"
    assert project_of_filename("notes.txt") is None


def test_url_helpers_keep_credentials_out_of_sight() -> None:
    url = "https://me:p%40ss@host.example:8443/simple"
    assert split_credentials(url) == ("https://host.example:8443/simple", "me", "p@ss")
    assert strip_credentials("https://token@host/simple") == "https://host/simple"
    assert redact(f"failed: {url}") == "failed: https://me:****@host.example:8443/simple"
    assert redact("https://token@host/x") == "https://****@host/x"
    assert project_url("https://host/simple", "Foo.Bar") == "https://host/simple/foo-bar/"
    assert canonical_name("A__b.C") == "a-b-c"


@pytest.mark.parametrize(
    ("url", "trusted", "secure"),
    [
        ("https://pypi.org/simple", (), True),
        ("http://pypi.org/simple", (), False),
        ("http://localhost:8000/simple", (), True),
        ("http://127.0.0.5/simple", (), True),
        ("http://[::1]:80/simple", (), True),
        ("file:///opt/pypi/simple", (), True),
        ("http://mirror.lan/simple", (("mirror.lan", None),), True),
        ("http://mirror.lan:8080/simple", (("mirror.lan", 9090),), False),
    ],
)
def test_secure_origins_follow_pip(
    url: str, trusted: tuple[tuple[str, int | None], ...], secure: bool
) -> None:
    assert is_secure_origin(url, trusted) is secure


def test_freshness_follows_max_age_and_no_cache() -> None:
    now = time.time()
    assert is_fresh({"cache_control": "max-age=600", "stored": now - 10}, now)
    assert not is_fresh({"cache_control": "max-age=600", "stored": now - 10, "age": 595}, now)
    assert not is_fresh({"cache_control": "max-age=600, no-cache", "stored": now}, now)
    assert not is_fresh({"cache_control": None, "stored": now}, now)


def test_offline_cache_miss_names_the_url_without_credentials(tmp_path: Path) -> None:
    cache = HttpCache(Cache(tmp_path), offline=True)
    with pytest.raises(OfflineError, match=r"^https://h/simple/x/ is not in the cache") as caught:
        cache.fetch(HttpSession(), "https://u:pw@h/simple/x/", accept="text/html")
    assert "pw" not in str(caught.value)


def test_range_file_reads_a_wheel_through_ranges(tmp_path: Path) -> None:
    spec = PackageSpec("foo", "1.0", deps=["bar"], files={"foo/big.bin": bytes(range(256)) * 1024})
    data = build_wheel(spec, tmp_path).read_bytes()
    asked: list[str] = []

    def get_range(spec: str) -> tuple[int, dict[str, str], bytes]:
        asked.append(spec)
        _unit, _, span = spec.partition("=")
        first, _, last = span.partition("-")
        if not first:
            start, end = max(0, len(data) - int(last)), len(data) - 1
        else:
            start, end = int(first), min(int(last), len(data) - 1)
        return 206, {"Content-Range": f"bytes {start}-{end}/{len(data)}"}, data[start : end + 1]

    remote = RangeFile(get_range, "https://h/foo-1.0-py3-none-any.whl")
    metadata = read_wheel_metadata(remote, "foo-1.0-py3-none-any.whl", "https://h/x")  # type: ignore[arg-type]
    assert b"Requires-Dist: bar" in metadata
    assert asked[0].startswith("bytes=-")


def test_fast_link_construction_equals_the_dataclass() -> None:
    fields = ("f-1.0.tar.gz", "https://h/f-1.0.tar.gz", INDEX, {"sha256": SHA}, ">=3", "", {}, "2024", 3)
    fast = make_link(*fields)
    assert fast == Link(*fields) and repr(fast) == repr(Link(*fields))
    assert make_link("f", "u", INDEX, {}) == Link("f", "u", INDEX)
