"""``pipcompat pip …`` against pip 26.3's own parser, destination by destination.

For every argument vector, pip's real command line (``parse_command`` then the command's parser) and
pipcompat's (:func:`pipcompat.cli.pip.parse_command_line`) must either both parse, to the same value for
every destination pip has, the same positional arguments and the same command, or both refuse it.
Configuration is isolated for both: no ``PIP_*`` variable, ``PIP_CONFIG_FILE=os.devnull``, a scratch HOME.
pipcompat's own ``--show-settings`` is the only destination pip does not have.
"""

from __future__ import annotations

import optparse
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pip_commands = pytest.importorskip("pip._internal.commands")
from pip._internal.cli.main_parser import parse_command  # noqa: E402
from pip._internal.exceptions import PipError  # noqa: E402
from pip._internal.locations import USER_CACHE_DIR  # noqa: E402

from pipcompat.cli import pip as front  # noqa: E402
from pipcompat.cli import pip_options  # noqa: E402
from pipcompat.cli.help import option_synopsis  # noqa: E402
from pipcompat.errors import PipcompatError  # noqa: E402
from pipcompat.models import ConfigValue  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OURS_ONLY = {"show_settings", "index_strategy", "resolution"}  # pipcompat Options (uv's spellings)
#: pip's ``-h`` is optparse's "help" action; ours is a callback that stops parsing the same way.
ACTION_EXCEPTIONS = {"help": ("help", "callback")}


# -- isolation ---------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def isolated_pip_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith(("PIP_", "PIPCOMPAT_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    # pip computed its cache directory when it was imported; point the user cache base at the same place.
    monkeypatch.setenv("XDG_CACHE_HOME", os.path.dirname(USER_CACHE_DIR))
    # pip would re-run itself under --python; these tests only compare parsing.
    monkeypatch.setenv("_PIP_RUNNING_IN_SUBPROCESS", "1")
    # No project configuration (pyproject.toml [tool.pipcompat]) from the directory the tests run in.
    monkeypatch.chdir(tmp_path)
    yield


# -- outcomes ----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str
    """``parsed``, ``exit0`` (help or version printed) or ``error``."""
    command: str = ""
    values: dict[str, Any] | None = None
    args: list[str] | None = None
    status: int | None = None


def normalize(value: Any) -> Any:
    """pip's objects and ours as plain comparable data."""
    kind = type(value).__name__
    if kind == "FormatControl":
        return ("FormatControl", sorted(value.no_binary), sorted(value.only_binary))
    if kind == "ReleaseControl":
        order = value.get_ordered_args() if hasattr(value, "get_ordered_args") else list(value.order)
        return ("ReleaseControl", sorted(value.all_releases), sorted(value.only_final), order)
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(value))
    if isinstance(value, tuple):
        return tuple(normalize(item) for item in value)
    if isinstance(value, list):
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        return {key: normalize(item) for key, item in value.items()}
    return value


def _reset_pip_shared_defaults() -> None:
    """pip builds a few options from module-level ``partial``s whose default list is shared by every parser
    in the process (``--use-feature``, ``--use-deprecated``, ``--group``): appending to it leaks into the
    next parse. pip parses once per process; these tests parse hundreds of times, so empty them first."""
    from functools import partial

    from pip._internal.cli import cmdoptions

    for item in vars(cmdoptions).values():
        if isinstance(item, partial):
            default = item.keywords.get("default")
            if isinstance(default, (list, set)):
                default.clear()


def pip_outcome(argv: Sequence[str]) -> Outcome:
    _reset_pip_shared_defaults()
    try:
        name, command_args = parse_command(list(argv))
        command = pip_commands.create_command(name, isolated=("--isolated" in command_args))
        values, args = command.parser.parse_args(command_args)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 0
        return Outcome("exit0" if status == 0 else "error", status=status)
    except PipError:
        return Outcome("error", status=1)
    return Outcome("parsed", name, {k: normalize(v) for k, v in vars(values).items()}, list(args))


def our_outcome(argv: Sequence[str]) -> Outcome:
    try:
        parsed = front.parse_command_line(argv, environ=os.environ, cwd=Path.cwd())
    except front.ImmediateOutput as output:
        return Outcome("exit0", status=output.status)
    except PipcompatError as exc:
        return Outcome("error", status=exc.exit_code)
    assert isinstance(parsed, front.CommandSettings)
    name = parsed.command.removeprefix("pip ")
    return Outcome("parsed", name, {k: normalize(v) for k, v in parsed.values.items()}, list(parsed.args))


