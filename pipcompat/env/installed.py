"""The installed-distribution scan: ``*.dist-info`` and ``*.egg-info`` along a target's ``sys.path``.

The scan follows pip's rules (its ``importlib.metadata`` backend), so ``freeze``, ``list``, ``show`` and
``check`` see exactly what pip sees: path entries in order; in each directory every ``*.dist-info``
directory and every ``*.egg-info`` directory or file (``EGG-INFO`` inside a ``*.egg`` directory); the
first distribution of a name wins; ``*.egg-link`` files (legacy editables) point at further locations.
Names and versions come from the directory name when it has them; everything else (``METADATA``,
``RECORD``, ``INSTALLER``, ``direct_url.json``) is read only when asked for, once.
"""

from __future__ import annotations

import csv
import email.message
import email.parser
import functools
import json
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

_HEADERS_END = re.compile(r"\r?\n\r?\n")

#: Names pip never reports (``stdlib_pkgs``).
STDLIB_PACKAGES = frozenset({"python", "wsgiref", "argparse"})


def normalize_path(path: str) -> str:
    """pip's ``normalize_path``: user expanded, symlinks resolved, case normalized."""
    return os.path.normcase(os.path.realpath(os.path.expanduser(path)))


@dataclass(frozen=True)
class ScanEnvironment:
    """What the scan needs to know about the target besides the paths to scan."""

    sys_path: Sequence[str]
    """The target's ``sys.path`` (without the working directory); legacy ``.egg-link`` files are here."""
    prefix: str
    in_virtualenv: bool
    user_site: str | None = None


