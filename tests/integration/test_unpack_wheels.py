"""Unpacking wheels into the cache: from a file or from memory, every compression method, damaged data."""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.dist import unpack
from pipcompat.dist.unpack import InvalidWheelError, WheelBytes, record_hash, unpack_wheel
from tests.support.packages import PackageSpec, build_wheel

DIST_INFO = "demo-1.0.dist-info"


def write_wheel(
    path: Path,
    members: dict[str, tuple[bytes, int]],
    *,
    unhashed: frozenset[str] = frozenset(),
    executable: frozenset[str] = frozenset(),
) -> Path:
    """A wheel of *members* (``name: (data, compression)``) with a RECORD that lists each (without a hash
    for the names in *unhashed*)."""
    files = {
        f"{DIST_INFO}/METADATA": (b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", zipfile.ZIP_DEFLATED),
        f"{DIST_INFO}/WHEEL": (b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n", zipfile.ZIP_DEFLATED),
        **members,
    }
    rows = [
        f"{name},,{len(data)}" if name in unhashed else f"{name},{record_hash(data)},{len(data)}"
        for name, (data, _method) in files.items()
    ]
    rows.append(f"{DIST_INFO}/RECORD,,")
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, method) in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            archive.writestr(info, data)
        archive.writestr(f"{DIST_INFO}/RECORD", "\n".join(rows) + "\n")
    return path


def tree_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_wheel_held_in_memory_unpacks_to_the_same_entry_as_its_file(tmp_path: Path) -> None:
    spec = PackageSpec("memo", "1.0", files={"memo/data/a.txt": "a\n", "memo/b.py": "B = 1\n"})
    wheel = build_wheel(spec, tmp_path / "dist")
    from_file = unpack_wheel(wheel, Cache(tmp_path / "c1"))
    from_memory = unpack_wheel(WheelBytes(wheel.name, wheel.read_bytes()), Cache(tmp_path / "c2"))
    assert from_memory.files == from_file.files
    assert from_memory.dist_info == from_file.dist_info == "memo-1.0.dist-info"
    assert from_memory.info == from_file.info == (True, "memo", "1.0")
    assert tree_of(from_memory.tree) == tree_of(from_file.tree)
    manifest = json.loads((from_memory.root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["wheel"] == wheel.name


def test_every_compression_method_and_big_members_unpack_exactly(tmp_path: Path) -> None:
    big = bytes(range(256)) * (17 << 12)  # 17 MiB: inflated in pieces rather than in one call
    members = {
        "demo/stored.txt": (b"stored\n" * 100, zipfile.ZIP_STORED),
        "demo/deflated.py": (b"X = 1\n" * 1000, zipfile.ZIP_DEFLATED),
        "demo/bzip2.txt": (b"bzip2\n" * 500, zipfile.ZIP_BZIP2),
        "demo/lzma.txt": (b"lzma\n" * 500, zipfile.ZIP_LZMA),
        "demo/empty.txt": (b"", zipfile.ZIP_DEFLATED),
        "demo/big.bin": (big, zipfile.ZIP_DEFLATED),
        "demo/big-stored.bin": (big[::-1], zipfile.ZIP_STORED),
        "demo/tool.sh": (b"#!/bin/sh\necho hi\n", zipfile.ZIP_DEFLATED),
    }
    wheel = write_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl", members, executable=frozenset({"demo/tool.sh"})
    )
    unpacked = unpack_wheel(wheel, Cache(tmp_path / "cache"))
    tree = tree_of(unpacked.tree)
    for name, (data, _method) in members.items():
        assert tree[name] == data, name
    by_path = {f.path: f for f in unpacked.files}
    assert by_path["demo/big.bin"].hash == record_hash(big)
    assert by_path["demo/big.bin"].size == len(big)
    assert by_path["demo/tool.sh"].executable
    assert (unpacked.tree / "demo/tool.sh").stat().st_mode & 0o777 == 0o755
    assert not by_path["demo/stored.txt"].executable


def _flip_in_member(wheel: Path, name: str) -> None:
    """Change one byte in the middle of *name*'s data, leaving the archive's directory as it was."""
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(name)
    data = bytearray(wheel.read_bytes())
    header = info.header_offset
    start = header + 30 + int.from_bytes(data[header + 26 : header + 28], "little")
    start += int.from_bytes(data[header + 28 : header + 30], "little")
    data[start + info.compress_size // 2] ^= 0x55
    wheel.write_bytes(bytes(data))


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("in_memory", [False, True], ids=["file", "memory"])
@pytest.mark.parametrize("big", [False, True], ids=["small", "streamed"])
def test_a_damaged_member_is_refused_and_leaves_no_entry(
    tmp_path: Path, method: int, in_memory: bool, big: bool
) -> None:
    text = "".join(f"line {i} of a module that compresses\n" for i in range(2000)).encode()
    if big:
        text *= 300  # over 16 MiB: inflated a piece at a time
    wheel = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/mod.py": (text, method)})
    _flip_in_member(wheel, "demo/mod.py")
    cache = Cache(tmp_path / "cache")
    source = WheelBytes(wheel.name, wheel.read_bytes()) if in_memory else wheel
    with pytest.raises(
        InvalidWheelError, match=r"demo-1.0-py3-none-any.whl.*(is corrupt|does not match the hash)"
    ):
        unpack_wheel(source, cache)
    assert not [p for p in cache.bucket("archives").rglob("manifest.json")]


def test_a_damaged_member_without_a_record_hash_fails_its_crc(tmp_path: Path) -> None:
    text = b"a file RECORD lists without a hash\n" * 50
    wheel = write_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        {"demo/plain.txt": (text, zipfile.ZIP_STORED)},
        unhashed=frozenset({"demo/plain.txt"}),
    )
    good = unpack_wheel(wheel, Cache(tmp_path / "good"))
    assert (good.tree / "demo/plain.txt").read_bytes() == text
    _flip_in_member(wheel, "demo/plain.txt")
    with pytest.raises(InvalidWheelError, match=r"is corrupt \(demo/plain.txt\): bad CRC-32"):
        unpack_wheel(wheel, Cache(tmp_path / "bad"))


def test_a_truncated_wheel_in_memory_is_not_a_valid_wheel(tmp_path: Path) -> None:
    wheel = write_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl", {"demo/m.py": (b"M = 1\n", zipfile.ZIP_DEFLATED)}
    )
    data = wheel.read_bytes()
    with pytest.raises(InvalidWheelError, match=r"demo-1.0-py3-none-any.whl is not a valid wheel"):
        unpack_wheel(WheelBytes(wheel.name, data[: len(data) // 2]), Cache(tmp_path / "cache"))


def test_the_stdlib_inflater_unpacks_what_isal_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"VALUE_{i} = {i * i}\n" for i in range(3000)).encode()
    members = {
        "demo/mod.py": (text, zipfile.ZIP_DEFLATED),
        "demo/empty.py": (b"", zipfile.ZIP_DEFLATED),
        "demo/big.bin": (bytes(range(256)) * (17 << 12), zipfile.ZIP_DEFLATED),  # streamed
    }
    wheel = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", members)
    default = unpack_wheel(wheel, Cache(tmp_path / "default"))
    plain_zlib = unpack.Inflater(zlib.decompress, zlib.decompressobj, (zlib.error,))
    monkeypatch.setattr(unpack, "_inflater", lambda: plain_zlib)
    plain = unpack_wheel(wheel, Cache(tmp_path / "zlib"))
    assert plain.files == default.files
    assert tree_of(plain.tree) == tree_of(default.tree)
    _flip_in_member(wheel, "demo/mod.py")
    with pytest.raises(InvalidWheelError, match=r"(is corrupt|does not match the hash)"):
        unpack_wheel(wheel, Cache(tmp_path / "zlib-bad"))


def test_isal_inflates_where_it_is_installed() -> None:
    isal_zlib = pytest.importorskip("isal.isal_zlib")
    assert unpack._inflater().decompress is isal_zlib.decompress
