"""The resolver's rules, against a small in-memory package source (no network, no files)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from pipcompat.errors import PipcompatError
from pipcompat.models import Link
from pipcompat.resolver import ResolveOptions, RootRequirement, resolve, synthetic_target

INDEX = "https://index.test/simple"
TARGET = synthetic_target("3.11", "linux")


class MemorySource:
    """A ``PackageSource`` over projects described in code; records what the resolver asked for."""

    def __init__(self) -> None:
        self.files: dict[str, list[Link]] = {}
        self.meta: dict[str, bytes] = {}
        self.asked: list[str] = []
        self.metadata_asked: list[str] = []
        self.prefetched: list[str] = []
        self.metadata_prefetched: list[str] = []

    def add(
        self,
        name: str,
        version: str,
        deps: Sequence[str] = (),
        *,
        requires_python: str | None = None,
        index_requires_python: bool = True,
        extras: Mapping[str, Sequence[str]] | None = None,
        tags: Sequence[str] = ("py3-none-any",),
        sdist: bool = False,
        yanked: str | None = None,
        uploaded: str | None = "2024-01-01T00:00:00Z",
    ) -> MemorySource:
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        if requires_python:
            lines.append(f"Requires-Python: {requires_python}")
        lines += [f"Requires-Dist: {dep}" for dep in deps]
        for extra, extra_deps in (extras or {}).items():
            lines.append(f"Provides-Extra: {extra}")
            lines += [f'Requires-Dist: {dep}; extra == "{extra}"' for dep in extra_deps]
        metadata = ("\n".join(lines) + "\n").encode()
        stem = f"{name.replace('-', '_')}-{version}"
        filenames = [f"{stem}-{tag}.whl" for tag in tags]
        if sdist:
            filenames.append(f"{stem}.tar.gz")
        for filename in filenames:
            link = Link(
                filename=filename,
                url=f"https://files.test/{filename}",
                index_url=INDEX,
                requires_python=requires_python if index_requires_python else None,
                yanked=yanked,
                upload_time=uploaded,
            )
            self.files.setdefault(canonicalize_name(name), []).append(link)
            self.meta[link.url] = metadata
        return self

    def links(self, name: str) -> list[Link]:
        self.asked.append(name)
        return list(self.files.get(name, []))

    def metadata(self, link: Link) -> bytes:
        self.metadata_asked.append(link.filename)
        try:
            return self.meta[link.url]
        except KeyError:
            raise PipcompatError(f"no metadata for {link.filename}") from None

    def prefetch(self, names: Iterable[str]) -> None:
        self.prefetched.extend(names)

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        self.metadata_prefetched.extend(link.filename for link in links)


def roots(*texts: str, comes_from: str = "-r requirements.in") -> list[RootRequirement]:
    return [RootRequirement.parse(text, comes_from) for text in texts]


def run(source: MemorySource, *texts: str, **options: Any) -> dict[str, str]:
    extra_roots = options.pop("roots", [])
    result = resolve(
        [*roots(*texts), *extra_roots], source, ResolveOptions(target=TARGET, index_urls=(INDEX,), **options)
    )
    return result.pins()


def failure(source: MemorySource, *texts: str, **options: Any) -> PipcompatError:
    with pytest.raises(PipcompatError) as info:
        run(source, *texts, **options)
    return info.value


# -- basics -----------------------------------------------------------------------------------------------


def test_highest_versions_and_transitive_dependencies_are_pinned() -> None:
    source = (
        MemorySource().add("a", "1.0", ["b>=1"]).add("a", "2.0", ["b>=2"]).add("b", "1.0").add("b", "2.5")
    )
    assert run(source, "a") == {"a": "2.0", "b": "2.5"}


def test_resolution_records_parents_sources_dependencies_and_links() -> None:
    source = (
        MemorySource().add("Foo.Bar", "1.0", ["b"]).add("b", "1.0", tags=["py3-none-any", "py2.py3-none-any"])
    )
    result = resolve(roots("foo-bar"), source, ResolveOptions(target=TARGET))
    b, foo = result.packages
    assert (foo.name, foo.display_name, foo.requested, foo.sources) == (
        "foo-bar",
        "Foo.Bar",
        True,
        ("-r requirements.in",),
    )
    assert [str(d) for d in foo.dependencies] == ["b"]
    assert (b.name, b.parents, b.requested, b.sources) == ("b", frozenset({"foo-bar"}), False, ())
    assert [link.filename for link in b.links] == ["b-1.0-py3-none-any.whl", "b-1.0-py2.py3-none-any.whl"]
    assert b.link is b.links[0]
    assert b.pin == "b==1.0"


def test_projects_are_only_read_when_the_resolver_needs_them() -> None:
    source = MemorySource().add("a", "1.0").add("unrelated", "1.0")
    run(source, "a")
    assert source.asked == ["a"]


def test_root_requirements_whose_markers_do_not_match_the_target_are_ignored() -> None:
    source = MemorySource().add("a", "1.0").add("winonly", "1.0")
    result = resolve(roots("a", 'winonly; sys_platform == "win32"'), source, ResolveOptions(target=TARGET))
    assert result.pins() == {"a": "1.0"}
    assert [str(r.requirement) for r in result.ignored] == ['winonly; sys_platform == "win32"']


def test_dependency_markers_are_evaluated_for_the_target() -> None:
    source = MemorySource().add("a", "1.0", ['w; sys_platform == "win32"', 'l; sys_platform == "linux"'])
    source.add("w", "1.0").add("l", "1.0")
    assert run(source, "a") == {"a": "1.0", "l": "1.0"}


# -- target: tags and Requires-Python ---------------------------------------------------------------------


def test_wheels_for_other_platforms_are_skipped() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0", tags=["cp311-cp311-win_amd64"])
    assert run(source, "a") == {"a": "1.0"}


def test_the_most_specific_compatible_wheel_is_chosen() -> None:
    tags = ["py3-none-any", "cp311-abi3-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_28_x86_64"]
    source = MemorySource().add("a", "1.0", tags=tags)
    package = resolve(roots("a"), source, ResolveOptions(target=TARGET)).packages[0]
    assert package.link.filename == "a-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    assert [link.filename for link in package.links][1:] == [
        "a-1.0-cp311-abi3-manylinux_2_17_x86_64.whl",
        "a-1.0-py3-none-any.whl",
    ]


def test_index_requires_python_skips_versions_for_other_pythons() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0", requires_python=">=3.12")
    assert run(source, "a") == {"a": "1.0"}
    assert run(source, "a", ignore_requires_python=True) == {"a": "2.0"}


def test_metadata_requires_python_backtracks_to_an_older_version() -> None:
    source = (
        MemorySource().add("a", "1.0").add("a", "2.0", requires_python=">=3.12", index_requires_python=False)
    )
    assert run(source, "a") == {"a": "1.0"}


def test_metadata_requires_python_that_nothing_meets_is_explained() -> None:
    source = MemorySource().add("a", "2.0", requires_python=">=3.12", index_requires_python=False)
    error = failure(source, "a")
    assert error.message == "a 2.0 requires Python >=3.12; so a 2.0 cannot be used with Python 3.11.0"


# -- yanked, pre-releases, formats, upload time -----------------------------------------------------------


def test_yanked_versions_are_skipped_unless_pinned_with_equals() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0", yanked="broken")
    assert run(source, "a") == {"a": "1.0"}
    assert run(source, "a==2.0") == {"a": "2.0"}
    assert run(source, "a===2.0") == {"a": "2.0"}
    error = failure(source, "a>=2")
    assert (
        error.message
        == "no version of 'a' satisfies a>=2 (required by -r requirements.in); available versions: 1.0"
    )
    assert error.hint == "2.0 of 'a' was yanked; pin it with == to use it anyway"


def test_pre_releases_are_used_only_when_allowed_or_nothing_else_matches() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0b1")
    assert run(source, "a") == {"a": "1.0"}
    assert run(source, "a", all_releases=frozenset({":all:"})) == {"a": "2.0b1"}
    assert run(source, "a", all_releases=frozenset({"a"})) == {"a": "2.0b1"}
    assert run(source, "a>=2.0b1") == {"a": "2.0b1"}
    assert run(source, "a>=1.5") == {"a": "2.0b1"}  # only a pre-release matches


def test_only_final_forbids_pre_releases_even_when_nothing_else_matches() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0b1")
    error = failure(source, "a>=1.5", only_final=frozenset({":all:"}))
    assert error.message == (
        "no version of 'a' satisfies a>=1.5 (required by -r requirements.in); available versions: 1.0, 2.0b1"
    )
    assert error.hint == "pre-release versions of 'a' would satisfy it (2.0b1); pass --pre to allow them"


def test_a_project_with_only_pre_releases_uses_them() -> None:
    source = MemorySource().add("a", "1.0a1").add("a", "1.0a2")
    assert run(source, "a") == {"a": "1.0a2"}


def test_format_control() -> None:
    source = MemorySource().add("a", "1.0", sdist=True).add("a", "2.0", sdist=True, tags=())
    assert run(source, "a") == {"a": "2.0"}
    assert run(source, "a", prefer_binary=True) == {"a": "1.0"}
    assert run(source, "a", only_binary=frozenset({":all:"})) == {"a": "1.0"}
    result = resolve(roots("a==1.0"), source, ResolveOptions(target=TARGET, no_binary=frozenset({"a"})))
    assert result.packages[0].link.filename == "a-1.0.tar.gz"
    error = failure(source, "a>=2", only_binary=frozenset({"a"}))
    assert error.hint == "2.0 of 'a' have only files that --only-binary / --no-binary exclude"


def test_files_uploaded_after_the_cut_off_are_ignored() -> None:
    source = MemorySource().add("a", "1.0", uploaded="2023-05-01T10:00:00Z")
    source.add("a", "2.0", uploaded="2024-05-01T10:00:00.123456Z").add("a", "3.0", uploaded=None)
    cut_off = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert run(source, "a", uploaded_prior_to=cut_off) == {"a": "1.0"}
    assert run(source, "a") == {"a": "3.0"}


# -- direct URLs, extras, constraints, overrides ------------------------------------------------------------


def test_direct_url_requirement_gives_the_one_candidate() -> None:
    source = MemorySource().add("a", "1.0").add("a", "9.0", ["b"]).add("b", "1.0")
    wheel = "https://files.test/a-9.0-py3-none-any.whl"
    result = resolve(roots(f"a @ {wheel}", "a>=2"), source, ResolveOptions(target=TARGET))
    assert result.pins() == {"a": "9.0", "b": "1.0"}
    assert result["a"].is_direct and result["a"].pin == f"a @ {wheel}"


def test_two_different_urls_for_one_project_conflict() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0")
    error = failure(
        source,
        "a @ https://files.test/a-1.0-py3-none-any.whl",
        "a @ https://files.test/a-2.0-py3-none-any.whl",
    )
    assert error.message.endswith("cannot be installed together")


def test_extras_bring_their_dependencies_at_the_same_version() -> None:
    source = MemorySource()
    source.add("a", "1.0", ["b"], extras={"fast": ["c>=2"]}).add("a", "2.0", ["b"], extras={"fast": ["c>=3"]})
    source.add("b", "1.0").add("c", "2.0")
    result = resolve(roots("a[fast]"), source, ResolveOptions(target=TARGET))
    assert result.pins() == {"a": "1.0", "b": "1.0", "c": "2.0"}
    assert result["a"].extras == frozenset({"fast"})
    assert result["c"].parents == frozenset({"a"})
    assert sorted(str(d) for d in result["a"].dependencies) == ["b", 'c>=2; extra == "fast"']


def test_constraints_restrict_without_adding() -> None:
    source = MemorySource().add("a", "1.0", ["b"]).add("b", "1.0").add("b", "2.0").add("c", "1.0")
    constraints = [
        RootRequirement.parse(t, "-c constraints.txt", is_constraint=True) for t in ("b<2", "c==1.0")
    ]
    result = resolve([*roots("a"), *constraints], source, ResolveOptions(target=TARGET))
    assert result.pins() == {"a": "1.0", "b": "1.0"}
    assert result["b"].sources == ("-c constraints.txt",)


def test_a_constraint_that_nothing_meets_is_named() -> None:
    source = MemorySource().add("a", "1.0", ["b>=2"]).add("b", "1.0").add("b", "2.0")
    constraint = RootRequirement.parse("b<2", "-c constraints.txt", is_constraint=True)
    error = failure(source, "a", roots=[constraint])
    assert error.message == (
        "a 1.0 depends on b>=2; -c constraints.txt constrains b<2; "
        "so a 1.0 and b<2 (-c constraints.txt) cannot be installed together"
    )


def test_overrides_replace_dependencies() -> None:
    source = MemorySource().add("a", "1.0", ["b<2"]).add("b", "1.0").add("b", "2.0")
    assert run(source, "a", overrides=[Requirement("b>=2")]) == {"a": "1.0", "b": "2.0"}


# -- strategies and preferences -----------------------------------------------------------------------------


def _strategy_source() -> MemorySource:
    source = MemorySource().add("a", "1.0", ["b"]).add("a", "2.0", ["b"])
    return source.add("b", "1.0").add("b", "2.0")


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("highest", {"a": "2.0", "b": "2.0"}),
        ("lowest", {"a": "1.0", "b": "1.0"}),
        ("lowest-direct", {"a": "1.0", "b": "2.0"}),
    ],
)
def test_resolution_strategies(strategy: str, expected: dict[str, str]) -> None:
    assert run(_strategy_source(), "a", strategy=strategy) == expected


def test_previously_pinned_versions_are_kept_unless_upgraded() -> None:
    previous = {"a": Version("1.0"), "b": Version("1.0")}
    for as_constraints in (False, True):
        kept = run(_strategy_source(), "a", preferences=previous, preferences_as_constraints=as_constraints)
        assert kept == {"a": "1.0", "b": "1.0"}
        upgraded = run(
            _strategy_source(),
            "a",
            preferences=previous,
            upgrade=frozenset({"b"}),
            preferences_as_constraints=as_constraints,
        )
        assert upgraded == {"a": "1.0", "b": "2.0"}
        everything = run(
            _strategy_source(),
            "a",
            preferences=previous,
            upgrade_all=True,
            preferences_as_constraints=as_constraints,
        )
        assert everything == {"a": "2.0", "b": "2.0"}


def test_a_previous_pin_the_input_no_longer_allows_is_dropped() -> None:
    previous = {"a": Version("1.0"), "b": Version("1.0")}
    source = _strategy_source().add("a", "3.0", ["b>=2"])
    assert run(source, "a>=3", preferences=previous) == {"a": "3.0", "b": "2.0"}
    result = resolve(
        roots("a>=3"),
        source,
        ResolveOptions(target=TARGET, preferences=previous, preferences_as_constraints=True),
    )
    assert result.pins() == {"a": "3.0", "b": "2.0"}
    assert result.discarded_preferences == ("b==1.0",)


# -- conflicts and unknown projects -------------------------------------------------------------------------


def test_conflict_is_explained_as_a_chain() -> None:
    source = MemorySource().add("a", "1.0", ["c>=2"]).add("b", "2.0", ["c<2"]).add("c", "1.0").add("c", "2.0")
    error = failure(source, "a", "b")
    assert (
        error.message
        == "a 1.0 depends on c>=2; b 2.0 depends on c<2; so a 1.0 and b 2.0 cannot be installed together"
    )
    assert error.hint == "loosen one of these requirements, or pin other versions of the packages involved"
    assert error.exit_code == 1


def test_conflict_with_a_root_requirement_names_its_file() -> None:
    source = MemorySource().add("a", "1.0", ["c>=2"]).add("c", "1.0").add("c", "2.0")
    error = failure(source, "a", "c<2")
    assert error.message == (
        "-r requirements.in requires c<2; a 1.0 depends on c>=2; "
        "so c<2 (-r requirements.in) and a 1.0 cannot be installed together"
    )


def test_no_matching_version_lists_the_versions_that_exist() -> None:
    source = MemorySource().add("a", "1.0").add("a", "1.1")
    error = failure(source, "a>=5")
    assert error.message == (
        "no version of 'a' satisfies a>=5 (required by -r requirements.in); available versions: 1.0, 1.1"
    )
    assert error.hint == f"searched in {INDEX}"


def test_unknown_project_is_one_line_with_a_close_name() -> None:
    source = MemorySource().add("requests", "2.0").add("a", "1.0", ["reqeusts"])
    error = failure(source, "requests", "a")
    assert error.message == f"no package named 'reqeusts' was found in {INDEX}"
    assert error.hint == "did you mean 'requests'?"
    error = failure(MemorySource(), "nothing-here")
    assert (error.message, error.hint) == (f"no package named 'nothing-here' was found in {INDEX}", None)


def test_an_unknown_dependency_of_a_newer_version_backtracks() -> None:
    source = MemorySource().add("a", "1.0").add("a", "2.0", ["gone"])
    assert run(source, "a") == {"a": "1.0"}


def test_metadata_errors_from_the_source_reach_the_user() -> None:
    source = MemorySource().add("a", "1.0")
    source.meta.clear()
    assert failure(source, "a").message == "no metadata for a-1.0-py3-none-any.whl"


def test_inconsistent_metadata_is_an_error() -> None:
    source = MemorySource().add("a", "1.0")
    link = source.files["a"][0]
    source.meta[link.url] = source.meta[link.url].replace(b"Version: 1.0", b"Version: 1.1")
    assert "inconsistent metadata" in failure(source, "a").message


# -- prefetch ----------------------------------------------------------------------------------------------


def test_dependencies_and_their_best_metadata_are_prefetched() -> None:
    source = MemorySource().add("a", "1.0", ["b", "c"]).add("b", "1.0").add("c", "1.0").add("c", "2.0")
    run(source, "a")
    assert source.prefetched[:3] == ["a", "b", "c"]
    assert "c-2.0-py3-none-any.whl" in source.metadata_prefetched
    source.prefetched.clear()
    run(source, "a", prefetch=False)
    assert source.prefetched == []


def test_options_can_be_copied_with_a_new_target() -> None:
    options = ResolveOptions(target=TARGET)
    other = replace(options, target=synthetic_target("3.8", "windows"))
    source = MemorySource().add("a", "1.0", tags=["cp38-cp38-win_amd64"])
    assert resolve(roots("a"), source, other).pins() == {"a": "1.0"}
    with pytest.raises(PipcompatError):
        resolve(roots("a"), source, options)


def test_a_requirement_nothing_meets_is_reported_alone_even_among_others() -> None:
    source = MemorySource().add("a", "1.0", ["c>=1"]).add("c", "1.0").add("c", "2.0")
    error = failure(source, "a", "c>=5")
    assert error.message == (
        "no version of 'c' satisfies c>=5 (required by -r requirements.in); available versions: 1.0, 2.0"
    )
