"""The no-op fast path of ``pipcompat pip install``: "already satisfied" without the full machinery.

A no-op install (``pipcompat pip install -r requirements.txt`` into an environment that has everything) is
mostly start-up on the full path: the option parser, configuration layers, typed settings, the requirement
file parser, ``packaging`` and the installed-distribution scan are imported and built before it can print
``Audited 54 packages in …``. uv answers in a few tens of milliseconds. :func:`try_noop`, called by
:func:`pipcompat.cli.main.dispatch` for ``pipcompat pip … install …``, answers the common case with the
standard library's :mod:`os` and :mod:`re` (plus :mod:`json` for the cached interpreter probe):

1. the command line: only exact spellings of ``--python PATH`` (before ``install``), ``-q``, ``-r FILE``,
   requirement specifiers, and options that a no-op never uses (index URLs, find-links, trusted hosts,
   ``--prefer-binary``…); anything else (``-v``, ``-U``, ``-c``, ``-e``, ``--user``, ``--target``,
   ``--dry-run``, ``--report``, abbreviations, ``--``) takes the full path;
2. configuration: ``PIP_*``/``PIPCOMPAT_*`` variables and ``pip.conf`` keys (``[global]``/``[install]``,
   every file pip would read) must be among the same harmless options; pipcompat's own TOML files
   (``pipcompat.toml``, a ``pyproject.toml`` that mentions pipcompat) take the full path;
3. the target: ``--python`` naming an interpreter or environment by path, else ``VIRTUAL_ENV``, else a
   ``.venv`` in the working directory or a parent — a virtual environment whose probe is already cached
   (the same cache entry :mod:`pipcompat.env.probe` writes); no cache entry, a base interpreter, conda,
   or a user site takes the full path;
4. requirement files: plain ``name[extras] specifiers ; marker`` lines, comments and the harmless option
   lines; ``-r``/``-c``/``-e``, URLs, paths, hashes, ``${VARIABLES}``, continuations and non-ASCII text
   take the full path;
5. the audit itself: :func:`pipcompat.install.quick_audit.audit`, the same walk as
   :func:`pipcompat.install.satisfied.satisfied_closure` (requirements, their installed dependencies with
   the extras asked for, markers for the target), on the installed ``*.dist-info`` names and ``METADATA``
   — or the answer of an earlier audit with the same fingerprint whose ``METADATA`` files have not
   changed since (:func:`_remembered`; a successful install through the full path leaves one).

When all of that says "satisfied", it prints exactly what the full path prints (``Audited N packages in
…`` on stderr, nothing with ``-q``) and returns 0. Anything missing or not matching, and any doubt
(:class:`~pipcompat.install.quick_audit.Doubt`), returns ``None``: the full path then runs from the start
and decides (it may install, or fail). So the fast path never does less than pip would: it only answers
"already satisfied" when the full path would answer the same without asking an index.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

#: Options a no-op never uses (index and network options), with whether they take a value. They may appear
#: on the command line, in requirement files (the file-level ones), in ``pip.conf`` and as variables.
HARMLESS_OPTIONS: dict[str, bool] = {
    "--index-url": True,
    "-i": True,
    "--extra-index-url": True,
    "--find-links": True,
    "-f": True,
    "--trusted-host": True,
    "--no-index": False,
    "--prefer-binary": False,
    "--disable-pip-version-check": False,
    "--no-input": False,
    "--no-color": False,
    "--timeout": True,
    "--retries": True,
    "--cert": True,
    "--client-cert": True,
    "--proxy": True,
    "--keyring-provider": True,
    "--progress-bar": True,
    "--root-user-action": True,
    "--no-warn-script-location": False,
}
#: Option lines allowed in a requirement file (pip's file-level options that a no-op does not use).
FILE_OPTIONS = frozenset(
    {
        "--index-url",
        "-i",
        "--extra-index-url",
        "--find-links",
        "-f",
        "--trusted-host",
        "--no-index",
        "--prefer-binary",
    }
)
#: ``pip.conf`` keys (and ``PIP_<KEY>`` variables) that a no-op does not use.
HARMLESS_KEYS = frozenset(
    {name.lstrip("-") for name in HARMLESS_OPTIONS if name.startswith("--")} | {"default-timeout"}
)
#: Variables read for other purposes than options.
OTHER_VARIABLES = frozenset({"PIP_CONFIG_FILE", "PIPCOMPAT_CACHE_DIR"})
_CONFIG_SECTIONS = ("global", "install")


class _NotFast(Exception):
    """This command line, configuration or environment is for the full path."""


# -- the command line ---------------------------------------------------------------------------------------
def _read_argv(argv: Sequence[str]) -> tuple[str | None, list[str], list[str], int]:
    """``(python, requirement files, requirement arguments, quiet count)``; raises :class:`_NotFast`."""
    python: str | None = None
    files: list[str] = []
    args: list[str] = []
    quiet = 0
    seen_install = False
    items = list(argv)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        if not seen_install and arg == "install":
            seen_install = True
            continue
        if not arg.startswith("-"):
            if not seen_install:
                raise _NotFast(arg)  # another command
            args.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if arg in ("-q", "--quiet") or (len(arg) > 2 and arg[0] == "-" and set(arg[1:]) == {"q"}):
            quiet += 1 if arg == "--quiet" else len(arg) - 1
            continue
        if name == "--python" and not seen_install:
            if not eq:
                if index >= len(items):
                    raise _NotFast(arg)
                value = items[index]
                index += 1
            python = value
            continue
        if name in ("-r", "--requirement") or (arg.startswith("-r") and len(arg) > 2 and arg[1] == "r"):
            if arg.startswith("-r") and len(arg) > 2:
                value = arg[2:]
            elif not eq:
                if index >= len(items):
                    raise _NotFast(arg)
                value = items[index]
                index += 1
            if not seen_install:
                raise _NotFast(arg)
            files.append(value)
            continue
        takes_value = HARMLESS_OPTIONS.get(name)
        if takes_value is None:
            raise _NotFast(arg)
        if takes_value and not eq:
            if index >= len(items):
                raise _NotFast(arg)
            index += 1
        elif not takes_value and eq:
            raise _NotFast(arg)
    if not seen_install or not (files or args):
        raise _NotFast("nothing to install")
    return python, files, args, quiet


# -- configuration -----------------------------------------------------------------------------------------
def _check_variables(environ: Mapping[str, str]) -> None:
    for name in environ:
        if name in OTHER_VARIABLES:
            continue
        for prefix in ("PIPCOMPAT_", "PIP_"):
            if name.startswith(prefix):
                key = name[len(prefix) :].lower().replace("_", "-")
                if key not in HARMLESS_KEYS:
                    raise _NotFast(name)
                break


def _config_files(environ: Mapping[str, str], cwd: str) -> list[str]:
    """The ``pip.conf`` files pip would read (:func:`pipcompat.config.pipconf.config_file_locations`)."""
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    home = environ.get("HOME") or os.path.expanduser("~")
    raw = environ.get("XDG_CONFIG_DIRS", "").split(os.pathsep)
    dirs = [part.strip() for part in raw if os.path.isabs(part.strip())] or ["/etc/xdg"]
    files = [os.path.join(path, "pip", "pip.conf") for path in dirs] + ["/etc/pip.conf"]
    env_path = None
    if env_file:
        env_path = env_file if os.path.isabs(env_file) else os.path.join(cwd, env_file)
    if not (env_path and os.path.exists(env_path)):
        config_home = environ.get("XDG_CONFIG_HOME", "").strip()
        if not os.path.isabs(config_home):
            config_home = os.path.join(home, ".config")
        files += [os.path.join(home, ".pip", "pip.conf"), os.path.join(config_home, "pip", "pip.conf")]
    files.append(os.path.join(environ.get("VIRTUAL_ENV") or sys.prefix, "pip.conf"))
    if env_path:
        files.append(env_path)
    return files


def _check_config_file(path: str) -> None:
    """Raise :class:`_NotFast` unless *path* is absent or sets only harmless keys where install reads."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        return
    except OSError:
        raise _NotFast(path) from None
    if not data.isascii():
        raise _NotFast(path)
    section = None
    for raw_line in data.decode("ascii").splitlines():
        line = raw_line.strip()
        if not line or line[0] in "#;":
            continue
        if raw_line[0] in " \t":
            continue  # a continuation of the previous value (or an indented key: the full path decides)
        if line.startswith("["):
            if not line.endswith("]"):
                raise _NotFast(path)
            section = line[1:-1].strip()
            continue
        separator = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
        if separator <= 0 or section is None:
            raise _NotFast(path)
        if section not in _CONFIG_SECTIONS:
            continue
        key = line[:separator].strip().lower().replace("_", "-")
        if key.startswith("--"):
            key = key[2:]
        if key not in HARMLESS_KEYS:
            raise _NotFast(f"{path}: {key}")


