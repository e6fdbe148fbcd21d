"""pip-tools' configuration files and variables, read as pip-compile/pip-sync 7.6.2 read them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pipcompat.cli.piptools import _validate_config_value
from pipcompat.cli.piptools_options import SPECS, known_config_keys
from pipcompat.config.piptools import (
    CONFIG_FILE_NAMES,
    PipToolsConfigValue,
    default_cache_dir,
    environment_values,
    find_config_file,
    load_piptools_config,
    long_option_for,
    normalise_key,
    read_config_file,
    render_value,
)
from pipcompat.errors import ConfigurationError, UsageError


def _read(path: Path, command: str = "compile", *, validate: bool = True) -> dict[str, Any]:
    cwd = path.parent
    values = read_config_file(
        path,
        command,
        cwd=cwd,
        long_options=SPECS[command].long_options,
        known_keys=known_config_keys(),
        validate=(lambda name, value: _validate_config_value(name, value, cwd, command))
        if validate
        else None,
    )
    assert all(isinstance(item, PipToolsConfigValue) for item in values)
    return {item.key: item.data for item in values}


def _write(tmp_path: Path, text: str, name: str = "pyproject.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- finding the file ----------------------------------------------------------------------------------
def test_lookup_prefers_pip_tools_toml_then_pyproject(tmp_path: Path) -> None:
    assert CONFIG_FILE_NAMES == (".pip-tools.toml", "pyproject.toml")
    assert find_config_file(tmp_path) is None
    _write(tmp_path, "")
    assert find_config_file(tmp_path) == Path("pyproject.toml")
    _write(tmp_path, "", ".pip-tools.toml")
    assert find_config_file(tmp_path) == Path(".pip-tools.toml")


def test_lookup_ignores_directories_and_looks_next_to_given_sources(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").mkdir()
    assert find_config_file(tmp_path) is None
    sub = tmp_path / "sub"
    sub.mkdir()
    _write(sub, "", ".pip-tools.toml")
    (sub / "requirements.in").write_text("", encoding="utf-8")
    assert find_config_file(tmp_path, ["sub/requirements.in"]) == Path("sub/.pip-tools.toml")
    outside = tmp_path / "outside"
    outside.mkdir()
    _write(outside, "")
    assert find_config_file(sub, ["../outside"]) == (outside / "pyproject.toml").resolve()


# -- reading it ----------------------------------------------------------------------------------------
def test_keys_are_normalised_and_mapped_to_parameter_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[tool.pip-tools]
Dry-Run = true
"--quiet" = 1
upgrade-package = ["a"]
extra = ["dev"]
pip-args = "--no-deps"
resolver = "legacy"
user_only = true
build-deps-for = ["wheel"]
""",
    )
    assert _read(path) == {
        "dry_run": True,
        "quiet": 1,
        "upgrade_packages": ["a"],
        "extras": ["dev"],
        "pip_args_str": "--no-deps",
        "resolver_name": "legacy",
        "user_only": True,
        "build_deps_targets": ["wheel"],
    }


def test_negative_spellings_invert_booleans_only(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[tool.pip-tools]
no-header = true
no_annotate = false
no-emit-index-url = "yes"
no-index = true
no_extras = ["x"]
""",
    )
    assert _read(path) == {
        "header": False,
        "annotate": True,
        "emit_index_url": "yes",
        "no_index": True,
        "extras": ["x"],
    }


def test_no_config_in_a_file_becomes_a_bad_config_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "[tool.pip-tools]\nno-config = true\n")
    assert _read(path, validate=False) == {"config": False}
    with pytest.raises(UsageError) as caught:
        _read(path)
    assert caught.value.exit_code == 2


def test_command_table_overrides_and_other_table_is_dropped(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[tool.pip-tools]
dry-run = false
verbose = 1

[tool.pip-tools.compile]
dry_run = true
annotation-style = "line"

[tool.pip-tools.sync]
ask = true
""",
    )
    assert _read(path, "compile") == {"dry_run": True, "verbose": 1, "annotation_style": "line"}
    assert _read(path, "sync") == {"dry_run": False, "verbose": 1, "ask": True}
    values = read_config_file(
        Path("pyproject.toml"),
        "compile",
        cwd=tmp_path,
        long_options=SPECS["compile"].long_options,
        known_keys=known_config_keys(),
    )
    origins = {item.key: item.origin for item in values}
    assert origins == {
        "dry_run": "pyproject.toml [tool.pip-tools.compile]",
        "verbose": "pyproject.toml [tool.pip-tools]",
        "annotation_style": "pyproject.toml [tool.pip-tools.compile]",
    }


