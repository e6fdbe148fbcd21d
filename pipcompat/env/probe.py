"""Inspect an interpreter once: run the probe script, keep its answer in the ``interpreters`` cache bucket.

An :class:`Interpreter` is what pipcompat knows about a target Python: its version, prefixes, install
paths, marker environment and the facts that decide its wheel tags. The cache key is the executable's
path plus the ``stat`` of the file it resolves to (mtime, size, inode) and of a ``pyvenv.cfg`` next to it,
so an upgraded or rebuilt interpreter is probed again, and a second look at the same one spawns nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pipcompat.cache import Cache, digest_key, write_atomic
from pipcompat.env.probe_script import PROBE_SCRIPT, PROBE_VERSION
from pipcompat.errors import PipcompatError
from pipcompat.models import TargetEnvironment

#: How long a probe may take before the interpreter is declared broken.
PROBE_TIMEOUT = 60.0


class InterpreterError(PipcompatError):
    """An interpreter that cannot be found, run or used."""


@dataclass(frozen=True)
class Interpreter:
    """One Python interpreter as its probe described it (see :mod:`pipcompat.env.probe_script`)."""

    executable: str
    base_executable: str
    version: tuple[int, int, int]
    full_version: str
    implementation: str
    prefix: str
    base_prefix: str
    paths: Mapping[str, str | None]
    """``sysconfig.get_paths()``: ``stdlib``, ``purelib``, ``platlib``, ``scripts``, ``data``, ``include``."""
    venv_layout: Mapping[str, str | None]
    """The same paths of a virtual environment of this interpreter, relative to its root."""
    markers: Mapping[str, str]
    platform: str
    """``sysconfig.get_platform()``: ``linux-x86_64``, ``macosx-11.0-arm64``, ``win-amd64``."""
    soabi: str | None = None
    py_version_nodot: str | None = None
    gil_disabled: bool = False
    debug: bool = False
    pointer_size: int = 64
    glibc: str | None = None
    musl: str | None = None
    is_venv: bool = False
    externally_managed: bool = False
    ensurepip_wheels: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_probe(cls, data: Mapping[str, Any]) -> Interpreter:
        version = tuple(int(part) for part in data["version"][:3])
        return cls(
            executable=data["executable"],
            base_executable=data.get("base_executable") or data["executable"],
            version=(version[0], version[1], version[2]),
            full_version=data["full_version"],
            implementation=data["implementation"],
            prefix=data["prefix"],
            base_prefix=data["base_prefix"],
            paths=dict(data["paths"]),
            venv_layout=dict(data["venv_layout"]),
            markers=dict(data["markers"]),
            platform=data["platform"],
            soabi=data.get("soabi"),
            py_version_nodot=data.get("py_version_nodot"),
            gil_disabled=bool(data.get("gil_disabled")),
            debug=bool(data.get("debug")),
            pointer_size=int(data.get("pointer_size") or 64),
            glibc=data.get("glibc"),
            musl=data.get("musl"),
            is_venv=bool(data.get("is_venv")),
            externally_managed=bool(data.get("externally_managed")),
            ensurepip_wheels=tuple(data.get("ensurepip_wheels") or ()),
            raw=dict(data),
        )

    # -- names ------------------------------------------------------------------------------------------
    @property
    def python_version(self) -> str:
        """``X.Y.Z``."""
        return ".".join(map(str, self.version))

    @property
    def short_version(self) -> str:
        """``X.Y``."""
        return f"{self.version[0]}.{self.version[1]}"

    @property
    def implementation_display(self) -> str:
        """``CPython``, ``PyPy``: how uv and people name the implementation."""
        return {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}.get(
            self.implementation, self.markers.get("platform_python_implementation", self.implementation)
        )

    @property
    def threading_suffix(self) -> str:
        """``t`` for a free-threaded build, else empty."""
        return "t" if self.gil_disabled else ""

    # -- tags -------------------------------------------------------------------------------------------
    @cached_property
    def tags(self) -> tuple[str, ...]:
        """The wheel tags this interpreter supports, most preferred first (``cp312-cp312-manylinux…``)."""
        return tuple(str(tag) for tag in supported_tags(self))

    def target_environment(self) -> TargetEnvironment:
        return TargetEnvironment(
            python_version=self.python_version,
            markers=dict(self.markers),
            tags=self.tags,
            implementation=self.implementation,
        )


# -- tags -----------------------------------------------------------------------------------------------
_MANYLINUX_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64"}
)
_MANYLINUX_LEGACY = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


def _version_pair(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def _linux_arch(interpreter: Interpreter) -> str:
    arch = interpreter.platform.split("-", 1)[1] if "-" in interpreter.platform else "x86_64"
    arch = arch.replace(".", "_").replace("-", "_")
    if interpreter.pointer_size == 32:
        arch = {"x86_64": "i686", "aarch64": "armv8l"}.get(arch, arch)
    return arch


def linux_platforms(interpreter: Interpreter) -> list[str]:
    """``linux_arch``, then ``manylinux_2_Y_arch`` newest first (legacy aliases too), then ``musllinux``.

    The order is :mod:`packaging.tags`'s own, so a target's tags equal ``sys_tags()`` run inside it.
    """
    arch = _linux_arch(interpreter)
    archs = {"armv8l": ["armv8l", "armv7l"]}.get(arch, [arch])
    platforms = [f"linux_{name}" for name in archs]
    glibc = _version_pair(interpreter.glibc)
    musl = _version_pair(interpreter.musl)
    if glibc is not None:
        for name in archs:
            if name not in _MANYLINUX_ARCHES:
                continue
            oldest = 5 if name in ("x86_64", "i686") else 17
            for minor in range(glibc[1], oldest - 1, -1):
                platforms.append(f"manylinux_{glibc[0]}_{minor}_{name}")
                legacy = _MANYLINUX_LEGACY.get((glibc[0], minor))
                if legacy is not None:
                    platforms.append(f"{legacy}_{name}")
    if musl is not None:
        for name in archs:
            platforms.extend(f"musllinux_{musl[0]}_{minor}_{name}" for minor in range(musl[1], -1, -1))
    return platforms


def platforms_of(interpreter: Interpreter) -> list[str]:
    """The platform tags of *interpreter*, most specific first."""
    plat = interpreter.platform
    if plat.startswith("linux"):
        return linux_platforms(interpreter)
    if plat.startswith("macosx"):
        from packaging.tags import mac_platforms

        _, version, arch = plat.split("-", 2)
        pair = _version_pair(version) or (10, 16)
        return list(mac_platforms(pair, arch))
    return [plat.replace(".", "_").replace("-", "_")]


def _abi_of(interpreter: Interpreter) -> list[str]:
    soabi = interpreter.soabi or ""
    nodot = interpreter.py_version_nodot or f"{interpreter.version[0]}{interpreter.version[1]}"
    if interpreter.implementation == "cpython":
        # ``cpython-313t-x86_64-linux-gnu`` → ``cp313t``; Windows has no SOABI: build it from the flags.
        if soabi.startswith("cpython-"):
            return ["cp" + soabi.split("-")[1]]
        return [f"cp{nodot}{'t' if interpreter.gil_disabled else ''}{'d' if interpreter.debug else ''}"]
    if soabi:
        return [soabi.split("-")[0].replace(".", "_").replace("-", "_")]
    return []


def supported_tags(interpreter: Interpreter) -> list[Any]:
    """:mod:`packaging.tags` ``Tag`` objects for *interpreter*, computed from its probe, not from ``sys``."""
    from packaging import tags

    version = interpreter.version[:2]
    platforms = platforms_of(interpreter)
    abis = _abi_of(interpreter)
    result: list[Any] = []
    if interpreter.implementation == "cpython":
        result.extend(tags.cpython_tags(version, abis, platforms))
        interpreter_tag = f"cp{version[0]}{version[1]}"
    else:
        short = {"pypy": "pp", "graalpy": "graalpy"}.get(
            interpreter.implementation, interpreter.implementation
        )
        interpreter_tag = f"{short}{interpreter.py_version_nodot or f'{version[0]}{version[1]}'}"
        result.extend(tags.generic_tags(interpreter_tag, abis, platforms))
    result.extend(tags.compatible_tags(version, interpreter_tag, platforms))
    return result


# -- probing and the cache ------------------------------------------------------------------------------
def _stat_key(executable: str) -> list[str]:
    parts = [os.path.abspath(executable), str(PROBE_VERSION)]
    try:
        info = os.stat(executable)
    except OSError as exc:
        raise InterpreterError(f"no interpreter at {executable}: {exc.strerror or exc}") from None
    parts += [str(info.st_mtime_ns), str(info.st_size), str(info.st_ino)]
    cfg = Path(executable).parent.parent / "pyvenv.cfg"
    try:
        cfg_info = cfg.stat()
    except OSError:
        parts.append("-")
    else:
        parts.append(f"{cfg_info.st_mtime_ns}:{cfg_info.st_size}")
    return parts


def _run_probe(executable: str) -> dict[str, Any]:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    try:
        done = subprocess.run(
            [executable, "-I", "-c", PROBE_SCRIPT],
            capture_output=True,
            env=env,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(
            f"cannot run the interpreter {executable}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise InterpreterError(
            f"the interpreter {executable} failed to describe itself "
            f"(exit code {done.returncode}): {tail[0]}",
            hint="check that it runs: try '<it> -c \"import sys\"'",
        )
    try:
        data: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        raise InterpreterError(f"the interpreter {executable} printed something unexpected") from None
    return data


def probe_interpreter(executable: str | os.PathLike[str], cache: Cache | None = None) -> Interpreter:
    """Describe the interpreter at *executable*, from the cache when its file has not changed.

    A virtual environment not seen before is described without running it when another environment of
    the same base interpreter, made the same way, was probed before (see :func:`_derived_probe`): a CI
    job's fresh ``python -m venv`` spawns nothing more.
    """
    path = os.fspath(executable)
    if cache is None:
        return Interpreter.from_probe(_run_probe(path))
    key = digest_key(*_stat_key(path))
    entry = cache.entry("interpreters", key).with_suffix(".json")
    try:
        data = json.loads(entry.read_bytes())
    except (OSError, ValueError):
        venv = _plain_venv(path)
        template = cache.entry("interpreters", venv.template_key).with_suffix(".json") if venv else None
        data = _derived_probe(venv, template) if venv is not None and template is not None else None
        if data is None:
            data = _run_probe(path)
            if venv is not None and template is not None and _derivable(data, venv):
                write_atomic(template, json.dumps({"root": venv.root, "probe": data}).encode())
        write_atomic(entry, json.dumps(data).encode())
    return Interpreter.from_probe(data)


# -- probes of new virtual environments, from an earlier one's -------------------------------------------
@dataclass(frozen=True)
class _PlainVenv:
    """A virtual environment without system site packages, as far as its files tell."""

    root: str
    executable: str
    template_key: str
    """Names the base interpreter (the file the executable resolves to, and its ``stat``), the
    executable's name inside the environment and what ``pyvenv.cfg`` says about the base: environments
    with the same key differ in their root only."""


def _plain_venv(executable: str) -> _PlainVenv | None:
    """*executable* as ``<root>/bin/<name>`` of a virtual environment whose ``pyvenv.cfg`` does not include
    the system site packages (``None`` otherwise, or on Windows)."""
    if os.name != "posix":
        return None
    path = os.path.abspath(executable)
    bin_dir, name = os.path.split(path)
    root = os.path.dirname(bin_dir)
    if os.path.basename(bin_dir) != "bin" or root in ("", os.sep):
        return None
    config = pyvenv_config(root)
    if config is None:
        return None
    try:
        real = os.path.realpath(path)
        info = os.stat(real)
    except OSError:
        return None
    if config.get("include-system-site-packages", "false").lower() != "false" or "home" not in config:
        return None
    facts = [
        "venv-template",
        str(PROBE_VERSION),
        real,
        str(info.st_mtime_ns),
        str(info.st_size),
        str(info.st_ino),
        name,
        *(f"{key}={config.get(key, '')}" for key in ("home", "version", "version_info", "implementation")),
    ]
    return _PlainVenv(root, path, digest_key(*facts))


def pyvenv_config(root: str | os.PathLike[str]) -> dict[str, str] | None:
    """The ``key = value`` lines of the ``pyvenv.cfg`` in *root* (keys lower-cased); ``None`` without one."""
    try:
        with open(os.path.join(root, "pyvenv.cfg"), encoding="utf-8") as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError):
        return None
    config: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            config.setdefault(key.strip().lower(), value.strip())
    return config


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _derivable(data: Mapping[str, Any], venv: _PlainVenv) -> bool:
    """Whether *data*, the probe of *venv*, can describe another environment by changing its root: the
    environment's paths all lie under its root, and nothing of the base interpreter does."""
    root = venv.root
    try:
        site_dirs = [str(p) for p in data["site_packages"]]
        return (
            bool(data["is_venv"])
            and data["prefix"] == root
            and data["exec_prefix"] == root
            and data["executable"] == venv.executable
            and not _under(str(data["base_prefix"]), root)
            and not _under(str(data["base_exec_prefix"]), root)
            and bool(site_dirs)
            and all(_under(p, root) for p in site_dirs)
        )
    except (KeyError, TypeError):
        return False


