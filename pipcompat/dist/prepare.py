"""The prepare stage: every wheel a plan installs, made ready in the cache, in parallel.

For each :class:`WheelRequest`: when the wheel's sha256 is known (from the index, from an earlier download
of the same URL, or by reading a local file) and its unpacked entry is in the ``archives`` bucket, nothing
is downloaded. Otherwise the wheel is downloaded through the downloader (the index client: streamed,
checked against the index's hashes), checked against the user's ``--hash`` values, unpacked into the cache
and the downloaded file dropped.

pip's hash-checking mode is honoured exactly: with ``require_hashes`` every wheel needs a hash from the
user (:data:`HASH_MISSING` otherwise, showing the hash it has), a hash that does not match is
:data:`HASH_MISMATCH`; every problem is collected and reported together, in pip's words and order, as one
:class:`HashCheckError` before anything is installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipcompat.cache import Cache, digest_key, write_atomic
from pipcompat.dist.entry_check import MANIFEST
from pipcompat.dist.unpack import UnpackedWheel, Wheel, WheelBytes, file_sha256, unpack_wheel
from pipcompat.errors import PipcompatError
from pipcompat.models import Link

_CHUNK = 1 << 20
#: Wheels up to this size are downloaded into memory and unpacked from there (never written to disk first).
IN_MEMORY = 64 << 20

HASH_MISSING = (
    "Hashes are required in --require-hashes mode, but they are missing from some requirements. Here is a "
    "list of those requirements along with the hashes their downloaded archives actually had. Add lines "
    "like these to your requirements files to prevent tampering. (If you did not enable --require-hashes "
    "manually, note that it turns on automatically when any package has a hash.)"
)
HASH_UNPINNED = (
    "In --require-hashes mode, all requirements must have their versions pinned with ==. These do not:"
)
HASH_MISMATCH = (
    "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package "
    "versions, please update the hashes. Otherwise, examine the package contents carefully; someone may "
    "have tampered with them."
)
_ORDER = {HASH_MISSING: 2, HASH_UNPINNED: 3, HASH_MISMATCH: 4}


#: The hook that turns a downloaded sdist into a wheel: ``(request, sdist, sdist sha256) -> wheel path``.
BuildSdist = Callable[["WheelRequest", Path, str], Path]


class Downloader(Protocol):
    """What prepare needs from the index client. A downloader whose ``verifies_hashes`` attribute is true
    promises that :meth:`download` checked the file against every hash of ``link.hashes`` while
    streaming it (so the file is not read again to learn its sha256 when the link gives it). One that also
    has ``fetch_file(link, dest_dir, *, memory_limit) -> bytes | Path`` (the index client) hands over a
    small wheel's bytes instead of a file, with the same promise."""

    def download(self, link: Link, dest_dir: Path) -> Path: ...


@dataclass(frozen=True)
class WheelRequest:
    """One wheel to make ready. ``allowed_hashes`` are the user's ``--hash`` values by algorithm (pip's
    ``hash_options``); ``require_hashes`` is hash-checking mode; ``described_as`` names the requirement in
    hash errors (``a==1.0 from https://… (from -r requirements.txt (line 1))``)."""

    name: str
    version: str
    link: Link
    allowed_hashes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    require_hashes: bool = False
    described_as: str = ""
    pinned: bool = True
    """Whether the user's requirement pins one version (``==``/``===``); unpinned fails hash-checking mode."""


@dataclass(frozen=True)
class PreparedWheel:
    """A wheel whose unpacked entry is in the cache."""

    request: WheelRequest
    unpacked: UnpackedWheel
    sha256: str
    downloaded: bool
    size: int | None = None


class HashCheckError(PipcompatError):
    """pip's hash-checking failures, every one of them, grouped under pip's headings."""

    def __init__(self, problems: Sequence[tuple[str, str]], *, hint: str = "nothing was installed") -> None:
        lines: list[str] = []
        for head in sorted({h for h, _ in problems}, key=lambda h: _ORDER.get(h, 9)):
            lines.append(head)
            lines.extend(body for h, body in problems if h == head)
        super().__init__("\n".join(lines), hint=hint)
        self.problems = tuple(problems)


