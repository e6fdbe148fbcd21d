"""The one HTTP session: pooling, pip's timeout and retry rules, certificates, proxies and credentials.

``requests`` is imported when the first request is made, not before. Credentials are taken, in pip's
order, from the URL itself, from the index URL with the longest common path on the same host, from
``.netrc``, and from what a previous request to the host used; ``keyring`` (and then the reporter's
``ask_credentials``) is consulted only after a 401. Credentials never reach a message, a log line or a
cache key: every URL that leaves this module is stripped or redacted.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import netrc
import os
import re
import shutil
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipcompat import __version__, envvars
from pipcompat.errors import PipcompatError, redact
from pipcompat.index.urls import (
    host_matches,
    netloc_of,
    parse_host_port,
    split_credentials,
    strip_credentials,
)

if TYPE_CHECKING:
    import requests

#: Variables through which ``requests`` takes a CA bundle; when one is set, it decides.
_CA_BUNDLE_VARIABLES = (envvars.REQUESTS_CA_BUNDLE, envvars.CURL_CA_BUNDLE)

#: pip's retried statuses (transient CDN and storage errors).
RETRY_STATUSES = (500, 502, 503, 520, 527)
BACKOFF_FACTOR = 0.25
KEYRING_PROVIDERS = ("auto", "disabled", "import", "subprocess")
USER_AGENT = f"pipcompat/{__version__}"


def load_requests() -> None:
    """Import ``requests`` (with ``urllib3`` and ``ssl``) now, on the calling thread.

    A session imports it on its first request, on whichever thread makes it. A command about to hand its
    first requests to a client's worker threads calls this first, so that the import (the largest part of
    the CPU time before a first request) is not slowed by the set-up it does meanwhile, and the requests
    leave as early as possible.
    """
    import requests.adapters  # noqa: F401


class NetworkError(PipcompatError):
    """A request that failed: connection, timeout, TLS, too many server errors, a cut-off body."""


class AuthenticationError(NetworkError):
    """A 401 (or 403) that no credentials could satisfy."""


@dataclass(frozen=True)
class _Auth:
    username: str
    password: str


class _Keyring:
    """pip's ``--keyring-provider``: import the module, run the ``keyring`` command, or (auto) both."""

    def __init__(self, provider: str, environ: Mapping[str, str], warn: Callable[[str], None]) -> None:
        self.provider = provider
        self.environ = environ
        self.warn = warn
        self._backend: Any = None
        self._cli: str | None = None
        self._ready = False
        self._lock = threading.Lock()

    def _setup(self) -> None:
        if self._ready:
            return
        self._ready = True
        if self.provider in ("import", "auto") and importlib.util.find_spec("keyring") is not None:
            try:
                import keyring  # type: ignore[import-not-found]

                self._backend = keyring
                return
            except Exception as error:  # a broken keyring install must not break installs
                self.warn(f"keyring could not be imported ({redact(str(error))}); not using it")
        if self.provider in ("subprocess", "auto"):
            self._cli = shutil.which("keyring", path=self.environ.get(envvars.PATH))

    def get(self, service: str, username: str | None) -> _Auth | None:
        if self.provider == "disabled":
            return None
        with self._lock:
            self._setup()
            try:
                if self._backend is not None:
                    return self._from_module(service, username)
                if self._cli is not None:
                    return self._from_cli(service, username)
            except Exception as error:
                self.warn(f"keyring is skipped due to an exception: {redact(str(error))}")
                self.provider = "disabled"
        return None

    def _from_module(self, service: str, username: str | None) -> _Auth | None:
        if hasattr(self._backend, "get_credential"):
            cred = self._backend.get_credential(service, username)
            if cred is not None:
                return _Auth(cred.username, cred.password)
            return None
        if username is not None:
            password = self._backend.get_password(service, username)
            if password is not None:
                return _Auth(username, password)
        return None

    def _from_cli(self, service: str, username: str | None) -> _Auth | None:
        assert self._cli is not None
        command = [self._cli, "--mode=creds", "--output=json", "get", service]
        if username is not None:
            command.append(username)
        env = {**self.environ, "PYTHONIOENCODING": "utf-8"}
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env, check=False)
        if done.returncode:
            return None
        data = json.loads(done.stdout.decode("utf-8"))
        return _Auth(str(data["username"]), str(data["password"]))