def _mentions_pipcompat_table(data: bytes) -> bool:
    """Whether a ``pyproject.toml`` may hold a ``[tool.pipcompat]`` table (in any TOML spelling).

    Errs on the side of yes: any table header, dotted key or key named ``pipcompat`` counts, and so does
    any line defining ``tool`` that mentions it; a project merely named or depending on pipcompat does not.
    """
    if b"pipcompat" not in data:
        return False
    import re

    return (
        re.search(
            rb"""^[ \t]*(?:
                \[.*pipcompat                                  # a table header naming it
                |["']?tool["']?[ \t]*[.=].*pipcompat            # tool.pipcompat... = / tool = {pipcompat ...}
                |["']?pipcompat["']?[ \t]*(?:\.[^\n=]*)?=       # a key: pipcompat = / pipcompat.x =
            )""",
            data,
            re.MULTILINE | re.VERBOSE,
        )
        is not None
    )


def pipcompat_files_may_apply(environ: Mapping[str, str], cwd: str) -> bool:
    """Whether one of pipcompat's own TOML files may apply from *cwd* (the user's ``pipcompat.toml``, the
    nearest project's ``pipcompat.toml`` or ``[tool.pipcompat]``): :func:`pipcompat.config.pipcompat_toml.
    pipcompat_sources` would return something."""
    config_home = environ.get("XDG_CONFIG_HOME", "").strip()
    home = environ.get("HOME") or os.path.expanduser("~")
    if not os.path.isabs(config_home):
        config_home = os.path.join(home, ".config")
    if os.path.exists(os.path.join(config_home, "pipcompat", "pipcompat.toml")):
        return True
    directory = os.path.abspath(cwd)
    while True:
        if os.path.exists(os.path.join(directory, "pipcompat.toml")):
            return True
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.exists(pyproject):
            try:
                with open(pyproject, "rb") as stream:
                    return _mentions_pipcompat_table(stream.read())
            except OSError:
                return True
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent


def pip_config_files(environ: Mapping[str, str], cwd: str) -> list[str]:
    """Every ``pip.conf`` pip would read that exists."""
    return [path for path in _config_files(environ, cwd) if os.path.exists(path)]


def _check_configuration(environ: Mapping[str, str], cwd: str) -> str:
    """Check every configuration layer; return the cache root (where the interpreter probes are)."""
    if sys.platform in ("win32", "darwin"):
        raise _NotFast(sys.platform)
    _check_variables(environ)
    for path in _config_files(environ, cwd):
        _check_config_file(path)
    if pipcompat_files_may_apply(environ, cwd):
        raise _NotFast("pipcompat's configuration files")
    home = environ.get("HOME") or os.path.expanduser("~")
    chosen = environ.get("PIPCOMPAT_CACHE_DIR")
    if chosen:
        return os.path.expanduser(chosen)
    base = environ.get("XDG_CACHE_HOME", "").strip()
    if not os.path.isabs(base):
        base = os.path.join(home, ".cache")
    return os.path.join(base, "pipcompat")


# -- the target ---------------------------------------------------------------------------------------------
def _venv_executable(directory: str) -> str | None:
    for name in ("python", "python3"):
        candidate = os.path.join(directory, "bin", name)
        if os.path.exists(candidate):
            return candidate
    return None


