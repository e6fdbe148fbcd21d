"""``pipcompat pip …``: the front door's behaviour (help, version, errors, settings, configuration)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from collections.abc import Sequence
from pathlib import Path

import pytest

import pipcompat
from pipcompat import __version__
from pipcompat.cli import pip as front
from pipcompat.cli import pip_options
from pipcompat.cli.help import option_synopsis, redact_url
from pipcompat.cli.main import main
from pipcompat.errors import PipcompatError, UsageError
from pipcompat.models import ConfigValue
from pipcompat.settings import CommandSettings

REPO = Path(__file__).resolve().parents[2]


def argv_id(item: object) -> str:
    return " ".join(item) if isinstance(item, list) else str(item)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No configuration from this machine: no ``PIP_*``, no config files, a scratch HOME."""
    for key in list(os.environ):
        if key.startswith(("PIP_", "PIPCOMPAT_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)


def parse(*argv: str) -> CommandSettings:
    parsed = front.parse_command_line(argv, environ=os.environ, cwd=Path.cwd())
    assert isinstance(parsed, CommandSettings)
    return parsed


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


# -- --show-settings ---------------------------------------------------------------------------------------
def test_show_settings_shows_a_command_line_value_with_its_origin(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "--show-settings", "--no-deps", "x"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("ignore_dependencies ")]
    assert len(lines) == 1, out
    assert "command line" in lines[0]
    assert re.search(r"\b(true|True)\b", lines[0])


def test_settings_record_values_origins_and_spellings() -> None:
    settings = parse("install", "--no-deps", "-qq", "--ind", "https://example.org/simple", "x", "y")
    assert settings.command == "pip install"
    assert settings.args == ("x", "y")
    assert settings.values["ignore_dependencies"] is True
    assert settings.values["quiet"] == 2
    assert settings.values["index_url"] == "https://example.org/simple"
    assert settings.origins["ignore_dependencies"] == "command line"
    assert settings.origins["upgrade"] == "default"
    assert settings.given == {"ignore_dependencies": "--no-deps", "quiet": "-q", "index_url": "--index-url"}


def test_show_settings_must_be_spelled_in_full() -> None:
    assert parse("install", "--show-settings").values["show_settings"] is True
    with pytest.raises(UsageError, match="no such option: --show-set"):
        parse("install", "--show-set")
    # pip's own abbreviations keep their meaning: "--s" is still ambiguous between --src's spellings only.
    with pytest.raises(UsageError, match=r"ambiguous option: --s \(--source, --source-dir"):
        parse("install", "--s", "x")


# -- help --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(pip_options.ALL_COMMANDS))
def test_help_lists_every_option(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", name, "--help"]) == 0
    out = capsys.readouterr().out
    lines = [line.strip() for line in out.splitlines()]
    spec = pip_options.ALL_COMMANDS[name]
    assert out.startswith(f"Usage:\n  pipcompat pip {name}") or not spec.usage
    for group in spec.groups:
        assert f"{group.title}:" in lines
        for option_spec in group.options:
            synopsis = option_synopsis(option_spec.build())
            shown = any(line == synopsis or line.startswith(synopsis + " ") for line in lines)
            assert shown != option_spec.hidden, f"{synopsis} {'shown' if shown else 'missing'}"


def test_help_uses_pips_spelling(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "-h"]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    for synopsis in (
        "-r, --requirement <file>",
        "-C, --config-settings <settings>",
        "--keyring-provider <keyring_provider>",
        "--group <[path:]group>",
        "-i, --index-url <url>",
        "--timeout <sec>",
        "--no-cache-dir",
        "--show-settings",
    ):
        assert any(line.startswith(synopsis) for line in lines), synopsis
    assert not any(line.startswith("--no-user") for line in lines)


def test_help_quotes_effective_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(default https://pypi.org/simple)" in out
    assert "%default" not in out


def test_help_stops_parsing_where_it_appears(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "-h", "--no-such"]) == 0
    assert capsys.readouterr().out.startswith("Usage:")
    assert main(["pip", "install", "--no-such", "-h"]) == 2


@pytest.mark.parametrize("argv", [["pip"], ["pip", "--help"], ["pip", "-h"], ["pip", "help"]], ids=argv_id)
def test_main_help_lists_every_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage:\n  pipcompat pip <command> [options]\n")
    for name, summary in front.command_list():
        assert re.search(rf"^  {name} +{re.escape(summary)}$", out, re.MULTILINE), name
    assert "General Options:" in out and "-V, --version" in out


def test_help_command_shows_a_commands_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "--help"]) == 0
    direct = capsys.readouterr().out
    assert main(["pip", "help", "install"]) == 0
    assert capsys.readouterr().out == direct


def test_help_command_without_a_name_prints_nothing_like_pip(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "help", "-v"]) == 0
    assert capsys.readouterr().out == ""


def test_help_command_for_an_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "help", "instal"]) == 1
    assert error_lines(capsys.readouterr().err) == [
        'error: unknown command "instal" - maybe you meant "install"'
    ]


