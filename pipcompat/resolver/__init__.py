"""The resolver shared by every mode: a thin resolvelib provider over lazy candidates, for a target.

``resolve(roots, source, options) -> Resolution``; ``resolvelib`` is imported only when ``resolve`` runs.
See ``docs/resolver.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipcompat.resolver.model import (
    STRATEGIES,
    PackageSource,
    Resolution,
    ResolvedPackage,
    ResolveOptions,
    RootRequirement,
    Strategy,
)
from pipcompat.resolver.target import current_target, platform_spec, synthetic_target

__all__ = [
    "STRATEGIES",
    "PackageSource",
    "Resolution",
    "ResolveOptions",
    "ResolvedPackage",
    "RootRequirement",
    "Strategy",
    "current_target",
    "platform_spec",
    "resolve",
    "synthetic_target",
]


def resolve(roots: Sequence[RootRequirement], source: PackageSource, options: ResolveOptions) -> Resolution:
    """Pin every project *roots* need, for ``options.target``; ``PipcompatError`` explains a failure."""
    from pipcompat.resolver.engine import resolve as run

    return run(roots, source, options)
