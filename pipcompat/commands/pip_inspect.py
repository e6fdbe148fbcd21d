"""``pipcompat pip inspect``: pip's JSON report of what an environment holds (pip inspect 26.3, version 1).

Each installed distribution (the standard library's own left out, ``--local``, ``--user`` and ``--path`` as
``pip list`` takes them) with its core metadata as PEP 566 JSON, where that metadata lives, its PEP 610
``direct_url.json`` (credentials stripped, pip's legacy ``hash`` added; an ``.egg-link`` editable gets
pip's emulated one), its installer, and whether it was requested; then the target's marker environment.
Printed as pip prints it: indented by two spaces, non-ASCII kept. ``pip_version`` is pipcompat's version,
as in ``--report``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pipcompat import __version__
from pipcompat.commands.pip_freeze import check_path_option, select
from pipcompat.env.installed import InstalledDistribution
from pipcompat.errors import SUCCESS
from pipcompat.install.target import installed_distributions, locate_target

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset({"local", "user", "path", "python", "require_venv"})
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True


def _direct_url(dist: InstalledDistribution) -> dict[str, Any] | None:
    from pipcompat.index.urls import path_to_url

    stored = dist.direct_url
    if stored is None:
        location = dist.editable_project_location
        if location is None:
            return None
        return {"url": path_to_url(location), "dir_info": {"editable": True}}
    found = dict(stored)
    found["url"] = _without_password(str(found["url"]))
    archive = found.get("archive_info")
    if isinstance(archive, dict) and isinstance(archive.get("hashes"), dict) and archive["hashes"]:
        algorithm, value = next(iter(archive["hashes"].items()))
        found["archive_info"] = {**archive, "hash": f"{algorithm}={value}"}
    return found


def _without_password(url: str) -> str:
    """PEP 610's rule: user and password removed unless they name environment variables or are ``git``."""
    from urllib.parse import urlsplit

    from pipcompat.index.urls import strip_credentials

    userinfo = urlsplit(url).netloc.rpartition("@")[0]
    if not userinfo or userinfo == "git" or userinfo.startswith("${"):
        return url
    return strip_credentials(url)


def describe(dist: InstalledDistribution) -> dict[str, Any]:
    """One distribution as pip's report shows it."""
    from pipcompat.install.report import metadata_to_json

    text = dist.read_text("METADATA") if dist.is_dist_info else None
    if text is None:
        text = dist.read_text("PKG-INFO") if dist.info_path.is_dir() else None
    data = (text or "").encode("utf-8", "surrogateescape")
    found: dict[str, Any] = {"metadata": metadata_to_json(data), "metadata_location": str(dist.info_path)}
    direct_url = _direct_url(dist)
    if direct_url is not None:
        found["direct_url"] = direct_url
    if dist.installer:
        found["installer"] = dist.installer
    if dist.is_dist_info:
        found["requested"] = dist.requested
    return found


def run(settings: CommandSettings, ctx: Context) -> int:
    check_path_option(settings)
    target = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    dists = select(
        installed_distributions(target, settings.get("path") or None),
        local_only=bool(settings.get("local")),
        user_only=bool(settings.get("user")),
    )
    report = {
        "version": "1",
        "pip_version": __version__,
        "installed": [describe(dist) for dist in dists],
        "environment": dict(target.markers),
    }
    ctx.printer.data(json.dumps(report, indent=2, ensure_ascii=False))
    return SUCCESS
