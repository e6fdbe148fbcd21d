"""pip's installation report (``pip install --report``): what an install (or a dry run) installs, as JSON.

The document is pip's version ``"1"``: ``install`` holds one item per distribution to install, in the order
pip lists them, with ``download_info`` (PEP 610 ``direct_url.json`` data of the file, with pip's legacy
``hash`` next to ``hashes``), ``is_direct``, ``is_yanked``, ``requested``, ``requested_extras`` for requested
packages with extras, and ``metadata`` in the JSON form of PEP 566 (:func:`metadata_to_json`);
``environment`` is the target's PEP 508 marker environment.
"""

from __future__ import annotations

import email.parser
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.header import Header, decode_header, make_header
from typing import Any

REPORT_VERSION = "1"

#: Core metadata fields in PEP 566's JSON conversion, and whether each may repeat.
METADATA_FIELDS: tuple[tuple[str, bool], ...] = (
    ("Metadata-Version", False),
    ("Name", False),
    ("Version", False),
    ("Dynamic", True),
    ("Platform", True),
    ("Supported-Platform", True),
    ("Summary", False),
    ("Description", False),
    ("Description-Content-Type", False),
    ("Keywords", False),
    ("Home-page", False),
    ("Download-URL", False),
    ("Author", False),
    ("Author-email", False),
    ("Maintainer", False),
    ("Maintainer-email", False),
    ("License", False),
    ("License-Expression", False),
    ("License-File", True),
    ("Classifier", True),
    ("Requires-Dist", True),
    ("Requires-Python", False),
    ("Requires-External", True),
    ("Project-URL", True),
    ("Provides-Extra", True),
    ("Provides-Dist", True),
    ("Obsoletes-Dist", True),
)


def _header_text(value: object) -> str:
    if isinstance(value, Header):
        chunks = []
        for data, declared in decode_header(value):
            encoding = declared
            if declared == "unknown-8bit" and isinstance(data, bytes):
                try:
                    data.decode("utf-8")
                    encoding = "utf-8"
                except UnicodeDecodeError:
                    encoding = "latin1"
            chunks.append((data, encoding))
        return str(make_header(chunks))
    return str(value)


def metadata_to_json(data: bytes) -> dict[str, Any]:
    """Core metadata (RFC 822 bytes) as PEP 566 JSON: lower-case ``_`` keys, lists for multiple-use fields,
    ``keywords`` split, the body as ``description``."""
    # Read as text, as pip reads it (importlib.metadata decodes UTF-8): parsing the bytes would leave a
    # non-ASCII description as escaped bytes rather than the text it is.
    message = email.parser.Parser().parsestr(data.decode("utf-8", "replace"))
    result: dict[str, Any] = {}
    for name, multiple in METADATA_FIELDS:
        if name not in message:
            continue
        key = name.lower().replace("-", "_")
        if multiple:
            result[key] = [_header_text(v) for v in message.get_all(name) or ()]
            continue
        value = _header_text(message.get(name))
        if key == "keywords":
            result[key] = [v.strip() for v in value.split(",")] if "," in value else value.split()
        else:
            result[key] = value
    payload = message.get_payload()
    if isinstance(payload, str) and payload:
        result["description"] = payload
    return result


@dataclass(frozen=True)
class ReportItem:
    """One distribution to install, as the report describes it."""

    url: str
    metadata: bytes
    hashes: Mapping[str, str] = field(default_factory=dict)
    is_direct: bool = False
    is_yanked: bool = False
    requested: bool = False
    requested_extras: Sequence[str] = ()
    download_info: Mapping[str, Any] | None = None
    """The PEP 610 data when the caller knows better than the URL and index hashes (source trees, sdists
    built from a direct reference)."""


def download_info(url: str, hashes: Mapping[str, str]) -> dict[str, Any]:
    """PEP 610 data of an archive, with pip's legacy ``hash`` (the strongest known algorithm)."""
    archive: dict[str, Any] = {}
    if hashes:
        for name in ("sha512", "sha384", "sha256", "sha224", "sha1", "md5"):
            if name in hashes:
                archive["hash"] = f"{name}={hashes[name]}"
                break
        else:
            first = sorted(hashes)[0]
            archive["hash"] = f"{first}={hashes[first]}"
        archive["hashes"] = dict(hashes)
    return {"url": url, "archive_info": archive}


def installation_report(
    items: Sequence[ReportItem], *, environment: Mapping[str, str], pip_version: str
) -> dict[str, Any]:
    """The whole report document."""
    install = []
    for item in items:
        entry: dict[str, Any] = {
            "download_info": (
                dict(item.download_info)
                if item.download_info is not None
                else download_info(item.url, item.hashes)
            ),
            "is_direct": item.is_direct,
            "is_yanked": item.is_yanked,
            "requested": item.requested,
            "metadata": metadata_to_json(item.metadata),
        }
        if item.requested and item.requested_extras:
            entry["requested_extras"] = sorted(item.requested_extras)
        install.append(entry)
    return {
        "version": REPORT_VERSION,
        "pip_version": pip_version,
        "install": install,
        "environment": dict(environment),
    }
