"""pip requirement files, read exactly as pip 26.3 reads them.

A file is read line by line: lines ending in ``\\`` are joined to the next (keeping the first line's
number), comments (``#`` at the start of a line or after whitespace) and blank lines are dropped, and
``${NAME}`` variables are expanded. What remains is a requirement followed by options, or options alone.
``-r``/``-c`` lines pull another file in at that point; the other option lines change the file-level
options (indexes, find-links, binary/source choices, pre-releases, hashes, trusted hosts, features) the way
pip changes its finder and command options; requirement lines become :class:`ParsedRequirement` values.

Everything is returned as plain frozen data with the ``file:line`` it came from. Nothing is printed: what pip
would log as a warning is returned in :attr:`ParseResult.warnings`, and what pip would refuse raises
:class:`~pipcompat.errors.RequirementsFileError` naming the file, the line and the offending text.
URLs other than ``file:`` are read through the ``fetch_url`` callable the caller passes in.
"""

from __future__ import annotations

import codecs
import locale
import os
import re
import shlex
import sys
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from pipcompat.errors import RequirementsFileError
from pipcompat.models import SourceLocation, allowed_formats, allows_prereleases, apply_name_set
from pipcompat.requirements._forms import (
    VCS_SCHEMES,
    InvalidRequirementText,
    RequirementForm,
    classify,
)
from pipcompat.requirements._options import OptionSyntaxError, OptionUse, scan_options

__all__ = [
    "DEFAULT_INDEX_URL",
    "FetchUrl",
    "FileOptions",
    "ParseResult",
    "ParseWarning",
    "ParsedRequirement",
    "RequirementForm",
    "parse_requirements_file",
    "parse_requirements_files",
]

#: Reads the text of an ``http:``/``https:`` URL. It should decode the body as pip does (the charset of
#: the Content-Type header; ISO-8859-1 for ``text/*`` without one; UTF-8 otherwise) and raise
#: :class:`OSError` (``requests``' errors are ``OSError`` subclasses) or a ``PipcompatError`` on failure.
FetchUrl = Callable[[str], str]

#: The index pip uses when no ``--index-url`` is given.
DEFAULT_INDEX_URL = "https://pypi.org/simple"

# A parent file whose name matches this is a URL, and the files it includes are joined to it as URLs.
_URL_FILENAME = re.compile(r"^(http|https|file):", re.IGNORECASE)
# A comment starts at a "#" that begins the line or follows whitespace.
_COMMENT = re.compile(r"(^|\s)#")
# A line that is only a comment (possibly indented) never continues onto the next line.
_COMMENT_LINE = re.compile(r"\s*#")
# ${NAME}, NAME being upper-case letters, digits and underscores (POSIX environment names).
_ENV_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")
# A PEP 263 style declaration on one of the first two lines.
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")

# Byte-order marks, longest first where one is a prefix of another (UTF-16-LE's is UTF-32-LE's prefix).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)


# --------------------------------------------------------------------------------------------------------
# The values this module returns


