"""Run pipcompat (or pip, or anything) as a subprocess in a clean, per-test environment.

Nothing of this machine's pip setup may leak into a test: no ``PIP_*``/``PIPCOMPAT_*`` variable, no
``VIRTUAL_ENV``/``CONDA_PREFIX``, no user or global ``pip.conf`` (``PIP_CONFIG_FILE`` is ``os.devnull``
unless a test sets it), and HOME/XDG directories and the cache live in the test's temp dir.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Variables a subprocess inherits; everything else is dropped.
_KEEP = {
    "PATH", "PATHEXT", "SYSTEMROOT", "SYSTEMDRIVE", "COMSPEC", "WINDIR",
    "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
    "SSL_CERT_FILE", "SSL_CERT_DIR",
}  # fmt: skip
_KEEP_PREFIXES = ("PYENV", "LC_", "COV_CORE_", "COVERAGE_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
_DROP_PREFIXES = ("PIP_", "PIPCOMPAT_")
_DROP = {"VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV"}


def is_leaky(key: str) -> bool:
    """Whether an inherited variable could change what pip or pipcompat does."""
    upper = key.upper()
    return upper.startswith(_DROP_PREFIXES) or upper in _DROP


def isolation_env(root: Path) -> dict[str, str]:
    """The variables that point HOME, XDG dirs, config and cache into ``root`` (created here)."""
    home = root / "home"
    dirs = {
        "HOME": home,
        "USERPROFILE": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CONFIG_DIRS": root / "etc-xdg",
        "PIPCOMPAT_CACHE_DIR": root / "cache",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {key: str(path) for key, path in dirs.items()}
    env.update({"PIP_CONFIG_FILE": os.devnull, "NO_COLOR": "1"})
    return env


def clean_environ(root: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A whole subprocess environment: the harmless part of ``base`` plus :func:`isolation_env`."""
    base = os.environ if base is None else base
    env = {
        key: value
        for key, value in base.items()
        if not is_leaky(key)
        and (key.upper() in _KEEP or key.upper() in _PROXIES or key.upper().startswith(_KEEP_PREFIXES))
    }
    if any(key.upper() in _PROXIES[:3] for key in env):
        no_proxy = ",".join(v for k, v in env.items() if k.upper() == "NO_PROXY" and v)
        env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [no_proxy, "127.0.0.1,localhost"]))
    env.update(isolation_env(root))
    if not _pipcompat_installed():
        env["PYTHONPATH"] = str(_import_dir(root))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@functools.cache
def _pipcompat_installed() -> bool:
    """Whether the pipcompat these tests import is an installed copy (tox's wheel) rather than the checkout.

    Decided by where the package really is, not by installed metadata: a ``pipcompat.egg-info`` left in the
    checkout by ``pip install .`` must not make the checkout look installed.
    """
    spec = importlib.util.find_spec("pipcompat")
    if spec is None or spec.origin is None:
        return False
    return REPO_ROOT.resolve() not in Path(spec.origin).resolve().parents


def _import_dir(root: Path) -> Path:
    """A directory holding only ``pipcompat`` (a symlink to the checkout), for ``PYTHONPATH``.

    Used when pipcompat is not installed. Putting the checkout itself on the path would also expose
    ``tests`` and any ``*.egg-info`` there.
    """
    target = root / "pythonpath"
    link = target / "pipcompat"
    if not link.exists():
        target.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO_ROOT / "pipcompat", target_is_directory=True)
        except OSError:  # no symlinks (Windows without privilege): fall back to the checkout
            return REPO_ROOT
    return target


def dead_proxy_environ() -> dict[str, str | None]:
    """Variables that send plain-HTTP requests through a proxy on a port nothing listens on (and bypass it
    for no host): a request that honours the environment's proxy fails."""
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{unused.getsockname()[1]}"
    return {"HTTP_PROXY": dead, "http_proxy": dead, "NO_PROXY": None, "no_proxy": None}