class InstalledDistribution:
    """One installed distribution; metadata files are read lazily, once."""

    def __init__(self, info_path: Path, environment: ScanEnvironment, installed_location: Path | None = None):
        self.info_path = info_path
        """The ``*.dist-info`` / ``*.egg-info`` directory (or an ``.egg-info`` file)."""
        self.location = info_path.parent
        """The directory holding the metadata (the ``sys.path`` entry)."""
        self.installed_location = installed_location if installed_location is not None else info_path.parent
        self._environment = environment

    def __repr__(self) -> str:
        return f"<InstalledDistribution {self.raw_name} {self.raw_version} at {self.location}>"

    def __str__(self) -> str:
        return f"{self.raw_name} {self.raw_version}"

    # -- names and versions ----------------------------------------------------------------------------
    @functools.cached_property
    def _dir_name_and_version(self) -> tuple[str | None, str | None]:
        stem, suffix = os.path.splitext(self.info_path.name)
        if suffix == ".dist-info":
            name, sep, version = stem.partition("-")
            if sep:
                return name, version
        if suffix == ".egg-info":
            return stem.split("-", 1)[0], None
        return None, None

    @functools.cached_property
    def canonical_name(self) -> str:
        name = self._dir_name_and_version[0] or self.metadata.get("Name")
        return canonicalize_name(str(name or ""))

    @property
    def raw_name(self) -> str:
        """``Name:`` from the metadata (the canonical name if it is missing)."""
        return str(self.metadata.get("Name") or self.canonical_name)

    @property
    def raw_version(self) -> str:
        return str(self.metadata.get("Version") or self._dir_name_and_version[1] or "")

    @functools.cached_property
    def version(self) -> Version:
        """The version (from the directory name when it has one); raises ``InvalidVersion``."""
        return Version(self._dir_name_and_version[1] or self.raw_version)

    @property
    def version_text(self) -> str:
        """The normalized version, or the raw one when it is not a valid version."""
        try:
            return str(self.version)
        except InvalidVersion:
            return self.raw_version

    @property
    def is_dist_info(self) -> bool:
        return self.info_path.suffix == ".dist-info"

    # -- metadata files --------------------------------------------------------------------------------
    def read_text(self, name: str) -> str | None:
        """The text of a file in the metadata directory, or ``None`` when it is not there."""
        if not self.info_path.is_dir():
            return None
        try:
            return (self.info_path / name).read_text(encoding="utf-8", errors="surrogateescape")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def has_file(self, name: str) -> bool:
        return self.info_path.is_dir() and (self.info_path / name).is_file()

    @functools.cached_property
    def metadata(self) -> email.message.Message:
        if self.info_path.is_dir():
            text = self.read_text("METADATA")
            if text is None:
                text = self.read_text("PKG-INFO")
        else:
            try:
                text = self.info_path.read_text(encoding="utf-8", errors="surrogateescape")
            except OSError:
                text = None
        # Only the headers are ever read: leave the (often long) description body out of the parse.
        text = text or ""
        end = _HEADERS_END.search(text)
        if end is not None:
            text = text[: end.start() + 1]
        message = email.parser.Parser().parsestr(text, headersonly=True)
        if self.info_path.suffix == ".egg-info" and not message.get_all("Requires-Dist"):
            for requirement in _egg_info_requires(self.read_text("requires.txt")):
                message["Requires-Dist"] = requirement
        return message

    @property
    def metadata_version(self) -> str:
        return str(self.metadata.get("Metadata-Version") or "")

    @property
    def requires(self) -> list[str]:
        """The raw ``Requires-Dist`` strings."""
        return [str(value).strip() for value in self.metadata.get_all("Requires-Dist") or []]

    def dependencies(self, markers: Mapping[str, str] | None = None) -> list[Requirement]:
        """The requirements that apply with no extra (pip's ``iter_dependencies()``), in metadata order.

        *markers* is the target's marker environment; raises ``InvalidRequirement`` on a bad entry.
        """
        environment = {**(markers or {}), "extra": ""}
        found: list[Requirement] = []
        for text in self.requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                found.append(requirement)
        return found

    @functools.cached_property
    def installer(self) -> str:
        for line in (self.read_text("INSTALLER") or "").splitlines():
            if line.strip():
                return line.strip()
        return ""

    @property
    def requested(self) -> bool:
        return self.has_file("REQUESTED")

    @functools.cached_property
    def direct_url(self) -> dict[str, Any] | None:
        """``direct_url.json`` (PEP 610) when present and valid."""
        text = self.read_text("direct_url.json")
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return None
        return data

    @functools.cached_property
    def editable_project_location(self) -> str | None:
        """The project directory of an editable install (PEP 660 ``direct_url.json`` or an ``.egg-link``)."""
        direct = self.direct_url
        if direct is not None:
            dir_info = direct.get("dir_info")
            if isinstance(dir_info, dict) and dir_info.get("editable") and direct["url"].startswith("file:"):
                return url_to_path(direct["url"])
            return None
        if egg_link_path(self.raw_name, self._environment.sys_path) is not None:
            return str(self.location)
        return None

    @property
    def editable(self) -> bool:
        return bool(self.editable_project_location)

    @property
    def local(self) -> bool:
        """In the target virtual environment (always true outside one), like pip's ``dist.local``."""
        if not self._environment.in_virtualenv:
            return True
        location = normalize_path(str(self.installed_location))
        return location.startswith(normalize_path(self._environment.prefix))

    @property
    def in_usersite(self) -> bool:
        user_site = self._environment.user_site
        if not user_site:
            return False
        return normalize_path(str(self.installed_location)).startswith(normalize_path(user_site))

    def record_entries(self) -> list[str] | None:
        """The paths ``RECORD`` (or ``installed-files.txt``) lists, relative to :attr:`location`."""
        text = self.read_text("RECORD")
        if text is not None:
            return [str(Path(row[0])) for row in csv.reader(text.splitlines()) if row]
        text = self.read_text("installed-files.txt")
        if text is None:
            return None
        entries = []
        for line in text.splitlines():
            if not line.strip():
                continue
            absolute = os.path.normpath(os.path.join(self.info_path, line))
            entries.append(os.path.relpath(absolute, self.location))
        return entries

    def entry_points(self) -> list[tuple[str, str, str]]:
        """``(group, name, value)`` for each entry point."""
        text = self.read_text("entry_points.txt")
        if not text:
            return []
        found: list[tuple[str, str, str]] = []
        group = ""
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                group = line[1:-1].strip()
                continue
            name, sep, value = line.partition("=")
            if sep and group:
                found.append((group, name.strip(), value.strip()))
        return found

    def wheel_tags(self) -> list[str] | None:
        """The ``Tag:`` lines of ``WHEEL``, or ``None`` when there is no ``WHEEL`` file."""
        text = self.read_text("WHEEL")
        if text is None:
            return None
        return [str(tag) for tag in email.parser.Parser().parsestr(text).get_all("Tag") or []]

    def build_tag(self) -> str | None:
        text = self.read_text("WHEEL")
        if text is None:
            return None
        value = email.parser.Parser().parsestr(text).get("Build")
        return str(value) if value else None


_SECTION = re.compile(r"^\[(.*)\]$")


