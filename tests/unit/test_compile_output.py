"""pip-compile's output file, held against pip-tools 7.6.2's own writer and header code.

pip-tools runs in one subprocess per module (a clean environment, so pip reads no configuration): its
``OutputWriter`` renders the same pins (built as pip ``InstallRequirement`` objects) with the same options,
and its ``get_compile_command`` rebuilds the header command line from click's context for the same argument
vectors. Ours must produce the same text, character for character.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from pipcompat.cli.piptools import parse
from pipcompat.cli.piptools_options import COMPILE
from pipcompat.lock.existing import existing_pins
from pipcompat.lock.piptools_output import (
    _HEADER_PARAMS,
    UNSAFE_PACKAGES,
    CompiledPin,
    OutputOptions,
    compile_command,
    direct_reference,
    redact_url,
    render_output,
)
from tests.support.context import clean_environ

pytest.importorskip("piptools")

WRITER_HARNESS = r"""
import json, sys
import click
from pip._internal.req.constructors import install_req_from_editable, install_req_from_line
from pip._vendor.packaging.markers import Marker
from piptools.writer import OutputWriter
from pip._internal.models.format_control import FormatControl

def ireq_of(pin):
    extras = "[" + ",".join(sorted(pin["extras"])) + "]" if pin["extras"] else ""
    if pin["editable"]:
        ireq = install_req_from_editable(pin["url"])
    elif pin["url"]:
        ireq = install_req_from_line(f"{pin['name']}{extras} @ {pin['url']}")
    else:
        ireq = install_req_from_line(f"{pin['name']}{extras}{pin['pin_operator']}{pin['version']}")
    ireq._required_by = set(pin["via"])
    return ireq

out = []
for case in json.load(sys.stdin):
    options = case["options"]
    pins = case["pins"]
    ireqs = [(pin, ireq_of(pin)) for pin in pins]
    unsafe = set(options["unsafe_packages"])
    if options["allow_unsafe"]:
        results = {ireq for _, ireq in ireqs}
        unsafe_requirements = set()
    else:
        results = {ireq for pin, ireq in ireqs if pin["name"] not in unsafe}
        unsafe_requirements = {ireq for pin, ireq in ireqs if pin["name"] in unsafe}
    hashes = {ireq: set(pin["hashes"]) for pin, ireq in ireqs if ireq in results}
    markers = {pin["name"]: Marker(pin["marker"]) for pin, _ in ireqs if pin["marker"]}
    writer = OutputWriter(
        dst_file=None, click_ctx=None, dry_run=True, emit_header=False,
        emit_index_url=options["emit_index_url"], emit_trusted_host=options["emit_trusted_host"],
        annotate=options["annotate"], annotation_style=options["annotation_style"],
        strip_extras=options["strip_extras"], default_index_url="https://pypi.org/simple",
        index_urls=options["index_urls"], trusted_hosts=options["trusted_hosts"],
        format_control=FormatControl(set(options["no_binary"]), set(options["only_binary"])),
        linesep="\n", allow_unsafe=options["allow_unsafe"], find_links=options["find_links"],
        emit_find_links=options["emit_find_links"], emit_options=options["emit_options"],
    )
    lines = writer._iter_lines(
        results, unsafe_requirements, unsafe, markers, hashes if case["with_hashes"] else None
    )
    out.append([click.unstyle(line) for line in lines])
json.dump(out, sys.stdout)
"""

COMMAND_HARNESS = r"""
import json, sys
from piptools.scripts.compile import cli
from piptools.utils import get_compile_command

out = []
for args in json.load(sys.stdin):
    ctx = cli.make_context("pip-compile", list(args))
    out.append(get_compile_command(ctx))
