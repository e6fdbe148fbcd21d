"""The requirements.txt that ``pip-compile`` (pip-tools 7.6) writes, byte for byte, from a resolution.

Pure text: nothing here reads files or talks to an index. :func:`render_output` turns a list of
:class:`CompiledPin` values and an :class:`OutputOptions` into the lines pip-compile writes, with its
rules:

* a header of ``#`` comment lines naming the Python version and the command line as pip-compile rebuilds
  it (:func:`compile_command`: long option names, values that differ from the defaults, one-off options
  such as ``--upgrade`` left out, everything sorted, credentials in URLs hidden), or the value of
  ``CUSTOM_COMPILE_COMMAND``;
* the options block (``--index-url``/``--extra-index-url`` unless the first index is PyPI,
  ``--find-links``, ``--trusted-host``, ``--no-binary``/``--only-binary``), then a blank line;
* the pins, editables first then by name, each as ``name[extras]==version ; marker`` with
  ``--hash=`` continuation lines, and ``# via`` annotations in the ``split`` or ``line`` style (the
  requirement padded to 24 columns);
* the "unsafe" packages (pip, setuptools, distribute, or ``--unsafe-package``) in a section of their own,
  pinned with ``--allow-unsafe`` or listed as comments without it.
"""

from __future__ import annotations

import re
import shlex
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

__all__ = [
    "COMPILE_EXCLUDED_OPTIONS",
    "DEFAULT_INDEX_URL",
    "MESSAGE_UNHASHED_PACKAGE",
    "MESSAGE_UNINSTALLABLE",
    "MESSAGE_UNSAFE_PACKAGES",
    "MESSAGE_UNSAFE_PACKAGES_UNPINNED",
    "UNSAFE_PACKAGES",
    "CompiledPin",
    "OutputOptions",
    "RenderedOutput",
    "compile_command",
    "direct_reference",
    "has_credentials",
    "redact_url",
    "render_output",
    "strip_extras",
    "without_credentials",
]

#: The index pip-compile leaves out of the options block when it comes first.
DEFAULT_INDEX_URL = "https://pypi.org/simple"

#: Packages pip-compile leaves unpinned unless ``--allow-unsafe`` (replaced by ``--unsafe-package``).
UNSAFE_PACKAGES = frozenset({"setuptools", "distribute", "pip"})

MESSAGE_UNHASHED_PACKAGE = (
    "# WARNING: pip install will require the following package to be hashed."
    "\n# Consider using a hashable URL like "
    "https://github.com/jazzband/pip-tools/archive/SOMECOMMIT.zip"
)
MESSAGE_UNSAFE_PACKAGES_UNPINNED = (
    "# WARNING: The following packages were not pinned, but pip requires them to be"
    "\n# pinned when the requirements file includes hashes and the requirement is not"
    "\n# satisfied by a package already installed. "
    "Consider using the --allow-unsafe flag."
)
MESSAGE_UNSAFE_PACKAGES = "# The following packages are considered to be unsafe in a requirements file:"
#: Logged (stderr) after writing when a ``# WARNING`` line was written.
MESSAGE_UNINSTALLABLE = (
    "The generated requirements file may be rejected by pip install. See # WARNING lines for details."
)

#: Options pip-compile never repeats in the header: one-off or without effect on the result.
COMPILE_EXCLUDED_OPTIONS = frozenset(
    {
        "--dry-run",
        "--quiet",
        "--rebuild",
        "--upgrade",
        "--upgrade-package",
        "--verbose",
        "--cache-dir",
        "--no-reuse-hashes",
        "--no-config",
    }
)

#: The configuration files pip-compile finds by itself; naming one of them is not repeated in the header.
_DEFAULT_CONFIG_FILE_NAMES = frozenset({".pip-tools.toml", "pyproject.toml"})


class _Unset:
    """click's "no default" marker: never equal to a value, so a given value is always shown."""

    def __repr__(self) -> str:
        return "UNSET"


_UNSET = _Unset()


@dataclass(frozen=True)
class _HeaderParam:
    name: str
    long: str
    negative: str | None = None
    flag: bool = False
    default: object = _UNSET


