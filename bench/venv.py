"""Benchmark: creating a virtual environment with pipcompat, ``python -m venv`` and uv, side by side.

    python bench/venv.py [--runs N] [--python PATH] [--write-docs] [--plot]

Every tool makes a fresh environment for the same base interpreter. The cases run round-robin (one run of
each in turn, N rounds, after one warm-up round), so a machine that gets busier or quieter part-way through
affects every tool alike. Caches are warm, as on a developer machine or a CI cache: pipcompat's probe of
the interpreter and its unpacked pip, uv's cache. pipcompat runs the way an installed ``pipcompat``
command does: a console-script launcher exactly like the one pip writes, with this checkout on
``PYTHONPATH``. Configuration is switched off for every tool (``PIP_CONFIG_FILE=/dev/null``,
``UV_NO_CONFIG=1``). ``python -c pass`` is timed too: the start-up floor of any tool written in Python.

uv (and matplotlib, for ``--plot``) live in the tools environment ``~/.cache/pipcompat-bench/tools``,
never in the repository. Prints a markdown table of medians (wall clock, and the CPU time the process
used, which a loaded machine disturbs less) and ratios; ``--write-docs`` replaces the ``## venv`` section of
``docs/benchmarks.md`` with it, ``--plot`` also draws ``docs/benchmarks-venv.png``. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, TOOLS, base_python, ensure_tools, isolated_environ, markdown_table

DOCS = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "benchmarks-venv.png"
SECTION = "## venv"
TIMES = "\N{MULTIPLICATION SIGN}"

#: What pip writes for a console script (``pipcompat = pipcompat.cli.main:run``).
LAUNCHER = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from pipcompat.cli.main import run
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(run())
"""


def pipcompat_launcher() -> Path:
    path = TOOLS.parent / "pipcompat-launcher" / "pipcompat"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LAUNCHER.format(python=sys.executable), encoding="utf-8")
    path.chmod(0o755)
    return path


