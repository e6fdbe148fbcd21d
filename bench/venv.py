"""Benchmark: creating a virtual environment with pipcompat, ``python -m venv`` and uv, side by side.

    python bench/venv.py [--runs N] [--python PATH]

Every tool makes a fresh environment for the same base interpreter, N times after one warm-up run (so
pipcompat's probe and unpacked pip and uv's cache are warm, as on a developer machine or a CI cache).
uv is installed once into a tools environment under ``~/.cache/pipcompat-bench`` (never the repository).
Prints a markdown table of medians and ratios. This is a script, not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOLS = Path(os.path.expanduser("~/.cache/pipcompat-bench"))


def base_python() -> str:
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def ensure_uv(python: str) -> Path:
    """uv in its own environment under :data:`TOOLS`, installed with pip the first time."""
    venv = TOOLS / "tools"
    uv = venv / "bin" / "uv"
    if not uv.exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "uv"], check=True)
    return uv


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PIPCOMPAT_", "UV_"))}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # pipcompat runs from its .pyc files, as when installed
    env["PYTHONPATH"] = str(REPO)
    env["PIPCOMPAT_CACHE_DIR"] = str(TOOLS / "pipcompat-cache")
    env["UV_CACHE_DIR"] = str(TOOLS / "uv-cache")
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def measure(argv_for: Callable[[Path], Sequence[str]], runs: int, env: dict[str, str]) -> list[float]:
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-venv-") as temp:
        for index in range(runs + 1):
            target = Path(temp) / f"env{index}"
            argv = list(argv_for(target))
            started = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            if index:  # the first run warms caches
                times.append(elapsed)
            shutil.rmtree(target)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--python", default=base_python())
    args = parser.parse_args(argv)
    python: str = args.python
    uv = str(ensure_uv(python))
    env = clean_env()
    pipcompat = [sys.executable, "-m", "pipcompat", "venv", "-q", "-p", python]
    cases: list[tuple[str, Callable[[Path], Sequence[str]]]] = [
        ("pipcompat venv --without-pip", lambda d: [*pipcompat, "--without-pip", str(d)]),
        ("uv venv", lambda d: [uv, "venv", "-q", "-p", python, str(d)]),
        ("python -m venv --without-pip", lambda d: [python, "-m", "venv", "--without-pip", str(d)]),
        ("pipcompat venv (with pip)", lambda d: [*pipcompat, str(d)]),
        ("uv venv --seed", lambda d: [uv, "venv", "-q", "--seed", "-p", python, str(d)]),
        ("python -m venv (with pip)", lambda d: [python, "-m", "venv", str(d)]),
    ]
    results: dict[str, float] = {}
    for name, argv_for in cases:
        runs = max(3, args.runs // 3) if name == "python -m venv (with pip)" else args.runs
        results[name] = statistics.median(measure(argv_for, runs, env))
        print(f"  measured {name}: {results[name] * 1000:.1f} ms", file=sys.stderr)

    version = subprocess.run([python, "-V"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"\nBase interpreter: {python} ({version}); {args.runs} runs each after a warm-up; medians.\n")
    print("| command | median | vs uv venv | vs uv venv --seed | vs python -m venv (with pip) |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in results.items():
        ratios = [
            seconds / results[other] for other in ("uv venv", "uv venv --seed", "python -m venv (with pip)")
        ]
        cells = " | ".join(f"{ratio:.2f}x" for ratio in ratios)
        print(f"| `{name}` | {seconds * 1000:.1f} ms | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
