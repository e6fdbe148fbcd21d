"""Which wheels a Python bundles for ``ensurepip``, and which of them a new environment is seeded with.

This is pure discovery: the interpreter's probe lists ``<stdlib>/ensurepip/_bundled/*.whl``; this module
picks the newest wheel of each project and says which projects ``python -m venv`` (or uv's ``--seed``)
installs for that Python version. Installing them is the install engine's job
(:func:`pipcompat.install.engine.install_wheels`), orchestrated by ``pipcompat venv``
(:mod:`pipcompat.commands.venv`): ``env`` sits below ``install`` and never imports it.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

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
