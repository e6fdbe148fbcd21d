"""Help text for ``pipcompat pip``: pip's layout (usage, description, option groups), plain text.

An option is shown as pip shows it: its first short and first long string and, when it takes a value, the
metavar (or the destination) in lower case between angle brackets: ``-r, --requirement <file>``. Options pip
hides (``--no-user``, ``--use-pep517``, ...) stay hidden. Defaults quoted in help texts (``%default``) are
the effective ones, configuration included, with any password in a URL masked.
"""

from __future__ import annotations

import optparse
import textwrap
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: Where option help starts, and how much each level indents: pip's values.
HELP_POSITION = 30
INDENT_INCREMENT = 1
#: The column a command's summary starts at in the command list.
COMMAND_COLUMN = 27


def _terminal_width() -> int:
    import shutil

    return max(shutil.get_terminal_size().columns - 2, 40)


def redact_url(url: str) -> str:
    """``https://user:secret@host/`` → ``https://user:****@host/``; a lone user name is masked entirely."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    masked = f"{user}:****" if colon else "****"
    return urlunsplit(parts._replace(netloc=f"{masked}@{host}"))


def option_synopsis(option: optparse.Option) -> str:
    """``-r, --requirement <file>``: first short and long strings, then the value's name if it takes one."""
    strings = option._short_opts[:1] + option._long_opts[:1]
    text = ", ".join(strings)
    if option.takes_value():
        metavar = option.metavar or str(option.dest)
        text += f" <{metavar.lower()}>"
    return text


class PipHelpFormatter(optparse.IndentedHelpFormatter):
    """optparse's indented formatter with pip's layout: headings ``Name:``, no ``Options`` heading."""

    def __init__(self, width: int | None = None) -> None:
        super().__init__(
            indent_increment=INDENT_INCREMENT,
            max_help_position=HELP_POSITION,
            width=width if width is not None else _terminal_width(),
            short_first=1,
        )
        self._defaults: dict[str, Any] | None = None

    def format_option_strings(self, option: optparse.Option) -> str:
        return option_synopsis(option)

    def format_heading(self, heading: str) -> str:
        return "" if heading == "Options" else f"{heading}:\n"

    def format_usage(self, usage: str) -> str:
        lines = textwrap.dedent(usage).strip("\n").splitlines()
        body = "\n".join(f"  {line}" if line.strip() else "" for line in lines)
        return f"Usage:\n{body}\n"

    def format_description(self, description: str | None) -> str:
        if not description:
            return ""
        width = max(self.width - 2, 20)
        paragraphs = [textwrap.fill(" ".join(p.split()), width) for p in description.strip().split("\n\n")]
        body = "\n\n".join(textwrap.indent(p, "  ") for p in paragraphs)
        return f"Description:\n{body}\n"

    def format_epilog(self, epilog: str | None) -> str:
        return epilog or ""

    def _effective_defaults(self) -> dict[str, Any]:
        if self._defaults is None:
            parser = self.parser
            self._defaults = dict(vars(parser.get_default_values())) if parser is not None else {}
        return self._defaults

    def expand_default(self, option: optparse.Option) -> str:
        help_text = option.help or ""
        if self.default_tag not in help_text:
            return help_text
        value = self._effective_defaults().get(str(option.dest))
        if value is None:
            value = self.NO_DEFAULT_VALUE
        shown = str(value)
        if option.metavar == "URL":
            shown = redact_url(shown)
        return help_text.replace(self.default_tag, shown)


def format_command_help(parser: optparse.OptionParser) -> str:
    """The whole ``--help`` text of a command's parser, ending with one newline."""
    return parser.format_help().rstrip() + "\n"


def format_main_help(parser: optparse.OptionParser, commands: Sequence[tuple[str, str]]) -> str:
    """``pipcompat pip --help``: usage, the commands with their summaries, then the general options."""
    listing = "\n".join(f"  {name:<{COMMAND_COLUMN}} {summary}" for name, summary in commands)
    text = f"{parser.get_usage()}\nCommands:\n{listing}\n\n{parser.format_option_help()}"
    return text.rstrip() + "\n"
