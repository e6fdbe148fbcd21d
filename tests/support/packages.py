"""Build wheels and sdists on the fly from a short spec, with no build backend and no network.

The archives are written directly with ``zipfile``/``tarfile`` and are byte-for-byte deterministic for a
given spec (fixed timestamps, sorted members), so their hashes are stable. Wheels follow the binary
distribution format (``*.dist-info/METADATA``, ``WHEEL``, ``RECORD`` with sha256 hashes); sdists carry a
``PKG-INFO`` and a setuptools ``pyproject.toml`` with PEP 621 metadata, so a real build reproduces them.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import parse_tag
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# 2020-02-02 00:00:00 UTC: zip needs a date after 1980; tar and gzip take the epoch seconds.
FIXED_DATE_TIME = (2020, 2, 2, 0, 0, 0)
FIXED_EPOCH = 1580601600
GENERATOR = "pipcompat-tests (0.1)"


@dataclass(frozen=True)
class PackageSpec:
    """A distribution to build: its metadata, its files, and which archives to make.

    ``tags`` is one wheel tag string (``"py3-none-any"``, ``"cp311-cp311-manylinux_2_17_x86_64"``, a
    compressed set like ``"py2.py3-none-any"``) or a sequence of them: one wheel is built per string.
    ``files`` maps archive-relative paths to contents and is laid over the default module
    ``<import_name>/__init__.py``. ``yanked`` and ``upload_time`` are not part of the files: the index
    server fixture reads them to describe the files on its pages.
    """

    name: str
    version: str
    deps: Sequence[str] = ()
    requires_python: str | None = None
    extras: Mapping[str, Sequence[str]] = field(default_factory=dict)
    tags: str | Sequence[str] = "py3-none-any"
    files: Mapping[str, str | bytes] | None = None
    entry_points: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    console_scripts: Mapping[str, str] = field(default_factory=dict)
    sdist: bool = True
    wheel: bool = True
    build_tag: str | None = None
    summary: str | None = None
    extra_metadata: Sequence[tuple[str, str]] = ()
    yanked: bool | str = False
    upload_time: datetime | str | None = None

    def __post_init__(self) -> None:
        for dep in [*self.deps, *(d for ds in self.extras.values() for d in ds)]:
            Requirement(dep)  # fail early on a typo in a test
        for tag in self.tag_list:
            parse_tag(tag)

    @property
    def tag_list(self) -> list[str]:
        """The wheel tag strings, one per wheel."""
        return [self.tags] if isinstance(self.tags, str) else list(self.tags)

    @property
    def normalized_name(self) -> str:
        """The PEP 503 name: ``Foo.Bar_baz`` → ``foo-bar-baz``."""
        return canonicalize_name(self.name)

    @property
    def filename_name(self) -> str:
        """The name as it appears in archive file names: ``foo_bar_baz``."""
        return self.normalized_name.replace("-", "_")

    @property
    def import_name(self) -> str:
        """The default top-level module."""
        return self.filename_name

    @property
    def filename_version(self) -> str:
        """The normalized version (``1.0-beta1`` → ``1.0b1``); the raw string if it does not parse."""
        try:
            return str(Version(self.version))
        except InvalidVersion:
            return re.sub(r"[^\w\d.+]+", "_", self.version)

    @property
    def dist_info(self) -> str:
        return f"{self.filename_name}-{self.filename_version}.dist-info"

    def wheel_filename(self, tag: str | None = None) -> str:
        """The wheel file name for one tag string (the first one by default)."""
        tag = tag or self.tag_list[0]
        build = f"-{self.build_tag}" if self.build_tag else ""
        return f"{self.filename_name}-{self.filename_version}{build}-{tag}.whl"

    @property
    def sdist_filename(self) -> str:
        return f"{self.filename_name}-{self.filename_version}.tar.gz"

    def filenames(self) -> list[str]:
        """Every archive name this spec builds."""
        names = [self.wheel_filename(tag) for tag in self.tag_list] if self.wheel else []
        return names + ([self.sdist_filename] if self.sdist else [])

    def module_files(self) -> dict[str, bytes]:
        """The package payload: the default module with any ``files`` laid over it."""
        default = (
            f'"""{self.name} {self.version}, built for tests."""\n\n'
            f"__version__ = {self.version!r}\n\n\n"
            "def main() -> None:\n"
            f"    print({f'{self.name} {self.version}'!r})\n"
        )
        files: dict[str, bytes] = {f"{self.import_name}/__init__.py": default.encode()}
        for path, content in (self.files or {}).items():
            files[path.replace("\\", "/").lstrip("/")] = (
                content.encode() if isinstance(content, str) else content
            )
        return files

    def all_entry_points(self) -> dict[str, dict[str, str]]:
        groups = {group: dict(items) for group, items in self.entry_points.items()}
        if self.console_scripts:
            groups.setdefault("console_scripts", {}).update(self.console_scripts)
        return groups

    def metadata(self) -> str:
        """The core metadata (``METADATA`` / ``PKG-INFO``), Metadata-Version 2.1."""
        lines = [
            "Metadata-Version: 2.1",
            f"Name: {self.name}",
            f"Version: {self.version}",
        ]
        if self.summary is not None:
            lines.append(f"Summary: {self.summary}")
        if self.requires_python is not None:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines += [f"Requires-Dist: {Requirement(dep)}" for dep in self.deps]
        for extra, deps in self.extras.items():
            lines.append(f"Provides-Extra: {extra}")
            lines += [f"Requires-Dist: {_with_extra_marker(dep, extra)}" for dep in deps]
        lines += [f"{key}: {value}" for key, value in self.extra_metadata]
        return "\n".join(lines) + "\n"

    def wheel_file(self, tag: str) -> str:
        """The ``WHEEL`` file for one tag string, with the compressed set expanded."""
        expanded = sorted({str(t) for t in parse_tag(tag)})
        purelib = all(t.abi == "none" and t.platform == "any" for t in parse_tag(tag))
        lines = [
            "Wheel-Version: 1.0",
            f"Generator: {GENERATOR}",
            f"Root-Is-Purelib: {'true' if purelib else 'false'}",
            *(f"Tag: {t}" for t in expanded),
        ]
        if self.build_tag:
            lines.append(f"Build: {self.build_tag}")
        return "\n".join(lines) + "\n"

    def pyproject_toml(self) -> str:
        """A setuptools ``pyproject.toml`` whose PEP 621 table reproduces this spec's metadata."""
        q = json.dumps  # a JSON string is a valid TOML basic string
        lines = [
            "[build-system]",
            'requires = ["setuptools>=61"]',
            'build-backend = "setuptools.build_meta"',
            "",
            "[project]",
            f"name = {q(self.name)}",
            f"version = {q(self.version)}",
        ]
        if self.summary is not None:
            lines.append(f"description = {q(self.summary)}")
        if self.requires_python is not None:
            lines.append(f"requires-python = {q(self.requires_python)}")
        lines.append(f"dependencies = [{', '.join(q(d) for d in self.deps)}]")
        if self.extras:
            lines += ["", "[project.optional-dependencies]"]
            lines += [
                f"{q(extra)} = [{', '.join(q(d) for d in deps)}]" for extra, deps in self.extras.items()
            ]
        for group, items in self.all_entry_points().items():
            table = (
                "[project.scripts]" if group == "console_scripts" else f"[project.entry-points.{q(group)}]"
            )
            lines += ["", table, *(f"{q(k)} = {q(v)}" for k, v in items.items())]
        packages, modules = _packages_and_modules(self.module_files())
        lines += [
            "",
            "[tool.setuptools]",
            f"packages = [{', '.join(q(p) for p in packages)}]",
            f"py-modules = [{', '.join(q(m) for m in modules)}]",
        ]
        return "\n".join(lines) + "\n"


