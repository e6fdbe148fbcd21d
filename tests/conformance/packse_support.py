"""The packse resolver scenarios: fetch them, build their packages, run a tool on each, judge the outcome.

packse (https://github.com/astral-sh/packse) describes resolver scenarios as TOML files: a root with
requirements, packages with versions (requirements, extras, ``requires_python`` — ``>=3.12`` unless given —,
wheel tags, sdist/wheel presence, yanked), the environment (the active Python), resolver options
(pre-releases, ``--only-binary``/``--no-binary``, a ``--python-version`` override, a platform, universal
resolution with required environments) and the expected result (satisfiable or not, and exact versions).

Nothing of packse is copied here: the pinned sdist is downloaded from PyPI once (its ``scenarios/`` folder
is cached in the temp dir), the packages are built with the test harness' ``PackageSpec`` (no build
backend, no network), served by the harness' ``IndexServer``, and each tool is run the way uv's generated
scenario tests run uv (``scripts/scenarios/templates/*.mustache`` in uv's repository):

- *install* scenarios (no ``python`` override, not universal): install the root requirements into an
  environment of the scenario's Python; satisfiable means success, and each expected package is installed
  at exactly the expected version;
- *compile* scenarios (a ``python`` override): compile for ``--python-version``, from an environment of
  the scenario's Python; the output must pin the expected versions;
- *lock* scenarios (``universal``): one resolution for every environment of the root's
  ``requires-python`` (``>=3.12`` unless given), with ``required_environments``; satisfiable means success.

Package names are prefixed with the scenario name (``fork-basic-a``) so that one index serves every
scenario, as packse's own index does.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tests.support.packages import PackageSpec, build_all

PACKSE_VERSION = "0.3.59"
PACKSE_SDIST = f"packse-{PACKSE_VERSION}.tar.gz"
PACKSE_SHA256 = "718bcca5dd1e9321f5c2918d5975ffd772f0c3b150cf29b03979677a003d73d2"
PYPI_SIMPLE = "https://pypi.org/simple/packse/"
DEFAULT_REQUIRES_PYTHON = ">=3.12"
DEFAULT_PYTHON = "3.12"
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))

Kind = Literal["install", "compile", "lock"]


# --------------------------------------------------------------------------------------------- fetching


def cache_root() -> Path:
    """Where the scenarios are kept between runs: ``$PIPCOMPAT_PACKSE_CACHE`` or the temp dir."""
    configured = os.environ.get("PIPCOMPAT_PACKSE_CACHE")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "pipcompat-packse"


def build_backend_wheels(root: Path | None = None) -> Path:
    """A find-links folder with a setuptools wheel (>= 70.1, so no ``wheel`` is needed) and a wheel of
    ``wheel``, downloaded once by the real pip and kept next to the scenarios: what packse's vendored
    ``links.html`` gives a tool so it can build the sdist-only scenarios."""
    folder = (root or cache_root()) / "backend-wheels"
    if any(folder.glob("setuptools-*.whl")):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="backend-wheels-", dir=folder.parent))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--only-binary", ":all:", "--no-deps",
         "--disable-pip-version-check", "-d", str(partial), "setuptools>=70.1", "wheel"],
        capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if proc.returncode != 0 or not any(partial.glob("setuptools-*.whl")):
        shutil.rmtree(partial, ignore_errors=True)
        raise OSError(f"cannot download a setuptools wheel: {proc.stderr.strip()[-2000:]}")
    try:
        partial.rename(folder)
    except OSError:  # another process got there first
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def _sdist_url() -> str:
    """The sdist's URL from PyPI's simple page (HTML; the pass-through here serves nothing else)."""
    request = urllib.request.Request(PYPI_SIMPLE, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=60) as response:
        page = response.read().decode("utf-8", "replace")
    for href in re.findall(r'href="([^"]+)"', page):
        url = href.replace("&amp;", "&")
        if url.split("#")[0].endswith("/" + PACKSE_SDIST):
            return urllib.parse.urljoin(PYPI_SIMPLE, url.split("#")[0])
    raise RuntimeError(f"{PACKSE_SDIST} is not listed on {PYPI_SIMPLE}")


def fetch_scenarios(root: Path | None = None) -> Path:
    """The ``scenarios/`` folder of packse's sdist, downloaded (and checked against its hash) if needed."""
    root = root or cache_root()
    target = root / PACKSE_VERSION / "scenarios"
    if target.is_dir():
        return target
    data = urllib.request.urlopen(_sdist_url(), timeout=120).read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != PACKSE_SHA256:
        raise RuntimeError(f"{PACKSE_SDIST} has sha256 {digest}, expected {PACKSE_SHA256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="scenarios-", dir=target.parent))
    prefix = f"packse-{PACKSE_VERSION}/scenarios/"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            relative = member.name[len(prefix) :] if member.name.startswith(prefix) else None
            if not relative or not member.isfile() or ".." in Path(relative).parts:
                continue
            dest = staging / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            extracted = archive.extractfile(member)
            assert extracted is not None
            dest.write_bytes(extracted.read())
    try:
        staging.rename(target)
    except OSError:  # another process got there first
        shutil.rmtree(staging, ignore_errors=True)
    return target


# --------------------------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Release:
    """One version of a scenario package."""

    version: str
    requires: tuple[str, ...] = ()
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    requires_python: str | None = DEFAULT_REQUIRES_PYTHON
    sdist: bool = True
    wheel: bool = True
    yanked: bool = False
    wheel_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One packse scenario, with package names already prefixed by the scenario name."""

    name: str
    path: str
    description: str
    root_requires: tuple[str, ...]
    root_requires_python: str | None
    packages: Mapping[str, tuple[Release, ...]]
    satisfiable: bool
    expected_packages: Mapping[str, str]
    explanation: str
    python: str
    additional_python: tuple[str, ...]
    python_override: str | None
    prereleases: bool
    no_build: tuple[str, ...]
    no_binary: tuple[str, ...]
    universal: bool
    python_platform: str | None
    required_environments: tuple[str, ...]

    @property
    def kind(self) -> Kind:
        """Which of uv's generated test files runs this scenario."""
        if self.universal:
            return "lock"
        if self.python_override is not None:
            return "compile"
        return "install"

    @property
    def target_python(self) -> str:
        """The Python version resolved for: the override, else the environment's."""
        return self.python_override or self.python

    @property
    def lowest_python(self) -> str:
        """The lower bound of the root's ``requires-python`` (what a universal resolution starts from)."""
        spec = self.root_requires_python or DEFAULT_REQUIRES_PYTHON
        bounds = [s.version for s in SpecifierSet(spec) if s.operator in (">=", ">", "~=", "==")]
        return bounds[0] if bounds else DEFAULT_PYTHON


def _load_toml(text: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        from pip._vendor import tomli as tomllib
    return tomllib.loads(text)


def prefixed(scenario: str, name: str) -> str:
    return canonicalize_name(f"{scenario}-{name}")


def _rename(requirement: str, scenario: str) -> str:
    req = Requirement(requirement)
    req.name = prefixed(scenario, req.name)
    return str(req)


def load_scenario(path: Path, root: Path | None = None) -> Scenario:
    data = _load_toml(path.read_text(encoding="utf-8"))
    name = str(data["name"])
    options = data.get("resolver_options", {})
    environment = data.get("environment", {})
    expected = data["expected"]
    packages: dict[str, tuple[Release, ...]] = {}
    for package, info in data.get("packages", {}).items():
        releases = []
        for version, meta in info.get("versions", {}).items():
            releases.append(
                Release(
                    version=version,
                    requires=tuple(_rename(r, name) for r in meta.get("requires", ())),
                    extras={
                        extra: tuple(_rename(r, name) for r in reqs)
                        for extra, reqs in meta.get("extras", {}).items()
                    },
                    requires_python=meta.get("requires_python", DEFAULT_REQUIRES_PYTHON),
                    sdist=meta.get("sdist", True),
                    wheel=meta.get("wheel", True),
                    yanked=meta.get("yanked", False),
                    wheel_tags=tuple(meta.get("wheel_tags", ())),
                )
            )
        packages[prefixed(name, package)] = tuple(releases)
    root_table = data.get("root", {})
    return Scenario(
        name=name,
        path=str(path.relative_to(root)) if root else path.name,
        description=str(data.get("description", "")).strip(),
        root_requires=tuple(_rename(r, name) for r in root_table.get("requires", ())),
        root_requires_python=root_table.get("requires_python", DEFAULT_REQUIRES_PYTHON),
        packages=packages,
        satisfiable=bool(expected["satisfiable"]),
        expected_packages={prefixed(name, k): str(v) for k, v in expected.get("packages", {}).items()},
        explanation=str(expected.get("explanation") or "").strip(),
        python=str(environment.get("python", DEFAULT_PYTHON)),
        additional_python=tuple(environment.get("additional_python", ())),
        python_override=options.get("python"),
        prereleases=bool(options.get("prereleases", False)),
        no_build=tuple(prefixed(name, n) for n in options.get("no_build", ())),
        no_binary=tuple(prefixed(name, n) for n in options.get("no_binary", ())),
        universal=bool(options.get("universal", False)),
        python_platform=options.get("python_platform"),
        required_environments=tuple(options.get("required_environments") or ()),
    )


def load_scenarios(scenarios_dir: Path) -> list[Scenario]:
    """Every TOML scenario except packse's examples, sorted by name."""
    found = [
        load_scenario(path, scenarios_dir)
        for path in sorted(scenarios_dir.rglob("*.toml"))
        if path.relative_to(scenarios_dir).parts[0] != "examples"
    ]
    return sorted(found, key=lambda s: s.name)


def package_specs(scenario: Scenario) -> tuple[list[PackageSpec], dict[str, bool]]:
    """The harness specs of a scenario's packages, and the file names to serve as yanked."""
    specs: list[PackageSpec] = []
    yanked: dict[str, bool] = {}
    for name, releases in scenario.packages.items():
        for release in releases:
            tags = list(release.wheel_tags) or ["py3-none-any"]
            spec = PackageSpec(
                name=name,
                version=release.version,
                deps=release.requires,
                requires_python=release.requires_python,
                extras=dict(release.extras),
                tags=tags,
                sdist=release.sdist,
                wheel=release.wheel,
            )
            specs.append(spec)
            if release.yanked:
                yanked.update(dict.fromkeys(spec.filenames(), True))
    return specs, yanked


def build_dists(scenarios: Iterable[Scenario], dest: Path) -> dict[str, bool]:
    """Build every scenario's packages into ``dest``; return the yanked file names."""
    yanked: dict[str, bool] = {}
    specs: list[PackageSpec] = []
    for scenario in scenarios:
        scenario_specs, scenario_yanked = package_specs(scenario)
        specs += scenario_specs
        yanked.update(scenario_yanked)
    build_all(specs, dest)
    return yanked


# --------------------------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """What a tool did with a scenario: success or not, the versions it chose (canonical names)."""

    satisfiable: bool
    packages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    detail: str = ""
    ran: bool = True
    """``False`` when the tool could not run the scenario at all (a mode it lacks): always a failure."""


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b) and str(Version(a)) == str(Version(b))
    except InvalidVersion:
        return a == b


def judge(scenario: Scenario, outcome: Outcome) -> str | None:
    """``None`` when the outcome is what the scenario expects, else why not."""
    if not outcome.ran:
        return f"not run: {outcome.detail}"
    if outcome.satisfiable != scenario.satisfiable:
        wanted = "succeed" if scenario.satisfiable else "fail"
        return f"expected to {wanted}; {outcome.detail.strip()[-600:]}"
    if not scenario.satisfiable:
        return None
    for name, version in scenario.expected_packages.items():
        chosen = outcome.packages.get(name, ())
        if not chosen or not all(_same_version(v, version) for v in chosen):
            return f"expected {name}=={version}, got {', '.join(chosen) or 'nothing'}"
    return None


# --------------------------------------------------------------------------------------------- pythons


def find_python(version: str) -> Path | None:
    """A pyenv CPython for ``X.Y`` (the newest patch) or ``X.Y.Z`` (exactly, else the newest ``X.Y``)."""
    parts = version.split(".")
    versions = PYENV_ROOT / "versions"
    exact = versions / version / "bin" / "python"
    if len(parts) >= 3 and exact.exists():
        return exact
    minor = ".".join(parts[:2])
    found = []
    for candidate in versions.glob(f"{minor}.*"):
        try:
            found.append((Version(candidate.name), candidate))
        except InvalidVersion:
            continue
    for _, candidate in sorted(found, reverse=True):
        python = candidate / "bin" / "python"
        if python.exists():
            return python
    return None


# --------------------------------------------------------------------------------------------- runners


@dataclass
class Runner:
    """Runs one tool on scenarios against one index; ``work`` holds per-scenario directories."""

    index_url: str
    work: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.env:
            from tests.support.context import clean_environ

            self.env = clean_environ(self.work / ".env")

    def scenario_dir(self, scenario: Scenario) -> Path:
        path = self.work / scenario.name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def run(self, scenario: Scenario) -> Outcome:
        raise NotImplementedError

    def _exec(self, argv: Sequence[str | os.PathLike[str]], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [os.fspath(a) for a in argv],
            cwd=cwd,
            env=dict(self.env),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=300,
            check=False,
            stdin=subprocess.DEVNULL,
        )


def _pins(text: str) -> dict[str, tuple[str, ...]]:
    """``name==version`` lines of a requirements output (markers allowed), by canonical name."""
    pins: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", line.strip())
        if match:
            pins.setdefault(canonicalize_name(match.group(1)), []).append(match.group(2))
    return {name: tuple(versions) for name, versions in pins.items()}


def _describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}: {(proc.stderr or '').strip()}\n{(proc.stdout or '').strip()}"


