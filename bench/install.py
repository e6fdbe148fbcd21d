"""Benchmark: ``pipcompat pip install -r`` against ``uv pip install -r`` and pip 26.3, side by side.

    python bench/install.py [--runs N] [--cold-runs N] [--inputs web-service,data-science]
                            [--cases cold,warm,noop] [--write-docs] [--plot]

For every pinned requirements file in ``bench/inputs/`` (``*.txt``, made from the ``.in`` next to it with
``pipcompat pip compile``), against the real PyPI (``https://pypi.org/simple``), every run into a fresh
virtual environment made with ``python -m venv --without-pip`` outside the timing:

- **cold**: an empty cache directory of the tool's own, so every page and wheel is downloaded;
- **warm**: the cache filled by a previous run (the cold run, or a warm-up run), a fresh venv;
- **no-op**: the same command again into the venv the warm run just filled (everything is installed).

Tools: ``pip --python VENV/bin/python install`` (pip 26.3 in its own venv,
``~/.cache/pipcompat-bench/pip-26.3``), ``uv pip install --python VENV/bin/python``, and
``pipcompat pip install --python VENV/bin/python`` (through a pip-style console script, from this
working tree). pip runs twice in every round: with ``--no-compile`` (bytecode off, as uv's and
pipcompat's defaults) and with its default (it byte-compiles everything it installs). Configuration is
off for every tool (``PIP_CONFIG_FILE=/dev/null``, ``UV_NO_CONFIG=1``). Runs are interleaved (round 1 of
every tool, then round 2 …) so that changes in network speed or machine load hit all tools alike;
before each timed run the kernel's pending write-back is flushed (``sync``, outside the timing), so that
no tool pays for the files the previous one wrote; venvs and caches are removed only at the end (a
tree removed just before a run makes every new file of that run dearer on ext4). Medians of wall-clock
time; after each round the installed distributions (``*.dist-info`` names) of every tool are compared.
The venvs and caches of a full run take some GB of disk until the end (pip's venvs are copies).

Cold runs download a few hundred MB per tool, so they default to one run (``--cold-runs``).
This is a script, not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH_HOME,
    PYPI,
    REPO,
    base_python,
    ensure_tools,
    isolated_environ,
    markdown_table,
)

INPUTS = REPO / "bench" / "inputs"
DOCS = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "benchmarks-install.png"
SECTION = "## install"
PIP_VERSION = "26.3"
PIP_HOME = BENCH_HOME / f"pip-{PIP_VERSION}"
TIMES = "\N{MULTIPLICATION SIGN}"
CASES = ("cold", "warm", "noop")

LAUNCHER = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from pipcompat.cli.main import run
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(run())
"""


@dataclass(frozen=True)
class Tool:
    name: str
    argv: Callable[[Path, Path], list[str]]
    """``argv(venv python, requirements file)``."""
    cache_env: str
    """The environment variable naming the tool's cache directory."""
    cache_key: str
    """Tools with the same key share a cache (pip with and without ``--no-compile``)."""


def pip_home(python: str) -> Path:
    """A venv with pip 26.3 (from PyPI, configuration off), made the first time it is needed."""
    pip = PIP_HOME / "bin" / "pip"
    done = (
        subprocess.run([str(pip), "--version"], capture_output=True, text=True, check=False)
        if pip.exists()
        else None
    )
    if done is None or f"pip {PIP_VERSION} " not in done.stdout:
        if not (PIP_HOME / "bin" / "python").exists():
            subprocess.run([python, "-m", "venv", str(PIP_HOME)], check=True)
        subprocess.run(
            [
                str(PIP_HOME / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--index-url",
                PYPI,
                f"pip=={PIP_VERSION}",
            ],
            check=True,
            env=isolated_environ(),
        )
    return PIP_HOME / "bin" / "pip"


def pipcompat_launcher() -> Path:
    path = BENCH_HOME / "pipcompat-launcher" / "pipcompat"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LAUNCHER.format(python=sys.executable), encoding="utf-8")
    path.chmod(0o755)
    return path