# pip-compile 7.6.2's parameters as its header sees them: click's last option string (the long one), the
# last secondary string of a flag pair, whether it is a flag, and click's default. ``src_files`` (the
# arguments) and ``config`` are handled on their own. ``tests/unit/test_compile_output.py`` holds this
# table against pip-tools' own.
_HEADER_PARAMS: tuple[_HeaderParam, ...] = (
    _HeaderParam("color", "--color", "--no-color", True, None),
    _HeaderParam("verbose", "--verbose", None, False, 0),
    _HeaderParam("quiet", "--quiet", None, False, 0),
    _HeaderParam("dry_run", "--dry-run", None, True, False),
    _HeaderParam("pre", "--pre", None, True, None),
    _HeaderParam("rebuild", "--rebuild", None, True, False),
    _HeaderParam("extras", "--extra"),
    _HeaderParam("all_extras", "--all-extras", None, True, False),
    _HeaderParam("find_links", "--find-links"),
    _HeaderParam("index_url", "--index-url"),
    _HeaderParam("no_index", "--no-index", None, True, False),
    _HeaderParam("extra_index_url", "--extra-index-url"),
    _HeaderParam("cert", "--cert"),
    _HeaderParam("client_cert", "--client-cert"),
    _HeaderParam("trusted_host", "--trusted-host"),
    _HeaderParam("uploaded_prior_to", "--uploaded-prior-to", None, False, None),
    _HeaderParam("header", "--header", "--no-header", True, True),
    _HeaderParam("emit_trusted_host", "--emit-trusted-host", "--no-emit-trusted-host", True, True),
    _HeaderParam("annotate", "--annotate", "--no-annotate", True, True),
    _HeaderParam("annotation_style", "--annotation-style", None, False, "split"),
    _HeaderParam("upgrade", "--upgrade", "--no-upgrade", True, False),
    _HeaderParam("upgrade_packages", "--upgrade-package"),
    _HeaderParam("output_file", "--output-file", None, False, None),
    _HeaderParam("newline", "--newline", None, False, "preserve"),
    _HeaderParam("allow_unsafe", "--allow-unsafe", "--no-allow-unsafe", True, False),
    _HeaderParam("strip_extras", "--strip-extras", "--no-strip-extras", True, None),
    _HeaderParam("generate_hashes", "--generate-hashes", None, True, False),
    _HeaderParam("reuse_hashes", "--reuse-hashes", "--no-reuse-hashes", True, True),
    _HeaderParam("max_rounds", "--max-rounds", None, False, 10),
    _HeaderParam("build_isolation", "--build-isolation", "--no-build-isolation", True, True),
    _HeaderParam("emit_find_links", "--emit-find-links", "--no-emit-find-links", True, True),
    _HeaderParam("cache_dir", "--cache-dir"),
    _HeaderParam("pip_args_str", "--pip-args"),
    _HeaderParam("resolver_name", "--resolver", None, False, "backtracking"),
    _HeaderParam("emit_index_url", "--emit-index-url", "--no-emit-index-url", True, True),
    _HeaderParam("emit_options", "--emit-options", "--no-emit-options", True, True),
    _HeaderParam("unsafe_package", "--unsafe-package"),
    _HeaderParam("config", "--config"),
    _HeaderParam("no_config", "--no-config", None, True, False),
    _HeaderParam("constraint", "--constraint"),
    _HeaderParam("build_deps_targets", "--build-deps-for"),
    _HeaderParam("all_build_deps", "--all-build-deps", None, True, False),
    _HeaderParam("only_build_deps", "--only-build-deps", None, True, False),
    # pipcompat's own (uv's spellings); pip-compile has none of them, so its headers never show them.
    _HeaderParam("universal", "--universal", None, True, False),
    _HeaderParam("python_version", "--python-version", None, False, None),
    _HeaderParam("python_platform", "--python-platform", None, False, None),
    _HeaderParam("index_strategy", "--index-strategy", None, False, "unsafe-best-match"),
    _HeaderParam("resolution", "--resolution", None, False, "highest"),
)

