"""Building virtual environments natively: what ``python -m venv`` lays out, without running it.

:func:`create_venv` writes ``pyvenv.cfg`` (the lines CPython writes for the target's version, plus a
``pipcompat = X`` line as uv writes ``uv = X``), links the interpreter (``python``, ``python3``,
``python3.X``; symlinks by default on POSIX, copies with ``symlinks=False``), makes ``lib/pythonX.Y/
site-packages`` (and the ``lib64`` symlink CPython makes on 64-bit Linux), the include directory, the
activation scripts and a ``.gitignore``. It installs nothing: seeding pip is driven by ``pipcompat venv``
(:mod:`pipcompat.commands.venv`), through :mod:`pipcompat.env.seed` (which bundled wheels, and linking
them from the cache) or the install engine.

Existing directories: like ``python -m venv``, an existing environment is updated in place (``clear``
empties it first; ``upgrade`` only re-points the interpreter and ``pyvenv.cfg``); a non-empty directory
that is *not* an environment is refused unless ``allow_existing`` or ``clear`` is given.

Start-up matters here (``pipcompat venv`` should cost little more than starting Python), so this module
works on ``str`` paths with :mod:`os` and imports nothing heavy; :func:`cached_base` reads an interpreter's
cached probe without importing :mod:`pipcompat.env.probe` or :mod:`pipcompat.cache`.
"""

from __future__ import annotations

import os
import sys

from pipcompat.errors import PipcompatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any, Protocol

    class VenvInterpreter(Protocol):
        """What building an environment needs to know about its base interpreter."""

        @property
        def executable(self) -> str: ...
        @property
        def version(self) -> tuple[int, int, int]: ...
        @property
        def python_version(self) -> str: ...
        @property
        def short_version(self) -> str: ...
        @property
        def venv_layout(self) -> Mapping[str, str | None]: ...
        @property
        def pointer_size(self) -> int: ...
        @property
        def platform(self) -> str: ...
        @property
        def gil_disabled(self) -> bool: ...
        @property
        def is_venv(self) -> bool: ...


class VenvError(PipcompatError):
    """A virtual environment that cannot be created where or how it was asked for."""


