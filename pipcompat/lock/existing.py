"""The pins of an existing pip-compile output file, kept on the next compile unless asked to move.

pip-compile reads the file it is about to rewrite as a requirements file and keeps every *pinned* line
(not editable, exactly one ``==`` or ``===`` specifier without a wildcard) as a preference for the next
resolution, except those named by ``--upgrade-package`` (and all of them with ``--upgrade``). With
``--reuse-hashes`` (the default) the sha256 hashes of a pin are reused when the version stays.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pipcompat.requirements import ParsedRequirement, RequirementForm, parse_requirements_file

__all__ = ["ExistingPin", "existing_pins", "pin_of"]


@dataclass(frozen=True)
class ExistingPin:
    """One pinned line of an existing output file."""

    name: str
    """Canonical project name."""
    version: str
    operator: str = "=="
    hashes: frozenset[str] = frozenset()
    """``algorithm:hexdigest`` strings from the line's ``--hash`` options."""

    @property
    def sha256_hashes(self) -> frozenset[str]:
        """The hashes pip-compile reuses (only sha256 ones)."""
        return frozenset(h for h in self.hashes if h.startswith("sha256:"))


def pin_of(requirement: ParsedRequirement) -> ExistingPin | None:
    """The pin a requirement line holds, or ``None`` when it is not pinned in pip-tools' sense."""
    if requirement.is_editable or requirement.form is not RequirementForm.NAMED or not requirement.name:
        return None
    try:
        specifiers = list(SpecifierSet(requirement.specifier))
    except InvalidSpecifier:
        return None
    if len(specifiers) != 1:
        return None
    spec = specifiers[0]
    if spec.operator not in ("==", "===") or spec.version.endswith(".*"):
        return None
    return ExistingPin(
        name=canonicalize_name(requirement.name),
        version=spec.version,
        operator=spec.operator,
        hashes=frozenset(requirement.hashes),
    )


def existing_pins(
    path: str | os.PathLike[str],
    *,
    upgrade_packages: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> dict[str, ExistingPin]:
    """The pins of the output file at *path* (canonical name → pin), without the *upgrade_packages*.

    A missing file has no pins. The file's own options (indexes, find-links) are not returned: pip-compile
    reads them into a throw-away finder, so they do not carry over. Raises
    :class:`~pipcompat.errors.RequirementsFileError` for a file pip would refuse to read.
    """
    if not os.path.exists(path):
        return {}
    skipped = {canonicalize_name(name) for name in upgrade_packages}
    result = parse_requirements_file(path, environ=environ)
    pins: dict[str, ExistingPin] = {}
    for requirement in result.requirements:
        pin = pin_of(requirement)
        if pin is not None and pin.name not in skipped:
            pins[pin.name] = pin
    return pins
