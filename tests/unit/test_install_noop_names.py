"""The no-op check's first look: a requirement no metadata directory names means the install has work."""

from __future__ import annotations

from pipcompat.cli.install_noop import _surely_missing

LISTINGS = {
    "/venv/lib/python3.12/site-packages": [
        "Django-5.1.dist-info",
        "typing_extensions-4.12.2.dist-info",
        "zope.interface-7.0.dist-info",
        "legacy_pkg.egg-info",
        "six.py",
    ],
    "/venv/lib/python3.12/site-packages/extra": ["old_thing-1.0-py3.12.egg-info"],
}


def test_requirements_whose_projects_all_have_metadata_are_left_to_the_audit() -> None:
    texts = ["django==5.1", "Typing.Extensions>=4", "zope-interface", "legacy-pkg", "old_thing[x]==1.0"]
    assert not _surely_missing(texts, LISTINGS)


def test_a_project_without_metadata_anywhere_means_work_to_do() -> None:
    assert _surely_missing(["django==5.1", "requests==2.32.3"], LISTINGS)
    assert _surely_missing(["six==1.16"], LISTINGS)  # a module file is not an installed distribution
    assert _surely_missing(["numpy"], {})


def test_requirements_with_markers_or_urls_are_never_taken_as_missing() -> None:
    texts = ['pywin32==306; sys_platform == "win32"', "thing @ https://example.com/thing-1.0.tar.gz"]
    assert not _surely_missing(texts, LISTINGS)
    assert not _surely_missing(["", "  "], LISTINGS)
