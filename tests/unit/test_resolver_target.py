"""Target environments: the running interpreter and synthetic ones for --python-version/--python-platform."""

from __future__ import annotations

import platform

import pytest
from packaging.tags import sys_tags

from pipcompat.errors import UsageError
from pipcompat.resolver import current_target, synthetic_target


def test_current_target_is_the_running_interpreter() -> None:
    target = current_target()
    assert target.python_version == platform.python_version()
    assert target.tags[0] == str(next(iter(sys_tags())))
    assert target.markers["python_full_version"] == platform.python_version()


def test_python_version_alone_keeps_the_running_platform() -> None:
    target = synthetic_target("3.9")
    assert target.python_version == "3.9.0"
    assert target.markers["python_version"] == "3.9"
    assert target.markers["sys_platform"] == current_target().markers["sys_platform"]
    assert "py3-none-any" in target.tags
    assert all(not tag.startswith("cp311-") for tag in target.tags)
    assert any(tag.startswith("cp39-cp39-") for tag in target.tags)


def test_linux_means_x86_64_manylinux_2_28() -> None:
    target = synthetic_target("3.12.3", "linux")
    assert target.python_version == "3.12.3"
    assert target.markers["python_full_version"] == "3.12.3"
    assert (target.markers["sys_platform"], target.markers["platform_machine"]) == ("linux", "x86_64")
    tags = target.tags
    assert tags[0] == "cp312-cp312-manylinux_2_28_x86_64"
    assert "cp312-cp312-manylinux_2_29_x86_64" not in tags
    assert tags.index("cp312-abi3-manylinux2014_x86_64") < tags.index("cp312-none-linux_x86_64")
    assert "cp38-abi3-manylinux1_x86_64" in tags
    assert tags[-1] == "py30-none-any"


def test_explicit_glibc_and_other_platforms() -> None:
    assert synthetic_target("3.11", "x86_64-manylinux_2_17").tags[0] == "cp311-cp311-manylinux_2_17_x86_64"
    arm = synthetic_target("3.11", "aarch64-unknown-linux-gnu")
    assert arm.tags[0] == "cp311-cp311-manylinux_2_28_aarch64"
    assert arm.markers["platform_machine"] == "aarch64"
    assert synthetic_target("3.11", "x86_64-unknown-linux-musl").tags[0] == "cp311-cp311-musllinux_1_2_x86_64"
    windows = synthetic_target("3.11", "windows")
    assert windows.tags[0] == "cp311-cp311-win_amd64"
    assert (
        windows.markers["sys_platform"],
        windows.markers["platform_system"],
        windows.markers["os_name"],
    ) == (
        "win32",
        "Windows",
        "nt",
    )
    mac = synthetic_target("3.11", "macos")
    assert mac.tags[0] == "cp311-cp311-macosx_13_0_arm64"
    assert "cp311-cp311-macosx_11_0_universal2" in mac.tags
    assert mac.markers["sys_platform"] == "darwin"
    assert synthetic_target("3.11", "x86_64-apple-darwin").tags[0] == "cp311-cp311-macosx_13_0_x86_64"


def test_unknown_platform_and_bad_version_are_usage_errors() -> None:
    with pytest.raises(UsageError) as info:
        synthetic_target("3.11", "amiga")
    assert info.value.message == "unknown Python platform 'amiga'"
    assert info.value.exit_code == 2
    assert info.value.hint is not None and "x86_64-manylinux_2_28" in info.value.hint
    with pytest.raises(UsageError) as info:
        synthetic_target("three")
    assert info.value.message == "invalid Python version 'three'"


def test_importing_the_resolver_does_not_import_resolvelib() -> None:
    import subprocess
    import sys

    code = "import sys, pipcompat.resolver; print('resolvelib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
