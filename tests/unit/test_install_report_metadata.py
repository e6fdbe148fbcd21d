"""Core metadata as the JSON of pip's installation report and ``pip inspect``: the same as pip's own."""

from __future__ import annotations

import email

import pytest
from pip._internal.metadata._json import msg_to_json

from pipcompat.install.report import metadata_to_json

METADATA = [
    "Metadata-Version: 2.1\nName: plain\nVersion: 1.0\nSummary: ascii only\n",
    "Metadata-Version: 2.1\nName: cafe\nVersion: 1\nSummary: caf\u00e9 \U0001f44b\nAuthor: J\u00f6rg\n\n"
    "A description with \U0001f44b and \u00e9.\n",
    "Metadata-Version: 2.4\nName: many\nVersion: 2\nClassifier: A :: B\nClassifier: C :: D\n"
    "Keywords: one, two,three\nRequires-Dist: x>=1\nRequires-Dist: y; extra == 'z'\nProvides-Extra: z\n"
    "Project-URL: Home, https://example.org\n\nBody\n\nwith blank lines\n",
    "Metadata-Version: 1.1\nName: spaced\nVersion: 3\nKeywords: one two three\n",
]


@pytest.mark.parametrize("text", METADATA)
def test_metadata_json_equals_pips_for_the_same_text(text: str) -> None:
    assert metadata_to_json(text.encode("utf-8")) == msg_to_json(email.message_from_string(text))
