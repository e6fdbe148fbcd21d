"""``pipcompat pip lock``: the resolution for this interpreter written as ``pylock.toml`` (pip lock 26.3).

Experimental in pip, and said so in pip's words. The requirements are resolved as ``pip download`` resolves
them (:func:`pipcompat.commands.pip_download.resolved`); each package is locked with the one file chosen
for this interpreter — a wheel or an sdist from an index, with its version — or as a direct reference (a
VCS checkout with its commit, a local directory relative to the lock file, an archive URL), each file with
one hash: the index's (sha256 first), else the sha256 of the file, downloaded to learn it. Written to
``-o`` (``pylock.toml``; ``-`` for stdout) through a temporary file renamed into place, in pip's layout
(:mod:`pipcompat.lock.pylock`), with ``created-by = "pipcompat"``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipcompat.commands.pip_download import IMPLEMENTED_OPTIONS as _DOWNLOAD_OPTIONS
from pipcompat.commands.pip_download import resolved
from pipcompat.errors import SUCCESS, PipcompatError

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.commands.pip_download import Resolved
    from pipcompat.lock.pylock import LockedPackage
    from pipcompat.models import Link
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = (
    _DOWNLOAD_OPTIONS - {"download_dir", "platforms", "python_version", "implementation", "abis"}
) | frozenset({"output_file", "editables", "config_settings"})

EXPERIMENTAL = (
    "pip lock is currently an experimental command. It may be removed/changed in a future release without "
    "prior warning."
)


def _one_hash(link: Link, client: Any, temp: Path) -> dict[str, str]:
    """The hash pip records for *link*: the index's sha256 (or its first hash), else the file's sha256."""
    if "sha256" in link.hashes:
        return {"sha256": link.hashes["sha256"]}
    if link.hashes:
        name, value = next(iter(link.hashes.items()))
        return {name: value}
    from pipcompat.dist.unpack import file_sha256

    return {"sha256": file_sha256(client.download(link, temp))}


def locked_packages(found: Resolved, base_dir: Path) -> list[LockedPackage]:
    """One :class:`LockedPackage` per package of the plan."""
    from pipcompat.index.urls import url_to_path
    from pipcompat.lock.pylock import LockedFile, LockedPackage

    tree_for = getattr(found.source, "tree_for", None)
    packages: list[LockedPackage] = []
    with tempfile.TemporaryDirectory(prefix="pipcompat-lock-") as temp:
        for wanted in found.planned.plan.installs:
            package = found.planned.packages[wanted.key]
            link = found.planned.links[wanted.key]
            name = str(package.name)
            tree = tree_for(link.url) if tree_for is not None else None
            if tree is not None:
                direct = tree.direct_url
                subdirectory = direct.get("subdirectory")
                vcs_info = direct.get("vcs_info")
                if isinstance(vcs_info, dict):
                    vcs = {"type": str(vcs_info.get("vcs")), "url": str(direct["url"])}
                    if vcs_info.get("requested_revision"):
                        vcs["requested-revision"] = str(vcs_info["requested_revision"])
                    vcs["commit-id"] = str(vcs_info.get("commit_id"))
                    if subdirectory:
                        vcs["subdirectory"] = str(subdirectory)
                    packages.append(LockedPackage(name, vcs=vcs))
                    continue
                path = os.path.relpath(url_to_path(str(direct["url"])).resolve(), base_dir)
                directory: dict[str, str | bool] = {"path": Path(path).as_posix()}
                if tree.editable:
                    directory["editable"] = True
                if subdirectory:
                    directory["subdirectory"] = str(subdirectory)
                packages.append(LockedPackage(name, directory=directory))
                continue
            url = link.url.split("#", 1)[0]
            hashes = _one_hash(link, found.client, Path(temp))
            if package.is_direct:
                fragment = dict(p.partition("=")[::2] for p in link.url.partition("#")[2].split("&") if p)
                archive = LockedFile(url, hashes, subdirectory=fragment.get("subdirectory") or None)
                packages.append(LockedPackage(name, archive=archive))
            elif link.filename.endswith(".whl"):
                wheel = LockedFile(url, hashes, name=link.filename)
                packages.append(LockedPackage(name, str(package.version), wheels=(wheel,)))
            else:
                sdist = LockedFile(url, hashes, name=link.filename)
                packages.append(LockedPackage(name, str(package.version), sdist=sdist))
    return packages


def write_atomic(path: Path, text: str) -> None:
    """*text* into *path* through a temporary file renamed into place (its directory made when missing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise PipcompatError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise PipcompatError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.lock.pylock import is_valid_name, render

    ctx.printer.pip_warning(EXPERIMENTAL)
    output = str(settings.get("output_file") or "pylock.toml")
    target = None if output == "-" else Path(ctx.cwd, output)
    if target is not None and not is_valid_name(target.name):
        ctx.printer.pip_warning(f"{output} is not a valid lock file name.")
    base_dir = (target.parent if target is not None else Path(ctx.cwd)).resolve()
    with resolved(settings, ctx, command="lock") as found:
        text = render(locked_packages(found, base_dir), created_by="pipcompat")
    if target is None:
        ctx.printer.data(text.rstrip("\n"))
    else:
        write_atomic(target, text)
    return SUCCESS
