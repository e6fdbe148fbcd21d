"""Which wheels a Python bundles for ``ensurepip``, which of them a new environment is seeded with, and
seeding them straight from the cache when they are unpacked there already.

The interpreter's probe lists ``<stdlib>/ensurepip/_bundled/*.whl``; :func:`bundled_wheels` picks the
newest wheel of each project and :func:`seed_projects` says which projects ``python -m venv`` (or uv's
``--seed``) installs for that Python version. Installing them is the install engine's job
(:func:`pipcompat.install.engine.install_wheels`), orchestrated by ``pipcompat venv``
(:mod:`pipcompat.commands.venv`): ``env`` sits below ``install`` and never imports it. The common case —
every wheel already unpacked in the cache — has a fast path here, :func:`seed_from_cache`, which writes
what the engine would, byte for byte (a test compares the two), without importing the engine,
``installer``, ``packaging``, ``dataclasses`` or :mod:`pipcompat.cache`, and declines (``None``, nothing
written) whenever anything is not as it expects.
"""

from __future__ import annotations

import errno
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

_WHEEL_NAME = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-.*\.whl$")


class BundledWheel:
    """A wheel in the interpreter's ``ensurepip/_bundled`` folder (*name* is the canonical project name)."""

    __slots__ = ("name", "path", "version")

    def __init__(self, path: str, name: str, version: str) -> None:
        self.path = path
        self.name = name
        self.version = version

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", self.version)[:4])

    def __repr__(self) -> str:
        return f"BundledWheel({self.path!r}, {self.name!r}, {self.version!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BundledWheel):
            return NotImplemented
        return (self.path, self.name, self.version) == (other.path, other.name, other.version)

    def __hash__(self) -> int:
        return hash((self.path, self.name, self.version))


def bundled_wheels(ensurepip_wheels: Iterable[str]) -> dict[str, BundledWheel]:
    """Project name → the newest wheel of it among *ensurepip_wheels* (paths, as the probe lists them)."""
    found: dict[str, BundledWheel] = {}
    for path in ensurepip_wheels:
        match = _WHEEL_NAME.match(os.path.basename(path))
        if match is None:
            continue
        wheel = BundledWheel(path, match["name"].lower().replace("_", "-"), match["version"])
        current = found.get(wheel.name)
        if current is None or wheel.version_key > current.version_key:
            found[wheel.name] = wheel
    return found


def seed_projects(version: tuple[int, ...], *, seed: bool) -> tuple[str, ...]:
    """What ``python -m venv`` (or uv's ``--seed`` when *seed*) installs for a Python of *version*.

    pip alone from 3.12; pip and setuptools before (``--seed`` adds wheel, which no Python bundles).
    """
    if tuple(version[:2]) >= (3, 12):
        return ("pip",)
    return ("pip", "setuptools", "wheel") if seed else ("pip", "setuptools")


#: pip's rule for version-suffixed scripts: project → (pattern of the versioned names, the plain script,
#: the names to have for a target of version (major, minor)).
VERSIONED_SCRIPTS = {
    "pip": (r"pip\d+(\.\d+)?", "pip", ("pip{major}", "pip{major}.{minor}")),
    "setuptools": (r"easy_install-\d+\.\d+", "easy_install", ("easy_install-{major}.{minor}",)),
}

#: The cache's bucket of unpacked wheels (:meth:`pipcompat.cache.Cache.entry`; a test holds them equal).
_ARCHIVES_BUCKET = "archives-v1"
_ROOT_LOCK = ".lock"
_JOURNAL_NAME = ".pipcompat-journal"
_INSTALLER = b"pipcompat\n"
#: Why ``os.link`` may refuse where a copy works (the install engine's list, :mod:`pipcompat.install.link`).
_NO_HARDLINK = frozenset(
    {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP}
)


class SeededDist:
    """A project seeded into an environment."""

    __slots__ = ("name", "version")

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version

    def __repr__(self) -> str:
        return f"SeededDist({self.name!r}, {self.version!r})"


def archive_entry(cache_root: str, wheel_path: str) -> str:
    """The cache entry directory *wheel_path* is unpacked into (keyed by the wheel's sha256)."""
    from pipcompat.env.venv import _sha256_hex

    with open(wheel_path, "rb") as stream:
        digest = _sha256_hex(stream.read())
    return os.path.join(cache_root, _ARCHIVES_BUCKET, digest[:2], digest[2:4], digest)


