"""``pipcompat pip freeze``: the installed distributions as requirements, exactly as pip prints them."""

from __future__ import annotations

import os
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from pipcompat.env.installed import STDLIB_PACKAGES, InstalledDistribution
from pipcompat.errors import SUCCESS, PipcompatError
from pipcompat.install.target import TargetPython, installed_distributions, locate_target

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset(
    {
        "requirements",
        "local",
        "user",
        "path",
        "freeze_all",
        "exclude_editable",
        "excludes",
        "python",
        "require_venv",
    }
)
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True

#: Lines of a ``-r`` file that ``freeze`` copies through once, as pip does.
_PASS_THROUGH = (
    "-r",
    "--requirement",
    "-f",
    "--find-links",
    "-i",
    "--index-url",
    "--pre",
    "--trusted-host",
    "--process-dependency-links",
    "--extra-index-url",
    "--use-feature",
)
_COMMENT = re.compile(r"(^|\s+)#.*$")
_EGG_FRAGMENT = re.compile(r"[#&]egg=([^&]*)")


def dev_packages(target: TargetPython) -> set[str]:
    """What ``freeze`` leaves out without ``--all``: pip, and the build backends before Python 3.12."""
    names = {"pip"}
    if target.version[:2] < (3, 12):
        names |= {"setuptools", "distribute", "wheel"}
    return names


def check_path_option(settings: CommandSettings) -> None:
    if settings.get("path") and (settings.get("user") or settings.get("local")):
        raise PipcompatError("Cannot combine '--path' with '--user' or '--local'")


def select(
    dists: Sequence[InstalledDistribution],
    *,
    local_only: bool = False,
    user_only: bool = False,
    include_editables: bool = True,
    editables_only: bool = False,
    skip: set[str] | frozenset[str] = STDLIB_PACKAGES,
) -> list[InstalledDistribution]:
    """pip's ``iter_installed_distributions`` filters."""
    chosen = []
    for dist in dists:
        if local_only and not dist.local:
            continue
        if not include_editables and dist.editable:
            continue
        if editables_only and not dist.editable:
            continue
        if user_only and not dist.in_usersite:
            continue
        if dist.canonical_name in skip:
            continue
        chosen.append(dist)
    return chosen


def name_version(dist: InstalledDistribution) -> str:
    try:
        return f"{dist.raw_name}=={dist.version}"
    except InvalidVersion:
        return f"{dist.raw_name}==={dist.raw_version}"


def direct_reference(direct_url: dict[str, Any], name: str) -> str:
    """``name @ url`` for a PEP 610 record, as pip writes it."""
    url = str(direct_url["url"])
    fragments: list[str] = []
    vcs_info = direct_url.get("vcs_info")
    archive_info = direct_url.get("archive_info")
    if isinstance(vcs_info, dict):
        text = f"{name} @ {vcs_info.get('vcs')}+{url}@{vcs_info.get('commit_id')}"
    else:
        text = f"{name} @ {url}"
        if isinstance(archive_info, dict):
            hashes = archive_info.get("hashes")
            legacy = archive_info.get("hash")
            if isinstance(hashes, dict) and hashes:
                algorithm, value = next(iter(hashes.items()))
                fragments.append(f"{algorithm}={value}")
            elif isinstance(legacy, str) and "=" in legacy:
                fragments.append(legacy)
    subdirectory = direct_url.get("subdirectory")
    if subdirectory:
        fragments.append(f"subdirectory={subdirectory}")
    if fragments:
        text += "#" + "&".join(fragments)
    return text


def _git(args: Sequence[str], cwd: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _git_root(location: str) -> str | None:
    current = location
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _git_url_to_pip(url: str) -> str:
    if re.match(r"^\w+://", url):
        return url
    if os.path.exists(url):
        from pathlib import Path

        return Path(os.path.abspath(url)).as_uri()
    scp = re.match(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^:/]+):(?P<path>.*)$", url)
    if scp:
        user = f"{scp['user']}@" if scp["user"] else ""
        return f"ssh://{user}{scp['host']}/{scp['path']}"
    return url


@dataclass(frozen=True)
class Frozen:
    name: str
    requirement: str
    editable: bool
    comments: tuple[str, ...] = ()

    @property
    def canonical_name(self) -> str:
        return canonicalize_name(self.name)

    def __str__(self) -> str:
        requirement = f"-e {self.requirement}" if self.editable else self.requirement
        return "\n".join([*self.comments, requirement])


