"""Finding interpreters: what ``--python`` names, which environment a command acts on, and base Pythons.

The *target* of a command that installs or inspects packages is found in this order (the first rule that
applies wins):

1. ``--python`` — a path to an interpreter, a virtual environment (or any prefix) directory, a version
   (``3.12``, ``3.12.1``, ``cpython3.12``, ``python3.12``, ``cp312``) or a name on ``PATH`` — or ``--system``
   (the first interpreter on ``PATH`` that is not a virtual environment);
2. ``VIRTUAL_ENV``, the activated virtual environment;
3. ``CONDA_PREFIX``, the activated conda environment;
4. a ``.venv`` directory (holding a ``pyvenv.cfg``) in the working directory or one of its parents;
5. the interpreter running pipcompat, when it is not a virtual environment — or always when pipcompat runs
   as ``python -m pipcompat`` (like ``python -m pip``);
6. otherwise an error that says how to make an environment.

Versions are looked up on ``PATH`` (pyenv's shims are skipped: they are looked through, in
``$PYENV_ROOT/versions``, instead) and then among pyenv's installed versions, newest first.

The *base* interpreter of a new virtual environment is ``--python`` (or, when that names a virtual
environment, the interpreter it was made from), else the interpreter running pipcompat (its base, when it
runs in a virtual environment), as ``python -m venv`` does.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipcompat import envvars
from pipcompat.cache import Cache
from pipcompat.env.probe import Interpreter, InterpreterError, probe_interpreter, pyvenv_config
from pipcompat.errors import PipcompatError

#: pip's exit status when ``--require-virtualenv`` finds none.
VIRTUALENV_NOT_FOUND = 3

_VERSION_REQUEST = re.compile(
    r"""^(?:(?P<impl>cpython|python|cp|py|pypy|pp)-?)?
    (?P<major>\d)(?:\.?(?P<minor>\d+))?(?:\.(?P<patch>\d+))?(?P<t>t)?$""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class VersionRequest:
    """``3``, ``3.12``, ``3.12.1`` (``t`` for free-threaded), optionally for one implementation."""

    major: int
    minor: int | None = None
    patch: int | None = None
    implementation: str | None = None
    free_threaded: bool = False

    def __str__(self) -> str:
        parts = [str(self.major)]
        if self.minor is not None:
            parts.append(str(self.minor))
        if self.patch is not None:
            parts.append(str(self.patch))
        return ".".join(parts) + ("t" if self.free_threaded else "")

    def matches(self, interpreter: Interpreter) -> bool:
        if self.implementation is not None and interpreter.implementation != self.implementation:
            return False
        major, minor, patch = interpreter.version
        if self.free_threaded != interpreter.gil_disabled:
            return False
        return (
            major == self.major
            and (self.minor is None or minor == self.minor)
            and (self.patch is None or patch == self.patch)
        )

    def executable_names(self) -> list[str]:
        """Names to look for on ``PATH``, most specific first."""
        stem = "pypy" if self.implementation == "pypy" else "python"
        t = "t" if self.free_threaded else ""
        names = []
        if self.minor is not None:
            names.append(f"{stem}{self.major}.{self.minor}{t}")
        names += [f"{stem}{self.major}", stem]
        return names


def parse_version_request(text: str) -> VersionRequest | None:
    """``3.12``, ``cpython3.12``, ``python3.12``, ``cp312``, ``pypy3.10`` → a request; else None."""
    match = _VERSION_REQUEST.match(text.strip())
    if match is None:
        return None
    impl = (match["impl"] or "").lower()
    implementation = {"cpython": "cpython", "cp": "cpython", "pypy": "pypy", "pp": "pypy"}.get(impl)
    minor = match["minor"]
    return VersionRequest(
        major=int(match["major"]),
        minor=None if minor is None else int(minor),
        patch=None if match["patch"] is None else int(match["patch"]),
        implementation=implementation,
        free_threaded=bool(match["t"]),
    )


