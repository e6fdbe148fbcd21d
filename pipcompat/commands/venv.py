"""``pipcompat venv``: create virtual environments like ``python -m venv`` does, without running it.

Two steps per environment: :func:`pipcompat.env.venv.create_venv` lays it out (pure layout), then, unless
``--without-pip``, it is seeded with the base Python's own bundled wheels (pip; setuptools too before
3.12, as ``python -m venv`` does): unpacked once into the cache and hardlinked, no bytecode compiled,
``REQUESTED`` written as pip writes it for ``ensurepip``'s install. When the wheels are unpacked in the
cache already, :func:`pipcompat.env.seed.seed_from_cache` links them without importing the install
engine; otherwise (or when it declines) the install engine
(:func:`pipcompat.install.engine.install_wheels`) does it.

Start-up is most of what ``pipcompat venv --without-pip`` costs, so this module imports only what runs:
the base interpreter comes from its cached probe with a few ``stat`` calls
(:func:`pipcompat.env.venv.cached_base`), and interpreter discovery, the cache and the install engine are
imported only when they are needed. :func:`create_environments` is what ``pipcompat venv`` calls directly
(no :class:`~pipcompat.settings.CommandSettings` to build); :func:`run` is the registry's entry point.
"""

from __future__ import annotations

import os
import sys
import time

from pipcompat import __version__
from pipcompat.env.venv import CreatedVenv, VenvOptions, cached_base, create_venv, running_base_executable
from pipcompat.errors import SUCCESS, PipcompatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, Protocol

    from pipcompat.commands import Context
    from pipcompat.env.venv import VenvInterpreter
    from pipcompat.install.engine import InstalledDist

    #: ``upgrade(python, projects)``: install the newest releases of *projects* into the environment whose
    #: interpreter is *python*, returning the exit status (the front door passes ``pipcompat pip install
    #: --upgrade``, which reads pip's configuration and ``PIP_*`` variables as python -m venv's pip would).
    Upgrader = Callable[[str, Sequence[str]], int]

    class Seeded(Protocol):
        @property
        def name(self) -> str: ...
        @property
        def version(self) -> str: ...

    from pipcompat.settings import CommandSettings
    from pipcompat.ui import Printer

    class SeedInterpreter(VenvInterpreter, Protocol):
        @property
        def ensurepip_wheels(self) -> tuple[str, ...]: ...
        @property
        def implementation_display(self) -> str: ...


IMPLEMENTED_OPTIONS = frozenset(
    {
        "system_site",
        "symlinks",
        "clear",
        "upgrade",
        "with_pip",
        "prompt",
        "upgrade_deps",
        "scm_ignore_files",
        "python",
        "seed",
        "allow_existing",
        "cache_dir",
    }
)


def _shown(path: str) -> str:
    """The directory as the user should read it: as given when relative, else absolute."""
    return path if not os.path.isabs(path) else os.path.normpath(path)


def _activate_hint(shown: str, bin_name: str) -> str:
    if os.name == "nt":
        return f"Activate with: {os.path.join(shown, bin_name, 'activate')}"
    return f"Activate with: source {shown}/{bin_name}/activate"


def options_from_values(values: Mapping[str, Any]) -> VenvOptions:
    scm = values.get("scm_ignore_files")
    return VenvOptions(
        system_site_packages=bool(values.get("system_site")),
        symlinks=bool(values.get("symlinks", os.name != "nt")),
        clear=bool(values.get("clear")),
        upgrade=bool(values.get("upgrade")),
        allow_existing=bool(values.get("allow_existing")),
        with_pip=bool(values.get("with_pip", True)),
        seed=bool(values.get("seed")),
        prompt=values.get("prompt"),
        scm_ignore_files=frozenset(scm) if scm is not None else frozenset({"git"}),
        upgrade_deps=bool(values.get("upgrade_deps")),
    )


def options_from_settings(settings: CommandSettings) -> VenvOptions:
    return options_from_values(settings.values)


def default_cache_root(environ: Mapping[str, str]) -> str:
    """:func:`pipcompat.config.default_cache_dir` (a test holds them equal), without importing the
    configuration layers where the environment alone decides it."""
    chosen = environ.get("PIPCOMPAT_CACHE_DIR")
    if chosen:
        return os.path.expanduser(chosen)
    if sys.platform in ("win32", "darwin"):
        from pipcompat.config import default_cache_dir

        return os.fspath(default_cache_dir(environ))
    base = environ.get("XDG_CACHE_HOME", "").strip()
    if not os.path.isabs(base):
        home = environ.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, ".cache")
    return os.path.join(base, "pipcompat")


