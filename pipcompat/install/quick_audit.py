"""A light "already satisfied?" check for the no-op fast path of ``pip install``, on the standard library.

:func:`pipcompat.install.satisfied.satisfied_closure` answers the question with ``packaging`` and the
installed-distribution scan; importing those (``packaging.requirements`` pulls ``packaging.tags``, and with
it ``logging``, ``platform``, ``subprocess``, ``dataclasses``…) costs more than a whole no-op run of uv.
This module answers the same question for the common shapes with :mod:`re` and :mod:`os` only:

- PEP 440 versions (:func:`parse_version`) and the specifier operators ``==`` (with ``.*``), ``!=``,
  ``~=``, ``<=``, ``>=``, ``<``, ``>`` (:func:`parse_specifiers`, :func:`contains`), with
  ``packaging``'s answers for ``contains(version, prereleases=True)``;
- PEP 508 requirements without URLs (:func:`parse_requirement`) and markers (:func:`parse_marker`,
  :func:`evaluate_marker`) as ``packaging`` 26 evaluates them;
- the installed distributions of a ``sys.path`` as :func:`pipcompat.env.installed.scan_installed` finds
  them (:func:`scan`), and the headers of their ``METADATA`` (:func:`read_headers`);
- the closure walk of :func:`~pipcompat.install.satisfied.satisfied_closure` (:func:`audit`).

Whatever it does not fully understand — ``===``, a local version in an ordered comparison, a marker that
compares a non-version with a version operator, an egg, a folded header, a name it cannot read — raises
:class:`Doubt`, and the caller takes the full path. ``tests/unit/test_quick_audit.py`` holds every answer
equal to ``packaging``'s and ``satisfied_closure``'s.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any, TypeAlias

    #: ``(epoch, release, (pre-release rank, number) | None, post | None, dev | None, local parts | None)``.
    Version: TypeAlias = tuple[
        int, tuple[int, ...], tuple[int, int] | None, int | None, int | None, tuple[int | str, ...] | None
    ]
    #: ``(operator, version, wildcard)``.
    Spec: TypeAlias = tuple[str, Version, bool]
    #: ``("or"|"and", [children])`` or ``("cmp", (kind, text), operator, (kind, text))``.
    Marker: TypeAlias = tuple[Any, ...]


class Doubt(Exception):
    """The quick audit cannot decide: take the full path."""


# -- names ---------------------------------------------------------------------------------------------------
_SEPARATORS = re.compile(r"[-_.]+")
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def canonical(name: str) -> str:
    """PEP 503's normalized name."""
    return _SEPARATORS.sub("-", name).lower()


# -- versions (PEP 440) --------------------------------------------------------------------------------------
_VERSION = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def parse_version(text: str) -> Version | None:
    """``(epoch, release, pre, post, dev, local)`` of a PEP 440 version, or ``None`` when it is not one."""
    match = _VERSION.match(text)
    if match is None:
        return None
    epoch = int(match["epoch"] or 0)
    release = tuple(int(part) for part in match["release"].split("."))
    pre = (_PRE_RANK[match["pre_l"].lower()], int(match["pre_n"] or 0)) if match["pre_l"] else None
    if match["post_n1"] is not None:
        post: int | None = int(match["post_n1"])
    elif match["post_l"]:
        post = int(match["post_n2"] or 0)
    else:
        post = None
    dev = int(match["dev_n"] or 0) if match["dev_l"] else None
    local = None
    if match["local"]:
        local = tuple(
            int(part) if part.isdigit() else part.lower() for part in re.split(r"[-_.]", match["local"])
        )
    return (epoch, release, pre, post, dev, local)


def _key(version: Version) -> tuple[object, ...]:
    epoch, release, pre, post, dev, local = version
    trimmed = list(release)
    while trimmed and trimmed[-1] == 0:
        trimmed.pop()
    if pre is None and post is None and dev is not None:
        pre_key: tuple[int, int] = (-1, 0)
    elif pre is None:
        pre_key = (3, 0)
    else:
        pre_key = pre
    local_key: tuple[object, ...] = ()
    if local is not None:
        local_key = tuple((1, part, "") if isinstance(part, int) else (0, 0, part) for part in local)
    return (
        epoch,
        tuple(trimmed),
        pre_key,
        -1 if post is None else post,
        (1, 0) if dev is None else (0, dev),
        local_key,
    )


def _public(version: Version) -> Version:
    return (version[0], version[1], version[2], version[3], version[4], None)