@dataclass(frozen=True)
class FoundInterpreter:
    """An interpreter and the rule that chose it (for messages: ``VIRTUAL_ENV``, ``--python 3.12``...)."""

    interpreter: Interpreter
    source: str


# -- helpers --------------------------------------------------------------------------------------------
def venv_executable(directory: Path) -> Path:
    """The interpreter of the environment (or installation prefix) *directory*."""
    if os.name == "nt":
        for candidate in (directory / "Scripts" / "python.exe", directory / "python.exe"):
            if candidate.exists():
                return candidate
        return directory / "Scripts" / "python.exe"
    for name in ("python", "python3"):
        candidate = directory / "bin" / name
        if candidate.exists():
            return candidate
    return directory / "bin" / "python"


def _pyenv_root(environ: Mapping[str, str]) -> Path:
    root = environ.get(envvars.PYENV_ROOT)
    if root:
        return Path(root)
    home = environ.get(envvars.HOME) or os.path.expanduser("~")
    return Path(home) / ".pyenv"


def _is_shim(path: Path, environ: Mapping[str, str]) -> bool:
    return path.parent.name == "shims" and (
        path.parent.parent == _pyenv_root(environ) or path.parent.parent.name in (".pyenv", "pyenv")
    )


def _on_path(name: str, environ: Mapping[str, str]) -> Iterator[Path]:
    """Every executable called *name* on ``PATH``, in order (pyenv shims left out)."""
    suffixes = [""] if os.name != "nt" else ["", ".exe"]
    seen: set[str] = set()
    for directory in environ.get(envvars.PATH, os.defpath).split(os.pathsep):
        if not directory:
            continue
        for suffix in suffixes:
            candidate = Path(directory) / (name + suffix)
            key = str(candidate)
            if key in seen or not candidate.is_file() or not os.access(candidate, os.X_OK):
                continue
            seen.add(key)
            if not _is_shim(candidate, environ):
                yield candidate


def _pyenv_versions(environ: Mapping[str, str]) -> list[Path]:
    """pyenv's installed interpreters, newest version first."""
    versions = _pyenv_root(environ) / "versions"
    try:
        entries = list(versions.iterdir())
    except OSError:
        return []

    def order(path: Path) -> tuple[int, ...]:
        numbers = re.findall(r"\d+", path.name)
        return tuple(int(n) for n in numbers[:3])

    found = []
    for entry in sorted(entries, key=order, reverse=True):
        for name in ("python3", "python"):
            candidate = entry / "bin" / name
            if candidate.is_file():
                found.append(candidate)
                break
    return found


def _try_probe(path: Path, cache: Cache | None) -> Interpreter | None:
    try:
        return probe_interpreter(path, cache)
    except InterpreterError:
        return None


# -- what --python names -------------------------------------------------------------------------------
def _looks_like_path(text: str) -> bool:
    return os.sep in text or (os.altsep is not None and os.altsep in text) or text.startswith(("~", "."))


def find_requested(
    request: str, *, environ: Mapping[str, str], cwd: Path, cache: Cache | None
) -> FoundInterpreter:
    """The interpreter ``--python REQUEST`` names: a path, an environment directory, a version or a name."""
    source = f"--python {request}"
    text = request.strip()
    if _looks_like_path(text) or ((cwd / text).exists() and parse_version_request(text) is None):
        path = Path(os.path.expanduser(text))
        if not path.is_absolute():
            path = cwd / path
        if path.is_dir():
            executable = venv_executable(path)
            if not executable.exists():
                raise InterpreterError(
                    f"no Python interpreter in the directory {path}",
                    hint="point --python at an interpreter, or at a virtual environment made by venv",
                )
            path = executable
        elif not path.exists():
            raise InterpreterError(f"no interpreter at {path}: the file does not exist")
        return FoundInterpreter(probe_interpreter(path, cache), source)

    version = parse_version_request(text)
    if version is not None:
        tried: list[str] = []
        for name in version.executable_names():
            for candidate in _on_path(name, environ):
                interpreter = _try_probe(candidate, cache)
                tried.append(str(candidate))
                if interpreter is not None and version.matches(interpreter):
                    return FoundInterpreter(interpreter, source)
        for candidate in _pyenv_versions(environ):
            if (
                version.minor is not None
                and f"{version.major}.{version.minor}" not in candidate.parent.parent.name
            ):
                continue
            interpreter = _try_probe(candidate, cache)
            if interpreter is not None and version.matches(interpreter):
                return FoundInterpreter(interpreter, source)
        raise InterpreterError(
            f"no interpreter found for {version.implementation or 'Python'} {version}"
            " on PATH or among pyenv's versions",
            hint="install it (pyenv install, your package manager) or pass --python the path of one",
        )

    for candidate in _on_path(text, environ):
        interpreter = _try_probe(candidate, cache)
        if interpreter is not None:
            return FoundInterpreter(interpreter, source)
    raise InterpreterError(
        f"no interpreter called {text!r} on PATH",
        hint="pass --python a path, a version such as 3.12, or a name on PATH",
    )


