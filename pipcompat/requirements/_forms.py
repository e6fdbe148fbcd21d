"""What a requirement's text is: a PEP 508 specifier, a direct reference, a bare URL or a local path.

pip decides this when it turns a requirement-file line into an install requirement, and rejects some lines
at that point (bad PEP 508 syntax, a bad marker, an invalid ``#egg=`` fragment or wheel filename, an
editable that is neither a path nor a VCS URL...). This module makes the same decisions and raises for the
same texts, from the text alone: it never looks at the filesystem. Where pip would look (is this path an
existing directory?), the text is classified by its appearance and the check is left to the layer that
resolves paths; ``docs/requirements-files.md`` lists those cases.
"""

from __future__ import annotations

import enum
import os
import posixpath
import re
import urllib.parse
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

#: The VCS families pip knows, in the order pip registers them.
VCS_NAMES: tuple[str, ...] = ("bzr", "git", "hg", "svn")

#: The URL schemes pip treats as VCS URLs.
VCS_SCHEMES: frozenset[str] = frozenset(
    {
        *(f"bzr+{s}" for s in ("http", "https", "ssh", "sftp", "ftp", "lp", "file")),
        *(f"git+{s}" for s in ("http", "https", "ssh", "git", "file")),
        *(f"hg+{s}" for s in ("file", "http", "https", "ssh", "static-http")),
        *(f"svn+{s}" for s in ("ssh", "http", "https", "svn", "file")),
    }
)

#: The schemes that make a requirement line a URL rather than a name or a path.
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "file", "ftp"}) | VCS_SCHEMES

#: File extensions pip treats as distribution archives.
ARCHIVE_EXTENSIONS: tuple[str, ...] = (
    ".zip",
    ".whl",
    ".tar.bz2",
    ".tbz",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)

# The comparison operators of PEP 440, used only to word a hint.
_OPERATORS = ("~=", "==", "!=", "<=", ">=", "<", ">", "===")

_EGG_FRAGMENT = re.compile(r"[#&]egg=([^&]*)")
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_TRAILING_EXTRAS = re.compile(r"^(.+)(\[[^\]]+\])$")


class RequirementForm(enum.Enum):
    """The shape of a requirement's text."""

    #: ``name[extras] specifiers ; markers`` (PEP 508 without a URL).
    NAMED = "named"
    #: ``name[extras] @ url ; markers`` (a PEP 508 direct reference).
    DIRECT_URL = "direct_url"
    #: A bare URL (archive, VCS or ``file:`` URL), perhaps with ``#egg=name`` and ``; markers``.
    URL = "url"
    #: A local path (a project directory or an archive), perhaps with ``[extras]`` and ``; markers``.
    PATH = "path"


@dataclass(frozen=True)
class RequirementShape:
    """What the text of a requirement says, before anything is looked up."""

    form: RequirementForm
    name: str | None = None
    extras: tuple[str, ...] = ()
    specifier: str = ""
    url: str | None = None
    path: str | None = None
    markers: str | None = None


class InvalidRequirementText(Exception):
    """Requirement text pip would refuse; ``message`` says why, ``hint`` may say what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _first_line(exc: Exception) -> str:
    """packaging's messages end with a drawing of the text and a caret; keep the sentence."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def url_scheme(text: str) -> str:
    """The scheme ``text`` starts with, as :func:`urllib.parse.urlsplit` sees it ('' for none)."""
    try:
        return urllib.parse.urlsplit(text).scheme
    except ValueError as exc:
        raise InvalidRequirementText(f"invalid URL {text!r}: {exc}") from None


def archive_extension(path: str) -> str:
    """The extension of ``path``'s last component, counting ``.tar.*`` as one extension."""
    stem, ext = posixpath.splitext(path)
    if stem.lower().endswith(".tar"):
        ext = stem[-4:] + ext
    return ext


def is_archive(path: str) -> bool:
    return archive_extension(path).lower() in ARCHIVE_EXTENSIONS


def looks_like_path(text: str) -> bool:
    """Whether ``text`` has a path separator in it or starts with a dot (pip's own test)."""
    if os.path.sep in text or (os.path.altsep is not None and os.path.altsep in text):
        return True
    return text.startswith(".")


