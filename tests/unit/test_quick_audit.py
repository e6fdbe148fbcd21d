"""The no-op fast path's light audit agrees with ``packaging`` and ``satisfied_closure`` where it answers."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipcompat.env.installed import InstalledDistribution, ScanEnvironment, scan_installed
from pipcompat.install import quick_audit
from pipcompat.install.quick_audit import Doubt
from pipcompat.install.satisfied import satisfied_closure

VERSIONS = [
    "0", "0.9", "1", "1.0", "1.0.0", "1.0.1", "1.1", "1.1.0", "2", "2.0", "10.2",
    "1.0a1", "1.0b2", "1.0rc1", "1.0c1", "1.0.dev0", "1.0.dev3", "1.0a1.dev1", "1.0.post1", "1.0.post1.dev2",
    "1.0.post1.dev0", "1.0a1.post1.dev1", "1.0a1.post1",
    "1.0-1", "1.0+local", "1.0+local.7", "1.0.1+abc", "1!1.0", "1!0.5", "1.0.0.0.1", "1.1a1", "0.9.post3",
    "2.0rc1", "1.0_post2", "1.0.RC1", "v1.0", " 1.0 ", "1.0+Ubuntu-1", "2024.10.1", "3.11.7", "3.12.0b1",
    "not-a-version", "1.0.*", "", "1..0",
]  # fmt: skip
SPECIFIERS = [
    "", "==1.0", "==1.0.0", "==1", "==1.0+local", "!=1.0", ">=1.0", ">1.0", "<1.0", "<=1.0",
    "~=1.0", "~=1.0.0",
    "~=1.1a1", "==1.*", "==1.0.*", "!=1.0.*", "==1!1.*", ">1.0.post1", "<1.0rc1", ">1.0a1", "<2", ">=1.0,<2",
    ">=0.9, !=1.0.1, <1.1", "== 1.0", ">=1.0.dev0", "<1.0.post1", ">1!0.5", "==2.0rc1", "<=1.0.post1",
    "==1.0.post1.*", "===1.0", ">=1.0.*", "~=1", "<=1.0+local", "==v1.0", "=>1.0", ">=1.0;",
]  # fmt: skip
MARKERS = [
    'python_version >= "3.8"', 'python_version < "3.8"',
    "python_version == '3.11'", 'python_version == "3.*"',
    'python_full_version >= "3.11.7"', 'python_full_version < "3.12.0b1"', 'sys_platform == "linux"',
    'sys_platform != "win32" and platform_machine == "x86_64"', '"linux" in sys_platform',
    '"win" not in sys_platform',
    'os_name == "nt" or (python_version > "3.9" and implementation_name == "cpython")',
    'extra == "test"', 'extra == "Test_Extra"', '"test" == extra', 'extra != "test"',
    'python_version >= "3.8" and extra == "fancy"', 'platform_python_implementation == "CPython"',
    'python_implementation == "PyPy"', 'platform_release >= "5"', 'platform_system == "Linux"',
    'implementation_version >= "3.11"', 'python_version ~= "3.10"', 'python_version === "3.11"',
    'os.name == "posix"', 'sys_platform < "win"', 'sys_platform ~= "linux"', 'python_version >= "3.8, <4"',
    'platform_release == "6.18.44-fc-v669"', 'python_version in "3.10 3.11 3.12"', '(extra == "a")',
    'python_version >= "3" and (extra == "a" or extra == "b")', 'platform_version >= "1"',
]  # fmt: skip
ENVIRONMENTS = [
    {
        "implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
        "platform_machine": "x86_64", "platform_release": "6.18.44-fc-v669", "platform_system": "Linux",
        "platform_version": "#1 SMP", "python_full_version": "3.11.7",
        "platform_python_implementation": "CPython",
        "python_version": "3.11", "sys_platform": "linux",
    },
    {
        "implementation_name": "pypy", "implementation_version": "7.3.12", "os_name": "nt",
        "platform_machine": "AMD64", "platform_release": "10", "platform_system": "Windows",
        "platform_version": "10.0.19041", "python_full_version": "3.12.0b1",
        "platform_python_implementation": "PyPy",
        "python_version": "3.12", "sys_platform": "win32",
    },
]  # fmt: skip
EXTRAS = ["", "test", "test-extra", "a", "fancy"]


def _packaging_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


@pytest.mark.parametrize("text", VERSIONS)
def test_versions_parse_and_order_as_packaging_does(text: str) -> None:
    mine = quick_audit.parse_version(text)
    theirs = _packaging_version(text)
    assert (mine is None) == (theirs is None)
    if mine is None or theirs is None:
        return
    for other in VERSIONS:
        other_mine = quick_audit.parse_version(other)
        other_theirs = _packaging_version(other)
        if other_mine is None or other_theirs is None:
            continue
        assert (quick_audit._key(mine) < quick_audit._key(other_mine)) == (theirs < other_theirs), other
        assert (quick_audit._key(mine) == quick_audit._key(other_mine)) == (theirs == other_theirs), other


@pytest.mark.parametrize("spec", SPECIFIERS)
def test_specifiers_match_what_packaging_matches(spec: str) -> None:
    try:
        specs = quick_audit.parse_specifiers(spec)
    except Doubt:
        return
    packaging_set = SpecifierSet(spec)  # a specifier the quick audit reads is valid for packaging too
    for text in VERSIONS:
        version = quick_audit.parse_version(text)
        if version is None:
            continue
        try:
            mine = quick_audit.contains(specs, version)
        except Doubt:
            continue
        assert mine == packaging_set.contains(text, prereleases=True), (spec, text)


def test_the_common_specifiers_are_read() -> None:
    for spec in ("==1.0", ">=1.0,<2", "~=1.0", "!=1.0.*", "==1.*", "<2", ">1.0"):
        quick_audit.parse_specifiers(spec)


@pytest.mark.parametrize("text", MARKERS)
def test_markers_evaluate_as_packaging_evaluates_them(text: str) -> None:
    try:
        tree = quick_audit.parse_marker(text)
    except Doubt:
        return
    marker = Marker(text)
    for environment, extra in itertools.product(ENVIRONMENTS, EXTRAS):
        try:
            mine = quick_audit.evaluate_marker(tree, {**environment, "extra": canonicalize_name(extra)})
        except Doubt:
            continue
        assert mine == marker.evaluate({**environment, "extra": extra}), (text, environment, extra)


def test_the_common_markers_are_read() -> None:
    environment = {**ENVIRONMENTS[0], "extra": ""}
    for text in MARKERS[:16]:
        quick_audit.evaluate_marker(quick_audit.parse_marker(text), environment)


def _installed_requires_dist() -> list[str]:
    found = []
    for path in sys.path:
        for info in Path(path or ".").glob("*.dist-info"):
            try:
                found += quick_audit.read_headers(str(info))["requires-dist"]
            except Doubt:
                continue
    return found


def test_every_requires_dist_of_the_dev_environment_reads_as_packaging_reads_it() -> None:
    texts = _installed_requires_dist()
    assert len(texts) > 50
    read = 0
    for text in texts:
        try:
            mine = quick_audit.parse_requirement(text)
        except Doubt:
            continue
        read += 1
        theirs = Requirement(text)
        assert not theirs.url
        assert mine.name == canonicalize_name(theirs.name)
        assert mine.extras == {canonicalize_name(e) for e in theirs.extras}
        for version in VERSIONS:
            parsed = quick_audit.parse_version(version)
            if parsed is None:
                continue
            try:
                answer = quick_audit.contains(mine.specs, parsed)
            except Doubt:
                continue
            assert answer == theirs.specifier.contains(version, prereleases=True), (text, version)
        for environment, extra in itertools.product(ENVIRONMENTS, EXTRAS):
            if theirs.marker is None:
                assert mine.marker is None
                continue
            assert mine.marker is not None
            try:
                applies = quick_audit.evaluate_marker(mine.marker, {**environment, "extra": extra})
            except Doubt:
                continue
            assert applies == theirs.marker.evaluate({**environment, "extra": extra}), (text, environment)
    assert read > len(texts) * 0.9


@pytest.mark.parametrize(
    "text",
    [
        "name @ https://example.com/x.whl",
        "name[extra] @ file:///x",
        "name==1.0; os.name == 'nt'",
        "name===1.0",
        "name 1.0",
        "name;",
        "name; extra == 'a' and",
        "name; python_version >= '3' or",
        "name[a,,b]",
        "name; sys_platform == 'li\\nux'",
    ],
)
def test_what_the_quick_audit_cannot_read_is_a_doubt(text: str) -> None:
    with pytest.raises(Doubt):
        quick_audit.parse_requirement(text)


def test_scan_finds_what_the_installed_scan_finds() -> None:
    paths = [p for p in sys.path if p]
    environment = ScanEnvironment(
        sys_path=paths, prefix=sys.prefix, in_virtualenv=sys.prefix != sys.base_prefix
    )
    theirs = {d.canonical_name: d for d in scan_installed(paths, environment)}
    mine = quick_audit.scan(paths)
    assert set(mine) == set(theirs)
    for name, dist in mine.items():
        if dist is not None:
            assert dist.path == str(theirs[name].info_path)
            assert dist.version_text == theirs[name]._dir_name_and_version[1]


def test_audit_agrees_with_satisfied_closure_on_the_dev_environment() -> None:
    paths = [p for p in sys.path if p]
    environment = ScanEnvironment(
        sys_path=paths, prefix=sys.prefix, in_virtualenv=sys.prefix != sys.base_prefix
    )
    installed = {d.canonical_name: d for d in scan_installed(paths, environment)}
    quick = quick_audit.scan(paths)
    markers = {k: str(v) for k, v in default_environment().items()}
    requests = [[f"{name}=={dist.version}"] for name, dist in installed.items()]
    requests += [[name] for name in installed] + [[f"{name}<0.0.1"] for name in list(installed)[:10]]
    requests += [
        ["requests[socks]"],
        ["build[virtualenv]"],
        ["pytest", "packaging>=20", "not-installed-at-all"],
    ]
    answered = 0
    for texts in requests:
        try:
            mine = quick_audit.audit([quick_audit.parse_requirement(t) for t in texts], quick, markers)
        except Doubt:
            continue
        answered += 1
        theirs = satisfied_closure([Requirement(t) for t in texts], [], installed, markers)
        assert mine == theirs, texts
    assert answered > len(requests) * 0.8


def test_headers_read_as_the_email_parser_reads_them(tmp_path: Path) -> None:
    environment = ScanEnvironment(sys_path=[], prefix=sys.prefix, in_virtualenv=True)
    samples = {
        "crlf": b"Name: a\r\nRequires-Dist: b>=1\r\nProvides-Extra: x\r\n\r\nbody\r\n",
        "no-body": b"Metadata-Version: 2.1\nName: a\nRequires-Dist: b ; extra == 'x'\nRequires-Dist: c\n",
        "long": b"Name: a\nLicense: line one\n  line two\nrequires-dist: b\n\nRequires-Dist: not-a-header\n",
    }
    infos = []
    for name, data in samples.items():
        info = tmp_path / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_bytes(data)
        infos.append(info)
    for path in sys.path:
        infos += list(Path(path or ".").glob("*.dist-info"))
    read = 0
    for info in infos:
        try:
            headers = quick_audit.read_headers(str(info))
        except Doubt:
            continue
        read += 1
        dist = InstalledDistribution(info, environment)
        assert headers["requires-dist"] == dist.requires, info
        assert headers["provides-extra"] == [str(e) for e in dist.metadata.get_all("Provides-Extra") or []]
    assert read > len(infos) * 0.9


@pytest.mark.parametrize(
    "data",
    [
        b"Name: a\nRequires-Dist: b\n  ; extra == 'x'\n",  # a folded value
        b"Name: a\nnot a header line\nRequires-Dist: b\n",
    ],
)
def test_headers_the_email_parser_reads_differently_are_a_doubt(tmp_path: Path, data: bytes) -> None:
    info = tmp_path / "a-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_bytes(data)
    with pytest.raises(Doubt):
        quick_audit.read_headers(str(info))