def _base(version: Version) -> tuple[object, ...]:
    return _key((version[0], version[1], None, None, None, None))


def _release_pre(version: Version) -> Version:
    return (version[0], version[1], version[2], None, None, None)


def _is_prerelease(version: Version) -> bool:
    return version[2] is not None or version[4] is not None


# -- specifiers ----------------------------------------------------------------------------------------------
_SPEC = re.compile(r"^\s*(~=|==|!=|<=|>=|<|>)\s*([^\s,;()]+)\s*$")


def parse_specifiers(text: str) -> list[Spec]:
    """The comma-separated specifiers of *text*: ``(operator, version, wildcard)``; raises :class:`Doubt`."""
    text = text.strip()
    if not text:
        return []
    specs: list[Spec] = []
    for item in text.split(","):
        match = _SPEC.match(item)
        if match is None:
            raise Doubt(item)
        op, raw = match[1], match[2]
        wildcard = raw.endswith(".*")
        if wildcard:
            if op not in ("==", "!="):
                raise Doubt(item)
            raw = raw[:-2]
        if raw[:1] in ("v", "V"):
            raise Doubt(item)
        version = parse_version(raw)
        if version is None:
            raise Doubt(item)
        if wildcard and version[2:] != (None, None, None, None):
            raise Doubt(item)  # a wildcard after a pre-, post- or dev-release segment, or a local version
        if op not in ("==", "!=") and version[5] is not None:
            raise Doubt(item)
        if op == "~=" and len(version[1]) < 2:
            raise Doubt(item)
        specs.append((op, version, wildcard))
    return specs


def _prefix_match(prefix: Version, version: Version) -> bool:
    if version[0] != prefix[0]:
        return False
    size = len(prefix[1])
    release = (*version[1], *(0,) * size)[:size]
    return release == prefix[1]


def _matches(spec: Spec, version: Version) -> bool:
    op, target, wildcard = spec
    if op in ("==", "!="):
        if wildcard:
            equal = _prefix_match(target, version)
        else:
            candidate = version if target[5] is not None else _public(version)
            equal = _key(candidate) == _key(target)
        return equal if op == "==" else not equal
    if op == "~=":
        prefix: Version = (target[0], target[1][:-1], None, None, None, None)
        return _key(_public(version)) >= _key(target) and _prefix_match(prefix, version)
    if op == "<=":
        return _key(_public(version)) <= _key(target)
    if op == ">=":
        return _key(_public(version)) >= _key(target)
    if version[5] is not None:
        raise Doubt("a local version in an exclusive comparison")
    if op == "<":
        if _key(version) >= _key(target):
            return False
        if _is_prerelease(target) or not _is_prerelease(version) or _base(version) != _base(target):
            return True
        if version[3] is None and target[3] is None:
            return False  # PEP 440: not a pre-release of the given version
        raise Doubt("a pre-release near a post-release in an exclusive comparison")
    # ">"
    if _key(version) <= _key(target):
        return False
    # PEP 440: not a post-release of the given version itself (1.0.post1 is not one of 1.0a1's).
    return not (
        target[3] is None
        and version[3] is not None
        and _key(_release_pre(version)) == _key(_release_pre(target))
    )


def contains(specs: Sequence[Spec], version: Version) -> bool:
    """Whether *version* satisfies every specifier (pre-releases included, as ``prereleases=True``)."""
    return all(_matches(spec, version) for spec in specs)