# -- version -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["pip", "-V"], ["pip", "--version"], ["pip", "-q", "--version", "install"]])
def test_version_has_pips_shape(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    match = re.fullmatch(r"pip (\S+) from (.+) \(pipcompat (\S+), python (\d+\.\d+)\)\n", out)
    assert match is not None, out
    assert match[1] == pip_options.PIP_VERSION
    assert match[2] == os.path.dirname(os.path.abspath(pipcompat.__file__))
    assert match[3] == __version__
    assert match[4] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    # What scripts commonly do with it still works.
    assert out.split()[1] == pip_options.PIP_VERSION
    assert out.split(" from ")[1].split(" (")[0] == match[2]


def test_version_is_not_a_command_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "-V"]) == 2
    assert error_lines(capsys.readouterr().err) == ["error: no such option: -V"]


# -- errors ------------------------------------------------------------------------------------------------
def test_unknown_option_is_one_error_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "--no-such"]) == 2
    err = capsys.readouterr().err
    assert error_lines(err) == ["error: no such option: --no-such"]
    assert err.startswith("Usage:\n  pipcompat pip install [options]")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["install", "-r"], "-r option requires 1 argument"),
        (["install", "--progress-bar", "x"], "option --progress-bar: invalid choice: 'x'"),
        (["install", "--no-deps=1"], "--no-deps option does not take a value"),
        (["install", "--no-binary", "-x"], "--no-binary / --only-binary option requires 1 argument."),
        (["install", "-C", "x"], "Arguments to -C must be of the form KEY=VAL"),
        (["install", "--python-version", "3.x"], "--python-version error: invalid --python-version value"),
        (["install", "--group", "x.toml:g"], "--group error: group paths use local"),
        (["-x"], "no such option: -x"),
    ],
    ids=argv_id,
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pip", *argv]) == 2
    err = capsys.readouterr().err
    assert len(error_lines(err)) == 1 and message in error_lines(err)[0], err
    assert "Traceback" not in err


def test_command_not_available_yet_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    from pipcompat.commands import is_available

    assert not is_available("pip debug")
    assert main(["pip", "debug", "--verbose"]) == 2
    err = capsys.readouterr().err
    assert len(error_lines(err)) == 1
    assert "pipcompat pip debug" in error_lines(err)[0] and "not" in error_lines(err)[0]
    assert "Traceback" not in err


def test_unknown_command_is_pips_message_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "instal", "x"]) == 1
    assert error_lines(capsys.readouterr().err) == [
        'error: unknown command "instal" - maybe you meant "install"'
    ]
    assert main(["pip", "zzzz"]) == 1
    assert error_lines(capsys.readouterr().err) == ['error: unknown command "zzzz"']


def test_python_must_come_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "install", "--python", sys.executable, "x"]) == 1
    assert error_lines(capsys.readouterr().err) == [
        "error: The --python option must be placed before the pip subcommand name"
    ]
    settings = parse("--python", sys.executable, "install", "x")
    assert settings.values["python"] == sys.executable
    assert settings.origins["python"] == "command line"


# -- general options before the command ------------------------------------------------------------------
def test_general_options_before_the_command() -> None:
    settings = parse("-q", "install", "x")
    assert settings.values["quiet"] == 1
    assert settings.origins["quiet"] == "command line"
    assert settings.given["quiet"] == "-q"
    assert settings.args == ("x",)
    # Read again by the command's parser, so they add up with the same options after it.
    assert parse("-q", "install", "-q", "x").values["quiet"] == 2
    assert parse("--timeout", "5", "list").values["timeout"] == 5.0


def test_general_options_before_the_command_then_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "-q", "install", "--show-settings", "x"]) == 0
    assert "x" in capsys.readouterr().out


def test_command_options_are_not_general_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pip", "-r", "x", "install"]) == 2
    assert error_lines(capsys.readouterr().err) == ["error: no such option: -r"]


def test_the_command_name_is_removed_once() -> None:
    # pip removes the first argument equal to the command name, even when it was an option's value.
    settings = parse("--log", "install", "install", "x")
    assert settings.values["log"] == "install"
    assert settings.args == ("x",)


# -- configuration -----------------------------------------------------------------------------------------
class RecordingConfig:
    def __init__(self, values: dict[str, Sequence[ConfigValue]] | None = None) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.values = values or {}

    def __call__(self, command: str, *, isolated: bool, environ: object, cwd: Path) -> Sequence[ConfigValue]:
        self.calls.append((command, isolated))
        return self.values.get(command, ())


