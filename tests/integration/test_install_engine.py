"""The install engine against real venvs: linking from the cache, RECORD, scripts, rollback."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.dist.unpack import InvalidWheelError, unpack_wheel
from pipcompat.env.installed import find_installed
from pipcompat.install.engine import WheelToInstall, install_wheels
from pipcompat.install.scheme import scheme_for
from pipcompat.install.target import TargetPython, probe, scan_environment
from tests.support.packages import PackageSpec, build_wheel

pytestmark = pytest.mark.integration

HELLO = PackageSpec(
    "hello-world",
    "1.0",
    deps=["other>=2"],
    console_scripts={"hello": "hello_world:main"},
    files={
        "hello_world/sub/data.txt": "payload\n",
        "hello_world-1.0.data/scripts/raw-tool": "#!python\nprint('raw tool')\n",
        "hello_world-1.0.data/data/share/hello/notes.txt": "notes\n",
    },
)
OTHER = PackageSpec("other", "2.0")


def _venv(path: Path) -> TargetPython:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return probe(path / "bin" / "python")


def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(directory, name), root) + "/"] = (0, b"")
        for name in files:
            path = Path(directory, name)
            found[os.path.relpath(path, root)] = (path.stat().st_mode, path.read_bytes())
    return found


def _install(target: TargetPython, cache: Cache, *wheels: Path, **kwargs: object) -> list:  # type: ignore[type-arg]
    return install_wheels(
        [WheelToInstall(w, requested=True) for w in wheels],
        scheme_for(target),
        cache,
        python=str(target.executable),
        cache_tag=target.cache_tag,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def wheels(tmp_path: Path) -> tuple[Path, Path]:
    return build_wheel(HELLO, tmp_path / "dists"), build_wheel(OTHER, tmp_path / "dists")


def test_installed_packages_import_and_scripts_run(tmp_path: Path, wheels: tuple[Path, Path]) -> None:
    target = _venv(tmp_path / "venv")
    _install(target, Cache(tmp_path / "cache"), *wheels)
    python = str(target.executable)
    assert subprocess.run([python, "-c", "import hello_world, other"], check=False).returncode == 0
    hello = subprocess.run([str(tmp_path / "venv/bin/hello")], capture_output=True, text=True, check=True)
    assert hello.stdout == "hello-world 1.0\n"
    raw = subprocess.run([str(tmp_path / "venv/bin/raw-tool")], capture_output=True, text=True, check=True)
    assert raw.stdout == "raw tool\n"
    assert (tmp_path / "venv/share/hello/notes.txt").read_text() == "notes\n"
    assert (tmp_path / "venv/bin/hello").read_text().startswith(f"#!{python}\n")


def test_record_lists_every_installed_file_with_its_hash(tmp_path: Path, wheels: tuple[Path, Path]) -> None:
    target = _venv(tmp_path / "venv")
    _install(target, Cache(tmp_path / "cache"), *wheels)
    site = Path(target.paths["purelib"])
    dist_info = site / "hello_world-1.0.dist-info"
    rows = list(csv.reader((dist_info / "RECORD").read_text().splitlines()))
    assert ["hello_world-1.0.dist-info/RECORD", "", ""] in rows
    listed = set()
    for path, digest, size in rows:
        full = (site / path).resolve()
        listed.add(full)
        if path.endswith("RECORD"):
            continue
        data = full.read_bytes()
        expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (expected, len(data)), path
    assert (tmp_path / "venv/bin/hello").resolve() in listed
    assert (dist_info / "INSTALLER").read_text() == "pipcompat\n"
    assert (dist_info / "REQUESTED").exists()
    dist = find_installed("Hello_World", target.sys_path, scan_environment(target))
    assert dist is not None and dist.installer == "pipcompat" and dist.requested


def test_hardlinks_share_the_cache_entry_and_a_second_venv_costs_little(
    tmp_path: Path, wheels: tuple[Path, Path]
) -> None:
    cache = Cache(tmp_path / "cache")
    first = _venv(tmp_path / "one")
    second = _venv(tmp_path / "two")
    result = _install(first, cache, *wheels)
    _install(second, cache, *wheels)
    entry = unpack_wheel(wheels[0], cache)
    cached = entry.tree / "hello_world" / "__init__.py"
    for venv in (first, second):
        installed = Path(venv.paths["purelib"]) / "hello_world" / "__init__.py"
        assert installed.stat().st_ino == cached.stat().st_ino
    assert result[0].link_kinds.get("hardlink", 0) > 0
    assert cached.stat().st_nlink >= 3


def test_copy_mode_makes_independent_files(tmp_path: Path, wheels: tuple[Path, Path]) -> None:
    cache = Cache(tmp_path / "cache")
    target = _venv(tmp_path / "venv")
    _install(target, cache, *wheels, link_mode="copy")
    entry = unpack_wheel(wheels[0], cache)
    installed = Path(target.paths["purelib"]) / "hello_world" / "__init__.py"
    assert installed.stat().st_ino != (entry.tree / "hello_world" / "__init__.py").stat().st_ino
    assert installed.read_bytes() == (entry.tree / "hello_world" / "__init__.py").read_bytes()


def test_compile_writes_pyc_files_into_record(tmp_path: Path, wheels: tuple[Path, Path]) -> None:
    target = _venv(tmp_path / "venv")
    _install(target, Cache(tmp_path / "cache"), *wheels, compile=True)
    site = Path(target.paths["purelib"])
    pyc = site / "hello_world" / "__pycache__" / f"__init__.{target.cache_tag}.pyc"
    assert pyc.is_file()
    assert (
        f"hello_world/__pycache__/__init__.{target.cache_tag}.pyc"
        in (site / "hello_world-1.0.dist-info/RECORD").read_text()
    )


def test_a_corrupt_wheel_second_in_the_list_leaves_the_environment_as_it_was(
    tmp_path: Path, wheels: tuple[Path, Path]
) -> None:
    target = _venv(tmp_path / "venv")
    cache = Cache(tmp_path / "cache")
    _install(target, cache, wheels[1])
    before = _tree(tmp_path / "venv")
    corrupt = tmp_path / "bad" / "broken-1.0-py3-none-any.whl"
    corrupt.parent.mkdir()
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(InvalidWheelError):
        _install(target, cache, wheels[0], corrupt)
    assert _tree(tmp_path / "venv") == before


def test_a_failure_while_linking_rolls_back_and_restores_replaced_packages(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    cache = Cache(tmp_path / "cache")
    old = build_wheel(PackageSpec("other", "1.0", console_scripts={"other": "other:main"}), tmp_path / "d1")
    _install(target, cache, old)
    before = _tree(tmp_path / "venv")
    new = build_wheel(PackageSpec("other", "2.0"), tmp_path / "d2")
    bad = build_wheel(PackageSpec("bad", "1.0", files={"bad-1.0.data/unknown/x": "x"}), tmp_path / "d2")
    existing = find_installed("other", target.sys_path, scan_environment(target))
    assert existing is not None
    with pytest.raises(InvalidWheelError, match=r"unknown \.data directory"):
        install_wheels(
            [WheelToInstall(new), WheelToInstall(bad)],
            scheme_for(target),
            cache,
            python=str(target.executable),
            cache_tag=target.cache_tag,
            replace=[existing],
            prefix=str(target.prefix),
        )
    assert _tree(tmp_path / "venv") == before


def test_replacing_a_version_removes_the_old_files(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    cache = Cache(tmp_path / "cache")
    old = build_wheel(PackageSpec("other", "1.0", files={"other/old.py": ""}), tmp_path / "d1")
    _install(target, cache, old)
    existing = find_installed("other", target.sys_path, scan_environment(target))
    assert existing is not None
    new = build_wheel(PackageSpec("other", "2.0"), tmp_path / "d2")
    install_wheels(
        [WheelToInstall(new)],
        scheme_for(target),
        cache,
        python=str(target.executable),
        replace=[existing],
        prefix=str(target.prefix),
    )
    site = Path(target.paths["purelib"])
    assert not (site / "other" / "old.py").exists()
    assert not (site / "other-1.0.dist-info").exists()
    assert (site / "other-2.0.dist-info" / "RECORD").is_file()


@pytest.mark.parametrize("name", ["../evil.py", "/abs/evil.py", "pkg/../../evil.py"])
def test_wheels_with_paths_outside_their_tree_are_refused(tmp_path: Path, name: str) -> None:
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(name, "x")
        archive.writestr("evil-1.0.dist-info/METADATA", "Name: evil\nVersion: 1.0\n")
        archive.writestr("evil-1.0.dist-info/WHEEL", "Root-Is-Purelib: true\n")
    with pytest.raises(InvalidWheelError):
        unpack_wheel(wheel, Cache(tmp_path / "cache"))
    assert not (tmp_path / "evil.py").exists()


def test_a_record_that_lies_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "liar-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("liar/__init__.py", "print('changed')\n")
        archive.writestr("liar-1.0.dist-info/METADATA", "Name: liar\nVersion: 1.0\n")
        archive.writestr("liar-1.0.dist-info/WHEEL", "Root-Is-Purelib: true\n")
        archive.writestr(
            "liar-1.0.dist-info/RECORD", "liar/__init__.py,sha256=AAAA,18\nliar-1.0.dist-info/RECORD,,\n"
        )
    with pytest.raises(InvalidWheelError, match="does not match the hash"):
        unpack_wheel(wheel, Cache(tmp_path / "cache"))


def test_user_prefix_root_and_target_schemes(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    short = target.python_short
    prefixed = scheme_for(target, prefix=tmp_path / "pfx")
    assert prefixed.purelib == tmp_path / "pfx" / "lib" / f"python{short}" / "site-packages"
    assert prefixed.scripts == tmp_path / "pfx" / "bin"
    rooted = scheme_for(target, root=tmp_path / "root")
    assert rooted.purelib == tmp_path / "root" / str(target.paths["purelib"]).lstrip("/")
    targeted = scheme_for(target, target_dir=tmp_path / "tgt")
    assert targeted.purelib == targeted.platlib == tmp_path / "tgt"
    user = scheme_for(target, user=True)
    assert str(user.purelib).startswith(str(target.user_base))


def test_files_in_the_way_are_replaced_and_restored_when_the_install_fails(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    cache = Cache(tmp_path / "cache")
    site = Path(target.paths["purelib"])
    (site / "shared").mkdir()
    (site / "shared" / "__init__.py").write_text("# left by something else\n")
    (site / "stray.py").write_text("OLD = True\n")
    before = _tree(tmp_path / "venv")
    files = {"stray.py": "NEW = True\n", "shared/__init__.py": "# new\n", "shared/deep/mod.py": "X = 1\n"}
    wheel = build_wheel(PackageSpec("overlap", "1.0", files=files), tmp_path / "d1")
    bad = build_wheel(PackageSpec("bad", "1.0", files={"bad-1.0.data/unknown/x": "x"}), tmp_path / "d1")
    with pytest.raises(InvalidWheelError, match=r"unknown \.data directory"):
        _install(target, cache, wheel, bad)
    assert _tree(tmp_path / "venv") == before
    _install(target, cache, wheel)
    assert (site / "stray.py").read_text() == "NEW = True\n"
    assert (site / "shared" / "__init__.py").read_text() == "# new\n"
    assert (site / "shared" / "deep" / "mod.py").read_text() == "X = 1\n"
    assert not [p for p in site.iterdir() if p.name.startswith(".pipcompat")]


def _many_files(name: str, version: str) -> PackageSpec:
    """A wheel big enough to be linked in parts by several workers at once (hundreds of directories)."""
    files = {
        f"{name}/d{i}/s{j}/m{k}.py": f"V = '{version}'\n"
        for i in range(12)
        for j in range(25)
        for k in range(4)
    }
    files[f"{name}/top.py"] = f"V = '{version}'\n"
    return PackageSpec(name, version, files=files)


def test_a_wheel_linked_in_parts_installs_every_file_and_rolls_back_whole(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    cache = Cache(tmp_path / "cache")
    site = Path(target.paths["purelib"])
    (site / "many" / "d3" / "s7").mkdir(parents=True)
    (site / "many" / "d3" / "s7" / "m1.py").write_text("# in the way\n")
    before = _tree(tmp_path / "venv")
    wheel = build_wheel(_many_files("many", "1.0"), tmp_path / "d1")
    bad = build_wheel(PackageSpec("bad", "1.0", files={"bad-1.0.data/unknown/x": "x"}), tmp_path / "d1")
    with pytest.raises(InvalidWheelError, match=r"unknown \.data directory"):
        _install(target, cache, wheel, bad, workers=4)
    assert _tree(tmp_path / "venv") == before
    [installed] = _install(target, cache, wheel, workers=4)
    assert (site / "many" / "d3" / "s7" / "m1.py").read_text() == "V = '1.0'\n"
    assert (site / "many" / "d11" / "s24" / "m3.py").read_text() == "V = '1.0'\n"
    with open(site / "many-1.0.dist-info" / "RECORD", newline="") as stream:
        rows = {row[0]: row for row in csv.reader(stream)}
    on_disk = {
        os.path.relpath(os.path.join(d, n), site).replace(os.sep, "/")
        for d, _dirs, names in os.walk(site)
        for n in names
        if "many" in os.path.relpath(d, site).split(os.sep)[0]
    }
    assert set(rows) == on_disk
    assert len(installed.lib_files) > 12 * 25 * 4 and set(installed.lib_files) <= set(rows)
    assert not [p for p in site.iterdir() if p.name.startswith(".pipcompat")]


def test_record_quotes_paths_with_commas_and_quotes_as_csv_does(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    odd = 'odd/a,b "c".txt'
    wheel = build_wheel(PackageSpec("odd", "1.0", files={odd: "x\n", "odd/plain.txt": "y\n"}), tmp_path / "d")
    _install(target, Cache(tmp_path / "cache"), wheel)
    site = Path(target.paths["purelib"])
    with open(site / "odd-1.0.dist-info" / "RECORD", newline="") as stream:
        rows = {row[0]: row for row in csv.reader(stream)}
    assert (site / odd).read_text() == "x\n"
    assert rows[odd][2] == "2" and rows["odd/plain.txt"][2] == "2"
    assert rows["odd-1.0.dist-info/RECORD"] == ["odd-1.0.dist-info/RECORD", "", ""]


@pytest.mark.parametrize("mode", ["copy", "symlink"])
def test_a_wheel_linked_in_parts_by_copy_or_symlink(tmp_path: Path, mode: str) -> None:
    target = _venv(tmp_path / "venv")
    wheel = build_wheel(_many_files("many", "1.0"), tmp_path / "d1")
    _install(target, Cache(tmp_path / "cache"), wheel, workers=4, link_mode=mode)
    site = Path(target.paths["purelib"])
    linked = [site / "many" / f"d{i}" / f"s{j}" / "m3.py" for i in range(12) for j in range(25)]
    assert all(p.read_text() == "V = '1.0'\n" for p in linked)
    assert all(p.is_symlink() == (mode == "symlink") for p in linked)
    if mode == "copy":
        assert all(p.stat().st_nlink == 1 for p in linked)


def test_data_files_are_linked_in_parts_replace_files_in_the_way_and_roll_back(tmp_path: Path) -> None:
    target = _venv(tmp_path / "venv")
    cache = Cache(tmp_path / "cache")
    venv = tmp_path / "venv"
    (venv / "share" / "app" / "d2").mkdir(parents=True)
    (venv / "share" / "app" / "d2" / "f1.json").write_text("left by something else\n")
    before = _tree(venv)
    files = {
        f"shared_data-1.0.data/data/share/app/d{i}/f{k}.json": f'{{"d": {i}, "f": {k}}}\n'
        for i in range(30)
        for k in range(50)
    }
    files["shared_data-1.0.data/headers/api.h"] = "#define API 1\n"
    files["shared_data/__init__.py"] = ""
    wheel = build_wheel(PackageSpec("shared-data", "1.0", files=files), tmp_path / "d1")
    bad = build_wheel(PackageSpec("bad", "1.0", files={"bad-1.0.data/unknown/x": "x"}), tmp_path / "d1")
    with pytest.raises(InvalidWheelError, match=r"unknown \.data directory"):
        _install(target, cache, wheel, bad, workers=4)
    assert _tree(venv) == before

    [installed] = _install(target, cache, wheel, workers=4)
    assert (venv / "share" / "app" / "d2" / "f1.json").read_text() == '{"d": 2, "f": 1}\n'
    assert (venv / "share" / "app" / "d29" / "f49.json").read_text() == '{"d": 29, "f": 49}\n'
    entry = unpack_wheel(wheel, cache)
    linked = venv / "share" / "app" / "d7" / "f3.json"
    cached = entry.tree / "shared_data-1.0.data" / "data" / "share" / "app" / "d7" / "f3.json"
    assert linked.stat().st_ino == cached.stat().st_ino
    [header] = scheme_for(target).headers.rglob("api.h")
    assert header.read_text() == "#define API 1\n"
    site = Path(target.paths["purelib"])
    with open(site / "shared_data-1.0.dist-info" / "RECORD", newline="") as stream:
        recorded = {(site / row[0]).resolve() for row in csv.reader(stream)}
    shared = {p.resolve() for p in (venv / "share" / "app").rglob("*.json")}
    assert len(shared) == 30 * 50 and shared <= recorded
    assert header.resolve() in recorded
    assert installed.link_kinds.get("hardlink", 0) >= 30 * 50