def find_system(
    *, environ: Mapping[str, str], cache: Cache | None, running: str | None = None
) -> FoundInterpreter:
    """``--system``: the first ``python3``/``python`` on ``PATH`` that is not a virtual environment."""
    for name in ("python3", "python"):
        for candidate in _on_path(name, environ):
            interpreter = _try_probe(candidate, cache)
            if interpreter is not None and not interpreter.is_venv:
                return FoundInterpreter(interpreter, "--system")
    running_interpreter = probe_interpreter(running or sys.executable, cache)
    return FoundInterpreter(base_interpreter(running_interpreter, cache), "--system")


# -- the target of a command -------------------------------------------------------------------------------
def find_dot_venv(cwd: Path) -> Path | None:
    """The nearest ``.venv`` (with a ``pyvenv.cfg``) in *cwd* or its parents."""
    for directory in (cwd, *cwd.parents):
        candidate = directory / ".venv"
        if (candidate / "pyvenv.cfg").is_file():
            return candidate
    return None


def launched_as_module() -> bool:
    """Whether pipcompat runs as ``python -m pipcompat`` (then it targets that python, as ``-m pip`` does)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec is not None and spec.name in ("pipcompat", "pipcompat.__main__")


def find_target(
    request: str | None = None,
    *,
    system: bool = False,
    environ: Mapping[str, str],
    cwd: Path,
    cache: Cache | None,
    running: str | None = None,
    as_module: bool | None = None,
) -> FoundInterpreter:
    """The environment a command acts on, by the rules in this module's docstring."""
    if request:
        return find_requested(request, environ=environ, cwd=cwd, cache=cache)
    if system:
        return find_system(environ=environ, cache=cache, running=running)
    for variable in (envvars.VIRTUAL_ENV, envvars.CONDA_PREFIX):
        value = environ.get(variable)
        if value:
            directory = Path(value)
            executable = venv_executable(directory)
            if not executable.exists():
                raise InterpreterError(
                    f"{variable} is set to {value}, but there is no Python interpreter there",
                    hint=f"unset {variable}, or recreate the environment",
                )
            return FoundInterpreter(probe_interpreter(executable, cache), variable)
    dot_venv = find_dot_venv(cwd)
    if dot_venv is not None:
        return FoundInterpreter(probe_interpreter(venv_executable(dot_venv), cache), f"{dot_venv}")
    running_interpreter = probe_interpreter(running or sys.executable, cache)
    if as_module is None:
        as_module = launched_as_module()
    if as_module or not running_interpreter.is_venv:
        return FoundInterpreter(running_interpreter, "the interpreter running pipcompat")
    raise InterpreterError(
        "no virtual environment found",
        hint="create one with 'pipcompat venv' (it becomes .venv here), activate one, "
        "or pass --python or --system",
        exit_code=2,
    )


# -- policies ---------------------------------------------------------------------------------------------
def check_require_virtualenv(interpreter: Interpreter) -> None:
    """``--require-virtualenv``: refuse a target that is not a virtual environment (pip's exit status 3)."""
    require_virtualenv(interpreter.is_venv)


