"""A corpus of malicious archives, made here with ``tarfile``/``zipfile``: each is refused with one clear
line, nothing is written outside the destination, and the target environment is left as it was.

Every attack tries to create a file (or link) named ``PWNED``; after each run no ``PWNED`` may exist
anywhere under the test's directory. Sdists are served from a local index (the unpack happens before any
build backend runs); wheels are installed from a file and from the index.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipcompat.dist.archives import ArchiveLimits, UnsafeArchiveError, extract_archive
from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServerFactory
from tests.support.packages import record_hash

pytestmark = pytest.mark.integration

MARK = "PWNED"
PKG_INFO = b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"
PYPROJECT = b'[build-system]\nrequires = []\nbuild-backend = "nothing"\n'

# -- building the attacks ------------------------------------------------------------------------------


def _file(name: str, data: bytes = b"x", mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 1580601600
    return info


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


TarEntry = tuple[tarfile.TarInfo, bytes]


def _write_tar(path: Path, entries: list[TarEntry], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode, format=tarfile.GNU_FORMAT) as tar:  # type: ignore[call-overload]
        base: list[TarEntry] = [
            (_file("evil-1.0/PKG-INFO", PKG_INFO), PKG_INFO),
            (_file("evil-1.0/pyproject.toml", PYPROJECT), PYPROJECT),
        ]
        for info, data in base + entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _write_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("evil-1.0/PKG-INFO", PKG_INFO)
        zf.writestr("evil-1.0/pyproject.toml", PYPROJECT)
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _zip_info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (2020, 2, 2, 0, 0, 0))
    info.external_attr = mode << 16
    info.create_system = 3
    return info


Attack = Callable[[Path, Path], Path]
"""(directory for the archive, an absolute place outside) → the archive."""


def tar_dotdot(d: Path, outside: Path) -> Path:
    return _write_tar(d / "evil-1.0.tar.gz", [(_file(f"evil-1.0/../../../../../{MARK}"), b"x")])


def tar_absolute(d: Path, outside: Path) -> Path:
    return _write_tar(d / "evil-1.0.tar.gz", [(_file(str(outside / MARK)), b"x")])


def tar_backslash(d: Path, outside: Path) -> Path:
    return _write_tar(d / "evil-1.0.tar.gz", [(_file(f"evil-1.0\\..\\..\\..\\..\\{MARK}"), b"x")])


def tar_drive_letter(d: Path, outside: Path) -> Path:
    return _write_tar(d / "evil-1.0.tar.gz", [(_file(f"C:/{MARK}"), b"x")])


def tar_symlink_out_then_write_through(d: Path, outside: Path) -> Path:
    return _write_tar(
        d / "evil-1.0.tar.gz",
        [(_link("evil-1.0/out", str(outside)), b""), (_file(f"evil-1.0/out/{MARK}"), b"x")],
    )


def tar_relative_symlink_escaping(d: Path, outside: Path) -> Path:
    return _write_tar(d / "evil-1.0.tar.gz", [(_link(f"evil-1.0/{MARK}", "../../../../../etc/passwd"), b"")])


def tar_symlink_chain(d: Path, outside: Path) -> Path:
    # x/up -> .. is inside; esc -> x/up/../.. looks inside when read as text but goes through the link.
    up = tarfile.TarInfo("evil-1.0/x")
    up.type = tarfile.DIRTYPE
    return _write_tar(
        d / "evil-1.0.tar.gz",
        [
            (up, b""),
            (_link("evil-1.0/x/up", ".."), b""),
            (_link("evil-1.0/esc", "x/up/../.."), b""),
            (_file(f"evil-1.0/esc/{MARK}"), b"x"),
        ],
    )


def tar_hardlink_outside(d: Path, outside: Path) -> Path:
    return _write_tar(
        d / "evil-1.0.tar.gz", [(_link(f"evil-1.0/{MARK}", "/etc/passwd", tarfile.LNKTYPE), b"")]
    )


def tar_file_over_a_link(d: Path, outside: Path) -> Path:
    return _write_tar(
        d / "evil-1.0.tar.gz",
        [(_link(f"evil-1.0/{MARK}", "PKG-INFO"), b""), (_file(f"evil-1.0/{MARK}"), b"overwritten")],
    )


def tar_device_file(d: Path, outside: Path) -> Path:
    info = tarfile.TarInfo(f"evil-1.0/{MARK}")
    info.type = tarfile.CHRTYPE
    info.devmajor, info.devminor = 1, 3
    return _write_tar(d / "evil-1.0.tar.gz", [(info, b"")])


def tar_fifo(d: Path, outside: Path) -> Path:
    info = tarfile.TarInfo(f"evil-1.0/{MARK}")
    info.type = tarfile.FIFOTYPE
    return _write_tar(d / "evil-1.0.tar.gz", [(info, b"")])


def tar_bomb(d: Path, outside: Path) -> Path:
    size = 300 << 20
    path = d / "evil-1.0.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=9) as tar:
        tar.addfile(_file("evil-1.0/PKG-INFO", PKG_INFO), io.BytesIO(PKG_INFO))
        info = _file(f"evil-1.0/{MARK}")
        info.size = size
        tar.addfile(info, _Zeros(size))
    return path


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n

    def read(self, size: int = -1) -> bytes:
        n = self.left if size < 0 else min(size, self.left)
        self.left -= n
        return bytes(n)


def zip_dotdot(d: Path, outside: Path) -> Path:
    return _write_zip(d / "evil-1.0.zip", [(f"evil-1.0/../../../../../{MARK}", b"x")])


def zip_absolute(d: Path, outside: Path) -> Path:
    return _write_zip(d / "evil-1.0.zip", [(str(outside / MARK), b"x")])


def zip_symlink(d: Path, outside: Path) -> Path:
    return _write_zip(d / "evil-1.0.zip", [(_zip_info(f"evil-1.0/{MARK}", stat.S_IFLNK | 0o777), b"/etc")])


def zip_bomb(d: Path, outside: Path) -> Path:
    path = d / "evil-1.0.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("evil-1.0/PKG-INFO", PKG_INFO)
        with zf.open(f"evil-1.0/{MARK}", "w", force_zip64=True) as out:
            chunk = bytes(1 << 20)
            for _ in range(300):
                out.write(chunk)
    return path


SDIST_ATTACKS: dict[str, tuple[Attack, str]] = {
    "tar-dotdot": (tar_dotdot, "would be written outside the destination"),
    "tar-absolute-path": (tar_absolute, "would be written outside the destination"),
    "tar-backslashes": (tar_backslash, "would be written outside the destination"),
    "tar-drive-letter": (tar_drive_letter, "would be written outside the destination"),
    "tar-symlink-out-and-write-through": (tar_symlink_out_then_write_through, "outside"),
    "tar-relative-symlink-escaping": (tar_relative_symlink_escaping, "outside"),
    "tar-symlink-chain": (tar_symlink_chain, "link"),
    "tar-hardlink-outside": (tar_hardlink_outside, "hard link"),
    "tar-file-over-a-link": (tar_file_over_a_link, "appears twice"),
    "tar-device-file": (tar_device_file, "a device file"),
    "tar-fifo": (tar_fifo, "a FIFO"),
    "zip-dotdot": (zip_dotdot, "would be written outside the destination"),
    "zip-absolute-path": (zip_absolute, "would be written outside the destination"),
    "zip-symlink": (zip_symlink, "is a symbolic link"),
}
BOMBS: dict[str, tuple[Attack, str]] = {
    "tar-bomb": (tar_bomb, "archive bomb"),
    "zip-bomb": (zip_bomb, "archive bomb"),
}


def _marks(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        found += [os.path.join(folder, n) for n in dirs + files if n == MARK]
    return found


def _listing(root: Path) -> list[str]:
    result = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        result += [os.path.relpath(os.path.join(folder, n), root) for n in files]
    return sorted(result)


# -- extract_archive on its own --------------------------------------------------------------------------


@pytest.mark.parametrize("attack", [*SDIST_ATTACKS, *BOMBS])
def test_extract_archive_refuses_the_attack_and_removes_its_destination(attack: str, tmp_path: Path) -> None:
    build, expected = {**SDIST_ATTACKS, **BOMBS}[attack]
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = build(tmp_path, outside)
    dest = tmp_path / "a" / "b" / "c" / "d" / "e" / "dest"
    with pytest.raises(UnsafeArchiveError) as raised:
        extract_archive(archive, dest)
    message = str(raised.value)
    assert message.startswith(f"refusing to unpack {archive.name}: ")
    assert expected in message
    assert "\n" not in message
    assert not dest.exists()
    assert _marks(tmp_path) == []


def test_extract_archive_keeps_links_that_stay_inside(tmp_path: Path) -> None:
    readme = b"hello"
    archive = _write_tar(
        tmp_path / "fine-1.0.tar.gz",
        [
            (_file("evil-1.0/docs/README", readme), readme),
            (_link("evil-1.0/pkg/README", "../docs/README"), b""),
            (_link("evil-1.0/copy", "evil-1.0/docs/README", tarfile.LNKTYPE), b""),
            (_file("evil-1.0/run.sh", b"#!/bin/sh\n", 0o4777), b"#!/bin/sh\n"),
        ],
    )
    project = extract_archive(archive, tmp_path / "dest")
    assert project == tmp_path / "dest" / "evil-1.0"
    assert (project / "pkg" / "README").read_bytes() == readme
    assert (project / "pkg" / "README").is_symlink()
    assert (project / "copy").read_bytes() == readme
    # setuid and group/other write are dropped; the owner's execute bit stays.
    assert stat.S_IMODE((project / "run.sh").stat().st_mode) == 0o755


def test_extract_archive_limits_members_and_total_size(tmp_path: Path) -> None:
    archive = _write_tar(tmp_path / "many-1.0.tar", [(_file(f"evil-1.0/f{i}"), b"x") for i in range(20)], "w")
    with pytest.raises(UnsafeArchiveError, match="more than 10 members"):
        extract_archive(archive, tmp_path / "one", limits=ArchiveLimits(max_members=10))
    with pytest.raises(UnsafeArchiveError, match="limit of 5"):
        extract_archive(archive, tmp_path / "two", limits=ArchiveLimits(max_total_size=5))
    assert extract_archive(archive, tmp_path / "three").name == "evil-1.0"


# -- through the command line ------------------------------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A deep TMPDIR, so that ``../..`` from a build directory stays inside this test's directory."""
    temp = tmp_path / "sandbox" / "1" / "2" / "3" / "4" / "5" / "6" / "tmp"
    temp.mkdir(parents=True)
    return tmp_path / "sandbox", {"TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)}


def _assert_refused_and_unchanged(
    ctx: TestContext, venv: Path, args: list[str], env: dict[str, str], tmp_path: Path, expected: str
) -> None:
    before = _listing(venv)
    result = ctx.run("pip", "--python", venv_python(venv), "install", *args, env=env)
    result.assert_failure(1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "refusing to unpack" in errors[0] or "unsafe" in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr
    assert _listing(venv) == before
    assert _marks(tmp_path) == []


@pytest.mark.parametrize("attack", list(SDIST_ATTACKS))
def test_an_index_serving_a_malicious_sdist_installs_nothing(
    attack: str,
    ctx: TestContext,
    index_server: IndexServerFactory,
    tmp_path: Path,
    sandbox: tuple[Path, dict[str, str]],
) -> None:
    build, expected = SDIST_ATTACKS[attack]
    dists = tmp_path / "dists"
    dists.mkdir()
    outside = sandbox[0] / "outside"
    outside.mkdir()
    build(dists, outside)
    server = index_server([], dists_dir=dists)
    venv = ctx.make_venv()
    _assert_refused_and_unchanged(
        ctx, venv, ["--index-url", server.url, "evil"], sandbox[1], tmp_path, expected
    )


@pytest.mark.parametrize("attack", list(SDIST_ATTACKS))
def test_a_malicious_sdist_file_installs_nothing(
    attack: str, ctx: TestContext, tmp_path: Path, sandbox: tuple[Path, dict[str, str]]
) -> None:
    build, expected = SDIST_ATTACKS[attack]
    folder = tmp_path / "archives"
    folder.mkdir()
    outside = sandbox[0] / "outside"
    outside.mkdir()
    archive = build(folder, outside)
    venv = ctx.make_venv()
    _assert_refused_and_unchanged(ctx, venv, ["--no-index", str(archive)], sandbox[1], tmp_path, expected)


@pytest.mark.slow
@pytest.mark.parametrize("attack", list(BOMBS))
def test_an_index_serving_an_archive_bomb_installs_nothing(
    attack: str,
    ctx: TestContext,
    index_server: IndexServerFactory,
    tmp_path: Path,
    sandbox: tuple[Path, dict[str, str]],
) -> None:
    build, expected = BOMBS[attack]
    dists = tmp_path / "dists"
    dists.mkdir()
    build(dists, sandbox[0])
    server = index_server([], dists_dir=dists)
    venv = ctx.make_venv()
    started = time.monotonic()
    _assert_refused_and_unchanged(
        ctx, venv, ["--index-url", server.url, "evil"], sandbox[1], tmp_path, expected
    )
    assert time.monotonic() - started < 120


# -- wheels ------------------------------------------------------------------------------------------------

WHEEL_NAME = "evil-1.0-py3-none-any.whl"
DIST_INFO = "evil-1.0.dist-info"


def _write_wheel(
    path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]], record_extra: str = ""
) -> Path:
    files: dict[str, bytes] = {
        "evil/__init__.py": b"",
        f"{DIST_INFO}/METADATA": PKG_INFO,
        f"{DIST_INFO}/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = [f"{name},{record_hash(data)},{len(data)}" for name, data in files.items()]
    rows += [
        f"{info if isinstance(info, str) else info.filename},{record_hash(data)},{len(data)}"
        for info, data in extra
    ]
    record = "\n".join([*rows, f"{DIST_INFO}/RECORD,,", *([record_extra] if record_extra else [])]) + "\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for info, data in extra:
            zf.writestr(info, data)
        zf.writestr(f"{DIST_INFO}/RECORD", record)
    return path


WHEEL_ATTACKS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "wheel-dotdot": (
        lambda d, o: _write_wheel(d / WHEEL_NAME, [(f"evil/../../../../../../{MARK}", b"x")]),
        "outside its own tree",
    ),
    "wheel-absolute-path": (
        lambda d, o: _write_wheel(d / WHEEL_NAME, [(str(o / MARK), b"x")]),
        "absolute path",
    ),
    "wheel-symlink": (
        lambda d, o: _write_wheel(
            d / WHEEL_NAME, [(_zip_info(f"evil/{MARK}", stat.S_IFLNK | 0o777), b"/etc")]
        ),
        "symbolic link",
    ),
    "wheel-fifo": (
        lambda d, o: _write_wheel(d / WHEEL_NAME, [(_zip_info(f"evil/{MARK}", stat.S_IFIFO | 0o644), b"")]),
        "special file",
    ),
    "wheel-record-path-outside": (
        lambda d, o: _write_wheel(d / WHEEL_NAME, [], record_extra=f"../../../{MARK},,"),
        "RECORD path outside",
    ),
    "wheel-duplicate-entry": (
        lambda d, o: _write_wheel(d / WHEEL_NAME, [(f"evil/{MARK}.py", b"a"), (f"evil/{MARK}.py", b"b")]),
        "twice",
    ),
}


@pytest.mark.parametrize("attack", list(WHEEL_ATTACKS))
def test_a_malicious_wheel_file_installs_nothing(
    attack: str, ctx: TestContext, tmp_path: Path, sandbox: tuple[Path, dict[str, str]]
) -> None:
    build, expected = WHEEL_ATTACKS[attack]
    folder = tmp_path / "wheels"
    folder.mkdir()
    outside = sandbox[0] / "outside"
    outside.mkdir()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate entry
        wheel = build(folder, outside)
    venv = ctx.make_venv()
    before = _listing(venv)
    result = ctx.run("pip", "--python", venv_python(venv), "install", wheel, env=sandbox[1])
    result.assert_failure(1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert expected in errors[0], result.stderr
    assert _listing(venv) == before
    assert _marks(tmp_path) == []
    assert _marks(ctx.cache_dir) == []
