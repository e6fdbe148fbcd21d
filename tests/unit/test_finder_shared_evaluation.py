"""One project's evaluation is read by several threads: the resolver, the look-ahead, the cache writer."""

from __future__ import annotations

import pytest
from packaging.version import Version

from pipcompat.models import Link
from pipcompat.resolver import ResolveOptions, finder, synthetic_target
from pipcompat.resolver.finder import LinkEvaluator, ProjectFiles, dump_project, load_project

INDEX = "https://example.org/simple"


def _link(filename: str, **fields: object) -> Link:
    return Link(filename=filename, url=f"https://files.example.org/{filename}", index_url=INDEX, **fields)  # type: ignore[arg-type]


LINKS = [
    _link("demo-1.0.tar.gz"),
    _link("demo-1.0-py3-none-any.whl"),
    _link("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
    _link("demo-2.0.tar.gz", yanked="broken"),
    _link("demo-2.0-py3-none-any.whl"),
]


def _evaluate() -> ProjectFiles:
    target = synthetic_target("3.11", "linux")
    return LinkEvaluator(target, ResolveOptions(target=target)).project("demo", LINKS)


def _shape(project: ProjectFiles) -> object:
    return [
        (str(version), entry.all_yanked, entry.has_wheel, [(f.link.filename, f.rank) for f in entry.files])
        for version, entry in project.versions.items()
    ]


def test_a_version_whose_files_are_being_made_never_looks_yanked_or_empty_to_other_readers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = _evaluate()
    entry = project.versions[Version("1.0")]
    seen: list[tuple[bool, bool]] = []
    order = finder._row_order

    def ordering_while_another_thread_looks(row: finder._Row) -> object:
        # What a reader on another thread sees while this version's files are put in pip's order.
        seen.append((entry.all_yanked, entry.has_wheel))
        return order(row)

    monkeypatch.setattr(finder, "_row_order", ordering_while_another_thread_looks)
    assert [f.link.filename for f in entry.files] == [
        "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.tar.gz",
    ]
    assert seen and all(flags == (False, True) for flags in seen)


def test_an_evaluation_stored_after_some_files_were_made_reads_back_the_same() -> None:
    project = _evaluate()
    expected = _shape(_evaluate())
    assert project.versions[Version("2.0")].files  # made by the resolver before the copy is written
    assert _shape(load_project(dump_project(project))) == expected
    assert _shape(project) == expected
