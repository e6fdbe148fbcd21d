"""``pipcompat venv``: create virtual environments like ``python -m venv`` does, without running it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pipcompat import __version__
from pipcompat.cache import Cache
from pipcompat.env.interpreters import find_venv_base
from pipcompat.env.venv import VenvOptions, create_venv
from pipcompat.errors import SUCCESS, PipcompatError
from pipcompat.settings import default_cache_dir

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

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
    }
)


def _shown(path: str, cwd: Path) -> str:
    """The directory as the user should read it: as given when relative, else absolute."""
    return path if not os.path.isabs(path) else os.path.normpath(path)


def _activate_hint(shown: str, scripts_dir: Path, root: Path) -> str:
    bin_name = os.path.relpath(scripts_dir, root)
    if os.name == "nt":
        return f"Activate with: {os.path.join(shown, bin_name, 'activate')}"
    return f"Activate with: source {shown}/{bin_name}/activate"


def options_from_settings(settings: CommandSettings) -> VenvOptions:
    scm = settings.get("scm_ignore_files")
    return VenvOptions(
        system_site_packages=bool(settings.get("system_site")),
        symlinks=bool(settings.get("symlinks", os.name != "nt")),
        clear=bool(settings.get("clear")),
        upgrade=bool(settings.get("upgrade")),
        allow_existing=bool(settings.get("allow_existing")),
        with_pip=bool(settings.get("with_pip", True)),
        seed=bool(settings.get("seed")),
        prompt=settings.get("prompt"),
        scm_ignore_files=frozenset(scm) if scm is not None else frozenset({"git"}),
        upgrade_deps=bool(settings.get("upgrade_deps")),
    )


def run(settings: CommandSettings, ctx: Context) -> int:
    if settings.get("upgrade_deps"):
        raise PipcompatError(
            "--upgrade-deps is not available yet: it needs the package index",
            hint="create the environment, then run 'pipcompat pip install --upgrade pip' in it",
            exit_code=2,
        )
    started = time.perf_counter()
    options = options_from_settings(settings)
    cache = Cache(default_cache_dir(ctx.environ))
    found = find_venv_base(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd, cache=cache)
    interpreter = found.interpreter
    ctx.printer.info(
        f"Using {interpreter.implementation_display} {interpreter.python_version} interpreter at: "
        f"{interpreter.executable}"
    )
    dirs = settings.get("dirs") or settings.args or (".venv",)
    for directory in dirs:
        shown = _shown(str(directory), ctx.cwd)
        seeding = options.with_pip or options.seed
        ctx.printer.info(
            f"Creating virtual environment{' with seed packages' if seeding else ''} at: {shown}"
        )
        root = Path(directory) if os.path.isabs(directory) else ctx.cwd / directory
        created = create_venv(
            root, interpreter, options, cache=cache, cwd=ctx.cwd, pipcompat_version=__version__
        )
        for project in created.seeded:
            ctx.printer.info(f" + {project.name}=={project.version}")
        for name in created.not_seeded:
            ctx.printer.warning(f"{name} was not seeded: {interpreter.executable} does not bundle it")
        ctx.printer.info(_activate_hint(shown, created.scripts_dir, created.root))
    ctx.printer.detail(f"Done in {time.perf_counter() - started:.2f}s")
    return SUCCESS