def _target_executable(python: str | None, environ: Mapping[str, str], cwd: str) -> str:
    """The target's interpreter, found as :func:`pipcompat.env.interpreters.find_target` finds it."""
    if python is not None:
        text = python.strip()
        if "/" not in text:
            raise _NotFast(text)  # a version or a name: discovery
        path = os.path.expanduser(text)
        if not os.path.isabs(path):
            path = os.path.join(cwd, path)
        if os.path.isdir(path):
            executable = _venv_executable(path)
            if executable is None:
                raise _NotFast(path)
            return executable
        if not os.path.exists(path):
            raise _NotFast(path)
        return path
    value = environ.get("VIRTUAL_ENV")
    if value:
        executable = _venv_executable(value)
        if executable is None:
            raise _NotFast(value)
        return executable
    if environ.get("CONDA_PREFIX"):
        raise _NotFast("CONDA_PREFIX")
    directory = cwd
    while True:
        candidate = os.path.join(directory, ".venv")
        if os.path.isfile(os.path.join(candidate, "pyvenv.cfg")):
            executable = _venv_executable(candidate)
            if executable is None:
                raise _NotFast(candidate)
            return executable
        parent = os.path.dirname(directory)
        if parent == directory:
            raise _NotFast("no environment")
        directory = parent


#: The probe cache's bucket (``pipcompat.cache.BUCKET_VERSIONS["interpreters"]``); a test keeps them equal.
INTERPRETERS_BUCKET = "interpreters-v1"


def probe_cache_path(executable: str, cache_root: str) -> str | None:
    """:func:`pipcompat.env.venv.probe_cache_path` (a test holds the two equal), without its imports."""
    from pipcompat.env.probe_script import PROBE_VERSION

    try:
        info = os.stat(executable)
    except OSError:
        return None
    parts = [os.path.abspath(executable), str(PROBE_VERSION)]
    parts += [str(info.st_mtime_ns), str(info.st_size), str(info.st_ino)]
    try:
        cfg = os.stat(os.path.join(os.path.dirname(os.path.dirname(executable)), "pyvenv.cfg"))
    except OSError:
        parts.append("-")
    else:
        parts.append(f"{cfg.st_mtime_ns}:{cfg.st_size}")
    key = _sha256_hex("\0".join(parts).encode())[:32]
    return os.path.join(cache_root, INTERPRETERS_BUCKET, key[:2], key[2:4], key + ".json")


def _sha256_hex(data: bytes) -> str:
    try:  # the built-in module: no OpenSSL to load for a small hash
        from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return str(sha256(data).hexdigest())


def _target_probe(path: str | None, executable: str) -> dict[str, Any]:
    if path is None:
        raise _NotFast(executable)
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError:
        raise _NotFast(executable) from None
    import json

    try:
        probe: dict[str, Any] = json.loads(raw)
    except ValueError:
        raise _NotFast(path) from None
    if not isinstance(probe, dict) or probe.get("is_venv") is not True:
        raise _NotFast("not a virtual environment")
    return probe


def _sys_path(probe: Mapping[str, Any], environ: Mapping[str, str], cwd: str) -> list[str]:
    """The target's ``sys.path`` (:func:`pipcompat.env.syspath.target_sys_path`); no user site."""
    user_site = probe.get("user_site")
    if (
        probe.get("enable_user_site")
        and not environ.get("PYTHONNOUSERSITE")
        and isinstance(user_site, str)
        and os.path.isdir(user_site)
    ):
        raise _NotFast("user site")
    from pipcompat.env.syspath import target_sys_path

    return target_sys_path(probe, environ, cwd)


# -- requirements -------------------------------------------------------------------------------------------
#: Endings of archive file names (``pipcompat.requirements._forms.ARCHIVE_EXTENSIONS`` and more): paths.
_ARCHIVES = (
    ".zip",
    ".whl",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)


def _looks_like_path_or_url(text: str) -> bool:
    """Whether pip could read *text* as a path, an archive or a URL (the full parser decides those)."""
    name = text.split(";", 1)[0].strip().lower()
    return "/" in text or "\\" in text or "@" in text or text.startswith(".") or name.endswith(_ARCHIVES)