def test_unknown_keys_are_usage_errors_with_a_suggestion(tmp_path: Path) -> None:
    path = _write(tmp_path, "[tool.pip-tools]\nuser = true\n")
    assert _read(path, "sync") == {"user_only": True}
    with pytest.raises(UsageError) as caught:
        _read(path, "compile")
    assert "'user'" in caught.value.message
    assert caught.value.hint is not None and "user_only" in caught.value.hint
    # pip-sync has no --extra, so the spelling is not mapped and the key is unknown there (as in pip-tools)
    extra = _write(tmp_path, "[tool.pip-tools]\nextra = ['dev']\n", "extra.toml")
    assert _read(extra, "compile") == {"extras": ["dev"]}
    with pytest.raises(UsageError):
        _read(extra, "sync")


@pytest.mark.parametrize(
    "line",
    [
        "header = 1",
        "max-rounds = 'many'",
        "verbose = -1",
        "extra = 'dev'",
        "annotation-style = 'inline'",
        "pre = 'maybe'",
        "src-files = ['missing.in']",
        "config = 'missing.toml'",
    ],
)
def test_values_either_command_would_refuse_are_usage_errors(tmp_path: Path, line: str) -> None:
    path = _write(tmp_path, f"[tool.pip-tools]\n{line}\n")
    with pytest.raises(UsageError) as caught:
        _read(path)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("header = 'yes'", {"header": "yes"}),
        ("max-rounds = '5'", {"max_rounds": "5"}),
        ("max-rounds = 5.5", {"max_rounds": 5.5}),
        ("verbose = true", {"verbose": True}),
        ("index-url = 5", {"index_url": 5}),
        ("newline = 'lf'", {"newline": "lf"}),
        ("help = true", {"help": True}),
    ],
)
def test_values_click_would_convert_are_kept_as_written(
    tmp_path: Path, line: str, expected: dict[str, Any]
) -> None:
    assert _read(_write(tmp_path, f"[tool.pip-tools]\n{line}\n")) == expected


def test_unreadable_or_broken_files_are_configuration_errors(tmp_path: Path) -> None:
    broken = _write(tmp_path, "[tool.pip-tools\n")
    with pytest.raises(ConfigurationError) as caught:
        _read(broken)
    assert caught.value.exit_code == 1
    not_a_table = _write(tmp_path, "[tool]\npip-tools = 3\n", "odd.toml")
    with pytest.raises(ConfigurationError):
        _read(not_a_table)
    bad_section = _write(tmp_path, "[tool.pip-tools]\ncompile = 1\n", "odd2.toml")
    with pytest.raises(ConfigurationError):
        _read(bad_section)
    with pytest.raises(ConfigurationError):
        _read(tmp_path / "missing.toml")


def test_file_without_a_pip_tools_table_sets_nothing(tmp_path: Path) -> None:
    assert _read(_write(tmp_path, "[project]\nname = 'x'\n")) == {}


