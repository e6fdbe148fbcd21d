"""packse 0.3.59 resolver scenarios against pipcompat, one test per scenario (see ``docs/packse.md``).

The scenarios are read from packse's sdist (downloaded from PyPI once, cached in the temp dir); their
packages are built once per session with the harness and served by one local index, and a setuptools
wheel (also downloaded once) is given as ``--find-links`` so sdist-only scenarios can be built, as uv and
pip get it in ``bench/packse_compare.py``. Each scenario runs the way uv's generated scenario tests run uv
(``packse_support.PipcompatRunner``). Scenarios pipcompat fails on purpose, or for a feature not built yet,
are listed below with the reason and marked
``xfail(strict=True)``, so a change in behaviour is noticed either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conformance.packse_support import (
    Outcome,
    PipcompatRunner,
    Scenario,
    build_backend_wheels,
    build_dists,
    fetch_scenarios,
    judge,
    load_scenarios,
)
from tests.support.index_server import IndexServer

pytestmark = [pytest.mark.slow, pytest.mark.network]

# Every packse 0.3.59 scenario but the examples (kept here so collection needs no network).
SCENARIOS = (
    "all-extras-required",
    "backtrack-to-missing-package",
    "backtrack-with-missing-package",
    "compatible-python-incompatible-override",
    "conflict-in-fork",
    "dependency-excludes-non-contiguous-range-of-compatible-versions",
    "dependency-excludes-range-of-compatible-versions",
    "direct-incompatible-versions",
    "excluded-only-compatible-version",
    "excluded-only-version",
    "extra-does-not-exist-backtrack",
    "extra-incompatible-with-extra",
    "extra-incompatible-with-extra-not-requested",
    "extra-incompatible-with-root",
    "extra-required",
    "fork-allows-non-conflicting-non-overlapping-dependencies",
    "fork-allows-non-conflicting-repeated-dependencies",
    "fork-basic",
    "fork-conflict-unsatisfiable",
    "fork-filter-sibling-dependencies",
    "fork-incomplete-markers",
    "fork-marker-accrue",
    "fork-marker-disjoint",
    "fork-marker-inherit",
    "fork-marker-inherit-combined",
    "fork-marker-inherit-combined-allowed",
    "fork-marker-inherit-combined-disallowed",
    "fork-marker-inherit-isolated",
    "fork-marker-inherit-transitive",
    "fork-marker-limited-inherit",
    "fork-marker-selection",
    "fork-marker-track",
    "fork-non-fork-marker-transitive",
    "fork-non-local-fork-marker-direct",
    "fork-non-local-fork-marker-transitive",
    "fork-overlapping-markers-basic",
    "fork-remaining-universe-partitioning",
    "fork-requires-python",
    "fork-requires-python-full",
    "fork-requires-python-full-prerelease",
    "fork-requires-python-patch-overlap",
    "fork-upgrade",
    "incompatible-python-compatible-override",
    "incompatible-python-compatible-override-available-no-wheels",
    "incompatible-python-compatible-override-no-compatible-wheels",
    "incompatible-python-compatible-override-other-wheel",
    "incompatible-python-compatible-override-unavailable-no-wheels",
    "local-greater-than",
    "local-greater-than-or-equal",
    "local-less-than",
    "local-less-than-or-equal",
    "local-not-latest",
    "local-not-used-with-sdist",
    "local-simple",
    "local-transitive",
    "local-transitive-backtrack",
    "local-transitive-conflicting",
    "local-transitive-confounding",
    "local-transitive-greater-than",
    "local-transitive-greater-than-or-equal",
    "local-transitive-less-than",
    "local-transitive-less-than-or-equal",
    "local-used-without-sdist",
    "marker-variants-have-different-extras",
    "missing-extra",
    "multiple-extras-required",
    "no-binary",
    "no-build",
    "no-sdist-no-wheels-with-matching-abi",
    "no-sdist-no-wheels-with-matching-platform",
    "no-sdist-no-wheels-with-matching-python",
    "no-wheels",
    "no-wheels-no-build",
    "no-wheels-with-matching-platform",
    "only-wheels",
    "only-wheels-no-binary",
    "package-multiple-prereleases-kinds",
    "package-multiple-prereleases-numbers",
    "package-only-prereleases",
    "package-only-prereleases-boundary",
    "package-only-prereleases-in-range",
    "package-only-yanked",
    "package-only-yanked-in-range",
    "package-prerelease-specified-mixed-available",
    "package-prerelease-specified-only-final-available",
    "package-prerelease-specified-only-prerelease-available",
    "package-prereleases-boundary",
    "package-prereleases-global-boundary",
    "package-prereleases-specifier-boundary",
    "package-yanked-specified-mixed-available",
    "post-equal-available",
    "post-equal-not-available",
    "post-greater-than",
    "post-greater-than-or-equal",
    "post-greater-than-or-equal-post",
    "post-greater-than-post",
    "post-greater-than-post-not-available",
    "post-less-than",
    "post-less-than-or-equal",
    "post-local-greater-than",
    "post-local-greater-than-post",
    "post-simple",
    "preferences-dependent-forking",
    "preferences-dependent-forking-bistable",
    "preferences-dependent-forking-conflicting",
    "preferences-dependent-forking-tristable",
    "python-greater-than-current",
    "python-greater-than-current-backtrack",
    "python-greater-than-current-excluded",
    "python-greater-than-current-many",
    "python-greater-than-current-patch",
    "python-less-than-current",
    "python-patch-override-no-patch",
    "python-patch-override-patch-compatible",
    "python-version-does-not-exist",
    "requires-exact-version-does-not-exist",
    "requires-greater-version-does-not-exist",
    "requires-less-version-does-not-exist",
    "requires-package-does-not-exist",
    "requires-package-only-prereleases-in-range-global-opt-in",
    "requires-package-prerelease-and-final-any",
    "requires-package-yanked-and-unyanked-any",
    "requires-python-subset",
    "requires-python-wheels",
    "specific-architecture",
    "specific-tag-and-default",
    "transitive-incompatible-versions",
    "transitive-incompatible-with-root-version",
    "transitive-incompatible-with-transitive",
    "transitive-package-only-prereleases",
    "transitive-package-only-prereleases-in-range",
    "transitive-package-only-prereleases-in-range-opt-in",
    "transitive-package-only-yanked",
    "transitive-package-only-yanked-in-range",
    "transitive-package-only-yanked-in-range-opt-in",
    "transitive-prerelease-and-stable-dependency",
    "transitive-prerelease-and-stable-dependency-many-versions",
    "transitive-prerelease-and-stable-dependency-many-versions-holes",
    "transitive-prerelease-and-stable-dependency-opt-in",
    "transitive-requires-package-does-not-exist",
    "transitive-yanked-and-unyanked-dependency",
    "transitive-yanked-and-unyanked-dependency-opt-in",
    "unreachable-package",
    "unreachable-wheels",
    "virtual-package-extra-priorities",
    "wrong-backtracking-basic",
    "wrong-backtracking-indirect",
)

# Deliberate, documented pip-faithful choices (docs/compatibility.md, "Resolution").
PRERELEASE_WHEN_NOTHING_ELSE = (
    "pip 26 (PEP 440) takes a pre-release when no final release satisfies the specifier; uv only when "
    "every version of the package is a pre-release"
)
YANKED_PINNED_ANYWHERE = (
    "pip takes a yanked version that an == pin asks for, wherever the pin is (PEP 592); uv only for a "
    "direct requirement"
)
REQUIRES_PYTHON_UPPER_BOUND = "pip honours Requires-Python upper bounds (<=3.8 excludes 3.9); uv ignores them"
PIP_FAITHFUL: dict[str, str] = {
    "package-only-prereleases-in-range": PRERELEASE_WHEN_NOTHING_ELSE,
    "transitive-package-only-prereleases-in-range": PRERELEASE_WHEN_NOTHING_ELSE,
    "transitive-prerelease-and-stable-dependency": PRERELEASE_WHEN_NOTHING_ELSE,
    "transitive-prerelease-and-stable-dependency-many-versions": PRERELEASE_WHEN_NOTHING_ELSE,
    "transitive-prerelease-and-stable-dependency-many-versions-holes": PRERELEASE_WHEN_NOTHING_ELSE,
    "transitive-yanked-and-unyanked-dependency": YANKED_PINNED_ANYWHERE,
    "python-less-than-current": REQUIRES_PYTHON_UPPER_BOUND,
}

UNIVERSAL_MISSING = "pipcompat pip compile --universal is not available yet"
# Where packse's expectation contradicts what uv itself does, pipcompat's --universal follows uv.
UNIVERSAL_AS_UV: dict[str, str] = {
    "preferences-dependent-forking-conflicting": (
        "universal, as uv: cleaver 2's dependencies fork on sys_platform before it is rejected, and each "
        "fork then resolves with cleaver 1 (uv's own lock scenario test expects success; packse expects "
        "failure)"
    ),
}


def known_failure(name: str, kind: str, modes: frozenset[str]) -> str | None:
    """Why pipcompat is expected to fail this scenario, or ``None`` when it must pass."""
    if name in PIP_FAITHFUL:
        return PIP_FAITHFUL[name]
    if kind == "lock" and "universal" not in modes:
        return UNIVERSAL_MISSING
    if name in UNIVERSAL_AS_UV:
        return UNIVERSAL_AS_UV[name]
    return None


@pytest.fixture(scope="session")
def packse_scenarios() -> dict[str, Scenario]:
    try:
        folder = fetch_scenarios()
    except OSError as error:  # urllib's errors are OSErrors
        pytest.fail(f"cannot fetch packse's scenarios from PyPI: {error}")
    return {scenario.name: scenario for scenario in load_scenarios(folder)}


@pytest.fixture(scope="session")
def packse_runner(
    packse_scenarios: dict[str, Scenario], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PipcompatRunner, dict[str, Future[Outcome]]]]:
    """One index for every scenario; every scenario started at once on a few threads (each is a few
    pipcompat subprocesses that mostly wait), so the tests only collect their outcome."""
    root = tmp_path_factory.mktemp("packse")
    try:
        backend = build_backend_wheels()
    except OSError as error:
        pytest.fail(f"cannot download the build backend for the sdist-only scenarios: {error}")
    yanked = build_dists(packse_scenarios.values(), root / "dists")
    # Under xdist, each worker starts its share up front; the rest run when a test asks (see below).
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    with IndexServer(root / "dists", yanked=yanked) as server, ThreadPoolExecutor(3) as pool:
        runner = PipcompatRunner(server.url, Path(root / "work"), find_links=[str(backend)])
        futures = {
            name: pool.submit(runner.run, scenario)
            for index, (name, scenario) in enumerate(sorted(packse_scenarios.items()))
            if index % workers == worker
        }
        runner.pool = pool  # type: ignore[attr-defined]
        try:
            yield runner, futures
        finally:
            for future in futures.values():
                future.cancel()


def test_packse_scenario_list_is_complete(packse_scenarios: dict[str, Scenario]) -> None:
    assert sorted(packse_scenarios) == sorted(SCENARIOS)
    assert len(SCENARIOS) == 147


@pytest.mark.parametrize("name", SCENARIOS)
def test_packse_scenario(
    name: str,
    packse_scenarios: dict[str, Scenario],
    packse_runner: tuple[PipcompatRunner, dict[str, Future[Outcome]]],
    request: pytest.FixtureRequest,
) -> None:
    runner, outcomes = packse_runner
    scenario = packse_scenarios[name]
    reason = known_failure(name, scenario.kind, runner.modes)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    if name not in outcomes:
        outcomes[name] = runner.pool.submit(runner.run, scenario)  # type: ignore[attr-defined]
    why = judge(scenario, outcomes[name].result(timeout=600))
    assert why is None, f"{scenario.path} ({scenario.kind}): {scenario.description}\n{why}"