def _with_extra_marker(dep: str, extra: str) -> str:
    req = Requirement(dep)
    marker = f'extra == "{extra}"'
    if req.marker is not None:
        marker = f"({req.marker}) and {marker}"
    req.marker = None
    return f"{req}; {marker}"


def _packages_and_modules(files: Iterable[str]) -> tuple[list[str], list[str]]:
    packages = sorted(
        path.rsplit("/", 1)[0].replace("/", ".") for path in files if path.endswith("/__init__.py")
    )
    modules = sorted(path[:-3] for path in files if "/" not in path and path.endswith(".py"))
    return packages, modules


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` as written in ``RECORD``."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _record(entries: Mapping[str, bytes], record_path: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, data in entries.items():
        writer.writerow([path, record_hash(data), len(data)])
    writer.writerow([record_path, "", ""])
    return out.getvalue().encode()


def _entry_points_txt(groups: Mapping[str, Mapping[str, str]]) -> str:
    chunks = []
    for group, items in groups.items():
        chunks.append(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items()))
    return "\n".join(chunks)


def wheel_contents(spec: PackageSpec, tag: str) -> dict[str, bytes]:
    """Every member of the wheel for ``tag``, in archive order (``RECORD`` last)."""
    entries = dict(sorted(spec.module_files().items()))
    dist_info = spec.dist_info
    entries[f"{dist_info}/METADATA"] = spec.metadata().encode()
    entries[f"{dist_info}/WHEEL"] = spec.wheel_file(tag).encode()
    groups = spec.all_entry_points()
    if groups:
        entries[f"{dist_info}/entry_points.txt"] = _entry_points_txt(groups).encode()
    entries[f"{dist_info}/top_level.txt"] = (
        "\n".join(sorted({p.split("/")[0].removesuffix(".py") for p in spec.module_files()})) + "\n"
    ).encode()
    record_path = f"{dist_info}/RECORD"
    entries[record_path] = _record(entries, record_path)
    return entries


def build_wheel(spec: PackageSpec, dest_dir: Path, tag: str | None = None) -> Path:
    """Write one wheel (for ``tag``, by default the spec's first) into ``dest_dir``."""
    tag = tag or spec.tag_list[0]
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / spec.wheel_filename(tag)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in wheel_contents(spec, tag).items():
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def sdist_contents(spec: PackageSpec) -> dict[str, bytes]:
    """Every file of the sdist, relative to its top directory."""
    entries = {
        "PKG-INFO": spec.metadata().encode(),
        "pyproject.toml": spec.pyproject_toml().encode(),
    }
    entries.update(sorted(spec.module_files().items()))
    return entries


def build_sdist(spec: PackageSpec, dest_dir: Path) -> Path:
    """Write ``<name>-<version>.tar.gz`` into ``dest_dir``."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / spec.sdist_filename
    top = spec.sdist_filename.removesuffix(".tar.gz")
    files = sdist_contents(spec)
    parents = {tuple(f"{top}/{name}".split("/")[:-1]) for name in files}
    dirs = sorted({"/".join(parts[:i]) for parts in parents for i in range(1, len(parts) + 1)})
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=FIXED_EPOCH) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for d in dirs:
            tar.addfile(_tarinfo(d, tarfile.DIRTYPE, 0o755))
        for name, data in files.items():
            info = _tarinfo(f"{top}/{name}", tarfile.REGTYPE, 0o644)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(raw.getvalue())
    return path


def _tarinfo(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = FIXED_EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build(spec: PackageSpec, dest_dir: Path) -> list[Path]:
    """Every archive of one spec (its wheels, then its sdist)."""
    paths = [build_wheel(spec, dest_dir, tag) for tag in spec.tag_list] if spec.wheel else []
    if spec.sdist:
        paths.append(build_sdist(spec, dest_dir))
    return paths


def build_all(specs: Iterable[PackageSpec], dest_dir: Path) -> list[Path]:
    """Build every spec into ``dest_dir`` (created if needed); return the paths in build order."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    return [path for spec in specs for path in build(spec, dest_dir)]


def read_wheel_metadata(wheel: Path) -> bytes:
    """The ``*.dist-info/METADATA`` bytes of a wheel (the PEP 658 ``.metadata`` file)."""
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return archive.read(name)
    raise ValueError(f"{wheel.name} has no .dist-info/METADATA")


def read_sdist_metadata(sdist: Path) -> bytes | None:
    """The top-level ``PKG-INFO`` of a ``.tar.gz`` or ``.zip`` sdist, if it has one."""
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            for name in archive.namelist():
                if name.count("/") == 1 and name.endswith("/PKG-INFO"):
                    return archive.read(name)
        return None
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                extracted = tar.extractfile(member)
                return extracted.read() if extracted is not None else None
    return None


class DistFactory:
    """``make_dists(specs)`` builds the specs into a fresh temp dir (or ``dest``) and returns the dir."""

    def __init__(self, make_dir: Callable[[str], Path]) -> None:
        self._make_dir = make_dir

    def __call__(self, specs: Iterable[PackageSpec], dest: Path | None = None) -> Path:
        dest = dest if dest is not None else self._make_dir("dists")
        build_all(specs, dest)
        return dest


#: An application with a dependency whose newer version wins and one that is only an sdist: what the
#: ``pip download``, ``pip wheel`` and ``pip lock`` tests resolve (serve a build backend next to them:
#: the sdist's metadata comes from a build, for pip as for pipcompat).
APP_WITH_AN_SDIST = (
    PackageSpec("app", "1.0", deps=["lib>=1", "srconly"]),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
    PackageSpec("srconly", "1.0", wheel=False),
)
