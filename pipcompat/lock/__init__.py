"""Writing resolutions down: pip-compile's requirements.txt (and later lockfiles and ``pylock.toml``).

The names below are loaded from their modules on first use, so that importing one module of this package
(``pipcompat.lock.existing`` to read the pins of an existing output file) does not import the others (the
writer is needed only once a resolution is done).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: public name → the module that defines it.
_EXPORTS = {
    "DEFAULT_INDEX_URL": "pipcompat.lock.piptools_output",
    "UNSAFE_PACKAGES": "pipcompat.lock.piptools_output",
    "CompiledPin": "pipcompat.lock.piptools_output",
    "ExistingPin": "pipcompat.lock.existing",
    "OutputOptions": "pipcompat.lock.piptools_output",
    "RenderedOutput": "pipcompat.lock.piptools_output",
    "compile_command": "pipcompat.lock.piptools_output",
    "existing_pins": "pipcompat.lock.existing",
    "render_output": "pipcompat.lock.piptools_output",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
