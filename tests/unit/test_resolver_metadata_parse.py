"""Core metadata is read as the ``email`` package reads it, whatever the shape of its header block."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import compat32

import pytest
from packaging.requirements import Requirement

from pipcompat.errors import PipcompatError
from pipcompat.resolver.metadata import parse_metadata

CASES = {
    "plain": b"Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\nRequires-Python: >=3.8\n"
    b"Requires-Dist: idna (>=2.5)\nRequires-Dist: pytest ; extra == 'test'\nProvides-Extra: Test\n\n"
    b"Long description\nRequires-Dist: not-a-header\n",
    "folded and non-ASCII elsewhere": b"Metadata-Version: 2.1\nName: demo\nVersion: 2.0\nLicense: MIT\n"
    b"  and more\nAuthor: J\xc3\xb6rg\nRequires-Dist: a>=1\n",
    "no space after the colon, no body": b"Name:demo\nVersion:3.0\nRequires-Dist:b",
    "crlf line ends": b"Name: demo\r\nVersion: 4.0\r\nRequires-Dist: c\r\n\r\nbody",
    "a line that is not a header ends the headers": b"Name: demo\nVersion: 5.0\nnot a header\n"
    b"Requires-Dist: d\n",
    "non-ASCII in a field read here": b"Name: d\xc3\xa9mo\nVersion: 6.0\n",
}


def _by_email(data: bytes) -> tuple[object, ...]:
    message = BytesParser(policy=compat32).parsebytes(data, headersonly=True)
    return (
        str(message.get("Name")).strip(),
        str(message.get("Version")).strip(),
        [str(r) for r in message.get_all("Requires-Dist") or ()],
        message.get("Requires-Python"),
        sorted(str(e).lower() for e in message.get_all("Provides-Extra") or ()),
    )


@pytest.mark.parametrize("data", list(CASES.values()), ids=list(CASES))
def test_metadata_fields_are_those_email_reads(data: bytes) -> None:
    meta = parse_metadata(data, where="demo.whl")
    name, version, requires, requires_python, extras = _by_email(data)
    assert (meta.name, meta.version) == (name, version)
    assert [str(r) for r in meta.requires_dist] == [str(Requirement(r)) for r in requires]
    assert meta.requires_python == requires_python
    assert sorted(meta.provides_extra) == extras


def test_metadata_without_a_version_is_an_error() -> None:
    with pytest.raises(PipcompatError, match=r"demo\.whl has no Name or Version"):
        parse_metadata(b"Name: demo\n\nVersion: 1.0\n", where="demo.whl")
