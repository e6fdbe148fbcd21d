"""The interpreter an install, uninstall or listing acts on, and its installation paths.

:func:`locate_target` finds it (``--python``, ``VIRTUAL_ENV``, a ``.venv`` in the working directory or one of
its parents, else the running interpreter) and runs it once with a small stdlib-only snippet that prints
what pipcompat needs as JSON: ``sys.path``, prefixes, the sysconfig paths of the default and user schemes,
the user site and the PEP 508 marker environment.

This is deliberately one small function: when ``pipcompat.env``'s interpreter discovery and cached probe
are there, :func:`locate_target` becomes a thin adapter over them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipcompat.env.installed import InstalledDistribution, ScanEnvironment, scan_installed
from pipcompat.errors import PipcompatError

#: Runs inside the target interpreter (any CPython/PyPy 3.8+): stdlib only, prints one JSON object.
PROBE_SNIPPET = r"""
import json, os, platform, site, sys, sysconfig
def scheme_name(user):
    if user:
        f = getattr(sysconfig, "get_preferred_scheme", None)
        if f: return f("user")
        if os.name == "nt": return "nt_user"
        if sys.platform == "darwin" and sys._framework: return "osx_framework_user"
        return "posix_user"
    f = getattr(sysconfig, "get_default_scheme", None)
    if f: return f()
    return sysconfig._get_default_scheme()
impl = sys.implementation
iv = "{0.major}.{0.minor}.{0.micro}".format(impl.version)
if impl.version.releaselevel != "final":
    iv += impl.version.releaselevel[0] + str(impl.version.serial)
cwd = os.getcwd()
default = scheme_name(False)
user = scheme_name(True)
print(json.dumps({
    "executable": sys.executable,
    "version": list(sys.version_info[:3]),
    "implementation": impl.name,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "exec_prefix": sys.exec_prefix,
    "sys_path": [p for p in sys.path if p and os.path.abspath(p) != cwd],
    "scheme": default,
    "paths": sysconfig.get_paths(),
    "scheme_templates": sysconfig.get_paths(default, expand=False),
    "user_scheme": user,
    "user_templates": sysconfig.get_paths(user, expand=False) if user in sysconfig.get_scheme_names() else {},
    "config_vars": {k: v for k, v in sysconfig.get_config_vars().items() if isinstance(v, str)},
    "user_site": site.getusersitepackages() if hasattr(site, "getusersitepackages") else None,
    "user_base": site.getuserbase() if hasattr(site, "getuserbase") else None,
    "enable_user_site": bool(site.ENABLE_USER_SITE),
    "platform": sysconfig.get_platform(),
    "soabi": sysconfig.get_config_var("SOABI") or "",
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "cache_tag": sys.implementation.cache_tag,
    "pointer_size": 64 if sys.maxsize > 2**32 else 32,
    "markers": {
        "implementation_name": impl.name,
        "implementation_version": iv,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
"""


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


def _from_json(data: Mapping[str, Any]) -> TargetPython:
    return TargetPython(
        executable=Path(data["executable"]),
        version=(int(data["version"][0]), int(data["version"][1]), int(data["version"][2])),
        implementation=str(data["implementation"]),
        prefix=Path(data["prefix"]),
        base_prefix=Path(data["base_prefix"]),
        sys_path=tuple(data["sys_path"]),
        paths=dict(data["paths"]),
        markers=dict(data["markers"]),
        user_site=data.get("user_site"),
        user_base=data.get("user_base"),
        enable_user_site=bool(data.get("enable_user_site")),
        scheme_templates=dict(data.get("scheme_templates") or {}),
        user_templates=dict(data.get("user_templates") or {}),
        config_vars=dict(data.get("config_vars") or {}),
        platform=str(data.get("platform") or ""),
        soabi=str(data.get("soabi") or ""),
        gil_disabled=bool(data.get("gil_disabled")),
        cache_tag=data.get("cache_tag"),
    )


def _venv_python(venv: Path) -> Path:
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file() and _venv_python(path).exists()


def find_interpreter(
    python: str | None, *, environ: Mapping[str, str], cwd: Path, allow_running: bool = True
) -> Path:
    """The target interpreter's path: ``--python``, ``VIRTUAL_ENV``, a ``.venv`` upwards, the running one."""
    if python:
        candidate = Path(os.path.expanduser(python))
        if not candidate.is_absolute():
            candidate = cwd / candidate
        if candidate.is_dir():
            if _venv_python(candidate).exists():
                return _venv_python(candidate)
            raise PipcompatError(f"no Python interpreter found in {python}", exit_code=2)
        if candidate.exists():
            return candidate
        found = shutil.which(python) or shutil.which(f"python{python}")
        if found:
            return Path(found)
        raise PipcompatError(f"no Python interpreter found for --python {python}", exit_code=2)
    virtual_env = environ.get("VIRTUAL_ENV")
    if virtual_env and _venv_python(Path(virtual_env)).exists():
        return _venv_python(Path(virtual_env))
    for directory in (cwd, *cwd.parents):
        if _is_venv(directory / ".venv"):
            return _venv_python(directory / ".venv")
    if allow_running:
        return Path(sys.executable)
    raise PipcompatError(
        "no virtual environment found",
        hint="create one with 'pipcompat venv' or 'python -m venv .venv', or pass --python",
    )


def probe(
    executable: Path, *, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> TargetPython:
    """Run *executable* once with :data:`PROBE_SNIPPET` and read what it prints."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONSTARTUP", None)
    try:
        proc = subprocess.run(
            [os.fspath(executable), "-c", PROBE_SNIPPET],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            check=False,
        )
    except OSError as exc:
        raise PipcompatError(f"cannot run {executable}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise PipcompatError(f"cannot inspect {executable}: {last}")
    return _from_json(json.loads(proc.stdout))


def locate_target(
    python: str | None, *, environ: Mapping[str, str], cwd: Path, allow_running: bool = True
) -> TargetPython:
    """The target interpreter of a command, inspected (swap point for ``pipcompat.env`` discovery)."""
    return probe(
        find_interpreter(python, environ=environ, cwd=cwd, allow_running=allow_running),
        environ=environ,
        cwd=cwd,
    )


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
    """Every distribution *target* sees (along ``--path`` entries when given), as pip finds them."""
    return scan_installed(target.sys_path if paths is None else paths, scan_environment(target))


def supported_tags(target: TargetPython) -> list[str]:
    """The wheel tags *target* accepts, most preferred first (platforms are this machine's)."""
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
