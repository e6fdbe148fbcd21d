"""Writing resolutions down: pip-compile's requirements.txt (and later lockfiles and ``pylock.toml``)."""

from __future__ import annotations

from pipcompat.lock.existing import ExistingPin, existing_pins
from pipcompat.lock.piptools_output import (
    DEFAULT_INDEX_URL,
    UNSAFE_PACKAGES,
    CompiledPin,
    OutputOptions,
    RenderedOutput,
    compile_command,
    render_output,
)

__all__ = [
    "DEFAULT_INDEX_URL",
    "UNSAFE_PACKAGES",
    "CompiledPin",
    "ExistingPin",
    "OutputOptions",
    "RenderedOutput",
    "compile_command",
    "existing_pins",
    "render_output",
]
