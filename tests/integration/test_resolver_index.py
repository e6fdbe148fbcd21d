"""The resolver over the real index client, against the local index server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from pipcompat.errors import PipcompatError
from pipcompat.index import IndexClient
from pipcompat.resolver import Resolution, ResolveOptions, RootRequirement, resolve, synthetic_target
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

TARGET = synthetic_target("3.11", "linux")

SPECS = [
    PackageSpec("web", "1.0", deps=["http-core>=1"], extras={"async": ["loop>=2"]}),
    PackageSpec(
        "web", "2.0", deps=["http-core>=2", "old-dep; python_version < '3'"], extras={"async": ["loop>=2"]}
    ),
    PackageSpec("http-core", "1.5"),
    PackageSpec("http-core", "2.1", tags=["py3-none-any", "cp311-cp311-manylinux_2_17_x86_64"]),
    PackageSpec("http-core", "3.0", requires_python=">=3.12"),
    PackageSpec("loop", "2.0"),
    PackageSpec("loop", "2.2", yanked="bad build"),
    PackageSpec("loop", "3.0b1"),
]


@pytest.fixture
def client_for(clean_pip_env: dict[str, str]) -> Iterator[Any]:
    clients: list[IndexClient] = []

    def make(server: IndexServer) -> IndexClient:
        client = IndexClient(index_urls=[server.url], environ=clean_pip_env)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _resolve(client: IndexClient, server: IndexServer, *texts: str, **options: Any) -> Resolution:
    roots = [RootRequirement.parse(text, "-r requirements.in") for text in texts]
    return resolve(roots, client, ResolveOptions(target=TARGET, index_urls=(server.url,), **options))


@pytest.mark.parametrize(
    "server_options",
    [{}, {"html_only": True, "advertise_metadata": False}],
    ids=["json-and-pep658", "html-and-range-requests"],
)
def test_resolves_through_the_index_client(
    index_server: IndexServerFactory, client_for: Any, server_options: dict[str, Any]
) -> None:
    server = index_server(SPECS, **server_options)
    result = _resolve(client_for(server), server, "web[async]")
    assert result.pins() == {"http-core": "2.1", "loop": "2.0", "web": "2.0"}
    assert result["web"].extras == frozenset({"async"})
    assert result["loop"].parents == frozenset({"web"})
    assert result["http-core"].link.filename == "http_core-2.1-cp311-cp311-manylinux_2_17_x86_64.whl"
    assert {link.filename for link in result["http-core"].links} == {
        "http_core-2.1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "http_core-2.1-py3-none-any.whl",
        "http_core-2.1.tar.gz",
    }


def test_yanked_and_pre_release_rules_hold_over_http(
    index_server: IndexServerFactory, client_for: Any
) -> None:
    server = index_server(SPECS)
    client = client_for(server)
    assert _resolve(client, server, "loop==2.2").pins() == {"loop": "2.2"}
    assert _resolve(client, server, "loop", all_releases=frozenset({":all:"})).pins() == {"loop": "3.0b1"}


def test_upload_time_cut_off_over_http(index_server: IndexServerFactory, client_for: Any) -> None:
    specs = [
        PackageSpec("dated", "1.0", upload_time="2023-01-01T00:00:00Z"),
        PackageSpec("dated", "2.0", upload_time="2024-06-01T00:00:00Z"),
    ]
    server = index_server(specs)
    cut_off = datetime(2024, 1, 1, tzinfo=timezone.utc)
    result = _resolve(client_for(server), server, "dated", uploaded_prior_to=cut_off)
    assert result.pins() == {"dated": "1.0"}


def test_unknown_project_names_the_index_and_a_close_name(
    index_server: IndexServerFactory, client_for: Any
) -> None:
    server = index_server([*SPECS, PackageSpec("app", "1.0", deps=["htpp-core"])])
    with pytest.raises(PipcompatError) as info:
        _resolve(client_for(server), server, "http-core", "app")
    assert info.value.message == f"no package named 'htpp-core' was found in {server.url}"
    assert info.value.hint == "did you mean 'http-core'?"


def test_conflict_over_http_is_a_chain(index_server: IndexServerFactory, client_for: Any) -> None:
    specs = [
        PackageSpec("left", "1.0", deps=["shared>=2"]),
        PackageSpec("right", "1.0", deps=["shared<2"]),
        PackageSpec("shared", "1.0"),
        PackageSpec("shared", "2.0"),
    ]
    server = index_server(specs)
    with pytest.raises(PipcompatError) as info:
        _resolve(client_for(server), server, "left", "right")
    assert info.value.message == (
        "left 1.0 depends on shared>=2; right 1.0 depends on shared<2; "
        "so left 1.0 and right 1.0 cannot be installed together"
    )


def test_source_only_versions_give_the_index_clients_error(
    index_server: IndexServerFactory, client_for: Any
) -> None:
    server = index_server([PackageSpec("srconly", "1.0", wheel=False)])
    with pytest.raises(PipcompatError) as info:
        _resolve(client_for(server), server, "srconly")
    assert "building source distributions is not available yet" in info.value.message


def test_each_project_page_and_metadata_file_is_fetched_once(
    index_server: IndexServerFactory, client_for: Any
) -> None:
    server = index_server(SPECS)
    _resolve(client_for(server), server, "web[async]")
    assert server.count("/simple/web/") == 1
    assert server.count("/simple/http-core/") == 1
    assert server.count("/files/web-2.0-py3-none-any.whl.metadata") == 1
    assert server.count("/simple/old-dep/") == 0
