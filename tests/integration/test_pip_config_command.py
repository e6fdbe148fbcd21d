"""``pipcompat pip config``: list, get, set, unset, edit and debug, against pip's behaviour.

The first part runs the command in-process (``run_command`` with a ``CommandSettings``) in a sandbox whose
system directory is moved into a temp dir; the second runs ``python -m pipcompat pip config …`` and the real
``pip config …`` in the same clean environment and compares what they print and write.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from pipcompat.commands import COMMAND_MODULES, Context, pip_config, run_command
from pipcompat.config import pipconf
from pipcompat.errors import PipcompatError
from pipcompat.settings import CommandSettings
from pipcompat.ui import Printer, render_error
from tests.support.context import Result, TestContext


class Box:
    """A sandbox: home, XDG config dirs, a system dir, an active virtual environment and a working dir."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.xdg = root / "xdg"
        self.etc = root / "etc"
        self.venv = root / "venv"
        self.cwd = root / "work"
        for path in (self.home, self.xdg, self.etc, self.venv, self.cwd):
            path.mkdir(parents=True)
        self.environ: dict[str, str] = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_DIRS": str(self.xdg),
            "VIRTUAL_ENV": str(self.venv),
        }
        self.user_file = self.home / ".config" / "pip" / "pip.conf"
        self.legacy_file = self.home / ".pip" / "pip.conf"
        self.global_file = self.xdg / "pip" / "pip.conf"
        self.etc_file = self.etc / "pip.conf"
        self.site_file = self.venv / "pip.conf"

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, quiet: int = 0, **dests: Any) -> tuple[int, str, str]:
        """Run ``pip config <args>`` with option destinations *dests*; return ``(status, stdout, stderr)``."""
        out, err = io.StringIO(), io.StringIO()
        printer = Printer(verbosity=-quiet, out=out, err=err, colour=False)
        given = {dest: f"--{dest}" for dest in dests}
        settings = CommandSettings("pip config", tuple(args), dict(dests), {}, given)
        try:
            status = run_command(settings, Context(printer=printer, environ=self.environ, cwd=self.cwd))
        except PipcompatError as exc:
            render_error(exc, err, colour=False)
            status = exc.exit_code
        return status, out.getvalue(), err.getvalue()


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Box:
    sandbox = Box(tmp_path)
    monkeypatch.setattr(pipconf, "SYSTEM_CONFIG_DIR", str(sandbox.etc))
    return sandbox


def test_registered() -> None:
    assert COMMAND_MODULES["pip config"] == "pipcompat.commands.pip_config"
    assert {"editor", "global_file", "user_file", "site_file"} <= pip_config.IMPLEMENTED_OPTIONS


def test_list_nothing(box: Box) -> None:
    assert box.run("list") == (0, "", "")


def test_list_is_sorted_by_file_then_key_with_reprs(box: Box) -> None:
    box.write(box.global_file, "[install]\npre = yes\n[global]\ntimeout =\nindex-url = https://g\n")
    box.write(box.user_file, "[global]\nfind-links = a 'b'\n")
    box.environ.update({"PIP_NO_INPUT": "1", "PIP_VERSION": "3", "PIP_X": ""})
    status, out, _ = box.run("list")
    assert status == 0
    # File names sort before ":env:"; inside a file, keys sort.
    assert out.splitlines() == [
        "global.find-links=\"a 'b'\"",
        "global.index-url='https://g'",
        "global.timeout=''",
        "install.pre='yes'",
        ":env:.no-input='1'",
        ":env:.x=''",
    ]


def test_list_with_file_option_shows_that_file_and_variables(box: Box) -> None:
    box.write(box.global_file, "[global]\ntimeout = 1\n")
    box.write(box.user_file, "[global]\ntimeout = 2\n")
    box.environ["PIP_PRE"] = "1"
    assert box.run("list", user_file=True)[1].splitlines() == ["global.timeout='2'", ":env:.pre='1'"]
    assert box.run("list", global_file=True)[1].splitlines() == ["global.timeout='1'", ":env:.pre='1'"]


