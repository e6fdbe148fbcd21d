"""Option parsing with pip's rules.

pip parses its command line with :mod:`optparse`; reusing the same semantics is the surest way to accept
exactly what pip accepts: short-option clustering (``-qqU``), ``--opt=value`` and ``--opt value``,
unambiguous long-option prefixes (``--requ``), repeatable options, and ``--`` ending the options.

On top of optparse this module adds:

* :class:`ParseError` instead of printing and exiting, so the caller decides how errors look;
* configuration values (``pip.conf``, ``PIP_*``, pipcompat's own layers) applied as defaults with pip's
  per-action conversions (booleans through ``strtobool``, counts, space-separated lists, callbacks);
* the *origin* of every value (default, a configuration item, or the command line), for
  ``--show-settings`` and for refusing options that are given but not implemented yet;
* an ``allow_abbrev`` switch, because pip-tools' command line (click) does not accept prefixes.
"""

from __future__ import annotations

import optparse
import os
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from pipcompat.errors import ConfigurationError, UsageError
from pipcompat.models import ConfigValue

__all__ = ["ConfigValue", "Option", "OptionParser", "ParseError", "strtobool", "values_dict"]

DEFAULT_ORIGIN = "default"
COMMAND_LINE_ORIGIN = "command line"


class ParseError(UsageError):
    """A command line that cannot be parsed; carries the usage text of the parser that failed."""

    def __init__(self, message: str, *, usage: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.usage = usage


def strtobool(value: str) -> bool:
    """pip's boolean spelling for configuration values (``yes/no``, ``true/false``, ``on/off``, ``1/0``).

    Like pip, surrounding spaces are not forgiven: ``PIP_NO_DEPS=" yes"`` is an error.
    """
    lowered = value.lower()
    if lowered in ("y", "yes", "t", "true", "on", "1"):
        return True
    if lowered in ("n", "no", "f", "false", "off", "0"):
        return False
    raise ValueError(f"invalid truth value {value!r}")


def _check_path(option: optparse.Option, opt: str, value: str) -> str:
    return os.path.expanduser(value)


def _check_package_name(option: optparse.Option, opt: str, value: str) -> str:
    # pip stores these canonicalised (``--exclude Foo_Bar`` → ``foo-bar``); imported late for start-up.
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(value))


class Option(optparse.Option):
    """An optparse option with pip's extra value types and origin tracking.

    Extra attributes (set through keyword arguments):

    ``origin_dest``
        the destination whose origin a callback option records (defaults to ``dest``).
    ``allow_prefix``
        ``False`` for options that must be spelled in full: pipcompat's own additions, so that a prefix
        pip resolves (``--s`` → ``--src``) or rejects stays exactly as it is in pip.
    """

    TYPES = (*optparse.Option.TYPES, "path", "package_name")
    TYPE_CHECKER = dict(optparse.Option.TYPE_CHECKER)
    TYPE_CHECKER["path"] = _check_path
    TYPE_CHECKER["package_name"] = _check_package_name
    ATTRS = [*optparse.Option.ATTRS, "origin_dest", "allow_prefix"]

    origin_dest: str | None
    allow_prefix: bool | None

    def process(self, opt: str, value: Any, values: Any, parser: Any) -> int:
        if isinstance(parser, OptionParser) and parser.parsing_command_line:
            dest = self.origin_dest or self.dest
            if dest is not None:
                parser.given[dest] = opt
        return super().process(opt, value, values, parser)


