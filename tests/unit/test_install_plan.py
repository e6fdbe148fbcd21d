"""The plan: installed versus wanted, pure data in, pure data out."""

from __future__ import annotations

from pipcompat.install.plan import Installed, Plan, Wanted, plan_changes, plan_sync, sync_keep_list


def test_same_version_is_left_alone_and_new_ones_are_linked_or_downloaded() -> None:
    plan = plan_changes(
        [Installed("Six", "1.16.0")],
        [Wanted("six", "1.16"), Wanted("idna", "3.7", cached=True), Wanted("certifi", "2024.1.1")],
    )
    assert [w.name for w in plan.link_from_cache] == ["idna"]
    assert [w.name for w in plan.download] == ["certifi"]
    assert plan.reinstall == () and plan.remove == ()
    assert [d.name for d in plan.unchanged] == ["Six"]


def test_another_version_replaces_the_installed_one() -> None:
    plan = plan_changes([Installed("requests", "2.30.0")], [Wanted("requests", "2.31.0", cached=True)])
    assert plan.reinstall == (Installed("requests", "2.30.0"),)
    assert plan.summary_lines() == [" - requests==2.30.0", " + requests==2.31.0"]


def test_force_reinstall_everything_or_named_packages() -> None:
    installed = [Installed("a", "1"), Installed("b", "1")]
    wanted = [Wanted("a", "1", cached=True), Wanted("b", "1", cached=True)]
    assert len(plan_changes(installed, wanted, reinstall=True).reinstall) == 2
    assert [d.name for d in plan_changes(installed, wanted, reinstall=["B"]).reinstall] == ["b"]


def test_a_direct_reference_only_matches_the_same_reference() -> None:
    installed = [Installed("pkg", "1.0", direct_url="pkg @ https://x/pkg-1.0.whl#sha256=aa")]
    same = plan_changes(installed, [Wanted("pkg", "1.0", direct_url="pkg @ https://x/pkg-1.0.whl#sha256=aa")])
    other = plan_changes(installed, [Wanted("pkg", "1.0", direct_url="pkg @ https://y/pkg-1.0.whl")])
    assert same.is_noop and not other.is_noop


def test_an_editable_install_is_replaced_by_a_regular_one() -> None:
    plan = plan_changes([Installed("proj", "0.1", editable=True)], [Wanted("proj", "0.1", cached=True)])
    assert [d.name for d in plan.reinstall] == ["proj"]


def test_install_never_removes_but_sync_removes_the_extraneous() -> None:
    installed = [Installed("a", "1"), Installed("stale", "2")]
    assert plan_changes(installed, [Wanted("a", "1")]).remove == ()
    plan = plan_sync(installed, [Wanted("a", "1")], python_version=(3, 12))
    assert [d.name for d in plan.remove] == ["stale"]


def test_sync_keeps_pip_tools_and_what_it_depends_on() -> None:
    installed = [
        Installed("pip", "24.0"),
        Installed("pip-tools", "7.6.2", requires=("click>=8", "build>=1")),
        Installed("click", "8.1.7"),
        Installed("build", "0.9"),  # too old for pip-tools' requirement: not kept
        Installed("setuptools", "69.0"),
        Installed("other", "1.0"),
    ]
    keep = sync_keep_list(installed, python_version=(3, 12))
    assert {"pip", "pip-tools", "click"} <= keep
    assert "build" not in keep and "setuptools" not in keep
    assert "setuptools" in sync_keep_list(installed, python_version=(3, 11))
    plan = plan_sync(installed, [], python_version=(3, 12))
    assert [d.name for d in plan.remove] == ["build", "other", "setuptools"]


def test_an_empty_plan_is_a_noop() -> None:
    assert Plan().is_noop