def assert_same_values(pip_values: dict[str, Any], our_values: dict[str, Any]) -> None:
    assert set(our_values) - OURS_ONLY == set(pip_values), "destinations differ"
    for dest, expected in pip_values.items():
        actual = our_values[dest]
        if isinstance(expected, datetime) and isinstance(actual, datetime):
            # "P3D" is relative to the moment of parsing: allow the time between the two parses.
            assert expected.utcoffset() == actual.utcoffset(), dest
            assert abs((expected - actual).total_seconds()) < 30, dest
            continue
        assert actual == expected, f"{dest}: pip {expected!r}, pipcompat {actual!r}"
        assert type(actual) is type(expected) or {type(actual), type(expected)} <= {int, bool, float}, dest


def assert_conforms(argv: Sequence[str]) -> Outcome:
    pip = pip_outcome(argv)
    ours = our_outcome(argv)
    assert ours.kind == pip.kind, f"pip: {pip.kind} ({pip.status}), pipcompat: {ours.kind} ({ours.status})"
    if pip.kind == "parsed":
        assert ours.command == pip.command
        assert ours.args == pip.args, "positional arguments differ"
        assert pip.values is not None and ours.values is not None
        assert_same_values(pip.values, ours.values)
    elif pip.kind == "error":
        # pip exits 1 for an unknown command, 2 for usage errors, 3 for bad configuration values. On a few
        # bad callback values pip crashes with a traceback (1); pipcompat reports the usage errors they are.
        crash = (
            pip.status == 1
            and ours.status == 2
            and argv[:1] != ["help"]
            and argv[0] in pip_commands.commands_dict
        )
        assert ours.status == pip.status or crash, f"exit status: pip {pip.status}, pipcompat {ours.status}"
    return ours


# -- the vectors -------------------------------------------------------------------------------------------
def v(argv: str | list[str], id: str) -> Any:
    return pytest.param(argv.split() if isinstance(argv, str) else argv, id=id)