# -- markers (PEP 508) ---------------------------------------------------------------------------------------
_MARKER_TOKEN = re.compile(
    r"""\s*(?:
    (?P<lparen>\()|(?P<rparen>\))
    |(?P<string>'[^'\\]*'|"[^"\\]*")
    |(?P<op>===|==|~=|!=|<=|>=|<|>)
    |(?P<notin>not\s+in)\b|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_VARIABLES = frozenset(
    {
        "python_version",
        "python_full_version",
        "os_name",
        "sys_platform",
        "platform_release",
        "platform_system",
        "platform_version",
        "platform_machine",
        "platform_python_implementation",
        "implementation_name",
        "implementation_version",
        "extra",
    }
)
_VERSION_VARIABLES = frozenset(
    {"implementation_version", "platform_release", "python_full_version", "python_version"}
)
_STRING_OPS: dict[str, Callable[[str, str], bool]] = {
    "in": lambda lhs, rhs: lhs in rhs,
    "not in": lambda lhs, rhs: lhs not in rhs,
    "<": lambda _lhs, _rhs: False,
    "<=": lambda lhs, rhs: lhs == rhs,
    "==": lambda lhs, rhs: lhs == rhs,
    "!=": lambda lhs, rhs: lhs != rhs,
    ">=": lambda lhs, rhs: lhs == rhs,
    ">": lambda _lhs, _rhs: False,
}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    end = len(text.rstrip())
    while position < end:
        match = _MARKER_TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Doubt(text)
        kind = match.lastgroup or ""
        value = match[kind]
        if kind == "word":
            if value in ("and", "or", "in", "not"):
                kind = value
            elif value == "python_implementation":
                kind, value = "variable", "platform_python_implementation"
            elif value in _VARIABLES:
                kind = "variable"
            else:
                raise Doubt(value)
        elif kind == "notin":
            kind = value = "not in"
        tokens.append((kind, value))
        position = match.end()
    return tokens


def parse_marker(text: str) -> Marker:
    """A marker as a tree: ``("or"|"and", [children])`` or ``("cmp", lhs, op, rhs)``; or :class:`Doubt`."""
    tokens = _tokens(text)
    position = 0

    def peek() -> str | None:
        return tokens[position][0] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise Doubt(text)
        position += 1
        return tokens[position - 1]

    def item() -> tuple[str, str]:
        kind, value = take()
        if kind == "variable":
            return ("variable", value)
        if kind == "string":
            return ("value", value[1:-1])
        raise Doubt(text)

    def atom() -> Marker:
        if peek() == "lparen":
            take()
            inner = expression()
            if take()[0] != "rparen":
                raise Doubt(text)
            return inner
        lhs = item()
        kind, op = take()
        if kind not in ("op", "in", "not in"):
            raise Doubt(text)
        rhs = item()
        if (lhs[0] == "variable") == (rhs[0] == "variable"):
            raise Doubt(text)
        if lhs[0] == "variable" and lhs[1] == "extra":
            rhs = ("value", canonical(rhs[1]))
        elif rhs[0] == "variable" and rhs[1] == "extra":
            lhs = ("value", canonical(lhs[1]))
        return ("cmp", lhs, op, rhs)

    def conjunction() -> Marker:
        parts = [atom()]
        while peek() == "and":
            take()
            parts.append(atom())
        return ("and", parts)

    def expression() -> Marker:
        parts = [conjunction()]
        while peek() == "or":
            take()
            parts.append(conjunction())
        return ("or", parts)

    tree = expression()
    if position != len(tokens):
        raise Doubt(text)
    return tree


def evaluate_marker(tree: Marker, environment: Mapping[str, str]) -> bool:
    """*tree* evaluated as ``Marker.evaluate(environment)``; ``extra`` must already be canonical."""
    kind = tree[0]
    if kind == "or":
        return any(evaluate_marker(part, environment) for part in tree[1])
    if kind == "and":
        return all(evaluate_marker(part, environment) for part in tree[1])
    _cmp, lhs, op, rhs = tree
    key = lhs[1] if lhs[0] == "variable" else rhs[1]
    if key not in environment:
        raise Doubt(key)
    left = environment[key] if lhs[0] == "variable" else lhs[1]
    right = environment[key] if rhs[0] == "variable" else rhs[1]
    if key in _VERSION_VARIABLES and op not in ("in", "not in"):
        if "," in right:
            raise Doubt(right)  # one specifier for packaging, several for parse_specifiers
        try:
            specs = parse_specifiers(op + right)
        except Doubt:
            specs = None
        if specs is not None:
            version = parse_version(left)
            if version is None:
                raise Doubt(left)
            return contains(specs, version)
        if op == "===" or parse_version(right) is not None:
            raise Doubt(op + right)
    operator = _STRING_OPS.get(op)
    if operator is None:
        raise Doubt(op)
    return bool(operator(left, right))


# -- requirements (PEP 508, no URLs) -------------------------------------------------------------------------
_REQUIREMENT = re.compile(
    r"""^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*
    (?:\[(?P<extras>[^\]]*)\])?\s*
    (?:\((?P<pspec>[^();@]*)\)|(?P<spec>[^();@]*))\s*
    (?:;(?P<marker>.*))?$""",
    re.VERBOSE | re.DOTALL,
)


#: What a list of specifiers looks like (each one is read in full when it is used).
_ONE_SPEC = r"(?:~=|==|!=|<=|>=|<|>)\s*[^\s,;()=<>~!][^\s,;()]*\s*"
_SPEC_TEXT = re.compile(rf"^\s*(?:{_ONE_SPEC}(?:,\s*{_ONE_SPEC})*)?$")
_ONLY_EXTRA = re.compile(r"""^\s*extra\s*==\s*(['"])([A-Za-z0-9._-]*)\1\s*$""")


class QuickRequirement:
    """A requirement with its name canonical, extras canonical and marker parsed; its specifiers are
    read when first asked for (most dependencies of an installed distribution are for extras nobody
    asked for, and are never checked)."""

    __slots__ = ("_specs", "extras", "marker", "name", "spec_text")

    def __init__(self, name: str, extras: frozenset[str], spec_text: str, marker: Marker | None) -> None:
        self.name = name
        self.extras = extras
        self.spec_text = spec_text
        self.marker = marker
        self._specs: list[Spec] | None = None

    @property
    def specs(self) -> list[Spec]:
        """The parsed specifiers; raises :class:`Doubt`."""
        if self._specs is None:
            self._specs = parse_specifiers(self.spec_text)
        return self._specs

    def applies(self, environment: Mapping[str, str]) -> bool:
        return self.marker is None or evaluate_marker(self.marker, environment)


def parse_requirement(text: str) -> QuickRequirement:
    """*text* (no URL: ``name @ url`` raises :class:`Doubt` like everything else it cannot read)."""
    match = _REQUIREMENT.match(text)
    if match is None:
        raise Doubt(text)
    extras: set[str] = set()
    if match["extras"] is not None:
        for raw_extra in match["extras"].split(","):
            extra = raw_extra.strip()
            if not extra and match["extras"].strip():
                raise Doubt(text)
            if extra:
                if not _NAME.match(extra):
                    raise Doubt(text)
                extras.add(canonical(extra))
    spec_text = match["pspec"] if match["pspec"] is not None else match["spec"] or ""
    marker_text = match["marker"]
    marker = None
    if marker_text is not None:
        only_extra = _ONLY_EXTRA.match(marker_text)
        if only_extra is not None:  # most Requires-Dist markers: read without the tokenizer
            marker = ("cmp", ("variable", "extra"), "==", ("value", canonical(only_extra[2])))
        elif not marker_text.strip():
            raise Doubt(text)
        else:
            marker = parse_marker(marker_text)
    if not _SPEC_TEXT.match(spec_text):
        raise Doubt(text)
    return QuickRequirement(canonical(match["name"]), frozenset(extras), spec_text, marker)


# -- installed distributions ---------------------------------------------------------------------------------
class QuickDistribution:
    """One ``*.dist-info`` directory: canonical name and version from its name, headers read when asked."""

    __slots__ = ("_headers", "path", "version_text")

    def __init__(self, path: str, version_text: str) -> None:
        self.path = path
        self.version_text = version_text
        self._headers: dict[str, list[str]] | None = None

    @property
    def headers(self) -> dict[str, list[str]]:
        if self._headers is None:
            self._headers = read_headers(self.path)
        return self._headers


_HEADER = re.compile(r"^([!-9;-~]+):[ \t]*(.*?)\s*$")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")
#: Core metadata field names (lower case): valid header names, so no need to check them one by one.
_COMMON_HEADERS = frozenset(
    {
        "metadata-version", "name", "version", "dynamic", "platform", "supported-platform", "summary",
        "description", "description-content-type", "keywords", "home-page", "download-url", "author",
        "author-email", "maintainer", "maintainer-email", "license", "license-expression", "license-file",
        "classifier", "requires-python", "requires-external", "project-url", "provides-dist",
        "obsoletes-dist", "import-name", "import-namespace",
    }
)  # fmt: skip
_WANTED_HEADERS = frozenset({"requires-dist", "provides-extra"})


def read_headers(dist_info: str) -> dict[str, list[str]]:
    """``Requires-Dist`` and ``Provides-Extra`` of a ``METADATA`` file (lower-case keys); or Doubt."""
    data = b""
    try:
        fd = os.open(os.path.join(dist_info, "METADATA"), os.O_RDONLY)
        try:
            while True:  # the headers only: the description after them can be long
                chunk = os.read(fd, 16384)
                data += chunk
                # the first empty line (\n\n or \n\r\n), where the headers end
                ends = [i for i in (data.find(b"\n\n"), data.find(b"\n\r\n")) if i >= 0]
                if ends:
                    data = data[: min(ends)]
                    break
                if not chunk:
                    break
        finally:
            os.close(fd)
    except OSError:
        raise Doubt(dist_info) from None
    text = data.decode("utf-8", "surrogateescape")
    headers: dict[str, list[str]] = {name: [] for name in _WANTED_HEADERS}
    wanted = False
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            if wanted:
                raise Doubt(dist_info)  # a folded value: leave it to the email parser
            continue
        colon = line.find(":")
        name = line[:colon].lower() if colon > 0 else ""
        wanted = name in _WANTED_HEADERS
        if wanted:
            match = _HEADER.match(line)
            if match is None:
                raise Doubt(dist_info)
            headers[name].append(match[2])
        elif name not in _COMMON_HEADERS and not _HEADER_NAME.match(name):
            raise Doubt(dist_info)  # not a header: the email parser would end the headers here
    return headers


def scan(
    sys_path: Iterable[str], listings: Mapping[str, list[str]] | None = None
) -> dict[str, QuickDistribution | None]:
    """The distributions of *sys_path*, first of each name (``None``: one this module does not read).

    Mirrors :func:`pipcompat.env.installed.scan_installed`; raises :class:`Doubt` for eggs, ``.egg-link``
    files and an install journal left in a directory. *listings*: the directories' entries when already
    listed (a directory not in it could not be listed).
    """
    found: dict[str, QuickDistribution | None] = {}
    for location in sys_path:
        if location.endswith(".whl") and os.path.isfile(location):
            continue
        if location.lower().endswith(".egg"):
            raise Doubt(location)
        if listings is not None:
            if location not in listings:
                continue
            children = listings[location]
        else:
            try:
                children = os.listdir(location or ".")
            except OSError:
                continue
        for child in children:
            lower = child.lower()
            if lower.endswith(".dist-info"):
                path = os.path.join(location, child)
                if not os.path.isdir(path):
                    continue
                name, sep, version = child[: -len(".dist-info")].partition("-")
                if not (sep and name):
                    raise Doubt(path)  # the name would come from the metadata
                key = canonical(name)
                if key and key not in found:
                    found[key] = QuickDistribution(path, version)
            elif lower.endswith(".egg-info"):
                key = canonical(child[: -len(".egg-info")].split("-", 1)[0])
                if not key:
                    raise Doubt(child)
                if key not in found:
                    found[key] = None
            elif lower.endswith(".egg-link") or child == ".pipcompat-journal":
                raise Doubt(child)
    return found


# -- the audit -----------------------------------------------------------------------------------------------
def audit(
    requirements: Iterable[QuickRequirement],
    installed: Mapping[str, QuickDistribution | None],
    markers: Mapping[str, str],
) -> set[str] | None:
    """The names that satisfy *requirements* (``satisfied_closure`` with no constraints), or ``None`` when
    something is missing or does not match; raises :class:`Doubt` when it cannot tell."""
    environment = dict(markers)
    parsed: dict[str, list[QuickRequirement]] = {}

    def applies(requirement: QuickRequirement, extra: str) -> bool:
        if requirement.marker is None:
            return True
        environment["extra"] = extra
        return evaluate_marker(requirement.marker, environment)

    done: set[tuple[str, str]] = set()
    names: set[str] = set()
    stack: list[tuple[QuickRequirement, str]] = [(r, "") for r in requirements]
    while stack:
        requirement, extra = stack.pop()
        if not applies(requirement, extra):
            continue
        key = requirement.name
        if key not in installed:
            return None
        dist = installed[key]
        if dist is None:
            raise Doubt(key)
        version = parse_version(dist.version_text)
        if version is None:
            raise Doubt(dist.version_text)
        if not contains(requirement.specs, version):
            return None
        names.add(key)
        todo = [e for e in ("", *sorted(requirement.extras)) if (key, e) not in done]
        if not todo:
            continue
        headers = dist.headers
        if requirement.extras:
            provided = {canonical(e.strip()) for e in headers["provides-extra"]}
            if not requirement.extras <= provided:
                return None
        dependencies = parsed.get(key)
        if dependencies is None:
            dependencies = parsed[key] = [parse_requirement(text) for text in headers["requires-dist"]]
        for item in todo:
            done.add((key, item))
            for dependency in dependencies:
                if item and (dependency.marker is None or applies(dependency, "")):
                    continue
                if applies(dependency, item):
                    stack.append((dependency, item))
    return names