# -- the base interpreter --------------------------------------------------------------------------------
def _direct_path(request: str | None, cwd: str) -> str | None:
    """The file ``--python`` names when it is plainly a path to one (else ``None``: full discovery)."""
    if request is None:
        return running_base_executable()
    text = request.strip()
    if not (os.sep in text or (os.altsep and os.altsep in text) or text.startswith(("~", "."))):
        return None
    path = os.path.join(cwd, os.path.expanduser(text))
    return path if os.path.isfile(path) else None


def find_base(
    request: str | None, *, environ: Mapping[str, str], cwd: str, cache_root: str
) -> SeedInterpreter:
    """The base interpreter of the new environments: the cached probe when warm, else full discovery."""
    direct = _direct_path(request, cwd)
    if direct is not None:
        found = cached_base(direct, cache_root)
        if found is not None:
            return found
    from pathlib import Path

    from pipcompat.cache import Cache
    from pipcompat.env.interpreters import find_venv_base

    return find_venv_base(
        request,
        environ=environ,
        cwd=Path(cwd),
        cache=Cache(Path(cache_root)),
        running=running_base_executable(),
    ).interpreter


# -- seeding ---------------------------------------------------------------------------------------------
def _is_installed(site_packages: str, project: str) -> bool:
    """Whether some version of *project* has a ``.dist-info`` in *site_packages*."""
    prefix = project.lower().replace("-", "_") + "-"
    try:
        with os.scandir(site_packages) as entries:
            names = [entry.name.lower() for entry in entries]
        return any(name.startswith(prefix) and name.endswith(".dist-info") for name in names)
    except OSError:
        return False


def fix_versioned_scripts(dist: InstalledDist, scripts_dir: str, version: tuple[int, ...]) -> None:
    """Name pip's (and old setuptools') version-suffixed scripts for the target, as pip does.

    A bundled wheel's ``entry_points.txt`` names them for the Python that built the wheel (pip 23.2's says
    ``pip3.11``, also inside Python 3.12; pip 24.2's has no ``pip3.X`` at all); pip, and ``ensurepip``
    through it, write ``pip``, ``pipX`` and ``pipX.Y`` for the target instead. The install engine writes the
    wheel's names, so this renames or adds the scripts (copies of the plain one: the launchers are
    identical) and rewrites ``RECORD`` to match.
    """
    from pipcompat.env.seed import VERSIONED_SCRIPTS

    rule = VERSIONED_SCRIPTS.get(dist.name.lower())
    if rule is None:
        return
    import csv
    import io
    import re
    import shutil

    pattern, plain, templates = rule
    wanted = {name.format(major=version[0], minor=version[1]) for name in templates}
    lib_dir = os.path.dirname(os.fspath(dist.dist_info))
    record_path = os.path.join(os.fspath(dist.dist_info), "RECORD")
    with open(record_path, encoding="utf-8", newline="") as stream:
        rows = [row for row in csv.reader(stream) if row]
    scripts_dir = os.path.normcase(os.path.abspath(scripts_dir))

    def script_name(row: list[str]) -> str | None:
        path = os.path.normpath(os.path.join(lib_dir, row[0]))
        return os.path.basename(path) if os.path.normcase(os.path.dirname(path)) == scripts_dir else None

    template = next((row for row in rows if script_name(row) == plain), None)
    if template is None:
        return
    kept: list[list[str]] = []
    present: set[str] = set()
    for row in rows:
        name = script_name(row)
        if name is not None and name != plain and re.fullmatch(pattern, name) and name not in wanted:
            os.unlink(os.path.join(scripts_dir, name))
            continue
        if name is not None:
            present.add(name)
        kept.append(row)
    source = os.path.join(scripts_dir, plain)
    for name in sorted(wanted - present):
        target = os.path.join(scripts_dir, name)
        shutil.copyfile(source, target)
        os.chmod(target, 0o755)
        relative = os.path.relpath(target, lib_dir).replace(os.sep, "/")
        kept.append([relative, *template[1:]])
    record_row = [row for row in kept if row[0].endswith(".dist-info/RECORD") and len(row) > 1 and not row[1]]
    body = sorted((row for row in kept if row not in record_row), key=lambda row: row[0])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([*body, *record_row])
    with open(record_path, "w", encoding="utf-8", newline="") as stream:
        stream.write(out.getvalue())