VECTORS = [
    # install: defaults, counts and clustering
    v("install", "install-defaults"),
    v("install -qqU pkg", "install-cluster-qqU"),
    v("install -vvv pkg", "install-vvv"),
    v("install -v -q -v pkg", "install-v-q-v"),
    v("install -qv pkg", "install-cluster-qv"),
    v("install -qrreq.txt", "install-cluster-q-r-attached"),
    v("install -Ur req.txt", "install-cluster-U-r-separate"),
    v("install -qqqU --no-deps -rreq.txt pkg", "install-cluster-mixed"),
    # requirement sources
    v("install -r req.txt", "install-r"),
    v("install --requirement=req.txt", "install-requirement-equals"),
    v("install -rreq.txt", "install-r-attached"),
    v("install -r a.txt -r b.txt", "install-r-repeated"),
    v("install --requ a.txt", "install-prefix-requ-ambiguous"),
    v("install --upgrade-s eager --force --dry --tar /t x", "install-prefixes-unique"),
    v("install --upgrade-s=eager", "install-prefix-equals"),
    v("install --req a.txt", "install-prefix-req-ambiguous"),
    v("install --requirements-f s.py", "install-prefix-requirements-from-script"),
    v("install --requirements-from-script s.py", "install-requirements-from-script"),
    v("install -c c.txt -c d.txt", "install-c-repeated"),
    v("install --build-constraint bc.txt --build-constraint bd.txt", "install-build-constraint"),
    v("install -e . -e git+https://example.org/x.git#egg=x", "install-e-repeated"),
    v("install --editable=.", "install-editable-equals"),
    v("install -- -r x", "install-double-dash"),
    v("install x -- --no-deps", "install-double-dash-after-arg"),
    v("install pkg1 -q pkg2 --no-deps pkg3", "install-interspersed-positionals"),
    # index options
    v("install -ihttps://example.org/simple pkg", "install-i-attached"),
    v("install -i https://example.org/simple", "install-i"),
    v("install --index-url=https://example.org/simple", "install-index-url-equals"),
    v("install --pypi-url https://example.org/simple", "install-pypi-url"),
    v("install --ind https://example.org/simple", "install-prefix-ind"),
    v("install --extra-index-url a --extra-index-url b", "install-extra-index-url-repeated"),
    v("install --extra a", "install-prefix-extra"),
    v("install --no-index -f ./wheels -f /tmp/x", "install-no-index-find-links"),
    v("install --find-links=./w", "install-find-links-equals"),
    v("install -f./w", "install-f-attached"),
    v("install --refresh-package foo,Bar_Baz", "install-refresh-package"),
    v("install --refresh-package :all:", "install-refresh-package-all"),
    v("install --refresh-package a --refresh-package :all:,:none:,b", "install-refresh-package-none"),
    v("install --refresh-package -x", "install-refresh-package-dash-value"),
    v("install --uploaded-prior-to 2024-01-01", "install-uploaded-prior-to-date"),
    v("install --uploaded-prior-to 2024-01-01T00:00:00Z", "install-uploaded-prior-to-utc"),
    v("install --uploaded-prior-to=2024-06-01T12:30:00+02:00", "install-uploaded-prior-to-offset"),
    v("install --uploaded-prior-to P3D", "install-uploaded-prior-to-days"),
    v("install --uploaded-prior-to nope", "install-uploaded-prior-to-bad"),
    v("install --uploaded-prior-to P3W", "install-uploaded-prior-to-weeks-bad"),
    # dependencies and build options
    v("install --no-deps x", "install-no-deps"),
    v("install --no-dependencies x", "install-no-dependencies"),
    v("install --no-d x", "install-prefix-no-d-ambiguous"),
    v("install --no-deps --only-deps", "install-no-deps-only-deps"),
    v("install --only-dependencies", "install-only-dependencies"),
    v("install --no-deps=yes", "install-flag-with-value"),
    v("install --no-build-isolation", "install-no-build-isolation"),
    v("install --no-bu x", "install-prefix-no-bu"),
    v("install --no-b x", "install-prefix-no-b-ambiguous"),
    v("install --check-build-dependencies --use-pep517", "install-build-flags"),
    v("install --config-settings a=1 --config-settings a=2", "install-config-settings-accumulate"),
    v("install -C a=1 -C b=2 -C a=3 -C a=4", "install-C-repeated"),
    v("install -Ckey=value", "install-C-attached"),
    v("install --config-settings=--build-option=--x", "install-config-settings-nested-equals"),
    v("install -C =v", "install-C-empty-key"),
    v("install -C noequals", "install-C-no-equals"),
    v("install --no-clean", "install-no-clean"),
    v("install --group dev", "install-group"),
    v("install --group pyproject.toml:dev --group sub/pyproject.toml:test", "install-group-paths"),
    v("install --group pylock.toml:g --group pylock.prod.toml:h", "install-group-pylock"),
    v(["install", "--group", "pylock.toml[extra]:g"], "install-group-pylock-extras"),
    v("install --group other.toml:g", "install-group-bad-file"),
    v("install --group https://example.org/pylock.toml:g", "install-group-url"),
    # cache
    v("install --no-cache-dir", "install-no-cache-dir"),
    v("install --cache-dir /tmp/c", "install-cache-dir"),
    v("install --cache-dir ~/c", "install-cache-dir-tilde"),
    v("install --no-cache-dir --cache-dir /x", "install-no-cache-then-cache"),
    v("install --cache-dir /x --no-cache-dir", "install-cache-then-no-cache"),
    v("install --no-cache-dir=1", "install-no-cache-dir-value"),
    # binary/source and releases
    v("install --no-binary :all:", "install-no-binary-all"),
    v("install --no-binary=Foo_Bar,baz", "install-no-binary-names"),
    v("install --no-binary :all: --only-binary foo", "install-no-binary-all-only-binary-name"),
    v("install --only-binary :all: --no-binary :none:", "install-only-binary-all-no-binary-none"),
    v("install --no-binary a --no-binary b", "install-no-binary-repeated"),
    v("install --no-binary a,:all:,b", "install-no-binary-all-in-list"),
    v("install --no-binary :all:,:none:,x", "install-no-binary-all-none-name"),
    v("install --only-binary=:none:", "install-only-binary-none"),
    v("install --no-binary x --only-binary x", "install-binary-last-wins"),
    v("install --no-binary -x", "install-no-binary-dash-value"),
    v("install --prefer-binary --pre", "install-prefer-binary-pre"),
    v("install --all-releases foo --only-final bar", "install-all-releases-only-final"),
    v("install --all-releases :all: --only-final x", "install-all-releases-all"),
    v("install --only-final :all:,:none:,a", "install-only-final-all-none"),
    v("install --pre --all-releases x", "install-pre-all-releases"),
    v("install --all-releases -y", "install-all-releases-dash-value"),
    # target interpreter
    v("install --python-version 3.11", "install-python-version-dotted"),
    v("install --python-version 311", "install-python-version-nodot"),
    v("install --python-version 3", "install-python-version-major"),
    v(["install", "--python-version", ""], "install-python-version-empty"),
    v("install --python-version 3.x", "install-python-version-bad"),
    v("install --python-version 3.1.2.4", "install-python-version-four-parts"),
    v("install --platform linux_x86_64 --platform manylinux2014_x86_64", "install-platform-repeated"),
    v("install --abi cp311 --abi abi3 --implementation cp", "install-abi-implementation"),
    # general options
    v("install --use-feature fast-deps --use-feature truststore", "install-use-feature"),
    v("install --use-feature nope", "install-use-feature-bad"),
    v("install --use-deprecated legacy-resolver", "install-use-deprecated"),
    v("install --use-deprecated=legacy-certs", "install-use-deprecated-equals"),
    v("install --use-deprecated=nope", "install-use-deprecated-bad"),
    v("install --progress-bar off", "install-progress-bar"),
    v("install --progress-bar=raw", "install-progress-bar-equals"),
    v("install --progress-bar bad", "install-progress-bar-bad"),
    v("install --exists-action w", "install-exists-action"),
    v("install --exists-action s --exists-action a", "install-exists-action-repeated"),
    v("install --exists-action z", "install-exists-action-bad"),
    v("install --keyring-provider subprocess", "install-keyring-provider"),
    v("install --keyring-provider bogus", "install-keyring-provider-bad"),
    v("install --log /tmp/log.txt", "install-log"),
    v("install --log-file ~/x.log", "install-log-file-tilde"),
    v("install --local-log x", "install-local-log"),
    v("install --cert /etc/ssl/x.pem --client-cert ~/c.pem", "install-cert-client-cert"),
    v("install --cert=~/cert.pem", "install-cert-equals-tilde"),
    v("install --trusted-host a --trusted-host b:8080", "install-trusted-host-repeated"),
    v("install --proxy http://u:p@proxy:3128", "install-proxy"),
    v("install --retries 3", "install-retries"),
    v("install --retries=x", "install-retries-bad"),
    v("install --timeout 2.5", "install-timeout"),
    v("install --default-timeout=60", "install-default-timeout"),
    v("install --timeout abc", "install-timeout-bad"),
    v("install --resume-retries 0", "install-resume-retries"),
    v("install --isolated x", "install-isolated"),
    v(
        "install --debug --no-input --no-color --disable-pip-version-check --no-python-version-warning"
        " --require-venv",
        "install-general-flags",
    ),
    v("install --require-virtualenv --no-proxy-env", "install-require-virtualenv"),
    v("install --no-in x", "install-prefix-no-in-ambiguous"),
    # install's own options
    v("install --root-user-action ignore", "install-root-user-action"),
    v("install --root-user-action=bad", "install-root-user-action-bad"),
    v("install --report -", "install-report-stdout"),
    v("install --report=report.json --dry-run", "install-report-dry-run"),
    v("install --upgrade-strategy eager -U x", "install-upgrade-strategy"),
    v("install --upgrade-strategy=bad", "install-upgrade-strategy-bad"),
    v("install -t /tmp/t x", "install-target"),
    v("install --target=/tmp/t", "install-target-equals"),
    v("install --user x", "install-user"),
    v("install --user --no-user", "install-user-no-user"),
    v("install --root /r --prefix /p", "install-root-prefix"),
    v("install --src ./src -e git+https://example.org/x.git#egg=x", "install-src"),
    v("install --source-dir ~/s", "install-source-dir-tilde"),
    v("install --s x", "install-prefix-s-ambiguous"),
    v("install --sh", "install-prefix-sh-unknown"),
    v("install --show", "install-prefix-show-unknown"),
    v("install --force-reinstall -I", "install-force-reinstall-I"),
    v("install --ignore-installed --ignore-requires-python", "install-ignore-installed"),
    v("install --no-compile", "install-no-compile"),
    v("install --compile --no-compile --compile", "install-compile-toggle"),
    v("install --no-warn-script-location --no-warn-conflicts", "install-no-warn"),
    v("install --require-hashes --no-require-hashes", "install-hashes"),
    v("install --break-system-packages", "install-break-system-packages"),
    v("install --hash sha256:abc", "install-hash-not-an-option"),
    # usage errors
    v("install --no-such", "install-unknown-long"),
    v("install -Z", "install-unknown-short"),
    v("install -r", "install-r-missing-value"),
    v("install --requirement", "install-requirement-missing-value"),
    v("install -qZ", "install-cluster-unknown"),
    # help and version
    v("install -h", "install-help"),
    v("install -h --no-such", "install-help-then-unknown"),
    v("install --no-such -h", "install-unknown-then-help"),
    v("install --hel", "install-prefix-help"),
    v("--help", "main-help"),
    v("-V", "main-version"),
    v("--version install", "main-version-before-command"),
    v("list -V", "list-version-unknown"),
    v("", "main-no-command"),
    v("help", "main-help-command"),
    # general options before the command
    v("-q install x", "pre-q"),
    v("-vv install -q x", "pre-vv-post-q"),
    v("--isolated install x", "pre-isolated"),
    v("--timeout 5 install x", "pre-timeout"),
    v("--log install install x", "pre-log-command-name-as-value"),
    v("--no-cache-dir install", "pre-no-cache-dir"),
    v("-qqq freeze", "pre-qqq-freeze"),
    v("--cache-dir=/c list", "pre-cache-dir-list"),
    v("-- install x", "pre-double-dash"),
    v("--no", "pre-ambiguous"),
    v("--no-such install", "pre-unknown"),
    v("-r x install", "pre-command-option-before-command"),
    v("instal", "unknown-command-close"),
    v("frobnicate x", "unknown-command-far"),
    v("INSTALL", "unknown-command-case"),
    # uninstall
    v("uninstall -y x", "uninstall-y"),
    v("uninstall -r a -r b -y", "uninstall-r-repeated"),
    v("uninstall --yes --root-user-action=ignore --break-system-packages x", "uninstall-flags"),
    v("uninstall --y x", "uninstall-prefix-y"),
    v("uninstall -e x", "uninstall-e-unknown"),
    v("uninstall -U x", "uninstall-U-unknown"),
    # freeze
    v("freeze", "freeze-defaults"),
    v("freeze -l --user", "freeze-local-user"),
    v("freeze --all --exclude-editable", "freeze-all-exclude-editable"),
    v("freeze --exclude Foo_Bar --exclude baz", "freeze-exclude-canonical"),
    v("freeze --path /a --path ~/b", "freeze-path-repeated"),
    v("freeze -r req.txt", "freeze-r"),
    v("freeze --ex foo", "freeze-prefix-ex-ambiguous"),
    v("freeze --exclude-e", "freeze-prefix-exclude-e"),
    # list
    v("list", "list-defaults"),
    v("list -o", "list-outdated"),
    v("list -u -e -l", "list-u-e-l"),
    v("list -uel", "list-cluster-uel"),
    v("list --format json", "list-format-json"),
    v("list --format=freeze", "list-format-freeze-equals"),
    v("list --format xml", "list-format-bad"),
    v("list --not-required --exclude-editable", "list-not-required-exclude-editable"),
    v("list --exclude-editable --include-editable", "list-editable-toggle"),
    v("list --exclude pip --exclude Setup_Tools", "list-exclude"),
    v("list -o --pre -i https://example.org/simple --extra-index-url y", "list-outdated-index"),
    v("list --no-binary :all: --uploaded-prior-to 2020-02-02", "list-selection-options"),
    v("list --path /p --user", "list-path-user"),
    # show, check, inspect
    v("show pip", "show"),
    v("show -f pip setuptools", "show-files"),
    v("show --f x", "show-prefix-f"),
    v("show --s", "show-prefix-s-unknown"),
    v("check", "check"),
    v("check -v x y", "check-positionals"),
    v("check -f", "check-unknown"),
    v("inspect", "inspect"),
    v("inspect --local --user --path /p", "inspect-options"),
    v("inspect -l", "inspect-l-unknown"),
    # download
    v("download -d /tmp/d x", "download-d"),
    v("download --dest=/d x", "download-dest-equals"),
    v("download --destination-dir d --destination-directory e", "download-destination-aliases"),
    v("download -dd", "download-d-attached"),
    v(
        "download --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.12"
        " --implementation cp --abi cp312 x",
        "download-target-python",
    ),
    v("download -r r.txt --no-deps --src s", "download-r-no-deps-src"),
    v("download --group dev --no-clean", "download-group"),
    v("download -e .", "download-e-unknown"),
    # wheel
    v("wheel -w wheels x", "wheel-w"),
    v("wheel --wheel-dir=w --no-verify", "wheel-dir-no-verify"),
    v("wheel -e . --no-deps", "wheel-e"),
    v("wheel -C a=b --config-settings c=d", "wheel-config-settings"),
    v("wheel --group pyproject.toml:dev", "wheel-group"),
    v("wheel -t x", "wheel-t-unknown"),
    # lock
    v("lock x", "lock"),
    v("lock -o out.toml x", "lock-o"),
    v("lock --output=- -r r.txt", "lock-output-stdout"),
    v("lock --output ~/l.toml", "lock-output-tilde"),
    v("lock -e . --group dev", "lock-e-group"),
    # config
    v("config list", "config-list"),
    v("config --user set global.index-url https://example.org/simple", "config-user-set"),
    v("config --global --site get global.timeout", "config-global-site"),
    v("config --editor vim edit", "config-editor"),
    v("config --editor=nano edit", "config-editor-equals"),
    v("config --e vi edit", "config-prefix-e-ambiguous"),
    v("config debug", "config-debug"),
    # hash
    v("hash f.whl", "hash"),
    v("hash -a sha512 f", "hash-a"),
    v("hash --algorithm=sha384 a b", "hash-algorithm-equals"),
    v("hash -asha256 f", "hash-a-attached"),
    v("hash -a md5 f", "hash-a-bad"),
    # index, search, cache
    v("index versions pip", "index-versions"),
    v("index versions pip --json --pre", "index-json-pre"),
    v(
        "index versions x --python-version 3.12 --platform p --ignore-requires-python",
        "index-target-python",
    ),
    v("search foo", "search"),
    v("search -i https://example.org/pypi foo", "search-i"),
    v("search --index=https://example.org/pypi foo", "search-index-equals"),
    v("cache dir", "cache-dir"),
    v("cache list --format abspath", "cache-list-format"),
    v("cache list --format=human x*", "cache-list-format-equals"),
    v("cache list --format bad", "cache-list-format-bad"),
    v("cache purge", "cache-purge"),
    # completion, debug, help
    v("completion --bash", "completion-bash"),
    v("completion -z", "completion-z"),
    v("completion -f", "completion-f"),
    v("completion --powershell", "completion-powershell"),
    v("completion -b -z", "completion-last-wins"),
    v("debug", "debug"),
    v("debug --platform x --python-version 3.9", "debug-target"),
    v("help install", "help-install"),
    v("help --no-such", "help-unknown-option"),
]


