"""The options a requirement-file line may carry, and an optparse-style scanner for them.

pip reads the option part of each line with :mod:`optparse`, so the spellings follow its rules:
``--opt=value`` or ``--opt value``, ``-xvalue`` or ``-x value`` for the one-letter forms, any unambiguous
prefix of a long option (``--extra`` for ``--extra-index-url``), a bare ``--`` ends the options, and stray
words are dropped.
This module reproduces those rules over pip 26.3's table of requirement-file options, without optparse's
printing and exiting, and returns the options in the order they were written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Hash algorithms pip accepts in ``--hash`` (pip's "strong" hashes).
HASH_ALGORITHMS: tuple[str, ...] = ("sha256", "sha384", "sha512")

#: The values ``--use-feature`` accepts in pip 26.3 (including features that are now always on).
FEATURE_CHOICES: tuple[str, ...] = (
    "fast-deps",
    "inprocess-build-deps",
    "venv-isolation",
    "truststore",
    "no-binary-enable-wheel-cache",
    "build-constraint",
)


@dataclass(frozen=True)
class OptionSpec:
    """One option a requirement-file line accepts: its key, its spellings and whether it takes a value."""

    key: str
    spellings: tuple[str, ...]
    takes_value: bool
    choices: tuple[str, ...] | None = None


# The order matches the order pip registers them; it only shows in ambiguity messages.
OPTION_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("index_url", ("-i", "--index-url", "--pypi-url"), True),
    OptionSpec("extra_index_url", ("--extra-index-url",), True),
    OptionSpec("no_index", ("--no-index",), False),
    OptionSpec("constraint", ("-c", "--constraint"), True),
    OptionSpec("requirement", ("-r", "--requirement"), True),
    OptionSpec("editable", ("-e", "--editable"), True),
    OptionSpec("find_links", ("-f", "--find-links"), True),
    OptionSpec("no_binary", ("--no-binary",), True),
    OptionSpec("only_binary", ("--only-binary",), True),
    OptionSpec("prefer_binary", ("--prefer-binary",), False),
    OptionSpec("require_hashes", ("--require-hashes",), False),
    OptionSpec("no_require_hashes", ("--no-require-hashes",), False),
    OptionSpec("pre", ("--pre",), False),
    OptionSpec("all_releases", ("--all-releases",), True),
    OptionSpec("only_final", ("--only-final",), True),
    OptionSpec("trusted_host", ("--trusted-host",), True),
    OptionSpec("use_feature", ("--use-feature",), True, FEATURE_CHOICES),
    # Per-requirement options.
    OptionSpec("hash", ("--hash",), True),
    OptionSpec("config_settings", ("-C", "--config-settings"), True),
)

_LONG: dict[str, OptionSpec] = {
    s: spec for spec in OPTION_SPECS for s in spec.spellings if s.startswith("--")
}
_SHORT: dict[str, OptionSpec] = {
    s: spec for spec in OPTION_SPECS for s in spec.spellings if not s.startswith("--")
}


class OptionSyntaxError(Exception):
    """An option on a requirement-file line that pip would reject."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OptionUse:
    """One option as written on a line: its key, the spelling it resolved to, and its value."""

    key: str
    spelling: str
    value: str | None


def _resolve_long(written: str) -> str:
    """The full long-option spelling ``written`` stands for (exactly, or as an unambiguous prefix)."""
    if written in _LONG:
        return written
    candidates = sorted(name for name in _LONG if name.startswith(written))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise OptionSyntaxError(f"no such option: {written}")
    raise OptionSyntaxError(f"ambiguous option: {written} (could be {', '.join(candidates)})")


def _checked(spec: OptionSpec, spelling: str, value: str | None) -> OptionUse:
    """Validate a value the way pip's option callbacks and choices do, at scan time."""
    if value is not None:
        if spec.choices is not None and value not in spec.choices:
            allowed = ", ".join(repr(c) for c in spec.choices)
            raise OptionSyntaxError(f"option {spelling}: invalid choice: {value!r} (choose from {allowed})")
        if spec.key == "hash":
            algorithm, colon, _digest = value.partition(":")
            if not colon:
                raise OptionSyntaxError(
                    f"arguments to {spelling} must be a hash name followed by a value, "
                    "like --hash=sha256:abcde..."
                )
            if algorithm not in HASH_ALGORITHMS:
                raise OptionSyntaxError(
                    f"allowed hash algorithms for {spelling} are {', '.join(HASH_ALGORITHMS)}"
                )
        elif spec.key == "config_settings":
            if "=" not in value:
                raise OptionSyntaxError(f"arguments to {spelling} must be of the form KEY=VAL")
        elif spec.key in ("no_binary", "only_binary") and value.startswith("-"):
            raise OptionSyntaxError("--no-binary / --only-binary option requires 1 argument")
        elif spec.key in ("all_releases", "only_final") and value.startswith("-"):
            raise OptionSyntaxError("--all-releases / --only-final option requires 1 argument")
    return OptionUse(spec.key, spelling, value)


def scan_options(words: Sequence[str]) -> list[OptionUse]:
    """Read the options in ``words`` (already split shell-style) in order.

    Words that are not options are skipped, as pip skips them; ``--`` ends the scan.
    Raises :class:`OptionSyntaxError` for an unknown, ambiguous or malformed option.
    """
    uses: list[OptionUse] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            break
        if word.startswith("--"):
            written, equals, attached = word.partition("=")
            spelling = _resolve_long(written)
            spec = _LONG[spelling]
            if spec.takes_value:
                if equals:
                    value: str | None = attached
                elif i < len(words):
                    value = words[i]
                    i += 1
                else:
                    raise OptionSyntaxError(f"{spelling} option requires 1 argument")
            elif equals:
                raise OptionSyntaxError(f"{spelling} option does not take a value")
            else:
                value = None
            uses.append(_checked(spec, spelling, value))
        elif word.startswith("-") and len(word) > 1:
            # A cluster of one-letter options; the first that takes a value takes the rest of the word
            # (or the next word) as its value.
            position = 1
            while position < len(word):
                spelling = "-" + word[position]
                position += 1
                short = _SHORT.get(spelling)
                if short is None:
                    raise OptionSyntaxError(f"no such option: {spelling}")
                if not short.takes_value:
                    uses.append(_checked(short, spelling, None))
                    continue
                if position < len(word):
                    value = word[position:]
                elif i < len(words):
                    value = words[i]
                    i += 1
                else:
                    raise OptionSyntaxError(f"{spelling} option requires 1 argument")
                uses.append(_checked(short, spelling, value))
                break
    return uses
