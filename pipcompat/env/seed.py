"""Seeding a new virtual environment with pip (and setuptools before 3.12), as ``python -m venv`` does.

The wheels come from the target Python's own ``ensurepip/_bundled`` folder, so no index is needed and the
versions are exactly those ``python -m venv`` would install. Each wheel is unpacked once into the cache's
``archives`` bucket (keyed by its name, size and mtime: bundled wheels never change in place), then every
new environment gets hardlinks to those files (copies when the cache is on another filesystem), a
``RECORD`` with the wheel's own hashes plus the files written here, ``INSTALLER``, ``REQUESTED``, and
console scripts whose shebang is the environment's python.

This is the minimal wheel linking a venv needs; ``pipcompat/install`` owns general installs.
"""

from __future__ import annotations

import base64
import configparser
import hashlib
import io
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipcompat.cache import Cache, atomic_directory, digest_key
from pipcompat.env.probe import Interpreter
from pipcompat.errors import PipcompatError

INSTALLER_NAME = "pipcompat"

_WHEEL_NAME = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-.*\.whl$")


class SeedError(PipcompatError):
    """The environment could not be seeded (no bundled wheel, a broken wheel, an unwritable cache)."""


@dataclass(frozen=True)
class BundledWheel:
    """A wheel in the interpreter's ``ensurepip/_bundled`` folder."""

    path: Path
    name: str
    version: str

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", self.version)[:4])


def bundled_wheels(interpreter: Interpreter) -> dict[str, BundledWheel]:
    """Project name → the newest wheel of it that *interpreter* bundles for ``ensurepip``."""
    found: dict[str, BundledWheel] = {}
    for text in interpreter.ensurepip_wheels:
        path = Path(text)
        match = _WHEEL_NAME.match(path.name)
        if match is None:
            continue
        wheel = BundledWheel(path, match["name"].lower().replace("_", "-"), match["version"])
        current = found.get(wheel.name)
        if current is None or wheel.version_key > current.version_key:
            found[wheel.name] = wheel
    return found


def seed_projects(interpreter: Interpreter, *, seed: bool) -> tuple[str, ...]:
    """What ``python -m venv`` (or uv's ``--seed`` when *seed*) installs for this Python version."""
    if interpreter.version[:2] >= (3, 12):
        return ("pip",)
    return ("pip", "setuptools", "wheel") if seed else ("pip", "setuptools")


# -- the cache entry ----------------------------------------------------------------------------------
def _identity(path: Path) -> str:
    """A bundled wheel never changes in place: its name, size and mtime identify its content."""
    try:
        info = path.stat()
    except OSError as exc:
        raise SeedError(f"cannot read the bundled wheel {path}: {exc.strerror or exc}") from None
    return f"{path.name}:{info.st_size}:{info.st_mtime_ns}"


def _safe_member(name: str) -> PurePosixPath:
    member = PurePosixPath(name)
    if member.is_absolute() or ".." in member.parts or name.startswith(("/", "\\")) or ":" in member.parts[0]:
        raise SeedError(f"the wheel has a file outside its root: {name!r}")
    return member