def seed_environment(
    created: CreatedVenv,
    interpreter: SeedInterpreter,
    options: VenvOptions,
    *,
    cache_root: str,
    from_cache: bool = True,
) -> tuple[Sequence[Seeded], list[str]]:
    """Install the bundled wheels ``python -m venv`` would into *created*.

    Returns what was installed and the projects the interpreter does not bundle. Projects already in the
    environment are left alone (as ``python -m venv`` leaves them when run on an existing environment).
    When every wheel is unpacked in the cache already (and *from_cache*), its files are linked straight in
    (:func:`pipcompat.env.seed.seed_from_cache`: no install engine to import); otherwise, and whenever
    that path declines, the install engine does the job, with the same result byte for byte.
    """
    from pipcompat.env.seed import bundled_wheels, seed_from_cache, seed_projects

    available = bundled_wheels(interpreter.ensurepip_wheels)
    wanted = []
    missing: list[str] = []
    for name in seed_projects(interpreter.version, seed=options.seed):
        wheel = available.get(name)
        if wheel is None:
            missing.append(name)
        elif not _is_installed(created.site_dir, name):
            wanted.append(wheel)
    if not wanted:
        return [], missing
    if from_cache and not options.upgrade_deps:
        seeded = seed_from_cache(
            wanted,
            cache_root=cache_root,
            site_dir=created.site_dir,
            scripts_dir=created.scripts_path,
            python=created.python_path,
            version=interpreter.version,
        )
        if seeded is not None:
            return seeded, missing

    from pathlib import Path

    from pipcompat.cache import open_cache
    from pipcompat.install.engine import WheelToInstall, install_wheels
    from pipcompat.install.scheme import Scheme

    root = Path(created.root_dir)
    platlib = interpreter.venv_layout.get("platlib")
    scheme = Scheme(
        purelib=Path(created.site_dir),
        platlib=root / platlib if platlib else Path(created.site_dir),
        headers=root / "include" / "site" / f"python{interpreter.short_version}",
        scripts=Path(created.scripts_path),
        data=root,
    )
    with open_cache(Path(cache_root)) as cache:  # held shared: 'pipcompat cache clean' waits for us
        installed = install_wheels(
            [WheelToInstall(Path(wheel.path), requested=True) for wheel in wanted],
            scheme,
            cache,
            python=created.python_path,
            link_mode="hardlink",
            compile=False,
        )
    for dist in installed:
        fix_versioned_scripts(dist, created.scripts_path, interpreter.version)
    return installed, missing


# -- the command -------------------------------------------------------------------------------------------
def create_environments(
    values: Mapping[str, Any],
    dirs: Sequence[str],
    *,
    printer: Printer,
    environ: Mapping[str, str],
    cwd: str | os.PathLike[str],
    upgrade: Upgrader | None = None,
) -> int:
    """Create an environment in each of *dirs* as *values* (the ``venv`` option values) ask.

    With ``--upgrade-deps``, *upgrade* then installs the newest releases of what ``python -m venv`` would
    upgrade (pip; pip and setuptools before Python 3.12) into each new environment, as
    ``pipcompat pip install --upgrade`` would with the user's pip configuration; the first failure stops.
    """
    if values.get("upgrade_deps") and upgrade is None:
        raise PipcompatError("--upgrade-deps needs the package index, which this entry point does not give")
    started = time.perf_counter()
    cwd = os.fspath(cwd)
    options = options_from_values(values)
    chosen = values.get("cache_dir")
    cache_root = (
        os.path.expanduser(chosen) if isinstance(chosen, str) and chosen else default_cache_root(environ)
    )
    interpreter = find_base(values.get("python"), environ=environ, cwd=cwd, cache_root=cache_root)
    printer.info(
        f"Using {interpreter.implementation_display} {interpreter.python_version} interpreter at: "
        f"{interpreter.executable}"
    )
    seeding = options.with_pip or options.seed
    if seeding:
        from pipcompat.env.seed import bundled_wheels

        if "pip" not in bundled_wheels(interpreter.ensurepip_wheels):
            raise PipcompatError(
                f"{interpreter.executable} has no bundled pip wheel to seed the environment with "
                "(its ensurepip is missing)",
                hint="pass --without-pip, or use a Python that ships ensurepip "
                "(on Debian and Ubuntu: apt install python3-venv)",
            )
    for directory in dirs or (".venv",):
        shown = _shown(str(directory))
        printer.info(f"Creating virtual environment{' with seed packages' if seeding else ''} at: {shown}")
        root = directory if os.path.isabs(directory) else os.path.join(cwd, directory)
        created = create_venv(root, interpreter, options, cwd=cwd, pipcompat_version=__version__)
        if seeding:
            installed, missing = seed_environment(created, interpreter, options, cache_root=cache_root)
            for dist in installed:
                printer.info(f" + {dist.name}=={dist.version}")
            for name in missing:
                printer.warning(f"{name} was not seeded: {interpreter.executable} does not bundle it")
        if upgrade is not None and values.get("upgrade_deps"):
            from pipcompat.env.seed import seed_projects

            status = upgrade(created.python_path, seed_projects(interpreter.version, seed=False))
            if status != SUCCESS:
                return status
        printer.info(_activate_hint(shown, created.bin_name))
    printer.detail(f"Done in {time.perf_counter() - started:.2f}s")
    return SUCCESS


def run(settings: CommandSettings, ctx: Context) -> int:
    dirs = tuple(settings.get("dirs") or settings.args or (".venv",))
    return create_environments(settings.values, dirs, printer=ctx.printer, environ=ctx.environ, cwd=ctx.cwd)