def _split_trailing_extras(text: str) -> tuple[str, tuple[str, ...]]:
    """``path[a,b]`` -> (``path``, (``a``, ``b``)); extras are lowercased, as pip does for paths."""
    match = _TRAILING_EXTRAS.match(text)
    if match is None:
        return text, ()
    written = match.group(2)
    try:
        extras = Requirement("placeholder" + written.lower()).extras
    except InvalidRequirement as exc:
        raise InvalidRequirementText(f"invalid extras {written!r}: {_first_line(exc)}") from None
    return match.group(1).rstrip(), tuple(sorted(extras))


def _split_markers(text: str, separator: str) -> tuple[str, str | None]:
    """Split ``text`` at the first ``separator`` into the requirement and its (validated) markers."""
    if separator not in text:
        return text, None
    head, tail = text.split(separator, 1)
    markers = tail.strip()
    if not markers:
        return head, None
    try:
        Marker(markers)
    except InvalidMarker as exc:
        raise InvalidRequirementText(
            f"invalid requirement {head.strip()!r}: invalid marker {markers!r}: {_first_line(exc)}"
        ) from None
    return head, markers


def egg_fragment(url: str) -> str | None:
    """The project named by ``#egg=`` (or ``&egg=``) in ``url``; raises if it is not a project name."""
    match = _EGG_FRAGMENT.search(url)
    if match is None:
        return None
    name = match.group(1)
    if _PROJECT_NAME.match(name) is None:
        if any(c in name for c in "<>="):
            hint = "version specifiers are ignored in URL references; remove them"
        elif "[" in name and "]" in name:
            hint = "use the direct reference syntax instead: 'name[extra] @ URL'"
        else:
            hint = "an egg fragment can only be a valid project name"
        raise InvalidRequirementText(f"the {name!r} egg fragment is invalid (in {url!r})", hint=hint)
    return name


def _check_file_url(url: str) -> None:
    """pip turns ``file:`` URLs into paths at once; refuse the ones it cannot turn."""
    if not url.startswith("file:"):
        raise InvalidRequirementText(f"cannot use {url!r}: a file URL must start with 'file:' in lower case")
    netloc = urllib.parse.urlsplit(url).netloc
    if netloc not in ("", "localhost") and os.name != "nt":
        raise InvalidRequirementText(f"non-local file URLs are not supported on this platform: {url!r}")


def _wheel_name(filename: str) -> tuple[str, str]:
    """(project name, ``==version``) from a wheel filename; raises if the filename is invalid."""
    try:
        name, version, _build, _tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise InvalidRequirementText(_first_line(exc)) from None
    return name, f"=={version}"


def _url_basename(url: str) -> str:
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    return posixpath.basename(path.rstrip("/"))


def _url_shape(url: str, markers: str | None) -> RequirementShape:
    name = egg_fragment(url)
    if url_scheme(url) == "file":
        _check_file_url(url)
    specifier = ""
    basename = _url_basename(url)
    # pip's wheel test is case-sensitive, unlike its archive test.
    if archive_extension(basename) == ".whl":
        name, specifier = _wheel_name(basename)
    return RequirementShape(RequirementForm.URL, name=name, specifier=specifier, url=url, markers=markers)


def _path_shape(written: str, markers: str | None) -> RequirementShape:
    path, extras = _split_trailing_extras(written)
    name = None
    specifier = ""
    basename = os.path.basename(os.path.normpath(path))
    if archive_extension(basename) == ".whl":
        name, specifier = _wheel_name(basename)
    return RequirementShape(
        RequirementForm.PATH, name=name, extras=extras, specifier=specifier, path=path, markers=markers
    )