class _HashProblem(Exception):
    def __init__(self, head: str, body: str) -> None:
        super().__init__(body)
        self.head = head
        self.body = body


def is_wheel(link: Link) -> bool:
    return link.filename.lower().endswith(".whl")


def _url_key(url: str) -> str:
    return digest_key("download-url", url.split("#", 1)[0])


def _known_sha256(link: Link, cache: Cache) -> str | None:
    """The wheel's sha256 without downloading it, when the index, an earlier download or the disk knows."""
    known = link.hashes.get("sha256")
    if known:
        return known.lower()
    try:
        data = json.loads(cache.entry("archives", _url_key(link.url)).with_suffix(".json").read_bytes())
        value = data.get("sha256")
        if isinstance(value, str) and len(value) == 64:
            return value
    except (OSError, ValueError, AttributeError):
        pass
    if link.url[:5].lower() == "file:":
        from pipcompat.index.urls import url_to_path

        path = url_to_path(link.url)
        if path.is_file():
            return file_sha256(path)
    return None


def _remember_url(link: Link, sha256: str, cache: Cache) -> None:
    if link.url[:5].lower() == "file:":
        return
    with contextlib.suppress(OSError):
        entry = cache.entry("archives", _url_key(link.url)).with_suffix(".json")
        write_atomic(entry, json.dumps({"url": link.url.split("#", 1)[0], "sha256": sha256}).encode())


def _cached(sha256: str, cache: Cache) -> UnpackedWheel | None:
    root = cache.entry("archives", sha256)
    if not (root / MANIFEST).is_file():
        return None
    try:
        return unpack_wheel(root / "missing.whl", cache, sha256=sha256)
    except (PipcompatError, OSError):
        return None


def _cached_manifest_size(link: Link, cache: Cache) -> int | None:
    """The size of the manifest of *link*'s cache entry, when the index gives its sha256 and the entry is
    there (one ``stat``): the wheel is ready without a download, and has about that many files."""
    known = link.hashes.get("sha256")
    if not known:
        return None
    try:
        return os.stat(cache.entry("archives", known.lower()) / MANIFEST).st_size
    except OSError:
        return None