# pip's ``is_url``: the schemes whose values are shown with credentials hidden.
_URL_SCHEMES = frozenset(
    {"http", "https", "file", "ftp"}
    | {f"bzr+{s}" for s in ("file", "ftp", "http", "https", "lp", "sftp", "ssh")}
    | {f"git+{s}" for s in ("file", "git", "http", "https", "ssh")}
    | {f"hg+{s}" for s in ("file", "http", "https", "ssh", "static-http")}
    | {f"svn+{s}" for s in ("file", "http", "https", "ssh", "svn")}
)


def _is_url(text: str) -> bool:
    try:
        scheme = urllib.parse.urlsplit(text).scheme
    except ValueError:
        return False
    return scheme.lower() in _URL_SCHEMES if scheme else False


def redact_url(url: str) -> str:
    """*url* with its password (or a lone token) replaced by ``****``, as pip shows URLs."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        auth, host = netloc.rsplit("@", 1)
        if ":" in auth:
            user = urllib.parse.quote(urllib.parse.unquote(auth.split(":", 1)[0]))
            netloc = f"{user}:****@{host}"
        else:
            netloc = f"****@{host}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def has_credentials(url: str) -> bool:
    """Whether *url* carries a user name, password or token."""
    return _is_url(url) and "@" in urllib.parse.urlsplit(url).netloc


def without_credentials(url: str) -> str:
    """*url* with its user name, password or token removed (``https://host/simple``), as written into an
    output file: a token never lands in a file meant to be committed; installers find the credentials in
    ``.netrc``, keyring or their own index settings."""
    if not has_credentials(url):
        return url
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def compile_command(
    values: Mapping[str, object],
    *,
    src_files: Sequence[str] = (),
    config_given: bool = False,
) -> str:
    """The command line pip-compile writes in its header for these parameter *values*.

    *values* are pip-compile's parameters by click name (as ``pipcompat pip compile`` settings hold
    them, whatever their source: command line, ``PIP_TOOLS_*`` or configuration file). *src_files* are
    the source files as given on the command line (none when pip-compile picked the default one).
    *config_given* says whether ``--config`` was spelled out (a file found by the lookup is not shown).
    """
    left: list[str] = []
    for param in _HEADER_PARAMS:
        if {param.long, param.negative} & COMPILE_EXCLUDED_OPTIONS:
            continue
        value = values.get(param.name)
        if param.name == "config":
            if not config_given or value is None or str(value) in _DEFAULT_CONFIG_FILE_NAMES:
                continue
            # pip-compile shows the file's name attribute: for a path, its last component.
            value = str(value).replace("\\", "/").rsplit("/", 1)[-1]
        if value is None:
            continue
        if param.default is not _UNSET and value == param.default:
            continue
        items: Iterable[object] = value if isinstance(value, (tuple, list)) else (value,)
        for item in items:
            if param.flag:
                if param.negative is not None:
                    left.append(shlex.quote(param.long if item else param.negative))
                else:
                    left.append(shlex.quote(param.long))
                continue
            shown = redact_url(item) if isinstance(item, str) and _is_url(item) else item
            if param.name == "pip_args_str":
                left.append(f"{param.long}={shown!r}")
            else:
                left.append(f"{param.long}={shlex.quote(str(shown))}")
    right: list[str] = []
    if any(name.startswith("-") and name != "-" for name in src_files):
        right.append("--")
    right.extend(shlex.quote(name) for name in src_files)
    return " ".join(["pip-compile", *sorted(left), *sorted(right)])


# --------------------------------------------------------------------------------------------------------
# Pins


@dataclass(frozen=True)
class CompiledPin:
    """One package of a compiled resolution, as the output file shows it.

    ``name`` is the canonical project name (``None`` only for an unnamed URL requirement). ``via`` holds
    the annotation sources exactly as written: ``-r requirements.in``, ``-c constraints.txt``, or the
    canonical names of the packages that depend on this one. ``hashes`` are ``algorithm:hexdigest``
    strings. ``marker`` is the PEP 508 marker of the top-level requirement, normalised
    (``python_version >= "3"``). ``url`` is set for direct references and editables: the URL as it is
    written (for an editable, as the user wrote it).
    """

    name: str | None
    version: str | None = None
    extras: frozenset[str] = frozenset()
    via: frozenset[str] = frozenset()
    hashes: frozenset[str] = frozenset()
    marker: str | None = None
    url: str | None = None
    editable: bool = False
    pin_operator: str = "=="

    @property
    def key(self) -> str:
        """pip-tools' sort key: the canonical name, or the URL of an unnamed requirement."""
        return canonicalize_name(self.name) if self.name else (self.url or "")


