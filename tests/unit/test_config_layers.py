"""Every configuration layer, each checked through a parser by the *effective* value it produces.

The parser is built here with a handful of options declared the way pip declares them (store, append,
count, store_true, the ``--no-cache-dir`` callback), so these tests do not depend on the full option tables.
A few setups are also resolved by the real pip 26.3 in a subprocess and compared.
"""

from __future__ import annotations

import json
import optparse
import os
import subprocess
import sys
import venv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pipcompat.cli.parser import OptionParser, strtobool
from pipcompat.config import command_sections, load_config_values, pipcompat_table, pipconf
from pipcompat.errors import ConfigurationError
from pipcompat.models import ConfigValue

PIP_DEFAULT_CACHE = "<pip's cache>"


# -- a parser with pip's kinds of options -------------------------------------------------------------------
def _no_cache_dir(option: optparse.Option, opt: str, value: str | None, parser: OptionParser) -> None:
    if value is not None:
        try:
            strtobool(value)
        except ValueError as exc:
            parser.error(f"invalid --no-cache-dir value: {exc}")
    assert parser.values is not None
    parser.values.cache_dir = False


def make_parser(config: Sequence[ConfigValue], name: str = "install") -> OptionParser:
    parser = OptionParser(name=name, config=config)
    parser.add_option("--isolated", dest="isolated_mode", action="store_true", default=False)
    parser.add_option("-i", "--index-url", "--pypi-url", dest="index_url", default="https://pypi.org/simple")
    parser.add_option("--extra-index-url", dest="extra_index_urls", action="append", default=[])
    parser.add_option("-f", "--find-links", dest="find_links", action="append", default=[])
    parser.add_option("--cache-dir", dest="cache_dir", type="path", default=PIP_DEFAULT_CACHE)
    parser.add_option("--no-cache-dir", dest="cache_dir", action="callback", callback=_no_cache_dir)
    parser.add_option("-v", "--verbose", dest="verbose", action="count", default=0)
    parser.add_option("--pre", dest="pre", action="store_true", default=False)
    parser.add_option("--timeout", "--default-timeout", dest="timeout", type="float", default=15)
    parser.add_option("--no-deps", dest="ignore_dependencies", action="store_true", default=False)
    parser.add_option("--cert", dest="cert", type="path", default=None)
    return parser


class Sandbox:
    """A home, XDG directories, a system directory, a virtual environment and a project, all in tmp."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.xdg_dirs = root / "xdg"
        self.etc = root / "etc"
        self.venv = root / "venv"
        self.project = root / "project"
        for path in (self.home, self.xdg_dirs, self.etc, self.venv, self.project):
            path.mkdir(parents=True)
        self.environ: dict[str, str] = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_DIRS": str(self.xdg_dirs),
            "VIRTUAL_ENV": str(self.venv),
        }

    # files at each level
    @property
    def global_file(self) -> Path:
        return self.xdg_dirs / "pip" / "pip.conf"

    @property
    def etc_file(self) -> Path:
        return self.etc / "pip.conf"

    @property
    def legacy_user_file(self) -> Path:
        return self.home / ".pip" / "pip.conf"

    @property
    def user_file(self) -> Path:
        return self.home / ".config" / "pip" / "pip.conf"

    @property
    def site_file(self) -> Path:
        return self.venv / "pip.conf"

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def values(
        self, command: str = "install", *, isolated: bool = False, cwd: Path | None = None
    ) -> list[ConfigValue]:
        return load_config_values(command, isolated=isolated, environ=self.environ, cwd=cwd or self.project)

    def effective(
        self, argv: Sequence[str] = (), *, command: str = "install", cwd: Path | None = None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Parse *argv* with every layer as defaults; return ``(values, origins)``."""
        config = self.values(command, isolated="--isolated" in argv, cwd=cwd)
        parser = make_parser(config)
        values, _args = parser.parse_args(list(argv))
        return vars(values), dict(parser.origins)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = Sandbox(tmp_path)
    # This machine's /etc/pip.conf must not leak in: the system directory moves into the sandbox.
    monkeypatch.setattr(pipconf, "SYSTEM_CONFIG_DIR", str(box.etc))
    return box


