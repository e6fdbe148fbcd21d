"""Building virtual environments natively: what ``python -m venv`` makes, without running it.

:func:`create_venv` writes ``pyvenv.cfg`` (the lines CPython writes for the target's version, plus a
``pipcompat = X`` line as uv writes ``uv = X``), links the interpreter (``python``, ``python3``,
``python3.X``; symlinks by default on POSIX, copies with ``symlinks=False``), makes ``lib/pythonX.Y/
site-packages`` (and the ``lib64`` symlink CPython makes on 64-bit Linux), the include directory, the
activation scripts, a ``.gitignore`` and, unless told not to, seeds pip from the target's bundled wheel.

Existing directories: like ``python -m venv``, an existing environment is updated in place (``clear``
empties it first; ``upgrade`` only re-points the interpreter and ``pyvenv.cfg``); a non-empty directory
that is *not* an environment is refused unless ``allow_existing`` or ``clear`` is given.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipcompat.cache import Cache
from pipcompat.env.activation import activation_scripts
from pipcompat.env.probe import Interpreter
from pipcompat.env.seed import SeededProject, bundled_wheels, seed_environment, seed_projects
from pipcompat.errors import PipcompatError


class VenvError(PipcompatError):
    """A virtual environment that cannot be created where or how it was asked for."""


@dataclass(frozen=True)
class VenvOptions:
    """How to build an environment (the options of ``python -m venv``, virtualenv and uv)."""

    system_site_packages: bool = False
    symlinks: bool = os.name != "nt"
    clear: bool = False
    upgrade: bool = False
    allow_existing: bool = False
    with_pip: bool = True
    seed: bool = False
    """uv's ``--seed``: also setuptools and wheel before Python 3.12."""
    prompt: str | None = None
    """``None`` → the directory's name; ``.`` → the current directory's name."""
    scm_ignore_files: frozenset[str] = frozenset({"git"})
    upgrade_deps: bool = False
    command_args: tuple[str, ...] | None = None
    """The options to record in ``pyvenv.cfg``'s ``command`` line (default: computed from these options)."""


@dataclass(frozen=True)
class CreatedVenv:
    """What :func:`create_venv` made."""

    root: Path
    python: Path
    scripts_dir: Path
    site_packages: Path
    interpreter: Interpreter
    prompt: str
    seeded: tuple[SeededProject, ...] = ()
    not_seeded: tuple[str, ...] = ()
    replaced: bool = False
    """Whether an existing environment was there (and was updated or cleared)."""
    warnings: tuple[str, ...] = field(default=())


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _clear_directory(path: Path) -> None:
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _layout_path(interpreter: Interpreter, name: str, default: str) -> str:
    return interpreter.venv_layout.get(name) or default


