"""Universal resolution: one result valid for every supported Python version and platform, with markers.

A :class:`Universe` is a finite set of representative environments: every Python minor version the project
supports (from its ``requires-python`` lower bound up to :data:`NEWEST_PYTHON`) x five platforms (Linux
x86_64 and aarch64, macOS arm64 and x86_64, Windows AMD64) x two implementations (CPython, PyPy). A marker
becomes a *mask*, the set of environments where it is true (an ``int`` used as a bit set), so ``and``,
``or`` and ``not`` are ``&``, ``|`` and ``~``, and two markers are equivalent when their masks are equal.
:meth:`Universe.render` turns a mask back into a short marker (a greedy cover by Python ranges x platform
sets x implementations), so ``python_version >= "3.8" and python_version >= "3.8"`` never reaches the
output.

:func:`resolve_universal` forks as uv does, on *fork markers*: it resolves once for the whole universe, with
each requirement included when its marker can be true in the fork; when a dependency list (the roots', or a
candidate's) names one project more than once with markers that differ (``numpy>=2; python_version >=
"3.10"`` and ``numpy<2; python_version < "3.10"``), the fork is split along one of them and each part is
resolved again (later forks prefer the versions earlier ones chose). A conflict does not split a fork. The
results are merged: every pinned version carries the marker of the environments that need it (``None``
when every environment does). See ``docs/resolver.md``.

This module imports neither ``resolvelib`` nor the index; the fork driver (:mod:`pipcompat.resolver.forks`)
is imported when a resolution runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from pipcompat.errors import UsageError
from pipcompat.models import TargetEnvironment
from pipcompat.resolver.model import PackageSource, Resolution, ResolveOptions, RootRequirement

if TYPE_CHECKING:
    from pipcompat.resolver.model import ResolvedPackage

#: The newest Python minor version the universe holds (markers about later ones read as about this one).
NEWEST_PYTHON = (3, 15)
#: The oldest Python a universe may start from.
OLDEST_PYTHON = (3, 6)


@dataclass(frozen=True)
class Platform:
    """One representative platform: marker values and the ``--python-platform`` name for its wheel tags."""

    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str
    triple: str | None
    """``None`` for a platform only named by markers (``sys_platform == "os1"``): pure wheels only."""


PLATFORMS: tuple[Platform, ...] = (
    Platform("linux", "Linux", "posix", "x86_64", "x86_64-unknown-linux-gnu"),
    Platform("linux", "Linux", "posix", "aarch64", "aarch64-unknown-linux-gnu"),
    Platform("darwin", "Darwin", "posix", "arm64", "aarch64-apple-darwin"),
    Platform("darwin", "Darwin", "posix", "x86_64", "x86_64-apple-darwin"),
    Platform("win32", "Windows", "nt", "AMD64", "x86_64-pc-windows-msvc"),
)
#: The marker variables that tell platforms apart.
PLATFORM_VARIABLES = ("sys_platform", "platform_system", "os_name", "platform_machine")
#: At most this many platforms named only by markers are added to a universe.
MAX_MARKER_PLATFORMS = 4
#: ``(implementation_name, platform_python_implementation)``.
IMPLEMENTATIONS: tuple[tuple[str, str], ...] = (("cpython", "CPython"), ("pypy", "PyPy"))


@dataclass(frozen=True)
class Environment:
    """One point of the universe: a Python version, a platform and an implementation."""

    python: tuple[int, int]
    full_version: str
    platform: Platform
    implementation: str

    def markers(self, extra: str = "") -> dict[str, str]:
        name, pretty = next(i for i in IMPLEMENTATIONS if i[0] == self.implementation)
        return {
            "python_version": f"{self.python[0]}.{self.python[1]}",
            "python_full_version": self.full_version,
            "implementation_name": name,
            "implementation_version": self.full_version,
            "platform_python_implementation": pretty,
            "sys_platform": self.platform.sys_platform,
            "platform_system": self.platform.platform_system,
            "os_name": self.platform.os_name,
            "platform_machine": self.platform.platform_machine,
            "platform_release": "",
            "platform_version": "",
            "extra": extra,
        }


@dataclass(frozen=True)
class _Cube:
    """A product of a Python range, a platform set and an implementation set, with its marker."""

    mask: int
    text: str


def _popcount(value: int) -> int:
    return bin(value).count("1")


def python_range(requires_python: str | SpecifierSet) -> list[str]:
    """The representative Python versions (one per minor, the lowest allowed patch) of a requires-python.

    ``">=3.8"`` → ``["3.8.0", "3.9.0", …, "3.15.0"]``; ``">=3.8.1,<3.12"`` → ``["3.8.1", …, "3.11.0"]``.
    """
    try:
        spec = requires_python if isinstance(requires_python, SpecifierSet) else SpecifierSet(requires_python)
    except InvalidSpecifier:
        raise UsageError(f"invalid requires-python {requires_python!r}") from None
    result: list[str] = []
    for minor in range(OLDEST_PYTHON[1], NEWEST_PYTHON[1] + 1):
        candidates = [f"3.{minor}.0"]
        for item in spec:
            match = re.fullmatch(r"3\.(\d+)\.(\d+)", item.version)
            if match and int(match.group(1)) == minor:
                candidates.append(item.version)
        for text in candidates:
            if spec.contains(Version(text), prereleases=True):
                result.append(text)
                break
    if not result:
        raise UsageError(
            f"no Python version between 3.{OLDEST_PYTHON[1]} and 3.{NEWEST_PYTHON[1]} satisfies "
            f"requires-python {str(spec)!r}"
        )
    return result


class Universe:
    """The representative environments of a universal resolution, and markers as sets of them."""

    def __init__(self, python_versions: Sequence[str], platforms: Sequence[Platform] = PLATFORMS) -> None:
        if not python_versions:
            raise ValueError("a universe needs at least one Python version")
        self.platforms = tuple(platforms)
        self.python_versions = tuple(python_versions)
        self.pythons: tuple[tuple[int, int], ...] = tuple(
            (int(v.split(".")[0]), int(v.split(".")[1])) for v in self.python_versions
        )
        self.environments: tuple[Environment, ...] = tuple(
            Environment(python, full, platform, implementation)
            for python, full in zip(self.pythons, self.python_versions, strict=True)
            for platform in self.platforms
            for implementation, _ in IMPLEMENTATIONS
        )
        self.full = (1 << len(self.environments)) - 1
        self._masks: dict[tuple[str, str], int] = {}
        self._cubes: list[_Cube] | None = None
        self._rendered: dict[int, str | None] = {}
        self._tags: dict[int, tuple[str, ...]] = {}

    @classmethod
    def from_requires_python(cls, requires_python: str | SpecifierSet) -> Universe:
        """The universe of every environment a project's ``requires-python`` allows."""
        return cls(python_range(requires_python))

    @classmethod
    def from_python_version(cls, version: str) -> Universe:
        """``--python-version X.Y[.Z]`` as uv reads it with ``--universal``: a lower bound (``>=X.Y``)."""
        parts = version.strip().split(".")
        if len(parts) < 2 or not all(p.isdigit() for p in parts[:3]):
            raise UsageError(f"invalid Python version {version!r}", hint="give a version like 3.11 or 3.11.4")
        return cls.from_requires_python(f">={'.'.join(parts[:3])}")

    def __repr__(self) -> str:
        return f"Universe({self.requires_python})"

    def covering(self, markers: Iterable[Marker | None]) -> Universe:
        """This universe, plus a platform for every value of a platform variable (``sys_platform``,
        ``platform_system``, ``os_name``, ``platform_machine``) that *markers* compare with and no platform
        of the universe has (``sys_platform == "os1"``), so a requirement for such a platform is resolved
        (from pure wheels and sdists) instead of dropped. ``self`` when there is none."""
        extra: list[Platform] = []
        for marker in markers:
            if marker is None:
                continue
            for variable, value in _platform_values(marker._markers):
                known = {getattr(platform, variable) for platform in (*self.platforms, *extra)}
                if value in known or len(extra) >= MAX_MARKER_PLATFORMS:
                    continue
                fields = dict.fromkeys(PLATFORM_VARIABLES, "")
                fields[variable] = value
                extra.append(Platform(**fields, triple=None))
        if not extra:
            return self
        return Universe(self.python_versions, (*self.platforms, *extra))

    @property
    def requires_python(self) -> str:
        """The range as a specifier: ``>=3.8`` (the top of the universe is left open)."""
        return f">={self.python_versions[0].removesuffix('.0')}"

    # -- markers → masks -----------------------------------------------------------------------------

    def mask(self, marker: Marker | str | None, extra: str = "") -> int:
        """The environments where *marker* is true (``extra`` set to *extra*); every one for ``None``."""
        if marker is None:
            return self.full
        text = str(marker)
        key = (text, extra)
        cached = self._masks.get(key)
        if cached is not None:
            return cached
        parsed = marker if isinstance(marker, Marker) else Marker(text)
        value = 0
        for index, environment in enumerate(self.environments):
            if parsed.evaluate(environment.markers(extra)):
                value |= 1 << index
        self._masks[key] = value
        return value

    def requirement_mask(self, requirement: Requirement, extras: Iterable[str] = ()) -> int:
        """Where a dependency applies, as the resolver takes it: for a project's base candidate, where its
        marker holds without an extra; for a ``name[extras]`` candidate, where one of the extras turns it on
        and it would not be on anyway."""
        marker = requirement.marker
        chosen = frozenset(extras)
        if not chosen:
            return self.mask(marker)
        if marker is None:
            return 0
        turned_on = 0
        for extra in chosen:
            turned_on |= self.mask(marker, extra)
        return turned_on & ~self.mask(marker)

    # -- what a fork needs ---------------------------------------------------------------------------

    def lowest_python(self, mask: int) -> str:
        """The lowest full Python version among the environments of *mask*."""
        for index, environment in enumerate(self.environments):
            if mask >> index & 1:
                return environment.full_version
        return self.python_versions[0]

    def tags(self, mask: int) -> tuple[str, ...]:
        """Every wheel tag some environment of *mask* accepts (CPython and PyPy), most specific first."""
        pairs: dict[tuple[tuple[int, int], str | None], None] = {}
        for index, environment in enumerate(self.environments):
            if mask >> index & 1:
                pairs.setdefault((environment.python, environment.platform.triple), None)
        key = hash(tuple(pairs))
        cached = self._tags.get(key)
        if cached is not None:
            return cached
        from packaging.tags import compatible_tags, generic_tags

        from pipcompat.resolver.target import synthetic_target

        seen: dict[str, None] = {}
        for (major, minor), triple in pairs:
            if triple is None:
                continue
            target = synthetic_target(f"{major}.{minor}", triple)
            for tag in target.tags:
                seen.setdefault(tag, None)
        for (major, minor), triple in pairs:
            if triple is None:
                continue
            platforms = _platforms(synthetic_target(f"{major}.{minor}", triple).tags)
            interpreter = f"pp{major}{minor}"
            for pypy_tag in (
                *generic_tags(interpreter, [f"pypy{major}{minor}_pp73", "none"], platforms),
                *compatible_tags((major, minor), interpreter, platforms),
            ):
                seen.setdefault(str(pypy_tag), None)
        # A platform of ``any`` fits every platform: ``cp310-cp310-any`` is a CPython 3.10 wheel for all of
        # them. A platform known only from markers installs such wheels alone.
        for (major, minor), _ in pairs:
            for pure in (
                *generic_tags(f"cp{major}{minor}", [f"cp{major}{minor}", "abi3", "none"], ["any"]),
                *compatible_tags((major, minor), f"cp{major}{minor}", ["any"]),
                *generic_tags(f"pp{major}{minor}", [f"pypy{major}{minor}_pp73", "none"], ["any"]),
            ):
                seen.setdefault(str(pure), None)
        for tag in tuple(seen):
            interpreter, abi, platform = tag.split("-")
            if platform != "any":
                seen.setdefault(f"{interpreter}-{abi}-any", None)
        result = self._tags[key] = tuple(seen)
        return result

    def target(self, mask: int) -> TargetEnvironment:
        """The target a fork resolves for: its lowest Python (Requires-Python must hold there, and so for
        the whole range, as uv requires) and every wheel tag of its environments (a version is usable when
        some environment can install it)."""
        first = next((env for i, env in enumerate(self.environments) if mask >> i & 1), self.environments[0])
        markers = first.markers()
        markers.pop("extra")
        return TargetEnvironment(
            python_version=self.lowest_python(mask),
            markers=markers,
            tags=self.tags(mask),
            implementation="cpython",
        )

    # -- masks → markers -----------------------------------------------------------------------------

    def render(self, mask: int, hints: Iterable[str] = ()) -> str | None:
        """A short marker that is true exactly in the environments of *mask* (``None`` for all of them).

        The first *hint* (a marker from the input, say ``platform_system == "Windows"``) that means the same
        set and is not much longer than the generated marker is used as written, so the output keeps the
        input's vocabulary.
        """
        mask &= self.full
        if mask == self.full:
            return None
        if mask == 0:
            return 'python_version < "0"'
        generated = self._rendered.get(mask)
        if mask not in self._rendered:
            generated = self._rendered[mask] = self._cover(mask)
        assert generated is not None
        for hint in hints:
            if "extra" in hint:
                continue
            try:
                normal = str(Marker(hint))
            except ValueError:
                continue
            if self.mask(normal) & self.full == mask and len(normal) <= len(generated) + 16:
                return normal
        return generated

    def _cover(self, mask: int) -> str:
        cubes = [cube for cube in self._all_cubes() if cube.mask & ~mask == 0]
        remaining = mask
        chosen: list[_Cube] = []
        while remaining:
            best = max(cubes, key=lambda cube: (_popcount(cube.mask & remaining), -len(cube.text)))
            chosen.append(best)
            remaining &= ~best.mask
        if len(chosen) == 1:
            return chosen[0].text
        return " or ".join(sorted(cube.text for cube in chosen))

    def _all_cubes(self) -> list[_Cube]:
        if self._cubes is not None:
            return self._cubes
        python_masks = [0] * len(self.pythons)
        platform_masks = [0] * len(self.platforms)
        implementation_masks = [0] * len(IMPLEMENTATIONS)
        names = [name for name, _ in IMPLEMENTATIONS]
        for index, environment in enumerate(self.environments):
            python_masks[self.pythons.index(environment.python)] |= 1 << index
            platform_masks[self.platforms.index(environment.platform)] |= 1 << index
            implementation_masks[names.index(environment.implementation)] |= 1 << index
        implementations = {
            frozenset({0, 1}): "",
            frozenset({0}): 'implementation_name != "pypy"',
            frozenset({1}): 'implementation_name == "pypy"',
        }
        platform_sets = []
        for members, (text, is_or) in _platform_expressions(self.platforms).items():
            value = 0
            for member in members:
                value |= platform_masks[member]
            platform_sets.append((value, text, is_or))
        cubes: list[_Cube] = []
        count = len(self.pythons)
        for low in range(count):
            python_value = 0
            for high in range(low, count):
                python_value |= python_masks[high]
                python_text = self._python_text(low, high)
                for platform_value, platform_text, is_or in platform_sets:
                    for members, implementation_text in implementations.items():
                        implementation_value = 0
                        for member in members:
                            implementation_value |= implementation_masks[member]
                        parts = [t for t in (python_text, platform_text, implementation_text) if t]
                        if not parts:
                            continue
                        if is_or and len(parts) > 1:
                            parts = [f"({t})" if t == platform_text else t for t in parts]
                        value = python_value & platform_value & implementation_value
                        cubes.append(_Cube(value, " and ".join(parts)))
        self._cubes = cubes
        return cubes

    def _python_text(self, low: int, high: int) -> str:
        last = len(self.pythons) - 1
        if low == 0 and high == last:
            return ""
        first = self.pythons[low]
        if low == 0:
            upper = self.pythons[high + 1]
            return f'python_version < "{upper[0]}.{upper[1]}"'
        if high == last:
            return f'python_version >= "{first[0]}.{first[1]}"'
        if low == high:
            return f'python_version == "{first[0]}.{first[1]}"'
        upper = self.pythons[high + 1]
        return f'python_version >= "{first[0]}.{first[1]}" and python_version < "{upper[0]}.{upper[1]}"'