def _rooted(value: Any, old: str, new: str) -> Any:
    """*value* with every path under *old* moved under *new* (strings, lists and mappings, recursively)."""
    if isinstance(value, str):
        return new + value[len(old) :] if _under(value, old) else value
    if isinstance(value, list):
        return [_rooted(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _rooted(item, old, new) for key, item in value.items()}
    return value


def _derived_probe(venv: _PlainVenv, template: Path) -> dict[str, Any] | None:
    """What the probe would say about *venv*, from the probe of another environment of the same key
    (:attr:`_PlainVenv.template_key`) kept at *template*; ``None`` when there is none, or it does not fit.

    Every path under the other environment's root moves under this one's; its ``sys.path`` keeps the
    entries before the first site directory (the standard library's) and the site directories: what
    ``.pth`` files added there belongs to the other environment (this one's own ``.pth`` files are read
    where the path is used, :func:`pipcompat.env.syspath.target_sys_path`).
    """
    try:
        kept = json.loads(template.read_bytes())
        old, probe = str(kept["root"]), kept["probe"]
        if not isinstance(probe, dict) or old == venv.root:
            return None
        data: dict[str, Any] = _rooted(probe, old, venv.root)
        site_dirs = [str(p) for p in data["site_packages"]]
        sys_path = [str(p) for p in data["sys_path"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    first_site = next((i for i, p in enumerate(sys_path) if p in site_dirs), None)
    if first_site is None or any(_under(p, venv.root) for p in sys_path[:first_site]):
        return None
    data["sys_path"] = [*sys_path[:first_site], *(p for p in sys_path[first_site:] if p in site_dirs)]
    if not _derivable(data, venv) or _mentions(data, old, venv.root):
        return None  # a path of the other environment that this one cannot simply inherit
    return data


def _mentions(value: Any, old: str, new: str) -> bool:
    """Whether a string in *value* still names *old* anywhere (other than as part of *new*)."""
    if isinstance(value, str):
        return old in value.replace(new, "")
    if isinstance(value, list):
        return any(_mentions(item, old, new) for item in value)
    if isinstance(value, dict):
        return any(_mentions(item, old, new) for item in value.values())
    return False


def probe_cache_entry(executable: str | os.PathLike[str], cache: Cache) -> Path:
    """Where the probe of *executable* is (or would be) cached."""
    return cache.entry("interpreters", digest_key(*_stat_key(os.fspath(executable)))).with_suffix(".json")
