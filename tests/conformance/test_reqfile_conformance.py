"""Requirement files read by pip 26.3's own parser and by ``pipcompat.requirements``, compared field by field.

pip's side is built the way ``pip install`` builds it: the install command's options (``--isolated``), its
``PipSession`` and ``PackageFinder``, then ``parse_requirements`` for each file (constraints files first) and
``install_req_from_parsed_requirement`` for each line, so file-level options land on the finder and the
options object, and lines pip refuses at construction time are refused here too.

Nothing touches the network: ``https://reqs.example/`` is served from the corpus by a transport adapter
mounted on pip's session, and by a fake ``fetch_url`` on ours; the other URLs in the corpus are never read.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from pip._internal.cli import cmdoptions
from pip._internal.commands import create_command
from pip._internal.commands.install import InstallCommand
from pip._internal.index.package_finder import PackageFinder
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import ParsedRequirement as PipParsedRequirement
from pip._internal.req.req_file import parse_requirements
from pip._internal.req.req_install import InstallRequirement
from pip._internal.utils.misc import parse_netloc
from pip._internal.utils.urls import path_to_url
from pip._vendor.requests.adapters import BaseAdapter
from pip._vendor.requests.models import PreparedRequest, Response

from pipcompat.errors import RequirementsFileError
from pipcompat.requirements import (
    FileOptions,
    ParsedRequirement,
    ParseResult,
    RequirementForm,
    parse_requirements_files,
)

CORPUS = Path(__file__).parent / "reqfiles"
SERVED = "https://reqs.example/"

# Variables the corpus expands; the ones in UNSET must stay as written.
ENVIRONMENT = {
    "CORPUS_DIR": str(CORPUS),
    "CORPUS_VERSION": "2.31.0",
    "CORPUS_INDEX": "https://env-index.example/simple",
    "CORPUS_EMPTY": "",
    "CORPUS_PROJECT": "./projects/alpha",
}
UNSET = ("CORPUS_UNSET", "CORPUS_MINOR", "corpus_version")


def _relative(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


GOOD_FILES = sorted(
    _relative(p)
    for p in CORPUS.rglob("*")
    if p.suffix in (".txt", ".in") and _relative(p).split("/")[0] not in ("bad", "served")
)
# The served files include one another by URL-relative paths (including a root-relative one).
GOOD_CASES = [*GOOD_FILES, SERVED + "served/top.txt", SERVED + "served/sub/inner.txt"]
BAD_CASES = sorted(_relative(p) for p in (CORPUS / "bad").glob("*.txt"))


def _is_constraints(name: str) -> bool:
    return name.rsplit("/", 1)[-1].startswith("constraints_")


# --------------------------------------------------------------------------------------------------------
# pip's side


class _CorpusAdapter(BaseAdapter):
    """Serves ``https://reqs.example/<path>`` from the corpus directory (404 when absent)."""

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        response = Response()
        response.url = str(request.url)
        response.request = request
        target = CORPUS / urllib.parse.urlsplit(str(request.url)).path.lstrip("/")
        if target.is_file():
            response.status_code = 200
            response.raw = io.BytesIO(target.read_bytes())
        else:
            response.status_code = 404
            response.reason = "Not Found"
            response.raw = io.BytesIO(b"")
        return response

    def close(self) -> None:
        pass


def _reset_shared_feature_list() -> None:
    """pip's ``--use-feature`` shares one default list between every parser it ever builds; empty it."""
    factory = cmdoptions.use_new_feature
    assert isinstance(factory, functools.partial)
    factory.keywords["default"].clear()


@dataclass
class PipOutcome:
    lines: list[tuple[PipParsedRequirement, InstallRequirement]]
    finder: PackageFinder
    options: Any
    session: PipSession


def run_pip(
    requirements: Sequence[str], constraints: Sequence[str] = (), cli: Sequence[str] = ()
) -> PipOutcome:
    _reset_shared_feature_list()
    command = create_command("install")
    assert isinstance(command, InstallCommand)
    options, _ = command.parse_args(["--isolated", "--no-cache-dir", *cli])
    cmdoptions.check_release_control_exclusive(options)
    session = command._build_session(options)
    session.mount(SERVED, _CorpusAdapter())
    finder = command._build_package_finder(options=options, session=session)
    outcome = PipOutcome([], finder, options, session)
    for names, constraint in ((constraints, True), (requirements, False)):
        for name in names:
            for parsed in parse_requirements(
                name, session, finder=finder, options=options, constraint=constraint
            ):
                settings = parsed.options.get("config_settings") if parsed.options else None
                ireq = install_req_from_parsed_requirement(
                    parsed, isolated=True, user_supplied=True, config_settings=settings
                )
                outcome.lines.append((parsed, ireq))
    return outcome