@pytest.mark.parametrize(
    ("argv", "isolated"),
    [
        (["install", "x"], False),
        (["install", "--isolated", "x"], True),
        (["--isolated", "install", "x"], True),
        (["install", "--isol", "x"], False),
        (["install", "--", "--isolated"], True),
    ],
    ids=argv_id,
)
def test_isolated_is_detected_like_pip(
    argv: list[str], isolated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = RecordingConfig()
    monkeypatch.setattr(front, "load_config", config)
    parse(*argv)
    # The main parser never is isolated; the command's parser is when "--isolated" is among its arguments.
    assert config.calls == [("global", False), ("install", isolated)]


def test_configuration_values_are_defaults_with_their_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    config = RecordingConfig(
        {
            "install": [
                ConfigValue("no-cache-dir", "false", "PIP_NO_CACHE_DIR"),
                ConfigValue("find-links", "/a /b", "/etc/pip.conf [global]"),
                ConfigValue("timeout", "60", "PIP_TIMEOUT"),
            ]
        }
    )
    monkeypatch.setattr(front, "load_config", config)
    settings = parse("install", "--timeout", "5", "-f", "/c")
    # pip's quirk: any boolean, false included, turns the cache off.
    assert settings.values["cache_dir"] is False
    assert settings.origins["cache_dir"] == "PIP_NO_CACHE_DIR"
    # Repeatable options add to the configured list.
    assert settings.values["find_links"] == ["/a", "/b", "/c"]
    assert settings.origins["find_links"] == "command line"
    assert settings.values["timeout"] == 5.0
    assert settings.origins["timeout"] == "command line"
    assert "cache_dir" not in settings.given


def test_python_from_configuration_is_not_misplaced(monkeypatch: pytest.MonkeyPatch) -> None:
    config = RecordingConfig(
        {name: [ConfigValue("python", sys.executable, "PIP_PYTHON")] for name in ("global", "install")}
    )
    monkeypatch.setattr(front, "load_config", config)
    settings = parse("install", "x")
    assert settings.values["python"] == sys.executable
    assert settings.origins["python"] == "PIP_PYTHON"


def test_a_bad_configuration_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        front, "load_config", RecordingConfig({"install": [ConfigValue("retries", "x", "PIP_RETRIES")]})
    )
    with pytest.raises(PipcompatError) as raised:
        parse("install")
    assert raised.value.exit_code == 3
    assert "PIP_RETRIES" in raised.value.message


# -- delegated commands ------------------------------------------------------------------------------------
def test_pip_tools_commands_are_delegated(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[tuple[str, list[str]]] = []

    def front_door(name: str, args: list[str]) -> int:
        received.append((name, args))
        return 7

    module = types.ModuleType("fake_front_door")
    module.main = front_door  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_front_door", module)
    monkeypatch.setitem(front.DELEGATED_COMMANDS, "fake", "fake_front_door:main")
    assert main(["pip", "-q", "fake", "a", "--b"]) == 7
    assert received == [("fake", ["-q", "a", "--b"])]
    assert set(front.DELEGATED_COMMANDS) >= {"compile", "sync"}


# -- values the callbacks build ------------------------------------------------------------------------------
def test_format_control_follows_pips_rules() -> None:
    control = parse("install", "--only-binary", ":all:", "--no-binary", "Foo_Bar").values["format_control"]
    assert control.no_binary == {"foo-bar"} and control.only_binary == {":all:"}
    assert control.allowed_formats("foo-bar") == frozenset({"source"})
    assert control.allowed_formats("other") == frozenset({"binary"})


def test_release_control_keeps_the_order_given() -> None:
    control = parse("install", "--all-releases", "A,b", "--only-final", ":all:").values["release_control"]
    assert control.only_final == {":all:"} and control.all_releases == set()
    assert control.order == [("all_releases", "a"), ("all_releases", "b"), ("only_final", ":all:")]
    assert control.allows_prereleases("a") is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", (3,)), ("312", (3, 12)), ("3.12", (3, 12)), ("3.12.1", (3, 12, 1)), ("", None)],
)
def test_python_version_info(text: str, expected: tuple[int, ...] | None) -> None:
    assert pip_options.python_version_info(text) == expected


def test_defaults_are_fresh_for_every_parse() -> None:
    parse("install", "--use-feature", "fast-deps", "--group", "dev", "-C", "a=b")
    settings = parse("install")
    assert settings.values["features_enabled"] == []
    assert settings.values["dependency_groups"] == []
    assert settings.values["config_settings"] is None


def test_redact_url() -> None:
    assert redact_url("https://user:secret@example.org/simple") == "https://user:****@example.org/simple"
    assert redact_url("https://token@example.org/") == "https://****@example.org/"
    assert redact_url("https://example.org/") == "https://example.org/"


# -- start-up stays light ------------------------------------------------------------------------------------
PROBE = """
import contextlib, io, json, sys
from pipcompat.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["pip", "-V"], 0), (["pip", "list", "--help"], 0), (["pip", "install", "--no-such"], 2), (["pip"], 0)],
    ids=argv_id,
)
def test_parsing_imports_no_heavy_module(argv: list[str], status: int, tmp_path: Path) -> None:
    env = {
        "PIP_CONFIG_FILE": os.devnull,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["status"] == status
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & {"requests", "urllib3", "resolvelib", "rich", "pip"}


# -- documentation -------------------------------------------------------------------------------------------
def test_docs_list_every_option_of_every_command() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, spec in pip_options.ALL_COMMANDS.items():
        assert f"### `{name}`" in text, name
        for option_spec in spec.options:
            for flag in option_spec.flags:
                assert f"`{flag}`" in text, f"{name}: {flag}"
