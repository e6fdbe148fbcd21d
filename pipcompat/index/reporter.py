"""What the index client tells its caller: warnings, requests, and a way to ask for credentials."""

from __future__ import annotations


class IndexReporter:
    """Silent by default; a command passes a subclass that prints through its ``Printer``.

    Methods may be called from worker threads.
    """

    def warning(self, message: str) -> None:
        """Something the user should know (a name on several indexes, an insecure index skipped, ...)."""

    def fetching(self, url: str) -> None:
        """A network request is about to be made for *url* (already redacted); for ``-v`` output."""

    def ask_credentials(self, netloc: str) -> tuple[str, str] | None:
        """Ask the user for ``(username, password)`` for *netloc* after a 401; ``None`` to give up.

        Never called with ``--no-input``. The default asks nobody.
        """
        return None