def describe_pip_line(parsed: PipParsedRequirement, ireq: InstallRequirement) -> dict[str, Any]:
    options = parsed.options or {}
    return {
        "text": parsed.requirement,
        "editable": parsed.is_editable,
        "constraint": parsed.constraint,
        "comes_from": parsed.comes_from,
        "line_source": parsed.line_source,
        "hashes": options.get("hashes", {}),
        "config_settings": options.get("config_settings"),
        "name": ireq.req.name if ireq.req is not None else None,
        "extras": sorted(ireq.extras),
        "specifier": str(ireq.req.specifier) if ireq.req is not None else "",
        "markers": str(ireq.markers) if ireq.markers is not None else None,
        "link": ireq.link.url if ireq.link is not None else None,
    }


def describe_pip_options(outcome: PipOutcome) -> dict[str, Any]:
    finder = outcome.finder
    release = finder.release_control
    assert release is not None
    return {
        "index_urls": list(finder.index_urls),
        "no_index": finder.search_scope.no_index,
        "find_links": list(finder.find_links),
        "no_binary": set(finder.format_control.no_binary),
        "only_binary": set(finder.format_control.only_binary),
        "prefer_binary": finder.prefer_binary,
        "all_releases": set(release.all_releases),
        "only_final": set(release.only_final),
        "require_hashes": outcome.options.require_hashes,
        "no_require_hashes": outcome.options.no_require_hashes,
        # pip's list can hold a feature twice; only membership matters to it.
        "features": set(outcome.options.features_enabled),
        "trusted_origins": list(outcome.session.pip_trusted_origins),
    }


# --------------------------------------------------------------------------------------------------------
# Our side


def fetch_from_corpus(url: str) -> str:
    assert url.startswith(SERVED), f"unexpected fetch of {url}"
    target = CORPUS / urllib.parse.urlsplit(url).path.lstrip("/")
    return target.read_bytes().decode("utf-8", errors="replace")


def run_ours(
    requirements: Sequence[str], constraints: Sequence[str] = (), options: FileOptions | None = None
) -> ParseResult:
    return parse_requirements_files(requirements, constraints, fetch_url=fetch_from_corpus, options=options)


def describe_our_line(req: ParsedRequirement) -> dict[str, Any]:
    if req.form is RequirementForm.PATH:
        assert req.path is not None
        link: str | None = path_to_url(req.path)
    else:
        link = req.url
    return {
        "text": req.text,
        "editable": req.is_editable,
        "constraint": req.is_constraint,
        "comes_from": req.comes_from,
        "line_source": req.line_source,
        "hashes": req.hash_options,
        "config_settings": req.config_settings_dict or None,
        "name": req.name,
        "extras": sorted(req.extras),
        "specifier": req.specifier,
        "markers": str(Marker(req.markers)) if req.markers else None,
        "link": link,
    }


def describe_our_options(result: ParseResult) -> dict[str, Any]:
    options = result.options
    return {
        "index_urls": list(options.index_urls()),
        "no_index": options.no_index,
        "find_links": list(options.find_links),
        "no_binary": set(options.no_binary),
        "only_binary": set(options.only_binary),
        "prefer_binary": options.prefer_binary,
        "all_releases": set(options.all_releases),
        "only_final": set(options.only_final),
        "require_hashes": options.require_hashes,
        "no_require_hashes": options.no_require_hashes,
        "features": set(options.features_enabled),
        "trusted_origins": [parse_netloc(host) for host in options.trusted_hosts],
    }


# --------------------------------------------------------------------------------------------------------
# The comparisons