# -- against pip-tools itself --------------------------------------------------------------------------
CASES = [
    "dry-run = true\nno-header = true",
    "Dry-Run = true\n'--verbose' = 2",
    "no-index = true\nno-emit-options = false",
    "extra = ['a', 'b']\nall-extras = false",
    "upgrade-package = ['x']\nupgrade_packages = ['y']",
    "dry-run = false\n[tool.pip-tools.compile]\ndry_run = true",
    "dry_run = false\n[tool.pip-tools.compile]\ndry-run = true",
    "[tool.pip-tools.sync]\nask = true\n[tool.pip-tools.compile]\nrebuild = true",
    "no-header = 'yes'",
    "resolver = 'legacy'\ncache-dir = 'x'",
    "pip-args = '-v'\nmax-rounds = 3",
    "no_extras = ['x']",
    "newline = 'crlf'\nannotation-style = 'line'",
    "user = true",
    "python-executable = 'py'\nforce = true",
]


@pytest.mark.parametrize("command", ["compile", "sync"])
@pytest.mark.parametrize("body", CASES)
def test_same_defaults_as_pip_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, body: str
) -> None:
    click = pytest.importorskip("click")
    utils = pytest.importorskip("piptools.utils")
    from piptools.scripts.compile import cli as compile_cli
    from piptools.scripts.sync import cli as sync_cli

    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, f"[tool.pip-tools]\n{body}\n")
    cli = compile_cli if command == "compile" else sync_cli
    ctx = click.Context(cli)
    theirs: dict[str, Any] | None = utils.parse_config_file(ctx, path)
    try:
        assert theirs is not None
        utils._validate_config(ctx, theirs)
    except click.UsageError:
        theirs = None
    try:
        ours: dict[str, Any] | None = _read(path, command)
    except UsageError:
        ours = None
    assert ours == theirs


# -- environment and the rest --------------------------------------------------------------------------
def test_environment_values_skip_empty_variables() -> None:
    values = environment_values({"PIP_TOOLS_RESOLVER": "legacy", "PIP_TOOLS_CACHE_DIR": "", "PIP_X": "1"})
    assert [(item.key, item.value, item.origin) for item in values] == [
        ("resolver_name", "legacy", "PIP_TOOLS_RESOLVER")
    ]


def test_load_reads_environment_even_without_a_file(tmp_path: Path) -> None:
    _write(tmp_path, "[tool.pip-tools]\ndry-run = true\n")
    common: dict[str, Any] = {
        "cwd": tmp_path,
        "environ": {"PIP_TOOLS_CACHE_DIR": "/c"},
        "long_options": SPECS["compile"].long_options,
        "known_keys": known_config_keys(),
    }
    loaded = load_piptools_config("compile", config_file=None, no_config=False, **common)
    assert loaded.path == Path("pyproject.toml")
    assert [item.key for item in loaded.values] == ["dry_run", "cache_dir"]
    skipped = load_piptools_config("compile", config_file="pyproject.toml", no_config=True, **common)
    assert skipped.path is None
    assert [item.key for item in skipped.values] == ["cache_dir"]


def test_default_cache_dir_per_platform() -> None:
    assert default_cache_dir({"HOME": "/h"}, "linux") == "/h/.cache/pip-tools"
    assert default_cache_dir({"HOME": "/h", "XDG_CACHE_HOME": "/x"}, "linux") == "/x/pip-tools"
    assert default_cache_dir({"HOME": "/h", "XDG_CACHE_HOME": "  "}, "linux") == "/h/.cache/pip-tools"
    assert default_cache_dir({"HOME": "/h"}, "darwin") == "/h/Library/Caches/pip-tools"
    windows = default_cache_dir({"HOME": "/h", "LOCALAPPDATA": "/l"}, "win32")
    assert windows == os.path.join(os.path.normpath("/l"), "pip-tools", "Cache")


def test_key_spelling_helpers_and_rendering() -> None:
    assert normalise_key("--Upgrade-Package") == "upgrade_package"
    assert long_option_for("upgrade_package") == "--upgrade-package"
    assert render_value(True) == "true"
    assert render_value(["a", 1, False]) == "['a', 1, false]"
    assert render_value("x") == "x"
    assert render_value({"a": 1}) == "{a = 1}"