def unpacked_wheel(wheel: Path, cache: Cache) -> Path:
    """The cache directory holding *wheel*'s files, unpacking it there the first time."""
    entry = cache.entry("archives", digest_key("bundled-wheel", _identity(wheel))) / "files"
    if entry.is_dir():
        return entry
    import zipfile

    try:
        with atomic_directory(entry) as temp, zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                member = _safe_member(info.filename)
                target = temp.joinpath(*member.parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
                mode = (info.external_attr >> 16) & 0o777
                os.chmod(target, 0o755 if mode & 0o111 else 0o644)
    except (OSError, zipfile.BadZipFile) as exc:
        raise SeedError(f"cannot unpack {wheel.name} into the cache: {exc}") from None
    return entry


# -- linking --------------------------------------------------------------------------------------------
def _link_tree(source: Path, target: Path) -> list[str]:
    """Hardlink (or copy) every file under *source* into *target*; return their relative POSIX paths."""
    linked: list[str] = []
    can_link = True
    for directory, dirnames, filenames in os.walk(source):
        dirnames.sort()
        relative = os.path.relpath(directory, source)
        out_dir = target if relative == "." else target / relative
        out_dir.mkdir(parents=True, exist_ok=True)
        for filename in sorted(filenames):
            src = os.path.join(directory, filename)
            dst = out_dir / filename
            if dst.exists() or dst.is_symlink():
                dst.unlink()
            if can_link:
                try:
                    os.link(src, dst)
                except OSError:
                    can_link = False
            if not can_link:
                shutil.copyfile(src, dst)
            linked.append(filename if relative == "." else f"{relative}/{filename}".replace(os.sep, "/"))
    return linked


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _shebang(python: Path) -> bytes:
    text = str(python)
    if " " not in text and len(text) <= 127:
        return f"#!{text}\n".encode()
    # Long or spaced paths cannot be in a shebang line: let /bin/sh start Python instead.
    return f"#!/bin/sh\n'''exec' \"{text}\" \"$0\" \"$@\"\n' '''\n".encode()


def console_script(python: Path, module: str, attribute: str) -> bytes:
    """A launcher script (the shape pip and installer write) that runs ``module:attribute``."""
    head, _, _rest = attribute.partition(".")
    body = (
        "# -*- coding: utf-8 -*-\n"
        "import re\n"
        "import sys\n"
        f"from {module} import {head}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({attribute}())\n"
    )
    return _shebang(python) + body.encode()


def _console_scripts(dist_info: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read(dist_info / "entry_points.txt", encoding="utf-8")
    except (OSError, configparser.Error):
        return {}
    if not parser.has_section("console_scripts"):
        return {}
    return {name: value.strip() for name, value in parser.items("console_scripts")}


def _versioned_scripts(scripts: Mapping[str, str], interpreter: Interpreter) -> dict[str, str]:
    """pip's rule for its own (and setuptools' ``easy_install``) versioned scripts: the target's version."""
    major, minor = interpreter.version[:2]
    result: dict[str, str] = {}
    for name, spec in scripts.items():
        pip_like = re.fullmatch(r"pip(\d(\.\d+)?)?", name)
        easy = re.fullmatch(r"easy_install(-\d\.\d+)?", name)
        if pip_like:
            result.update({"pip": spec, f"pip{major}": spec, f"pip{major}.{minor}": spec})
        elif easy:
            result.update({"easy_install": spec, f"easy_install-{major}.{minor}": spec})
        else:
            result[name] = spec
    return result


@dataclass(frozen=True)
class SeededProject:
    name: str
    version: str


def install_unpacked(
    files: Path,
    *,
    site_packages: Path,
    scripts_dir: Path,
    python: Path,
    interpreter: Interpreter,
) -> None:
    """Link an unpacked (purelib, no ``.data``) wheel into *site_packages* with its scripts and RECORD."""
    dist_infos = [p for p in files.iterdir() if p.name.endswith(".dist-info") and p.is_dir()]
    if len(dist_infos) != 1:
        raise SeedError(f"{files} is not an unpacked wheel (expected one .dist-info directory)")
    dist_info_name = dist_infos[0].name
    import csv

    linked = _link_tree(files, site_packages)
    installed_dist_info = site_packages / dist_info_name
    record_path = installed_dist_info / "RECORD"
    try:
        original = (dist_infos[0] / "RECORD").read_text(encoding="utf-8")
    except OSError:
        original = ""
    rows: list[list[str]] = []
    recorded: set[str] = set()
    for row in csv.reader(io.StringIO(original)):
        if row and row[0] != f"{dist_info_name}/RECORD":
            rows.append(row)
            recorded.add(row[0])
    for path in linked:
        if path not in recorded and path != f"{dist_info_name}/RECORD":
            data = (site_packages / path).read_bytes()
            rows.append([path, _record_hash(data), str(len(data))])

    if record_path.exists() or record_path.is_symlink():
        record_path.unlink()
    extra = {
        "INSTALLER": f"{INSTALLER_NAME}\n".encode(),
        "REQUESTED": b"",
    }
    for name, data in extra.items():
        target = installed_dist_info / name
        if target.exists():
            target.unlink()
        target.write_bytes(data)
        rows.append([f"{dist_info_name}/{name}", _record_hash(data), str(len(data))])

    scripts = _versioned_scripts(_console_scripts(dist_infos[0]), interpreter)
    if scripts:
        scripts_dir.mkdir(parents=True, exist_ok=True)
    for name, spec in scripts.items():
        module, _, attribute = spec.partition(":")
        attribute = attribute.split("[", 1)[0].strip()
        data = console_script(python, module.strip(), attribute)
        target = scripts_dir / name
        if target.exists() or target.is_symlink():
            target.unlink()
        target.write_bytes(data)
        os.chmod(target, 0o755)
        relative = os.path.relpath(target, site_packages).replace(os.sep, "/")
        rows.append([relative, _record_hash(data), str(len(data))])
    rows.append([f"{dist_info_name}/RECORD", "", ""])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    record_path.write_text(buffer.getvalue(), encoding="utf-8")


def is_installed(site_packages: Path, name: str) -> bool:
    """Whether some version of project *name* has a ``.dist-info`` in *site_packages*."""
    prefix = name.lower().replace("-", "_") + "-"
    try:
        return any(
            entry.name.lower().startswith(prefix) and entry.name.endswith(".dist-info")
            for entry in site_packages.iterdir()
        )
    except OSError:
        return False


def seed_environment(
    interpreter: Interpreter,
    projects: Iterable[str],
    *,
    site_packages: Path,
    scripts_dir: Path,
    python: Path,
    cache: Cache,
) -> tuple[list[SeededProject], list[str]]:
    """Install *projects* from *interpreter*'s bundled wheels; return what was seeded and what was not found.

    Projects already present are left alone (as ``python -m venv`` in an existing environment).
    """
    available = bundled_wheels(interpreter)
    seeded: list[SeededProject] = []
    missing: list[str] = []
    for name in projects:
        wheel = available.get(name)
        if wheel is None:
            missing.append(name)
            continue
        if is_installed(site_packages, name):
            continue
        files = unpacked_wheel(wheel.path, cache)
        install_unpacked(
            files,
            site_packages=site_packages,
            scripts_dir=scripts_dir,
            python=python,
            interpreter=interpreter,
        )
        seeded.append(SeededProject(name, wheel.version))
    return seeded, missing