def _parse_pep508(text: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        hint = None
        scheme = url_scheme(text)
        if len(scheme) > 1 and scheme in {*VCS_NAMES, "ssh"}:
            hint = "a VCS URL must say which VCS it is, like git+https://, git+ssh:// or git+git://"
        elif os.path.sep in text:
            hint = "it looks like a path, but it is not a directory or an archive name"
        elif "=" in text and not any(op in text for op in _OPERATORS):
            hint = "= is not a valid operator; did you mean == ?"
        raise InvalidRequirementText(f"invalid requirement {text!r}: {_first_line(exc)}", hint=hint) from None


def _is_valid_pep508(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True


def _names_a_path(name: str) -> bool:
    """Whether pip would read ``name`` (markers already removed) as a local path.

    pip asks the filesystem: an existing directory is a path, an archive filename is a path unless it is
    really ``name @ url``, anything else is a PEP 508 requirement. Here a path-looking text counts as a
    directory unless it is valid PEP 508, which only differs from pip when the directory does not exist
    (pip then reports an invalid requirement, the later layer reports a missing directory).
    """
    match = _TRAILING_EXTRAS.match(name)
    base = match.group(1).rstrip() if match else name
    if is_archive(os.path.normpath(base)):
        before_at, at, _after = name.partition("@")
        return not (at and not looks_like_path(before_at))
    if not looks_like_path(name) or _is_valid_pep508(name):
        return False
    # ``git://host/repo`` and the like: a URL of a kind pip does not read, not a directory name.
    return len(url_scheme(name)) <= 1


def _line_shape(text: str) -> RequirementShape:
    if url_scheme(text) in URL_SCHEMES:
        url, markers = _split_markers(text, "; ")
        return _url_shape(url.strip(), markers)
    name, markers = _split_markers(text, ";")
    name = name.strip()
    if _names_a_path(name):
        return _path_shape(name, markers)
    # pip takes a trailing "[...]" of the text as the extras (lowercased), over what PEP 508 parsing says;
    # it only differs from the parsed extras in case, or for "name @ url[...]".
    _base, trailing_extras = _split_trailing_extras(os.path.normpath(name))
    req = _parse_pep508(name)
    extras = trailing_extras or tuple(sorted(req.extras))
    if req.url:
        egg_fragment(req.url)
        if url_scheme(req.url) == "file":
            _check_file_url(req.url)
        return RequirementShape(
            RequirementForm.DIRECT_URL, name=req.name, extras=extras, url=req.url, markers=markers
        )
    return RequirementShape(
        RequirementForm.NAMED, name=req.name, extras=extras, specifier=str(req.specifier), markers=markers
    )


def _editable_url_check(url: str, original: str) -> None:
    if url_scheme(url) not in VCS_SCHEMES and not url.startswith("file:"):
        raise InvalidRequirementText(
            f"{original} is not a valid editable requirement",
            hint="an editable requirement is a path to a local project or a VCS URL "
            "(git+https://..., hg+https://..., svn+https://..., bzr+https://... and similar)",
        )


def _editable_shape(text: str) -> RequirementShape:
    try:
        direct: Requirement | None = Requirement(text)
    except InvalidRequirement:
        direct = None
    if direct is not None and direct.url:
        egg_fragment(direct.url)
        _editable_url_check(direct.url, text)
        if direct.url.startswith("file:"):
            _check_file_url(direct.url)
        return RequirementShape(
            RequirementForm.DIRECT_URL,
            name=direct.name,
            extras=tuple(sorted(direct.extras)),
            url=direct.url,
            markers=str(direct.marker) if direct.marker is not None else None,
        )

    path, extras = _split_trailing_extras(text)
    if path.lower().startswith("file:"):
        name = egg_fragment(path)
        _editable_url_check(path, text)
        _check_file_url(path)
        return RequirementShape(RequirementForm.URL, name=name, extras=extras, url=path)

    url = text
    for vcs in VCS_NAMES:
        if url.lower().startswith(f"{vcs}:"):
            url = f"{vcs}+{url}"
            break
    if url_scheme(url) in VCS_SCHEMES:
        name = egg_fragment(url)
        if not name:
            raise InvalidRequirementText(
                f"could not detect requirement name for {text!r}",
                hint="name the project with 'your_package_name @ URL'",
            )
        return RequirementShape(RequirementForm.URL, name=name, url=url)

    # Not a URL pip can edit. One-letter schemes are Windows drive letters, so paths.
    if not path.strip() or len(url_scheme(path)) > 1 or is_archive(path):
        _editable_url_check(path, text)
    return RequirementShape(RequirementForm.PATH, extras=extras, path=path)


def classify(text: str, *, editable: bool = False, constraint: bool = False) -> RequirementShape:
    """Classify (and validate) requirement text exactly as pip would, raising for what pip rejects.

    ``text`` is the requirement part of a line (options removed). ``editable`` is for ``-e`` lines;
    ``constraint`` for lines of a constraints file, where editables are refused.
    """
    if editable:
        if constraint:
            raise InvalidRequirementText("editable requirements are not allowed as constraints")
        return _editable_shape(text)
    return _line_shape(text)