@dataclass(frozen=True)
class OutputOptions:
    """How pip-compile was asked to write the file, and the index options it repeats there."""

    header: bool = True
    command: str = "pip-compile"
    """The command line for the header (:func:`compile_command`, or ``CUSTOM_COMPILE_COMMAND``)."""
    python_version: tuple[int, int] = (3, 11)
    annotate: bool = True
    annotation_style: str = "split"
    strip_extras: bool = False
    allow_unsafe: bool = False
    unsafe_packages: frozenset[str] = UNSAFE_PACKAGES
    emit_options: bool = True
    emit_index_url: bool = True
    emit_find_links: bool = True
    emit_trusted_host: bool = True
    index_urls: tuple[str, ...] = ()
    """The indexes searched, in order (the first one is the ``--index-url``); empty with ``--no-index``."""
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_binary: frozenset[str] = field(default_factory=frozenset)
    only_binary: frozenset[str] = field(default_factory=frozenset)
    default_index_url: str = DEFAULT_INDEX_URL


@dataclass(frozen=True)
class RenderedOutput:
    """The lines of the file (without line endings) and whether a ``# WARNING`` line is among them."""

    lines: tuple[str, ...]
    uninstallable: bool = False

    def text(self, linesep: str = "\n") -> str:
        return "".join(line.replace("\n", linesep) + linesep for line in self.lines)


_STRIP_EXTRAS = re.compile(r"\[.+?\]")


def strip_extras(text: str) -> str:
    """*text* without its ``[extras]`` parts, as pip-compile strips them: ``pytest[testing]`` → ``pytest``."""
    return _STRIP_EXTRAS.sub("", text)