def _digests(wheel: Wheel, algorithms: Sequence[str]) -> dict[str, str]:
    """The sha256 and every one of *algorithms* of a downloaded file (on disk or in memory)."""
    hashers = {"sha256": hashlib.sha256()}
    for name in algorithms:
        with contextlib.suppress(ValueError, TypeError):
            hashers.setdefault(name, hashlib.new(name))
    if isinstance(wheel, WheelBytes):
        for hasher in hashers.values():
            hasher.update(wheel.data)
    else:
        with open(wheel, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                for hasher in hashers.values():
                    hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def _verified_digests(link: Link, request: WheelRequest, downloader: Downloader) -> dict[str, str] | None:
    """The digests the downloader has already checked, when they are all that is needed."""
    if not getattr(downloader, "verifies_hashes", False):
        return None
    known = {name: value.lower() for name, value in link.hashes.items()}
    if "sha256" not in known or any(name not in known for name in request.allowed_hashes):
        return None
    return known


def _mismatch(request: WheelRequest, gots: Mapping[str, str]) -> _HashProblem:
    lines = [f"    {request.described_as or request.name}:"]
    for algorithm, expected in request.allowed_hashes.items():
        for index, digest in enumerate(expected):
            label = algorithm if index == 0 else "    or"
            lines.append(f"        Expected {label} {digest}")
        lines.append(f"             Got        {gots.get(algorithm, '(not computed)')}\n")
    return _HashProblem(HASH_MISMATCH, "\n".join(lines))


def _missing(request: WheelRequest, sha256: str) -> _HashProblem:
    return _HashProblem(HASH_MISSING, f"    {request.name}=={request.version} --hash=sha256:{sha256}")


def _matches(allowed: Mapping[str, Sequence[str]], gots: Mapping[str, str]) -> bool:
    return any(gots.get(name) in {d.lower() for d in digests} for name, digests in allowed.items())


def check_archives(files: Sequence[tuple[WheelRequest, Path]]) -> None:
    """pip's hash-checking of downloaded archives kept as they are (``pip download``): every problem of
    every file, under pip's headings, raised together as one :class:`HashCheckError`."""
    problems: list[tuple[str, str]] = []
    for request, path in files:
        if not (request.require_hashes or request.allowed_hashes):
            continue
        if request.require_hashes and not request.pinned:
            problems.append((HASH_UNPINNED, f"    {request.described_as or request.name}"))
            continue
        algorithms = sorted({*request.allowed_hashes, "sha256"})
        hashers = {name: hashlib.new(name) for name in algorithms}
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                for hasher in hashers.values():
                    hasher.update(chunk)
        gots = {name: hasher.hexdigest() for name, hasher in hashers.items()}
        if not request.allowed_hashes:
            problem = _missing(request, gots["sha256"])
            problems.append((problem.head, problem.body))
        elif not _matches(request.allowed_hashes, gots):
            problem = _mismatch(request, gots)
            problems.append((problem.head, problem.body))
    if problems:
        raise HashCheckError(problems, hint="nothing was saved")


class _Preparer:
    def __init__(
        self,
        downloader: Downloader,
        cache: Cache,
        on_downloaded: Callable[[WheelRequest], None] | None,
        build_sdist: BuildSdist | None = None,
    ) -> None:
        self.downloader = downloader
        self.cache = cache
        self.on_downloaded = on_downloaded
        self.build_sdist = build_sdist
        self.incoming = cache.bucket("archives") / ".incoming"
        self.lock = threading.Lock()
        # Unpacking a wheel and checking a cached entry are local work (inflating, hashing, creating or
        # stat-ing thousands of files): more of it at once than there are CPUs only makes each slower (the
        # threads hand the interpreter lock to one another around every system call), while downloads
        # (waiting on the network) go on in every worker.
        self.local_work = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))

    def check_request(self, request: WheelRequest, sha256: str | None) -> bool:
        """Hash-checking mode before downloading; True when the cached entry may be used as it is."""
        if request.require_hashes and not request.pinned:
            raise _HashProblem(HASH_UNPINNED, f"    {request.described_as or request.name}")
        if not request.allowed_hashes:
            if request.require_hashes:
                if sha256 is None:
                    return False  # download to learn the hash
                raise _HashProblem(
                    HASH_MISSING, f"    {request.name}=={request.version} --hash=sha256:{sha256}"
                )
            return True
        sha256_allowed = {d.lower() for d in request.allowed_hashes.get("sha256", ())}
        return sha256 is not None and sha256 in sha256_allowed

    def prepare(self, request: WheelRequest) -> PreparedWheel:
        link = request.link
        if not is_wheel(link) and self.build_sdist is None:
            raise PipcompatError(
                f"{request.name} {request.version} has no wheel for this environment, and building from "
                "source is not available yet",
                hint=f"the only file is {link.filename}; install a wheel of it, or use pip for now",
            )
        sha256 = _known_sha256(link, self.cache)
        usable = self.check_request(request, sha256)
        if usable and sha256 is not None:
            with self.local_work:
                hit = _cached(sha256, self.cache)
            if hit is not None:
                return PreparedWheel(request, hit, sha256, downloaded=False, size=link.size)
        # Made only when the file is written to disk: a wheel up to IN_MEMORY bytes is unpacked from memory.
        temp = self.incoming / f"dl-{secrets.token_hex(8)}"
        try:
            fetch = getattr(self.downloader, "fetch_file", None)
            if fetch is not None and is_wheel(link):
                fetched: bytes | Path = fetch(link, temp, memory_limit=IN_MEMORY)
            else:
                fetched = self.downloader.download(link, temp)
            wheel: Wheel = WheelBytes(link.filename, fetched) if isinstance(fetched, bytes) else fetched
            digests = _verified_digests(link, request, self.downloader)
            if digests is None:
                digests = _digests(wheel, list(request.allowed_hashes))
            got = digests["sha256"]
            if request.allowed_hashes and not _matches(request.allowed_hashes, digests):
                raise _mismatch(request, digests)
            if request.require_hashes and not request.allowed_hashes:
                raise _missing(request, got)
            if isinstance(wheel, WheelBytes):
                size = len(wheel.data)
                with self.local_work:
                    unpacked = unpack_wheel(wheel, self.cache, sha256=got)
                _remember_url(link, got, self.cache)
            elif not is_wheel(link) and self.build_sdist is not None:
                size = wheel.stat().st_size
                built = self.build_sdist(request, wheel, got)
                got = file_sha256(built)
                with self.local_work:
                    unpacked = unpack_wheel(built, self.cache, sha256=got)
            else:
                size = wheel.stat().st_size
                with self.local_work:
                    unpacked = unpack_wheel(wheel, self.cache, sha256=got)
                _remember_url(link, got, self.cache)
        finally:
            if temp.exists():
                shutil.rmtree(temp, ignore_errors=True)
        if self.on_downloaded is not None:
            self.on_downloaded(request)
        return PreparedWheel(request, unpacked, got, downloaded=True, size=size)