@dataclass(frozen=True, kw_only=True)
class ParsedRequirement:
    """One requirement line of a requirement file.

    ``text`` is the requirement exactly as pip hands it on (after continuation joining, comment removal
    and variable expansion, without the options). The classification fields (``form``, ``name``,
    ``extras``, ``specifier``, ``url``, ``path``, ``markers``) say what the text is without looking
    anything up; relative paths are left as written. pip resolves them against the *working directory*,
    not against the file; ``base_dir`` (the directory, or URL, of the file the line is in) is kept for
    messages and for tools that want file-relative paths.
    """

    text: str
    form: RequirementForm
    location: SourceLocation
    comes_from: str
    base_dir: str
    is_editable: bool = False
    is_constraint: bool = False
    name: str | None = None
    extras: tuple[str, ...] = ()
    specifier: str = ""
    url: str | None = None
    path: str | None = None
    markers: str | None = None
    hashes: tuple[str, ...] = ()
    config_settings: tuple[tuple[str, str], ...] = ()

    @property
    def line_number(self) -> int:
        return self.location.line or 0

    @property
    def line_source(self) -> str:
        """How pip names the line in its messages: ``line 3 of requirements.txt``."""
        return f"line {self.location.line} of {self.location.path}"

    @property
    def is_vcs(self) -> bool:
        return self.url is not None and urllib.parse.urlsplit(self.url).scheme in VCS_SCHEMES

    @property
    def hash_options(self) -> dict[str, list[str]]:
        """The ``--hash`` values grouped by algorithm, in the order given (pip's ``hash_options``)."""
        grouped: dict[str, list[str]] = {}
        for spelled in self.hashes:
            algorithm, _, digest = spelled.partition(":")
            grouped.setdefault(algorithm, []).append(digest)
        return grouped

    @property
    def config_settings_dict(self) -> dict[str, str | list[str]]:
        """The ``--config-settings`` values as pip passes them on: a repeated key becomes a list."""
        merged: dict[str, str | list[str]] = {}
        for key, value in self.config_settings:
            if key not in merged:
                merged[key] = value
                continue
            existing = merged[key]
            if isinstance(existing, list):
                existing.append(value)
            else:
                merged[key] = [existing, value]
        return merged


@dataclass(frozen=True)
class FileOptions:
    """The file-level options in effect, merged line by line as pip merges them.

    Start from the command line's options (``options=`` of the parse functions), or from nothing. The
    rules are pip's: ``--index-url`` replaces the index and drops the extra indexes named before it;
    ``--no-index`` drops them all for good; only the first ``-f`` of a line counts, and a relative one is
    made absolute when it exists next to the file; ``--no-binary``/``--only-binary`` and
    ``--all-releases``/``--only-final`` exclude each other (``:all:`` and ``:none:`` included) and apply
    even from requirement lines, as do ``--use-feature`` values; ``--pre`` means ``--all-releases :all:``.
    ``index_url=None`` means the default index.
    """

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    find_links: tuple[str, ...] = ()
    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    prefer_binary: bool = False
    pre: bool = False
    all_releases: frozenset[str] = frozenset()
    only_final: frozenset[str] = frozenset()
    require_hashes: bool = False
    no_require_hashes: bool = False
    trusted_hosts: tuple[str, ...] = ()
    features_enabled: tuple[str, ...] = ()

    def index_urls(self, default_index_url: str = DEFAULT_INDEX_URL) -> tuple[str, ...]:
        """The indexes to search, in order (none with ``--no-index``)."""
        if self.no_index:
            return ()
        return (self.index_url or default_index_url, *self.extra_index_urls)

    def allowed_formats(self, project: str) -> frozenset[str]:
        """Which of ``binary`` and ``source`` may be used for ``project`` (pip's format control)."""
        return allowed_formats(
            canonicalize_name(project), only_binary=self.only_binary, no_binary=self.no_binary
        )

    def allows_prereleases(self, project: str) -> bool | None:
        """True/False when the options decide pre-releases for ``project``, None when they do not."""
        return allows_prereleases(
            canonicalize_name(project), all_releases=self.all_releases, only_final=self.only_final
        )


@dataclass(frozen=True)
class ParseWarning:
    """Something pip would log as a warning while reading the files."""

    message: str
    location: SourceLocation | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location is not None else self.message


@dataclass(frozen=True)
class ParseResult:
    """Requirements in file order (included files in place), the merged options, the files read."""

    requirements: tuple[ParsedRequirement, ...]
    options: FileOptions
    files: tuple[str, ...] = ()
    warnings: tuple[ParseWarning, ...] = ()


# --------------------------------------------------------------------------------------------------------
# Lines


