"""PEP 723 inline script metadata, as pip's ``--requirements-from-script FILE`` reads it.

A block is a line ``# /// TYPE`` followed by comment lines (``#`` alone or ``# `` and text) and closed by
the last ``# ///`` line of that run of comment lines; its content is those lines without their ``#`` or
``# `` prefix, TOML. A file must hold exactly one block of type ``script``; blocks of other types are
skipped. Errors are pip's, word for word, and name the file as it was given.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipcompat.errors import PipcompatError

_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_CLOSE = "# ///"


@dataclass(frozen=True)
class ScriptMetadata:
    """What pip uses of a script's ``script`` block."""

    path: str
    """The file as it was named on the command line."""
    dependencies: tuple[str, ...]
    requires_python: str | None


def _is_comment(line: str) -> bool:
    return line == "#" or line.startswith("# ")


def _block_type(line: str) -> str | None:
    if not line.startswith("# /// "):
        return None
    kind = line[len("# /// ") :]
    return kind if kind and set(kind) <= _TYPE_CHARS else None


def metadata_blocks(text: str) -> list[tuple[str, str]]:
    """Every block of *text* (newlines already universal) as ``(type, TOML content)``, in order.

    A block needs at least one content line; every line but the closing one must end with a newline; the
    closing line is the last ``# ///`` of the comment lines that follow the opening one (so two blocks
    with nothing between them read as one).
    """
    lines = text.split("\n")
    last = len(lines) - 1  # the only line with no newline after it
    blocks: list[tuple[str, str]] = []
    index = 0
    while index < last:
        kind = _block_type(lines[index])
        if kind is None:
            index += 1
            continue
        close = None
        scan = index + 1
        while scan <= last and _is_comment(lines[scan]):
            if lines[scan] == _CLOSE and scan >= index + 2:
                close = scan
            scan += 1
        if close is None:
            index += 1
            continue
        body = lines[index + 1 : close]
        blocks.append(
            (kind, "".join((line[2:] if line.startswith("# ") else line[1:]) + "\n" for line in body))
        )
        index = close + 1
    return blocks


def read_script_metadata(script: str, *, cwd: Path) -> ScriptMetadata:
    """The ``script`` block of the file *script* (relative to *cwd*); :class:`PipcompatError` with pip's
    message when the file cannot be read, has no block or several, or its TOML does not parse."""
    path = Path(script) if Path(script).is_absolute() else cwd / script
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError as error:
        raise PipcompatError(
            f"Could not install packages due to an OSError: {_os_error(error, script)}"
        ) from None
    except UnicodeDecodeError as error:
        raise PipcompatError(f"{script!r} is not UTF-8 text: {error.reason}") from None
    found = [content for kind, content in metadata_blocks(text) if kind == "script"]
    if len(found) > 1:
        raise PipcompatError(f"Multiple 'script' blocks found in {script!r}")
    if not found:
        raise PipcompatError(f"File does not contain 'script' metadata: {script!r}")
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(found[0])
    except tomllib.TOMLDecodeError:
        raise PipcompatError(f"Failed to parse TOML in {script!r}") from None
    dependencies = data.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise PipcompatError(
            f"'dependencies' in the 'script' metadata of {script!r} must be a list of strings"
        )
    requires_python = data.get("requires-python")
    if requires_python is not None and not isinstance(requires_python, str):
        raise PipcompatError(f"'requires-python' in the 'script' metadata of {script!r} must be a string")
    return ScriptMetadata(script, tuple(dependencies), requires_python or None)


def _os_error(error: OSError, script: str) -> str:
    if error.errno is not None and error.strerror:
        return f"[Errno {error.errno}] {error.strerror}: {script!r}"
    return str(error)
