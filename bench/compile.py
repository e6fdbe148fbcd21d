"""Benchmark: ``pipcompat pip compile`` against ``pip-compile`` and ``uv pip compile``, side by side.

    python bench/compile.py [--runs N] [--inputs small,web-service,data-science] [--tools ...] [--keep DIR]

For every input in ``bench/inputs/`` and every tool, against the real PyPI (``https://pypi.org/simple``):

- **cold**: each run starts with an empty cache directory of its own (pip's and pip-tools' caches for
  pip-compile, uv's cache for uv, pipcompat's cache for pipcompat), so every page, metadata file and wheel
  the tool needs is fetched;
- **warm**: one run fills a cache directory, then N runs reuse it (what a developer or a CI job with a
  restored cache sees). The output file is written anew each run (no existing pins are reused).

Runs are interleaved (run 1 of every tool, then run 2 …) so that changes in network speed hit all tools
alike. Everything is isolated from this machine's configuration (``PIP_CONFIG_FILE=/dev/null``,
``--no-config``, ``UV_NO_CONFIG=1``); all three target the same CPython 3.11 interpreter. The pins of every
output are compared with pip-compile's, and pipcompat's whole file with pip-compile's byte for byte.
Prints a markdown table of medians and ratios (also written to ``--markdown FILE`` if given).
This is a script, not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    REPO,
    Sample,
    base_python,
    ensure_tools,
    isolated_environ,
    load_average,
    markdown_table,
    ratio,
    run_timed,
    seconds,
)

INPUTS = REPO / "bench" / "inputs"
TOOL_NAMES = ("pip-compile", "uv", "pipcompat")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;\\]+)", re.MULTILINE)


@dataclass(frozen=True)
class Tool:
    name: str
    argv: Callable[[str, str], list[str]]
    """``argv(input file name, output file name)``."""
    env: Callable[[Path], dict[str, str]]
    """``env(cache directory)``."""


def make_tools(bin_dir: Path, python: str, pipcompat_python: str) -> dict[str, Tool]:
    def pip_compile_env(cache: Path) -> dict[str, str]:
        return isolated_environ(
            {"PIP_CACHE_DIR": str(cache / "pip"), "PIP_TOOLS_CACHE_DIR": str(cache / "pt")}
        )

    def uv_env(cache: Path) -> dict[str, str]:
        return isolated_environ({"UV_CACHE_DIR": str(cache / "uv")})

    def pipcompat_env(cache: Path) -> dict[str, str]:
        # Run from the working tree, from its .pyc files as an installed copy would.
        return isolated_environ({"PIPCOMPAT_CACHE_DIR": str(cache / "pipcompat"), "PYTHONPATH": str(REPO)})

    return {
        "pip-compile": Tool(
            "pip-compile",
            lambda src, out: [str(bin_dir / "pip-compile"), "--no-config", "-q", "-o", out, src],
            pip_compile_env,
        ),
        "uv": Tool(
            "uv pip compile",
            lambda src, out: [
                str(bin_dir / "uv"),
                "pip",
                "compile",
                "--no-config",
                "-q",
                "--python",
                python,
                "-o",
                out,
                src,
            ],
            uv_env,
        ),
        "pipcompat": Tool(
            "pipcompat pip compile",
            lambda src, out: [
                pipcompat_python,
                "-m",
                "pipcompat",
                "pip",
                "compile",
                "--no-config",
                "-q",
                "-o",
                out,
                src,
            ],
            pipcompat_env,
        ),
    }


def pins_of(text: str) -> dict[str, str]:
    """``{canonical name: version}`` of the pins in a requirements file (commented lines ignored)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith((" ", "#", "-")) or not line.strip():
            continue
        match = _PIN.match(line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def compare_pins(reference: dict[str, str], other: dict[str, str]) -> list[str]:
    notes: list[str] = []
    for name in sorted(set(reference) | set(other)):
        left, right = reference.get(name), other.get(name)
        if left != right:
            notes.append(f"{name}: {left or '—'} vs {right or '—'}")
    return notes


@dataclass
class CaseResult:
    input: str
    mode: str
    samples: dict[str, Sample]


def run_case(  # noqa: PLR0917
    input_path: Path,
    mode: str,
    tools: dict[str, Tool],
    runs: int,
    scratch: Path,
    outputs: dict[tuple[str, str], str],
) -> CaseResult:
    samples = {key: Sample() for key in tools}
    # One working directory per tool, all writing ``requirements.txt``: the headers then match.
    workdirs = {key: scratch / f"{input_path.stem}-{mode}-{key}" for key in tools}
    for work in workdirs.values():
        work.mkdir()
        shutil.copy(input_path, work / "requirements.in")
    warm_cache = {key: scratch / f"cache-{input_path.stem}-{key}-warm" for key in tools}
    if mode == "warm":
        for key, tool in tools.items():
            run_timed(
                tool.argv("requirements.in", "requirements.txt"),
                env=tool.env(warm_cache[key]),
                cwd=workdirs[key],
            )
    for index in range(runs):
        for key, tool in tools.items():
            cache = (
                warm_cache[key] if mode == "warm" else scratch / f"cache-{input_path.stem}-{key}-cold{index}"
            )
            work = workdirs[key]
            output = work / "requirements.txt"
            output.unlink(missing_ok=True)
            log = work / f"run-{index}.log"
            elapsed, cpu = run_timed(
                tool.argv("requirements.in", output.name), env=tool.env(cache), cwd=work, log=log
            )
            samples[key].times.append(elapsed)
            samples[key].cpu.append(cpu)
            outputs[(input_path.stem, key)] = output.read_text()
            # A cold run's cache stays until the end (``scratch`` is removed then): removing it now would
            # make the next tool's new files dearer (freed inodes being reused on ext4).
            print(
                f"  {input_path.stem:>12} {mode} run {index + 1}/{runs} {tool.name:<22} {seconds(elapsed)}",
                file=sys.stderr,
                flush=True,
            )
    return CaseResult(input_path.stem, mode, samples)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and case (default 5)")
    parser.add_argument("--inputs", default="small,web-service,data-science")
    parser.add_argument("--modes", default="cold,warm")
    parser.add_argument("--tools", default=",".join(TOOL_NAMES))
    parser.add_argument("--python", default=base_python(), help="the CPython every tool targets")
    parser.add_argument(
        "--pipcompat-python",
        default=sys.executable,
        help="the interpreter that runs pipcompat (needs its dependencies)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--keep", type=Path, help="keep outputs and logs in this directory")
    args = parser.parse_args(argv)

    bin_dir = ensure_tools(args.python)
    all_tools = make_tools(bin_dir, args.python, args.pipcompat_python)
    tools = {key: all_tools[key] for key in args.tools.split(",")}
    inputs = [INPUTS / f"{name}.in" for name in args.inputs.split(",")]
    modes = args.modes.split(",")
    outputs: dict[tuple[str, str], str] = {}
    results: list[CaseResult] = []
    load_start = load_average()
    scratch = Path(tempfile.mkdtemp(prefix="bench-compile-"))
    try:
        for input_path in inputs:
            for mode in modes:
                results.append(run_case(input_path, mode, tools, args.runs, scratch, outputs))
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for (stem, key), text in outputs.items():
                (args.keep / f"{stem}.{key}.txt").write_text(text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    report = [render(results, tools, outputs, args, (load_start, load_average()))]
    text = "\n".join(report)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


def render(
    results: list[CaseResult],
    tools: dict[str, Tool],
    outputs: dict[tuple[str, str], str],
    args: argparse.Namespace,
    loads: tuple[str, str],
) -> str:
    def version(argv: list[str]) -> str:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, env=isolated_environ())
        text = (done.stdout or done.stderr).strip()
        return text.splitlines()[0] if text else "?"

    bin_dir = ensure_tools(args.python)
    lines = [
        f"- Machine: {platform.machine()}, {os.cpu_count() or 1} CPUs, {platform.system()} "
        f"{platform.release()}; load average (1/5/15 min) {loads[0]} at the start, {loads[1]} at the end.",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d}; {args.runs} runs per cell; medians of wall-clock "
        "time, min-max in brackets; runs interleaved across tools.",
        f"- Target: CPython {platform.python_version()} ({args.python}); index https://pypi.org/simple.",
        f"- Tools: {version([str(bin_dir / 'pip-compile'), '--version'])} "
        f"({version([str(bin_dir / 'python'), '-m', 'pip', '--version']).partition(' from ')[0]}); "
        f"{version([str(bin_dir / 'uv'), '--version'])}; pipcompat from this tree.",
        "",
    ]
    names = [tools[k].name for k in tools]
    header = ["input", "cache", "pins", *names]
    ratios = []
    if "pipcompat" in tools and "pip-compile" in tools:
        ratios.append(("pipcompat / pip-compile", "pip-compile"))
    if "pipcompat" in tools and "uv" in tools:
        ratios.append(("pipcompat / uv", "uv"))
    header += [label for label, _ in ratios]
    rows: list[list[str]] = []
    cpu_rows: list[list[str]] = []
    for result in results:
        reference = (
            outputs.get((result.input, "pip-compile")) or outputs.get((result.input, "pipcompat")) or ""
        )
        first = [result.input, result.mode, str(len(pins_of(reference)))]
        row = list(first)
        cpu_row = list(first)
        for key in tools:
            sample = result.samples[key]
            row.append(f"{seconds(sample.median)} ({sample.spread()})")
            cpu_row.append(seconds(sample.cpu_median))
        for _, other in ratios:
            row.append(ratio(result.samples["pipcompat"].median, result.samples[other].median))
            cpu_row.append(ratio(result.samples["pipcompat"].cpu_median, result.samples[other].cpu_median))
        rows.append(row)
        cpu_rows.append(cpu_row)
    align = "llr" + "r" * (len(header) - 3)
    lines.append("Wall-clock time:")
    lines.append("")
    lines.append(markdown_table(header, rows, align))
    lines.append("")
    lines.append("CPU time (user + system, all threads and child processes):")
    lines.append("")
    lines.append(markdown_table(header, cpu_rows, align))
    lines.append("")
    lines.append("Outputs:")
    lines.append("")
    for stem in dict.fromkeys(r.input for r in results):
        if (stem, "pip-compile") not in outputs:
            continue
        reference_text = outputs[(stem, "pip-compile")]
        reference = pins_of(reference_text)
        for key, tool in tools.items():
            text = outputs.get((stem, key))
            if key == "pip-compile" or text is None:
                continue
            notes = compare_pins(reference, pins_of(text))
            same = "identical pins" if not notes else f"{len(notes)} different pins: " + "; ".join(notes)
            if key == "pipcompat" and not notes:
                same += ", byte-identical file" if text == reference_text else ", file differs"
            lines.append(f"- {stem}: {tool.name} vs pip-compile: {same}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