def _decode_local(data: bytes, filename: str, warnings: list[ParseWarning]) -> str:
    """Decode a local requirement file: a byte-order mark, else a PEP 263 line, else UTF-8, else locale."""
    where = SourceLocation(filename)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise RequirementsFileError(
                    f"cannot decode the file as {encoding}: {exc}", location=where
                ) from None
    for head in data.split(b"\n")[:2]:
        if head.startswith(b"#"):
            declared = _CODING.search(head)
            if declared is not None:
                encoding = declared.group(1).decode("ascii")
                try:
                    return data.decode(encoding)
                except LookupError:
                    raise RequirementsFileError(
                        f"unknown encoding {encoding!r} declared", location=where
                    ) from None
                except UnicodeDecodeError as exc:
                    raise RequirementsFileError(
                        f"cannot decode the file as its declared {encoding}: {exc}", location=where
                    ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if sys.version_info >= (3, 11):
        fallback = locale.getencoding()
    else:
        fallback = locale.getpreferredencoding(False)
    fallback = fallback or sys.getdefaultencoding()
    warnings.append(
        ParseWarning(
            f"the file is not valid UTF-8; decoding it as {fallback}, the locale's encoding "
            f"(declare the encoding with a PEP 263 comment, e.g. '# -*- coding: {fallback} -*-')",
            where,
        )
    )
    try:
        return data.decode(fallback)
    except (UnicodeDecodeError, LookupError) as exc:
        raise RequirementsFileError(f"cannot decode the file as {fallback}: {exc}", location=where) from None


def _physical_to_logical(content: str) -> Iterator[tuple[int, str]]:
    """Join continued lines (a trailing backslash), keeping the number of each logical line's first line.

    Backslashes are stripped from both ends of a continued line. A comment line ends a continuation (it is
    appended, and later removed as a comment); a line that ends the file with a backslash still counts.
    """
    parts: list[str] = []
    first = 0
    for number, line in enumerate(content.splitlines(), start=1):
        is_comment = _COMMENT_LINE.match(line) is not None
        if line.endswith("\\") and not is_comment:
            if not parts:
                first = number
            parts.append(line.strip("\\"))
            continue
        # A space before a comment line that ends a continuation keeps it a comment once joined.
        text = " " + line if is_comment else line
        if parts:
            parts.append(text)
            yield first, "".join(parts)
            parts = []
        else:
            yield number, text
    if parts:
        yield first, "".join(parts)


def _without_comment(line: str) -> str:
    match = _COMMENT.search(line)
    return (line if match is None else line[: match.start()]).strip()


def logical_lines(content: str) -> Iterator[tuple[int, str]]:
    """The numbered, non-blank lines of ``content`` with continuations joined and comments removed."""
    for number, line in _physical_to_logical(content):
        text = _without_comment(line)
        if text:
            yield number, text


def expand_variables(line: str, environ: Mapping[str, str]) -> str:
    """Replace each ``${NAME}`` whose variable is set and not empty; leave the others as written."""
    for found in list(_ENV_VARIABLE.finditer(line)):
        value = environ.get(found.group(1))
        if value:
            line = line.replace(found.group(0), value)
    return line


def split_requirement_and_options(line: str) -> tuple[str, str]:
    """Split at the first space-separated word that starts with ``-``: (requirement, options).

    Only spaces separate words here (not tabs), and the requirement part is kept verbatim: markers may
    contain quotes that shell-style splitting would eat.
    """
    words = line.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]), " ".join(words[index:])
    return line, ""


@dataclass
class _LineOptions:
    """The options of one line, collected in order."""

    editables: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    no_index: bool = False
    find_links: list[str] = field(default_factory=list)
    prefer_binary: bool = False
    require_hashes: bool = False
    no_require_hashes: bool = False
    pre: bool = False
    trusted_hosts: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    config_settings: list[tuple[str, str]] = field(default_factory=list)
    # (key, value) for --no-binary/--only-binary/--all-releases/--only-final, in order.
    choices: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def collect(cls, uses: Iterable[OptionUse]) -> _LineOptions:
        opts = cls()
        lists: dict[str, list[str]] = {
            "editable": opts.editables,
            "requirement": opts.requirements,
            "constraint": opts.constraints,
            "extra_index_url": opts.extra_index_urls,
            "find_links": opts.find_links,
            "trusted_host": opts.trusted_hosts,
            "use_feature": opts.features,
            "hash": opts.hashes,
        }
        for use in uses:
            value = use.value if use.value is not None else ""
            if use.key in lists:
                lists[use.key].append(value)
            elif use.key == "index_url":
                opts.index_url = value
            elif use.key == "config_settings":
                key, _, setting = value.partition("=")
                opts.config_settings.append((key, setting))
            elif use.key in ("no_binary", "only_binary", "all_releases", "only_final"):
                opts.choices.append((use.key, value))
            else:
                setattr(opts, use.key, True)
        return opts