@pytest.mark.parametrize("argv", VECTORS)
def test_command_line_parses_like_pip(argv: list[str]) -> None:
    assert_conforms(argv)


def test_there_are_enough_vectors() -> None:
    assert len(VECTORS) >= 150
    assert len({param.id for param in VECTORS}) == len(VECTORS), "vector ids must be unique"


def test_python_after_the_command_parses_like_pip_and_is_refused_like_pip() -> None:
    # pip parses it, then refuses to run (exit 1): --python only works before the command name.
    pip = pip_outcome(["install", "--python", "/usr/bin/python3", "x"])
    assert pip.kind == "parsed" and pip.values is not None
    _parser, values, positionals = front.parse_command_args("install", ["--python", "/usr/bin/python3", "x"])
    assert positionals == pip.args
    assert_same_values(pip.values, {k: normalize(item) for k, item in values.items()})
    with pytest.raises(PipcompatError) as refused:
        front.parse_command_line(["install", "--python", "/usr/bin/python3", "x"], environ={}, cwd=Path.cwd())
    assert refused.value.exit_code == 1


def test_python_before_the_command_is_the_target() -> None:
    settings = front.parse_command_line(
        ["--python", "/usr/bin/python3", "install", "x"], environ={}, cwd=Path.cwd()
    )
    assert isinstance(settings, front.CommandSettings)
    assert settings.values["python"] == "/usr/bin/python3"
    assert settings.args == ("x",)