def pyvenv_cfg(
    root: Path,
    interpreter: Interpreter,
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
        lines.append(f"command = {executable} -m venv {' '.join([*args, str(root)])}")
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


def _link_or_copy(source: Path, target: Path, *, symlinks: bool, relative: bool = False) -> None:
    if target.is_symlink() or target.exists():
        if target.is_symlink() or not _same_file(source, target):
            target.unlink()
        else:
            return
    if symlinks:
        try:
            os.symlink(source.name if relative else source, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)
    os.chmod(target, 0o755)


def _setup_python_posix(bin_dir: Path, interpreter: Interpreter, *, symlinks: bool) -> Path:
    executable = Path(os.path.abspath(interpreter.executable))
    main = bin_dir / executable.name
    _link_or_copy(executable, main, symlinks=symlinks)
    minor = interpreter.version[1]
    names = ["python", "python3", f"python3.{minor}"]
    if interpreter.gil_disabled:
        names.append(f"python3.{minor}t")
    for name in names:
        path = bin_dir / name
        if path == main:
            continue
        if path.is_symlink() or path.exists():
            # The main link may have been renamed by an upgrade: point the others at it again.
            path.unlink()
        _link_or_copy(main, path, symlinks=symlinks, relative=True)
    return bin_dir / "python"


def _setup_python_windows(bin_dir: Path, interpreter: Interpreter, *, symlinks: bool) -> Path:
    executable = Path(os.path.abspath(interpreter.executable))
    home = executable.parent
    stem = "python"
    for name in (f"{stem}.exe", f"{stem}w.exe"):
        source = home / name
        if source.exists():
            _link_or_copy(source, bin_dir / name, symlinks=symlinks)
    if symlinks:
        for dll in home.glob("*.dll"):
            if dll.name.lower().startswith(("python", "vcruntime")):
                _link_or_copy(dll, bin_dir / dll.name, symlinks=True)
    return bin_dir / "python.exe"


def _prepare_directory(root: Path, options: VenvOptions) -> bool:
    """Create, clear or check *root*; return whether it held an environment (or anything) before."""
    if os.pathsep in str(root):
        raise VenvError(
            f"refusing to create a virtual environment in {root}: its path contains {os.pathsep!r}, "
            "which PATH uses as a separator"
        )
    if (root.is_symlink() and not root.is_dir()) or (root.exists() and not root.is_dir()):
        raise VenvError(f"cannot create a virtual environment at {root}: it exists and is not a directory")
    if not root.exists():
        root.mkdir(parents=True)
        return False
    existing = any(os.scandir(root))
    if not existing:
        return False
    is_venv = (root / "pyvenv.cfg").is_file()
    if options.clear:
        _clear_directory(root)
        return True
    if not is_venv and not options.allow_existing and not options.upgrade:
        raise VenvError(
            f"{root} exists and is not a virtual environment",
            hint="choose another directory, or pass --allow-existing to write into it "
            "(--clear empties it first)",
        )
    return True


def create_venv(
    root: Path,
    interpreter: Interpreter,
    options: VenvOptions,
    *,
    cache: Cache | None,
    cwd: Path | None = None,
    pipcompat_version: str | None = None,
) -> CreatedVenv:
    """Build a virtual environment at *root* for the base *interpreter*."""
    if interpreter.is_venv:
        raise VenvError(
            f"{interpreter.executable} is a virtual environment's interpreter, not a base one",
            hint="pass the interpreter it was made from",
        )
    root = Path(os.path.abspath(root))
    cwd = cwd or Path.cwd()
    if (options.with_pip or options.seed) and "pip" not in bundled_wheels(interpreter):
        raise VenvError(
            f"{interpreter.executable} has no bundled pip wheel to seed the environment with "
            "(its ensurepip is missing)",
            hint="pass --without-pip, or use a Python that ships ensurepip "
            "(on Debian and Ubuntu: apt install python3-venv)",
        )
    replaced = _prepare_directory(root, options)

    scripts_rel = _layout_path(interpreter, "scripts", "Scripts" if os.name == "nt" else "bin")
    default_lib = (
        "Lib/site-packages" if os.name == "nt" else f"lib/python{interpreter.short_version}/site-packages"
    )
    purelib_rel = _layout_path(interpreter, "purelib", default_lib)
    include_rel = _layout_path(interpreter, "include", "Include" if os.name == "nt" else "include")
    bin_dir = root / scripts_rel
    site_packages = root / purelib_rel
    for directory in (bin_dir, site_packages, root / include_rel):
        directory.mkdir(parents=True, exist_ok=True)
    platlib_rel = interpreter.venv_layout.get("platlib")
    if platlib_rel and platlib_rel != purelib_rel:
        (root / platlib_rel).mkdir(parents=True, exist_ok=True)
    if (
        interpreter.pointer_size == 64
        and os.name == "posix"
        and not interpreter.platform.startswith("macosx")
        and purelib_rel.startswith("lib/")
    ):
        lib64 = root / "lib64"
        if not lib64.exists() and not lib64.is_symlink():
            os.symlink("lib", lib64)

    prompt_option = options.prompt
    if prompt_option == ".":
        prompt_option = cwd.name
    prompt = prompt_option if prompt_option is not None else root.name

    if "git" in options.scm_ignore_files:
        (root / ".gitignore").write_text(
            "# Created by pipcompat venv; the environment is not meant to be committed.\n*\n",
            encoding="utf-8",
        )
    (root / "pyvenv.cfg").write_text(
        pyvenv_cfg(root, interpreter, options, prompt=prompt_option, pipcompat_version=pipcompat_version),
        encoding="utf-8",
    )
    if os.name == "nt":
        python = _setup_python_windows(bin_dir, interpreter, symlinks=options.symlinks)
    else:
        python = _setup_python_posix(bin_dir, interpreter, symlinks=options.symlinks)

    if not options.upgrade:
        for name, text in activation_scripts(venv_dir=str(root), bin_name=scripts_rel, prompt=prompt).items():
            (bin_dir / name).write_text(
                text, encoding="utf-8", newline="\n" if name != "Activate.ps1" else None
            )

    seeded: tuple[SeededProject, ...] = ()
    missing: tuple[str, ...] = ()
    if options.with_pip or options.seed:
        if cache is None:
            raise VenvError("seeding pip needs a cache directory", hint="pass --without-pip")
        projects = seed_projects(interpreter, seed=options.seed)
        done, not_found = seed_environment(
            interpreter,
            projects,
            site_packages=site_packages,
            scripts_dir=bin_dir,
            python=bin_dir / ("python.exe" if os.name == "nt" else "python"),
            cache=cache,
        )
        seeded, missing = tuple(done), tuple(not_found)
    return CreatedVenv(
        root=root,
        python=python,
        scripts_dir=bin_dir,
        site_packages=site_packages,
        interpreter=interpreter,
        prompt=prompt,
        seeded=seeded,
        not_seeded=missing,
        replaced=replaced,
    )