@pytest.fixture(autouse=True)
def corpus_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in the corpus directory, without the machine's pip configuration, with the corpus variables."""
    for key in list(os.environ):
        if key.startswith("PIP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for key, value in ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    for key in UNSET:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(CORPUS)
    yield
    _reset_shared_feature_list()


def assert_same(ours: ParseResult, pip: PipOutcome) -> None:
    pip_lines = [describe_pip_line(parsed, ireq) for parsed, ireq in pip.lines]
    our_lines = [describe_our_line(req) for req in ours.requirements]
    assert our_lines == pip_lines
    assert describe_our_options(ours) == describe_pip_options(pip)


def test_corpus_is_large_enough() -> None:
    assert len(GOOD_FILES) + len(BAD_CASES) >= 40
    assert len(GOOD_FILES) >= 40


@pytest.mark.parametrize("case", GOOD_CASES)
def test_corpus_file_reads_as_pip_reads_it(case: str, caplog: pytest.LogCaptureFixture) -> None:
    requirements, constraints = ([], [case]) if _is_constraints(case) else ([case], [])
    with caplog.at_level(logging.WARNING, logger="pip._internal.req.req_file"):
        pip = run_pip(requirements, constraints)
    ours = run_ours(requirements, constraints)
    assert_same(ours, pip)
    pip_hash_warnings = [r for r in caplog.records if "has --hash but no requirement" in r.getMessage()]
    our_hash_warnings = [w for w in ours.warnings if "--hash" in w.message]
    assert len(our_hash_warnings) == len(pip_hash_warnings)


@pytest.mark.parametrize(
    ("requirements", "constraints"),
    [
        (["basic.txt", "editables.txt"], ["included/constraints.txt"]),
        (["index_options.txt", "index_reset.txt", "no_index.txt"], []),
        (["binary.txt", "binary_on_requirement_line.txt"], ["constraints_basic.txt"]),
        (["release_control.txt", "pre.txt", "features.txt", "trusted_hosts.txt"], []),
        (["nested_parent.txt", "nested_parent.txt"], ["included/constraints.txt", "included/leaf.txt"]),
        ([SERVED + "served/top.txt", "url_include.txt"], [SERVED + "served/cons.txt"]),
    ],
)
def test_several_files_read_as_pip_reads_them(requirements: list[str], constraints: list[str]) -> None:
    assert_same(run_ours(requirements, constraints), run_pip(requirements, constraints))


@pytest.mark.parametrize(
    "case", ["index_reset.txt", "binary.txt", "release_control.txt", "trusted_hosts.txt"]
)
def test_file_options_merge_onto_command_line_options_as_pip_merges_them(case: str) -> None:
    cli = [
        "--index-url=https://cli.example/simple",
        "--extra-index-url=https://cli-extra.example/simple",
        "--find-links=https://cli.example/links",
        "--no-binary=lxml",
        "--only-final=django",
        "--trusted-host=example.com",
    ]
    start = FileOptions(
        index_url="https://cli.example/simple",
        extra_index_urls=("https://cli-extra.example/simple",),
        find_links=("https://cli.example/links",),
        no_binary=frozenset({"lxml"}),
        only_final=frozenset({"django"}),
        trusted_hosts=("example.com",),
    )
    assert_same(run_ours([case], options=start), run_pip([case], cli=cli))


_EXPECT = re.compile(r"^# expect-error: (?P<file>[^:\s]+)(?::(?P<line>\d+))?\s*$", re.MULTILINE)


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_file_is_refused_by_both(case: str) -> None:
    requirements, constraints = ([], [case]) if _is_constraints(case) else ([case], [])
    with pytest.raises(Exception):  # noqa: B017 - pip raises many kinds (and sometimes crashes)
        run_pip(requirements, constraints)
    with pytest.raises(RequirementsFileError) as caught:
        run_ours(requirements, constraints)

    error = caught.value
    assert error.exit_code == 1
    assert "\n" not in str(error)
    expected = _EXPECT.search((CORPUS / case).read_bytes().decode("utf-8", errors="replace"))
    assert expected is not None, f"{case} says nowhere where the error is"
    assert error.location is not None
    assert os.path.abspath(error.location.path) == str(CORPUS / expected["file"])
    if expected["line"] is not None:
        assert error.location.line == int(expected["line"])
        assert f"{error.location.path}:{error.location.line}: " in str(error)


# pip asks the filesystem about these lines while parsing (is it an existing, installable directory?) and
# refuses them; pipcompat classifies them as local paths by their text and leaves the check to the layer
# that resolves paths (docs/requirements-files.md, "Deliberate differences").
DEFERRED_TO_RESOLUTION = [
    ("./missing-dir", False, "./missing-dir"),
    ("missing/", False, "missing/"),
    ("./projects", False, "./projects"),  # exists, but has no pyproject.toml or setup.py
    ("-e ./missing-dir", True, "./missing-dir"),
    ("-e bare-name", True, "bare-name"),
]


@pytest.mark.parametrize(("line", "editable", "path"), DEFERRED_TO_RESOLUTION)
def test_path_checks_are_left_to_the_resolving_layer(
    line: str, editable: bool, path: str, tmp_path: Path
) -> None:
    case = tmp_path / "deferred.txt"
    case.write_text(line + "\n")
    with pytest.raises(Exception):  # noqa: B017 - pip refuses it, with a filesystem-dependent message
        run_pip([str(case)])
    ours = run_ours([str(case)])
    assert [(r.form, r.is_editable, r.path) for r in ours.requirements] == [
        (RequirementForm.PATH, editable, path)
    ]
