"""PEP 723 blocks read as pip 26.3's own reader reads them (its parser is imported and compared)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pip._internal.req.pep723 import PEP723Exception, pep723_metadata

from pipcompat.errors import PipcompatError
from pipcompat.requirements.scripts import metadata_blocks, read_script_metadata

PIECES = [
    "# /// script",
    "# /// pyproject",
    "# ///",
    "#",
    "# requires-python = '>=3.9'",
    "# dependencies = ['six']",
    "x = 1",
    "",
    "#x",
    "# /// bad type",
    "# ///  ",
    "#  indented = 2",
]


def _ours(path: Path) -> object:
    try:
        found = read_script_metadata(path.name, cwd=path.parent)
    except PipcompatError as error:
        return ("error", str(error).replace(repr(path.name), "FILE"))
    return (list(found.dependencies), found.requires_python)


def _pips(path: Path) -> object:
    try:
        data = pep723_metadata(str(path))
    except PEP723Exception as error:
        return ("error", error.msg.replace(repr(str(path)), "FILE"))
    return (list(data.get("dependencies", [])), data.get("requires-python"))


def test_random_files_read_the_same_as_pip_reads_them(tmp_path: Path) -> None:
    rng = random.Random(723)
    differences = []
    for trial in range(3000):
        lines = [rng.choice(PIECES) for _ in range(rng.randint(0, 9))]
        text = "\n".join(lines) + rng.choice(["", "\n"])
        path = tmp_path / f"s{trial}.py"
        path.write_text(text, encoding="utf-8")
        if _ours(path) != _pips(path):
            differences.append((text, _ours(path), _pips(path)))
    assert differences == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# /// script\n# dependencies = ['a', 'b>1']\n# ///\n", (["a", "b>1"], None)),
        ("# /// script\n# requires-python = '>=3.10'\n# ///", ([], ">=3.10")),
        ("# /// script\r\n# dependencies = ['crlf']\r\n# ///\r\n", (["crlf"], None)),
        ("print(1)\n", ("error", "File does not contain 'script' metadata: FILE")),
        ("# /// script\n# ///\n", ("error", "File does not contain 'script' metadata: FILE")),
        (
            "# /// script\n# a = 1\n# ///\nx = 1\n# /// script\n# a = 1\n# ///\n",
            ("error", "Multiple 'script' blocks found in FILE"),
        ),
        (
            "# /// script\n# a = 1\n# ///\n# /// script\n# a = 1\n# ///\n",
            ("error", "Failed to parse TOML in FILE"),
        ),
        ("# /// script\n# dependencies = [\n# ///\n", ("error", "Failed to parse TOML in FILE")),
    ],
    ids=["deps", "requires-python-no-newline", "crlf", "none", "empty", "two", "adjacent", "bad-toml"],
)
def test_known_shapes_read_as_pip_reads_them(tmp_path: Path, text: str, expected: object) -> None:
    path = tmp_path / "script.py"
    path.write_bytes(text.encode())
    assert _ours(path) == _pips(path) == expected


def test_blocks_of_other_types_are_skipped_and_their_lines_are_not_content() -> None:
    text = "# /// pyproject\n# a = 1\n# ///\n\n# /// script\n# b = 2\n#\n# ///\n"
    assert metadata_blocks(text) == [("pyproject", "a = 1\n"), ("script", "b = 2\n\n")]
    # With nothing between them, two blocks read as one (the last "# ///" closes it), as pip reads them.
    assert metadata_blocks(text.replace("\n\n#", "\n#")) == [
        ("pyproject", "a = 1\n///\n/// script\nb = 2\n\n")
    ]


def test_dependencies_that_are_not_a_list_of_strings_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("# /// script\n# dependencies = 'six'\n# ///\n")
    with pytest.raises(PipcompatError, match="must be a list of strings"):
        read_script_metadata("s.py", cwd=tmp_path)
