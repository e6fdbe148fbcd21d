"""Typed settings built from a CommandSettings, ``--show-settings`` rendering, and the variables' docs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from pipcompat import envvars
from pipcompat.settings import (
    CommandSettings,
    ConfigCommandSettings,
    GeneralSettings,
    IndexSettings,
    InstallSettings,
    ListSettings,
    OutputSettings,
    ResolverSettings,
    default_cache_dir,
    families_for,
    redact,
    render_settings,
    render_value,
    settings_families,
)

REPO = Path(__file__).resolve().parents[2]


def make(
    values: dict[str, Any] | None = None,
    origins: dict[str, str] | None = None,
    *,
    command: str = "pip install",
    args: tuple[str, ...] = (),
) -> CommandSettings:
    values = values or {}
    all_origins = {dest: "default" for dest in values}
    all_origins.update(origins or {})
    return CommandSettings(command, args, values, all_origins)


ENV = {"HOME": "/home/someone"}


# -- CommandSettings -----------------------------------------------------------------------------------------
def test_command_settings_is_frozen_and_keeps_its_api() -> None:
    settings = CommandSettings("pip hash", ("a",), {"algorithm": "sha256"}, {"algorithm": "default"}, {})
    assert settings.get("algorithm") == "sha256"
    assert settings.get("missing", 5) == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.command = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.values["algorithm"] = "md5"  # type: ignore[index]


# -- GeneralSettings -----------------------------------------------------------------------------------------
def test_absent_destinations_get_pips_defaults() -> None:
    general = GeneralSettings.from_settings(make(), ENV)
    assert general.verbosity == 0
    assert general.timeout == 15.0
    assert general.retries == 5
    assert general.keyring_provider == "auto"
    assert general.trusted_hosts == ()
    assert general.cache_dir == Path("/home/someone/.cache/pipcompat")
    assert set(general.origins.values()) == {"default"}


def test_verbosity_is_verbose_minus_quiet() -> None:
    settings = make({"verbose": 1, "quiet": 3}, {"quiet": "command line"})
    general = GeneralSettings.from_settings(settings, ENV)
    assert general.verbosity == -2
    assert general.origins["verbosity"] == "command line"


def test_general_values_are_typed() -> None:
    settings = make(
        {
            "isolated_mode": True,
            "require_venv": True,
            "timeout": "30",
            "retries": 2,
            "trusted_hosts": ["a", "b"],
            "exists_action": ["w"],
            "proxy": "",
            "cert": "/c.pem",
        },
        {"timeout": "PIP_TIMEOUT"},
    )
    general = GeneralSettings.from_settings(settings, ENV)
    assert general.isolated and general.require_virtualenv
    assert general.timeout == 30.0
    assert general.origins["timeout"] == "PIP_TIMEOUT"
    assert general.retries == 2
    assert general.trusted_hosts == ("a", "b")
    assert general.exists_action == ("w",)
    assert general.proxy == ""  # kept: pip 26 takes an empty --proxy as "no proxy, not the environment's"
    assert general.cert == "/c.pem"


def test_no_cache_dir_disables_the_cache() -> None:
    settings = make({"cache_dir": False}, {"cache_dir": "PIP_NO_CACHE_DIR"})
    general = GeneralSettings.from_settings(settings, ENV)
    assert general.cache_dir is None
    assert general.no_cache
    assert general.origins["cache_dir"] == "PIP_NO_CACHE_DIR"


def test_pips_default_cache_is_replaced_by_pipcompats() -> None:
    settings = make({"cache_dir": "/home/someone/.cache/pip"})
    assert GeneralSettings.from_settings(settings, ENV).cache_dir == Path("/home/someone/.cache/pipcompat")


def test_configured_cache_dir_is_kept() -> None:
    settings = make({"cache_dir": "~/c"}, {"cache_dir": "command line"})
    general = GeneralSettings.from_settings(settings, ENV)
    assert general.cache_dir == Path("~/c").expanduser()
    assert general.origins["cache_dir"] == "command line"


def test_pipcompat_cache_dir_sets_the_default_cache() -> None:
    env = {**ENV, "PIPCOMPAT_CACHE_DIR": "/fast/cache"}
    general = GeneralSettings.from_settings(make({"cache_dir": "/home/someone/.cache/pip"}), env)
    assert general.cache_dir == Path("/fast/cache")
    assert general.origins["cache_dir"] == "PIPCOMPAT_CACHE_DIR"


def test_no_color_variable() -> None:
    general = GeneralSettings.from_settings(make(), {**ENV, "NO_COLOR": ""})
    assert general.no_color
    assert general.origins["no_color"] == "NO_COLOR"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PIPCOMPAT_CACHE_DIR": "/x"}, "/x"),
        ({"HOME": "/h", "XDG_CACHE_HOME": "/xdg-cache"}, "/xdg-cache/pipcompat"),
        ({"HOME": "/h", "XDG_CACHE_HOME": "relative"}, "/h/.cache/pipcompat"),
        ({"HOME": "/h", "PIPCOMPAT_CACHE_DIR": ""}, "/h/.cache/pipcompat"),
    ],
)
def test_default_cache_dir(environ: dict[str, str], expected: str) -> None:
    if not expected.startswith("/x") and __import__("sys").platform in ("win32", "darwin"):
        pytest.skip("platformdirs decides elsewhere")
    assert default_cache_dir(environ) == Path(expected)


# -- other families ---------------------------------------------------------------------------------------
class _Pair:
    def __init__(self, **sets: set[str]) -> None:
        self.__dict__.update(sets)


def test_index_settings() -> None:
    settings = make(
        {
            "index_url": "https://mirror/simple",
            "extra_index_urls": ["https://x"],
            "find_links": ["./wheels"],
            "pre": True,
            "format_control": _Pair(no_binary={"b", "a"}, only_binary={":all:"}),
            "release_control": _Pair(all_releases={"pkg"}, only_final=set()),
        },
        {"index_url": "PIP_INDEX_URL", "format_control": "command line"},
    )
    index = IndexSettings.from_settings(settings, ENV)
    assert index.index_url == "https://mirror/simple"
    assert index.extra_index_urls == ("https://x",)
    assert index.find_links == ("./wheels",)
    assert index.pre
    assert index.no_binary == frozenset({"a", "b"})
    assert index.only_binary == frozenset({":all:"})
    assert index.all_releases == frozenset({"pkg"})
    assert index.origins["index_url"] == "PIP_INDEX_URL"
    assert index.origins["no_binary"] == index.origins["only_binary"] == "command line"
    assert index.index_strategy == "unsafe-best-match"


def test_index_settings_defaults() -> None:
    index = IndexSettings.from_settings(make(command="pip list"), ENV)
    assert index.index_url == "https://pypi.org/simple"
    assert index.no_binary == frozenset()


def test_resolver_and_install_settings() -> None:
    settings = make(
        {
            "requirements": ["r.txt"],
            "build_isolation": False,
            "python_version": (3, 12),
            "target_dir": "/t",
            "use_user_site": None,
            "upgrade": True,
            "compile": False,
            "json_report_file": "-",
        },
        {"target_dir": "command line"},
    )
    resolver = ResolverSettings.from_settings(settings, ENV)
    assert resolver.requirements == ("r.txt",)
    assert resolver.build_isolation is False
    assert resolver.python_version == "3.12"
    install = InstallSettings.from_settings(settings, ENV)
    assert install.target == Path("/t")
    assert install.origins["target"] == "command line"
    assert install.user is None
    assert install.upgrade and not install.compile
    assert install.report == "-"


def test_list_and_config_settings() -> None:
    listing = ListSettings.from_settings(
        make({"list_format": "json", "path": ["/p"], "excludes": ["x"]}), ENV
    )
    assert (listing.format, listing.paths, listing.excludes) == ("json", ("/p",), frozenset({"x"}))
    config = ConfigCommandSettings.from_settings(make({"user_file": True}, command="pip config"), ENV)
    assert config.user_file and not config.global_file and config.editor is None


@pytest.mark.parametrize(
    ("command", "families"),
    [
        ("pip install", ["general", "index", "resolver", "install"]),
        ("download", ["general", "index", "resolver", "output"]),
        ("pip config", ["general", "config"]),
        ("pip hash", ["general"]),
        ("pip-compile", ["general", "index"]),
    ],
)
def test_families_per_command(command: str, families: list[str]) -> None:
    assert [cls.FAMILY for cls in families_for(command)] == families
    assert list(settings_families(make(command=command), ENV)) == families


def test_families_are_frozen() -> None:
    general = GeneralSettings.from_settings(make(), ENV)
    with pytest.raises(dataclasses.FrozenInstanceError):
        general.timeout = 1.0  # type: ignore[misc]
    assert OutputSettings().download_dir is None


# -- redaction and rendering ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:secret@host/simple", "https://user:****@host/simple"),
        ("https://token@host/simple", "https://****@host/simple"),
        ("git+https://u:p@github.com/o/r", "git+https://u:****@github.com/o/r"),
        ("https://host/simple", "https://host/simple"),
        ("a https://x:y@h1 b https://z@h2", "a https://x:****@h1 b https://****@h2"),
        ("user:pass@host", "user:pass@host"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_render_value() -> None:
    assert render_value(None) == "null"
    assert render_value(True) == "true"
    assert render_value(1.5) == "1.5"
    assert render_value(Path("/p")) == '"/p"'
    assert render_value(["https://a:b@h"]) == '["https://a:****@h"]'
    assert render_value(frozenset({"b", "a"})) == '["a", "b"]'
    assert render_value({"b": 1, "a": "x"}) == '{ a = "x", b = 1 }'
    assert (
        render_value(_Pair(no_binary={"x"}, only_binary=set())) == '{ no_binary = ["x"], only_binary = [] }'
    )


def test_render_settings_is_sorted_with_origins_and_redacted() -> None:
    settings = make(
        {
            "index_url": "https://user:hunter2@mirror.example/simple",
            "extra_index_urls": ["https://tok@extra.example/simple"],
            "proxy": "http://p:pw@proxy:3128",
            "verbose": 2,
            "quiet": 0,
            "help": None,
            "show_settings": True,
            "some_future_option": "x",
        },
        {"index_url": "PIP_INDEX_URL", "verbose": "command line", "some_future_option": "pipcompat.toml"},
        args=("requests",),
    )
    text = render_settings(settings, ENV)
    assert "hunter2" not in text and "tok@" not in text and "pw@" not in text
    assert 'index_url = "https://user:****@mirror.example/simple"  # PIP_INDEX_URL' in text
    assert "verbosity = 2  # command line" in text
    assert text.startswith('command = "pip install"\nargs = ["requests"]\n')
    assert 'some_future_option = "x"  # pipcompat.toml' in text.split("[options]")[1]
    assert "show_settings" not in text and "help =" not in text
    tables = re.findall(r"^\[(\w+)\]$", text, re.MULTILINE)
    assert tables == ["general", "index", "resolver", "install", "options"]
    for block in text.split("\n\n")[1:]:
        names = [line.split(" = ")[0] for line in block.splitlines()[1:]]
        assert names == sorted(names)
        assert all("  # " in line for line in block.splitlines()[1:])
    assert render_settings(settings, ENV) == text


def test_render_one_family() -> None:
    general = GeneralSettings.from_settings(make({"timeout": 3.0}, {"timeout": "PIP_TIMEOUT"}), ENV)
    text = render_settings(general)
    assert "timeout = 3.0  # PIP_TIMEOUT\n" in text
    assert "origins" not in text


def test_show_settings_through_the_pip_front_door(tmp_path: Path) -> None:
    pip_cli = pytest.importorskip("pipcompat.cli.pip")
    environ = {
        "HOME": str(tmp_path),
        "PIP_CONFIG_FILE": "/dev/null",
        "PIP_INDEX_URL": "https://me:s3cret@mirror.example/simple",
        "PIP_NO_CACHE_DIR": "false",
        "PIPCOMPAT_TIMEOUT": "42",
    }
    (tmp_path / "pipcompat.toml").write_text('[install]\nfind-links = ["./w"]\n', encoding="utf-8")
    settings = pip_cli.parse_command_line(["install", "-q", "x"], environ=environ, cwd=tmp_path)
    families = settings_families(settings, environ)
    general, index = families["general"], families["index"]
    assert isinstance(general, GeneralSettings) and isinstance(index, IndexSettings)
    assert (general.verbosity, general.cache_dir, general.timeout) == (-1, None, 42.0)
    assert index.find_links == ("./w",)
    text = render_settings(settings, environ)
    assert "s3cret" not in text
    assert 'index_url = "https://me:****@mirror.example/simple"  # PIP_INDEX_URL' in text
    assert "cache_dir = null  # PIP_NO_CACHE_DIR" in text
    assert f'find_links = ["./w"]  # {tmp_path / "pipcompat.toml"} [install]' in text


# -- environment variables are all documented -------------------------------------------------------------
def _constants() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(envvars).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("_")
    }


def test_every_environment_variable_constant_is_documented() -> None:
    constants = _constants()
    assert constants, "no constants found"
    assert set(constants.values()) == set(envvars.DOCUMENTED)
    for name, value in constants.items():
        assert name == value.rstrip("_") or value.endswith("_"), f"{name} should be named after its variable"
        assert envvars.DOCUMENTED[value].strip(), f"{value} has no description"
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for value in constants.values():
        assert f"`{value}`" in docs, f"{value} is not in docs/configuration.md"


def test_no_environment_variable_read_by_literal_in_config_or_settings() -> None:
    pattern = re.compile(r"environ(?:\.get)?[\[(]\s*['\"]")
    for relative in (
        "pipcompat/settings.py",
        "pipcompat/config/pipconf.py",
        "pipcompat/config/pipcompat_toml.py",
    ):
        source = (REPO / relative).read_text(encoding="utf-8")
        assert not pattern.search(source), f"{relative} reads an environment variable by literal name"
