"""pip's general options on every command, as pip takes them.

pip accepts its network, cache and version-check options on every command; a command that reaches no index
and no cache has nothing to apply them to, so ``pip freeze --disable-pip-version-check --no-cache-dir``
simply runs. ``--require-virtualenv`` is ignored by the commands pip ignores it for (``list``, ``freeze``,
``show``, ``check``, ``hash``, ``config``, ``cache``, ``index``) and enforced by the others (exit 3).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support.context import TestContext

pytestmark = pytest.mark.integration

#: General options a CI script may spell on any pip command.
GENERAL = (
    "--disable-pip-version-check",
    "--no-python-version-warning",
    "--timeout",
    "5",
    "--retries",
    "1",
    "--proxy",
    "http://127.0.0.1:9",
    "--trusted-host",
    "example.org",
    "--no-cache-dir",
    "--exists-action",
    "w",
    "--keyring-provider",
    "disabled",
    "--debug",
)


def test_network_and_cache_options_change_nothing_for_commands_that_use_neither(
    ctx: TestContext, dist_info_site: Path
) -> None:
    archive = ctx.write("dist.tar.gz", "not really an archive")
    for command in (["freeze", "--path", dist_info_site], ["hash", archive]):
        plain = ctx.run("pip", *command).assert_success()
        spelled = ctx.run("pip", *command, *GENERAL).assert_success()
        before = ctx.run("pip", *GENERAL[:2], *command).assert_success()  # before the command name, too
        assert spelled.stdout == plain.stdout == before.stdout, command
        theirs = ctx.run_pip(*command, *GENERAL)
        assert theirs.returncode == 0 and theirs.stdout == plain.stdout, command


def test_require_virtualenv_is_ignored_where_pip_ignores_it(ctx: TestContext, dist_info_site: Path) -> None:
    base = Path(getattr(sys, "_base_executable", "") or sys.executable)
    for command in (
        ["freeze", "--path", dist_info_site],
        ["list", "--path", dist_info_site, "--format", "freeze"],
    ):
        result = ctx.run("pip", "--python", base, *command, "--require-virtualenv").assert_success()
        assert result.stdout == "alpha==1.0\nbeta==2.0\n"


def test_uninstall_outside_a_virtualenv_is_refused_with_require_virtualenv(ctx: TestContext) -> None:
    base = Path(os.path.realpath(getattr(sys, "_base_executable", "") or sys.executable))
    result = ctx.run("pip", "--python", base, "uninstall", "-y", "no-such-dist", "--require-virtualenv")
    result.assert_failure(3)
    assert "Could not find an activated virtualenv (required)." in result.stderr
    venv = ctx.make_venv()
    inside = ctx.run("pip", "--python", venv, "uninstall", "-y", "no-such-dist", "--require-virtualenv")
    assert inside.returncode == 0, inside  # pip only warns that it is not installed


def test_use_pep517_is_accepted_by_install_as_the_no_op_it_is_in_pip(ctx: TestContext) -> None:
    requirements = ctx.write("requirements.txt", "")
    ours = ctx.run("pip", "install", "--use-pep517", "--dry-run", "-r", requirements, "--no-index")
    theirs = ctx.run_pip("install", "--use-pep517", "--dry-run", "-r", requirements, "--no-index")
    assert ours.returncode == theirs.returncode == 0, (ours, theirs)


def test_use_feature_is_taken_as_pip_takes_it(ctx: TestContext, dist_info_site: Path) -> None:
    command = ["freeze", "--path", dist_info_site]
    for args in (["--use-feature=truststore"], ["--use-feature", "fast-deps", "--use-feature=truststore"]):
        ours = ctx.run("pip", *command, *args).assert_success()
        theirs = ctx.run_pip(*command, *args)
        assert theirs.returncode == 0 and ours.stdout == theirs.stdout == "alpha==1.0\nbeta==2.0\n"
        assert "WARNING: The following features are always enabled: truststore." in ours.stderr
        assert "always enabled" in theirs.stderr
    quiet = ctx.run("pip", *command, "--use-feature=venv-isolation").assert_success()
    assert quiet.stderr == ""
    refused = ctx.run("pip", *command, "--use-feature=bogus").assert_failure(2)
    assert "invalid choice: 'bogus'" in refused.stderr
