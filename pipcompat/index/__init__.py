"""The index client every mode shares: HTTP session, HTTP cache, simple API, find-links, metadata.

``requests`` is imported only when the first request is made.
"""

from __future__ import annotations

from pipcompat.index.client import (
    INDEX_STRATEGIES,
    HashMismatchError,
    IndexClient,
    SettingsSource,
    SourceBuildUnavailable,
)
from pipcompat.index.httpcache import OfflineError
from pipcompat.index.reporter import IndexReporter
from pipcompat.index.session import AuthenticationError, NetworkError
from pipcompat.index.simple import IndexPageError

__all__ = [
    "INDEX_STRATEGIES",
    "AuthenticationError",
    "HashMismatchError",
    "IndexClient",
    "IndexPageError",
    "IndexReporter",
    "NetworkError",
    "OfflineError",
    "SettingsSource",
    "SourceBuildUnavailable",
]
