"""Effective settings: every source resolved once into a frozen object per command.

Precedence, lowest first: defaults < configuration files < environment < command line (the exact layer
order, pip's and pipcompat's own, is documented in ``docs/configuration.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class CommandSettings:
    """What one invocation asked for, from every source.

    ``values`` holds every option's effective value keyed by its destination (pip's own destination names
    for pip's options), ``origins`` says where each value came from, and ``given`` lists the options that
    were spelled on the command line (destination → the option string used).
    """

    command: str
    args: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)
    given: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))
        object.__setattr__(self, "origins", _frozen(self.origins))
        object.__setattr__(self, "given", _frozen(self.given))

    def get(self, dest: str, default: Any = None) -> Any:
        return self.values.get(dest, default)