def _caller(
    callback: Callable[[WheelRequest], None], request: WheelRequest
) -> Callable[[Future[PreparedWheel]], None]:
    return lambda _future: callback(request)


def _then(
    prepare: Callable[[WheelRequest], PreparedWheel], ready: Callable[[PreparedWheel], None]
) -> Callable[[WheelRequest], PreparedWheel]:
    def work(request: WheelRequest) -> PreparedWheel:
        prepared = prepare(request)
        ready(prepared)
        return prepared

    return work


def prepare_wheels(
    requests: Sequence[WheelRequest],
    *,
    downloader: Downloader,
    cache: Cache,
    workers: int = 8,
    on_downloaded: Callable[[WheelRequest], None] | None = None,
    build_sdist: BuildSdist | None = None,
    on_done: Callable[[WheelRequest], None] | None = None,
    on_ready: Callable[[PreparedWheel], None] | None = None,
) -> list[PreparedWheel]:
    """Make every wheel of *requests* ready in the cache (in order); nothing is installed here.

    A request for an sdist is downloaded and hash-checked like a wheel, then handed to *build_sdist*
    (``(request, sdist path, sdist sha256) -> wheel path``, e.g. :mod:`pipcompat.dist.build`); without it
    an sdist is an error.

    *on_done* is called (from a worker thread) as each request finishes, whatever the outcome: progress.
    *on_ready* is called (from the worker thread) with each wheel as soon as it is ready in the cache, so
    that it can be installed while the others download; an error it raises fails that request.

    Raises :class:`HashCheckError` with every hash problem, or the first other error (a download that
    failed, a wheel that is not valid) after the other downloads have stopped.
    """
    if not requests:
        return []
    preparer = _Preparer(downloader, cache, on_downloaded, build_sdist)
    work: Callable[[WheelRequest], PreparedWheel] = preparer.prepare
    if on_ready is not None:
        work = _then(preparer.prepare, on_ready)
    problems: list[tuple[str, str]] = []
    failure: BaseException | None = None
    results: list[PreparedWheel | None] = [None] * len(requests)
    # The biggest files first (their sizes are on the index's page): a 50 MB wheel started last would
    # download and unpack alone at the end while every other worker sits idle. Wheels unpacked in the
    # cache already go before those to download (they are ready in milliseconds), the most files first
    # (their manifest is the biggest): the wheel with most files takes longest to link.
    sizes = [_cached_manifest_size(r.link, cache) for r in requests]
    order = sorted(
        range(len(requests)),
        key=lambda i: (sizes[i] is None, -(sizes[i] or 0), -(requests[i].link.size or 0)),
    )
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(requests)))) as pool:
        submitted = {i: pool.submit(work, requests[i]) for i in order}
        futures = [submitted[i] for i in range(len(requests))]
        if on_done is not None:
            for request, future in zip(requests, futures, strict=True):
                future.add_done_callback(_caller(on_done, request))
        try:
            for index, future in enumerate(futures):
                try:
                    results[index] = future.result()
                except _HashProblem as problem:
                    problems.append((problem.head, problem.body))
                except Exception as error:
                    if failure is None:
                        failure = error
                        for other in futures:
                            other.cancel()
        except BaseException:
            for other in futures:
                other.cancel()
            raise
    if problems:
        raise HashCheckError(problems)
    if failure is not None:
        raise failure
    return [r for r in results if r is not None]