json.dump(out, sys.stdout)
"""


def _run_harness(script: str, payload: object, cwd: Path) -> Any:
    env = clean_environ(cwd / ".env")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def pin(name: str, version: str = "1.0", **kwargs: Any) -> CompiledPin:
    for key in ("extras", "via", "hashes"):
        if key in kwargs:
            kwargs[key] = frozenset(kwargs[key])
    return CompiledPin(name, version, **kwargs)


H1 = "sha256:" + "1" * 64
H2 = "sha256:" + "2" * 64
H3 = "sha256:" + "3" * 64

BASIC = [
    pin("requests", "2.31.0", via={"-r requirements.in"}),
    pin("idna", "3.4", via={"requests"}),
    pin("charset-normalizer", "3.2.0", via={"requests", "-r requirements.in", "-c constraints.txt"}),
    pin("a", "1", via={"-r requirements.in"}),
    pin("very-long-package-name-here", "10.20.30", extras={"socks", "http2"}, via={"b", "a"}),
]
WITH_UNSAFE = [*BASIC, pin("setuptools", "68.0", via={"requests"}), pin("pip", "23.1", via={"a"})]
WITH_HASHES = [
    pin("requests", "2.31.0", via={"-r requirements.in"}, hashes={H2, H1}),
    pin("idna", "3.4", via={"requests", "x"}, hashes={H3}),
    pin("setuptools", "68.0", via={"requests"}, hashes={H1}),
]
MIXED_HASHES = [
    pin("requests", "2.31.0", via={"-r requirements.in"}, hashes={H1}),
    pin("idna", "3.4", via={"requests"}),
]
MARKERS_AND_URLS = [
    pin("tomli", "2.0.1", via={"-r requirements.in"}, marker='python_version < "3.11"'),
    pin("colorama", "0.4.6", extras={"x"}, via={"-r requirements.in"}, marker='sys_platform == "win32"'),
    pin(
        "pkg",
        None,  # type: ignore[arg-type]
        via={"-r requirements.in"},
        url="https://example.com/pkg-1.0-py3-none-any.whl#sha256=" + "a" * 64,
        extras={"extra"},
    ),
    pin("editme", None, url="git+https://example.com/editme.git#egg=editme", editable=True),  # type: ignore[arg-type]
    pin("zz", "1", pin_operator="===", via={"editme"}),
]

CASES: dict[str, tuple[list[CompiledPin], OutputOptions, bool]] = {
    "split": (BASIC, OutputOptions(), False),
    "line": (BASIC, OutputOptions(annotation_style="line"), False),
    "no-annotate": (BASIC, OutputOptions(annotate=False), False),
    "strip-extras": (BASIC, OutputOptions(strip_extras=True), False),
    "unsafe-commented": (WITH_UNSAFE, OutputOptions(), False),
    "unsafe-pinned": (WITH_UNSAFE, OutputOptions(allow_unsafe=True), False),
    "unsafe-package": (WITH_UNSAFE, OutputOptions(unsafe_packages=frozenset({"idna"})), False),
    "hashes": (WITH_HASHES, OutputOptions(), True),
    "hashes-line": (WITH_HASHES, OutputOptions(annotation_style="line", allow_unsafe=True), True),
    "hashes-mixed": (MIXED_HASHES, OutputOptions(), True),
    "empty": ([], OutputOptions(), False),
    "flags": (
        BASIC[:1],
        OutputOptions(
            index_urls=("https://pypi.org/simple/", "https://x.example/simple", "https://x.example/simple"),
            find_links=("./wheels", "/abs/wheels"),
            trusted_hosts=("x.example", "y.example:8080"),
            no_binary=frozenset({"b", ":all:"}),
            only_binary=frozenset({"c", "a"}),
        ),
        False,
    ),
    "flags-first-index-custom": (
        BASIC[:1],
        OutputOptions(index_urls=("https://mirror.example/simple", "https://pypi.org/simple")),
        False,
    ),
    "flags-not-emitted": (
        BASIC[:1],
        OutputOptions(
            index_urls=("https://mirror.example/simple",),
            find_links=("./wheels",),
            trusted_hosts=("x",),
            emit_index_url=False,
            emit_find_links=False,
            emit_trusted_host=False,
        ),
        False,
    ),
    "no-emit-options": (
        BASIC[:1],
        OutputOptions(index_urls=("https://mirror.example/simple",), emit_options=False),
        False,
    ),
    "markers-urls-editables": (MARKERS_AND_URLS, OutputOptions(), False),
    "markers-urls-strip": (
        MARKERS_AND_URLS,
        OutputOptions(strip_extras=True, annotation_style="line"),
        False,
    ),
}


def _pin_json(p: CompiledPin) -> dict[str, Any]:
    data = asdict(p)
    for key in ("extras", "via", "hashes"):
        data[key] = sorted(data[key])
    return data


def _options_json(o: OutputOptions) -> dict[str, Any]:
    data = asdict(o)
    for key in ("unsafe_packages", "no_binary", "only_binary"):
        data[key] = sorted(data[key])
    return data


@pytest.fixture(scope="module")
def piptools_writer_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    payload = [
        {
            "pins": [_pin_json(p) for p in pins],
            "options": _options_json(options),
            "with_hashes": with_hashes,
        }
        for pins, options, with_hashes in CASES.values()
    ]
    result = _run_harness(WRITER_HARNESS, payload, tmp_path_factory.mktemp("writer"))
    return dict(zip(CASES, result, strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_output_matches_pip_tools_writer(case: str, piptools_writer_output: dict[str, list[str]]) -> None:
    pins, options, _ = CASES[case]
    ours = render_output(pins, replace_header(options))
    assert list(ours.lines) == piptools_writer_output[case]


def replace_header(options: OutputOptions) -> OutputOptions:
    from dataclasses import replace

    return replace(options, header=False)


def test_header_names_python_version_and_command() -> None:
    rendered = render_output(
        [pin("a", "1")], OutputOptions(command="pip-compile x.in", python_version=(3, 12))
    )
    assert rendered.text() == (
        "#\n"
        "# This file is autogenerated by pip-compile with Python 3.12\n"
        "# by the following command:\n"
        "#\n"
        "#    pip-compile x.in\n"
        "#\n"
        "a==1\n"
    )


def test_text_uses_the_line_ending_everywhere() -> None:
    rendered = render_output(WITH_HASHES[:1], OutputOptions(header=False))
    text = rendered.text("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.count("\r\n") == 4


def test_unhashed_pin_among_hashed_ones_is_flagged_uninstallable() -> None:
    assert render_output(MIXED_HASHES, OutputOptions()).uninstallable
    assert not render_output(WITH_HASHES, OutputOptions(allow_unsafe=True)).uninstallable
    assert render_output(WITH_HASHES, OutputOptions()).uninstallable


def test_header_parameter_table_matches_pip_compile() -> None:
    """Every pip-compile parameter the header looks at is in our table with click's spelling and default."""
    ours = {param.name: param for param in _HEADER_PARAMS}
    names = {param.name for param in COMPILE.params if param.expose and param.kind != "arguments"}
    assert set(ours) == names - {"help", "version"}
    for param in COMPILE.params:
        if param.name not in ours:
            continue
        mine = ours[param.name]
        assert mine.long == param.opts[-1], param.name
        assert mine.negative == (param.secondary_opts[-1] if param.secondary_opts else None), param.name
        assert mine.flag == (param.kind == "flag"), param.name