class HttpSession:
    """A pooled, thread-safe ``requests`` session with pip's network options.

    ``get`` returns the response for any status except 401 (which it answers with credentials when it
    can, else raises :class:`AuthenticationError`); connection failures, timeouts and retried server errors
    raise :class:`NetworkError` naming the redacted URL.
    """

    def __init__(
        self,
        *,
        index_urls: Sequence[str] = (),
        trusted_hosts: Sequence[str] = (),
        cert: str | None = None,
        client_cert: str | None = None,
        timeout: float = 15.0,
        retries: int = 5,
        proxy: str | None = None,
        no_proxy_env: bool = False,
        keyring_provider: str = "auto",
        no_input: bool = False,
        pool_size: int = 8,
        environ: Mapping[str, str] | None = None,
        warn: Callable[[str], None] | None = None,
        ask_credentials: Callable[[str], tuple[str, str] | None] | None = None,
        fetching: Callable[[str], None] | None = None,
    ) -> None:
        if keyring_provider not in KEYRING_PROVIDERS:
            raise PipcompatError(
                f"unknown keyring provider {keyring_provider!r}",
                hint="use one of: " + ", ".join(KEYRING_PROVIDERS),
                exit_code=2,
            )
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self._system_cafile: bool | str | None = None
        self.index_urls = tuple(index_urls)
        self.trusted = tuple(parse_host_port(host) for host in trusted_hosts)
        self.cert = cert
        self.client_cert = client_cert
        self.timeout = timeout
        self.retries = max(0, retries)
        self.proxy = proxy
        # As pip 26: an explicit --proxy (``""`` included: no proxy at all) or --no-proxy-env makes the
        # session ignore the environment's proxy and CA-bundle variables.
        self.ignore_environment = proxy is not None or no_proxy_env
        self.no_input = no_input
        self.pool_size = max(1, pool_size)
        self._warn = warn or (lambda message: None)
        self._ask = ask_credentials
        self._fetching = fetching
        # pip: without --no-input keyring may prompt, so "auto" is skipped under --no-input.
        self._use_keyring = keyring_provider != "disabled" and (
            not no_input or keyring_provider in ("import", "subprocess")
        )
        self._keyring = _Keyring(keyring_provider, self.environ, self._warn)
        self._remembered: dict[str, _Auth] = {}
        self._netrc: netrc.netrc | None = None
        self._netrc_read = False
        self._lock = threading.Lock()
        self._session: requests.Session | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    def _requests(self) -> requests.Session:
        session = self._session
        if session is not None:
            return session
        with self._lock:
            if self._session is None:
                self._session = self._build()
            return self._session

    def _build(self) -> requests.Session:
        import urllib3

        session = _session_class()()
        session.headers["User-Agent"] = USER_AGENT
        session.headers["Accept-Encoding"] = "gzip, deflate"
        session.trust_env = not self.ignore_environment
        # Credentials are ours to add; keep requests from applying .netrc behind our back.
        session.auth = _keep_request
        retry = urllib3.Retry(
            total=self.retries,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=BACKOFF_FACTOR,
            allowed_methods=frozenset({"GET", "HEAD"}),
        )
        # Room for the worker pool, the resolver's look-ahead threads and the main thread: a request that
        # finds no idle connection opens a new one (a TLS handshake) and drops it afterwards.
        adapter = _adapter_class()(
            pool_connections=max(10, self.pool_size), pool_maxsize=self.pool_size + 8, max_retries=retry
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        if self.client_cert:
            session.cert = self.client_cert
        if self.trusted:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return session

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    # -- requests ----------------------------------------------------------------------------------------

    def get(self, url: str, *, headers: Mapping[str, str] | None = None, stream: bool = False) -> Any:
        """GET *url* (credentials in it are used, never sent in the URL); returns a ``requests.Response``."""
        clean, user, password = split_credentials(url)
        netloc = netloc_of(clean)
        auth = self._credentials_for(clean, user, password)
        response = self._send(clean, headers, stream, auth)
        if response.status_code != 401:
            return response
        retry_auth = self._after_401(response.url or clean, netloc, user, auth)
        response.close()
        if retry_auth is None:
            raise self._unauthorized(clean, tried=auth is not None)
        response = self._send(clean, headers, stream, retry_auth)
        if response.status_code == 401:
            response.close()
            raise self._unauthorized(clean, tried=True)
        with self._lock:
            self._remembered[netloc] = retry_auth
        return response

    def _default_verify(self) -> bool | str:
        """Without ``--cert``: the system's trust store, as pip does, unless requests' variables name one."""
        if self._system_cafile is None:
            chosen: bool | str = True
            if self.ignore_environment or not any(self.environ.get(name) for name in _CA_BUNDLE_VARIABLES):
                cafile = ssl.get_default_verify_paths().cafile
                if cafile and os.path.isfile(cafile):
                    chosen = cafile
            self._system_cafile = chosen
        return self._system_cafile

    def _send(self, url: str, headers: Mapping[str, str] | None, stream: bool, auth: _Auth | None) -> Any:
        import requests

        session = self._requests()
        sent = dict(headers or {})
        if auth is not None:
            sent["Authorization"] = requests.auth._basic_auth_str(auth.username, auth.password)
        trusted = bool(self.trusted) and host_matches(url, self.trusted)
        verify: bool | str = False if trusted else (self.cert or self._default_verify())
        proxies = {"http": self.proxy, "https": self.proxy} if self.proxy else None
        if self._fetching is not None:
            self._fetching(redact(url))
        try:
            return session.get(
                url, headers=sent, stream=stream, timeout=self.timeout, verify=verify, proxies=proxies
            )
        except requests.exceptions.RequestException as error:
            raise self.describe(error, url) from None

    def describe(self, error: BaseException, url: str) -> NetworkError:
        """A one-line :class:`NetworkError` for a ``requests``/``urllib3`` failure on *url*."""
        import requests
        import urllib3

        shown = redact(strip_credentials(url))
        after = f" (after {self.retries} retries)" if self.retries else ""
        if isinstance(error, requests.exceptions.RetryError):
            reason = getattr(error.args[0], "reason", None) if error.args else None
            text = str(reason or error)
            status = next((word for word in text.split() if word.isdigit()), "server error")
            return NetworkError(
                f"HTTP {status} from {shown}{after}",
                hint="the index is failing; try again later or use --retries",
            )
        if isinstance(error, requests.exceptions.SSLError):
            return NetworkError(
                f"TLS certificate verification failed for {shown}",
                hint="pass the index's CA bundle with --cert, or --trusted-host for a host you trust",
            )
        if isinstance(error, requests.exceptions.ProxyError):
            return NetworkError(
                f"could not reach {shown} through the proxy", hint="check --proxy / HTTPS_PROXY"
            )
        if isinstance(error, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)) or (
            "timed out" in str(error).lower()
        ):
            return NetworkError(
                f"timed out after {self.timeout:g}s waiting for {shown}{after}",
                hint="the index is slow or unreachable; raise --timeout or try again later",
            )
        if isinstance(
            error,
            (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
                urllib3.exceptions.ProtocolError,
            ),
        ):
            return NetworkError(f"the connection closed before the whole response from {shown} arrived")
        return NetworkError(f"could not connect to {shown}: {_reason(error)}{after}")

    # -- credentials -------------------------------------------------------------------------------------

    def _credentials_for(self, url: str, user: str | None, password: str | None) -> _Auth | None:
        if user is not None and password is not None:
            return _Auth(user, password)
        index_auth = self._index_credentials(url)
        if index_auth is not None:
            return index_auth
        from_netrc = self._netrc_credentials(url)
        if from_netrc is not None:
            return from_netrc
        with self._lock:
            remembered = self._remembered.get(netloc_of(url))
        if remembered is not None and (user is None or user == remembered.username):
            return remembered
        if user is not None:
            return _Auth(user, password or "")
        return None

    def _matching_index(self, url: str) -> str | None:
        """The index URL (with its credentials) on *url*'s host sharing the longest path with it."""
        parts = urllib.parse.urlsplit(url)
        best: tuple[int, str] | None = None
        for index in self.index_urls:
            clean = strip_credentials(index)
            index_parts = urllib.parse.urlsplit(clean)
            if index_parts.netloc.lower() != parts.netloc.lower():
                continue
            common = os.path.commonpath([parts.path or "/", index_parts.path or "/"])
            if best is None or len(common) > best[0]:
                best = (len(common), index)
        return None if best is None else best[1]

    def _index_credentials(self, url: str) -> _Auth | None:
        index = self._matching_index(url)
        if index is None:
            return None
        _, user, password = split_credentials(index)
        if user is not None and password is not None:
            return _Auth(user, password)
        return None

    def _netrc_credentials(self, url: str) -> _Auth | None:
        with self._lock:
            if not self._netrc_read:
                self._netrc_read = True
                self._netrc = self._load_netrc()
            data = self._netrc
        if data is None:
            return None
        host = urllib.parse.urlsplit(url).hostname or ""
        found = data.authenticators(host)
        if found is None:
            return None
        login, _account, password = found
        return _Auth(login or "", password or "")

    def _load_netrc(self) -> netrc.netrc | None:
        chosen = self.environ.get(envvars.NETRC)
        if chosen:
            candidates = [os.path.expanduser(chosen)]
        else:
            home = self.environ.get(envvars.HOME) or os.path.expanduser("~")
            candidates = [os.path.join(home, ".netrc"), os.path.join(home, "_netrc")]
        for path in candidates:
            if os.path.isfile(path):
                try:
                    return netrc.netrc(path)
                except (netrc.NetrcParseError, OSError):
                    self._warn(f"could not read {path}; ignoring it")
                    return None
        return None

    def _after_401(self, url: str, netloc: str, user: str | None, sent: _Auth | None) -> _Auth | None:
        """Credentials to retry with after a 401: keyring first, then the reporter (never with --no-input)."""
        clean = strip_credentials(url)
        if self._use_keyring:
            index = self._matching_index(clean)
            found = None
            if index is not None:
                found = self._keyring.get(strip_credentials(index).rstrip("/") + "/", user)
            found = found or self._keyring.get(netloc, user)
            if found is not None and found != sent:
                return found
        if not self.no_input and self._ask is not None:
            answer = self._ask(netloc)
            if answer is not None:
                return _Auth(*answer)
        return None

    def _unauthorized(self, url: str, *, tried: bool) -> AuthenticationError:
        shown = redact(url)
        if tried:
            return AuthenticationError(
                f"HTTP 401 Unauthorized from {shown}: the credentials were rejected",
                hint="check the user name and password given in the index URL, ~/.netrc or keyring",
            )
        return AuthenticationError(
            f"HTTP 401 Unauthorized from {shown}: the index needs credentials",
            hint="put them in the index URL (https://user:password@host/simple), in ~/.netrc, or in keyring "
            "(--keyring-provider)",
        )