# -- configuration as defaults ------------------------------------------------------------------------------
def env(**variables: str) -> dict[str, str]:
    return {f"PIP_{name}": value for name, value in variables.items()}


CONFIG_VECTORS = [
    pytest.param("install", env(NO_CACHE_DIR="false"), [], id="no-cache-dir-false-still-disables"),
    pytest.param("install", env(NO_CACHE_DIR="true"), [], id="no-cache-dir-true"),
    pytest.param("install", env(NO_CACHE_DIR="maybe"), [], id="no-cache-dir-bad"),
    pytest.param("install", env(VERBOSE="2"), ["-v"], id="verbose-count-then-cli"),
    pytest.param("install", env(QUIET="yes"), [], id="quiet-boolean"),
    pytest.param("install", env(VERBOSE="-1"), [], id="verbose-negative"),
    pytest.param("install", env(FIND_LINKS="a b"), [], id="find-links-split"),
    pytest.param(
        "install", env(EXTRA_INDEX_URL="x y"), ["--extra-index-url", "z"], id="append-extends-config"
    ),
    pytest.param("install", env(NO_BINARY=":all:"), ["--only-binary", "foo"], id="no-binary-then-cli"),
    pytest.param("install", env(NO_DEPS="yes"), [], id="store-true-yes"),
    pytest.param("install", env(NO_DEPS="nah"), [], id="store-true-bad"),
    pytest.param("install", env(NO_BUILD_ISOLATION="false"), [], id="store-false-quirk"),
    pytest.param("install", env(DEFAULT_TIMEOUT="30"), [], id="alias-key-timeout"),
    pytest.param("install", env(TIMEOUT="abc"), [], id="bad-float"),
    pytest.param("install", env(INDEX_URL=""), [], id="empty-value-ignored"),
    pytest.param("install", env(EXISTS_ACTION="w b"), [], id="exists-action-split"),
    pytest.param("install", env(USE_FEATURE="fast-deps truststore"), [], id="use-feature-split"),
    pytest.param("install", env(USE_FEATURE="bad"), [], id="use-feature-bad"),
    pytest.param("install", env(PYTHON_VERSION="3.11"), [], id="python-version-callback"),
    pytest.param("install", env(CONFIG_SETTINGS="a=b"), ["-C", "a=c"], id="config-settings-then-cli"),
    pytest.param("install", env(SRC="~/s"), [], id="src-callback"),
    pytest.param("install", env(GROUP="dev"), ["--group", "test"], id="group-then-cli"),
    pytest.param("install", env(REFRESH_PACKAGE="Foo_Bar"), [], id="refresh-package"),
    pytest.param("install", env(LOG="~/x.log"), [], id="path-type"),
    pytest.param("install", env(PROGRESS_BAR="off"), [], id="choice"),
    pytest.param("install", env(USER="yes"), [], id="install-user"),
    pytest.param("freeze", env(EXCLUDE="Foo_Bar baz"), [], id="package-name-append"),
    pytest.param("list", env(FORMAT="json"), [], id="list-format"),
]