def test_list_isolated_skips_user_files_and_variables(box: Box) -> None:
    box.write(box.site_file, "[global]\ntimeout = 1\n")
    box.write(box.user_file, "[global]\ntimeout = 2\n")
    box.environ["PIP_PRE"] = "1"
    assert box.run("list", isolated_mode=True)[1].splitlines() == ["global.timeout='1'"]


def test_get(box: Box) -> None:
    box.write(box.user_file, "[global]\nindex-url = https://u\n\n[Install]\npre = 1\n")
    assert box.run("get", "global.index-url") == (0, "https://u\n", "")
    assert box.run("get", "GLOBAL.Index_Url") == (0, "https://u\n", "")  # the key is normalised whole
    assert box.run("get", "install.pre")[0] == 1  # but a file's section names are kept as written


def test_get_reads_only_the_user_file_by_default(box: Box) -> None:
    box.write(box.global_file, "[global]\ntimeout = 3\n")
    status, out, err = box.run("get", "global.timeout")
    assert (status, out) == (1, "")
    assert "No such key - global.timeout" in err
    assert box.run("get", "global.timeout", global_file=True) == (0, "3\n", "")


def test_get_without_a_section(box: Box) -> None:
    status, _, err = box.run("get", "timeout")
    assert status == 1
    assert "Perhaps you wanted to use 'global.timeout' instead?" in err


def test_set_creates_the_user_file(box: Box) -> None:
    status, out, err = box.run("set", "global.Index_URL", "https://new")
    assert (status, err) == (0, "")
    assert out == f"Writing to {box.user_file}\n"
    assert box.user_file.read_text(encoding="utf-8") == "[global]\nindex-url = https://new\n\n"
    assert list(box.user_file.parent.iterdir()) == [box.user_file]  # no temporary file left behind


def test_set_keeps_other_sections_and_the_file_mode(box: Box) -> None:
    box.write(box.user_file, "[install]\npre = yes\n\n[global]\ntimeout = 1\n")
    box.user_file.chmod(0o600)
    assert box.run("set", "global.timeout", "2", quiet=1) == (0, "", "")
    assert box.user_file.read_text(encoding="utf-8") == "[install]\npre = yes\n\n[global]\ntimeout = 2\n\n"
    assert stat.S_IMODE(box.user_file.stat().st_mode) == 0o600


def test_set_uses_the_site_file_when_it_exists(box: Box) -> None:
    box.write(box.site_file, "")
    assert box.run("set", "global.timeout", "5")[0] == 0
    assert "timeout = 5" in box.site_file.read_text(encoding="utf-8")
    assert not box.user_file.exists()


@pytest.mark.parametrize(("dest", "attribute"), [("site_file", "site_file"), ("global_file", "etc_file")])
def test_set_with_a_file_option(box: Box, dest: str, attribute: str) -> None:
    status, out, _ = box.run("set", "install.no-deps", "yes", **{dest: True})
    target: Path = getattr(box, attribute)
    assert status == 0
    assert out == f"Writing to {target}\n"
    assert target.read_text(encoding="utf-8") == "[install]\nno-deps = yes\n\n"


def test_set_follows_a_symlink(box: Box) -> None:
    real = box.write(box.root / "dotfiles" / "pip.conf", "[global]\ntimeout = 1\n")
    box.user_file.parent.mkdir(parents=True)
    box.user_file.symlink_to(real)
    assert box.run("set", "global.timeout", "2")[0] == 0
    assert box.user_file.is_symlink()
    assert real.read_text(encoding="utf-8") == "[global]\ntimeout = 2\n\n"


def test_unset_removes_the_key_and_an_empty_section(box: Box) -> None:
    box.write(box.user_file, "[global]\ntimeout = 1\n\n[install]\npre = yes\n")
    assert box.run("unset", "global.timeout") == (0, f"Writing to {box.user_file}\n", "")
    assert box.user_file.read_text(encoding="utf-8") == "[install]\npre = yes\n\n"