def time_once(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of *argv*, which must succeed."""
    os.sync()  # the previous run's pending write-back, outside the timing
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    error = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({process.returncode}): {error.decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def load() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


Case = tuple[str, Callable[[Path], Sequence[str]]]


def cases(python: str, uv: str, pipcompat: str) -> list[Case]:
    return [
        ("python -c pass (start-up floor)", lambda d: [sys.executable, "-c", "pass"]),
        (
            "pipcompat venv --without-pip",
            lambda d: [pipcompat, "venv", "-q", "--without-pip", "-p", python, str(d)],
        ),
        ("uv venv", lambda d: [uv, "venv", "-q", "-p", python, str(d)]),
        ("python -m venv --without-pip", lambda d: [python, "-m", "venv", "--without-pip", str(d)]),
        ("pipcompat venv", lambda d: [pipcompat, "venv", "-q", "-p", python, str(d)]),
        ("uv venv --seed", lambda d: [uv, "venv", "-q", "--seed", "-p", python, str(d)]),
        ("python -m venv", lambda d: [python, "-m", "venv", str(d)]),
    ]


def measure(
    all_cases: list[Case], runs: int, slow_runs: int, env: dict[str, str]
) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in all_cases}
    with tempfile.TemporaryDirectory(prefix="bench-venv-") as temp:
        for round_index in range(runs + 1):
            for case_index, (name, argv_for) in enumerate(all_cases):
                if name == "python -m venv" and round_index > slow_runs:
                    continue  # ensurepip takes seconds: fewer rounds of it
                target = Path(temp) / f"{case_index}-{round_index}"
                sample = time_once(argv_for(target), env)
                if round_index:  # round 0 warms every cache
                    results[name].append(sample)
                # Every environment stays until the end: a tree removed just before a run makes each new
                # file of that run dearer (freed inodes being reused on ext4), which the next tool would pay.
    return results


def report(
    results: dict[str, list[tuple[float, float]]], *, python: str, runs: int, loads: tuple[str, str]
) -> str:
    wall = {name: statistics.median(w for w, _c in samples) for name, samples in results.items()}
    cpu = {name: statistics.median(c for _w, c in samples) for name, samples in results.items()}
    refs = {
        "pipcompat venv --without-pip": "uv venv",
        "pipcompat venv": "uv venv --seed",
        "python -m venv --without-pip": "uv venv",
        "python -m venv": "uv venv --seed",
    }

    def ms(value: float) -> str:
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"

    rows = []
    for name, samples in results.items():
        ref = refs.get(name)
        vs_uv = f"{wall[name] / wall[ref]:.2f}{TIMES} `{ref}`" if ref else ""
        vs_cpu = f"{cpu[name] / cpu[ref]:.2f}{TIMES}" if ref else ""
        rows.append([f"`{name}`", ms(wall[name]), ms(cpu[name]), vs_uv, vs_cpu, str(len(samples))])
    table = markdown_table(
        ["command", "wall (median)", "CPU (median)", "wall vs uv", "CPU vs uv", "runs"], rows, "lrrrrr"
    )
    version = subprocess.run([python, "-V"], capture_output=True, text=True, check=True).stdout.strip()
    uv_version = subprocess.run(
        [str(TOOLS / "bin" / "uv"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    speedup = wall["python -m venv"] / wall["pipcompat venv"]
    floor = wall["python -c pass (start-up floor)"]
    lines = [
        SECTION,
        "",
        f"Taken with `python bench/venv.py --runs {runs}` on {time.strftime('%Y-%m-%d')}: {machine()}; "
        f"base interpreter {python} ({version}); {uv_version}; pipcompat run through a pip-style console "
        "script. Warm caches, configuration off for every tool, cases interleaved round-robin, one warm-up "
        f"round. Load average (1/5/15 min) before: {loads[0]}, after: {loads[1]}"
        + (
            " — a loaded machine: wall times are noisy, CPU times less so."
            if float(loads[0].split()[0]) > 1.0
            else "."
        ),
        "",
        table,
        "",
        f"- `pipcompat venv` (with pip) is {speedup:.1f}{TIMES} faster than `python -m venv`.",
        f"- Python itself starts in {ms(floor)} here (`python -c pass`); `pipcompat venv --without-pip` "
        f"spends {ms(wall['pipcompat venv --without-pip'] - floor)} beyond that; `uv venv` takes "
        f"{ms(wall['uv venv'])} in all.",
        "",
        f"![venv benchmark]({PLOT.name})",
        "",
        f"Where `pipcompat venv --without-pip`'s time goes, and what is left to reach 2{TIMES} `uv venv`:",
        'see [docs/venv.md, "Start-up"](venv.md#start-up).',
        "",
    ]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    start = text.find(SECTION + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + ("" if end == -1 else text[end + 1 :])
    DOCS.write_text(text, encoding="utf-8")


def plot(results: dict[str, list[tuple[float, float]]], tools_python: Path) -> None:
    """A bar chart of the medians, drawn with matplotlib from the tools environment (installed if needed)."""
    if subprocess.run(
        [str(tools_python), "-c", "import matplotlib"], capture_output=True, check=False
    ).returncode:
        subprocess.run(
            [str(tools_python), "-m", "pip", "install", "-q", "matplotlib"],
            check=True,
            env=isolated_environ(),
        )
    data = {name: statistics.median(w for w, _c in samples) * 1000 for name, samples in results.items()}
    script = f"""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = {data!r}
names = list(data)[::-1]
fig, ax = plt.subplots(figsize=(8, 3.6))
colours = ["#3b7dd8" if n.startswith("pipcompat") else "#999999" for n in names]
ax.barh(names, [data[n] for n in names], color=colours)
ax.set_xscale("log")
ax.set_xlabel("median wall-clock time, ms (log scale)")
for i, n in enumerate(names):
    ax.text(data[n] * 1.05, i, f"{{data[n]:.0f}} ms", va="center", fontsize=8)
ax.set_title("Creating a virtual environment (warm caches)")
fig.tight_layout()
fig.savefig({str(PLOT)!r}, dpi=80)
"""
    subprocess.run([str(tools_python), "-c", script], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=base_python())
    parser.add_argument("--write-docs", action="store_true", help=f"replace '{SECTION}' in {DOCS}")
    parser.add_argument("--plot", action="store_true", help=f"draw {PLOT} (matplotlib in the tools venv)")
    args = parser.parse_args(argv)
    python: str = args.python
    bin_dir = ensure_tools(python)
    env = isolated_environ(
        {
            "PYTHONPATH": str(REPO),
            "PIPCOMPAT_CACHE_DIR": str(TOOLS.parent / "pipcompat-cache"),
            "UV_CACHE_DIR": str(TOOLS.parent / "uv-cache"),
        }
    )
    before = load()
    results = measure(
        cases(python, str(bin_dir / "uv"), str(pipcompat_launcher())), args.runs, max(3, args.runs // 5), env
    )
    section = report(results, python=python, runs=args.runs, loads=(before, load()))
    print(section)
    if args.write_docs:
        write_docs(section)
    if args.plot:
        plot(results, bin_dir / "python")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