COMMAND_LINES: list[list[str]] = [
    ["--no-config"],
    ["--no-config", "requirements.in"],
    ["--no-config", "b.in", "requirements.in", "-o", "out.txt"],
    ["--no-config", "-U", "-P", "x", "-v", "-q", "--dry-run", "--rebuild", "requirements.in"],
    [
        "--no-config",
        "--generate-hashes",
        "--allow-unsafe",
        "--no-annotate",
        "--annotation-style=line",
        "--strip-extras",
        "requirements.in",
    ],
    ["--no-config", "--no-strip-extras", "--no-allow-unsafe", "--no-header", "requirements.in"],
    [
        "--no-config",
        "-i",
        "https://user:secret@example.com/simple",
        "--extra-index-url",
        "https://token@other.example/simple",
        "--extra-index-url",
        "https://third.example/simple",
        "-f",
        "./wheels",
        "--trusted-host",
        "example.com",
        "requirements.in",
    ],
    [
        "--no-config",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--no-emit-trusted-host",
        "requirements.in",
    ],
    ["--no-config", "--no-emit-options", "--no-build-isolation", "--max-rounds", "10", "requirements.in"],
    ["--no-config", "--max-rounds=20", "--newline", "crlf", "--pre", "--no-index", "requirements.in"],
    ["--no-config", "--pip-args", "--cache-dir '/tmp/with space' --no-deps", "requirements.in"],
    [
        "--no-config",
        "--unsafe-package",
        "Foo_Bar",
        "--unsafe-package",
        "pip",
        "-c",
        "c.txt",
        "requirements.in",
    ],
    ["--no-config", "--cache-dir", "cachedir", "--no-reuse-hashes", "--reuse-hashes", "requirements.in"],
    ["--no-config", "--color", "--cert", "ca.pem", "--client-cert", "c.pem", "requirements.in"],
    ["--no-config", "--extra", "dev", "--extra", "test", "pyproject.toml"],
    ["--no-config", "--all-extras", "--output-file", "sub dir/out.txt", "pyproject.toml"],
    ["--no-config", "--uploaded-prior-to", "2024-01-01", "--resolver", "backtracking", "requirements.in"],
    ["--no-config", "--", "-weird.in", "requirements.in"],
    ["--config", "sub/conf.toml", "requirements.in"],
    ["--config", "pyproject.toml", "requirements.in"],
    ["requirements.in"],
]