def _read_requirement_file(path: str, cwd: str) -> list[str]:
    """The requirement lines of *path*; raises :class:`_NotFast` for anything but plain ones."""
    try:
        with open(os.path.join(cwd, path), "rb") as stream:
            data = stream.read()
    except OSError:
        raise _NotFast(path) from None
    if not data.isascii():
        raise _NotFast(path)  # encodings (BOM, PEP 263) are the full parser's
    lines: list[str] = []
    for raw_line in data.decode("ascii").splitlines():
        line = raw_line
        hash_at = line.find("#")
        if hash_at == 0:
            continue
        if hash_at > 0:
            # pip: a comment starts at a '#' at the start of the line or after whitespace.
            for i in range(hash_at, len(line)):
                if line[i] == "#" and line[i - 1] in " \t":
                    line = line[: i - 1]
                    break
            if "#" in line:
                raise _NotFast(raw_line)
        line = line.strip()
        if not line:
            continue
        if line.endswith("\\") or "${" in line:
            raise _NotFast(raw_line)
        if line.startswith("-"):
            option = line.split("=", 1)[0].split(None, 1)[0]
            if option not in FILE_OPTIONS:
                raise _NotFast(raw_line)
            continue
        if " -" in line or "\t-" in line or _looks_like_path_or_url(line):
            raise _NotFast(raw_line)
        lines.append(line)
    return lines


def _requirement_texts(files: Sequence[str], args: Sequence[str], cwd: str) -> list[str]:
    """The requirement specifiers of the command line and its requirement files, in order."""
    texts: list[str] = []
    for arg in args:
        if _looks_like_path_or_url(arg):
            raise _NotFast(arg)
        texts.append(arg)
    for path in files:
        if "://" in path or path.startswith("file:"):
            raise _NotFast(path)
        texts += _read_requirement_file(path, cwd)
    return texts


# -- the fast path ------------------------------------------------------------------------------------------
def quick_audit_count(
    argv: Sequence[str], environ: Mapping[str, str], cwd: str, *, remember: bool = False
) -> tuple[int, int] | None:
    """``(packages audited, quiet count)`` when the environment satisfies ``pipcompat pip`` *argv* by the
    rules in this module's docstring; ``None`` for the full path.

    An audit that found everything satisfied is remembered next to the target's probe (see
    :func:`_remembered`); with *remember* the audit is always done and remembered (after an install).
    """
    try:
        python, files, args, quiet = _read_argv(argv)
        cache_root = _check_configuration(environ, cwd)
        executable = _target_executable(python, environ, cwd)
        probe_path = probe_cache_path(executable, cache_root)
        probe = _target_probe(probe_path, executable)
        markers = probe.get("markers")
        if probe_path is None or not isinstance(markers, dict):
            return None
        texts = _requirement_texts(files, args, cwd)
        sys_path = _sys_path(probe, environ, cwd)
        listings = _listings(sys_path)
    except _NotFast:
        return None
    if not remember and _surely_missing(texts, listings):
        return None
    fingerprint = _fingerprint(texts, sys_path, listings, markers)
    record = probe_path[: -len(".json")] + ".audit"
    if not remember:
        count = _remembered(record, fingerprint)
        if count is not None:
            return count, quiet
    from pipcompat.install.quick_audit import Doubt, audit, parse_requirement, scan

    try:
        installed = scan(sys_path, listings)
        names = audit([parse_requirement(text) for text in texts], installed, markers)
    except Doubt:
        return None
    if names is None:
        return None
    paths = [dist.path for name in sorted(names) if (dist := installed[name]) is not None]
    _remember(record, fingerprint, len(names), paths)
    return len(names), quiet


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_METADATA_SUFFIXES = ("dist-info", "egg-info")


def _normalized(name: str) -> str:
    """A project name as PEP 503 compares it (lower case, runs of ``-_.`` as one ``-``)."""
    text = name.lower().replace("_", "-").replace(".", "-")
    while "--" in text:
        text = text.replace("--", "-")
    return text


