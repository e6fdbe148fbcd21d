"""``--show-settings``: the effective settings, where each came from, and what the requirement files hold.

Reading the requirement files here (rather than only echoing the ``-r`` names) means a bad line is
reported with its ``file:line`` before anything else happens, exactly as the real command would.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from pipcompat.errors import SUCCESS
from pipcompat.models import SourceLocation
from pipcompat.settings import CommandSettings, redact, render_settings, render_value

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.requirements import ParseResult

#: Commands whose positional arguments are requirement files rather than requirement specifiers.
_FILE_ARGUMENT_COMMANDS = frozenset({"pip compile", "pip sync"})
#: Positional arguments pip-compile reads as project metadata, not as requirement files.
_METADATA_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def requirement_sources(settings: CommandSettings) -> tuple[list[str], list[str]]:
    """The requirement files and constraint files the command line names, in order."""
    files = [str(f) for f in settings.get("requirements") or ()]
    constraints = [str(f) for f in settings.get("constraints") or settings.get("constraint") or ()]
    if settings.command in _FILE_ARGUMENT_COMMANDS:
        files += [a for a in settings.args if a != "-" and not a.endswith(_METADATA_FILES)]
    return files, constraints


def render_requirements(result: ParseResult) -> str:
    """The requirements and constraints read from files, and the file-level options they set."""
    from pipcompat.requirements import FileOptions

    lines: list[str] = []
    for table, constraint in (("requirements", False), ("constraints", True)):
        entries = [
            f"{render_value(_shown(r.text, editable=r.is_editable))}  # {_where(r.location)}"
            for r in result.requirements
            if r.is_constraint is constraint
        ]
        if entries:
            lines += ["", f"[{table}]", *entries]
    defaults = FileOptions()
    changed = [
        (field.name, getattr(result.options, field.name))
        for field in dataclasses.fields(FileOptions)
        if getattr(result.options, field.name) != getattr(defaults, field.name)
    ]
    if changed:
        lines += ["", "[requirement-file-options]"]
        lines += [f"{name} = {render_value(_plain(value))}" for name, value in changed]
    for warning in result.warnings:
        lines.append(f"# warning: {warning}")
    return "\n".join(lines) + "\n" if lines else ""


def _shown(text: str, *, editable: bool) -> str:
    return ("-e " if editable else "") + redact(text.strip())


def _where(location: SourceLocation) -> str:
    """``file:line``, with the file relative to the working directory when it lies below it."""
    path = location.path
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if not relative.startswith(os.pardir):
            path = relative
    return str(SourceLocation(path, location.line))


def _plain(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [redact(v) if isinstance(v, str) else v for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def run(settings: CommandSettings, ctx: Context) -> int:
    text = render_settings(settings, ctx.environ)
    files, constraints = requirement_sources(settings)
    if files or constraints:
        from pipcompat.requirements import parse_requirements_files

        result = parse_requirements_files(files, constraints, environ=ctx.environ)
        text += render_requirements(result)
    ctx.printer.data(text)
    return SUCCESS