def _editable(dist: InstalledDistribution) -> tuple[str, tuple[str, ...]]:
    location = os.path.normcase(os.path.abspath(str(dist.editable_project_location)))
    root = _git_root(location)
    if root is None:
        return location, (f"# Editable install with no version control ({name_version(dist)})",)
    remotes = _git(["config", "--get-regexp", r"remote\..*\.url"], location)
    if remotes is None:
        return location, (f"# Editable Git install with no remote ({name_version(dist)})",)
    urls = {}
    for line in remotes.splitlines():
        key, _, value = line.partition(" ")
        urls[key] = value.strip()
    if not urls:
        return location, (f"# Editable Git install with no remote ({name_version(dist)})",)
    remote = urls.get("remote.origin.url") or next(iter(urls.values()))
    commit = _git(["rev-parse", "HEAD"], location) or ""
    requirement = f"git+{_git_url_to_pip(remote)}@{commit}#egg={dist.raw_name.replace('-', '_')}"
    top = _git(["rev-parse", "--show-toplevel"], location)
    if top and os.path.normcase(os.path.realpath(top)) != os.path.normcase(os.path.realpath(location)):
        relative = os.path.relpath(location, top)
        requirement += f"&subdirectory={relative}"
    return requirement, ()


def frozen(dist: InstalledDistribution) -> Frozen:
    if dist.editable:
        requirement, comments = _editable(dist)
        return Frozen(dist.raw_name, requirement, True, comments)
    direct = dist.direct_url
    if direct is not None:
        return Frozen(dist.raw_name, direct_reference(direct, dist.raw_name), False)
    return Frozen(dist.raw_name, name_version(dist), False)


def _line_name(line: str, *, editable: bool) -> str | None:
    """The project a ``-r`` file line names (pip's ``install_req_from_line``/``_editable``), if clear."""
    egg = _EGG_FRAGMENT.search(line)
    if editable:
        return egg.group(1) if egg else None
    text = re.split(r"\s+--?\w", line, maxsplit=1)[0].strip()
    try:
        return Requirement(text).name
    except InvalidRequirement:
        return egg.group(1) if egg else None


def freeze_lines(
    dists: Sequence[InstalledDistribution],
    *,
    requirement_files: Sequence[str] = (),
    exclude_editable: bool = False,
    skip: set[str] | frozenset[str] = frozenset(),
    warn: Any = None,
    info: Any = None,
) -> Iterator[str]:
    """pip's ``freeze()``: the lines of ``-r`` files with installed versions, then everything else sorted."""
    installations: dict[str, Frozen] = {}
    for dist in dists:
        entry = frozen(dist)
        if exclude_editable and entry.editable:
            continue
        installations[entry.canonical_name] = entry
    if requirement_files:
        emitted: set[str] = set()
        files_of: dict[str, list[str]] = defaultdict(list)
        for path in requirement_files:
            try:
                with open(path, encoding="utf-8") as stream:
                    lines = stream.readlines()
            except OSError as exc:
                raise PipcompatError(f"cannot read {path}: {exc.strerror or exc}") from None
            for line in lines:
                if not line.strip() or line.strip().startswith("#") or line.startswith(_PASS_THROUGH):
                    kept = line.rstrip()
                    if kept not in emitted:
                        emitted.add(kept)
                        yield kept
                    continue
                if line.startswith(("-e", "--editable")):
                    body = line[2:].strip() if line.startswith("-e") else line[10:].strip().lstrip("=")
                    name = _line_name(body, editable=True)
                else:
                    name = _line_name(_COMMENT.sub("", line).strip(), editable=False)
                if not name:
                    if info is not None:
                        info(
                            f"Skipping line in requirement file [{path}] because it's not clear what it "
                            f"would install: {line.strip()}"
                        )
                        info("  (add #egg=PackageName to the URL to avoid this warning)")
                    continue
                key = canonicalize_name(name)
                if key not in installations:
                    if not files_of[name]:
                        if warn is not None:
                            warn(
                                f"Requirement file [{path}] contains {_COMMENT.sub('', line).strip()}, but "
                                f"package {name!r} is not installed"
                            )
                    else:
                        files_of[name].append(path)
                else:
                    yield str(installations.pop(key))
                    files_of[name].append(path)
        for name, files in files_of.items():
            if len(files) > 1 and warn is not None:
                warn(f"Requirement {name} included multiple times [{', '.join(sorted(set(files)))}]")
        yield "## The following requirements were added by pip freeze:"
    for entry in sorted(installations.values(), key=lambda e: e.name.lower()):
        if entry.canonical_name not in skip:
            yield str(entry)


def run(settings: CommandSettings, ctx: Context) -> int:
    check_path_option(settings)
    target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    skip = set(STDLIB_PACKAGES)
    if not settings.get("freeze_all"):
        skip |= dev_packages(target)
    skip |= {canonicalize_name(name) for name in settings.get("excludes") or ()}
    paths = settings.get("path") or None
    dists = select(
        installed_distributions(target, paths),
        local_only=bool(settings.get("local")),
        user_only=bool(settings.get("user")),
        skip=frozenset(),
    )

    warn = ctx.printer.pip_warning
    info = ctx.printer.info_out

    for line in freeze_lines(
        dists,
        requirement_files=tuple(settings.get("requirements") or ()),
        exclude_editable=bool(settings.get("exclude_editable")),
        skip=skip,
        warn=warn,
        info=info,
    ):
        ctx.printer.data(line)
    return SUCCESS