def clean_incoming(cache: Cache) -> None:
    """Remove downloads left behind by processes that were killed (older than a day)."""
    import time

    incoming = cache.bucket("archives") / ".incoming"
    try:
        entries = list(incoming.iterdir())
    except OSError:
        return
    limit = time.time() - 86400
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)


__all__ = [
    "HASH_MISMATCH",
    "HASH_MISSING",
    "HASH_UNPINNED",
    "BuildSdist",
    "Downloader",
    "HashCheckError",
    "PreparedWheel",
    "WheelRequest",
    "clean_incoming",
    "is_wheel",
    "prepare_wheels",
]


class EntryPrecheck:
    """Cache entries checked in a separate interpreter while this process does other work (resolving).

    An install of thousands of cached files spends a tenth of a second or more in ``lstat`` calls before it
    may link them; *roots* (the entries an earlier install of the same requirements used) are checked by
    :mod:`pipcompat.dist.entry_check` run as a script by this interpreter, on another CPU, without taking
    turns of this process's interpreter lock. :meth:`collect` hands the entries found whole to
    :func:`~pipcompat.dist.unpack.accept_checked`; the others, and any entry not among *roots*, are
    checked as usual when used. Nothing is lost when the helper cannot start, fails or is late: only
    its complete, well-formed answers are taken.
    """

    #: Above this many entries the roots would not fit one command line comfortably: no precheck.
    MAX_ROOTS = 4000

    def __init__(self, roots: Sequence[Path], *, recalled: bytes | None = None) -> None:
        import subprocess
        import sys

        from pipcompat.dist import entry_check

        self.roots = [os.fspath(r) for r in roots]
        self.recalled = recalled
        """The note the roots came from (the caller's: it keeps the note only when it changes)."""
        self._process: subprocess.Popen[bytes] | None = None
        if not self.roots or len(self.roots) > self.MAX_ROOTS or not sys.executable:
            return
        script = entry_check.__file__
        with contextlib.suppress(OSError, ValueError):
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", script, *self.roots],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )

    def collect(self, timeout: float = 0.25) -> int:
        """Accept the entries the helper found whole; returns how many. The helper gets *timeout* more
        seconds when it has not finished (it has had the whole resolve); then it is stopped and the
        answers it gave so far are taken (each one is a complete line)."""
        import subprocess

        from pipcompat.dist.unpack import accept_checked

        process, self._process = self._process, None
        if process is None:
            return 0
        try:
            out, _err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _err = process.communicate()
        whole = whole_entries(out, self.roots)
        accept_checked(whole)
        return len(whole)

    def __enter__(self) -> EntryPrecheck:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper if it is still running (the install ended another way)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()


def whole_entries(output: bytes, roots: Sequence[str]) -> list[Path]:
    """The entries of *roots* that :mod:`pipcompat.dist.entry_check`'s *output* reports whole: one JSON
    line ``[root, null]`` each; an unfinished last line and anything not well formed say nothing."""
    asked = set(roots)
    whole: list[Path] = []
    for line in output.decode("utf-8", "surrogateescape").split("\n")[:-1]:
        try:
            root, problem = json.loads(line)
        except (ValueError, TypeError):
            continue
        if problem is None and isinstance(root, str) and root in asked:
            whole.append(Path(root))
    return whole
