"""The test harness itself, held against the real pip: built dists install, the index server speaks the
simple API (HTML and JSON, metadata, yanked, requires-python, ranges, auth, faults), the sandbox is clean.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse
import zipfile
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import (
    HTML_V1,
    JSON_V1,
    IndexServer,
    IndexServerFactory,
    _parse_range,
    negotiate,
    write_file_index,
    write_find_links_page,
)
from tests.support.packages import DistFactory, PackageSpec, build_all, read_wheel_metadata

pytestmark = pytest.mark.integration

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
)

TREE = [
    PackageSpec("a", "1.0", deps=["b[x]>=1"]),
    PackageSpec("b", "1.0", extras={"x": ["c"]}),
    PackageSpec("c", "1.0"),
    PackageSpec("c", "1.5", yanked="broken"),
    PackageSpec("c", "2.0", requires_python=">=4"),
]


# ------------------------------------------------------------------------------------------- helpers


def fetch(
    url: str, headers: Mapping[str, str] | None = None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw request: no redirects followed, no exception on 4xx/5xx."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def anchors(page: bytes) -> list[dict[str, str | None]]:
    parser = _Anchors()
    parser.feed(page.decode())
    return parser.anchors


def pip(ctx: TestContext, *args: str | os.PathLike[str]) -> Result:
    """The real pip, isolated from every configuration source, never prompting."""
    return ctx.run_pip("--isolated", "--disable-pip-version-check", "--no-input", *args)


def pip_into(ctx: TestContext, venv: Path, *args: str | os.PathLike[str]) -> Result:
    return pip(ctx, "--python", venv_python(venv), *args)


def installed(ctx: TestContext, venv: Path) -> dict[str, str]:
    code = "import importlib.metadata as m, json\n"
    code += "print(json.dumps({d.name: d.version for d in m.distributions()}))"
    result = ctx.run_cmd([venv_python(venv), "-c", code]).assert_success()
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


@pytest.fixture
def venv(ctx: TestContext) -> Path:
    """An empty ``python -m venv`` (no pip: the devenv's pip installs into it with ``--python``)."""
    return ctx.make_venv()


# --------------------------------------------------------------------------------------- pip installs


def test_pip_installs_one_wheel_without_deps(
    ctx: TestContext, venv: Path, index_server: IndexServerFactory
) -> None:
    server = index_server([PackageSpec("a", "1.0", deps=["missing-everywhere"])])
    pip_into(ctx, venv, "install", "--no-deps", "--index-url", server.url, "a").assert_success()
    assert installed(ctx, venv) == {"a": "1.0"}
    result = ctx.run_cmd([venv_python(venv), "-c", "import a; print(a.__version__)"]).assert_success()
    assert result.stdout.strip() == "1.0"


@pytest.mark.parametrize("html_only", [False, True], ids=["json", "html-only"])
def test_pip_resolves_extras_skips_yanked_and_requires_python(
    ctx: TestContext, venv: Path, index_server: IndexServerFactory, html_only: bool
) -> None:
    server = index_server(TREE, html_only=html_only)
    pip_into(ctx, venv, "install", "--index-url", server.url, "a").assert_success()
    assert installed(ctx, venv) == {"a": "1.0", "b": "1.0", "c": "1.0"}

    pages = [r for r in server.requests if r.path.startswith("/simple/")]
    assert {r.path for r in pages} == {"/simple/a/", "/simple/b/", "/simple/c/"}
    # PEP 658: metadata comes first, then only the chosen wheels.
    assert server.count("/files/a-1.0-py3-none-any.whl.metadata") == 1
    downloads = {p for p in server.paths() if p.startswith("/files/") and not p.endswith(".metadata")}
    assert downloads == {f"/files/{n}-1.0-py3-none-any.whl" for n in "abc"}


def test_pip_reads_metadata_only_when_advertised(
    ctx: TestContext, venv: Path, index_server: IndexServerFactory
) -> None:
    server = index_server(TREE, advertise_metadata=False)
    pip_into(ctx, venv, "install", "--index-url", server.url, "a").assert_success()
    assert not [p for p in server.paths() if p.endswith(".metadata")]
    assert installed(ctx, venv) == {"a": "1.0", "b": "1.0", "c": "1.0"}
    # Not advertised, but still there.
    status, _, body = fetch(server.file_url("a-1.0-py3-none-any.whl.metadata"))
    assert status == 200 and body.startswith(b"Metadata-Version: 2.1")


def test_pip_sees_yanked_only_when_pinned(ctx: TestContext, index_server: IndexServerFactory) -> None:
    server = index_server(TREE)
    out = ctx.path("out")
    pip(ctx, "download", "--no-deps", "-d", out, "--index-url", server.url, "c").assert_success()
    pinned = pip(ctx, "download", "--no-deps", "-d", out, "--index-url", server.url, "c==1.5")
    pinned.assert_success()
    assert "yanked" in pinned.output.lower() and "broken" in pinned.output
    assert sorted(p.name for p in out.iterdir()) == ["c-1.0-py3-none-any.whl", "c-1.5-py3-none-any.whl"]


def test_basic_auth_with_pip(ctx: TestContext, venv: Path, index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0")], auth=("alice", "s3cret"))
    denied = pip_into(ctx, venv, "install", "--index-url", server.url, "a").assert_failure()
    assert "401" in denied.output or "No matching distribution" in denied.output
    pip_into(ctx, venv, "install", "--index-url", server.auth_url(), "a").assert_success()
    assert installed(ctx, venv) == {"a": "1.0"}


def test_pip_retries_through_injected_500s(
    ctx: TestContext, venv: Path, index_server: IndexServerFactory
) -> None:
    server = index_server([PackageSpec("a", "1.0")], fail_first_n=2, fault_paths=["/simple/", "/files/"])
    pip_into(ctx, venv, "install", "--index-url", server.url, "a").assert_success()
    statuses = [r.status for r in server.requests if r.path == "/simple/a/"]
    assert statuses == [500, 500, 200]
    assert [r.status for r in server.requests if r.path == "/files/a-1.0-py3-none-any.whl"] == [500, 500, 200]


def test_file_index_with_pip(ctx: TestContext, venv: Path, make_dists: DistFactory) -> None:
    dists = make_dists(TREE)
    yanked = {name: "broken" for name in TREE[3].filenames()}
    url = write_file_index(dists, ctx.path("index"), yanked=yanked)
    assert url.startswith("file://") and url.endswith("/simple")
    pip_into(ctx, venv, "install", "--index-url", url, "a").assert_success()
    assert installed(ctx, venv) == {"a": "1.0", "b": "1.0", "c": "1.0"}


def test_file_index_with_metadata_files(ctx: TestContext, make_dists: DistFactory) -> None:
    dists = make_dists([PackageSpec("a", "1.0", sdist=False)])
    write_file_index(dists, ctx.path("index"), metadata=True)
    wheel = ctx.path("index", "files", "a-1.0-py3-none-any.whl")
    metadata = ctx.path("index", "files", "a-1.0-py3-none-any.whl.metadata").read_bytes()
    assert metadata == read_wheel_metadata(wheel)
    (link,) = [a for a in anchors(ctx.path("index", "simple", "a", "index.html").read_bytes())]
    assert (
        link["href"]
        == f"../../files/a-1.0-py3-none-any.whl#sha256={hashlib.sha256(wheel.read_bytes()).hexdigest()}"
    )
    assert link["data-core-metadata"] == f"sha256={hashlib.sha256(metadata).hexdigest()}"


def test_find_links_dir_and_page_with_pip(ctx: TestContext, venv: Path, make_dists: DistFactory) -> None:
    dists = make_dists(TREE)
    pip_into(ctx, venv, "install", "--no-index", "--find-links", dists, "a").assert_success()
    assert installed(ctx, venv) == {"a": "1.0", "b": "1.0", "c": "1.5"}  # find-links know nothing of yanking
    page = write_find_links_page(dists, ctx.path("links", "index.html"))
    out = ctx.path("out")
    pip(ctx, "download", "--no-index", "--no-deps", "-d", out, "--find-links", page, "b").assert_success()
    assert [p.name for p in out.iterdir()] == ["b-1.0-py3-none-any.whl"]


def test_sdist_builds_offline_with_setuptools(ctx: TestContext, make_dists: DistFactory) -> None:
    """The sdist's pyproject reproduces the metadata (built with the dev env's setuptools, no isolation)."""
    _require_setuptools(61)  # not seeded in 3.12+ environments
    spec = PackageSpec(
        "Built-Pkg",
        "1.2",
        deps=["b>=1"],
        requires_python=">=3.8",
        extras={"x": ["c"]},
        files={"helper.py": "X = 1\n"},
        console_scripts={"built-cli": "built_pkg:main"},
        wheel=False,
    )
    dists = make_dists([spec])
    out = ctx.path("wheels")
    pip(
        ctx, "wheel", "--no-build-isolation", "--no-deps", "-w", out, dists / spec.sdist_filename
    ).assert_success()
    (wheel,) = out.iterdir()
    name, version, _, tags = parse_wheel_filename(wheel.name)  # old setuptools keeps "Built_Pkg"
    assert (name, str(version), [str(t) for t in tags]) == ("built-pkg", "1.2", ["py3-none-any"])
    built = _metadata_fields(read_wheel_metadata(wheel))
    for key in ("Name", "Version", "Requires-Python", "Requires-Dist", "Provides-Extra"):
        assert built[key] == _metadata_fields(spec.metadata().encode())[key], key
    with zipfile.ZipFile(wheel) as archive:
        assert {"built_pkg/__init__.py", "helper.py"} <= set(archive.namelist())


def _require_setuptools(major: int) -> None:
    """Skip unless setuptools >= *major* is installed, without importing it into this process."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("setuptools")
    except PackageNotFoundError:
        pytest.skip("setuptools is not installed")
    if int(found.split(".")[0]) < major:
        pytest.skip(f"setuptools {found} is older than {major}")


def _metadata_fields(raw: bytes) -> dict[str, list[str]]:
    import email

    message = email.message_from_bytes(raw)
    return {
        key: sorted(str(v).replace(" ", "") for v in message.get_all(key) or [])
        for key in set(message.keys())
    }


@pytest.mark.slow
@pytest.mark.network
def test_sdist_builds_in_isolation_with_setuptools_from_pypi(
    ctx: TestContext, venv: Path, index_server: IndexServerFactory
) -> None:
    # Names nobody publishes on PyPI, which is only there for setuptools.
    top, dep = "pipcompat-harness-top", "pipcompat-harness-dep"
    server = index_server(
        [PackageSpec(top, "1.0", deps=[dep], wheel=False), PackageSpec(dep, "1.0", wheel=False)]
    )
    pip_into(
        ctx, venv, "install", "--index-url", server.url, "--extra-index-url", "https://pypi.org/simple", top
    ).assert_success()
    assert installed(ctx, venv) == {top: "1.0", dep: "1.0"}


# ----------------------------------------------------------------------------------------- simple API


def test_json_and_html_list_the_same_files(index_server: IndexServerFactory) -> None:
    server = index_server(TREE)
    status, headers, html_body = fetch(server.project_url("c"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    status, headers, json_body = fetch(server.project_url("c"), {"Accept": JSON_V1})
    assert status == 200 and headers["Content-Type"] == JSON_V1
    page = json.loads(json_body)
    assert page["meta"]["api-version"] == "1.1"
    assert page["name"] == "c" and page["versions"] == ["1.0", "1.5", "2.0"]

    from_html = {}
    for a in anchors(html_body):
        href = a["href"] or ""
        url, _, fragment = href.partition("#")
        from_html[url.rsplit("/", 1)[-1]] = (
            fragment.removeprefix("sha256="),
            a.get("data-requires-python"),
            a.get("data-yanked"),
            (a.get("data-core-metadata") or "").removeprefix("sha256=") or None,
            a.get("data-dist-info-metadata") == a.get("data-core-metadata"),
        )
    from_json = {
        f["filename"]: (
            f["hashes"]["sha256"],
            f["requires-python"],
            f["yanked"] if f["yanked"] is not False else None,
            (f.get("core-metadata") or {}).get("sha256"),
            f.get("core-metadata") == f.get("dist-info-metadata"),
        )
        for f in page["files"]
    }
    assert from_html == from_json
    assert from_json["c-2.0-py3-none-any.whl"][1] == ">=4"
    assert from_json["c-1.5-py3-none-any.whl"][2] == "broken"
    assert from_json["c-1.0.tar.gz"][3] is None  # no metadata file for sdists
    assert b'data-requires-python="&gt;=4"' in html_body
    for f in page["files"]:
        assert f["upload-time"] == "2024-01-01T00:00:00.000000Z"
        status, _, body = fetch(urllib.parse.urljoin(server.project_url("c"), f["url"]))
        assert status == 200 and len(body) == f["size"]
        assert hashlib.sha256(body).hexdigest() == f["hashes"]["sha256"]


def test_root_page_and_redirects(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("Foo.Bar", "1.0"), PackageSpec("baz", "1.0")])
    status, _, body = fetch(server.url + "/")
    assert status == 200 and [a["href"] for a in anchors(body)] == ["/simple/baz/", "/simple/foo-bar/"]
    status, _, body = fetch(server.url + "/", {"Accept": JSON_V1})
    assert json.loads(body)["projects"] == [{"name": "baz"}, {"name": "foo-bar"}]
    for path in ("/Foo.Bar/", "/foo_bar/", "/foo-bar"):
        status, headers, _ = fetch(server.url + path)
        assert (status, headers["Location"]) == (301, server.project_url("foo-bar")), path
    status, headers, _ = fetch(server.url)
    assert (status, headers["Location"]) == (301, server.url + "/")
    assert fetch(server.project_url("nothing-here"))[0] == 404


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        (JSON_V1, JSON_V1),
        (PIP_ACCEPT, JSON_V1),
        (f"{JSON_V1}; q=0.1, text/html", "text/html"),
        (f"{HTML_V1}, {JSON_V1}", HTML_V1),
        (f"{HTML_V1}; q=0.5, {JSON_V1}; q=0.5", HTML_V1),
        ("application/vnd.pypi.simple.latest+json", JSON_V1),
        (f"{JSON_V1}; q=0, text/html; q=0.2", "text/html"),
        ("application/json", None),
    ],
)
def test_accept_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def test_html_only_ignores_accept_and_406_otherwise(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0")])
    assert fetch(server.project_url("a"), {"Accept": "application/json"})[0] == 406
    server.html_only = True
    status, headers, body = fetch(server.project_url("a"), {"Accept": JSON_V1})
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<!DOCTYPE html>")


def test_metadata_file_matches_the_wheel(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0", deps=["b"], extras={"x": ["c"]})])
    wheel = server.dists_dir / "a-1.0-py3-none-any.whl"
    status, _, metadata = fetch(server.file_url(wheel.name + ".metadata"))
    assert status == 200 and metadata == read_wheel_metadata(wheel)
    _, _, page = fetch(server.project_url("a"), {"Accept": JSON_V1})
    (entry,) = [f for f in json.loads(page)["files"] if f["filename"] == wheel.name]
    assert entry["core-metadata"] == {"sha256": hashlib.sha256(metadata).hexdigest()}

    server.advertise_metadata = False
    _, _, page = fetch(server.project_url("a"), {"Accept": JSON_V1})
    assert all("core-metadata" not in f for f in json.loads(page)["files"])
    assert b"data-core-metadata" not in fetch(server.project_url("a"))[2]
    assert fetch(server.file_url(wheel.name + ".metadata"))[0] == 200
    server.serve_metadata = False
    assert fetch(server.file_url(wheel.name + ".metadata"))[0] == 404
    assert fetch(server.file_url("a-1.0.tar.gz.metadata"))[0] == 404


# -------------------------------------------------------------------------------------------- files


def test_range_requests(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0", sdist=False)])
    url = server.file_url("a-1.0-py3-none-any.whl")
    data = (server.dists_dir / "a-1.0-py3-none-any.whl").read_bytes()
    size = len(data)

    status, headers, body = fetch(url, method="HEAD")
    assert (status, headers["Accept-Ranges"], int(headers["Content-Length"]), body) == (
        200,
        "bytes",
        size,
        b"",
    )
    status, headers, body = fetch(url, {"Range": "bytes=10-19"})
    assert (status, headers["Content-Range"], body) == (206, f"bytes 10-19/{size}", data[10:20])
    status, headers, body = fetch(url, {"Range": "bytes=-22"})
    assert (status, headers["Content-Range"], body) == (
        206,
        f"bytes {size - 22}-{size - 1}/{size}",
        data[-22:],
    )
    status, _, body = fetch(url, {"Range": f"bytes={size - 5}-"})
    assert (status, body) == (206, data[-5:])
    status, _, body = fetch(url, {"Range": f"bytes=0-{size + 100}"})
    assert (status, body) == (206, data)
    status, headers, _ = fetch(url, {"Range": f"bytes={size}-"})
    assert (status, headers["Content-Range"]) == (416, f"bytes */{size}")
    assert fetch(url, {"Range": "bytes=0-1,5-6"})[2] == data  # multiple ranges: ignored

    server.ranges = False
    status, headers, body = fetch(url, {"Range": "bytes=10-19"})
    assert (status, body, headers.get("Accept-Ranges")) == (200, data, None)


def test_parse_range_edges() -> None:
    assert _parse_range("bytes=0-0", 10) == (0, 0)
    assert _parse_range("bytes=-100", 10) == (0, 9)
    assert _parse_range("bytes=-0", 10) == (-1, -1)
    assert _parse_range("bytes=5-2", 10) is None
    assert _parse_range("items=0-1", 10) is None
    assert _parse_range("bytes=x-1", 10) is None


def test_etag_last_modified_and_cache_control(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0")], cache_control="max-age=600, public")
    for url in (server.file_url("a-1.0.tar.gz"), server.project_url("a")):
        status, headers, _ = fetch(url)
        assert status == 200 and headers["Cache-Control"] == "max-age=600, public"
        etag, last_modified = headers["ETag"], headers["Last-Modified"]
        status, headers, body = fetch(url, {"If-None-Match": etag})
        assert (status, body, headers["ETag"]) == (304, b"", etag)
        assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
        assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    server.cache_control = None
    assert "Cache-Control" not in fetch(server.project_url("a"))[1]


def test_basic_auth_is_required(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0")], auth=("alice", "s3cret"))
    status, headers, _ = fetch(server.project_url("a"))
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic ")
    wrong = base64.b64encode(b"alice:nope").decode()
    assert fetch(server.project_url("a"), {"Authorization": f"Basic {wrong}"})[0] == 401
    good = base64.b64encode(b"alice:s3cret").decode()
    assert fetch(server.project_url("a"), {"Authorization": f"Basic {good}"})[0] == 200
    assert fetch(server.file_url("a-1.0.tar.gz"), {"Authorization": f"Basic {good}"})[0] == 200
    assert server.auth_url() == f"http://alice:s3cret@127.0.0.1:{server.port}/simple"


def test_faults_fail_slow_truncate_not_found(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0")], fail_first_n=1, fail_status=503)
    url = server.file_url("a-1.0.tar.gz")
    assert [fetch(url)[0] for _ in range(3)] == [503, 200, 200]
    assert fetch(server.project_url("a"))[0] == 503  # counted per path
    server.reset_faults()

    server.not_found = {"a-1.0.tar.gz"}
    assert fetch(url)[0] == 404
    assert fetch(server.file_url("a-1.0-py3-none-any.whl"))[0] == 200
    server.not_found = set()

    server.slow = 0.3
    started = time.monotonic()
    assert fetch(url)[0] == 200
    assert time.monotonic() - started >= 0.3
    server.slow = 0

    server.truncate = True
    with pytest.raises(http.client.IncompleteRead):
        fetch(url)
    server.fault_paths = {"/simple/"}
    assert fetch(url)[0] == 200  # out of the faults' scope


def test_request_log(index_server: IndexServerFactory) -> None:
    server = index_server([PackageSpec("a", "1.0")])
    fetch(server.project_url("a") + "?x=1", {"Accept": JSON_V1, "X-Test": "yes"})
    fetch(server.file_url("a-1.0.tar.gz"), method="HEAD")
    assert server.request_count == 2
    first, second = server.requests
    assert (first.method, first.path, first.query, first.status) == ("GET", "/simple/a/", "x=1", 200)
    assert first.headers["X-Test"] == "yes" and first.headers["Accept"] == JSON_V1
    assert (second.method, second.path) == ("HEAD", "/files/a-1.0.tar.gz")
    assert server.count("/files/", prefix=True) == 1 and server.count(method="GET") == 1
    server.clear_log()
    assert server.request_count == 0


def test_files_added_later_are_served(make_dists: DistFactory, tmp_path: Path) -> None:
    dists = make_dists([PackageSpec("a", "1.0")])
    with IndexServer(dists, files_base_url="http://elsewhere.invalid/f") as server:
        assert fetch(server.project_url("b"))[0] == 404
        build_all([PackageSpec("b", "2.0", sdist=False)], dists)
        status, _, body = fetch(server.project_url("b"))
        assert status == 200
        assert next(a["href"] or "" for a in anchors(body)).startswith(
            "http://elsewhere.invalid/f/b-2.0-py3-none-any.whl#"
        )
    with pytest.raises(RuntimeError):
        server.url  # noqa: B018 - stopped


# ------------------------------------------------------------------------------------------ sandbox


def test_context_environment_is_clean(
    ctx: TestContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PIP_FIND_LINKS", "/nowhere")
    monkeypatch.setenv("PIPCOMPAT_INDEX_URL", "http://nowhere.invalid")
    monkeypatch.setenv("VIRTUAL_ENV", "/some/venv")
    monkeypatch.setenv("CONDA_PREFIX", "/some/conda")
    monkeypatch.setenv("PYENV_VERSION", "3.11")
    fresh = TestContext(tmp_path / "fresh")
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    env = json.loads(fresh.run_cmd([sys.executable, "-c", code], env={"EXTRA": "1", "NO_COLOR": None}).stdout)
    assert not [
        k
        for k in env
        if k.startswith(("PIP_", "PIPCOMPAT_")) and k not in ("PIP_CONFIG_FILE", "PIPCOMPAT_CACHE_DIR")
    ]
    assert "VIRTUAL_ENV" not in env and "CONDA_PREFIX" not in env
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["PIPCOMPAT_CACHE_DIR"] == str(fresh.cache_dir)
    assert env["HOME"] == str(fresh.home)
    for key in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        assert env[key].startswith(str(fresh.home))
    assert env["PATH"] == os.environ["PATH"] and env["PYENV_VERSION"] == "3.11"
    assert env["EXTRA"] == "1" and "NO_COLOR" not in env
    assert fresh.temp_dir.is_dir()
    assert fresh.command("pip", "list") == [fresh.python, "-m", "pipcompat", "pip", "list"]


def test_context_runs_pipcompat_in_its_temp_dir(ctx: TestContext) -> None:
    result = ctx.run_cmd(
        [ctx.python, "-c", "import pipcompat, os; print(os.getcwd()); print(pipcompat.__file__)"]
    )
    cwd, module = result.assert_success().stdout.splitlines()
    assert Path(cwd) == ctx.temp_dir
    assert Path(module).resolve().parent.name == "pipcompat"


def test_real_pip_sees_no_machine_configuration(ctx: TestContext) -> None:
    result = ctx.run_pip("config", "debug").assert_success()
    assert "/opt/" not in result.stdout and "find-links" not in result.stdout
    assert os.devnull in result.stdout  # PIP_CONFIG_FILE is the only file pip would read


def test_context_write_read_and_results(ctx: TestContext) -> None:
    path = ctx.write(
        "reqs/requirements.txt",
        """
        a==1.0
          # indented
        """,
    )
    assert path == ctx.temp_dir / "reqs" / "requirements.txt"
    assert ctx.read("reqs/requirements.txt") == "a==1.0\n  # indented\n"
    failing = ctx.run_cmd([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"])
    assert failing.assert_failure(3) is failing and failing.output.startswith("out")
    with pytest.raises(AssertionError, match="exit code 3"):
        failing.assert_success()
    with pytest.raises(AssertionError):
        failing.assert_failure(1)
    ok = ctx.run_cmd([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"], input="hi")
    assert ok.assert_success().stdout == "HI\n"
    with pytest.raises(AssertionError):
        ok.assert_failure()
    assert ctx.redact(f"{ctx.temp_dir}/x and {ctx.cache_dir}") == "[TEMP_DIR]/x and [CACHE_DIR]"


def test_clean_pip_env_fixture(clean_pip_env: dict[str, str]) -> None:
    assert not [k for k in os.environ if k.startswith("PIP_") and k != "PIP_CONFIG_FILE"]
    assert os.environ["PIP_CONFIG_FILE"] == os.devnull
    assert "VIRTUAL_ENV" not in os.environ
    assert os.environ["HOME"] == clean_pip_env["HOME"]
    assert Path(os.environ["PIPCOMPAT_CACHE_DIR"]).is_dir()