# --------------------------------------------------------------------------------------------------------
# Merging file-level options


def _host_origin(host: str) -> tuple[str | None, int | None]:
    """(host, port) of a ``--trusted-host`` value, as pip compares them."""
    netloc = host
    if host.count(":") >= 2 and "@" not in host and "[" not in host:
        netloc = f"[{host}]"  # a bare IPv6 address
    parsed = urllib.parse.urlparse(f"https://{netloc}")
    return parsed.hostname, parsed.port


class _OptionsState:
    """The mutable counterpart of :class:`FileOptions` while files are read."""

    def __init__(self, start: FileOptions) -> None:
        self.index_url = start.index_url
        self.extra_index_urls = list(start.extra_index_urls)
        self.no_index = start.no_index
        self.find_links = list(start.find_links)
        self.no_binary = set(start.no_binary)
        self.only_binary = set(start.only_binary)
        self.prefer_binary = start.prefer_binary
        self.pre = start.pre
        self.all_releases = set(start.all_releases)
        self.only_final = set(start.only_final)
        self.require_hashes = start.require_hashes
        self.no_require_hashes = start.no_require_hashes
        self.trusted_hosts = list(start.trusted_hosts)
        self.features = list(start.features_enabled)
        self._origins: set[tuple[str | None, int | None]] = set()
        for host in start.trusted_hosts:
            try:
                self._origins.add(_host_origin(host))
            except ValueError:
                continue

    def freeze(self) -> FileOptions:
        return FileOptions(
            index_url=self.index_url,
            extra_index_urls=tuple(self.extra_index_urls),
            no_index=self.no_index,
            find_links=tuple(self.find_links),
            no_binary=frozenset(self.no_binary),
            only_binary=frozenset(self.only_binary),
            prefer_binary=self.prefer_binary,
            pre=self.pre,
            all_releases=frozenset(self.all_releases),
            only_final=frozenset(self.only_final),
            require_hashes=self.require_hashes,
            no_require_hashes=self.no_require_hashes,
            trusted_hosts=tuple(self.trusted_hosts),
            features_enabled=tuple(self.features),
        )

    def apply_any_line(self, opts: _LineOptions) -> None:
        """Effects pip applies while reading the options of *any* line, requirement lines included."""
        for key, value in opts.choices:
            if key == "no_binary":
                apply_name_set(value, self.no_binary, self.only_binary)
            elif key == "only_binary":
                apply_name_set(value, self.only_binary, self.no_binary)
            elif key == "all_releases":
                apply_name_set(value, self.all_releases, self.only_final)
            else:
                apply_name_set(value, self.only_final, self.all_releases)
        for feature in opts.features:
            if feature not in self.features:
                self.features.append(feature)

    def apply_option_line(
        self, opts: _LineOptions, filename: str, location: SourceLocation, line: str
    ) -> None:
        """Effects of a line that has options and no requirement (and includes no file)."""
        if opts.require_hashes:
            self.require_hashes = True
        if opts.no_require_hashes:
            self.no_require_hashes = True
        if opts.no_index:
            self.no_index = True
            self.index_url = None
            self.extra_index_urls = []
        if opts.index_url and not self.no_index:
            self.index_url = opts.index_url
            self.extra_index_urls = []
        if opts.extra_index_urls and not self.no_index:
            self.extra_index_urls.extend(opts.extra_index_urls)
        if opts.find_links:
            value = opts.find_links[0]
            beside_file = os.path.join(os.path.dirname(os.path.abspath(filename)), value)
            self.find_links.append(beside_file if os.path.exists(beside_file) else value)
        if opts.pre:
            self.pre = True
            self.all_releases.add(":all:")
        if opts.prefer_binary:
            self.prefer_binary = True
        for host in opts.trusted_hosts:
            try:
                origin = _host_origin(host)
            except ValueError as exc:
                raise RequirementsFileError(
                    f"invalid --trusted-host {host!r}: {exc}", location=location, text=line
                ) from None
            if origin[0] is None:
                raise RequirementsFileError(
                    f"invalid --trusted-host {host!r}: it must include a host part",
                    location=location,
                    text=line,
                )
            if origin not in self._origins:
                self._origins.add(origin)
                self.trusted_hosts.append(host)