def test_unset_edits_the_user_file_that_has_the_key(box: Box) -> None:
    box.write(box.legacy_file, "[global]\ntimeout = 1\n")
    box.write(box.user_file, "[global]\npre = 1\n")
    assert box.run("unset", "global.timeout")[0] == 0
    assert box.legacy_file.read_text(encoding="utf-8") == ""
    assert box.user_file.read_text(encoding="utf-8") == "[global]\npre = 1\n"


def test_unset_missing_key(box: Box) -> None:
    status, out, err = box.run("unset", "global.nope")
    assert (status, out) == (1, "")
    assert "No such key - global.nope" in err


def test_set_with_pip_config_file_redirects_user_changes(box: Box) -> None:
    extra = box.write(box.root / "extra.conf", "[global]\ntimeout = 1\n")
    box.environ["PIP_CONFIG_FILE"] = str(extra)
    status, out, err = box.run("set", "global.pre", "yes")
    assert status == 0
    assert out == f"Writing to {extra}\n"
    assert "Because PIP_CONFIG_FILE is set, changes will be applied to" in err
    assert extra.read_text(encoding="utf-8") == "[global]\ntimeout = 1\npre = yes\n\n"
    assert box.run("unset", "global.timeout")[0] == 0
    assert extra.read_text(encoding="utf-8") == "[global]\npre = yes\n\n"


def test_set_with_devnull_fails(box: Box) -> None:
    box.environ["PIP_CONFIG_FILE"] = os.devnull
    status, _, err = box.run("set", "global.pre", "yes")
    assert status == 1
    assert f"Cannot write to PIP_CONFIG_FILE when it is set to {os.devnull}" in err


def test_set_user_file_in_isolated_mode_fails(box: Box) -> None:
    status, _, err = box.run("set", "global.pre", "yes", isolated_mode=True, user_file=True)
    assert status == 1
    assert "isolated" in err
    assert not box.user_file.exists()


@pytest.mark.parametrize(
    ("args", "dests", "message"),
    [
        ((), {}, "Need an action (debug, edit, get, list, set, unset) to perform."),
        (("frobnicate",), {}, "Need an action (debug, edit, get, list, set, unset) to perform."),
        (("list",), {"user_file": True, "site_file": True}, "Need exactly one file to operate upon"),
        (("get",), {}, 'expected 1. (example: "pipcompat pip config get [name]")'),
        (("set", "global.x"), {}, 'expected 2. (example: "pipcompat pip config set [name] [value]")'),
        (("list", "extra"), {}, "expected 0."),
    ],
)
def test_usage_mistakes_exit_1(box: Box, args: tuple[str, ...], dests: dict[str, Any], message: str) -> None:
    status, out, err = box.run(*args, **dests)
    assert (status, out) == (1, "")
    assert message in err
    assert err.count("\n") == 1


def test_debug(box: Box) -> None:
    box.write(box.global_file, "[global]\ntimeout =\n[install]\npre = yes\n")
    box.write(box.user_file, "[global]\nindex-url = https://u\n")
    box.environ.update({"PIP_PRE": "1", "PIP_CONFIG_FILE": str(box.root / "missing.conf")})
    status, out, _ = box.run("debug")
    assert status == 0
    assert out.splitlines() == [
        "env_var:",
        f"  PIP_CONFIG_FILE='{box.root / 'missing.conf'}'",
        "  PIP_PRE='1'",
        "env:",
        f"  {box.root / 'missing.conf'}, exists: False",
        "global:",
        f"  {box.global_file}, exists: True",
        "    global.timeout: ",
        "    install.pre: yes",
        f"  {box.etc_file}, exists: False",
        "site:",
        f"  {box.site_file}, exists: False",
        "user:",
        f"  {box.legacy_file}, exists: False",
        f"  {box.user_file}, exists: True",
        "    global.index-url: https://u",
    ]


def test_bad_file_exits_2(box: Box) -> None:
    box.write(box.user_file, "no section\n")
    status, _, err = box.run("list")
    assert status == 2
    assert str(box.user_file) in err


