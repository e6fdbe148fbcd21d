"""The probe: a stdlib-only script that a target interpreter runs to describe itself as JSON.

It must run on every Python pipcompat can target (CPython 3.8 and later, PyPy), so it uses no syntax or
library newer than 3.8 and imports nothing outside the standard library. pipcompat runs it with ``-I``
(isolated from ``PYTHON*`` variables and the user site) but with ``site``, which sets the prefixes of a
virtual environment before Python 3.11. Its output is one JSON object on stdout.
"""

from __future__ import annotations

#: Bump when the script's output changes: it is part of the cache key of every probe.
PROBE_VERSION = 1

PROBE_SCRIPT = r'''
import json, os, platform, sys, sysconfig


def full_version(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def venv_layout():
    """The venv scheme's paths relative to a venv root, for this interpreter's version."""
    marker = os.path.join(os.sep, "@pipcompat-venv@")
    names = ("purelib", "platlib", "scripts", "data", "include")
    vars_ = {"base": marker, "platbase": marker, "installed_base": marker, "installed_platbase": marker}
    schemes = sysconfig.get_scheme_names()
    if "venv" in schemes:
        scheme = "venv"
    elif os.name == "nt":
        scheme = "nt"
    else:
        scheme = "posix_prefix"
    layout = {}
    for name in names:
        path = sysconfig.get_path(name, scheme, vars_)
        layout[name] = os.path.relpath(path, marker) if path.startswith(marker) else None
    if scheme != "venv":
        # Before 3.11 the venv module used fixed names, not a scheme, for these two.
        layout["include"] = "Include" if os.name == "nt" else "include"
        layout["scripts"] = "Scripts" if os.name == "nt" else "bin"
    return layout


def glibc_version():
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, OSError, ValueError):
        return None
    if not value:
        return None
    parts = value.split()
    return parts[1] if len(parts) == 2 and parts[0] == "glibc" else None


def musl_version():
    if not sys.platform.startswith("linux"):
        return None
    import glob
    import subprocess
    for loader in sorted(glob.glob("/lib/ld-musl-*.so.1")):
        try:
            done = subprocess.run([loader], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError:
            continue
        for line in done.stderr.decode("utf-8", "replace").splitlines():
            if line.startswith("Version "):
                return line.split()[1]
    return None


def markers():
    impl = sys.implementation
    impl_version = full_version(impl.version)
    return {
        "implementation_name": impl.name,
        "implementation_version": impl_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def config_var(name):
    value = sysconfig.get_config_var(name)
    return value if isinstance(value, (int, str)) or value is None else str(value)


stdlib = sysconfig.get_path("stdlib")
bundled = os.path.join(stdlib, "ensurepip", "_bundled")
try:
    bundled_wheels = sorted(n for n in os.listdir(bundled) if n.endswith(".whl"))
except OSError:
    bundled_wheels = []
paths = sysconfig.get_paths()
PATH_NAMES = ("stdlib", "purelib", "platlib", "scripts", "data", "include")
glibc = glibc_version()
report = {
    "executable": sys.executable,
    "base_executable": getattr(sys, "_base_executable", None) or sys.executable,
    "version": list(sys.version_info[:3]),
    "full_version": full_version(sys.version_info),
    "implementation": sys.implementation.name,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "exec_prefix": sys.exec_prefix,
    "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
    "paths": dict((name, paths.get(name)) for name in PATH_NAMES),
    "venv_layout": venv_layout(),
    "markers": markers(),
    "platform": sysconfig.get_platform(),
    "soabi": config_var("SOABI"),
    "ext_suffix": config_var("EXT_SUFFIX"),
    "py_version_nodot": config_var("py_version_nodot"),
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "debug": bool(sysconfig.get_config_var("Py_DEBUG")) or hasattr(sys, "gettotalrefcount"),
    "pointer_size": 64 if sys.maxsize > 2 ** 32 else 32,
    "glibc": glibc,
    "musl": None if glibc else musl_version(),
    "is_venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
    "externally_managed": os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED")),
    "ensurepip_wheels": [os.path.join(bundled, name) for name in bundled_wheels],
    "cache_tag": sys.implementation.cache_tag,
}
sys.stdout.write(json.dumps(report))
'''
