"""The errors a user can see.

Core modules never print and never exit: they raise one of these. ``pipcompat.ui`` renders them as one
line (plus an optional ``hint:`` line) on stderr, and the command line exits with ``exit_code``.
Exit codes follow pip's: 1 for a failed operation, 2 for a usage error.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing's: importing typing costs start-up time
if TYPE_CHECKING:
    from pipcompat.models import SourceLocation

SUCCESS = 0
ERROR = 1
USAGE_ERROR = 2

#: What a password (or a lone token) in a URL is replaced with when shown.
REDACTED = "****"

_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@")


def redact(text: str) -> str:
    """*text* with the password of every ``scheme://user:password@`` (or a lone token) replaced by
    :data:`REDACTED`: what every message, log line and shown setting goes through."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _password = match["userinfo"].partition(":")
        shown = f"{user}:{REDACTED}" if colon else REDACTED
        return f"{match['scheme']}{shown}@"

    return _URL_USERINFO.sub(hide, text)


class PipcompatError(Exception):
    """An error meant for the user: a one-line message, an optional hint and an exit code."""

    exit_code: int = ERROR

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(PipcompatError):
    """Bad command-line usage (unknown option, missing argument, invalid value)."""

    exit_code = USAGE_ERROR


class NotImplementedOptionError(UsageError):
    """An option (or command) that is accepted by the parser but whose behaviour is not built yet."""

    def __init__(self, what: str, *, command: str) -> None:
        super().__init__(
            f"{what} is not supported by 'pipcompat {command}' yet",
            hint="run the command with pip itself, or leave the option out",
        )
        self.what = what
        self.command = command


class ConfigurationError(PipcompatError):
    """A configuration file or environment variable that cannot be read or has a bad value."""


class RequirementsFileError(PipcompatError):
    """A requirement source that cannot be parsed; the message names ``file:line`` and the text."""

    def __init__(
        self,
        message: str,
        *,
        location: SourceLocation | None = None,
        text: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = f"{location}: " if location is not None else ""
        shown = f" (from line: {text!r})" if text else ""
        super().__init__(f"{where}{message}{shown}", hint=hint)
        self.location = location
        self.text = text