class OptionParser(optparse.OptionParser):
    """An :class:`optparse.OptionParser` that raises :class:`ParseError` and knows where values came from."""

    def __init__(
        self,
        *args: Any,
        name: str,
        allow_abbrev: bool = True,
        config: Sequence[ConfigValue] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("option_class", Option)
        kwargs.setdefault("add_help_option", False)
        super().__init__(*args, **kwargs)
        self.name = name
        self.allow_abbrev = allow_abbrev
        self.config: Sequence[ConfigValue] = config
        self.origins: dict[str, str] = {}
        self.given: dict[str, str] = {}
        """Destinations set on the command line, mapped to the option string used."""
        self.parsing_command_line = False

    # -- errors ---------------------------------------------------------------------------------
    def error(self, msg: str) -> NoReturn:
        raise ParseError(msg, usage=self.get_usage().strip())

    def exit(self, status: int = 0, msg: str | None = None) -> NoReturn:
        raise ParseError(msg.strip() if msg else f"exited with status {status}", usage=self.get_usage())

    # -- prefixes ----------------------------------------------------------------------------------
    def _match_long_opt(self, opt: str) -> str:
        if opt in self._long_opt:
            return opt
        if not self.allow_abbrev:
            raise optparse.BadOptionError(opt)
        # optparse's own matching (same messages), minus the options that must be spelled in full.
        possibilities = sorted(
            name
            for name, option in self._long_opt.items()
            if name.startswith(opt) and getattr(option, "allow_prefix", None) is not False
        )
        if len(possibilities) == 1:
            return possibilities[0]
        if not possibilities:
            raise optparse.BadOptionError(opt)
        raise optparse.AmbiguousOptionError(opt, possibilities)

    # -- all options --------------------------------------------------------------------------------
    @property
    def all_options(self) -> list[optparse.Option]:
        options = list(self.option_list)
        for group in self.option_groups:
            options.extend(group.option_list)
        return options

    # -- configuration as defaults ---------------------------------------------------------------------
    def get_default_values(self) -> optparse.Values:
        defaults = dict(self.defaults)
        self.origins = {dest: DEFAULT_ORIGIN for dest in defaults}
        self.values = optparse.Values(defaults)
        callback_dests: set[str] = set()
        for item in self.config:
            if not item.value:
                # pip drops empty values from every source (``PIP_INDEX_URL=`` changes nothing).
                continue
            option = self.get_option("--" + item.key)
            if option is None or option.dest is None:
                # pip ignores keys that this command has no option for (e.g. install-only keys in [global]).
                continue
            dest = option.dest
            if option.action == "callback":
                callback_dests.add(dest)
            value = self._convert_config_value(option, item)
            if option.action != "callback":
                defaults[dest] = value
                setattr(self.values, dest, value)
            self.origins[getattr(option, "origin_dest", None) or dest] = item.origin
        for dest in callback_dests:
            defaults[dest] = getattr(self.values, dest)
        for option in self.all_options:
            if option.dest is None:
                continue
            value = defaults.get(option.dest)
            if isinstance(value, str) and option.type is not None and option.action != "callback":
                defaults[option.dest] = self._checked(option, option.get_opt_string(), value, None)
        self.values = None
        return optparse.Values(defaults)

    def _convert_config_value(self, option: optparse.Option, item: ConfigValue) -> Any:
        key, raw = item.key, item.value
        if option.action in ("store_true", "store_false"):
            try:
                return strtobool(raw)
            except ValueError:
                raise ParseError(
                    f"{raw} is not a valid value for {key} option, please specify a boolean value like "
                    f"yes/no, true/false or 1/0 instead (from {item.origin})",
                    usage=self.get_usage(),
                ) from None
        if option.action == "count":
            value: Any = raw
            try:
                value = int(strtobool(raw))
            except ValueError:
                try:
                    value = int(raw)
                except ValueError:
                    pass
            if not isinstance(value, int) or value < 0:
                raise ParseError(
                    f"{raw} is not a valid value for {key} option, please instead specify either a "
                    "non-negative integer or a boolean value like yes/no or false/true which is "
                    f"equivalent to 1/0 (from {item.origin})",
                    usage=self.get_usage(),
                )
            return value
        if option.action == "append":
            return [self._checked(option, key, part, item) for part in raw.split()]
        if option.action == "callback":
            opt_str = option.get_opt_string()
            converted = self._checked(option, opt_str, raw, item) if option.type else raw
            assert option.callback is not None
            option.callback(
                option,
                opt_str,
                converted,
                self,
                *(option.callback_args or ()),
                **(option.callback_kwargs or {}),
            )
            return None
        return self._checked(option, key, raw, item)

    def _checked(self, option: optparse.Option, key: str, value: str, item: ConfigValue | None) -> Any:
        try:
            return option.check_value(key, value)
        except optparse.OptionValueError as exc:
            where = f" (from {item.origin})" if item is not None else ""
            raise ConfigurationError(
                f"an error occurred during configuration: {exc}{where}",
                hint="check your pip configuration files or environment variables for this value",
                exit_code=3,
            ) from None

    # -- parsing -----------------------------------------------------------------------------------------
    def parse_args(
        self, args: Sequence[str] | None = None, values: optparse.Values | None = None
    ) -> tuple[optparse.Values, list[str]]:
        self.given = {}
        self.parsing_command_line = True
        try:
            options, rest = super().parse_args(list(args or []), values)
        finally:
            self.parsing_command_line = False
        for dest in self.given:
            self.origins[dest] = COMMAND_LINE_ORIGIN
        return options, rest


def values_dict(values: optparse.Values, options: Iterable[optparse.Option]) -> dict[str, Any]:
    """The parsed values of *options*, keyed by destination."""
    return {option.dest: getattr(values, option.dest, None) for option in options if option.dest is not None}