def venv_python(venv: Path) -> Path:
    """The interpreter of a virtual environment."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


@dataclass(frozen=True)
class Result:
    """What a finished subprocess returned."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return (
            f"$ {' '.join(self.args)}\n[exit code {self.returncode}]\n"
            f"----- stdout -----\n{self.stdout}\n----- stderr -----\n{self.stderr}"
        )

    def assert_success(self) -> Result:
        """Fail the test (showing the output) unless the exit code is 0."""
        if self.returncode != 0:
            raise AssertionError(f"expected success\n{self}")
        return self

    def assert_failure(self, code: int | None = None) -> Result:
        """Fail the test unless the exit code is non-zero (and equal to ``code`` when given)."""
        if self.returncode == 0 or (code is not None and self.returncode != code):
            wanted = "a non-zero exit code" if code is None else f"exit code {code}"
            raise AssertionError(f"expected {wanted}\n{self}")
        return self


class TestContext:
    """A per-test sandbox: a working directory, a home, a cache, and a clean environment.

    ``run("pip", "install", ...)`` runs ``python -m pipcompat pip install ...`` with cwd ``temp_dir``.
    ``env`` is the base environment of every run and may be edited; ``run(..., env={"X": None})``
    removes a variable for one call.
    """

    __test__ = False  # not a test class, despite the name

    def __init__(self, root: Path, *, python: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root)
        self.temp_dir = self.root / "work"
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self.python = str(python or sys.executable)
        self.env = clean_environ(self.root)
        self.home = Path(self.env["HOME"])
        self.cache_dir = Path(self.env["PIPCOMPAT_CACHE_DIR"])
        self.filters: list[tuple[str, str]] = [
            (re.escape(str(self.temp_dir)), "[TEMP_DIR]"),
            (re.escape(str(self.cache_dir)), "[CACHE_DIR]"),
            (re.escape(str(self.home)), "[HOME]"),
        ]

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        """The argv of a pipcompat run."""
        return [self.python, "-m", "pipcompat", *(os.fspath(a) for a in args)]

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str | None] | None = None,
        cwd: Path | str | None = None,
        input: str | None = None,
        timeout: float = 300,
    ) -> Result:
        """Run pipcompat with ``args``."""
        return self.run_cmd(self.command(*args), env=env, cwd=cwd, input=input, timeout=timeout)

    def run_pip(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str | None] | None = None,
        cwd: Path | str | None = None,
        input: str | None = None,
        timeout: float = 300,
    ) -> Result:
        """Run the real pip (of ``sys.executable``) in the same sandbox, without its version check."""
        merged: dict[str, str | None] = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", **(env or {})}
        argv = [sys.executable, "-m", "pip", *(os.fspath(a) for a in args)]
        return self.run_cmd(argv, env=merged, cwd=cwd, input=input, timeout=timeout)

    def run_cmd(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        env: Mapping[str, str | None] | None = None,
        cwd: Path | str | None = None,
        input: str | None = None,
        timeout: float = 300,
    ) -> Result:
        """Run any program in the sandbox environment."""
        full_env = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        args = tuple(os.fspath(a) for a in argv)
        proc = subprocess.run(
            args,
            cwd=cwd or self.temp_dir,
            env=full_env,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
        return Result(args, proc.returncode, proc.stdout, proc.stderr)

    def path(self, *parts: str) -> Path:
        """A path inside ``temp_dir``."""
        return self.temp_dir.joinpath(*parts)

    def write(self, path: str | Path, text: str, *, dedent: bool = True) -> Path:
        """Write a text file (relative to ``temp_dir``), dedented and stripped of a leading newline."""
        target = self.temp_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if dedent:
            text = textwrap.dedent(text).lstrip("\n")
        target.write_text(text, encoding="utf-8")
        return target

    def read(self, path: str | Path) -> str:
        return (self.temp_dir / path).read_text(encoding="utf-8")

    def make_venv(self, name: str = ".venv", *, with_pip: bool = False) -> Path:
        """Create a virtual environment with the stdlib ``venv`` of ``self.python``; return its path."""
        venv = self.temp_dir / name
        argv = [self.python, "-m", "venv", str(venv)]
        if not with_pip:
            argv.append("--without-pip")
        self.run_cmd(argv).assert_success()
        return venv

    def add_filter(self, pattern: str, replacement: str) -> None:
        """Add a regex substitution used by :meth:`redact`."""
        self.filters.append((pattern, replacement))

    def redact(self, text: str) -> str:
        """``text`` with temp paths (and any added filters) replaced by stable placeholders."""
        for pattern, replacement in self.filters:
            text = re.sub(pattern, replacement, text)
        return text
