"""A project's evaluation read back from the cache is the evaluation itself."""

from __future__ import annotations

import pytest
from packaging.version import Version

from pipcompat.models import Link
from pipcompat.resolver import ResolveOptions, synthetic_target
from pipcompat.resolver.finder import LinkEvaluator, ProjectFiles, dump_project, load_project

INDEX = "https://example.org/simple"


def _link(filename: str, **fields: object) -> Link:
    return Link(filename=filename, url=f"https://files.example.org/{filename}", index_url=INDEX, **fields)  # type: ignore[arg-type]


LINKS = [
    _link("demo-1.0.tar.gz", hashes={"sha256": "aa"}),
    _link("demo-1.0.0-py3-none-any.whl", hashes={"sha256": "bb"}, metadata_hashes={}),
    _link("demo-1.0.0-2-py3-none-any.whl", upload_time="2024-01-01T00:00:00Z", size=10),
    _link("demo-2.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl", requires_python=">=3.8"),
    _link("demo-2.0-py3-none-any.whl", yanked="broken"),
    _link("demo-3.0-py3-none-any.whl", requires_python=">=3.13"),
    _link("demo-1!4.0.post1.dev2+local.7-py3-none-any.whl"),
    _link("demo-5.0-cp27-cp27m-win32.whl"),
    _link("other-1.0-py3-none-any.whl"),
]


def _shape(project: ProjectFiles) -> object:
    return (
        project.name,
        project.link_count,
        project.rejected,
        [
            (version, str(version), entry.all_yanked, entry.has_wheel, [tuple(f) for f in entry.files])
            for version, entry in project.versions.items()
        ],
        project.ordered(),
    )


def test_a_stored_evaluation_reads_back_the_same_files_versions_and_reasons() -> None:
    target = synthetic_target("3.11", "linux")
    project = LinkEvaluator(target, ResolveOptions(target=target)).project("demo", LINKS)
    assert project.rejected == {
        "requires-python": {Version("3.0")},
        "platform": {Version("5.0")},
    }
    loaded = load_project(dump_project(project))
    assert [str(f.version) for f in loaded.versions[Version("1.0")].files] == ["1.0.0", "1.0.0", "1.0"]
    assert _shape(loaded) == _shape(project)
    assert [v.is_prerelease for v in loaded.ordered()] == [v.is_prerelease for v in project.ordered()]
    assert {hash(v) for v in loaded.versions} == {hash(v) for v in project.versions}


def test_the_kind_of_evaluation_names_the_target_and_the_format_rules() -> None:
    target = synthetic_target("3.11", "linux")
    kinds = {
        LinkEvaluator(target, ResolveOptions(target=target)).cache_kind("demo"),
        LinkEvaluator(target, ResolveOptions(target=target)).cache_kind("other"),
        LinkEvaluator(target, ResolveOptions(target=target, only_binary=frozenset({"demo"}))).cache_kind(
            "demo"
        ),
        LinkEvaluator(target, ResolveOptions(target=target, ignore_requires_python=True)).cache_kind("demo"),
        LinkEvaluator(synthetic_target("3.12", "linux"), ResolveOptions(target=target)).cache_kind("demo"),
        LinkEvaluator(synthetic_target("3.11", "windows"), ResolveOptions(target=target)).cache_kind("demo"),
    }
    assert len(kinds) == 6
    same = LinkEvaluator(target, ResolveOptions(target=target, only_binary=frozenset({"other"})))
    assert same.cache_kind("demo") == LinkEvaluator(target, ResolveOptions(target=target)).cache_kind("demo")


def test_a_damaged_stored_evaluation_is_refused_when_loaded_not_when_a_version_is_read() -> None:
    target = synthetic_target("3.11", "linux")
    data = bytearray(
        dump_project(LinkEvaluator(target, ResolveOptions(target=target)).project("demo", LINKS))
    )
    # A byte inside one version's stored files: the whole still unmarshals, the check sum does not match.
    data[bytes(data).index(b"demo-1.0.0-py3-none-any.whl") + 2] ^= 0x20
    for damaged in (bytes(data), bytes(data[: len(data) // 2]), b"", b"\x00\x01"):
        with pytest.raises(ValueError):
            load_project(damaged)