def _keep_request(request: Any) -> Any:
    return request


_CONTEXTS: dict[str, ssl.SSLContext] = {}
_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.[0-9]+")
_CONTEXTS_LOCK = threading.Lock()


def _verify_context(location: str) -> ssl.SSLContext:
    """One TLS context per CA bundle (or directory), loaded once per process.

    ``requests`` would hand the bundle's path to every new connection, and each would parse the whole
    bundle again (tens of milliseconds of CPU, holding the GIL): opening eight connections at once then
    takes as long as a dozen page downloads.
    """
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(location)
        if context is None:
            directory = location if os.path.isdir(location) else _hashed_twin(location)
            if directory is not None:
                context = ssl.create_default_context(capath=directory)
            else:
                context = ssl.create_default_context(cafile=location)
            _CONTEXTS[location] = context
        return context


def _hashed_twin(cafile: str) -> str | None:
    """The system's hashed certificate directory when *cafile* is the system's own bundle and the directory
    holds as many certificates as the bundle, else ``None``.

    The two usually hold the same certificates (``update-ca-certificates`` writes both), but OpenSSL reads a
    hashed directory lazily (only the CAs a server's chain names, about a millisecond) where it parses the
    whole bundle up front (tens of ms). A certificate appended to the bundle by hand (a company's
    TLS-inspecting proxy, say) has no hashed link until the directory is rehashed: then the bundle is used,
    as pip would, rather than a directory that cannot verify that proxy.
    """
    paths = ssl.get_default_verify_paths()
    if not paths.cafile or not paths.capath or os.path.realpath(cafile) != os.path.realpath(paths.cafile):
        return None
    try:
        with os.scandir(paths.capath) as entries:
            hashed = sum(1 for entry in entries if _HASHED_NAME.fullmatch(entry.name))
        with open(cafile, "rb") as bundle:
            in_bundle = bundle.read().count(b"-----BEGIN CERTIFICATE-----")
    except OSError:
        return None
    return paths.capath if hashed and hashed >= in_bundle else None