def _platforms(tags: Sequence[str]) -> list[str]:
    result: dict[str, None] = {}
    for tag in tags:
        platform = tag.rsplit("-", 1)[-1]
        if platform != "any":
            result.setdefault(platform, None)
    return list(result)


def _platform_values(parsed: Any) -> Iterable[tuple[str, str]]:
    """``(variable, value)`` of every comparison of a platform variable with a string in a parsed marker."""
    if isinstance(parsed, (list, tuple)) and len(parsed) == 3 and hasattr(parsed[0], "value"):
        left, _, right = parsed
        for variable, value in ((left, right), (right, left)):
            if (
                type(variable).__name__ == "Variable"
                and variable.value in PLATFORM_VARIABLES
                and type(value).__name__ == "Value"
            ):
                yield variable.value, value.value
        return
    if isinstance(parsed, (list, tuple)):
        for item in parsed:
            if not isinstance(item, str):
                yield from _platform_values(item)


_PLATFORM_EXPRESSIONS: dict[tuple[Platform, ...], dict[frozenset[int], tuple[str, bool]]] = {}


def _platform_expressions(platforms: tuple[Platform, ...]) -> dict[frozenset[int], tuple[str, bool]]:
    """The shortest marker for every non-empty set of *platforms* (``""`` for all of them), and
    whether it is an ``or`` (needs parentheses inside an ``and``)."""
    cached = _PLATFORM_EXPRESSIONS.get(platforms)
    if cached is not None:
        return cached
    PLATFORMS = platforms
    everything = frozenset(range(len(PLATFORMS)))
    atoms: dict[frozenset[int], str] = {}

    def offer(members: frozenset[int], text: str) -> None:
        if members and (members not in atoms or len(text) < len(atoms[members])):
            atoms[members] = text

    systems = sorted({p.sys_platform for p in PLATFORMS})
    machines = sorted({p.platform_machine for p in PLATFORMS})
    for system in systems:
        members = frozenset(i for i, p in enumerate(PLATFORMS) if p.sys_platform == system)
        offer(members, f'sys_platform == "{system}"')
        offer(everything - members, f'sys_platform != "{system}"')
        for machine in machines:
            both = frozenset(i for i in members if PLATFORMS[i].platform_machine == machine)
            if both and both != members:
                offer(both, f'sys_platform == "{system}" and platform_machine == "{machine}"')
            rest = frozenset(i for i in members if PLATFORMS[i].platform_machine != machine)
            if rest and rest != members and len(rest) > 1:
                offer(rest, f'sys_platform == "{system}" and platform_machine != "{machine}"')
    for machine in machines:
        members = frozenset(i for i, p in enumerate(PLATFORMS) if p.platform_machine == machine)
        offer(members, f'platform_machine == "{machine}"')
    result: dict[frozenset[int], tuple[str, bool]] = {everything: ("", False)}
    ordered = sorted(atoms.items(), key=lambda item: (len(item[1]), item[1]))
    for size in range(1, len(PLATFORMS)):
        for subset in combinations(range(len(PLATFORMS)), size):
            wanted = frozenset(subset)
            if wanted in atoms:
                result[wanted] = (atoms[wanted], False)
                continue
            remaining = set(wanted)
            parts: list[str] = []
            while remaining:
                members, text = max(
                    ((m, t) for m, t in ordered if m <= wanted),
                    key=lambda item: (len(item[0] & remaining), -len(item[1])),
                )
                parts.append(text)
                remaining -= members
            result[wanted] = (" or ".join(parts), True)
    _PLATFORM_EXPRESSIONS[platforms] = result
    return result