def _surely_missing(texts: Sequence[str], listings: Mapping[str, list[str]]) -> bool:
    """Whether a requirement without a marker or URL names a project that no directory of the target's
    ``sys.path`` has a ``.dist-info`` or ``.egg-info`` for: then the install has work to do, and the
    audit below (which costs its parser's import) is not needed. ``False`` says nothing either way."""
    present = set()
    for entries in listings.values():
        for entry in entries:
            stem, _dot, suffix = entry.rpartition(".")
            if suffix in _METADATA_SUFFIXES:
                present.add(_normalized(stem.split("-", 1)[0]))
    for text in texts:
        if ";" in text or "@" in text:
            continue
        name = text.strip()
        end = 0
        while end < len(name) and name[end] in _NAME_CHARS:
            end += 1
        if end and _normalized(name[:end]) not in present:
            return True
    return False


# -- the remembered audit -----------------------------------------------------------------------------------
#: Bump when what the audit decides, or how the fingerprint is made, changes.
AUDIT_RECORD_VERSION = 1


def _listings(sys_path: Sequence[str]) -> dict[str, list[str]]:
    """Every directory of *sys_path* that can be listed, with its entries (sorted)."""
    found: dict[str, list[str]] = {}
    for location in sys_path:
        if location in found:
            continue
        try:
            found[location] = sorted(os.listdir(location or "."))
        except OSError:
            continue
    return found


def _fingerprint(
    texts: Sequence[str],
    sys_path: Sequence[str],
    listings: Mapping[str, list[str]],
    markers: Mapping[str, Any],
) -> str:
    """Everything an audit's answer depends on but the installed metadata files: the requirements, the
    target's ``sys.path`` and marker environment, and the name of every entry of its directories (a
    distribution added, removed or shadowed changes a listing)."""
    import json

    data = json.dumps(
        [AUDIT_RECORD_VERSION, list(texts), list(sys_path), listings, dict(markers)], sort_keys=True
    )
    return _sha256_hex(data.encode("utf-8", "surrogateescape"))


def _stamp(dist_info: str) -> list[int] | None:
    try:
        info = os.stat(os.path.join(dist_info, "METADATA"))
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino]


def _remembered(record: str, fingerprint: str) -> int | None:
    """The count of an earlier audit of the same fingerprint whose ``METADATA`` files are unchanged (their
    ``stat``: times, size, inode); ``None`` when there is none."""
    import json

    try:
        with open(record, "rb") as stream:
            data = json.loads(stream.read())
        if data["fingerprint"] != fingerprint:
            return None
        for path, stamp in data["metadata"]:
            if _stamp(path) != stamp:
                return None
        count = data["count"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return count if isinstance(count, int) else None


def _remember(record: str, fingerprint: str, count: int, dist_infos: Sequence[str]) -> None:
    """Keep the answer of an audit for :func:`_remembered` (best effort: a cache that cannot be written
    only means the next audit reads the metadata again)."""
    import json

    stamps = []
    for path in dist_infos:
        stamp = _stamp(path)
        if stamp is None:
            return
        stamps.append([path, stamp])
    from pipcompat.fsutil import replace_file

    data = json.dumps({"fingerprint": fingerprint, "count": count, "metadata": stamps}).encode()
    try:
        replace_file(record, data)
    except OSError:
        return


def remember_after_install(argv: Sequence[str]) -> None:
    """After the full path installed ``pipcompat pip`` *argv*: audit once more and remember the answer, so
    that the same command next time is answered from :func:`_remembered`. Never fails the install."""
    try:
        cwd = os.getcwd()
        quick_audit_count(argv, os.environ, cwd, remember=True)
    except Exception:  # a cache for later runs: the install itself succeeded
        return


def try_noop(argv: Sequence[str]) -> int | None:
    """Answer ``pipcompat pip`` *argv* (an install) when it is a no-op; ``None`` to take the full path."""
    import time

    start = time.perf_counter()
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    found = quick_audit_count(argv, os.environ, cwd)
    if found is None:
        return None
    count, quiet = found
    if quiet == 0:
        seconds = time.perf_counter() - start
        elapsed = f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"
        sys.stderr.write(f"Audited {count} package{'s' if count != 1 else ''} in {elapsed}\n")
    return 0
