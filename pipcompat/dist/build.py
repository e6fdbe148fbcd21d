"""Building source distributions into wheels, and their metadata without a full build.

:class:`SourceBuilder` runs a project's PEP 517 backend through ``build.ProjectBuilder`` (``build`` and
``pyproject_hooks`` are imported only when a build runs). With isolation (the default) every build gets a
fresh virtual environment made by :func:`pipcompat.env.venv.create_venv` (no pip in it), filled by a
:class:`BuildEnvInstaller` the caller passes in — the command layer implements it with pipcompat's own
resolver and installer, since ``dist/`` sits below both: first ``[build-system].requires``, then what
``get_requires_for_build_wheel`` asks for. Without isolation the backend runs in the target environment as
it is. Projects without ``pyproject.toml`` use ``setuptools.build_meta:__legacy__`` with
``setuptools>=40.8.0`` (``build``'s and pip's default).

Results are cached by the sdist's sha256, the config settings and the build interpreter:

- ``metadata/<key>``: the core metadata, from ``prepare_metadata_for_build_wheel`` when the backend has it
  (so resolving does not compile C extensions), else from the built wheel;
- ``built/<key>/<wheel>``: the built wheel; the same sdist is built once.

Backend output is captured; a failure raises :class:`BuildError` naming the package, with the last lines of
the output and a hint. With a reporter every output line also goes to ``reporter.detail``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from pipcompat.cache import Cache, atomic_directory, digest_key, write_atomic
from pipcompat.errors import PipcompatError

if TYPE_CHECKING:
    from pipcompat.dist.sources import SourceTree
    from pipcompat.env.venv import VenvInterpreter

#: pip's and build's defaults for a project without ``[build-system]``.
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
LEGACY_REQUIRES = ("setuptools>=40.8.0",)

#: How many lines of the backend's output a failure shows.
TAIL_LINES = 20

ConfigSettings = Mapping[str, "str | list[str]"]


class BuildEnvInstaller(Protocol):
    """Installs requirements (PEP 508 strings) into the build environment at *env_dir*.

    The command layer implements it with the resolver, the prepare stage and ``install_wheels``.
    """

    def install(self, requirements: list[str], env_dir: Path) -> None: ...


class BuildReporter(Protocol):
    """Where build progress and the backend's output go (``-v`` shows them)."""

    def detail(self, message: str) -> None: ...


class BuildError(PipcompatError):
    """A backend that failed: which package, the tail of its output, a hint."""

    def __init__(self, package: str, step: str, output: Sequence[str], hint: str | None = None) -> None:
        tail = [line for line in output if line.strip()][-TAIL_LINES:]
        message = f"failed to build {package}: {step}"
        if tail:
            message += "\n" + "\n".join(f"  | {line}" for line in tail)
        super().__init__(
            message,
            hint=hint
            or "this is a problem with the package or its build requirements, not with pipcompat; "
            "run with -v to see the whole build output",
        )
        self.package = package
        self.output = tuple(output)


@dataclass(frozen=True)
class BuildOptions:
    """How to build: ``isolation`` (``--no-build-isolation`` turns it off), ``config_settings``
    (``--config-settings``/``-C``, passed to every backend hook) and ``check_build_deps``
    (``--check-build-dependencies``: without isolation, ``[build-system].requires`` must be installed in
    the target, else pip's "Some build dependencies for … are missing/conflict" error)."""

    isolation: bool = True
    config_settings: Mapping[str, str | list[str]] = field(default_factory=dict)
    check_build_deps: bool = False
    build_constraints: tuple[str, ...] = ()
    """``--build-constraint`` requirements (their text): part of the cache keys, since another pinned
    backend may build another wheel. The :class:`BuildEnvInstaller` applies them."""
    environment_options: tuple[str, ...] = ()
    """The command's options that change what fills a build environment (``--pre``, ``--only-binary``…,
    in a text form): part of the cache keys for the same reason; the installer applies them."""


def config_key(config_settings: Mapping[str, str | list[str]]) -> str:
    """A stable text form of *config_settings* for cache keys."""
    return json.dumps({k: config_settings[k] for k in sorted(config_settings)}, sort_keys=True)


def parse_config_settings(values: Sequence[str]) -> dict[str, str | list[str]]:
    """pip's ``-C key=value`` list: a key given more than once collects its values in a list."""
    settings: dict[str, str | list[str]] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep:
            raise PipcompatError(f"invalid --config-settings value {value!r}", hint="use KEY=VALUE")
        old = settings.get(key)
        if old is None:
            settings[key] = text
        elif isinstance(old, list):
            old.append(text)
        else:
            settings[key] = [old, text]
    return settings


