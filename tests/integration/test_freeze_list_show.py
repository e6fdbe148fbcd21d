"""``pip freeze``, ``list``, ``show`` and ``check`` print what pip prints for the same environment.

Each test fills a real venv with pip (from harness-built wheels, offline), then runs pipcompat and the
devenv's pip (``python -m pip --python <venv>``) side by side and compares stdout, stderr and exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.packages import DistFactory, PackageSpec

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPECS = [
    PackageSpec("Alpha_Pkg", "1.0", deps=["beta>=2", 'gamma; python_version < "3"'], summary="the first"),
    PackageSpec("beta", "2.1.0", deps=["delta"], console_scripts={"beta-tool": "beta:main"}),
    PackageSpec(
        "delta",
        "0.3",
        extra_metadata=[
            ("Author", "Someone"),
            ("Project-URL", "Homepage, https://example.org/delta"),
            ("Classifier", "Programming Language :: Python"),
        ],
    ),
    PackageSpec("epsilon", "1.0.0.post1", build_tag="7"),
    PackageSpec("zeta", "3.0", deps=["beta<2"]),
]


def _populate(ctx: TestContext, dists: Path, *names: str) -> Path:
    venv = ctx.make_venv()
    ctx.run_pip(
        "--python", venv_python(venv), "install", "--no-index", "--find-links", dists, *names
    ).assert_success()
    return venv


def _both(ctx: TestContext, venv: Path, *args: str) -> None:
    python = str(venv_python(venv))
    ours = ctx.run("pip", "--python", python, *args)
    theirs = ctx.run_pip("--python", python, *args)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), f"{ours}\n{theirs}"
    assert ours.stderr == theirs.stderr, f"{ours}\n{theirs}"


@pytest.fixture
def populated(ctx: TestContext, make_dists: DistFactory) -> Path:
    dists = make_dists(SPECS)
    return _populate(ctx, dists, "alpha-pkg", "epsilon")


@pytest.mark.parametrize(
    "args",
    [
        ("freeze",),
        ("freeze", "--all"),
        ("freeze", "--exclude", "BETA", "-l"),
        ("freeze", "--exclude-editable"),
        ("list",),
        ("list", "-v"),
        ("list", "--format", "freeze"),
        ("list", "--format=json"),
        ("list", "--not-required"),
        ("list", "--exclude", "delta", "--format", "json", "-v"),
        ("list", "-e"),
        ("show", "alpha-pkg", "delta"),
        ("show", "-f", "beta", "missing-one"),
        ("show", "-v", "delta"),
        ("show", "nothing-here"),
        ("show",),
        ("check",),
    ],
)
def test_output_equals_pips(ctx: TestContext, populated: Path, args: tuple[str, ...]) -> None:
    _both(ctx, populated, *args)


def test_freeze_follows_a_requirements_file_like_pip(ctx: TestContext, populated: Path) -> None:
    ctx.write(
        "reqs.txt",
        """
        # pinned by hand
        --index-url https://example.org/simple
        delta==0.1  # comment
        not-installed>=1
        -e git+https://example.org/beta.git#egg=beta

        alpha_pkg
        """,
    )
    _both(ctx, populated, "freeze", "-r", "reqs.txt")


def test_check_reports_missing_and_conflicting(ctx: TestContext, make_dists: DistFactory) -> None:
    dists = make_dists(SPECS)
    venv = _populate(ctx, dists, "zeta", "--no-deps")
    _both(ctx, venv, "check")
    ctx.run_pip("--python", venv_python(venv), "install", "--no-index", "--find-links", dists, "beta")
    result = ctx.run("pip", "--python", str(venv_python(venv)), "check")
    assert result.returncode == 1
    assert "zeta 3.0 has requirement beta<2, but you have beta 2.1.0." in result.stdout
    _both(ctx, venv, "check")


def test_editable_and_direct_url_lines(ctx: TestContext, populated: Path) -> None:
    site = Path(
        ctx.run_cmd(
            [str(venv_python(populated)), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    project = ctx.path("proj")
    project.mkdir()
    info = site / "proj-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: proj\nVersion: 0.1\n")
    (info / "RECORD").write_text("")
    (info / "direct_url.json").write_text(
        json.dumps({"url": project.as_uri(), "dir_info": {"editable": True}})
    )
    info = site / "arch-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Arch\nVersion: 2.0\n")
    (info / "direct_url.json").write_text(
        json.dumps(
            {"url": "https://example.org/arch-2.0.tar.gz", "archive_info": {"hashes": {"sha256": "ab"}}}
        )
    )
    _both(ctx, populated, "freeze")
    _both(ctx, populated, "freeze", "--exclude-editable")
    _both(ctx, populated, "list")
    _both(ctx, populated, "list", "--format=json")
    _both(ctx, populated, "list", "--editable")
    _both(ctx, populated, "show", "proj")


def test_list_outdated_is_refused_until_the_index_client_exists(ctx: TestContext, populated: Path) -> None:
    result = ctx.run("pip", "--python", str(venv_python(populated)), "list", "--outdated")
    if result.returncode == 2:
        assert "--outdated" in result.stderr
        assert result.stdout == ""


def test_path_cannot_be_combined_with_user(ctx: TestContext, populated: Path) -> None:
    result = ctx.run("pip", "--python", str(venv_python(populated)), "freeze", "--path", "x", "--user")
    assert result.returncode == 1
    assert "Cannot combine '--path' with '--user' or '--local'" in result.stderr


def test_running_interpreter_is_the_default_target(ctx: TestContext) -> None:
    result = ctx.run("pip", "list", "--format=json")
    result.assert_success()
    names = {entry["name"].lower() for entry in json.loads(result.stdout)}
    assert "pytest" in names or sys.prefix == sys.base_prefix


def _inspected(result: Result) -> dict[str, object]:
    data = json.loads(result.assert_success().stdout)
    data.pop("pip_version")
    data["installed"].sort(key=lambda item: item["metadata"]["name"])
    return data


def test_inspect_reports_what_pip_inspect_reports(ctx: TestContext, populated: Path) -> None:
    site = Path(
        ctx.run_cmd(
            [str(venv_python(populated)), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    info = site / "arch-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Arch\nVersion: 2.0\nSummary: caf\u00e9\n\n"
        "Un r\u00e9sum\u00e9 \U0001f44b\n",
        encoding="utf-8",
    )
    (info / "INSTALLER").write_text("other\n")
    (info / "direct_url.json").write_text(
        json.dumps(
            {
                "url": "https://user:secret@example.org/arch-2.0.tar.gz",
                "archive_info": {"hashes": {"sha256": "ab"}},
            }
        )
    )
    python = str(venv_python(populated))
    for args in ((), ("--local",), ("--path", str(site))):
        ours = ctx.run("pip", "--python", python, "inspect", *args)
        theirs = ctx.run_pip("--python", python, "inspect", *args)
        assert _inspected(ours) == _inspected(theirs), args
    assert "secret" not in ours.stdout
