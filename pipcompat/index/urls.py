"""URL helpers of the index client: credentials split off and redacted, names normalized, origins checked."""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

_NORMALIZE = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """The PEP 503 normalized form of a project name: ``Foo.Bar_baz`` → ``foo-bar-baz``."""
    return _NORMALIZE.sub("-", name).lower()


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``(url without userinfo, username, password)``; user and password are percent-decoded."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=host))
    return (
        clean,
        urllib.parse.unquote(user) if user or colon else None,
        urllib.parse.unquote(password) if colon else None,
    )


def strip_credentials(url: str) -> str:
    return split_credentials(url)[0]


def netloc_of(url: str) -> str:
    """The host[:port] of *url*, lower-cased, without credentials."""
    return urllib.parse.urlsplit(url).netloc.rpartition("@")[2].lower()


def strip_fragment(url: str) -> str:
    return url.partition("#")[0]


def ensure_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def project_url(index_url: str, name: str) -> str:
    """``<index>/<normalized name>/`` (PEP 503)."""
    return ensure_slash(index_url) + urllib.parse.quote(canonical_name(name)) + "/"


def is_file_url(url: str) -> bool:
    return url[:5].lower() == "file:"


def url_to_path(url: str) -> Path:
    """The local path of a ``file:`` URL (``file://localhost/...`` too)."""
    parts = urllib.parse.urlsplit(url)
    netloc = "//" + parts.netloc if parts.netloc and parts.netloc != "localhost" else ""  # UNC on Windows
    return Path(urllib.request.url2pathname(netloc + parts.path))


def path_to_url(path: str | os.PathLike[str]) -> str:
    return Path(os.path.abspath(path)).as_uri()


def filename_of(url: str) -> str:
    """The last path segment of *url*, percent-decoded (what pip calls the link's file name)."""
    path = urllib.parse.urlsplit(url).path
    return urllib.parse.unquote(path.rstrip("/").rpartition("/")[2])


# pip's secure origins: (scheme, host or network, port); "*" matches anything.
_SECURE_ORIGINS: tuple[tuple[str, str, str | None], ...] = (
    ("https", "*", "*"),
    ("*", "localhost", "*"),
    ("*", "127.0.0.0/8", "*"),
    ("*", "::1/128", "*"),
    ("file", "*", None),
    ("ssh", "*", "*"),
)


def parse_host_port(host: str) -> tuple[str, int | None]:
    """``host[:port]`` (``[v6]:port`` too) as ``(host, port)``."""
    parts = urllib.parse.urlsplit("//" + host)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or host).lower(), port


def host_matches(url: str, trusted: tuple[tuple[str, int | None], ...]) -> bool:
    """Whether *url*'s host (and port, when the trusted entry names one) is a ``--trusted-host``."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return any(host == t_host and (t_port is None or t_port == port) for t_host, t_port in trusted)


def is_secure_origin(url: str, trusted: tuple[tuple[str, int | None], ...]) -> bool:
    """pip's rule: https, file, localhost/loopback, or a trusted host; plain http elsewhere is not."""
    if host_matches(url, trusted):
        return True
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.rsplit("+", 1)[-1].lower()
    host = parts.hostname or ""
    for secure_scheme, secure_host, _port in _SECURE_ORIGINS:
        if secure_scheme not in (scheme, "*"):
            continue
        if secure_host == "*":
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(secure_host):
                return True
        except ValueError:
            if host.lower() == secure_host:
                return True
    return False