class VenvOptions:
    """How to build an environment (the options of ``python -m venv``, virtualenv and uv).

    ``with_pip``, ``seed`` and ``upgrade_deps`` do not change the layout: they are recorded in
    ``pyvenv.cfg``'s ``command`` line, and the caller seeds accordingly.
    """

    __slots__ = (
        "allow_existing",
        "clear",
        "command_args",
        "prompt",
        "scm_ignore_files",
        "seed",
        "symlinks",
        "system_site_packages",
        "upgrade",
        "upgrade_deps",
        "with_pip",
    )

    def __init__(
        self,
        *,
        system_site_packages: bool = False,
        symlinks: bool = os.name != "nt",
        clear: bool = False,
        upgrade: bool = False,
        allow_existing: bool = False,
        with_pip: bool = True,
        seed: bool = False,
        prompt: str | None = None,
        scm_ignore_files: frozenset[str] = frozenset({"git"}),
        upgrade_deps: bool = False,
        command_args: tuple[str, ...] | None = None,
    ) -> None:
        self.system_site_packages = system_site_packages
        self.symlinks = symlinks
        self.clear = clear
        self.upgrade = upgrade
        self.allow_existing = allow_existing
        self.with_pip = with_pip
        self.seed = seed
        """uv's ``--seed``: also setuptools and wheel before Python 3.12."""
        self.prompt = prompt
        """``None`` → the directory's name; ``.`` → the current directory's name."""
        self.scm_ignore_files = scm_ignore_files
        self.upgrade_deps = upgrade_deps
        self.command_args = command_args
        """The options to record in ``pyvenv.cfg``'s ``command`` line (default: computed from these)."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in sorted(self.__slots__))
        return f"VenvOptions({fields})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VenvOptions):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


class CreatedVenv:
    """What :func:`create_venv` made (paths are absolute; the ``*_dir`` forms are strings)."""

    __slots__ = ("interpreter", "prompt", "python_path", "replaced", "root_dir", "scripts_path", "site_dir")

    def __init__(
        self,
        *,
        root_dir: str,
        python_path: str,
        scripts_path: str,
        site_dir: str,
        interpreter: VenvInterpreter,
        prompt: str,
        replaced: bool,
    ) -> None:
        self.root_dir = root_dir
        self.python_path = python_path
        self.scripts_path = scripts_path
        self.site_dir = site_dir
        self.interpreter = interpreter
        self.prompt = prompt
        self.replaced = replaced
        """Whether an existing environment (or directory) was there and was updated or cleared."""

    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self.root_dir)

    @property
    def python(self) -> Path:
        from pathlib import Path

        return Path(self.python_path)

    @property
    def scripts_dir(self) -> Path:
        from pathlib import Path

        return Path(self.scripts_path)

    @property
    def site_packages(self) -> Path:
        from pathlib import Path

        return Path(self.site_dir)

    @property
    def bin_name(self) -> str:
        """The scripts directory relative to the root: ``bin`` (``Scripts`` on Windows)."""
        return os.path.relpath(self.scripts_path, self.root_dir)


# -- the base interpreter, from the probe cache ---------------------------------------------------------
#: The probe cache's bucket (``pipcompat.cache.BUCKET_VERSIONS["interpreters"]``); a test keeps them equal.
_INTERPRETERS_BUCKET = "interpreters-v1"
_DISPLAY_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}


class VenvBase:
    """A base interpreter as its cached probe describes it: the part of
    :class:`pipcompat.env.probe.Interpreter` that building and seeding an environment need."""

    __slots__ = (
        "ensurepip_wheels",
        "executable",
        "gil_disabled",
        "implementation",
        "is_venv",
        "markers",
        "platform",
        "pointer_size",
        "venv_layout",
        "version",
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        major, minor, micro = (int(part) for part in data["version"][:3])
        self.executable: str = data["executable"]
        self.version = (major, minor, micro)
        self.implementation: str = data["implementation"]
        self.venv_layout: Mapping[str, str | None] = dict(data["venv_layout"])
        self.markers: Mapping[str, str] = dict(data.get("markers") or {})
        self.platform: str = data["platform"]
        self.pointer_size = int(data.get("pointer_size") or 64)
        self.gil_disabled = bool(data.get("gil_disabled"))
        self.is_venv = bool(data.get("is_venv"))
        self.ensurepip_wheels: tuple[str, ...] = tuple(data.get("ensurepip_wheels") or ())

    @property
    def python_version(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def short_version(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"

    @property
    def implementation_display(self) -> str:
        return _DISPLAY_NAMES.get(
            self.implementation, self.markers.get("platform_python_implementation", self.implementation)
        )


def _sha256(data: bytes) -> Any:
    try:  # the built-in module: no OpenSSL to load for one small hash
        from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return sha256(data)


def _sha256_hex(data: bytes) -> str:
    return str(_sha256(data).hexdigest())


def _sha256_digest(data: bytes) -> bytes:
    return bytes(_sha256(data).digest())


def probe_cache_path(executable: str, cache_root: str) -> str | None:
    """Where :func:`pipcompat.env.probe.probe_interpreter` caches *executable*'s probe (``None``: no file).

    The same key as :func:`pipcompat.env.probe.probe_cache_entry` (a test holds them equal), computed
    with a few ``stat`` calls.
    """
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
    return os.path.join(cache_root, _INTERPRETERS_BUCKET, key[:2], key[2:4], key + ".json")


def cached_base(executable: str, cache_root: str) -> VenvBase | None:
    """*executable* as a base for new environments, from its cached probe; ``None`` when there is none yet
    (or it is a virtual environment's interpreter, whose base takes the full discovery)."""
    path = probe_cache_path(executable, cache_root)
    if path is None:
        return None
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError:
        return None
    import json

    try:
        base = VenvBase(json.loads(raw))
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return None if base.is_venv else base


# -- pyvenv.cfg -----------------------------------------------------------------------------------------
def pyvenv_cfg(
    root: str | os.PathLike[str],
    interpreter: VenvInterpreter,
    options: VenvOptions,
    *,
    prompt: str | None,
    pipcompat_version: str | None,
) -> str:
    """``pyvenv.cfg``'s text: CPython's lines for the target's version, then pipcompat's."""
    executable = os.path.abspath(interpreter.executable)
    lines = [
        f"home = {os.path.dirname(executable)}",
        f"include-system-site-packages = {'true' if options.system_site_packages else 'false'}",
        f"version = {interpreter.python_version}",
    ]
    if prompt is not None:
        lines.append(f"prompt = {prompt!r}")
    if interpreter.version[:2] >= (3, 11):
        lines.append(f"executable = {os.path.realpath(executable)}")
        args = list(options.command_args) if options.command_args is not None else _command_args(options)
        lines.append(f"command = {executable} -m venv {' '.join([*args, os.fspath(root)])}")
    if pipcompat_version:
        lines.append(f"pipcompat = {pipcompat_version}")
    return "\n".join(lines) + "\n"


def _command_args(options: VenvOptions) -> list[str]:
    """The ``python -m venv`` options that would make the same environment (as CPython records them)."""
    args: list[str] = []
    nt = os.name == "nt"
    if nt and options.symlinks:
        args.append("--symlinks")
    if not nt and not options.symlinks:
        args.append("--copies")
    if not options.with_pip:
        args.append("--without-pip")
    if options.system_site_packages:
        args.append("--system-site-packages")
    if options.clear:
        args.append("--clear")
    if options.upgrade:
        args.append("--upgrade")
    if options.upgrade_deps:
        args.append("--upgrade-deps")
    if options.prompt is not None:
        args.append(f'--prompt="{options.prompt}"')
    if not options.scm_ignore_files:
        args.append("--without-scm-ignore-files")
    return args


# -- the layout -----------------------------------------------------------------------------------------
def _exists(path: str) -> bool:
    return os.path.lexists(path)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _copy(source: str, target: str) -> None:
    import shutil

    shutil.copyfile(source, target)
    os.chmod(target, 0o755)


def _link_or_copy(source: str, target: str, *, symlinks: bool, relative: bool = False) -> None:
    if _exists(target):
        if os.path.islink(target) or not _same_file(source, target):
            os.unlink(target)
        else:
            return
    if symlinks:
        try:
            os.symlink(os.path.basename(source) if relative else source, target)
            return
        except OSError:
            pass
    _copy(source, target)


def _setup_python_posix(bin_dir: str, interpreter: VenvInterpreter, *, symlinks: bool) -> str:
    executable = os.path.abspath(interpreter.executable)
    main = os.path.join(bin_dir, os.path.basename(executable))
    _link_or_copy(executable, main, symlinks=symlinks)
    minor = interpreter.version[1]
    names = ["python", "python3", f"python3.{minor}"]
    if interpreter.gil_disabled:
        names.append(f"python3.{minor}t")
    for name in names:
        path = os.path.join(bin_dir, name)
        if path == main:
            continue
        if _exists(path):
            # The main link may have been renamed by an upgrade: point the others at it again.
            os.unlink(path)
        _link_or_copy(main, path, symlinks=symlinks, relative=True)
    return os.path.join(bin_dir, "python")


def _setup_python_windows(bin_dir: str, interpreter: VenvInterpreter, *, symlinks: bool) -> str:
    executable = os.path.abspath(interpreter.executable)
    home = os.path.dirname(executable)
    for name in ("python.exe", "pythonw.exe"):
        source = os.path.join(home, name)
        if os.path.exists(source):
            _link_or_copy(source, os.path.join(bin_dir, name), symlinks=symlinks)
    if symlinks:
        for entry in os.scandir(home):
            lowered = entry.name.lower()
            if lowered.endswith(".dll") and lowered.startswith(("python", "vcruntime")):
                _link_or_copy(entry.path, os.path.join(bin_dir, entry.name), symlinks=True)
    return os.path.join(bin_dir, "python.exe")


def _clear_directory(path: str) -> None:
    import shutil

    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _prepare_directory(root: str, options: VenvOptions) -> bool:
    """Create, clear or check *root*; return whether it held an environment (or anything) before."""
    if os.pathsep in root:
        raise VenvError(
            f"refusing to create a virtual environment in {root}: its path contains {os.pathsep!r}, "
            "which PATH uses as a separator"
        )
    try:
        os.mkdir(root)
        return False
    except FileNotFoundError:
        os.makedirs(root)
        return False
    except FileExistsError:
        pass
    if not os.path.isdir(root):
        raise VenvError(f"cannot create a virtual environment at {root}: it exists and is not a directory")
    with os.scandir(root) as entries:
        existing = any(True for _ in entries)
    if not existing:
        return False
    if options.clear:
        _clear_directory(root)
        return True
    is_venv = os.path.isfile(os.path.join(root, "pyvenv.cfg"))
    if not is_venv and not options.allow_existing and not options.upgrade:
        raise VenvError(
            f"{root} exists and is not a virtual environment",
            hint="choose another directory, or pass --allow-existing to write into it "
            "(--clear empties it first)",
        )
    return True


def _write(path: str, text: str, *, newline: str | None = "\n") -> None:
    with open(path, "w", encoding="utf-8", newline=newline) as stream:
        stream.write(text)


def _makedirs(path: str) -> None:
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


def create_venv(
    root: str | os.PathLike[str],
    interpreter: VenvInterpreter,
    options: VenvOptions,
    *,
    cache: object = None,
    cwd: str | os.PathLike[str] | None = None,
    pipcompat_version: str | None = None,
) -> CreatedVenv:
    """Lay out a virtual environment at *root* for the base *interpreter* (nothing is installed in it).

    *cache* is accepted for compatibility and unused: the layout needs no cache.
    """
    del cache
    if interpreter.is_venv:
        raise VenvError(
            f"{interpreter.executable} is a virtual environment's interpreter, not a base one",
            hint="pass the interpreter it was made from",
        )
    root_dir = os.path.abspath(root)
    cwd_dir = os.fspath(cwd) if cwd is not None else os.getcwd()
    replaced = _prepare_directory(root_dir, options)

    nt = os.name == "nt"
    layout = interpreter.venv_layout
    scripts_rel = layout.get("scripts") or ("Scripts" if nt else "bin")
    default_lib = "Lib/site-packages" if nt else f"lib/python{interpreter.short_version}/site-packages"
    purelib_rel = layout.get("purelib") or default_lib
    include_rel = layout.get("include") or ("Include" if nt else "include")
    bin_dir = os.path.join(root_dir, scripts_rel)
    site_packages = os.path.join(root_dir, purelib_rel)
    for directory in (bin_dir, site_packages, os.path.join(root_dir, include_rel)):
        _makedirs(directory)
    platlib_rel = layout.get("platlib")
    if platlib_rel and platlib_rel != purelib_rel:
        _makedirs(os.path.join(root_dir, platlib_rel))
    if (
        interpreter.pointer_size == 64
        and os.name == "posix"
        and not interpreter.platform.startswith("macosx")
        and purelib_rel.startswith("lib/")
    ):
        lib64 = os.path.join(root_dir, "lib64")
        if not _exists(lib64):
            os.symlink("lib", lib64)

    prompt_option = options.prompt
    if prompt_option == ".":
        prompt_option = os.path.basename(os.path.normpath(cwd_dir))
    prompt = prompt_option if prompt_option is not None else os.path.basename(root_dir)

    if "git" in options.scm_ignore_files:
        _write(
            os.path.join(root_dir, ".gitignore"),
            "# Created by pipcompat venv; the environment is not meant to be committed.\n*\n",
        )
    _write(
        os.path.join(root_dir, "pyvenv.cfg"),
        pyvenv_cfg(root_dir, interpreter, options, prompt=prompt_option, pipcompat_version=pipcompat_version),
    )
    if nt:
        python = _setup_python_windows(bin_dir, interpreter, symlinks=options.symlinks)
    else:
        python = _setup_python_posix(bin_dir, interpreter, symlinks=options.symlinks)

    if not options.upgrade:
        from pipcompat.env.activation import activation_scripts

        scripts = activation_scripts(venv_dir=root_dir, bin_name=scripts_rel, prompt=prompt)
        for name, text in scripts.items():
            _write(os.path.join(bin_dir, name), text, newline="\n" if name != "Activate.ps1" else None)

    return CreatedVenv(
        root_dir=root_dir,
        python_path=python,
        scripts_path=bin_dir,
        site_dir=site_packages,
        interpreter=interpreter,
        prompt=prompt,
        replaced=replaced,
    )


def running_base_executable() -> str:
    """The interpreter ``python -m venv`` would build on: the running one, or its base in a venv."""
    running = sys.executable
    if sys.prefix != sys.base_prefix:
        base = getattr(sys, "_base_executable", None)
        if base and os.path.isfile(base) and base != sys.executable:
            running = base
    return running