def _whole_manifest(entry: str) -> dict[str, object] | None:
    """The manifest of the cache *entry* when every file it lists is there with its size and modification
    time (the install engine's damage check); ``None`` otherwise."""
    import json

    try:
        with open(os.path.join(entry, "manifest.json"), "rb") as stream:
            data = json.loads(stream.read())
        rows = data["files"]
        mtimes = data.get("mtimes")
        if not isinstance(rows, list):
            return None
        if not isinstance(mtimes, list) or len(mtimes) != len(rows):  # an older entry: sizes only
            mtimes = [None] * len(rows)
        tree = os.path.join(entry, "tree") + os.sep
        lstat = os.lstat
        for row, mtime in zip(rows, mtimes, strict=True):
            info = lstat(tree + row[0])
            if (
                (info.st_mode & 0o170000) != 0o100000
                or info.st_size != int(row[2])
                or (mtime is not None and info.st_mtime_ns != mtime)
            ):
                return None
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _headers(path: str) -> dict[str, str]:
    """The first block of ``Key: value`` headers of a ``WHEEL`` or ``METADATA`` file (lower-case keys)."""
    found: dict[str, str] = {}
    with open(path, "rb") as stream:
        text = stream.read().decode("utf-8", "surrogateescape")
    for raw in text.splitlines():
        if not raw.strip():
            break
        if raw[:1] in (" ", "\t"):
            continue
        key, sep, value = raw.partition(":")
        key = key.strip().lower()
        if sep and key not in found:
            found[key] = value.strip()
    return found


def _wheel_info(info_dir: str) -> list[object] | None:
    """``[purelib, name, version]`` of an unpacked wheel whose manifest does not record them."""
    try:
        wheel = _headers(os.path.join(info_dir, "WHEEL"))
        metadata = _headers(os.path.join(info_dir, "METADATA"))
    except OSError:
        return None
    if not metadata.get("name") or not metadata.get("version"):
        return None
    return [wheel.get("root-is-purelib", "true").lower() == "true", metadata["name"], metadata["version"]]


def _entry_points(text: str) -> list[tuple[str, str]]:
    """``(script name, "module:attr")`` of the console and GUI scripts in an ``entry_points.txt``."""
    found = []
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        key, sep, value = line.partition("=")
        if sep and group in ("console_scripts", "gui_scripts"):
            found.append((key.strip(), value.strip()))
    return found


def _launcher(python: str, value: str) -> bytes:
    """A POSIX console-script launcher, as the install engine writes one (``installer``'s format)."""
    module, _, attr = value.partition(":")
    attr = attr.split("[", 1)[0].strip()
    body = (
        "# -*- coding: utf-8 -*-\n"
        "import re\n"
        "import sys\n"
        f"from {module.strip()} import {attr.split('.')[0]}\n"
        'if __name__ == "__main__":\n'
        '    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n'
        f"    sys.exit({attr}())\n"
    )
    return b"#!" + python.encode("utf-8") + b"\n" + body.encode("utf-8")


def _record_hash(data: bytes) -> str:
    from base64 import urlsafe_b64encode

    from pipcompat.env.venv import _sha256_digest

    return "sha256=" + urlsafe_b64encode(_sha256_digest(data)).rstrip(b"=").decode()


class _Plan:
    __slots__ = ("entry", "files", "info", "name", "scripts", "version")

    def __init__(self, entry: str, info: str, name: str, version: str) -> None:
        self.entry = entry
        self.info = info
        self.name = name
        self.version = version
        self.files: list[tuple[str, str, int]] = []
        self.scripts: list[tuple[str, bytes]] = []


def _plan(
    wheel: BundledWheel,
    *,
    cache_root: str,
    site_dir: str,
    scripts_dir: str,
    python: str,
    version: tuple[int, ...],
) -> _Plan | None:
    """What seeding *wheel* from its cache entry writes, or ``None`` when the fast path does not apply."""
    entry = archive_entry(cache_root, wheel.path)
    data = _whole_manifest(entry)
    if data is None:
        return None
    info = data.get("info")
    dist_info = data.get("dist_info")
    if not isinstance(dist_info, str):
        return None
    if not (isinstance(info, list) and len(info) == 3 and info[1] and info[2]):  # an older entry
        info = _wheel_info(os.path.join(entry, "tree", dist_info))
    if info is None or info[0] is not True:
        return None
    plan = _Plan(entry, dist_info, str(info[1]), str(info[2]))
    data_prefix = dist_info[: -len(".dist-info")] + ".data/"
    skip = {f"{dist_info}/{n}" for n in ("RECORD", "RECORD.jws", "RECORD.p7s", "INSTALLER", "REQUESTED")}
    skip.add(f"{dist_info}/direct_url.json")
    tops: set[str] = set()
    rows = data["files"]
    assert isinstance(rows, list)  # _whole_manifest checked it
    for row in rows:
        path = str(row[0])
        if path.startswith(data_prefix):
            return None
        if path not in skip:
            plan.files.append((path, str(row[1]), int(row[2])))
            tops.add(path.split("/", 1)[0])
    if any(os.path.lexists(os.path.join(site_dir, top)) for top in tops):
        return None
    try:
        with open(os.path.join(entry, "tree", dist_info, "entry_points.txt"), encoding="utf-8") as stream:
            points = _entry_points(stream.read())
    except FileNotFoundError:
        points = []
    rule = VERSIONED_SCRIPTS.get(wheel.name)
    plain = None
    if rule is not None:
        import re

        pattern, plain_name, templates = rule
        wanted = [t.format(major=version[0], minor=version[1]) for t in templates]
        plain = next((value for name, value in points if name == plain_name), None)
        if plain is not None:
            points = [
                (n, v) for n, v in points if n == plain_name or n in wanted or not re.fullmatch(pattern, n)
            ]
            have = {n for n, _v in points}
            points += [(n, plain) for n in wanted if n not in have]
    for name, value in points:
        if (
            os.sep in name
            or (os.altsep and os.altsep in name)
            or os.path.lexists(os.path.join(scripts_dir, name))
        ):
            return None
        plan.scripts.append((name, _launcher(python, value)))
    return plan


