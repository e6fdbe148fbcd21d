"""A target interpreter's ``sys.path`` rebuilt from its probe, standard library only.

The probe runs the interpreter isolated, so what ``PYTHONPATH``, the user site and ``.pth`` files add is
put back here, in the order ``site`` would put it. Light enough for the start-up fast paths.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def pth_paths(site_dir: str) -> list[str]:
    """The directories the ``.pth`` files of *site_dir* add (as ``site.addsitedir`` reads them)."""
    try:
        names = sorted(n for n in os.listdir(site_dir) if n.endswith(".pth") and not n.startswith("."))
    except OSError:
        return []
    found: list[str] = []
    for name in names:
        try:
            with open(os.path.join(site_dir, name), encoding="utf-8", errors="replace") as stream:
                text = stream.read()
        except OSError:
            continue
        for raw_line in text.splitlines():
            line = raw_line.rstrip()
            if not line or line.startswith("#") or line.startswith(("import ", "import\t")):
                continue
            path = os.path.normpath(os.path.join(site_dir, line))
            if os.path.isdir(path):
                found.append(path)
    return found


def target_sys_path(
    raw: Mapping[str, Any], environ: Mapping[str, str], cwd: str, user_site: str | None = None
) -> list[str]:
    """The target's ``sys.path`` when run from *cwd* with *environ*: ``PYTHONPATH`` first, then the probed
    path, with *user_site* (when it exists) before the first site directory and every site directory's
    ``.pth`` additions after it."""
    probed = [str(p) for p in raw.get("sys_path") or ()]
    site_dirs = [str(p) for p in raw.get("site_packages") or ()]
    here = os.path.abspath(cwd)
    front: list[str] = []
    for entry in (environ.get("PYTHONPATH") or "").split(os.pathsep):
        if entry:
            path = os.path.abspath(os.path.join(cwd, entry))
            if path != here and path not in front:
                front.append(path)
    result = [*front, *(p for p in probed if p not in front)]
    if user_site and os.path.isdir(user_site) and user_site not in result:
        first_site = next((i for i, p in enumerate(result) if p in site_dirs), len(result))
        result.insert(first_site, user_site)
        site_dirs = [user_site, *site_dirs]
    for site_dir in site_dirs:
        if site_dir not in result:
            continue
        position = result.index(site_dir) + 1
        for extra in pth_paths(site_dir):
            if extra not in result:
                result.insert(position, extra)
                position += 1
    return result