@pytest.fixture(scope="module")
def command_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cmd")
    for name in ("requirements.in", "b.in", "-weird.in", "c.txt"):
        (root / name).write_text("a\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\n[tool.pip-tools]\ngenerate-hashes = true\n'
    )
    (root / "sub").mkdir()
    (root / "sub" / "conf.toml").write_text("[tool.pip-tools]\nallow-unsafe = true\nmax-rounds = 7\n")
    (root / "cachedir").mkdir()
    return root


@pytest.fixture(scope="module")
def piptools_commands(command_dir: Path) -> list[str]:
    result: list[str] = _run_harness(COMMAND_HARNESS, COMMAND_LINES, command_dir)
    return result


@pytest.mark.parametrize("index", range(len(COMMAND_LINES)), ids=[" ".join(a) for a in COMMAND_LINES])
def test_header_command_matches_pip_compile(
    index: int, command_dir: Path, piptools_commands: list[str]
) -> None:
    argv = COMMAND_LINES[index]
    environ = clean_environ(command_dir / ".env")
    parsed = parse("compile", argv, environ=environ, cwd=command_dir)
    assert parsed.settings is not None
    settings = parsed.settings
    ours = compile_command(
        settings.values,
        src_files=settings.args,
        config_given=settings.origins.get("config") == "command line",
    )
    assert ours == piptools_commands[index]


def test_redact_url_hides_passwords_and_tokens() -> None:
    assert redact_url("https://u:p@h/s") == "https://u:****@h/s"
    assert redact_url("https://tok@h/s") == "https://****@h/s"
    assert redact_url("https://h/s") == "https://h/s"


def test_direct_reference_keeps_subdirectory_and_hash_only() -> None:
    url = "https://e.com/p.zip#egg=p&subdirectory=sub&sha256=abc"
    assert (
        direct_reference("P_Q", ["b", "a"], url)
        == "p-q[a,b] @ https://e.com/p.zip#subdirectory=sub&sha256=abc"
    )
    assert direct_reference("p", [], "file:rel/p.zip") == "file:rel/p.zip"
    assert direct_reference(None, [], "https://e.com/p.zip#egg=p") == "https://e.com/p.zip#egg=p"


def test_existing_pins_skip_unpinned_editable_and_upgraded(tmp_path: Path) -> None:
    output = tmp_path / "requirements.txt"
    output.write_text(
        "a==1.0 \\\n    --hash=sha256:" + "1" * 64 + " \\\n    --hash=sha384:" + "2" * 96 + "\n"
        "B_b===2.0\nc>=1\nd==1.*\ne==1,<2\nf==3.0\n-e ./local\n"
    )
    pins = existing_pins(output, upgrade_packages=["F"])
    assert sorted(pins) == ["a", "b-b"]
    assert pins["a"].sha256_hashes == {"sha256:" + "1" * 64}
    assert pins["b-b"].operator == "==="
    assert existing_pins(tmp_path / "missing.txt") == {}


def test_unsafe_defaults_are_pip_tools_ones() -> None:
    assert {"pip", "setuptools", "distribute"} == UNSAFE_PACKAGES
