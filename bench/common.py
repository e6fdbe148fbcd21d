"""Shared pieces of the benchmark scripts: the tools environment, a clean environment, timing, tables.

The tools environment lives outside the repository, in ``~/.cache/pipcompat-bench/tools``: a venv of the
base interpreter with pip-tools 7.6.2 and uv from PyPI, installed the first time it is needed (with the
machine's pip configuration switched off, so it comes from PyPI as it would for anyone).
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_HOME = Path(os.path.expanduser("~/.cache/pipcompat-bench"))
TOOLS = BENCH_HOME / "tools"
PIP_TOOLS_VERSION = "7.6.2"
PIP_VERSION = "26.3"
PYPI = "https://pypi.org/simple"


def base_python() -> str:
    """The interpreter this one was made from (a venv's base), as a real path."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def isolated_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without pip/uv/pipcompat configuration, virtualenvs or user site noise.

    ``PIP_CONFIG_FILE=/dev/null`` turns off every pip configuration file (pip, pip-compile and pipcompat
    all honour it); ``UV_NO_CONFIG=1`` does the same for uv.
    """
    prefixes = ("PIP_", "PIPCOMPAT_", "UV_", "PIP_TOOLS_", "CUSTOM_COMPILE_COMMAND")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    for name in ("VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX"):
        env.pop(name, None)
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["UV_NO_CONFIG"] = "1"
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def tools_python() -> Path:
    return TOOLS / "bin" / "python"


def ensure_tools(python: str | None = None) -> Path:
    """The tools venv with pip-tools (on pip 26.3) and uv, created or completed when needed; returns its
    ``bin``."""
    bin_dir = TOOLS / "bin"
    if not (bin_dir / "python").exists():
        subprocess.run([python or base_python(), "-m", "venv", str(TOOLS)], check=True)
    wanted: list[str] = []
    if not (bin_dir / "uv").exists():
        wanted.append("uv")
    done = (
        subprocess.run(
            [str(bin_dir / "pip-compile"), "--version"], capture_output=True, text=True, check=False
        )
        if (bin_dir / "pip-compile").exists()
        else None
    )
    if done is None or PIP_TOOLS_VERSION not in done.stdout:
        wanted.append(f"pip-tools=={PIP_TOOLS_VERSION}")
    # pip-compile runs on the pip of its own environment: the one pipcompat follows, not the base
    # interpreter's bundled (older) pip.
    pip_done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "--version"], capture_output=True, text=True, check=False
    )
    if f"pip {PIP_VERSION} " not in pip_done.stdout:
        wanted.append(f"pip=={PIP_VERSION}")
    if wanted:
        subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--index-url", PYPI, *wanted],
            check=True,
            env=isolated_environ(),
        )
    return bin_dir


def run_timed(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path | None = None
) -> tuple[float, float]:
    """Run *argv* to completion: ``(wall-clock seconds, CPU seconds user+system)``; a failure raises.

    Whatever the previous run (of any tool) left for the kernel to write back is flushed first, outside
    the timing: a cold pip-compile writes and removes hundreds of MB of wheels, and their write-back would
    otherwise land on whichever tool runs next (as ``bench/install.py`` does too)."""
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(list(argv), env=dict(env), cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if log is not None:
        log.write_bytes(done.stdout + b"\n--- stderr ---\n" + done.stderr)
    if done.returncode:
        tail = done.stderr.decode("utf-8", "replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv)} failed with exit status {done.returncode}:\n{tail}")
    return elapsed, cpu


@dataclass
class Sample:
    """The wall-clock and CPU times of one tool in one case."""

    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else math.nan

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else math.nan

    def spread(self) -> str:
        if not self.times:
            return ""
        return f"{min(self.times):.2f}-{max(self.times):.2f}"


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def ratio(numerator: float, denominator: float) -> str:
    if math.isnan(denominator) or math.isnan(numerator) or not denominator:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


def load_average() -> str:
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub markdown table; *align* has one letter per column (``l`` or ``r``, default ``l``)."""
    marks = ["---:" if (align[i : i + 1] == "r") else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)