def _ca_location(verify: Any) -> str | None:
    if verify is True:
        from requests.utils import DEFAULT_CA_BUNDLE_PATH

        return str(DEFAULT_CA_BUNDLE_PATH)
    if isinstance(verify, str) and verify:
        return verify
    return None


_SESSION_CLASS: list[type[requests.Session]] = []


def _session_class() -> type[requests.Session]:
    """The session class; it derives from requests' ``Session``, so it is made on first use."""
    if not _SESSION_CLASS:
        _SESSION_CLASS.append(_make_session_class())
    return _SESSION_CLASS[0]


def _make_session_class() -> type[requests.Session]:
    import requests

    class EnvironmentOnceSession(requests.Session):
        """A session that reads the environment's settings for a host once, not for every request.

        ``requests`` looks the proxy variables (and ``no_proxy``) and the CA bundle variables up again for
        each request, walking the whole environment twice: about a tenth of a millisecond of CPU, holding
        the interpreter lock, for each of the hundreds of requests of a resolve. The environment does not
        change while a command runs, so the merged settings are kept per origin and per arguments.
        """

        def __init__(self) -> None:
            super().__init__()
            self._merged: dict[tuple[Any, ...], Any] = {}

        def merge_environment_settings(
            self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
        ) -> Any:
            scheme, _, rest = str(url).partition("://")
            origin = f"{scheme.lower()}://{rest.partition('/')[0].partition('?')[0]}"
            given = tuple(sorted(proxies.items())) if proxies else None
            key = (origin, given, stream, verify, cert, self.trust_env)
            merged: Any = self._merged.get(key)
            if merged is None:
                merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
                self._merged[key] = merged
            return {**merged, "proxies": dict(merged["proxies"])}

    return EnvironmentOnceSession


