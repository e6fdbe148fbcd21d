"""Run the packse 0.3.59 resolver scenarios with pipcompat, uv and pip, the same way, and print the counts.

    python bench/packse_compare.py [--uv PATH] [--tools DIR] [--only pipcompat,uv,pip] [--show-failures]

The scenarios come from packse's sdist on PyPI (cached in the temp dir), their packages are built with the
test harness and served from one local index (see ``docs/packse.md``). uv comes from ``--uv``, else from a
tools environment (``--tools``, default ``<temp>/pipcompat-packse/tools``) made with a Python >= 3.12 from
pyenv and ``pip install uv``; pip is the pip running this script (26.x), pointed with ``pip --python`` at a
pyenv interpreter of each scenario's target version, with a setuptools wheel as ``--find-links`` so it can
build the scenarios' sdists.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conformance.packse_support import (  # noqa: E402
    PipcompatRunner,
    PipRunner,
    Runner,
    Scenario,
    UvRunner,
    build_backend_wheels,
    build_dists,
    cache_root,
    fetch_scenarios,
    find_python,
    judge,
    load_scenarios,
    pipcompat_modes,
)
from tests.support.index_server import IndexServer  # noqa: E402


def tools_env(tools: Path) -> tuple[Path, Path]:
    """``(uv, find-links dir with a setuptools wheel)``, installed into ``tools`` on first use."""
    python = tools / "venv" / "bin" / "python"
    wheels = tools / "wheels"
    if not python.exists():
        base = find_python("3.12") or find_python("3.13")
        if base is None:
            raise SystemExit("needs a Python >= 3.12 (pyenv) to install uv into")
        subprocess.run([base, "-m", "venv", tools / "venv"], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "uv"], check=True)
    if not any(wheels.glob("setuptools-*.whl")):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--only-binary", ":all:", "--no-deps",
             "-d", wheels, "setuptools", "wheel"],
            check=True,
        )  # fmt: skip
    return tools / "venv" / "bin" / "uv", wheels


def run_all(name: str, runner: Runner, scenarios: list[Scenario]) -> dict[str, str | None]:
    started = time.perf_counter()
    results = {s.name: judge(s, runner.run(s)) for s in scenarios}
    passed = sum(1 for why in results.values() if why is None)
    print(f"{name:>10}: {passed}/{len(scenarios)} in {time.perf_counter() - started:.1f}s", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uv", type=Path, help="the uv binary (default: installed into --tools)")
    parser.add_argument("--tools", type=Path, default=cache_root() / "tools")
    parser.add_argument("--only", default="pipcompat,uv,pip", help="comma-separated tools to run")
    parser.add_argument("--show-failures", action="store_true", help="print each failure and why")
    parser.add_argument("--json", type=Path, help="write every result here")
    args = parser.parse_args()
    tools = {t.strip() for t in args.only.split(",") if t.strip()}

    scenarios = load_scenarios(fetch_scenarios())
    kinds = {k: sum(1 for s in scenarios if s.kind == k) for k in ("install", "compile", "lock")}
    print(f"packse scenarios: {len(scenarios)} ({', '.join(f'{v} {k}' for k, v in kinds.items())})")
    modes = ", ".join(sorted(pipcompat_modes())) or "none (engine API)"
    print(f"pipcompat front doors in this checkout: {modes}")
    with tempfile.TemporaryDirectory(prefix="packse-compare-") as temp:
        root = Path(temp)
        yanked = build_dists(scenarios, root / "dists")
        results: dict[str, dict[str, str | None]] = {}
        with IndexServer(root / "dists", yanked=yanked) as server:
            if "pipcompat" in tools:
                runner = PipcompatRunner(
                    server.url, root / "pipcompat", find_links=[str(build_backend_wheels())]
                )
                results["pipcompat"] = run_all("pipcompat", runner, scenarios)
            if "uv" in tools or "pip" in tools:
                uv, wheels = tools_env(args.tools)
                if args.uv:
                    uv = args.uv
                version = subprocess.run(
                    [uv, "--version"], check=False, capture_output=True, text=True
                ).stdout.strip()
                if "uv" in tools:
                    results[version or "uv"] = run_all(
                        "uv", UvRunner(uv, server.url, root / "uv", find_links=[str(wheels)]), scenarios
                    )
                if "pip" in tools:
                    pip = PipRunner(server.url, root / "pip", find_links=[str(wheels)])
                    results["pip"] = run_all("pip", pip, scenarios)
    if args.show_failures:
        for tool, outcome in results.items():
            print(f"\n## {tool} failures")
            for name, why in outcome.items():
                if why is not None:
                    print(f"- {name}: {why.splitlines()[0][:300] if why else ''}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