def test_no_configuration_gives_pips_defaults(sandbox: Sandbox) -> None:
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://pypi.org/simple"
    assert values["find_links"] == []
    assert values["cache_dir"] == PIP_DEFAULT_CACHE
    assert origins["index_url"] == "default"
    assert sandbox.values() == []


# -- pip.conf levels ---------------------------------------------------------------------------------------
def test_global_file_from_xdg_config_dirs(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\nindex-url = https://global.example/simple\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://global.example/simple"
    assert origins["index_url"] == f"{sandbox.global_file} [global]"


def test_system_file_overrides_xdg_global_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\nindex-url = https://xdg.example\ntimeout = 3\n")
    sandbox.write(sandbox.etc_file, "[global]\nindex-url = https://etc.example\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://etc.example"
    assert origins["index_url"] == f"{sandbox.etc_file} [global]"
    assert values["timeout"] == 3.0


def test_later_xdg_config_dir_wins_as_in_pip(sandbox: Sandbox) -> None:
    first, second = sandbox.root / "first", sandbox.root / "second"
    sandbox.write(first / "pip" / "pip.conf", "[global]\nindex-url = https://first.example\n")
    sandbox.write(second / "pip" / "pip.conf", "[global]\nindex-url = https://second.example\n")
    sandbox.environ["XDG_CONFIG_DIRS"] = f"{first}{os.pathsep}relative/ignored{os.pathsep}{second}"
    values, _ = sandbox.effective()
    assert values["index_url"] == "https://second.example"


def test_default_xdg_config_dirs_is_etc_xdg(sandbox: Sandbox) -> None:
    del sandbox.environ["XDG_CONFIG_DIRS"]
    files = pipconf.config_file_locations(sandbox.environ)[pipconf.Kind.GLOBAL]
    assert files == ["/etc/xdg/pip/pip.conf", str(sandbox.etc_file)]


def test_legacy_user_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\nindex-url = https://global.example\n")
    sandbox.write(sandbox.legacy_user_file, "[global]\nindex-url = https://legacy.example\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://legacy.example"
    assert origins["index_url"] == f"{sandbox.legacy_user_file} [global]"


def test_xdg_user_file_overrides_legacy_user_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.legacy_user_file, "[global]\nindex-url = https://legacy.example\ntimeout = 7\n")
    sandbox.write(sandbox.user_file, "[global]\nindex-url = https://user.example\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://user.example"
    assert origins["index_url"] == f"{sandbox.user_file} [global]"
    assert values["timeout"] == 7.0


def test_xdg_config_home_moves_the_user_file(sandbox: Sandbox) -> None:
    config_home = sandbox.root / "config-home"
    sandbox.environ["XDG_CONFIG_HOME"] = str(config_home)
    sandbox.write(sandbox.user_file, "[global]\nindex-url = https://not-read.example\n")
    sandbox.write(config_home / "pip" / "pip.conf", "[global]\nindex-url = https://xdg-home.example\n")
    values, _ = sandbox.effective()
    assert values["index_url"] == "https://xdg-home.example"


def test_relative_xdg_config_home_is_ignored(sandbox: Sandbox) -> None:
    sandbox.environ["XDG_CONFIG_HOME"] = "relative"
    sandbox.write(sandbox.user_file, "[global]\nindex-url = https://user.example\n")
    values, _ = sandbox.effective()
    assert values["index_url"] == "https://user.example"


def test_site_file_overrides_user_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\nindex-url = https://user.example\n")
    sandbox.write(sandbox.site_file, "[global]\nindex-url = https://site.example\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://site.example"
    assert origins["index_url"] == f"{sandbox.site_file} [global]"


def test_site_file_without_virtual_env_is_sys_prefix(sandbox: Sandbox) -> None:
    del sandbox.environ["VIRTUAL_ENV"]
    site = pipconf.config_file_locations(sandbox.environ)[pipconf.Kind.SITE]
    assert site == [os.path.join(sys.prefix, "pip.conf")]


def test_site_prefix_argument_names_the_target_environment(sandbox: Sandbox) -> None:
    target = sandbox.root / "target"
    sandbox.write(target / "pip.conf", "[global]\nindex-url = https://target.example\n")
    config = load_config_values(
        "install", isolated=False, environ=sandbox.environ, cwd=sandbox.project, site_prefix=target
    )
    assert [(v.key, v.value) for v in config] == [("index-url", "https://target.example")]


def test_pip_config_file_overrides_site_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.site_file, "[global]\nindex-url = https://site.example\n")
    extra = sandbox.write(sandbox.root / "extra.conf", "[global]\nindex-url = https://extra.example\n")
    sandbox.environ["PIP_CONFIG_FILE"] = str(extra)
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://extra.example"
    assert origins["index_url"] == f"{extra} [global]"


def test_existing_pip_config_file_skips_user_files(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\ntimeout = 7\nindex-url = https://user.example\n")
    sandbox.write(sandbox.legacy_user_file, "[global]\nfind-links = legacy\n")
    sandbox.write(sandbox.global_file, "[global]\nfind-links = global\n")
    extra = sandbox.write(sandbox.root / "extra.conf", "[global]\nindex-url = https://extra.example\n")
    sandbox.environ["PIP_CONFIG_FILE"] = str(extra)
    values, _ = sandbox.effective()
    assert values["timeout"] == 15  # the user file was not read at all
    assert values["find_links"] == ["global"]
    assert values["index_url"] == "https://extra.example"


def test_missing_pip_config_file_keeps_user_files(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\ntimeout = 7\n")
    sandbox.environ["PIP_CONFIG_FILE"] = str(sandbox.root / "missing.conf")
    values, _ = sandbox.effective()
    assert values["timeout"] == 7.0


def test_relative_pip_config_file_is_relative_to_cwd(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.project / "here.conf", "[global]\ntimeout = 4\n")
    sandbox.environ["PIP_CONFIG_FILE"] = "here.conf"
    values, origins = sandbox.effective()
    assert values["timeout"] == 4.0
    assert origins["timeout"] == "here.conf [global]"


def test_pip_config_file_devnull_loads_no_file_at_all(sandbox: Sandbox) -> None:
    for path in (sandbox.global_file, sandbox.etc_file, sandbox.user_file, sandbox.site_file):
        sandbox.write(path, "[global]\nindex-url = https://file.example\n")
    sandbox.environ["PIP_CONFIG_FILE"] = os.devnull
    sandbox.environ["PIP_TIMEOUT"] = "9"
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://pypi.org/simple"
    assert origins["index_url"] == "default"
    assert values["timeout"] == 9.0  # variables still apply


# -- sections ---------------------------------------------------------------------------------------------
def test_command_section_beats_global_section_across_files(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[install]\nindex-url = https://install.example\n")
    sandbox.write(sandbox.user_file, "[global]\nindex-url = https://global.example\n")
    sandbox.write(sandbox.site_file, "[download]\nindex-url = https://download.example\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://install.example"
    assert origins["index_url"] == f"{sandbox.global_file} [install]"


def test_global_section_applies_when_command_section_lacks_the_key(sandbox: Sandbox) -> None:
    sandbox.write(
        sandbox.user_file, "[global]\ntimeout = 5\n\n[install]\npre = yes\n\n[download]\nno-deps = yes\n"
    )
    values, _ = sandbox.effective()
    assert (values["timeout"], values["pre"], values["ignore_dependencies"]) == (5.0, True, False)


def test_empty_value_in_a_later_file_removes_the_key(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\ntimeout = 5\nindex-url = https://global.example\n")
    sandbox.write(sandbox.user_file, "[global]\ntimeout =\n")
    values, origins = sandbox.effective()
    assert values["timeout"] == 15
    assert origins["timeout"] == "default"
    assert values["index_url"] == "https://global.example"


def test_keys_are_normalised_like_pip(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\nIndex_URL = https://upper.example\n--Timeout = 8\n")
    values, _ = sandbox.effective()
    assert values["index_url"] == "https://upper.example"
    assert values["timeout"] == 8.0


def test_keys_without_an_option_are_ignored(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\nno-such-option = 1\nupgrade-strategy = eager\n")
    values, _ = sandbox.effective()
    assert "no_such_option" not in values


def test_option_alias_spelling_in_a_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\ndefault-timeout = 6\n")
    values, _ = sandbox.effective()
    assert values["timeout"] == 6.0


@pytest.mark.parametrize(
    ("command", "sections", "table"),
    [
        ("install", ("global", "install", ":env:"), "install"),
        ("pip install", ("global", "install", ":env:"), "install"),
        ("download", ("global", "download", ":env:"), "download"),
        ("compile", ("global", "install", ":env:"), "compile"),
        ("pip-sync", ("global", "install", ":env:"), "sync"),
        ("venv", ("global", ":env:"), "venv"),
        ("global", ("global", ":env:"), None),
    ],
)
def test_command_names_map_to_sections(command: str, sections: tuple[str, ...], table: str | None) -> None:
    assert command_sections(command) == sections
    assert pipcompat_table(command) == table


def test_compile_reads_the_install_section(sandbox: Sandbox) -> None:
    sandbox.write(
        sandbox.user_file, "[install]\nindex-url = https://install.example\n[compile]\ntimeout = 1\n"
    )
    config = sandbox.values("compile")
    assert [(v.key, v.value) for v in config] == [("index-url", "https://install.example")]


def test_venv_reads_only_the_global_section(sandbox: Sandbox) -> None:
    sandbox.write(
        sandbox.user_file, "[global]\ntimeout = 2\n[install]\nindex-url = https://install.example\n"
    )
    sandbox.environ["PIP_NO_INPUT"] = "1"
    config = sandbox.values("venv")
    assert [(v.key, v.value) for v in config] == [("timeout", "2"), ("no-input", "1")]


# -- PIP_* variables --------------------------------------------------------------------------------------
def test_pip_variables_beat_every_file(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[install]\nindex-url = https://install.example\n")
    extra = sandbox.write(sandbox.root / "extra.conf", "[install]\nindex-url = https://extra.example\n")
    sandbox.environ["PIP_CONFIG_FILE"] = str(extra)
    sandbox.environ["PIP_INDEX_URL"] = "https://env.example"
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://env.example"
    assert origins["index_url"] == "PIP_INDEX_URL"


def test_empty_pip_variable_is_dropped_and_files_still_apply(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[global]\nindex-url = https://user.example\n")
    sandbox.environ["PIP_INDEX_URL"] = ""
    values, _ = sandbox.effective()
    assert values["index_url"] == "https://user.example"


def test_pip_version_and_help_are_not_configuration(sandbox: Sandbox) -> None:
    sandbox.environ.update({"PIP_VERSION": "1", "PIP_HELP": "1", "PIP_PRE": "yes"})
    assert [(v.key, v.origin) for v in sandbox.values()] == [("pre", "PIP_PRE")]


@pytest.mark.parametrize("value", ["false", "no", "0", "true", "1"])
def test_pip_no_cache_dir_disables_the_cache_whatever_its_value(sandbox: Sandbox, value: str) -> None:
    sandbox.environ["PIP_NO_CACHE_DIR"] = value
    values, origins = sandbox.effective()
    assert values["cache_dir"] is False
    assert origins["cache_dir"] == "PIP_NO_CACHE_DIR"


def test_pip_no_cache_dir_needs_a_boolean(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_NO_CACHE_DIR"] = "maybe"
    with pytest.raises(Exception, match="no-cache-dir"):
        sandbox.effective()


def test_pip_cache_dir_variable(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_CACHE_DIR"] = "~/elsewhere"
    values, _ = sandbox.effective()
    assert values["cache_dir"] == str(Path.home() / "elsewhere")  # type "path" expands ~ like pip


def test_space_separated_lists_in_variables(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_FIND_LINKS"] = "./a  https://b.example/links\n./c"
    sandbox.environ["PIP_EXTRA_INDEX_URL"] = "https://x.example https://y.example"
    values, _ = sandbox.effective()
    assert values["find_links"] == ["./a", "https://b.example/links", "./c"]
    assert values["extra_index_urls"] == ["https://x.example", "https://y.example"]


def test_command_line_appends_to_configured_list(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_FIND_LINKS"] = "a b"
    values, origins = sandbox.effective(["-f", "c"])
    assert values["find_links"] == ["a", "b", "c"]
    assert origins["find_links"] == "command line"


@pytest.mark.parametrize(("value", "expected"), [("2", 2), ("yes", 1), ("no", 0), ("0", 0)])
def test_pip_verbose_takes_a_count_or_a_boolean(sandbox: Sandbox, value: str, expected: int) -> None:
    sandbox.environ["PIP_VERBOSE"] = value
    values, _ = sandbox.effective()
    assert values["verbose"] == expected


def test_pip_verbose_adds_to_command_line_count(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_VERBOSE"] = "2"
    values, _ = sandbox.effective(["-v"])
    assert values["verbose"] == 3


def test_pip_verbose_rejects_negative_counts(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_VERBOSE"] = "-1"
    with pytest.raises(Exception, match="non-negative integer"):
        sandbox.effective()


def test_bad_boolean_names_where_it_came_from(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "[install]\npre = perhaps\n")
    with pytest.raises(Exception, match=r"perhaps is not a valid value for pre") as info:
        sandbox.effective()
    assert f"{sandbox.user_file} [install]" in str(info.value)


# -- --isolated -------------------------------------------------------------------------------------------
def test_isolated_ignores_user_files_and_variables_only(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\nfind-links = global\n")
    sandbox.write(sandbox.user_file, "[global]\ntimeout = 7\n")
    sandbox.write(sandbox.legacy_user_file, "[global]\nno-deps = yes\n")
    sandbox.write(sandbox.site_file, "[install]\npre = yes\n")
    extra = sandbox.write(sandbox.root / "extra.conf", "[global]\nindex-url = https://extra.example\n")
    sandbox.environ["PIP_CONFIG_FILE"] = str(extra)
    sandbox.environ["PIP_CERT"] = "/env/cert.pem"
    sandbox.environ["PIPCOMPAT_EXTRA_INDEX_URL"] = "https://pipcompat-env.example"
    values, _ = sandbox.effective(["--isolated"])
    assert values["find_links"] == ["global"]
    assert values["pre"] is True
    assert values["index_url"] == "https://extra.example"  # PIP_CONFIG_FILE is still read
    assert values["timeout"] == 15
    assert values["ignore_dependencies"] is False
    assert values["cert"] is None
    assert values["extra_index_urls"] == []


# -- pipcompat's own layers -------------------------------------------------------------------------------
def test_tool_pipcompat_beats_pip_variables(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_INDEX_URL"] = "https://env.example"
    sandbox.write(
        sandbox.project / "pyproject.toml", '[tool.pipcompat]\nindex-url = "https://project.example"\n'
    )
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://project.example"
    assert origins["index_url"] == f"{sandbox.project / 'pyproject.toml'} [tool.pipcompat]"


def test_tool_pipcompat_command_table_beats_top_level(sandbox: Sandbox) -> None:
    sandbox.write(
        sandbox.project / "pyproject.toml",
        """
[tool.pipcompat]
index-url = "https://top.example"
timeout = 9

[tool.pipcompat.install]
index-url = "https://install.example"

[tool.pipcompat.download]
timeout = 1
""",
    )
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://install.example"
    assert origins["index_url"] == f"{sandbox.project / 'pyproject.toml'} [tool.pipcompat.install]"
    assert values["timeout"] == 9.0


def test_toml_values_are_converted_for_pips_conversions(sandbox: Sandbox) -> None:
    sandbox.write(
        sandbox.project / "pyproject.toml",
        """
[tool.pipcompat]
find_links = ["./wheels", "https://example.org/links"]
pre = true
no-deps = false
timeout = 2.5
verbose = 2
no-cache-dir = true
extra-index-url = []
cert = ""
""",
    )
    values, _ = sandbox.effective()
    assert values["find_links"] == ["./wheels", "https://example.org/links"]
    assert (values["pre"], values["ignore_dependencies"], values["timeout"], values["verbose"]) == (
        True,
        False,
        2.5,
        2,
    )
    assert values["cache_dir"] is False
    assert values["extra_index_urls"] == []
    assert values["cert"] is None


def test_pipcompat_toml_beats_tool_pipcompat_in_the_same_directory(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.project / "pyproject.toml", '[tool.pipcompat]\nindex-url = "https://pyproject"\n')
    sandbox.write(sandbox.project / "pipcompat.toml", 'index-url = "https://own"\n[install]\ntimeout = 3\n')
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://own"
    assert origins["index_url"] == str(sandbox.project / "pipcompat.toml")
    assert origins["timeout"] == f"{sandbox.project / 'pipcompat.toml'} [install]"


def test_project_files_are_found_from_a_subdirectory(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.project / "pipcompat.toml", 'index-url = "https://project"\n')
    sub = sandbox.project / "src" / "pkg"
    sub.mkdir(parents=True)
    values, _ = sandbox.effective(cwd=sub)
    assert values["index_url"] == "https://project"


def test_search_stops_at_the_nearest_pyproject(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.project / "pipcompat.toml", 'index-url = "https://outer"\n')
    inner = sandbox.project / "inner"
    sandbox.write(inner / "pyproject.toml", '[project]\nname = "inner"\n')
    values, _ = sandbox.effective(cwd=inner)
    assert values["index_url"] == "https://pypi.org/simple"


def test_user_pipcompat_toml_is_below_the_project(sandbox: Sandbox) -> None:
    user = sandbox.write(
        sandbox.home / ".config" / "pipcompat" / "pipcompat.toml", 'index-url = "https://user"\ntimeout = 4\n'
    )
    sandbox.write(sandbox.project / "pipcompat.toml", 'index-url = "https://project"\n')
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://project"
    assert values["timeout"] == 4.0
    assert origins["timeout"] == str(user)


def test_user_pipcompat_toml_is_ignored_when_isolated(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.home / ".config" / "pipcompat" / "pipcompat.toml", "timeout = 4\n")
    sandbox.write(sandbox.project / "pipcompat.toml", "pre = true\n")
    values, _ = sandbox.effective(["--isolated"])
    assert values["timeout"] == 15
    assert values["pre"] is True


def test_pipcompat_variables_beat_toml_and_pip_variables(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_INDEX_URL"] = "https://pip-env"
    sandbox.write(sandbox.project / "pipcompat.toml", 'index-url = "https://toml"\n')
    sandbox.environ["PIPCOMPAT_INDEX_URL"] = "https://pipcompat-env"
    sandbox.environ["PIPCOMPAT_TIMEOUT"] = ""
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://pipcompat-env"
    assert origins["index_url"] == "PIPCOMPAT_INDEX_URL"
    assert values["timeout"] == 15


def test_pipcompat_cache_dir_variable_is_the_cache_dir_option(sandbox: Sandbox) -> None:
    sandbox.environ["PIP_CACHE_DIR"] = "/pip/cache"
    sandbox.environ["PIPCOMPAT_CACHE_DIR"] = "/pipcompat/cache"
    values, origins = sandbox.effective()
    assert values["cache_dir"] == "/pipcompat/cache"
    assert origins["cache_dir"] == "PIPCOMPAT_CACHE_DIR"


def test_command_line_beats_every_layer(sandbox: Sandbox) -> None:
    for path in (sandbox.global_file, sandbox.user_file, sandbox.site_file):
        sandbox.write(path, "[install]\nindex-url = https://file.example\n")
    sandbox.environ["PIP_INDEX_URL"] = "https://pip-env"
    sandbox.write(
        sandbox.project / "pyproject.toml", '[tool.pipcompat.install]\nindex-url = "https://toml"\n'
    )
    sandbox.environ["PIPCOMPAT_INDEX_URL"] = "https://pipcompat-env"
    sandbox.environ["PIPCOMPAT_NO_CACHE_DIR"] = "1"
    values, origins = sandbox.effective(["--index-url", "https://cli.example", "--cache-dir", "/cli/cache"])
    assert values["index_url"] == "https://cli.example"
    assert values["cache_dir"] == "/cli/cache"
    assert origins["index_url"] == origins["cache_dir"] == "command line"


def test_full_order_of_values(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\ntimeout = 1\n[install]\npre = no\n")
    sandbox.write(sandbox.user_file, "[install]\ntimeout = 2\n[global]\nindex-url = u\n")
    sandbox.environ["PIP_TIMEOUT"] = "3"
    sandbox.write(
        sandbox.project / "pyproject.toml",
        "[tool.pipcompat.install]\ntimeout = 4\n[tool.pipcompat]\npre = 1\n",
    )
    sandbox.environ["PIPCOMPAT_TIMEOUT"] = "5"
    pyproject = sandbox.project / "pyproject.toml"
    assert sandbox.values() == [
        ConfigValue("timeout", "1", f"{sandbox.global_file} [global]"),
        ConfigValue("index-url", "u", f"{sandbox.user_file} [global]"),
        ConfigValue("pre", "no", f"{sandbox.global_file} [install]"),
        ConfigValue("timeout", "2", f"{sandbox.user_file} [install]"),
        ConfigValue("timeout", "3", "PIP_TIMEOUT"),
        ConfigValue("pre", "1", f"{pyproject} [tool.pipcompat]"),
        ConfigValue("timeout", "4", f"{pyproject} [tool.pipcompat.install]"),
        ConfigValue("timeout", "5", "PIPCOMPAT_TIMEOUT"),
    ]


# -- errors -----------------------------------------------------------------------------------------------
def _one_line_error(sandbox: Sandbox, path: Path) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        sandbox.values()
    error = info.value
    assert str(path) in error.message
    assert "\n" not in error.message
    assert error.exit_code == 2
    return error


def test_ini_without_section_header(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.user_file, "index-url = https://x\n")
    error = _one_line_error(sandbox, sandbox.user_file)
    assert "line 1" in error.message


def test_ini_with_unparsable_line(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\nindex-url = x\nnonsense\n")
    error = _one_line_error(sandbox, sandbox.global_file)
    assert "line 3" in error.message and "nonsense" in error.message


def test_ini_with_duplicate_option(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.site_file, "[global]\ntimeout = 1\nTimeout = 2\n")
    _one_line_error(sandbox, sandbox.site_file)


def test_undecodable_file(sandbox: Sandbox) -> None:
    sandbox.user_file.parent.mkdir(parents=True)
    sandbox.user_file.write_bytes(b"[global]\nindex-url = \xff\xfe\n")
    if pipconf._file_encoding().lower().replace("-", "") not in ("utf8",):
        pytest.skip("the locale's encoding decodes any byte")
    _one_line_error(sandbox, sandbox.user_file)


def test_unreadable_file(sandbox: Sandbox) -> None:
    sandbox.user_file.mkdir(parents=True)  # a directory where the file should be
    _one_line_error(sandbox, sandbox.user_file)


def test_bad_toml(sandbox: Sandbox) -> None:
    path = sandbox.write(sandbox.project / "pyproject.toml", "[tool.pipcompat\nindex-url = 1\n")
    error = _one_line_error(sandbox, path)
    assert "line 1" in error.message


def test_bad_user_toml(sandbox: Sandbox) -> None:
    path = sandbox.write(sandbox.home / ".config" / "pipcompat" / "pipcompat.toml", "timeout = \n")
    _one_line_error(sandbox, path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('find-links = ["a b"]', "whitespace"),
        ("find-links = [[1]]", "may only list"),
        ("when = 1979-05-27", "unsupported type"),
        ("[install.deeper]\npre = true", "is a table"),
    ],
)
def test_bad_toml_values(sandbox: Sandbox, text: str, problem: str) -> None:
    path = sandbox.write(sandbox.project / "pipcompat.toml", text + "\n")
    error = _one_line_error(sandbox, path)
    assert problem in error.message


def test_bad_value_in_another_commands_table_is_still_an_error(sandbox: Sandbox) -> None:
    path = sandbox.write(sandbox.project / "pipcompat.toml", '[download]\nfind-links = ["a b"]\n')
    _one_line_error(sandbox, path)


# -- the same setups resolved by pip 26.3 -----------------------------------------------------------------
PIP_PROBE = r"""
import json, sys
from pip._internal.commands import create_command
from pip._internal.locations import USER_CACHE_DIR
argv = json.loads(sys.argv[1])
command = create_command("install", isolated="--isolated" in argv)
options, _ = command.parser.parse_args(argv)
result = {dest: getattr(options, dest) for dest in json.loads(sys.argv[2])}
if result.get("cache_dir") == USER_CACHE_DIR:
    result["cache_dir"] = None
print(json.dumps(result))
"""

COMPARED = ["index_url", "extra_index_urls", "find_links", "cache_dir", "verbose", "pre", "timeout", "cert"]


def _pip_env(root: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "XDG_CONFIG_DIRS": str(root / "xdg"),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p.endswith("site-packages")),
    }
    env.update(extra)
    return env


def _compare_with_pip(root: Path, venv_dir: Path, env: dict[str, str], argv: list[str]) -> None:
    python = venv_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    done = subprocess.run(
        [str(python), "-c", PIP_PROBE, json.dumps(argv), json.dumps(COMPARED)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    expected = json.loads(done.stdout)
    config = load_config_values(
        "install", isolated="--isolated" in argv, environ=env, cwd=root, site_prefix=venv_dir
    )
    values, _ = make_parser(config).parse_args(argv)
    actual = {dest: getattr(values, dest) for dest in COMPARED}
    if actual["cache_dir"] == PIP_DEFAULT_CACHE:
        actual["cache_dir"] = None
    assert actual == expected


@pytest.fixture
def pip_root(tmp_path: Path) -> tuple[Path, Path]:
    """A sandbox root and a virtual environment (without pip) whose prefix holds the site file."""
    root = tmp_path / "pipcmp"
    for sub in ("home", "xdg", "project"):
        (root / sub).mkdir(parents=True)
    venv_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(venv_dir)
    return root, venv_dir


PIP_SETUPS: list[tuple[str, dict[str, str], dict[str, str], list[str]]] = [
    (
        "files-and-sections",
        {
            "xdg/pip/pip.conf": "[global]\nindex-url = https://global\ntimeout = 5\n[install]\npre = yes\n",
            "home/.pip/pip.conf": "[global]\nfind-links = a b\ntimeout =\n",
            "home/.config/pip/pip.conf": "[install]\nindex-url = https://user-install\n",
            "venv/pip.conf": "[global]\nextra-index-url = https://site\n[download]\npre = no\n",
        },
        {},
        [],
    ),
    (
        "variables",
        {"home/.config/pip/pip.conf": "[install]\nindex-url = https://file\nverbose = 1\n"},
        {
            "PIP_INDEX_URL": "https://env",
            "PIP_FIND_LINKS": "x  y",
            "PIP_NO_CACHE_DIR": "false",
            "PIP_VERBOSE": "2",
            "PIP_PRE": "",
            "PIP_VERSION": "1",
        },
        ["-v", "--find-links", "z"],
    ),
    (
        "pip-config-file",
        {
            "home/.config/pip/pip.conf": "[global]\ntimeout = 7\n",
            "venv/pip.conf": "[global]\nindex-url = https://site\n",
            "extra.conf": "[install]\nindex-url = https://extra\n[global]\nfind-links = e\n",
        },
        {"PIP_CONFIG_FILE": "extra.conf"},
        [],
    ),
    (
        "devnull",
        {"home/.config/pip/pip.conf": "[global]\ntimeout = 7\n", "venv/pip.conf": "[global]\npre = yes\n"},
        {"PIP_CONFIG_FILE": os.devnull, "PIP_TIMEOUT": "3"},
        [],
    ),
    (
        "isolated",
        {
            "xdg/pip/pip.conf": "[global]\nfind-links = g\n",
            "home/.config/pip/pip.conf": "[global]\ntimeout = 7\n",
            "venv/pip.conf": "[install]\npre = yes\n",
        },
        {"PIP_INDEX_URL": "https://env"},
        ["--isolated"],
    ),
    (
        "cache-dir",
        {"home/.config/pip/pip.conf": "[global]\ncache-dir = /somewhere/cache\n"},
        {"PIP_EXTRA_INDEX_URL": "https://one https://two"},
        ["--timeout", "9"],
    ),
]


@pytest.mark.parametrize(
    ("files", "env", "argv"), [s[1:] for s in PIP_SETUPS], ids=[s[0] for s in PIP_SETUPS]
)
def test_same_effective_values_as_pip(
    pip_root: tuple[Path, Path], files: dict[str, str], env: dict[str, str], argv: list[str]
) -> None:
    root, venv_dir = pip_root
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _compare_with_pip(root, venv_dir, _pip_env(root, env), argv)


def test_a_broken_pyproject_that_cannot_hold_pipcompat_settings_is_passed_over(sandbox: Sandbox) -> None:
    sandbox.write(sandbox.global_file, "[global]\nindex-url = https://global.example\n")
    sandbox.write(sandbox.project / "pyproject.toml", "[project\nname = 'broken'\n")
    values, origins = sandbox.effective()
    assert values["index_url"] == "https://global.example"
    assert origins["index_url"] == f"{sandbox.global_file} [global]"


def test_a_broken_pyproject_that_mentions_pipcompat_is_an_error_naming_it(sandbox: Sandbox) -> None:
    path = sandbox.write(sandbox.project / "pyproject.toml", '[tool.pipcompat\nindex-url = "x"\n')
    with pytest.raises(ConfigurationError, match="could not be loaded") as caught:
        sandbox.effective()
    assert str(path) in str(caught.value)
