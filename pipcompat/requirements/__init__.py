"""Requirement sources: pip requirement files (and later ``pyproject.toml`` and PEP 723 script blocks).

Everything here returns plain frozen data with source locations and raises
:class:`pipcompat.errors.RequirementsFileError` for input pip would refuse; nothing prints.
"""

from __future__ import annotations

from pipcompat.requirements._forms import RequirementForm
from pipcompat.requirements.reqfile import (
    DEFAULT_INDEX_URL,
    FetchUrl,
    FileOptions,
    ParsedRequirement,
    ParseResult,
    ParseWarning,
    parse_requirements_file,
    parse_requirements_files,
)

__all__ = [
    "DEFAULT_INDEX_URL",
    "FetchUrl",
    "FileOptions",
    "ParseResult",
    "ParseWarning",
    "ParsedRequirement",
    "RequirementForm",
    "parse_requirements_file",
    "parse_requirements_files",
]