def pipcompat_modes() -> frozenset[str]:
    """Which front doors of pipcompat exist in this checkout: ``install`` (``pip install --python``),
    ``compile`` (``pip compile --python-version``), ``universal`` (``pip compile --universal``)."""
    import importlib

    modes: set[str] = set()
    compile_options: frozenset[str] = getattr(
        importlib.import_module("pipcompat.commands.pip_compile"), "IMPLEMENTED_OPTIONS", frozenset()
    )
    if "python_version" in compile_options:
        modes.add("compile")
    if {"universal", "python_version"} <= compile_options:
        modes.add("universal")
    try:
        install = importlib.import_module("pipcompat.commands.pip_install")
    except ImportError:
        return frozenset(modes)
    if "python" in getattr(install, "IMPLEMENTED_OPTIONS", frozenset()):
        modes.add("install")
    return frozenset(modes)


class PipcompatRunner(Runner):
    """pipcompat as uv's generated tests run uv (see ``docs/packse.md``).

    Install scenarios: ``pipcompat pip install --python <venv>`` into a fresh environment of the scenario's
    Python; compile scenarios: ``pipcompat pip compile --python-version``; lock scenarios: ``pipcompat pip
    compile --universal --python-version <lowest of the root's requires-python>``. Where a front door is
    not in this checkout yet (``pipcompat_modes``), an install or compile scenario goes through the public
    engine API those commands call (index client → resolver for a synthetic target), in this process, and a
    lock scenario fails as not run.
    """

    def __init__(
        self, index_url: str, work: Path, find_links: Sequence[str] = (), env: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(index_url, work, dict(env or {}))
        self.modes = pipcompat_modes()
        self.find_links = list(find_links)

    def _index_options(self) -> list[str]:
        options = ["--index-url", self.index_url]
        for link in self.find_links:  # the build backend for sdists, as for uv and pip
            options += ["--find-links", link]
        return options

    def _pipcompat(self, *args: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
        return [sys.executable, "-m", "pipcompat", *args]

    def _requirements_in(self, scenario: Scenario, cwd: Path) -> Path:
        lines = ["--pre"] if scenario.prereleases else []
        lines += [f"--only-binary {name}" for name in scenario.no_build]
        lines += [f"--no-binary {name}" for name in scenario.no_binary]
        path = cwd / "requirements.in"
        path.write_text("\n".join([*lines, *scenario.root_requires]) + "\n", encoding="utf-8")
        return path

    def _compile(self, scenario: Scenario, python_version: str, *extra: str) -> Outcome:
        cwd = self.scenario_dir(scenario)
        self._requirements_in(scenario, cwd)
        argv = self._pipcompat(
            "pip", "compile", "requirements.in", "-o", "-", "--no-header", "--no-annotate",
            *self._index_options(), f"--python-version={python_version}", *extra,
        )  # fmt: skip
        proc = self._exec(argv, cwd)
        return Outcome(proc.returncode == 0, _pins(proc.stdout), _describe(proc))

    def _install(self, scenario: Scenario) -> Outcome:
        python = find_python(scenario.python)
        if python is None:
            return Outcome(False, ran=False, detail=f"no Python {scenario.python} here")
        cwd = self.scenario_dir(scenario)
        venv = cwd / ".venv"
        made = self._exec([python, "-m", "venv", "--without-pip", venv], cwd)
        if made.returncode != 0:
            return Outcome(False, ran=False, detail=_describe(made))
        self._requirements_in(scenario, cwd)
        argv = self._pipcompat(
            "pip", "--python", venv / "bin" / "python", "install", *self._index_options(),
            "-r", "requirements.in",
        )  # fmt: skip
        proc = self._exec(argv, cwd)
        if proc.returncode != 0:
            return Outcome(False, detail=_describe(proc))
        frozen = self._exec(self._pipcompat("pip", "--python", venv / "bin" / "python", "freeze"), cwd)
        return Outcome(True, _pins(frozen.stdout), _describe(proc))

    def run(self, scenario: Scenario) -> Outcome:
        if scenario.kind == "lock":
            if "universal" not in self.modes:
                return Outcome(False, ran=False, detail="pip compile --universal is not available yet")
            extra = [f"--python-platform={scenario.python_platform}"] if scenario.python_platform else []
            return self._compile(scenario, scenario.lowest_python, "--universal", *extra)
        if scenario.kind == "install" and "install" in self.modes:
            return self._install(scenario)
        if "compile" in self.modes:
            extra = [f"--python-platform={scenario.python_platform}"] if scenario.python_platform else []
            return self._compile(scenario, scenario.target_python, *extra)
        request = {
            "index_url": self.index_url,
            "requirements": list(scenario.root_requires),
            "python_version": scenario.target_python,
            "python_platform": scenario.python_platform,
            "pre": scenario.prereleases,
            "only_binary": list(scenario.no_build),
            "no_binary": list(scenario.no_binary),
            "cache_dir": str(self.work / ".cache"),
            "install": scenario.kind == "install",
        }
        return resolve_with_pipcompat(request)


def resolve_with_pipcompat(request: Mapping[str, Any]) -> Outcome:
    """Resolve in this process with pipcompat's engine (index client → resolver) for a synthetic target."""
    from pipcompat.cache import Cache
    from pipcompat.errors import PipcompatError
    from pipcompat.index import IndexClient
    from pipcompat.resolver import ResolveOptions, RootRequirement, resolve, synthetic_target

    try:
        platform = request.get("python_platform")
        try:
            target = synthetic_target(request["python_version"], platform)
        except PipcompatError:  # a platform name pipcompat does not know: the running one
            target = synthetic_target(request["python_version"])
        client = IndexClient(index_urls=[request["index_url"]], cache=Cache(Path(request["cache_dir"])))
        options = ResolveOptions(
            target=target,
            all_releases=frozenset({":all:"}) if request.get("pre") else frozenset(),
            only_binary=frozenset(request.get("only_binary") or ()),
            no_binary=frozenset(request.get("no_binary") or ()),
            index_urls=(request["index_url"],),
        )
        roots = [RootRequirement.parse(text, "") for text in request["requirements"]]
        resolution = resolve(roots, client, options)
    except PipcompatError as error:
        hint = f"\n  hint: {error.hint}" if getattr(error, "hint", None) else ""
        return Outcome(False, detail=f"error: {error}{hint}")
    packages = {p.name: (str(p.version),) for p in resolution.packages}
    return Outcome(True, packages, json.dumps({k: v[0] for k, v in packages.items()}))


class UvRunner(Runner):
    """uv as its generated scenario tests run it: ``uv pip install`` into a venv, ``uv pip compile
    --python-version``, ``uv lock`` of a ``pyproject.toml``."""

    def __init__(
        self,
        uv: Path,
        index_url: str,
        work: Path,
        find_links: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(index_url, work, dict(env or {}))
        self.uv = uv
        self.find_links = list(find_links)

    def _options(self, scenario: Scenario) -> list[str]:
        args = ["--prerelease=allow"] if scenario.prereleases else []
        for name in scenario.no_build:
            args += ["--only-binary", name]
        for name in scenario.no_binary:
            args += ["--no-binary", name]
        return args

    def run(self, scenario: Scenario) -> Outcome:
        cwd = self.scenario_dir(scenario)
        common = ["--index-url", self.index_url, "--cache-dir", str(self.work / ".uv-cache")]
        for link in self.find_links:  # the build backend for sdists, as packse's vendor links.html
            common += ["--find-links", link]
        if scenario.kind == "lock":
            project = {
                "name": "project",
                "version": "0.1.0",
                "dependencies": list(scenario.root_requires),
                "requires-python": scenario.root_requires_python or DEFAULT_REQUIRES_PYTHON,
            }
            text = "[project]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in project.items())
            if scenario.required_environments:
                environments = json.dumps(list(scenario.required_environments))
                text += f"\n[tool.uv]\nrequired-environments = {environments}\n"
            (cwd / "pyproject.toml").write_text(text, encoding="utf-8")
            python = find_python(scenario.python)
            proc = self._exec([self.uv, "lock", *common, "--python", str(python or scenario.python)], cwd)
            if proc.returncode != 0:
                return Outcome(False, detail=_describe(proc))
            lock = _load_toml((cwd / "uv.lock").read_text(encoding="utf-8"))
            versions: dict[str, list[str]] = {}
            for package in lock.get("package", []):
                versions.setdefault(canonicalize_name(package["name"]), []).append(
                    str(package.get("version"))
                )
            return Outcome(True, {k: tuple(v) for k, v in versions.items()}, _describe(proc))
        python = find_python(scenario.python)
        if python is None:
            return Outcome(False, detail=f"no Python {scenario.python} here")
        if scenario.kind == "compile":
            (cwd / "requirements.in").write_text("\n".join(scenario.root_requires) + "\n", encoding="utf-8")
            argv = [self.uv, "pip", "compile", "requirements.in", *common, "--python", str(python)]
            argv += [*self._options(scenario), f"--python-version={scenario.python_override}"]
            proc = self._exec(argv, cwd)
            return Outcome(proc.returncode == 0, _pins(proc.stdout), _describe(proc))
        venv = cwd / ".venv"
        made = self._exec([self.uv, "venv", "--python", str(python), str(venv)], cwd)
        if made.returncode != 0:
            return Outcome(False, detail=_describe(made))
        argv = [self.uv, "pip", "install", "--python", str(venv), *common, *self._options(scenario)]
        proc = self._exec([*argv, *scenario.root_requires], cwd)
        if proc.returncode != 0:
            return Outcome(False, detail=_describe(proc))
        frozen = self._exec([self.uv, "pip", "freeze", "--python", str(venv)], cwd)
        return Outcome(True, _pins(frozen.stdout), _describe(proc))


class PipRunner(Runner):
    """pip (the one running this module, 26.x) against an interpreter of the target Python, via ``pip
    --python``: ``pip install --dry-run --ignore-installed --report``. pip has no universal mode, so lock
    scenarios fail; compile scenarios use an interpreter of the overriding version. pip 26 does not run on
    Python < 3.10: those targets use ``--python-version`` (which pip allows only with
    ``--only-binary :all:``)."""

    def __init__(
        self, index_url: str, work: Path, find_links: Sequence[str] = (), env: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(index_url, work, dict(env or {}))
        self.find_links = list(find_links)

    def run(self, scenario: Scenario) -> Outcome:
        if scenario.kind == "lock":
            return Outcome(False, ran=False, detail="pip has no universal resolution")
        target = scenario.target_python
        cwd = self.scenario_dir(scenario)
        report = cwd / "report.json"
        argv: list[str] = [sys.executable, "-m", "pip"]
        if Version(target) >= Version("3.10"):
            python = find_python(target)
            if python is None:
                return Outcome(False, ran=False, detail=f"no Python {target} here")
            argv += ["--python", str(python), "install", "--dry-run"]
        else:  # pip 26 runs on 3.10+: a synthetic target, which pip allows for wheels only
            argv += ["install", "--dry-run", f"--python-version={target}", "--only-binary=:all:"]
        argv += ["--ignore-installed", "--report", str(report), "--index-url", self.index_url]
        argv += ["--no-cache-dir", "--disable-pip-version-check", "--no-input"]
        for link in self.find_links:
            argv += ["--find-links", link]
        if scenario.prereleases:
            argv.append("--pre")
        for name in scenario.no_build:
            argv += ["--only-binary", name]
        for name in scenario.no_binary:
            argv += ["--no-binary", name]
        proc = self._exec([*argv, *scenario.root_requires], cwd)
        if proc.returncode != 0 or not report.exists():
            return Outcome(False, detail=_describe(proc))
        data = json.loads(report.read_text(encoding="utf-8"))
        packages = {
            canonicalize_name(item["metadata"]["name"]): (str(item["metadata"]["version"]),)
            for item in data.get("install", [])
        }
        return Outcome(True, packages, _describe(proc))
