"""The on-the-fly dist builder of the test harness: names, metadata, RECORD, determinism."""

from __future__ import annotations

import csv
import email
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.requirements import Requirement
from packaging.utils import parse_sdist_filename, parse_wheel_filename

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from tests.support.packages import (
    PackageSpec,
    build_all,
    build_sdist,
    build_wheel,
    read_sdist_metadata,
    read_wheel_metadata,
    record_hash,
)


@pytest.mark.parametrize(
    ("name", "version", "wheel", "sdist"),
    [
        ("a", "1.0", "a-1.0-py3-none-any.whl", "a-1.0.tar.gz"),
        ("Foo.Bar-Baz", "1.0", "foo_bar_baz-1.0-py3-none-any.whl", "foo_bar_baz-1.0.tar.gz"),
        ("foo__bar", "1.0-beta1", "foo_bar-1.0b1-py3-none-any.whl", "foo_bar-1.0b1.tar.gz"),
        ("Torch", "2.0.0+CPU", "torch-2.0.0+cpu-py3-none-any.whl", "torch-2.0.0+cpu.tar.gz"),
    ],
)
def test_filenames_are_normalized(name: str, version: str, wheel: str, sdist: str, tmp_path: Path) -> None:
    spec = PackageSpec(name, version)
    assert spec.filenames() == [wheel, sdist]
    built = build_all([spec], tmp_path)
    assert [p.name for p in built] == [wheel, sdist]
    assert parse_wheel_filename(wheel)[0] == spec.normalized_name
    assert parse_sdist_filename(sdist)[0] == spec.normalized_name
    with zipfile.ZipFile(built[0]) as archive:
        assert f"{spec.dist_info}/METADATA" in archive.namelist()
        assert f"{spec.import_name}/__init__.py" in archive.namelist()


def test_build_tag_and_several_tags_make_one_wheel_each(tmp_path: Path) -> None:
    spec = PackageSpec(
        "native",
        "1.0",
        tags=["cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", "py2.py3-none-any"],
        build_tag="1",
        sdist=False,
    )
    built = build_all([spec], tmp_path)
    assert [p.name for p in built] == [
        "native-1.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "native-1.0-1-py2.py3-none-any.whl",
    ]
    with zipfile.ZipFile(built[0]) as archive:
        wheel = email.message_from_bytes(archive.read("native-1.0.dist-info/WHEEL"))
    assert wheel["Root-Is-Purelib"] == "false"
    assert wheel.get_all("Tag") == [
        "cp311-cp311-manylinux2014_x86_64",
        "cp311-cp311-manylinux_2_17_x86_64",
    ]
    assert wheel["Build"] == "1"
    with zipfile.ZipFile(built[1]) as archive:
        wheel = email.message_from_bytes(archive.read("native-1.0.dist-info/WHEEL"))
    assert wheel["Root-Is-Purelib"] == "true"
    assert wheel.get_all("Tag") == ["py2-none-any", "py3-none-any"]


def test_record_hashes_verify(tmp_path: Path) -> None:
    spec = PackageSpec("a", "1.0", files={"a/data.bin": bytes(range(256)), "a/sub/__init__.py": "x = 1\n"})
    wheel = build_wheel(spec, tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read("a-1.0.dist-info/RECORD").decode())))
        assert names[-1] == "a-1.0.dist-info/RECORD"
        assert sorted(row[0] for row in rows) == sorted(names)
        for path, digest, size in rows:
            if path.endswith("/RECORD"):
                assert (digest, size) == ("", "")
                continue
            data = archive.read(path)
            assert digest == record_hash(data)
            assert int(size) == len(data)


def test_installer_accepts_the_wheel(tmp_path: Path) -> None:
    from installer.sources import WheelFile

    wheel = build_wheel(PackageSpec("a", "1.0", console_scripts={"a-cli": "a:main"}), tmp_path)
    with WheelFile.open(wheel) as source:
        source.validate_record()
        assert source.distribution == "a"