def _dedup(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def direct_reference(name: str | None, extras: Iterable[str], url: str) -> str:
    """A direct URL requirement as pip-compile writes it: ``name[extras] @ url#fragments``.

    The URL is written as is when there is no name or when it is a relative ``file:`` URL; otherwise the
    fragment keeps only ``subdirectory=`` and the archive hash (``egg=`` is dropped).
    """
    if not name:
        return url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file" and not urllib.parse.unquote(parts.path).startswith("/"):
        return url
    without_fragment = urllib.parse.urlunsplit((*parts[:4], ""))
    fragment = urllib.parse.parse_qs(parts.fragment)
    fragments: list[str] = []
    subdirectory = fragment.get("subdirectory")
    if subdirectory:
        fragments.append(f"subdirectory={subdirectory[0]}")
    for algorithm in ("sha1", "sha224", "sha384", "sha256", "sha512", "md5"):
        if algorithm in fragment:
            fragments.append(f"{algorithm}={fragment[algorithm][0]}")
            break
    extras_part = f"[{','.join(sorted(extras))}]" if extras else ""
    reference = f"{canonicalize_name(name)}{extras_part} @ {without_fragment}"
    return f"{reference}#{'&'.join(fragments)}" if fragments else reference


def _requirement_text(pin: CompiledPin) -> str:
    if pin.editable:
        line = f"-e {pin.url}"
    elif pin.url is not None:
        line = direct_reference(pin.name, pin.extras, pin.url)
    else:
        extras = f"[{','.join(sorted(pin.extras))}]" if pin.extras else ""
        line = f"{canonicalize_name(pin.name or '')}{extras}{pin.pin_operator}{pin.version}"
    if pin.marker:
        line = f"{line} ; {pin.marker}"
    for digest in sorted(pin.hashes):
        line += f" \\\n    --hash={digest}"
    return line


def _annotation(via: Iterable[str], style: str) -> str:
    sources = sorted(via)
    if style == "line":
        return f"# via {', '.join(sources)}"
    if len(sources) == 1:
        return f"# via {sources[0]}"
    return "\n".join(["# via", *(f"    #   {source}" for source in sources)])


def _format_pin(pin: CompiledPin, options: OutputOptions) -> str:
    line = _requirement_text(pin)
    if options.strip_extras:
        line = strip_extras(line)
    if not options.annotate or not pin.via:
        return line
    annotation = _annotation(pin.via, options.annotation_style)
    separator = "  " if options.annotation_style == "line" and not pin.hashes else "\n    "
    if options.strip_extras:
        annotation = strip_extras(annotation)
    joined = f"{line:24}{separator}{annotation}"
    return "\n".join(part.rstrip() for part in joined.splitlines())


def _header(options: OutputOptions) -> Iterator[str]:
    if not options.header:
        return
    major, minor = options.python_version
    yield "#"
    yield f"# This file is autogenerated by pip-compile with Python {major}.{minor}"
    yield "# by the following command:"
    yield "#"
    yield f"#    {options.command}"
    yield "#"


def _flags(options: OutputOptions) -> Iterator[str]:
    if not options.emit_options:
        return
    lines: list[str] = []
    if options.emit_index_url:
        for position, url in enumerate(_dedup(without_credentials(u) for u in options.index_urls)):
            if position == 0 and url.rstrip("/") == options.default_index_url:
                continue
            flag = "--index-url" if position == 0 else "--extra-index-url"
            lines.append(f"{flag} {url}")
    if options.emit_find_links:
        links = _dedup(without_credentials(u) for u in options.find_links)
        lines += [f"--find-links {link}" for link in links]
    if options.emit_trusted_host:
        lines += [f"--trusted-host {host}" for host in _dedup(options.trusted_hosts)]
    no_binary, only_binary = set(options.no_binary), set(options.only_binary)
    if ":all:" in no_binary:
        lines.append("--no-binary :all:")
        no_binary.discard(":all:")
    if ":all:" in only_binary:
        lines.append("--only-binary :all:")
        only_binary.discard(":all:")
    lines += [f"--no-binary {name}" for name in sorted(no_binary)]
    lines += [f"--only-binary {name}" for name in sorted(only_binary)]
    if lines:
        yield from lines
        yield ""


def render_output(pins: Iterable[CompiledPin], options: OutputOptions) -> RenderedOutput:
    """The lines pip-compile writes for *pins* (every package of the resolution, unsafe ones included).

    A line may hold embedded newlines (hash continuations, split annotations) exactly as pip-compile
    writes it; :meth:`RenderedOutput.text` joins them with the chosen line ending.
    """
    pins = list(pins)
    unsafe_names = frozenset(canonicalize_name(name) for name in options.unsafe_packages)
    safe = [pin for pin in pins if not pin.name or canonicalize_name(pin.name) not in unsafe_names]
    unsafe = [pin for pin in pins if pin.name and canonicalize_name(pin.name) in unsafe_names]
    # pip-compile computes hashes only for what it pins: without --allow-unsafe, not for the unsafe ones.
    hashed = pins if options.allow_unsafe else safe
    has_hashes = any(pin.hashes for pin in hashed)

    def sort_key(pin: CompiledPin) -> tuple[bool, str]:
        return (not pin.editable, pin.key)

    lines: list[str] = [*_header(options), *_flags(options)]
    uninstallable = False
    for pin in sorted(safe, key=sort_key):
        if has_hashes and not pin.hashes:
            lines.append(MESSAGE_UNHASHED_PACKAGE)
            uninstallable = True
        lines.append(_format_pin(pin, options))
    if unsafe:
        lines.append("")
        if has_hashes and not options.allow_unsafe:
            lines.append(MESSAGE_UNSAFE_PACKAGES_UNPINNED)
            uninstallable = True
        else:
            lines.append(MESSAGE_UNSAFE_PACKAGES)
        for pin in sorted(unsafe, key=sort_key):
            if options.allow_unsafe:
                lines.append(_format_pin(pin, options))
            else:
                lines.append(f"# {pin.key}")
    if not lines:
        lines.append("")
    return RenderedOutput(tuple(lines), uninstallable)