# -- edit -------------------------------------------------------------------------------------------------
EDITOR_SCRIPT = """import sys
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write("[global]\\ntimeout = 60\\n")
"""


def _editor(box: Box, name: str, status: int = 0) -> str:
    script = box.write(box.root / f"{name}.py", EDITOR_SCRIPT + f"sys.exit({status})\n")
    return f'"{sys.executable}" "{script}"'


def test_edit_with_editor_option(box: Box) -> None:
    box.user_file.parent.mkdir(parents=True)
    assert box.run("edit", editor=_editor(box, "ed")) == (0, "", "")
    assert box.user_file.read_text(encoding="utf-8") == "[global]\ntimeout = 60\n"


def test_edit_prefers_visual_to_editor(box: Box) -> None:
    box.write(box.site_file, "")
    box.environ["VISUAL"] = _editor(box, "visual")
    box.environ["EDITOR"] = "false"
    assert box.run("edit")[0] == 0
    assert "timeout = 60" in box.site_file.read_text(encoding="utf-8")


def test_edit_without_editor(box: Box) -> None:
    status, _, err = box.run("edit")
    assert status == 1
    assert "Could not determine editor to use." in err


def test_edit_reports_editor_failure(box: Box) -> None:
    box.user_file.parent.mkdir(parents=True)
    box.environ["EDITOR"] = _editor(box, "failing", status=3)
    status, _, err = box.run("edit")
    assert status == 1
    assert "Editor Subprocess exited with exit code 3" in err


# -- against pip, through the command line ----------------------------------------------------------------
def _site_packages() -> str:
    return os.pathsep.join(path for path in sys.path if path.endswith("site-packages"))


class Pair:
    """pipcompat and pip side by side in one sandbox; pip runs in a venv, so its site file is in it too."""

    def __init__(self, ctx: TestContext) -> None:
        pytest.importorskip("pipcompat.cli.pip")
        self.ctx = ctx
        self.venv = ctx.make_venv("venv")
        self.env: dict[str, str | None] = {"PIP_CONFIG_FILE": None, "VIRTUAL_ENV": str(self.venv)}
        self.user_file = ctx.home / ".config" / "pip" / "pip.conf"
        self.global_file = Path(ctx.env["XDG_CONFIG_DIRS"]) / "pip" / "pip.conf"
        self.site_file = self.venv / "pip.conf"

    def pipcompat(self, *args: str) -> Result:
        return self.ctx.run("pip", "config", *args, env=self.env)

    def pip(self, *args: str) -> Result:
        python = self.venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        env = {**self.env, "PYTHONPATH": _site_packages()}
        return self.ctx.run_cmd([str(python), "-m", "pip", "config", *args], env=env)

    def both(self, *args: str) -> tuple[Result, Result]:
        return self.pipcompat(*args), self.pip(*args)


def _message(result: Result) -> str:
    """The error text without the tool's ``error:``/``ERROR:`` label or hint line."""
    lines = [
        line for line in result.stderr.splitlines() if line.strip() and not line.strip().startswith("hint:")
    ]
    return lines[-1].split(":", 1)[1].strip() if lines else ""


@pytest.fixture
def pair(ctx: TestContext) -> Pair:
    return Pair(ctx)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


SETUPS = {
    "empty": ({}, {}),
    "every-level": (
        {
            "global": "[global]\nindex-url = https://global\ntimeout =\n[install]\npre = yes\n",
            "legacy": "[global]\nfind-links = a b\n",
            "user": "[global]\nindex-url = https://u:secret@user\n[download]\nno-deps = 1\n",
            "site": "[global]\nextra-index-url = https://site\n",
        },
        {"PIP_TIMEOUT": "3", "PIP_VERSION": "9", "PIP_EMPTY": ""},
    ),
    "pip-config-file": (
        {"user": "[global]\ntimeout = 1\n", "extra": "[global]\ntimeout = 2\n"},
        {"PIP_CONFIG_FILE": "extra.conf"},
    ),
    "missing-pip-config-file": ({"user": "[global]\ntimeout = 1\n"}, {"PIP_CONFIG_FILE": "nowhere.conf"}),
    "devnull": (
        {"user": "[global]\ntimeout = 1\n", "site": "[global]\npre = 1\n"},
        {"PIP_CONFIG_FILE": os.devnull},
    ),
}