def test_metadata_reproduces_the_spec(tmp_path: Path) -> None:
    spec = PackageSpec(
        "Demo",
        "2.0",
        deps=["b>=1", 'c; python_version < "4"'],
        requires_python=">=3.8,<4",
        extras={"x": ["d[y]"], "win": ['e; os_name == "nt"']},
        summary="demo",
    )
    wheel, sdist = build_all([spec], tmp_path)
    raw = read_wheel_metadata(wheel)
    assert read_sdist_metadata(sdist) == raw
    meta = Metadata.from_email(raw, validate=True)
    assert str(meta.name) == "Demo" and str(meta.version) == "2.0"
    assert str(meta.requires_python) == "<4,>=3.8"
    assert meta.provides_extra == ["x", "win"]
    assert [str(r) for r in meta.requires_dist or []] == [
        "b>=1",
        'c; python_version < "4"',
        'd[y]; extra == "x"',
        'e; os_name == "nt" and extra == "win"',
    ]
    with_extra = Requirement('e; os_name == "nt" and extra == "win"').marker
    assert with_extra is not None
    assert with_extra.evaluate({"os_name": "nt", "extra": "win"})


def test_sdist_has_pkg_info_pyproject_and_files(tmp_path: Path) -> None:
    spec = PackageSpec(
        "my-pkg",
        "0.1",
        deps=["b"],
        requires_python=">=3.9",
        extras={"x": ["c"]},
        files={"my_pkg/sub/__init__.py": "", "helper.py": "X = 1\n"},
        console_scripts={"my-cli": "my_pkg:main"},
        entry_points={"my.plugins": {"p": "my_pkg:main"}},
    )
    sdist = build_sdist(spec, tmp_path)
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        pyproject = tomllib.loads(tar.extractfile("my_pkg-0.1/pyproject.toml").read().decode())  # type: ignore[union-attr]
    assert {"my_pkg-0.1/PKG-INFO", "my_pkg-0.1/my_pkg/__init__.py", "my_pkg-0.1/helper.py"} <= set(names)
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"
    project = pyproject["project"]
    assert (project["name"], project["version"], project["requires-python"]) == ("my-pkg", "0.1", ">=3.9")
    assert project["dependencies"] == ["b"]
    assert project["optional-dependencies"] == {"x": ["c"]}
    assert project["scripts"] == {"my-cli": "my_pkg:main"}
    assert project["entry-points"] == {"my.plugins": {"p": "my_pkg:main"}}
    assert pyproject["tool"]["setuptools"] == {"packages": ["my_pkg", "my_pkg.sub"], "py-modules": ["helper"]}


def test_entry_points_and_default_module(tmp_path: Path) -> None:
    spec = PackageSpec(
        "tool", "3.1", console_scripts={"tool": "tool:main"}, entry_points={"g": {"n": "tool:x"}}
    )
    with zipfile.ZipFile(build_wheel(spec, tmp_path)) as archive:
        entry_points = archive.read("tool-3.1.dist-info/entry_points.txt").decode()
        module = archive.read("tool/__init__.py").decode()
    assert "[console_scripts]\ntool = tool:main\n" in entry_points
    assert "[g]\nn = tool:x\n" in entry_points
    namespace: dict[str, object] = {}
    exec(module, namespace)
    assert namespace["__version__"] == "3.1"


def test_files_replace_the_default_module(tmp_path: Path) -> None:
    spec = PackageSpec("a", "1.0", files={"a/__init__.py": "VALUE = 42\n"}, sdist=False)
    with zipfile.ZipFile(build_wheel(spec, tmp_path)) as archive:
        assert archive.read("a/__init__.py") == b"VALUE = 42\n"


def test_builds_are_deterministic(tmp_path: Path) -> None:
    specs = [
        PackageSpec(
            "a", "1.0", deps=["b"], extras={"x": ["c"]}, tags=["py3-none-any", "cp311-cp311-win_amd64"]
        ),
        PackageSpec("b", "2.0", files={"b/x/y.py": "pass\n"}),
    ]
    first = build_all(specs, tmp_path / "one")
    second = build_all(specs, tmp_path / "two")
    assert [p.name for p in first] == [p.name for p in second]
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in first]
    assert digests == [hashlib.sha256(p.read_bytes()).hexdigest() for p in second]
    other = build_all([PackageSpec("b", "2.0", files={"b/x/y.py": "pass  \n"})], tmp_path / "three")
    assert hashlib.sha256(other[0].read_bytes()).hexdigest() != digests[-2]


def test_only_the_requested_archives_are_built(tmp_path: Path) -> None:
    assert [p.name for p in build_all([PackageSpec("a", "1", wheel=False)], tmp_path / "s")] == ["a-1.tar.gz"]
    assert [p.name for p in build_all([PackageSpec("a", "1", sdist=False)], tmp_path / "w")] == [
        "a-1-py3-none-any.whl"
    ]


def test_bad_requirement_fails_early() -> None:
    with pytest.raises(ValueError):
        PackageSpec("a", "1.0", deps=["not a requirement!"])
