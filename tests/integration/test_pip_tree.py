"""``pipcompat pip tree``: installed packages as dependency trees, in uv's ``pip tree`` format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python
from tests.support.packages import DistFactory, PackageSpec

pytestmark = pytest.mark.slow

SPECS = [
    PackageSpec("Flask", "3.0.2", deps=["Werkzeug>=3.0", "Jinja2>=3.1.2", "click>=8.1.3", "blinker>=1.6.2"]),
    PackageSpec("Werkzeug", "3.0.1", deps=["MarkupSafe>=2.1.1"]),
    PackageSpec("Jinja2", "3.1.3", deps=["MarkupSafe>=2.0"], extras={"i18n": ["Babel>=2.7"]}),
    PackageSpec("MarkupSafe", "2.1.5"),
    PackageSpec("click", "8.1.7", deps=['colorama; platform_system == "Windows"']),
    PackageSpec("blinker", "1.7.0"),
    PackageSpec("Babel", "2.14.0"),
    PackageSpec("colorama", "0.4.6"),
    PackageSpec("requests", "2.31.0", deps=["idna<4,>=2.5"]),
    PackageSpec("idna", "3.6"),
    PackageSpec("app", "1.0", deps=["jinja2[i18n]"]),
    PackageSpec("loop-a", "1.0", deps=["loop-b"]),
    PackageSpec("loop-b", "1.0", deps=["loop-a", "idna"]),
]


@pytest.fixture
def dists(make_dists: DistFactory) -> Path:
    return make_dists(SPECS)


def _venv(ctx: TestContext, dists: Path, *names: str) -> str:
    venv = ctx.make_venv()
    ctx.run_pip(
        "--python", venv_python(venv), "install", "--no-index", "--find-links", dists, *names
    ).assert_success()
    return str(venv_python(venv))


def tree(ctx: TestContext, python: str, *args: str) -> str:
    result = ctx.run("pip", "--python", python, "tree", *args).assert_success()
    return result.stdout


def test_tree_shows_each_top_package_with_its_dependencies(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "flask", "requests")
    assert tree(ctx, python) == (
        "flask v3.0.2\n"
        "├── blinker v1.7.0\n"
        "├── click v8.1.7\n"
        "├── jinja2 v3.1.3\n"
        "│   └── markupsafe v2.1.5\n"
        "└── werkzeug v3.0.1\n"
        "    └── markupsafe v2.1.5\n"
        "requests v2.31.0\n"
        "└── idna v3.6\n"
    )


def test_depth_limits_the_levels_shown(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "flask")
    assert tree(ctx, python, "--depth", "0") == "flask v3.0.2\n"
    assert tree(ctx, python, "-d1") == (
        "flask v3.0.2\n├── blinker v1.7.0\n├── click v8.1.7\n├── jinja2 v3.1.3\n└── werkzeug v3.0.1\n"
    )


def test_invert_and_reverse_show_what_depends_on_each_package(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "flask")
    expected = (
        "blinker v1.7.0\n"
        "└── flask v3.0.2\n"
        "click v8.1.7\n"
        "└── flask v3.0.2\n"
        "markupsafe v2.1.5\n"
        "├── jinja2 v3.1.3\n"
        "│   └── flask v3.0.2\n"
        "└── werkzeug v3.0.1\n"
        "    └── flask v3.0.2\n"
    )
    assert tree(ctx, python, "--invert") == expected
    assert tree(ctx, python, "--reverse") == expected


def test_prune_drops_a_package_and_package_selects_trees(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "flask", "requests")
    assert tree(ctx, python, "--prune", "Werkzeug", "--prune", "jinja2", "--package", "flask") == (
        "flask v3.0.2\n├── blinker v1.7.0\n└── click v8.1.7\n"
    )
    pruned = tree(ctx, python, "--prune", "werkzeug", "--prune", "jinja2")
    assert "markupsafe v2.1.5\n" in pruned.splitlines(keepends=True)
    assert tree(ctx, python, "--package", "requests") == "requests v2.31.0\n└── idna v3.6\n"


def test_version_specifiers_are_shown_on_request(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "requests")
    assert tree(ctx, python, "--show-version-specifiers") == (
        "requests v2.31.0\n└── idna v3.6 [required: <4,>=2.5]\n"
    )


def test_extras_a_parent_asks_for_are_followed(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "app")
    assert tree(ctx, python) == (
        "app v1.0\n└── jinja2 v3.1.3\n    ├── babel v2.14.0\n    └── markupsafe v2.1.5\n"
    )


def test_cycles_and_repeated_subtrees_are_marked_once(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "loop-a")
    assert tree(ctx, python) == (
        "loop-a v1.0\n"
        "└── loop-b v1.0\n"
        "    ├── idna v3.6\n"
        "    └── loop-a v1.0 (*)\n"
        "(*) Package tree already displayed\n"
    )


def test_strict_warns_about_missing_dependencies(ctx: TestContext, dists: Path) -> None:
    python = _venv(ctx, dists, "requests")
    ctx.run_pip("--python", python, "uninstall", "-y", "idna").assert_success()
    result = ctx.run("pip", "--python", python, "tree", "--strict").assert_success()
    assert result.stdout == "requests v2.31.0\n"
    assert "requests 2.31.0 requires idna, which is not installed." in result.stderr


def test_an_empty_environment_prints_nothing(ctx: TestContext) -> None:
    python = str(venv_python(ctx.make_venv()))
    assert tree(ctx, python) == ""


def test_unknown_option_is_a_usage_error(ctx: TestContext) -> None:
    result = ctx.run("pip", "tree", "--outdatedd").assert_failure(2)
    assert "no such option: --outdatedd" in result.stderr
