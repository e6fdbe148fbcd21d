"""Where a wheel's parts go: the installation scheme for the target, ``--user``, ``--prefix``, ``--root``
and ``--target``, computed from the target interpreter's own sysconfig paths (as pip computes them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from pipcompat.install.target import TargetPython

SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")


@dataclass(frozen=True)
class Scheme:
    """Installation directories; a distribution's headers go to ``headers/<name>``."""

    purelib: Path
    platlib: Path
    headers: Path
    scripts: Path
    data: Path

    def path(self, key: str, dist_name: str = "") -> Path:
        if key == "headers":
            return self.headers / dist_name if dist_name else self.headers
        value: Path = getattr(self, key)
        return value


def _change_root(root: Path, path: Path) -> Path:
    _drive, tail = os.path.splitdrive(os.fspath(path))
    return root / tail.lstrip("\\/")


def scheme_for(
    target: TargetPython,
    *,
    user: bool = False,
    prefix: Path | None = None,
    root: Path | None = None,
    target_dir: Path | None = None,
) -> Scheme:
    """The scheme pip would use for these options on *target*."""
    if target_dir is not None:
        base = Path(os.path.abspath(target_dir))
        return Scheme(base, base, base / "include" / "python", base / "bin", base)
    short = target.python_short
    if user:
        user_base = target.user_base or os.path.expanduser("~/.local")
        paths = target.expand(target.user_templates, userbase=user_base, base=user_base, platbase=user_base)
        headers = Path(user_base) / "include" / f"python{short}"
    elif prefix is not None:
        value = os.path.abspath(prefix)
        overrides = {"base": value, "platbase": value, "installed_base": value, "installed_platbase": value}
        paths = target.expand(target.scheme_templates, **overrides)
        headers = Path(paths.get("include", os.path.join(value, "include", f"python{short}")))
    else:
        paths = dict(target.paths)
        if target.in_virtualenv:
            headers = Path(target.prefix) / "include" / "site" / f"python{short}"
        else:
            headers = Path(paths.get("include", ""))
    scheme = Scheme(
        purelib=Path(paths["purelib"]),
        platlib=Path(paths.get("platlib") or paths["purelib"]),
        headers=headers,
        scripts=Path(paths["scripts"]),
        data=Path(paths["data"]),
    )
    if root is not None:
        scheme = replace(
            scheme, **{key: _change_root(Path(root), getattr(scheme, key)) for key in SCHEME_KEYS}
        )
    return scheme
