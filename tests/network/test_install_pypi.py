"""A small web-service requirements file from the real PyPI, installed by pipcompat and by pip side by side.

The two environments must end up the same: identical ``pip freeze``, ``pip check`` clean, and every
top-level package importable.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.support.context import TestContext, venv_python

pytestmark = [pytest.mark.network, pytest.mark.slow]

REQUIREMENTS = "requests\nflask\ngunicorn\n"
IMPORTS = ["requests", "flask", "gunicorn", "werkzeug", "jinja2", "urllib3", "idna", "certifi"]


def test_web_service_requirements_install_like_pip(ctx: TestContext) -> None:
    ctx.write("requirements.txt", REQUIREMENTS)
    ours = ctx.make_venv("ours")
    pips = ctx.make_venv("pips")
    args = ["install", "--index-url", "https://pypi.org/simple", "-r", "requirements.txt"]
    ctx.run("pip", "--python", venv_python(ours), *args).assert_success()
    ctx.run_pip("--python", venv_python(pips), *args).assert_success()
    frozen = [ctx.run_pip("--python", venv_python(v), "freeze").assert_success().stdout for v in (ours, pips)]
    assert frozen[0] == frozen[1]
    ctx.run_pip("--python", venv_python(ours), "check").assert_success()
    done = subprocess.run(
        [venv_python(ours), "-c", "import " + ", ".join(IMPORTS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    script = subprocess.run(
        [ours / "bin" / "gunicorn", "--version"], capture_output=True, text=True, check=False
    )
    assert script.returncode == 0, script.stderr
