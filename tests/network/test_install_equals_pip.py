"""Real-world requirement files from the real PyPI, installed by pipcompat and by pip: the same environment.

``tests/network/data/*.in`` are small top-level lists (a web service, a data-science stack); each is pinned
by ``pipcompat pip compile`` at test time, then installed into two fresh venvs, one by pipcompat and one by
pip. The environments must be equal (``pip freeze``), ``pip check`` clean in both, every top-level package
importable in pipcompat's, and a console script of the stack must run. The pipcompat runs share one cache,
so the second file reuses the wheels the first downloaded.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.context import TestContext, venv_python

pytestmark = [pytest.mark.network, pytest.mark.slow]

DATA = Path(__file__).parent / "data"
INDEX = "https://pypi.org/simple"

CASES = {
    "web-service": (
        [
            "fastapi", "uvicorn", "sqlalchemy", "alembic", "celery", "redis", "boto3", "requests", "httpx",
            "pydantic", "pydantic_settings", "jinja2", "gunicorn", "flask", "psycopg2", "dotenv", "structlog",
        ],
        [["gunicorn", "--version"], ["uvicorn", "--version"], ["celery", "--version"], ["alembic", "--help"]],
        40,
    ),
    "data-science": (
        [
            "numpy", "pandas", "scipy", "matplotlib", "sklearn", "seaborn", "statsmodels", "jupyter",
            "notebook", "jupyterlab", "ipykernel", "IPython", "nbconvert",
        ],
        [["jupyter", "--version"], ["ipython", "--version"], ["jupyter-lab", "--version"]],
        90,
    ),
}  # fmt: skip


def pip_install(ctx: TestContext, venv: Path, args: tuple[str, ...]) -> None:
    """The real pip's install, asked again (twice at most, a few seconds apart) when the index showed it no
    version of a pin that pipcompat found there moments before: the PyPI pass-through these tests run
    behind has served a project page without its newest release to one client while serving it to
    another. Any other failure, or the same one three times, fails the test."""
    for attempt in range(3):
        done = ctx.run_pip("--python", venv_python(venv), *args, timeout=1800)
        if done.returncode == 0 or "No matching distribution found for" not in done.stderr or attempt == 2:
            done.assert_success()
            return
        time.sleep(5 * (attempt + 1))


def freeze(ctx: TestContext, venv: Path) -> list[str]:
    result = ctx.run_pip("--python", venv_python(venv), "freeze", "--all").assert_success()
    return sorted(line for line in result.stdout.splitlines() if line)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_real_requirements_file_installs_the_same_environment_as_pip(ctx: TestContext, name: str) -> None:
    imports, scripts, at_least = CASES[name]
    source = ctx.write(f"{name}.in", (DATA / f"{name}.in").read_text(encoding="utf-8"))
    ctx.run(
        "pip", "compile", "--no-config", "-q", "--no-header", "--strip-extras", "-i", INDEX,
        "-o", f"{name}.txt", source,
    ).assert_success()  # fmt: skip
    pinned = ctx.read(f"{name}.txt")
    assert len([line for line in pinned.splitlines() if "==" in line]) >= at_least, pinned
    ours = ctx.make_venv("ours")
    pips = ctx.make_venv("pips")
    args = ("install", "-i", INDEX, "-r", f"{name}.txt")
    ctx.run("pip", "--python", venv_python(ours), *args, timeout=1800).assert_success()
    pip_install(ctx, pips, args)
    assert freeze(ctx, ours) == freeze(ctx, pips)
    for venv in (ours, pips):
        ctx.run_pip("--python", venv_python(venv), "check").assert_success()
    done = ctx.run_cmd([venv_python(ours), "-c", "import " + ", ".join(imports)], timeout=600)
    done.assert_success()
    for argv in scripts:
        ctx.run_cmd([ours / "bin" / argv[0], *argv[1:]], timeout=300).assert_success()
    # a second environment from the now-warm cache: the same packages, no download
    again = ctx.make_venv("again")
    warm = ctx.run("pip", "--python", venv_python(again), *args, timeout=1800)
    warm.assert_success()
    assert "Prepared" not in warm.stderr
    assert freeze(ctx, again) == freeze(ctx, ours)
