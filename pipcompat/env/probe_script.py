"""The probe: a stdlib-only script that a target interpreter runs to describe itself as JSON.

It must run on every Python pipcompat can target (CPython 3.8 and later, PyPy), so it uses no syntax or
library newer than 3.8 and imports nothing outside the standard library. pipcompat runs it with ``-I``
(isolated from ``PYTHON*`` variables and the user site) but with ``site``, which sets the prefixes of a
virtual environment before Python 3.11. Its output is one JSON object on stdout.
"""

from __future__ import annotations

#: Bump when the script's output changes: it is part of the cache key of every probe.
PROBE_VERSION = 2

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


def scheme_name(user):
    if user:
        preferred = getattr(sysconfig, "get_preferred_scheme", None)
        if preferred is not None:
            return preferred("user")
        if os.name == "nt":
            return "nt_user"
        if sys.platform == "darwin" and getattr(sys, "_framework", None):
            return "osx_framework_user"
        return "posix_user"
    default = getattr(sysconfig, "get_default_scheme", None)
    if default is not None:
        return default()
    return sysconfig._get_default_scheme()


def scheme_templates(name):
    if name not in sysconfig.get_scheme_names():
        return {}
    return sysconfig.get_paths(name, expand=False)


def template_vars(templates):
    """The config variables the scheme templates name (only those: the full set is large)."""
    import re
    names = set()
    for group in templates:
        for template in group.values():
            names.update(re.findall(r"\{([^{}]*)\}", template))
    found = {}
    for name in sorted(names):
        value = sysconfig.get_config_var(name)
        if isinstance(value, str):
            found[name] = value
    return found


def user_site_enabled():
    """Whether site would enable the user site without -I (which this probe runs under)."""
    import site
    if not getattr(sys.flags, "no_user_site", 0):
        return bool(site.ENABLE_USER_SITE)
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        cfg = os.path.join(sys.prefix, "pyvenv.cfg")
        system_site = False
        try:
            with open(cfg, encoding="utf-8") as stream:
                for line in stream:
                    key, sep, value = line.partition("=")
                    if sep and key.strip().lower() == "include-system-site-packages":
                        system_site = value.strip().lower() == "true"
        except OSError:
            pass
        if not system_site:
            return False
    if hasattr(os, "getuid") and hasattr(os, "geteuid"):
        if os.geteuid() != os.getuid() or os.getegid() != os.getgid():
            return False
    return True


def site_info():
    import site
    default = scheme_name(False)
    user = scheme_name(True)
    default_templates = scheme_templates(default)
    user_templates = scheme_templates(user)
    getsitepackages = getattr(site, "getsitepackages", None)
    return {
        "sys_path": [p for p in sys.path if p],
        "site_packages": list(getsitepackages()) if getsitepackages is not None else [],
        "scheme": default,
        "scheme_templates": default_templates,
        "user_scheme": user,
        "user_templates": user_templates,
        "config_vars": template_vars([default_templates, user_templates]),
        "user_site": site.getusersitepackages() if hasattr(site, "getusersitepackages") else None,
        "user_base": site.getuserbase() if hasattr(site, "getuserbase") else None,
        "enable_user_site": user_site_enabled(),
    }


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
report.update(site_info())
sys.stdout.write(json.dumps(report))
'''
