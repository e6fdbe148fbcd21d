"""The interpreter an install, uninstall or listing acts on, and its installation paths.

:func:`locate_target` finds it with :func:`pipcompat.env.interpreters.find_target` (``--python``,
``VIRTUAL_ENV``, ``CONDA_PREFIX``, a ``.venv`` in the working directory or one of its parents, the running
interpreter) and describes it with the cached probe of :mod:`pipcompat.env.probe`; :class:`TargetPython` is
the view of that description installs and listings use: ``sys.path`` as the target sees it (``PYTHONPATH``,
the user site and ``.pth`` files added since the probe included), prefixes, the sysconfig paths and scheme
templates of the default and user schemes, the user site and the PEP 508 marker environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipcompat.cache import Cache
from pipcompat.env.installed import InstalledDistribution, ScanEnvironment, scan_installed
from pipcompat.env.interpreters import find_target
from pipcompat.env.probe import Interpreter, probe_interpreter
from pipcompat.env.syspath import target_sys_path


@dataclass(frozen=True)
class TargetPython:
    """What an install or a listing needs to know about the target interpreter."""

    executable: Path
    version: tuple[int, int, int]
    implementation: str
    prefix: Path
    base_prefix: Path
    sys_path: tuple[str, ...]
    paths: Mapping[str, str]
    """``sysconfig.get_paths()`` of the default scheme: purelib, platlib, scripts, data, include, ..."""
    markers: Mapping[str, str]
    user_site: str | None = None
    user_base: str | None = None
    enable_user_site: bool = False
    scheme_templates: Mapping[str, str] = field(default_factory=dict)
    user_templates: Mapping[str, str] = field(default_factory=dict)
    config_vars: Mapping[str, str] = field(default_factory=dict)
    platform: str = ""
    soabi: str = ""
    gil_disabled: bool = False
    cache_tag: str | None = None
    interpreter: Interpreter | None = field(default=None, compare=False, repr=False)

    @property
    def in_virtualenv(self) -> bool:
        return os.path.normcase(str(self.prefix)) != os.path.normcase(str(self.base_prefix))

    @property
    def python_short(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"

    def expand(self, templates: Mapping[str, str], **overrides: str) -> dict[str, str]:
        """Expand sysconfig path templates with the target's config vars, overridden by *overrides*."""
        values = {**self.config_vars, **overrides}

        def one(template: str) -> str:
            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in values:
                    return str(values[name])
                return os.environ.get(name, match.group(0))

            return os.path.normpath(re.sub(r"\{([^{]*?)\}", sub, template))

        return {key: one(value) for key, value in templates.items()}


def target_from_interpreter(
    interpreter: Interpreter, *, environ: Mapping[str, str], cwd: Path
) -> TargetPython:
    """The :class:`TargetPython` view of a probed interpreter, as seen from *cwd* with *environ*."""
    raw = interpreter.raw
    enable_user_site = bool(raw.get("enable_user_site")) and not environ.get("PYTHONNOUSERSITE")
    user_site = raw.get("user_site")
    return TargetPython(
        executable=Path(interpreter.executable),
        version=interpreter.version,
        implementation=interpreter.implementation,
        prefix=Path(interpreter.prefix),
        base_prefix=Path(interpreter.base_prefix),
        sys_path=tuple(target_sys_path(raw, environ, str(cwd), user_site if enable_user_site else None)),
        paths={k: v for k, v in interpreter.paths.items() if v is not None},
        markers=dict(interpreter.markers),
        user_site=user_site,
        user_base=raw.get("user_base"),
        enable_user_site=enable_user_site,
        scheme_templates=dict(raw.get("scheme_templates") or {}),
        user_templates=dict(raw.get("user_templates") or {}),
        config_vars=dict(raw.get("config_vars") or {}),
        platform=interpreter.platform,
        soabi=interpreter.soabi or "",
        gil_disabled=interpreter.gil_disabled,
        cache_tag=raw.get("cache_tag"),
        interpreter=interpreter,
    )


def probe(
    executable: Path, *, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> TargetPython:
    """Describe the interpreter at *executable* (not cached)."""
    interpreter = probe_interpreter(executable)
    return target_from_interpreter(
        interpreter, environ=os.environ if environ is None else environ, cwd=cwd or Path.cwd()
    )


def locate_target(
    python: str | None,
    *,
    environ: Mapping[str, str],
    cwd: Path,
    cache: Cache | None = None,
    system: bool = False,
) -> TargetPython:
    """The target interpreter of a command, found by ``pipcompat.env``'s rules and inspected (cached when
    *cache* is given)."""
    found = find_target(python or None, system=system, environ=environ, cwd=cwd, cache=cache)
    return target_from_interpreter(found.interpreter, environ=environ, cwd=cwd)


def site_dirs(target: TargetPython, *, user: bool = False) -> Sequence[str]:
    """The directories installs go to: purelib and platlib (deduplicated), or the user site."""
    if user:
        return [target.user_site] if target.user_site else []
    dirs = [target.paths["purelib"]]
    if target.paths.get("platlib") and target.paths["platlib"] != dirs[0]:
        dirs.append(target.paths["platlib"])
    return dirs


def scan_environment(target: TargetPython) -> ScanEnvironment:
    """What the installed-distribution scan needs to know about *target*."""
    return ScanEnvironment(
        sys_path=target.sys_path,
        prefix=str(target.prefix),
        in_virtualenv=target.in_virtualenv,
        user_site=target.user_site,
    )


def installed_distributions(
    target: TargetPython, paths: Sequence[str] | None = None
) -> list[InstalledDistribution]:
    """Every distribution *target* sees (along ``--path`` entries when given), as pip finds them.

    An install killed in one of these directories is finished first (rolled back, or its leftovers
    removed when it had committed): see :func:`~pipcompat.install.transaction.recover_interrupted`.
    """
    from pipcompat.install.transaction import recover_interrupted

    for directory in target.sys_path if paths is None else paths:
        if directory:
            recover_interrupted(Path(directory))
    return scan_installed(target.sys_path if paths is None else paths, scan_environment(target))


def supported_tags(target: TargetPython) -> list[str]:
    """The wheel tags *target* accepts, most preferred first."""
    if target.interpreter is not None:
        return list(target.interpreter.tags)
    from packaging import tags

    version = (target.version[0], target.version[1])
    nodot = f"{version[0]}{version[1]}"
    platforms = list(tags.platform_tags())
    if target.implementation == "cpython":
        abis = [f"cp{nodot}{'t' if target.gil_disabled else ''}"]
        found = list(tags.cpython_tags(version, abis=abis, platforms=platforms))
        interpreter = f"cp{nodot}"
    else:
        short = {"pypy": "pp"}.get(target.implementation, target.implementation)
        interpreter = f"{short}{nodot}"
        abis = [target.soabi.replace(".", "_").replace("-", "_")] if target.soabi else []
        found = list(tags.generic_tags(interpreter, abis, platforms))
    found += list(tags.compatible_tags(version, interpreter, platforms))
    return [str(tag) for tag in found]
