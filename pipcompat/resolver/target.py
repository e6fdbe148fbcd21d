"""Target environments: the running interpreter, a synthetic one for --python-version/--python-platform, or
pip's restricted one for pip install's --python-version/--platform/--implementation/--abi.

Platform names follow uv's ``--python-platform`` values (a documented subset; see ``docs/resolver.md``):
``linux`` (= ``x86_64-unknown-linux-gnu``, manylinux_2_28 and older), ``x86_64-manylinux_2_N``,
``aarch64-unknown-linux-gnu``, ``aarch64-manylinux_2_N``, ``x86_64``/``aarch64-unknown-linux-musl``
(musllinux_1_2), ``macos`` (= ``aarch64-apple-darwin``, macOS 13.0 and older), ``x86_64-apple-darwin``,
``windows`` (= ``x86_64-pc-windows-msvc``), ``i686-pc-windows-msvc``, ``aarch64-pc-windows-msvc``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipcompat.errors import UsageError
from pipcompat.models import TargetEnvironment

DEFAULT_GLIBC_MINOR = 28
DEFAULT_MACOS = (13, 0)


@dataclass(frozen=True)
class PlatformSpec:
    """What a ``--python-platform`` name stands for: marker values and wheel platform tags."""

    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str
    platform_tags: tuple[str, ...]


def _manylinux_tags(arch: str, glibc_minor: int) -> tuple[str, ...]:
    lowest = 17 if arch in ("aarch64", "ppc64le", "s390x") else 5
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags: list[str] = []
    for minor in range(glibc_minor, lowest - 1, -1):
        tags.append(f"manylinux_2_{minor}_{arch}")
        if minor in legacy and (minor == 17 or arch in ("x86_64", "i686")):
            tags.append(f"{legacy[minor]}_{arch}")
    tags.append(f"linux_{arch}")
    return tuple(tags)


def _musllinux_tags(arch: str) -> tuple[str, ...]:
    return (f"musllinux_1_2_{arch}", f"musllinux_1_1_{arch}", f"linux_{arch}")


def _macos_tags(arch: str, version: tuple[int, int] = DEFAULT_MACOS) -> tuple[str, ...]:
    from packaging.tags import mac_platforms

    return tuple(mac_platforms(version, arch))


_LINUX = ("linux", "Linux", "posix")
_MAC = ("darwin", "Darwin", "posix")
_WINDOWS = ("win32", "Windows", "nt")


def platform_spec(name: str) -> PlatformSpec:
    """The ``PlatformSpec`` for a uv-style platform name; ``UsageError`` for an unknown one."""
    key = name.strip().lower()
    aliases = {
        "linux": "x86_64-unknown-linux-gnu",
        "macos": "aarch64-apple-darwin",
        "windows": "x86_64-pc-windows-msvc",
    }
    key = aliases.get(key, key)
    match = re.fullmatch(r"(x86_64|aarch64)-manylinux_2_(\d+)", key)
    if match:
        arch, minor = match.group(1), int(match.group(2))
        return PlatformSpec(*_LINUX, arch, _manylinux_tags(arch, minor))
    match = re.fullmatch(r"(x86_64|aarch64|i686)-unknown-linux-(gnu|musl)", key)
    if match:
        arch, libc = match.group(1), match.group(2)
        tags = _manylinux_tags(arch, DEFAULT_GLIBC_MINOR) if libc == "gnu" else _musllinux_tags(arch)
        return PlatformSpec(*_LINUX, arch, tags)
    if key == "aarch64-apple-darwin":
        return PlatformSpec(*_MAC, "arm64", _macos_tags("arm64"))
    if key == "x86_64-apple-darwin":
        return PlatformSpec(*_MAC, "x86_64", _macos_tags("x86_64"))
    windows = {
        "x86_64-pc-windows-msvc": ("AMD64", "win_amd64"),
        "i686-pc-windows-msvc": ("x86", "win32"),
        "aarch64-pc-windows-msvc": ("ARM64", "win_arm64"),
    }
    if key in windows:
        machine, tag = windows[key]
        return PlatformSpec(*_WINDOWS, machine, (tag,))
    raise UsageError(
        f"unknown Python platform {name!r}",
        hint="use one of: linux, macos, windows, x86_64-unknown-linux-gnu, x86_64-manylinux_2_28, "
        "aarch64-unknown-linux-gnu, x86_64-unknown-linux-musl, aarch64-apple-darwin, x86_64-apple-darwin, "
        "x86_64-pc-windows-msvc, i686-pc-windows-msvc, aarch64-pc-windows-msvc",
    )


def current_target() -> TargetEnvironment:
    """The interpreter running pipcompat (what pip-compile targets without ``--python-version``)."""
    from packaging.markers import default_environment
    from packaging.tags import sys_tags

    markers = {str(k): str(v) for k, v in default_environment().items()}
    return TargetEnvironment(
        python_version=markers["python_full_version"],
        markers=markers,
        tags=tuple(str(tag) for tag in sys_tags()),
        implementation=sys.implementation.name,
    )


def _parse_python_version(text: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"(?:cp|py)?(\d+)\.?(\d+)?(?:\.(\d+))?", text.strip())
    if not match or match.group(2) is None:
        raise UsageError(f"invalid Python version {text!r}", hint="give a version like 3.11 or 3.11.4")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def synthetic_target(
    python_version: str | None = None,
    python_platform: str | None = None,
    *,
    base: TargetEnvironment | None = None,
) -> TargetEnvironment:
    """A CPython target for ``--python-version X.Y[.Z]`` and/or ``--python-platform NAME``.

    What is not given comes from *base* (default: the running interpreter). ``X.Y`` means ``X.Y.0``.
    """
    from packaging.tags import compatible_tags, cpython_tags

    base = base or current_target()
    markers: dict[str, str] = {str(k): str(v) for k, v in base.markers.items()}
    if python_version is not None:
        major, minor, micro = _parse_python_version(python_version)
    else:
        parts = [int(p) for p in re.findall(r"\d+", base.python_version)[:3]] + [0, 0, 0]
        major, minor, micro = parts[0], parts[1], parts[2]
    full = f"{major}.{minor}.{micro}"
    markers.update(
        python_version=f"{major}.{minor}",
        python_full_version=full,
        implementation_name="cpython",
        implementation_version=full,
        platform_python_implementation="CPython",
    )
    if python_platform is not None:
        spec = platform_spec(python_platform)
        markers.update(
            sys_platform=spec.sys_platform,
            platform_system=spec.platform_system,
            os_name=spec.os_name,
            platform_machine=spec.platform_machine,
            platform_release="",
            platform_version="",
        )
        platforms: list[str] = list(spec.platform_tags)
    else:
        platforms = _platforms_of(base.tags)
    interpreter = f"cp{major}{minor}"
    tags = [
        *cpython_tags((major, minor), abis=[interpreter], platforms=platforms),
        *compatible_tags((major, minor), interpreter, platforms),
    ]
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(str(tag), None)
    return TargetEnvironment(python_version=full, markers=markers, tags=tuple(seen), implementation="cpython")


#: ``sys.implementation.name`` → the short name wheel tags use (packaging's ``interpreter_name``).
_SHORT_NAMES = {"cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy"}


def _expanded_platform(platform: str) -> list[str]:
    """pip's reading of one ``--platform``: a macOS, iOS or Android one with the older versions it
    covers, ``manylinux2014``/``manylinux2010`` with the older manylinux names, any other as given."""
    from packaging import tags

    apple = re.match(r"(.+)_(\d+)_(\d+)_(.+)", platform)
    if platform.startswith("macosx") and apple:
        name, major, minor, arch = apple.groups()
        return [f"{name}_{p[len('macosx_') :]}" for p in tags.mac_platforms((int(major), int(minor)), arch)]
    if platform.startswith("ios") and apple:
        name, major, minor, multiarch = apple.groups()
        return [f"{name}_{p[len('ios_') :]}" for p in tags.ios_platforms((int(major), int(minor)), multiarch)]
    android = re.fullmatch(r"android_(\d+)_(.+)", platform)
    if android:
        return list(tags.android_platforms(int(android.group(1)), android.group(2)))
    prefix, _, arch = platform.partition("_")
    if prefix == "manylinux2014" and arch in ("i686", "x86_64"):
        return [platform, f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    if prefix == "manylinux2010":
        return [platform, f"manylinux1_{arch}"]
    return [platform]


def restricted_target(
    base: TargetEnvironment,
    *,
    version_info: Sequence[int] | None = None,
    platforms: Sequence[str] | None = None,
    implementation: str | None = None,
    abis: Sequence[str] | None = None,
) -> TargetEnvironment:
    """pip's target for ``--python-version``, ``--platform``, ``--implementation`` and ``--abi``: the wheel
    tags pip accepts for them (what is not given is *base*'s, the interpreter pip would run in), and
    Requires-Python checked against the given version (``3.12`` is 3.12.0). The markers stay *base*'s:
    pip evaluates dependencies' markers for the interpreter it runs in, whatever these options say."""
    from packaging.tags import compatible_tags, cpython_tags, generic_tags

    base_version = tuple(int(p) for p in re.findall(r"\d+", base.python_version)[:2])
    base_short = _SHORT_NAMES.get(base.implementation, base.implementation[:2])
    nodot = "".join(str(part) for part in version_info[:2]) if version_info else None
    python_version: tuple[int, ...] | None = None
    if nodot:
        python_version = (int(nodot[0]), int(nodot[1:])) if len(nodot) > 1 else (int(nodot),)
    interpreter = f"{implementation or base_short}{nodot or ''.join(map(str, base_version))}"
    expanded: list[str] = [] if platforms else _platforms_of(base.tags)
    for platform in platforms or ():
        expanded += [p for p in _expanded_platform(platform) if p not in expanded]
    if abis is None and python_version in (None, base_version):
        # the running interpreter's own ABIs, as packaging finds them for it
        found = (
            tag.split("-")[1] for tag in base.tags if tag.startswith(f"cp{''.join(map(str, base_version))}-")
        )
        abis = list(dict.fromkeys(abi for abi in found if abi not in ("abi3", "none"))) or None
    version = python_version or base_version
    if (implementation or base_short) == "cp":
        tags = list(cpython_tags(version, abis=abis, platforms=expanded))
    else:
        tags = list(generic_tags(interpreter, abis=abis, platforms=expanded))
    tags += compatible_tags(version, interpreter, expanded)
    full = ".".join(str(part) for part in [*(version_info or ()), 0, 0, 0][:3]) if version_info else None
    return TargetEnvironment(
        python_version=full or base.python_version,
        markers=dict(base.markers),
        tags=tuple(dict.fromkeys(str(tag) for tag in tags)),
        implementation=base.implementation,
    )


def _platforms_of(tags: tuple[str, ...]) -> list[str]:
    platforms: dict[str, None] = {}
    for tag in tags:
        platform = tag.rsplit("-", 1)[-1]
        if platform != "any":
            platforms.setdefault(platform, None)
    return list(platforms)


def marker_environment(target: TargetEnvironment, extra: str = "") -> Mapping[str, str]:
    """The target's markers with ``extra`` set, for ``Marker.evaluate``."""
    env = dict(target.markers)
    env["extra"] = extra
    return env
