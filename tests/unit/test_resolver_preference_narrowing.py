"""The provider's one-pass choice of what to pin next is the project its preference order ranks first."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations, permutations

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib.structs import RequirementInformation

from pipcompat.models import Link
from pipcompat.resolver import ResolveOptions, synthetic_target
from pipcompat.resolver.finder import LinkEvaluator, ProjectCache, select
from pipcompat.resolver.provider import (
    PYTHON,
    Candidate,
    ConflictCounter,
    MetadataStore,
    Provider,
    Req,
)

TARGET = synthetic_target("3.11", "linux")


class NoFiles:
    """A package source that offers nothing (the choice of what to pin next reads no files)."""

    def links(self, name: str) -> list[Link]:
        return []

    def metadata(self, link: Link) -> bytes:
        raise AssertionError("no metadata is read")

    def prefetch(self, names: Iterable[str]) -> None:
        pass

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        pass


def make_provider(**options: object) -> Provider:
    resolve_options = ResolveOptions(target=TARGET, **options)  # type: ignore[arg-type]
    projects = ProjectCache(NoFiles(), LinkEvaluator(TARGET, resolve_options))
    conflicts = ConflictCounter()
    conflicts.counts.update({"often-conflicting": 3, "sometimes-conflicting": 1})
    return Provider(
        projects=projects,
        metadata=MetadataStore(),
        options=resolve_options,
        constraints={},
        direct_names=frozenset(),
        root_links={},
        conflicts=conflicts,
    )


def req(text: str) -> Req:
    return Req.from_requirement(Requirement(text))


INFORMATION: dict[str, list[RequirementInformation[Req, Candidate]]] = {
    PYTHON: [RequirementInformation(Req(PYTHON, frozenset(), SpecifierSet(">=3.8")), None)],
    "direct": [RequirementInformation(req("direct @ https://files.test/direct-1.0-py3-none-any.whl"), None)],
    "pinned": [RequirementInformation(req("pinned==1.0"), None)],
    "pinned-by-one-parent": [
        RequirementInformation(req("pinned-by-one-parent>=1"), None),
        RequirementInformation(req("pinned-by-one-parent===2.0"), None),
    ],
    "wildcard": [RequirementInformation(req("wildcard==1.*"), None)],
    "kept": [RequirementInformation(req("kept>=1"), None)],
    "often-conflicting": [RequirementInformation(req("often-conflicting"), None)],
    "sometimes-conflicting": [RequirementInformation(req("sometimes-conflicting"), None)],
    "few-candidates": [RequirementInformation(req("few-candidates"), None)],
    "many-candidates": [RequirementInformation(req("many-candidates"), None)],
    "unseen-b": [RequirementInformation(req("unseen-b<3"), None)],
    "unseen-a": [RequirementInformation(req("unseen-a!=2"), None)],
    "with-extra[x]": [RequirementInformation(req("with-extra[x]"), None)],
}


class Information(Mapping[str, Iterator[RequirementInformation[Req, Candidate]]]):
    """What resolvelib hands the provider: a fresh iterator per lookup."""

    def __getitem__(self, key: str) -> Iterator[RequirementInformation[Req, Candidate]]:
        return iter(INFORMATION[key])

    def __iter__(self) -> Iterator[str]:
        return iter(INFORMATION)

    def __len__(self) -> int:
        return len(INFORMATION)


def first_by_preference(provider: Provider, identifiers: list[str]) -> str:
    information = Information()
    return min(
        identifiers,
        key=lambda identifier: provider.get_preference(
            identifier=identifier,
            resolutions={},
            candidates={},
            information=information,
            backtrack_causes=[],
        ),
    )


def narrowed(provider: Provider, identifiers: list[str]) -> list[str]:
    return provider.narrow_requirement_selection(
        identifiers=identifiers,
        resolutions={},
        candidates={},
        information=Information(),
        backtrack_causes=[],
    )


def test_the_one_project_chosen_is_the_first_in_preference_order_for_every_selection() -> None:
    provider = make_provider(preferences={"kept": Version("1.0")})
    provider._counts.update({"few-candidates": 2, "many-candidates": 40})
    names = list(INFORMATION)
    for size in (2, 3):
        for selection in combinations(names, size):
            for order in permutations(selection):
                assert narrowed(provider, list(order)) == [first_by_preference(provider, list(order))]
    assert narrowed(provider, names) == [PYTHON]
    without_python = [n for n in names if n != PYTHON]
    expected_order = [
        "direct",
        "pinned",
        "pinned-by-one-parent",
        "kept",
        "often-conflicting",
        "sometimes-conflicting",
        "few-candidates",
        "many-candidates",
        "unseen-a",
        "unseen-b",
        "wildcard",
        "with-extra[x]",
    ]
    remaining = list(reversed(without_python))
    chosen = []
    while remaining:
        (first,) = narrowed(provider, remaining)
        chosen.append(first)
        remaining.remove(first)
    assert chosen == expected_order


def test_requirement_facts_are_read_from_the_specifier_once() -> None:
    assert req("a==1.0").pinned and req("a===1.0").pinned and req("a>=1,==2.0").pinned
    assert not req("a==1.*").pinned and not req("a>=1").pinned and not req("a").pinned
    assert req("a").any_version and not req("a>=1").any_version
    assert not req("a @ https://files.test/a-1.0-py3-none-any.whl").any_version
    assert req("a<2,>=1").spec_key == req("a>=1,<2").spec_key


class OneProject(NoFiles):
    """A package source offering one wheel per version of project ``p``."""

    def __init__(self, versions: list[str]) -> None:
        self.versions = versions

    def links(self, name: str) -> list[Link]:
        if name != "p":
            return []
        return [
            Link(
                filename=f"p-{v}-py3-none-any.whl",
                url=f"https://files.test/p-{v}-py3-none-any.whl",
                index_url="",
            )
            for v in self.versions
        ]


VERSIONS = [
    "0",
    "0.0.post1",
    "0.0.1",
    "0.9",
    "1.0rc1",
    "1.0",
    "1.0.0+local",
    "1.0.post1",
    "1.0.1",
    "1.1.dev0",
    "1.1",
    "2.0",
    "1!1.0",
]


def test_an_equals_pin_selects_the_same_versions_as_a_filter_over_every_version() -> None:
    evaluator = LinkEvaluator(TARGET, ResolveOptions(target=TARGET))
    full = evaluator.project("p", OneProject(VERSIONS).links("p"))
    for requirements in (
        ["p==1.0"],
        ["p==1"],
        ["p==1.0.0"],
        ["p==1.0+local"],
        ["p==1.0rc1"],
        ["p==1.0.post1", "p>=1"],
        ["p==1.1", "p!=1.1"],
        ["p==1.0", "p==1.0.*"],
        ["p==1!1"],
        ["p==0.0"],
        ["p==0.0.1"],
        ["p==0.9.0"],
        ["p==3.0"],
    ):
        for options in ({}, {"only_final": {":all:"}}, {"all_releases": {":all:"}}):
            provider = make_provider(**options)
            provider.projects = ProjectCache(OneProject(VERSIONS), provider.projects.evaluator)
            reqs = [req(text) for text in requirements]
            found = provider.find_matches("p", {"p": iter(reqs)}, {})
            specifier = SpecifierSet()
            for r in reqs:
                specifier &= r.specifier
            expected = select(full, specifier, provider.options).matches
            assert [str(c.version) for c in found] == [str(e.version) for e in reversed(expected)], (
                requirements
            )