# --------------------------------------------------------------------------------------------------------
# Reading files


def _file_url_to_path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if netloc in ("", "localhost"):
        netloc = ""
    elif os.name == "nt":
        netloc = "\\\\" + netloc
    else:
        raise ValueError(f"non-local file URLs are not supported on this platform: {url!r}")
    path = urllib.parse.unquote(netloc + parts.path)
    if os.name == "nt":
        if not netloc and len(path) >= 3 and path[0] == "/" and path[1].isalpha() and path[2] == ":":
            path = path[1:]
        path = path.replace("/", "\\")
    return path


def _url_directory(filename: str) -> str:
    if _URL_FILENAME.match(filename):
        return urllib.parse.urljoin(filename, ".")
    return os.path.dirname(os.path.abspath(filename))


class _Reader:
    def __init__(self, environ: Mapping[str, str], fetch_url: FetchUrl | None, start: FileOptions) -> None:
        self._environ = environ
        self._fetch_url = fetch_url
        self.state = _OptionsState(start)
        self.requirements: list[ParsedRequirement] = []
        self.warnings: list[ParseWarning] = []
        self.files: list[str] = []

    def read_top(self, filename: str, constraint: bool) -> None:
        key = filename if _URL_FILENAME.match(filename) else os.path.abspath(filename)
        self._read(filename, constraint, None, (key,))

    def _load(self, filename: str, constraint: bool, included_at: SourceLocation | None) -> str:
        kind = "constraints" if constraint else "requirements"
        try:
            scheme = urllib.parse.urlsplit(filename).scheme
        except ValueError:
            scheme = ""
        if scheme in ("http", "https"):
            if self._fetch_url is None:
                raise RequirementsFileError(
                    f"cannot read {kind} file {filename}: reading URLs is not available here",
                    location=included_at,
                )
            try:
                return self._fetch_url(filename)
            except OSError as exc:
                raise RequirementsFileError(
                    f"could not fetch {kind} file {filename}: {exc}", location=included_at
                ) from None
        if scheme == "file":
            try:
                path = _file_url_to_path(filename)
            except ValueError as exc:
                raise RequirementsFileError(
                    f"could not open {kind} file: {exc}", location=included_at
                ) from None
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                raise RequirementsFileError(
                    f"could not open {kind} file {filename}: {exc.strerror or exc}", location=included_at
                ) from None
            # pip reads file: URLs through its HTTP session, which decodes them as UTF-8 (bad bytes
            # replaced) and keeps any byte-order mark.
            return data.decode("utf-8", errors="replace")
        try:
            with open(filename, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise RequirementsFileError(
                f"could not open {kind} file {filename}: {exc.strerror or exc}", location=included_at
            ) from None
        return _decode_local(data, filename, self.warnings)

    def _read(
        self, filename: str, constraint: bool, included_at: SourceLocation | None, chain: tuple[str, ...]
    ) -> None:
        content = self._load(filename, constraint, included_at)
        self.files.append(filename)
        for number, line in logical_lines(content):
            self._line(filename, number, line, constraint, chain)

    def _line(self, filename: str, number: int, line: str, constraint: bool, chain: tuple[str, ...]) -> None:
        location = SourceLocation(filename, number)
        line = expand_variables(line, self._environ)
        requirement_text, options_text = split_requirement_and_options(line)
        try:
            words = shlex.split(options_text)
        except ValueError as exc:
            raise RequirementsFileError(
                f"could not split the options {options_text!r}: {exc}", location=location, text=line
            ) from None
        try:
            opts = _LineOptions.collect(scan_options(words))
        except OptionSyntaxError as exc:
            raise RequirementsFileError(exc.message, location=location, text=line) from None
        self.state.apply_any_line(opts)

        requirement: str | None = requirement_text
        if not requirement:
            requirement = opts.editables[0] if opts.editables else None
        if requirement is not None:
            self._requirement(requirement, opts, location=location, line=line, constraint=constraint)
        elif opts.requirements or opts.constraints:
            if opts.requirements:
                target, nested_constraint = opts.requirements[0], False
            else:
                target, nested_constraint = opts.constraints[0], True
            if _URL_FILENAME.match(filename):
                target = urllib.parse.urljoin(filename, target)
            elif not _URL_FILENAME.match(target):
                target = os.path.abspath(os.path.join(os.path.dirname(filename), target))
            if target in chain:
                cycle = " -> ".join((*chain[chain.index(target) :], target))
                raise RequirementsFileError(
                    f"requirement file {target} includes itself ({cycle})", location=location, text=line
                )
            self._read(target, nested_constraint, location, (*chain, target))
        else:
            if opts.hashes:
                self.warnings.append(
                    ParseWarning("--hash on a line without a requirement is ignored", location)
                )
            self.state.apply_option_line(opts, filename, location, line)

    def _requirement(
        self, text: str, opts: _LineOptions, *, location: SourceLocation, line: str, constraint: bool
    ) -> None:
        filename = location.path
        editable = bool(opts.editables)
        try:
            shape = classify(text, editable=editable, constraint=constraint)
        except InvalidRequirementText as exc:
            raise RequirementsFileError(exc.message, location=location, text=line, hint=exc.hint) from None
        self.requirements.append(
            ParsedRequirement(
                text=text,
                form=shape.form,
                location=location,
                comes_from=f"{'-c' if constraint else '-r'} {filename} (line {location.line})",
                base_dir=_url_directory(filename),
                is_editable=editable,
                is_constraint=constraint,
                name=shape.name,
                extras=shape.extras,
                specifier=shape.specifier,
                url=shape.url,
                path=shape.path,
                markers=shape.markers,
                hashes=() if editable else tuple(opts.hashes),
                config_settings=tuple(opts.config_settings),
            )
        )


# --------------------------------------------------------------------------------------------------------
# Entry points


def parse_requirements_files(
    requirements: Sequence[str | os.PathLike[str]] = (),
    constraints: Sequence[str | os.PathLike[str]] = (),
    *,
    environ: Mapping[str, str] | None = None,
    fetch_url: FetchUrl | None = None,
    options: FileOptions | None = None,
) -> ParseResult:
    """Read files as ``-c`` and ``-r`` options on pip's command line would: constraints files first.

    ``options`` are the file-level options already in effect (from the command line); each file's
    options are merged onto them in reading order. ``environ`` (default ``os.environ``) expands
    ``${NAME}``; ``fetch_url`` reads ``http(s):`` URLs (``file:`` URLs are read directly).
    Raises :class:`~pipcompat.errors.RequirementsFileError` for anything pip would refuse.
    """
    reader = _Reader(os.environ if environ is None else environ, fetch_url, options or FileOptions())
    for name in constraints:
        reader.read_top(os.fspath(name), True)
    for name in requirements:
        reader.read_top(os.fspath(name), False)
    return ParseResult(
        requirements=tuple(reader.requirements),
        options=reader.state.freeze(),
        files=tuple(reader.files),
        warnings=tuple(reader.warnings),
    )


def parse_requirements_file(
    path: str | os.PathLike[str],
    *,
    constraint: bool = False,
    environ: Mapping[str, str] | None = None,
    fetch_url: FetchUrl | None = None,
    options: FileOptions | None = None,
) -> ParseResult:
    """Read one requirements file (or, with ``constraint=True``, one constraints file) and what it includes.

    See :func:`parse_requirements_files` for the keyword arguments.
    """
    if constraint:
        return parse_requirements_files((), (path,), environ=environ, fetch_url=fetch_url, options=options)
    return parse_requirements_files((path,), (), environ=environ, fetch_url=fetch_url, options=options)
