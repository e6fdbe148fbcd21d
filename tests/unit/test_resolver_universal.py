"""Universal resolution: markers as sets of environments, their rendering, forks and merging (in memory)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from pipcompat.errors import PipcompatError, UsageError
from pipcompat.models import Link
from pipcompat.resolver import ResolveOptions, RootRequirement, synthetic_target
from pipcompat.resolver.universal import UniversalResolution, Universe, python_range, resolve_universal

INDEX = "https://index.test/simple"


class MemorySource:
    """A ``PackageSource`` over projects described in code."""

    def __init__(self) -> None:
        self.files: dict[str, list[Link]] = {}
        self.meta: dict[str, bytes] = {}

    def add(
        self,
        name: str,
        version: str,
        deps: Sequence[str] = (),
        *,
        requires_python: str | None = None,
        extras: Mapping[str, Sequence[str]] | None = None,
        tags: Sequence[str] = ("py3-none-any",),
    ) -> MemorySource:
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        if requires_python:
            lines.append(f"Requires-Python: {requires_python}")
        lines += [f"Requires-Dist: {dep}" for dep in deps]
        for extra, extra_deps in (extras or {}).items():
            lines.append(f"Provides-Extra: {extra}")
            for text in extra_deps:
                dep, _, own = text.partition(";")
                marker = f'({own.strip()}) and extra == "{extra}"' if own else f'extra == "{extra}"'
                lines.append(f"Requires-Dist: {dep.strip()}; {marker}")
        metadata = ("\n".join(lines) + "\n").encode()
        stem = f"{name.replace('-', '_')}-{version}"
        for tag in tags:
            filename = f"{stem}-{tag}.whl"
            link = Link(
                filename=filename,
                url=f"https://files.test/{filename}",
                index_url=INDEX,
                requires_python=requires_python,
            )
            self.files.setdefault(canonicalize_name(name), []).append(link)
            self.meta[link.url] = metadata
        return self

    def links(self, name: str) -> list[Link]:
        return list(self.files.get(name, []))

    def metadata(self, link: Link) -> bytes:
        return self.meta[link.url]

    def prefetch(self, names: Iterable[str]) -> None:
        pass

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        pass


U38 = Universe.from_python_version("3.8")


def universal(source: MemorySource, *texts: str, universe: Universe = U38) -> UniversalResolution:
    roots = [RootRequirement.parse(text, "-r requirements.in") for text in texts]
    options = ResolveOptions(target=synthetic_target("3.11", "linux"), index_urls=(INDEX,))
    return resolve_universal(roots, source, options, universe)


def pins(result: UniversalResolution) -> list[str]:
    return [f"{p.name}=={p.version}" + (f" ; {p.markers}" if p.markers else "") for p in result.packages]


# -- markers as sets of environments ----------------------------------------------------------------------


def test_python_range_starts_at_the_lower_bound_and_honours_upper_bounds() -> None:
    assert python_range(">=3.8")[:2] == ["3.8.0", "3.9.0"]
    assert python_range(">=3.8.1,<3.11") == ["3.8.1", "3.9.0", "3.10.0"]
    with pytest.raises(UsageError):
        python_range(">=4")


@pytest.mark.parametrize(
    ("marker", "rendered"),
    [
        ('python_version >= "3.8" and python_version >= "3.8"', None),
        ('python_version >= "3.7"', None),
        ('python_version >= "3.9" and python_version >= "3.9"', 'python_version >= "3.9"'),
        ('python_version < "3.10"', 'python_version < "3.10"'),
        (
            'python_version > "3.9" and python_version <= "3.11"',
            'python_version >= "3.10" and python_version < "3.12"',
        ),
        ('python_full_version >= "3.10.0" and python_version == "3.10"', 'python_version == "3.10"'),
        ('sys_platform == "linux" or sys_platform == "darwin"', 'sys_platform != "win32"'),
        ('os_name == "nt" and sys_platform == "win32"', 'sys_platform == "win32"'),
        ('sys_platform == "win32" or sys_platform != "win32"', None),
        ('platform_machine == "aarch64" and sys_platform == "linux"', 'platform_machine == "aarch64"'),
        (
            'python_version < "3.9" or python_version >= "3.9" and sys_platform == "win32"',
            'python_version < "3.9" or sys_platform == "win32"',
        ),
    ],
)
def test_markers_are_simplified(marker: str, rendered: str | None) -> None:
    assert U38.render(U38.mask(marker)) == rendered


def test_rendered_markers_mean_the_same_set() -> None:
    for text in (
        'python_version >= "3.10" and sys_platform == "linux" or python_version < "3.9"',
        'platform_machine == "x86_64" or implementation_name == "pypy"',
        'sys_platform != "darwin" and python_version < "3.12" and implementation_name == "cpython"',
    ):
        mask = U38.mask(text)
        rendered = U38.render(mask)
        assert rendered is not None and U38.mask(Marker(rendered)) == mask


def test_input_spelling_is_kept_when_it_means_the_same_set() -> None:
    mask = U38.mask('platform_system == "Windows"')
    assert U38.render(mask) == 'sys_platform == "win32"'
    assert U38.render(mask, ['platform_system == "Windows"']) == 'platform_system == "Windows"'
    assert U38.render(
        mask, ['python_version >= "3.8" and platform_system == "Windows" and os_name == "nt"']
    ) == ('sys_platform == "win32"')


def test_extras_turn_on_their_own_requirements_only() -> None:
    from packaging.requirements import Requirement

    req = Requirement('b; extra == "win" and sys_platform == "win32"')
    assert U38.requirement_mask(req) == 0
    assert U38.requirement_mask(req, {"win"}) == U38.mask('sys_platform == "win32"')
    assert U38.requirement_mask(Requirement("c"), {"win"}) == 0


# -- forks ------------------------------------------------------------------------------------------------


def test_platform_specific_dependency_carries_its_marker() -> None:
    source = MemorySource().add("app", "1.0", ['pywin32>=300; sys_platform == "win32"']).add("pywin32", "306")
    assert pins(universal(source, "app")) == ["app==1.0", 'pywin32==306 ; sys_platform == "win32"']


def test_marker_reaches_transitive_dependencies_through_the_graph() -> None:
    source = (
        MemorySource()
        .add("app", "1.0", ['winhelper; platform_system == "Windows"'])
        .add("winhelper", "1.0", ["common", 'py38only; python_version < "3.9"'])
        .add("common", "2.0")
        .add("py38only", "1.0")
    )
    assert pins(universal(source, "app")) == [
        "app==1.0",
        'common==2.0 ; platform_system == "Windows"',
        'py38only==1.0 ; python_version < "3.9" and sys_platform == "win32"',
        'winhelper==1.0 ; platform_system == "Windows"',
    ]


def test_conflicting_requirements_under_disjoint_markers_fork() -> None:
    source = (
        MemorySource()
        .add("numpy", "1.24.4", requires_python=">=3.8")
        .add("numpy", "1.26.4", requires_python=">=3.9")
        .add("numpy", "2.1.0", requires_python=">=3.10")
    )
    result = universal(source, 'numpy>=2; python_version >= "3.10"', 'numpy<2; python_version < "3.10"')
    assert pins(result) == [
        'numpy==1.24.4 ; python_version < "3.9"',
        'numpy==1.26.4 ; python_version == "3.9"',
        'numpy==2.1.0 ; python_version >= "3.10"',
    ]
    assert len(result.forks) == 3


def test_forks_prefer_versions_chosen_by_earlier_forks() -> None:
    source = (
        MemorySource()
        .add("a", "1.0", ["shared"])
        .add("lib", "1.0")
        .add("lib", "2.0")
        .add("shared", "1.0")
        .add("shared", "2.0")
    )
    result = universal(source, "a", 'lib>=2; python_version >= "3.10"', 'lib<2; python_version < "3.10"')
    assert pins(result) == [
        "a==1.0",
        'lib==1.0 ; python_version < "3.10"',
        'lib==2.0 ; python_version >= "3.10"',
        "shared==2.0",
    ]


def test_requires_python_must_hold_for_the_whole_range_of_a_fork() -> None:
    source = (
        MemorySource().add("lib", "1.0", requires_python=">=3.7").add("lib", "2.0", requires_python=">=3.9")
    )
    assert pins(universal(source, "lib", universe=Universe.from_python_version("3.9"))) == ["lib==2.0"]
    # As uv does: newer Pythons get the newer version, the older ones the newest that supports them.
    assert pins(universal(source, "lib")) == [
        'lib==1.0 ; python_version < "3.9"',
        'lib==2.0 ; python_version >= "3.9"',
    ]


def test_requires_python_forks_split_at_every_boundary() -> None:
    source = (
        MemorySource()
        .add("numpy", "1.24.4", requires_python=">=3.8")
        .add("numpy", "1.26.4", requires_python=">=3.9")
        .add("numpy", "2.1.0", requires_python=">=3.10")
    )
    assert pins(universal(source, "numpy")) == [
        'numpy==1.24.4 ; python_version < "3.9"',
        'numpy==1.26.4 ; python_version == "3.9"',
        'numpy==2.1.0 ; python_version >= "3.10"',
    ]


def test_a_version_installable_on_some_platform_only_is_acceptable() -> None:
    source = MemorySource().add(
        "native", "1.0", tags=("cp312-cp312-win_amd64", "cp39-cp39-manylinux_2_17_x86_64")
    )
    assert pins(universal(source, "native")) == ["native==1.0"]


def test_dependency_needed_for_some_extras_under_a_marker() -> None:
    source = (
        MemorySource()
        .add("lib", "1.0", extras={"speed": ['fastpath; sys_platform != "win32"']})
        .add("fastpath", "1.0")
    )
    assert pins(universal(source, "lib[speed]")) == ['fastpath==1.0 ; sys_platform != "win32"', "lib==1.0"]


def test_root_requirement_that_applies_nowhere_is_ignored() -> None:
    source = MemorySource().add("a", "1.0")
    result = universal(source, "a", 'old; python_version < "3.0"')
    assert pins(result) == ["a==1.0"]
    assert [str(r.requirement) for r in result.ignored] == ['old; python_version < "3.0"']


def test_conflict_in_every_fork_is_explained_with_its_environments() -> None:
    source = MemorySource().add("a", "1.0", ["c<2"]).add("b", "1.0", ["c>=2"]).add("c", "1.0").add("c", "2.0")
    with pytest.raises(PipcompatError) as info:
        universal(source, 'a; sys_platform == "win32"', "b")
    message = info.value.message
    assert "a 1.0 depends on c<2" in message and "b 1.0 depends on c>=2" in message
    assert 'in the environments where sys_platform == "win32"' in message


def test_disjoint_parents_with_conflicting_dependencies_do_not_fork() -> None:
    # As uv: only sibling requirements on one project fork; these two never meet, so they must agree.
    source = MemorySource().add("a", "1.0", ["c<2"]).add("b", "1.0", ["c>=2"]).add("c", "1.0").add("c", "2.0")
    with pytest.raises(PipcompatError) as info:
        universal(source, 'a; sys_platform == "win32"', 'b; sys_platform != "win32"')
    assert info.value.message == (
        "a 1.0 depends on c<2; b 1.0 depends on c>=2; so a 1.0 and b 1.0 cannot be installed together"
    )


def test_sibling_requirements_with_different_markers_fork_without_a_conflict() -> None:
    source = MemorySource().add("lib", "1.0").add("lib", "2.0")
    result = universal(source, 'lib<2; sys_platform == "linux"', 'lib; sys_platform != "linux"')
    assert result.forks == ('sys_platform == "linux"', 'sys_platform != "linux"')
    # The second fork prefers what the first chose, so the forks differ only where they must.
    assert pins(result) == ["lib==1.0"]


def test_siblings_of_a_dependency_fork_too() -> None:
    source = (
        MemorySource()
        .add("app", "1.0", ['lib<2; sys_platform == "win32"', 'lib>=2; sys_platform != "win32"'])
        .add("lib", "1.0")
        .add("lib", "2.0")
    )
    assert pins(universal(source, "app")) == [
        "app==1.0",
        'lib==1.0 ; sys_platform == "win32"',
        'lib==2.0 ; sys_platform != "win32"',
    ]


def test_a_conflict_in_one_fork_names_the_environments_of_that_fork() -> None:
    source = (
        MemorySource()
        .add("a", "1.0", ["b", "c"])
        .add("a", "2.0")
        .add("b", "1.0", ["d==1"])
        .add("c", "1.0", ["d==2"])
        .add("d", "1.0")
        .add("d", "2.0")
    )
    with pytest.raises(PipcompatError) as info:
        universal(source, 'a>=2; sys_platform == "linux"', 'a<2; sys_platform == "darwin"')
    assert info.value.message.endswith('(in the environments where sys_platform == "darwin")')


def test_platforms_named_only_by_markers_join_the_universe() -> None:
    universe = U38.covering([Marker('sys_platform == "os1"'), Marker('sys_platform == "linux"'), None])
    assert len(universe.environments) == len(U38.environments) * 6 // 5
    assert U38.covering([Marker('sys_platform == "win32"')]) is U38
    assert universe.render(universe.mask('sys_platform == "os1"')) == 'sys_platform == "os1"'
    source = MemorySource().add("a", "1.0").add("a", "2.0")
    result = universal(source, 'a>=2; sys_platform == "os1"', 'a<2; sys_platform == "os2"')
    assert pins(result) == ['a==1.0 ; sys_platform == "os2"', 'a==2.0 ; sys_platform == "os1"']


def test_wheels_for_any_platform_with_a_python_tag_fit_the_pythons_they_name() -> None:
    source = MemorySource().add(
        "a", "1.0", requires_python=">=3.10", tags=("cp311-cp311-any", "cp310-cp310-any", "cp39-cp39-any")
    )
    result = universal(source, "a==1.0", universe=Universe.from_python_version("3.10"))
    assert pins(result) == ["a==1.0"]
    assert result.packages[0].link.filename == "a-1.0-cp310-cp310-any.whl"


def test_a_version_with_only_an_sdist_for_the_fork_reads_a_wheels_metadata() -> None:
    source = (
        MemorySource().add("native", "1.0", ["helper"], tags=("cp39-cp39-win_amd64",)).add("helper", "1.0")
    )
    sdist = "native-1.0.tar.gz"
    source.files["native"].append(Link(filename=sdist, url=f"https://files.test/{sdist}", index_url=INDEX))
    # No metadata is served for the sdist (it would need a build): the wheel's is used.
    result = universal(source, "native", universe=Universe.from_python_version("3.14"))
    assert pins(result) == ["helper==1.0", "native==1.0"]
    assert {p.name: p.link.filename for p in result.packages}["native"] == sdist