def require_virtualenv(in_virtualenv: bool) -> None:
    """``--require-virtualenv`` for a target that is (or is not) a virtual environment."""
    if not in_virtualenv:
        raise PipcompatError(
            "Could not find an activated virtualenv (required).",
            hint="activate a virtual environment, pass --python one, or leave --require-virtualenv out",
            exit_code=VIRTUALENV_NOT_FOUND,
        )


def externally_managed_message(interpreter: Interpreter) -> str | None:
    """The ``EXTERNALLY-MANAGED`` marker's error text (PEP 668), if the target has the marker."""
    if not interpreter.externally_managed or interpreter.is_venv:
        return None
    stdlib = interpreter.paths.get("stdlib") or ""
    parser = configparser.ConfigParser(interpolation=None)
    default = "The Python environment is externally managed."
    try:
        parser.read(os.path.join(stdlib, "EXTERNALLY-MANAGED"), encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return default
    section = parser["externally-managed"] if parser.has_section("externally-managed") else None
    if section is None:
        return default
    return section.get("Error", default).strip() or default


def check_externally_managed(interpreter: Interpreter, *, break_system_packages: bool) -> None:
    """PEP 668: refuse to change an externally managed environment unless ``--break-system-packages``."""
    message = externally_managed_message(interpreter)
    if message is None or break_system_packages:
        return
    raise PipcompatError(
        f"externally-managed-environment: {interpreter.executable} is managed by the system.\n\n{message}",
        hint="create a virtual environment ('pipcompat venv') and install into it, "
        "or pass --break-system-packages",
        exit_code=1,
    )


# -- bases of virtual environments ---------------------------------------------------------------------
def _pyvenv_home(venv_root: Path) -> Path | None:
    home = (pyvenv_config(venv_root) or {}).get("home")
    return Path(home) if home is not None else None


def base_interpreter(interpreter: Interpreter, cache: Cache | None, _depth: int = 0) -> Interpreter:
    """The interpreter a virtual environment was made from (*interpreter* itself when it is not one).

    A venv made from another venv's Python (``python -m venv`` run inside a virtualenv, as under tox) names
    that venv as its ``home``: the chain is followed down to a real installation.
    """
    if not interpreter.is_venv:
        return interpreter
    candidates: list[Path] = []
    if interpreter.base_executable and interpreter.base_executable != interpreter.executable:
        candidates.append(Path(interpreter.base_executable))
    home = _pyvenv_home(Path(interpreter.prefix))
    if home is not None:
        major, minor = interpreter.version[:2]
        t = interpreter.threading_suffix
        for name in (f"python{major}.{minor}{t}", f"python{major}", "python", "python.exe"):
            candidates.append(home / name)
    for candidate in candidates:
        if candidate.is_file():
            base = _try_probe(candidate, cache)
            if base is None or base.prefix == interpreter.prefix:
                continue
            if not base.is_venv:
                return base
            if _depth < 4:
                with contextlib.suppress(InterpreterError):
                    return base_interpreter(base, cache, _depth + 1)
    raise InterpreterError(
        f"cannot find the interpreter the virtual environment {interpreter.prefix} was made from",
        hint="its pyvenv.cfg 'home' may point at a Python that was removed; pass --python a base interpreter",
    )


def find_venv_base(
    request: str | None,
    *,
    environ: Mapping[str, str],
    cwd: Path,
    cache: Cache | None,
    running: str | None = None,
) -> FoundInterpreter:
    """The interpreter to build a new virtual environment on: ``--python`` or the running one, as a base."""
    if request:
        found = find_requested(request, environ=environ, cwd=cwd, cache=cache)
        return FoundInterpreter(base_interpreter(found.interpreter, cache), found.source)
    if running is None:
        running = sys.executable
        if sys.prefix != sys.base_prefix:
            base = getattr(sys, "_base_executable", None)
            if base and os.path.isfile(base) and base != sys.executable:
                running = base
    interpreter = probe_interpreter(running, cache)
    return FoundInterpreter(base_interpreter(interpreter, cache), "the interpreter running pipcompat")