# --------------------------------------------------------------------------------------------------------
# The resolution


@dataclass(frozen=True)
class ScopedPreference:
    """A previous pin that holds where its marker does (``numpy==2.2.6 ; python_version >= "3.10"`` of an
    existing ``--universal`` output): preferred only in the forks the marker covers, as uv matches its
    preferences to fork markers."""

    name: str
    """Canonical project name."""
    version: Version
    marker: Marker | None = None


@dataclass(frozen=True)
class UniversalResolution(Resolution):
    """A :class:`Resolution` for a whole universe.

    A project may appear more than once, at different versions with disjoint markers; ``markers`` of a
    package is ``None`` when every environment needs that version. ``forks`` are the markers of the
    environment sets that were resolved separately (one ``None`` when no fork was needed); ``masks``
    holds each package's environments, in the order of ``packages``.
    """

    forks: tuple[str | None, ...] = ()
    masks: tuple[int, ...] = ()
    universe: Universe | None = field(default=None, compare=False)


def resolve_universal(
    roots: Sequence[RootRequirement],
    source: PackageSource,
    options: ResolveOptions,
    universe: Universe,
    *,
    max_forks: int = 64,
    scoped_preferences: Sequence[ScopedPreference] = (),
) -> UniversalResolution:
    """Resolve *roots* for every environment of *universe*; ``PipcompatError`` explains a failure.

    Root requirements keep their markers (evaluated without an extra); ``options.target`` is ignored (each
    fork makes its own). Previously pinned versions (``options.preferences``) are tried first, never
    forced; for a name in *scoped_preferences* a fork prefers the version whose marker covers most of it,
    and none of them when no marker meets it.
    """
    from pipcompat.resolver.forks import resolve_forks

    return resolve_forks(
        roots, source, options, universe, max_forks=max_forks, scoped_preferences=scoped_preferences
    )


def merged_pins(resolution: Resolution) -> Mapping[str, list[ResolvedPackage]]:
    """The packages of *resolution* by canonical name (several for a name that differs between forks)."""
    result: dict[str, list[ResolvedPackage]] = {}
    for package in resolution.packages:
        result.setdefault(package.name, []).append(package)
    return result