def make_tools(pip: Path, uv: Path, pipcompat: Path) -> list[Tool]:
    index = ["--index-url", PYPI]
    return [
        Tool(
            "pip --no-compile",
            lambda py, req: [
                str(pip),
                "--python",
                str(py),
                "install",
                "-q",
                "--no-compile",
                *index,
                "-r",
                str(req),
            ],
            "PIP_CACHE_DIR",
            "pip",
        ),
        Tool(
            "pip (compiles)",
            lambda py, req: [str(pip), "--python", str(py), "install", "-q", *index, "-r", str(req)],
            "PIP_CACHE_DIR",
            "pip",
        ),
        Tool(
            "uv",
            lambda py, req: [str(uv), "pip", "install", "-q", "--python", str(py), *index, "-r", str(req)],
            "UV_CACHE_DIR",
            "uv",
        ),
        Tool(
            "pipcompat",
            lambda py, req: [
                str(pipcompat),
                "pip",
                "--python",
                str(py),
                "install",
                "-q",
                *index,
                "-r",
                str(req),
            ],
            "PIPCOMPAT_CACHE_DIR",
            "pipcompat",
        ),
    ]


def time_once(argv: Sequence[str], env: dict[str, str]) -> float:
    # Whatever the previous run (of any tool) left for the kernel to write back — hundreds of MB of
    # downloads, venvs of 20,000 files just removed — is flushed first, outside the timing: otherwise the
    # write-back lands on whichever tool happens to run next.
    os.sync()
    started = time.perf_counter()
    done = subprocess.run(list(argv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-3000:]}")
    return elapsed


def fresh_venv(python: str, where: Path) -> Path:
    subprocess.run([python, "-m", "venv", "--without-pip", str(where)], check=True)
    return where / "bin" / "python"


def installed_names(venv: Path) -> set[str]:
    return {p.name.lower().replace("_", "-") for p in venv.glob("lib/python*/site-packages/*.dist-info")}


Results = dict[tuple[str, str, str], list[float]]
"""``(input, case, tool) -> wall times``."""


def measure(  # noqa: PLR0917
    tools: list[Tool],
    inputs: Sequence[str],
    cases: Sequence[str],
    runs: int,
    cold_runs: int,
    python: str,
    work: Path,
    log: Callable[[str], None],
) -> Results:
    results: Results = {}
    base = isolated_environ({"PYTHONPATH": str(REPO)})

    def env_for(tool: Tool, cache: Path) -> dict[str, str]:
        return {**base, tool.cache_env: str(cache)}

    def run(name: str, case: str, tool: Tool, venv: Path, cache: Path, keep: bool) -> None:  # noqa: PLR0917
        py = venv / "bin" / "python"
        if not py.exists():
            fresh_venv(python, venv)
        elapsed = time_once(tool.argv(py, INPUTS / f"{name}.txt"), env_for(tool, cache))
        if keep:
            results.setdefault((name, case, tool.name), []).append(elapsed)
        log(f"{name:14} {case:5} {tool.name:18} {elapsed:7.2f} s{'' if keep else ' (warm-up)'}")

    # Venvs and caches stay until the end (the work directory is removed then): on this kind of filesystem a
    # new file costs more while the inodes of a tree removed in the last half minute are being reused, so
    # removing one tool's venv before the next tool's run would hand that cost to the next tool.
    for name in inputs:
        filled: set[str] = set()
        warm_caches = {tool.cache_key: work / f"{name}-warm-{tool.cache_key}" for tool in tools}
        if "cold" in cases:
            for round_index in range(cold_runs):
                for tool in tools:
                    cache = work / f"{name}-cold-{tool.name}-{round_index}"
                    shutil.rmtree(cache, ignore_errors=True)
                    venv = work / f"v-{name}-cold-{tool.name}-{round_index}".replace(" ", "_")
                    run(name, "cold", tool, venv, cache, keep=True)
                    if round_index == 0 and tool.cache_key not in filled and cache.exists():
                        filled.add(tool.cache_key)
                        cache.rename(warm_caches[tool.cache_key])  # the warm cases start from it
        if not {"warm", "noop"} & set(cases):
            continue
        for tool in tools:  # fill the caches that no cold run filled
            if tool.cache_key not in filled:
                filled.add(tool.cache_key)
                venv = work / f"v-{name}-fill-{tool.name}".replace(" ", "_")
                run(name, "fill", tool, venv, warm_caches[tool.cache_key], keep=False)
        for round_index in range(runs):
            names: dict[str, set[str]] = {}
            for tool in tools:
                venv = work / f"v-{name}-warm-{tool.name}-{round_index}".replace(" ", "_")
                fresh_venv(python, venv)
                cache = warm_caches[tool.cache_key]
                run(name, "warm", tool, venv, cache, keep="warm" in cases)
                if "noop" in cases:
                    run(name, "noop", tool, venv, cache, keep=True)
                names[tool.name] = installed_names(venv)
            reference = names[tools[0].name]
            for tool_name, found in names.items():
                if found != reference:
                    log(f"!! {name}: {tool_name} installed a different set: {sorted(found ^ reference)}")
    return results


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