_ADAPTER_CLASS: list[Any] = []


def _adapter_class() -> Any:
    """The adapter class; it derives from requests' ``HTTPAdapter``, so it is made on first use."""
    if not _ADAPTER_CLASS:
        _ADAPTER_CLASS.append(_make_adapter_class())
    return _ADAPTER_CLASS[0]


def _make_adapter_class() -> type:
    import requests.adapters

    class SharedContextAdapter(requests.adapters.HTTPAdapter):
        """An adapter whose HTTPS pools verify with a shared, preloaded :class:`ssl.SSLContext`."""

        def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
            host_params: Any
            pool_kwargs: Any
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
            location = _ca_location(verify)
            if host_params.get("scheme") == "https" and location is not None:
                pool_kwargs.pop("ca_certs", None)
                pool_kwargs.pop("ca_cert_dir", None)
                pool_kwargs["ssl_context"] = _verify_context(location)
            return host_params, pool_kwargs

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
            if url.lower().startswith("https") and _ca_location(verify) is not None:
                conn.ca_certs = None  # the pool's shared context already holds them
                conn.ca_cert_dir = None

    return SharedContextAdapter


def _reason(error: BaseException) -> str:
    """The innermost human part of a connection error (``[Errno 111] Connection refused``)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        nested = getattr(current, "reason", None)
        if isinstance(nested, BaseException):
            current = nested
            continue
        if current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
            continue
        break
    text = str(seen[-1]) if seen else str(error)
    with contextlib.suppress(ValueError):
        # urllib3 prefixes "<connection object>: Failed to establish a new connection: ..."
        text = text[text.index("Failed to establish") :]
    text = text.replace("Failed to establish a new connection: ", "")
    return redact(" ".join(text.split())) or type(error).__name__
