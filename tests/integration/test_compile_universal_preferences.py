"""``pip compile --universal`` keeps the pins of its existing output file in the forks their markers cover."""

from __future__ import annotations

import pytest

from tests.support.context import TestContext
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

pytestmark = pytest.mark.integration

SPECS = [
    PackageSpec("pkg", "1.0"),
    PackageSpec("pkg", "2.0"),
    PackageSpec("pkg", "3.0"),
    PackageSpec("other", "1.0"),
    PackageSpec("other", "2.0"),
]

# Two forks (Python < 3.10 and >= 3.10), from the requirements on "other".
REQUIREMENTS = 'pkg\nother>=2; python_version >= "3.10"\nother<2; python_version < "3.10"\n'


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def _compile(server: IndexServer, *args: str) -> list[str]:
    return [
        "pip",
        "compile",
        "--no-config",
        "--no-header",
        "--no-annotate",
        "--no-emit-index-url",
        "--strip-extras",
        "-i",
        server.url,
        "--universal",
        "--python-version",
        "3.8",
        *args,
    ]


def _pins(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]


def test_existing_pins_with_markers_are_kept_in_the_forks_they_cover(
    ctx: TestContext, server: IndexServer
) -> None:
    ctx.write("requirements.in", REQUIREMENTS)
    ctx.write(
        "requirements.txt",
        'other==1.0 ; python_version < "3.10"\n'
        'other==2.0 ; python_version >= "3.10"\n'
        'pkg==1.0 ; python_version < "3.10"\n'
        'pkg==2.0 ; python_version >= "3.10"\n',
    )
    ctx.run(*_compile(server)).assert_success()
    assert _pins(ctx.read("requirements.txt")) == [
        'other==1.0 ; python_version < "3.10"',
        'other==2.0 ; python_version >= "3.10"',
        'pkg==1.0 ; python_version < "3.10"',
        'pkg==2.0 ; python_version >= "3.10"',
    ]


def test_a_pin_for_one_fork_only_does_not_hold_back_the_others(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", REQUIREMENTS)
    ctx.write("requirements.txt", 'pkg==1.0 ; python_version < "3.10"\n')
    ctx.run(*_compile(server)).assert_success()
    assert _pins(ctx.read("requirements.txt")) == [
        'other==1.0 ; python_version < "3.10"',
        'other==2.0 ; python_version >= "3.10"',
        'pkg==1.0 ; python_version < "3.10"',
        'pkg==3.0 ; python_version >= "3.10"',
    ]


def test_upgrade_package_drops_the_scoped_pins_of_that_package(ctx: TestContext, server: IndexServer) -> None:
    ctx.write("requirements.in", REQUIREMENTS)
    ctx.write(
        "requirements.txt",
        'other==1.0 ; python_version < "3.10"\n'
        'other==2.0 ; python_version >= "3.10"\n'
        'pkg==1.0 ; python_version < "3.10"\n'
        'pkg==2.0 ; python_version >= "3.10"\n',
    )
    ctx.run(*_compile(server, "--upgrade-package", "pkg")).assert_success()
    assert _pins(ctx.read("requirements.txt")) == [
        'other==1.0 ; python_version < "3.10"',
        'other==2.0 ; python_version >= "3.10"',
        "pkg==3.0",
    ]