def fmt(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def package_count(name: str) -> int:
    return sum(
        1
        for line in (INPUTS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith((" ", "#", "-"))
    )


#: The targets of issue 4: (case, reference tool, limit, "within" or "faster").
TARGETS = [
    ("warm", "uv", 1.5, "within"),
    ("warm", "pip --no-compile", 10.0, "faster"),
    ("warm", "pip (compiles)", 10.0, "faster"),
    ("noop", "uv", 2.0, "within"),
    ("cold", "uv", 1.5, "within"),
]


def report(
    results: Results, inputs: Sequence[str], tools: list[Tool], argv: str, loads: tuple[str, str]
) -> str:
    med = {key: statistics.median(values) for key, values in results.items()}
    rows = []
    for name in inputs:
        for case in CASES:
            for tool in tools:
                key = (name, case, tool.name)
                if key not in med:
                    continue
                vs_uv = med[key] / med[(name, case, "uv")] if (name, case, "uv") in med else float("nan")
                vs_pip = ""
                if tool.name == "pipcompat":
                    vs_pip = " / ".join(
                        f"{med[(name, case, p)] / med[key]:.1f}{TIMES}"
                        for p in ("pip --no-compile", "pip (compiles)")
                        if (name, case, p) in med
                    )
                rows.append(
                    [
                        f"{name} ({package_count(name)})",
                        case,
                        f"`{tool.name}`",
                        fmt(med[key]),
                        f"{min(results[key]):.2f}-{max(results[key]):.2f}",
                        f"{vs_uv:.2f}{TIMES}" if not math.isnan(vs_uv) else "",
                        vs_pip,
                        str(len(results[key])),
                    ]
                )
    table = markdown_table(
        ["input (packages)", "case", "tool", "median", "range (s)", "vs uv", "pip ÷ pipcompat", "runs"],
        rows,
        "lllrrrrr",
    )
    verdicts = []
    for name in inputs:
        for case, ref, limit, how in TARGETS:
            ours, theirs = med.get((name, case, "pipcompat")), med.get((name, case, ref))
            if ours is None or theirs is None:
                continue
            if how == "within":
                value = ours / theirs
                ok = value <= limit
                verdicts.append(
                    f"- {name}, {case}: pipcompat is {value:.2f}{TIMES} `{ref}` (target ≤ {limit:g}{TIMES}): "
                    f"**{'met' if ok else 'not met'}**"
                )
            else:
                value = theirs / ours
                ok = value >= limit
                verdicts.append(
                    f"- {name}, {case}: pipcompat is {value:.1f}{TIMES} faster than `{ref}` "
                    f"(target ≥ {limit:g}{TIMES}): **{'met' if ok else 'not met'}**"
                )
    uv_version = subprocess.run(
        [str(BENCH_HOME / "tools" / "bin" / "uv"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [
        SECTION,
        "",
        f"Taken with `python bench/install.py {argv}` on {time.strftime('%Y-%m-%d')}: {machine()}; "
        f"Python {platform.python_version()} targets; pip {PIP_VERSION}; {uv_version}; index {PYPI}. "
        "Every run "
        "installs a pinned requirements file (`bench/inputs/*.txt`) into a fresh "
        "`python -m venv --without-pip` "
        "(made outside the timing); cold = empty cache, warm = cache filled by an earlier run, no-op = the "
        "same command again into the filled venv. Bytecode: uv and pipcompat do not compile by default; "
        "pip is "
        "run both with `--no-compile` (same setting) and with its default (it compiles). "
        "Configuration off for "
        "every tool; tools interleaved round by round, `sync` before each timed run, venvs and caches "
        "removed only at the end. "
        "Load average (1/5/15 min) before: "
        f"{loads[0]}, after: {loads[1]}.",
        "",
        table,
        "",
        "Note: on a network whose proxy strips `Cache-Control`/`ETag` from PyPI's answers (as on the "
        "machine above), pip's HTTP cache stores nothing, so pip's warm runs download again; "
        "uv and pipcompat "
        "keep wheels by URL and hash and are not affected.",
        "",
        "Targets (issue 4):",
        "",
        *verdicts,
        "",
        f"![install benchmark]({PLOT.name})",
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


def plot(results: Results, inputs: Sequence[str], tools: list[Tool], tools_python: Path) -> None:
    """Grouped bars of the medians per input and case (matplotlib from the tools environment)."""
    if subprocess.run(
        [str(tools_python), "-c", "import matplotlib"], capture_output=True, check=False
    ).returncode:
        subprocess.run(
            [str(tools_python), "-m", "pip", "install", "-q", "--index-url", PYPI, "matplotlib"],
            check=True,
            env=isolated_environ(),
        )
    groups = [(n, c) for n in inputs for c in CASES if any((n, c, t.name) in results for t in tools)]
    data = {
        t.name: [
            statistics.median(results[(n, c, t.name)]) if (n, c, t.name) in results else 0.0
            for n, c in groups
        ]
        for t in tools
    }
    labels = [f"{n}\n{c}" for n, c in groups]
    script = f"""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = {data!r}
labels = {labels!r}
colours = {{"pipcompat": "#3b7dd8", "uv": "#de5fe9",
           "pip --no-compile": "#999999", "pip (compiles)": "#555555"}}
fig, ax = plt.subplots(figsize=(10, 4))
width = 0.8 / len(data)
for i, (tool, values) in enumerate(data.items()):
    xs = [x + (i - (len(data) - 1) / 2) * width for x in range(len(labels))]
    ax.bar(xs, values, width, label=tool, color=colours.get(tool, "#cccccc"))
ax.set_yscale("log")
ax.set_ylabel("median wall-clock time, s (log scale)")
ax.set_xticks(range(len(labels)))
ax.set_xticklabels(labels, fontsize=8)
ax.legend(fontsize=8)
ax.set_title("pip install -r into a fresh venv")
fig.tight_layout()
fig.savefig({str(PLOT)!r}, dpi=80)
"""
    subprocess.run([str(tools_python), "-c", script], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm and no-op runs per tool (default 3)")
    parser.add_argument("--cold-runs", type=int, default=1, help="cold runs per tool (default 1)")
    parser.add_argument("--inputs", default="web-service,data-science")
    parser.add_argument("--cases", default="cold,warm,noop")
    parser.add_argument("--tools", default="", help="comma-separated subset of the tool names")
    parser.add_argument("--python", default=base_python())
    parser.add_argument("--work", default="", help="keep caches and venvs here (default: a temp dir)")
    parser.add_argument("--write-docs", action="store_true", help=f"replace '{SECTION}' in {DOCS}")
    parser.add_argument("--plot", action="store_true", help=f"draw {PLOT} (matplotlib in the tools venv)")
    args = parser.parse_args(argv)
    python: str = args.python
    bin_dir = ensure_tools(python)
    tools = make_tools(pip_home(python), bin_dir / "uv", pipcompat_launcher())
    if args.tools:
        tools = [t for t in tools if t.name in args.tools.split(",")]
    inputs = [i for i in args.inputs.split(",") if i]
    cases = [c for c in args.cases.split(",") if c]
    shown = " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a not in ("--write-docs", "--plot")
    )
    before = load()
    with tempfile.TemporaryDirectory(prefix="bench-install-", dir=args.work or None) as temp:
        results = measure(
            tools,
            inputs,
            cases,
            args.runs,
            args.cold_runs,
            python,
            Path(temp),
            lambda line: print(line, file=sys.stderr, flush=True),
        )
    section = report(results, inputs, tools, shown, (before, load()))
    print(section)
    if args.write_docs:
        write_docs(section)
    if args.plot:
        plot(results, inputs, tools, bin_dir / "python")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