def _link_all(tree: str, lib: str, relatives: list[str], created: list[str]) -> None:
    """Hardlink ``tree/r`` to ``lib/r`` for each *relatives* (directories made once each, in *created*);
    copies instead when the cache is on another filesystem or links are refused."""
    directories: set[str] = set()
    for relative in relatives:
        directory = relative.rpartition("/")[0]
        while directory and directory not in directories:
            directories.add(directory)
            directory = directory.rpartition("/")[0]
    for directory in sorted(directories):
        path = f"{lib}/{directory}"
        os.mkdir(path)
        created.append(path)
    link = os.link
    done = 0
    try:
        for relative in relatives:
            target = f"{lib}/{relative}"
            link(f"{tree}/{relative}", target)
            created.append(target)
            done += 1
    except OSError as exc:
        if exc.errno not in _NO_HARDLINK:
            raise
        import shutil

        for relative in relatives[done:]:
            target = f"{lib}/{relative}"
            shutil.copyfile(f"{tree}/{relative}", target)
            created.append(target)
            shutil.copymode(f"{tree}/{relative}", target)


def _write(path: str, data: bytes, created: list[str], *, executable: bool = False) -> tuple[str, str, str]:
    with open(path, "xb") as stream:
        stream.write(data)
    created.append(path)
    if executable:
        os.chmod(path, 0o755)
    return "", _record_hash(data), str(len(data))


def _install(plan: _Plan, site_dir: str, scripts_dir: str, created: list[str]) -> None:
    lib = site_dir.rstrip(os.sep)
    _link_all(os.path.join(plan.entry, "tree"), lib, [f[0] for f in plan.files], created)
    rows = {path: (digest, str(size)) for path, digest, size in plan.files}
    info = f"{lib}/{plan.info}"
    for name, data in plan.scripts:
        target = os.path.join(scripts_dir, name)
        _empty, digest, size = _write(target, data, created, executable=True)
        rows[os.path.relpath(target, lib).replace(os.sep, "/")] = (digest, size)
    for name, data in (("INSTALLER", _INSTALLER), ("REQUESTED", b"")):
        _empty, digest, size = _write(f"{info}/{name}", data, created)
        rows[f"{plan.info}/{name}"] = (digest, size)
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([path, digest, size] for path, (digest, size) in sorted(rows.items()))
    writer.writerow([f"{plan.info}/RECORD", "", ""])
    _write(f"{info}/RECORD", out.getvalue().encode(), created)


def seed_from_cache(
    wheels: Sequence[BundledWheel],
    *,
    cache_root: str,
    site_dir: str,
    scripts_dir: str,
    python: str,
    version: tuple[int, ...],
) -> list[SeededDist] | None:
    """Seed *wheels* by linking their unpacked cache entries straight into *site_dir*: the fast path of
    ``pipcompat venv``, which writes what the install engine would, byte for byte, without importing it.

    ``None``, with nothing written, whenever this path does not apply and the install engine must do the
    job: not POSIX, a wheel not unpacked in the cache yet or its entry damaged, ``.data`` files, a
    platlib wheel, a launcher needing more than a plain shebang, files or scripts in the way, an
    interrupted install to recover. A failure part-way removes what was written, then also ``None``.
    """
    if os.name != "posix" or b" " in python.encode() or len(python.encode()) + 3 > 127:
        return None
    import fcntl

    try:
        lock_fd = os.open(os.path.join(cache_root, _ROOT_LOCK), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        return None
    created: list[str] = []
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_SH)  # as the install engine's cache use: 'cache clean' waits
        env_fd = os.open(site_dir, os.O_RDONLY)
        try:
            fcntl.flock(env_fd, fcntl.LOCK_EX)  # the install engine's environment lock
            if os.path.lexists(os.path.join(site_dir, _JOURNAL_NAME)):
                return None
            plans = []
            for wheel in wheels:
                plan = _plan(
                    wheel,
                    cache_root=cache_root,
                    site_dir=site_dir,
                    scripts_dir=scripts_dir,
                    python=python,
                    version=version,
                )
                if plan is None:
                    return None
                plans.append(plan)
            try:
                for plan in plans:
                    _install(plan, site_dir, scripts_dir, created)
            except BaseException as exc:  # Ctrl-C too: leave the environment as it was
                for path in reversed(created):
                    try:
                        if os.path.isdir(path) and not os.path.islink(path):
                            os.rmdir(path)
                        else:
                            os.unlink(path)
                    except OSError:
                        pass
                if isinstance(exc, OSError):
                    return None
                raise
        finally:
            os.close(env_fd)
    finally:
        os.close(lock_fd)
    return [SeededDist(plan.name, plan.version) for plan in plans]