def _egg_info_requires(text: str | None) -> Iterator[str]:
    """``requires.txt`` sections (``[extra:marker]``) as ``Requires-Dist`` strings, as pip converts them."""
    if not text:
        return
    extra = marker = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _SECTION.match(line)
        if section:
            extra, _, marker = section.group(1).partition(":")
            continue
        extra_name = canonicalize_name(extra) if extra else ""
        if extra_name and marker:
            full_marker = f'({marker}) and extra == "{extra_name}"'
        elif extra_name:
            full_marker = f'extra == "{extra_name}"'
        else:
            full_marker = marker
        yield f"{line} ; {full_marker}" if full_marker else line


def url_to_path(url: str) -> str:
    """A ``file:`` URL as a local path."""
    parsed = urllib.parse.urlsplit(url)
    netloc = parsed.netloc if parsed.netloc not in ("", "localhost") else ""
    if netloc:
        netloc = "\\\\" + netloc if os.name == "nt" else ""
    return urllib.request.url2pathname(netloc + parsed.path)


def _egg_link_names(raw_name: str) -> list[str]:
    return [re.sub("[^A-Za-z0-9.]+", "-", raw_name) + ".egg-link", f"{raw_name}.egg-link"]


def egg_link_path(raw_name: str, sys_path: Iterable[str]) -> str | None:
    """The legacy editable ``<name>.egg-link`` file along *sys_path*, if any."""
    names = _egg_link_names(raw_name)
    for entry in sys_path:
        for name in names:
            candidate = os.path.join(entry, name)
            if os.path.isfile(candidate):
                return candidate
    return None


def _looks_like_wheel(location: str) -> bool:
    return location.endswith(".whl") and os.path.isfile(location)


def _info_dirs(location: str) -> Iterator[Path]:
    """The metadata paths in one ``sys.path`` entry, in directory order (as ``importlib.metadata`` sees)."""
    try:
        children = os.listdir(location or ".")
    except OSError:
        return
    base = Path(location)
    eggs: list[Path] = []
    for child in children:
        lower = child.lower()
        if lower.endswith(".dist-info"):
            if (base / child).is_dir():
                yield base / child
        elif lower.endswith(".egg-info"):
            yield base / child
    if location.lower().endswith(".egg"):
        for child in children:
            if child.lower() == "egg-info":
                eggs.append(base / child)
    yield from eggs


def scan_installed(paths: Iterable[str], environment: ScanEnvironment) -> list[InstalledDistribution]:
    """Every distribution along *paths*, the first of each name only, in the order pip finds them."""
    found: list[InstalledDistribution] = []
    seen: set[str] = set()

    def take(dist: InstalledDistribution) -> None:
        try:
            name = dist.canonical_name
        except (OSError, ValueError):
            return
        if not name or name in seen:
            return
        seen.add(name)
        found.append(dist)

    for location in paths:
        if _looks_like_wheel(location):
            continue
        for info in _info_dirs(location):
            take(InstalledDistribution(info, environment))
        # Legacy editables: an .egg-link's first non-empty line is the project location.
        try:
            children = [c for c in os.listdir(location or ".") if c.endswith(".egg-link")]
        except OSError:
            children = []
        for child in children:
            try:
                with open(os.path.join(location, child), encoding="utf-8") as stream:
                    target = next((line.strip() for line in stream if line.strip()), "")
            except OSError:
                continue
            if not target:
                continue
            linked = os.path.join(location, target)
            for info in _info_dirs(linked):
                take(InstalledDistribution(info, environment, installed_location=Path(location)))
    return found


def find_installed(
    name: str, paths: Iterable[str], environment: ScanEnvironment
) -> InstalledDistribution | None:
    """The installed distribution named *name* (any spelling) that pip would find first."""
    wanted = canonicalize_name(name)
    return next((d for d in scan_installed(paths, environment) if d.canonical_name == wanted), None)


def requirement_names(dist: InstalledDistribution, markers: Mapping[str, str] | None = None) -> set[str]:
    """Canonical names of what *dist* depends on (no extras); empty on broken metadata."""
    try:
        return {canonicalize_name(r.name) for r in dist.dependencies(markers)}
    except InvalidRequirement:
        return set()


__all__ = [
    "STDLIB_PACKAGES",
    "InstalledDistribution",
    "ScanEnvironment",
    "egg_link_path",
    "find_installed",
    "normalize_path",
    "requirement_names",
    "scan_installed",
    "url_to_path",
]