# -- unpacking -------------------------------------------------------------------------------------------


def unpack_sdist(archive: Path, dest: Path) -> Path:
    """Unpack an sdist into *dest*; return the project directory. See
    :func:`pipcompat.dist.archives.extract_archive` for what is refused."""
    from pipcompat.dist.archives import extract_archive

    return extract_archive(archive, dest)


# -- running the backend ---------------------------------------------------------------------------------


class _Output:
    """The backend's output, collected (and echoed to the reporter) line by line."""

    def __init__(self, reporter: BuildReporter | None) -> None:
        self.lines: list[str] = []
        self.reporter = reporter
        self.lock = threading.Lock()

    def add(self, text: str) -> None:
        with self.lock:
            for line in text.splitlines():
                self.lines.append(line)
                if self.reporter is not None:
                    self.reporter.detail(line)


#: The output of the hook this thread ran last: ``pyproject_hooks`` re-raises the backend's warnings as
#: ``BuildBackendWarning`` in this process once the hook returns, and they belong with its output (shown
#: with ``-v``), not on the terminal (pip does not show them either).
_LAST_OUTPUT = threading.local()
_WARNINGS_ROUTED: list[bool] = []


def _route_backend_warnings() -> None:
    import warnings

    with _OUTPUT_LOCK:
        if _WARNINGS_ROUTED:
            return
        _WARNINGS_ROUTED.append(True)
        shown = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            output = getattr(_LAST_OUTPUT, "output", None)
            if output is not None and category.__name__ == "BuildBackendWarning":
                output.add(f"{filename}:{lineno}: BuildBackendWarning: {message}")
                return
            shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show


_OUTPUT_LOCK = threading.Lock()


def _runner(output: _Output, environ: Mapping[str, str]) -> Callable[..., None]:
    _route_backend_warnings()

    def run(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        _LAST_OUTPUT.output = output
        env = dict(environ)
        if extra_environ:
            env.update(extra_environ)
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        output.add(proc.stdout.decode("utf-8", "replace"))
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, list(cmd))

    return run


def _env_python(env_dir: Path) -> Path:
    if os.name == "nt":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


@dataclass
class _Session:
    """One project being built: its directory, builder, and (with isolation) its environment."""

    package: str
    source_dir: Path
    builder: Any
    output: _Output
    env_dir: Path | None
    work: Path
    ready: bool = False
    """Whether the build requirements are installed."""