def _setup(pair: Pair, files: dict[str, str], env: dict[str, str]) -> None:
    places = {
        "global": pair.global_file,
        "legacy": pair.ctx.home / ".pip" / "pip.conf",
        "user": pair.user_file,
        "site": pair.site_file,
        "extra": pair.ctx.temp_dir / "extra.conf",
    }
    for place, text in files.items():
        _write(places[place], text)
    pair.env.update(env)


@pytest.mark.parametrize("setup", list(SETUPS))
@pytest.mark.parametrize(
    "args",
    [("list",), ("debug",), ("--user", "list"), ("--site", "list"), ("--isolated", "list")],
    ids=" ".join,
)
def test_output_matches_pip(pair: Pair, setup: str, args: tuple[str, ...]) -> None:
    _setup(pair, *SETUPS[setup])
    ours, pips = pair.both(*args)
    assert (ours.returncode, ours.stdout) == (pips.returncode, pips.stdout), f"{ours}\n{pips}"


@pytest.mark.parametrize(
    "args",
    [
        ("get", "global.index-url"),
        ("get", "global.timeout"),
        ("--global", "get", "global.timeout"),
        ("--site", "get", "global.extra-index-url"),
        ("get", "timeout"),
        ("get",),
        ("frob",),
        ("--user", "--site", "list"),
        ("unset", "global.none"),
    ],
    ids=" ".join,
)
def test_get_and_errors_match_pip(pair: Pair, args: tuple[str, ...]) -> None:
    _setup(pair, *SETUPS["every-level"])
    ours, pips = pair.both(*args)
    assert (ours.returncode, ours.stdout) == (pips.returncode, pips.stdout), f"{ours}\n{pips}"
    if pips.returncode:
        assert _message(ours).replace("pipcompat pip", "") == _message(pips).replace(
            f"{pair.venv / 'bin' / 'python'} -m pip", ""
        )


def test_bad_file_status_matches_pip(pair: Pair) -> None:
    _write(pair.user_file, "index-url = x\n")
    ours, pips = pair.both("list")
    assert ours.returncode == pips.returncode == 2
    assert str(pair.user_file) in ours.stderr


@pytest.mark.parametrize(
    "steps",
    [
        [
            ("set", "global.Index_URL", "https://a"),
            ("set", "install.pre", "yes"),
            ("unset", "global.index-url"),
        ],
        [
            ("--site", "set", "global.timeout", "4"),
            ("set", "global.pre", "1"),
            ("--site", "unset", "global.pre"),
        ],
        [("set", "global.timeout", "4"), ("unset", "global.timeout"), ("unset", "global.timeout")],
    ],
    ids=["user", "site", "unset-twice"],
)
def test_changes_match_pip(ctx: TestContext, tmp_path: Path, steps: list[tuple[str, ...]]) -> None:
    ours = Pair(ctx)
    theirs = Pair(TestContext(tmp_path / "pip-side"))
    for pair in (ours, theirs):
        _write(pair.user_file, "[install]\n# a comment pip drops\nno-deps = yes\n")
    for step in steps:
        mine, pips = ours.pipcompat(*step), theirs.pip(*step)
        assert mine.returncode == pips.returncode, f"{mine}\n{pips}"
        assert mine.stdout.replace(str(ctx.root), "ROOT") == pips.stdout.replace(
            str(tmp_path / "pip-side"), "ROOT"
        )
    for attribute in ("user_file", "site_file"):
        mine_file, pips_file = getattr(ours, attribute), getattr(theirs, attribute)
        assert mine_file.exists() == pips_file.exists()
        if pips_file.exists():
            assert mine_file.read_text(encoding="utf-8") == pips_file.read_text(encoding="utf-8")