@pytest.mark.parametrize(("name", "variables", "args"), CONFIG_VECTORS)
def test_configuration_values_become_defaults_like_pip(
    name: str, variables: dict[str, str], args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    pip = pip_outcome([name, *args])
    config = [ConfigValue(key[4:].lower().replace("_", "-"), value, key) for key, value in variables.items()]
    try:
        _parser, values, positionals = front.parse_command_args(name, args, config=config)
    except PipcompatError as exc:
        assert pip.kind == "error", f"pipcompat refused ({exc}), pip did not"
        assert exc.exit_code == pip.status
        return
    assert pip.kind == "parsed", "pip refused, pipcompat did not"
    assert pip.values is not None
    assert positionals == pip.args
    assert_same_values(pip.values, {k: normalize(item) for k, item in values.items()})


LOADED_CONFIG_VECTORS = [
    pytest.param(env(NO_CACHE_DIR="false"), "install", id="env-no-cache-dir-false"),
    pytest.param(env(FIND_LINKS="a b"), "install -f c", id="env-find-links-then-cli"),
    pytest.param(env(VERBOSE="2", NO_BINARY=":all:"), "install -q x", id="env-count-and-format"),
    pytest.param(env(INDEX_URL=""), "install", id="env-empty-value"),
    pytest.param(env(DEFAULT_TIMEOUT="30"), "list", id="env-alias-key"),
    pytest.param(env(NO_DEPS="yes"), "install --isolated x", id="env-ignored-when-isolated"),
    pytest.param(env(NO_DEPS="yes"), "--isolated install x", id="env-ignored-when-isolated-before"),
    pytest.param(env(NO_DEPS="yes"), "install --isol x", id="env-used-with-abbreviated-isolated"),
    pytest.param(env(RETRIES="x"), "install", id="env-bad-value"),
    pytest.param(env(VERSION="1", HELP="1"), "install", id="env-version-and-help-are-not-config"),
]


@pytest.mark.parametrize(("variables", "argv"), LOADED_CONFIG_VECTORS)
def test_environment_is_read_like_pip(
    variables: dict[str, str], argv: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    assert_conforms(argv.split())


PIP_CONF = """\
[global]
timeout = 60
find-links = /a /b
[install]
no-deps = yes
progress-bar = off
[freeze]
exclude = Foo_Bar
"""


@pytest.mark.parametrize(
    "argv",
    ["install", "--isolated install x", "install --timeout 5", "freeze", "list", "download -f c"],
    ids=lambda argv: argv.replace(" ", "_"),
)
def test_configuration_file_is_read_like_pip(
    argv: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config_file = tmp_path / "pip.conf"
    config_file.write_text(PIP_CONF)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config_file))
    assert_conforms(argv.split())


# -- the option tables themselves --------------------------------------------------------------------------
def pip_parser(name: str) -> optparse.OptionParser:
    parser: optparse.OptionParser = pip_commands.create_command(name).parser
    return parser


def all_options(parser: optparse.OptionParser) -> list[optparse.Option]:
    options = list(parser.option_list)
    for group in parser.option_groups:
        options.extend(group.option_list)
    return options


def test_we_know_every_pip_command() -> None:
    assert list(pip_options.COMMANDS) == list(pip_commands.commands_dict)


@pytest.mark.parametrize("name", list(pip_commands.commands_dict))
def test_every_pip_option_string_is_accepted(name: str) -> None:
    ours = pip_options.build_command_parser(pip_options.COMMANDS[name])
    pip_strings = {
        s for option in all_options(pip_parser(name)) for s in option._short_opts + option._long_opts
    }
    our_strings = {s for option in ours.all_options for s in option._short_opts + option._long_opts}
    own = {
        flag
        for group in pip_options.COMMANDS[name].groups
        if group.title == "pipcompat Options"
        for spec in group.options
        for flag in spec.flags
    }
    assert "--show-settings" in own
    assert our_strings - pip_strings == own
    assert pip_strings - our_strings == set()


def _default(option: optparse.Option, parser: optparse.OptionParser) -> Any:
    return normalize(parser.defaults.get(str(option.dest)))


@pytest.mark.parametrize("name", list(pip_commands.commands_dict))
def test_every_option_has_pips_attributes(name: str) -> None:
    pip = pip_parser(name)
    ours = pip_options.build_command_parser(pip_options.COMMANDS[name])
    for option in all_options(pip):
        mine = ours.get_option(option.get_opt_string())
        assert mine is not None, option
        where = f"{name} {option}"
        assert mine._short_opts == option._short_opts, where
        assert mine._long_opts == option._long_opts, where
        assert mine.dest == option.dest, where
        expected_action = ACTION_EXCEPTIONS.get(str(option.dest), (option.action,))
        assert option.action == expected_action[0] and mine.action == expected_action[-1], where
        assert mine.type == option.type, where
        assert mine.takes_value() == option.takes_value(), where
        if mine.action == option.action:
            assert mine.nargs == option.nargs, where
        assert mine.metavar == option.metavar, where
        assert (list(mine.choices) if mine.choices else None) == (
            list(option.choices) if option.choices else None
        ), where
        assert mine.const == option.const, where
        assert (mine.help == optparse.SUPPRESS_HELP) == (option.help == optparse.SUPPRESS_HELP), where
        if option.dest == "cache_dir" and not sys.platform.startswith("linux"):
            continue
        assert _default(mine, ours) == _default(option, pip), where


@pytest.mark.parametrize("name", list(pip_commands.commands_dict))
def test_option_groups_are_pips(name: str) -> None:
    def layout(parser: optparse.OptionParser) -> list[tuple[str, list[str]]]:
        return [
            (group.title, [option.get_opt_string() for option in group.option_list])
            for group in parser.option_groups
            if group.title != "pipcompat Options"
        ]

    assert layout(pip_options.build_command_parser(pip_options.COMMANDS[name])) == layout(pip_parser(name))


@pytest.mark.parametrize("name", list(pip_commands.commands_dict))
def test_help_shows_every_visible_option_in_pips_spelling(name: str) -> None:
    ours = pip_options.build_command_parser(pip_options.COMMANDS[name])
    lines = [line.strip() for line in ours.format_help().splitlines()]
    for option in all_options(pip_parser(name)):
        synopsis = option_synopsis(option)
        shown = any(line == synopsis or line.startswith(synopsis + " ") for line in lines)
        hidden = option.help == optparse.SUPPRESS_HELP
        assert shown != hidden, f"{name}: {synopsis} {'shown' if shown else 'missing'}"


def test_main_parser_options_are_pips() -> None:
    from pip._internal.cli.main_parser import create_main_parser

    pip = create_main_parser()
    ours = pip_options.build_main_parser()
    pip_strings = {s for option in all_options(pip) for s in option._short_opts + option._long_opts}
    our_strings = {s for option in ours.all_options for s in option._short_opts + option._long_opts}
    assert our_strings - pip_strings == {"--show-settings"}
    assert pip_strings <= our_strings
    assert not ours.allow_interspersed_args


# -- exit statuses, in real processes -----------------------------------------------------------------------
BAD_COMMAND_LINES = [
    pytest.param("install --no-such", "no such option: --no-such", id="unknown-option"),
    pytest.param("install --no", None, id="ambiguous-prefix"),
    pytest.param("install -r", "-r option requires 1 argument", id="missing-value"),
    pytest.param(
        "install --progress-bar=x",
        "option --progress-bar: invalid choice: 'x' (choose from 'auto', 'on', 'off', 'raw')",
        id="bad-choice",
    ),
    pytest.param("install --retries x", "option --retries: invalid integer value: 'x'", id="bad-integer"),
    pytest.param("list --format=xml", None, id="list-bad-format"),
    pytest.param("hash -a md5 f", None, id="hash-bad-algorithm"),
    pytest.param("--no-such install", "no such option: --no-such", id="unknown-general-option"),
    pytest.param("install -C x", "Arguments to -C must be of the form KEY=VAL", id="config-settings-form"),
    pytest.param("instal", 'unknown command "instal" - maybe you meant "install"', id="unknown-command"),
    pytest.param(
        "install --python /usr/bin/python3 x",
        "The --python option must be placed before the pip subcommand name",
        id="python-after-command",
    ),
]


def _clean_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PIP_CONFIG_FILE": os.devnull,
        "PYTHONPATH": str(REPO),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


@pytest.mark.parametrize(("args", "message"), BAD_COMMAND_LINES)
def test_exit_status_of_bad_command_lines_is_pips(args: str, message: str | None, tmp_path: Path) -> None:
    environment = _clean_env(tmp_path)
    run = [sys.executable, "-m"]
    pip = subprocess.run(
        [*run, "pip", *args.split()],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
    )
    ours = subprocess.run(
        [*run, "pipcompat", "pip", *args.split()],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
    )
    assert ours.returncode == pip.returncode, ours.stderr
    assert "Traceback" not in ours.stderr
    error_lines = [line for line in ours.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, ours.stderr
    if message is not None:
        assert message in pip.stderr
        assert error_lines[0] == f"error: {message}"