class SourceBuilder:
    """Builds sdists and source trees, caching by the sdist's hash.

    *python* is the interpreter the wheels are for (the target's); *base* is the base interpreter the
    isolated build environments are made from (the target's base). *installer* fills isolated environments.
    """

    def __init__(
        self,
        cache: Cache,
        *,
        python: str,
        base: VenvInterpreter | Callable[[], VenvInterpreter] | None,
        installer: BuildEnvInstaller | None,
        options: BuildOptions = BuildOptions(),
        reporter: BuildReporter | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if options.isolation and (base is None or installer is None):
            raise ValueError("isolated builds need a base interpreter and an installer")
        self.cache = cache
        self.python = python
        self._base = base
        self.installer = installer
        self.options = options
        self.reporter = reporter
        self.environ = dict(os.environ if environ is None else environ)
        self.builds = 0
        """How many wheels this builder actually built (cache hits excluded)."""
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def with_config(self, config_settings: ConfigSettings) -> SourceBuilder:
        """This builder with other ``config_settings`` (a requirement line's own ``--config-settings``):
        same cache, interpreters and locks; its cache keys differ by the settings."""
        import copy
        from dataclasses import replace

        if dict(config_settings) == dict(self.options.config_settings):
            return self
        other = copy.copy(self)
        other.options = replace(self.options, config_settings=dict(config_settings))
        return other

    @property
    def base(self) -> VenvInterpreter | None:
        """The base interpreter of isolated build environments (found on first use when given lazily)."""
        if callable(self._base):
            self._base = self._base()
        return self._base

    # -- keys and locks

    def _key(self, sha256: str, kind: str = "sdist-build") -> str:
        parts = [
            kind,
            sha256.lower(),
            config_key(self.options.config_settings),
            os.path.realpath(self.python) if not self.options.isolation else self._base_key(),
        ]
        if self.options.build_constraints:
            parts.append(json.dumps(sorted(self.options.build_constraints)))
        if self.options.environment_options:
            parts.append(json.dumps(list(self.options.environment_options)))
        return digest_key(*parts)

    def _base_key(self) -> str:
        base = self.base
        if base is None:
            return self.python
        return f"{base.executable}|{base.python_version}|{base.platform}"

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    # -- public API

    def metadata(self, sdist: Path, sha256: str, package: str) -> bytes:
        """The core metadata of *sdist* (whose sha256 is *sha256*): cached, else from
        ``prepare_metadata_for_build_wheel``, else from a full build."""
        return self._metadata_for(self._key(sha256), sdist, package, unpack=True)

    def _metadata_for(self, key: str, source: Path, package: str, *, unpack: bool) -> bytes:
        entry = self.cache.entry("metadata", key)
        with contextlib.suppress(OSError):
            return entry.read_bytes()
        with self._key_lock(key):
            with contextlib.suppress(OSError):
                return entry.read_bytes()
            wheel = self._cached_wheel(key)
            if wheel is not None:
                data = _wheel_metadata(wheel)
            else:
                with self._session(source, package, unpack=unpack) as session:
                    prepared = self._prepare_metadata(session)
                    if prepared is None:
                        prepared = _wheel_metadata(self._build_into_cache(session, key))
                    data = prepared
            write_atomic(entry, data)
            return data

    def tree_metadata(self, tree: SourceTree, package: str) -> bytes:
        """The core metadata of the project in *tree*: ``prepare_metadata_for_build_wheel`` (for editables
        ``prepare_metadata_for_build_editable``), cached by the tree's key (see :mod:`pipcompat.dist.sources`)
        so an unchanged tree is not asked again."""
        if not tree.editable:
            return self._metadata_for(
                self._key(tree.key(), "tree-build"), tree.directory, package, unpack=False
            )
        key = self._key(tree.key(), "tree-editable-metadata")
        entry = self.cache.entry("metadata", key)
        with contextlib.suppress(OSError):
            return entry.read_bytes()
        with self._key_lock(key):
            with self._session(tree.directory, package, unpack=False) as session:
                data = self._prepare_metadata(session, "editable")
                if data is None:
                    out = session.work / "editable-wheel"
                    data = _wheel_metadata(self._build_editable(session, out))
            write_atomic(entry, data)
            return data

    def tree_build_requirements(
        self, directory: Path, package: str, targets: Sequence[str]
    ) -> tuple[bytes, tuple[str, ...], dict[str, tuple[str, ...]]]:
        """What building the project in *directory* needs, as ``pip-compile --build-deps-for`` lists it:
        its core metadata (``prepare_metadata_for_build_wheel``, else a build), the ``build-system.requires``
        of its ``pyproject.toml`` (``setuptools>=40.8.0`` without one) and, for each of *targets*
        (``wheel``, ``sdist``, ``editable``), what the backend's ``get_requires_for_build_<target>`` adds.
        Never cached: the answers may depend on the tree and the backend's mood, as pip-compile asks each
        time."""
        with self._session(directory, package, unpack=False) as session:
            metadata = self._prepare_metadata(session)
            if metadata is None:
                wheel_dir = session.work / "wheel"
                built = Path(self._run(session, "build_wheel", lambda: self._build(session, wheel_dir)))
                metadata = _wheel_metadata(built)
            system = tuple(sorted(session.builder.build_system_requires))

            def hook(target: str) -> Callable[[], Any]:
                return lambda: session.builder.get_requires_for_build(
                    target, self.options.config_settings or None
                )

            backend = {
                target: tuple(sorted(self._run(session, f"get_requires_for_build_{target}", hook(target))))
                for target in targets
            }
            return metadata, system, backend

    def build_tree_wheel(self, tree: SourceTree, package: str) -> Path:
        """A wheel of the (non-editable) project in *tree*: from the ``built`` bucket when the tree's key
        is unchanged since the last build, else built now (and cached under the new key)."""
        if tree.editable:
            raise ValueError("editable trees are built with build_editable")
        key = self._key(tree.key(), "tree-build")
        wheel = self._cached_wheel(key)
        if wheel is not None:
            return wheel
        with self._key_lock(key):
            wheel = self._cached_wheel(key)
            if wheel is not None:
                return wheel
            with self._session(tree.directory, package, unpack=False) as session:
                return self._build_into_cache(session, key)

    def build_editable(self, tree: SourceTree, package: str, dest_dir: Path) -> Path:
        """A PEP 660 editable wheel of the project in *tree*, built into *dest_dir* (never cached: an
        editable wheel points at the tree and is only good for one install)."""
        with self._session(tree.directory, package, unpack=False) as session:
            return self._build_editable(session, dest_dir)

    def build_sdist(self, sdist: Path, sha256: str, package: str) -> Path:
        """A wheel built from *sdist* (whose sha256 is *sha256*), from the ``built`` bucket when it is
        there."""
        key = self._key(sha256)
        wheel = self._cached_wheel(key)
        if wheel is not None:
            return wheel
        with self._key_lock(key):
            wheel = self._cached_wheel(key)
            if wheel is not None:
                return wheel
            with self._session(sdist, package) as session:
                return self._build_into_cache(session, key)

    def build_tree(self, source_dir: Path, package: str, dest_dir: Path) -> Path:
        """Build the project at *source_dir* into *dest_dir* (no cache)."""
        with self._session(source_dir, package, unpack=False) as session:
            self._install_build_requirements(session)
            return Path(self._run(session, "build_wheel", lambda: self._build(session, dest_dir)))

    def _build_editable(self, session: _Session, dest_dir: Path) -> Path:
        self._install_build_requirements(session, "editable")
        dest_dir.mkdir(parents=True, exist_ok=True)

        def build() -> str:
            built: str = session.builder.build("editable", dest_dir, self.options.config_settings or None)
            self.builds += 1
            return built

        return Path(self._run(session, "build_editable", build))

    # -- steps

    def _cached_wheel(self, key: str) -> Path | None:
        root = self.cache.entry("built", key)
        with contextlib.suppress(OSError):
            for path in root.iterdir():
                if path.name.endswith(".whl"):
                    return path
        return None

    @contextlib.contextmanager
    def _session(self, source: Path, package: str, *, unpack: bool = True) -> Any:
        import build

        work = Path(tempfile.mkdtemp(prefix="pipcompat-build-"))
        try:
            source_dir = unpack_sdist(source, work / "src") if unpack else source
            output = _Output(self.reporter)
            env_dir: Path | None = None
            environ = dict(self.environ)
            python = self.python
            if self.options.isolation:
                env_dir = work / "env"
                self._create_env(env_dir, package, output)
                python = str(_env_python(env_dir))
                environ["PYTHONNOUSERSITE"] = "1"
                environ.pop("PYTHONPATH", None)
                environ["PATH"] = os.pathsep.join(
                    [str(_env_python(env_dir).parent), environ.get("PATH", "")]
                ).rstrip(os.pathsep)
                environ["VIRTUAL_ENV"] = str(env_dir)
            try:
                builder = build.ProjectBuilder(
                    source_dir, python_executable=python, runner=_runner(output, environ)
                )
            except build.BuildException as error:
                raise BuildError(package, f"invalid project: {error}", output.lines) from None
            if self.reporter is not None:
                self.reporter.detail(
                    f"building {package} with {builder.build_system_requires or 'no requirements'}"
                )
            if self.options.check_build_deps and not self.options.isolation:
                check_build_requirements(python, sorted(builder.build_system_requires), package, environ)
            yield _Session(package, source_dir, builder, output, env_dir, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _create_env(self, env_dir: Path, package: str, output: _Output) -> None:
        from pipcompat.env.venv import VenvOptions, create_venv

        assert self.base is not None
        try:
            create_venv(env_dir, self.base, VenvOptions())
        except PipcompatError as error:
            raise BuildError(package, f"cannot create the build environment: {error.message}", []) from None

    def _install_build_requirements(self, session: _Session, distribution: str = "wheel") -> None:
        if session.ready or session.env_dir is None or self.installer is None:
            return
        session.ready = True
        requires = sorted(session.builder.build_system_requires)
        if requires:
            self._install(session, requires, "installing the build requirements")
        extra = sorted(
            self._run(
                session,
                f"get_requires_for_build_{distribution}",
                lambda: session.builder.get_requires_for_build(
                    distribution, self.options.config_settings or None
                ),
            )
        )
        if extra:
            self._install(
                session, sorted(set(requires) | set(extra)), "installing the backend's requirements"
            )

    def _install(self, session: _Session, requirements: list[str], step: str) -> None:
        assert self.installer is not None and session.env_dir is not None
        try:
            self.installer.install(requirements, session.env_dir)
        except PipcompatError as error:
            raise BuildError(
                session.package,
                f"{step} ({', '.join(requirements)}) failed: {error.message}",
                session.output.lines,
                hint=error.hint,
            ) from None

    def _run(self, session: _Session, hook: str, call: Callable[[], Any]) -> Any:
        import build

        try:
            return call()
        except build.BuildBackendException as error:
            cause = error.exception
            if isinstance(cause, subprocess.CalledProcessError):
                step = f"the backend's {hook} exited with status {cause.returncode}"
            else:
                step = f"the backend's {hook} failed: {cause}"
            raise BuildError(session.package, step, session.output.lines) from None
        except build.BuildException as error:
            raise BuildError(session.package, str(error), session.output.lines) from None

    def _prepare_metadata(self, session: _Session, distribution: str = "wheel") -> bytes | None:
        self._install_build_requirements(session, distribution)
        out = session.work / "pipcompat-metadata"
        out.mkdir(exist_ok=True)
        found = self._run(
            session,
            f"prepare_metadata_for_build_{distribution}",
            lambda: session.builder.prepare(distribution, out, self.options.config_settings or None),
        )
        if found is None:
            return None
        return (Path(found) / "METADATA").read_bytes()

    def _build(self, session: _Session, dest_dir: Path) -> str:
        dest_dir.mkdir(parents=True, exist_ok=True)
        built: str = session.builder.build("wheel", dest_dir, self.options.config_settings or None)
        self.builds += 1
        return built

    def _build_into_cache(self, session: _Session, key: str) -> Path:
        self._install_build_requirements(session)
        root = self.cache.entry("built", key)
        with atomic_directory(root) as temp:
            built = Path(self._run(session, "build_wheel", lambda: self._build(session, temp)))
            name = built.name
        return root / name


_VERSIONS_SCRIPT = """
import json, sys
from importlib import metadata
found = {}
for name in json.loads(sys.argv[1]):
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
print(json.dumps(found))
"""


def check_build_requirements(
    python: str, requirements: Sequence[str], package: str, environ: Mapping[str, str]
) -> None:
    """pip's ``--check-build-dependencies`` check (without isolation): each of *requirements* (markers
    evaluated with an empty ``extra``) must be installed in the environment of *python* at a version its
    specifier allows (pre-releases included); pip's error text otherwise."""
    from packaging.requirements import Requirement
    from packaging.version import InvalidVersion, Version

    parsed = [(text, Requirement(text)) for text in requirements]
    parsed = [(t, r) for t, r in parsed if r.marker is None or r.marker.evaluate({"extra": ""})]
    if not parsed:
        return
    proc = subprocess.run(
        [python, "-c", _VERSIONS_SCRIPT, json.dumps([r.name for _, r in parsed])],
        env=dict(environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise PipcompatError(f"cannot list the packages installed for {python}: {proc.stderr.strip()}")
    versions: dict[str, str] = json.loads(proc.stdout)
    missing: set[str] = set()
    conflicting: set[tuple[str, str]] = set()
    for text, requirement in parsed:
        version = versions.get(requirement.name)
        if version is None:
            missing.add(text)
            continue
        try:
            pinned = f"{requirement.name}=={Version(version)}"
        except InvalidVersion:
            pinned = f"{requirement.name}==={version}"
        if not requirement.specifier.contains(version, prereleases=True):
            conflicting.add((pinned, text))
    if conflicting:
        raise PipcompatError(
            f"Some build dependencies for {package} conflict with the backend dependencies: "
            + ", ".join(
                f"{installed} is incompatible with {wanted}" for installed, wanted in sorted(conflicting)
            )
            + "."
        )
    if missing:
        raise PipcompatError(
            f"Some build dependencies for {package} are missing: {', '.join(map(repr, sorted(missing)))}."
        )


def _wheel_metadata(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return zf.read(name)
    raise PipcompatError(f"the wheel built from source, {wheel.name}, has no METADATA")


__all__ = [
    "LEGACY_BACKEND",
    "LEGACY_REQUIRES",
    "BuildEnvInstaller",
    "BuildError",
    "BuildOptions",
    "BuildReporter",
    "SourceBuilder",
    "check_build_requirements",
    "config_key",
    "parse_config_settings",
    "unpack_sdist",
]
