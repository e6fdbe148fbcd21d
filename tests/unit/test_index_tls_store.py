"""Which certificate store the index client verifies with: the system's hashed directory only when it holds
everything the system bundle holds."""

from __future__ import annotations

import ssl
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipcompat.index import session

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def system_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A system bundle of two certificates and a hashed directory with a link for each."""
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_bytes(PEM * 2)
    directory = tmp_path / "certs"
    directory.mkdir()
    for name in ("0a1b2c3d.0", "4e5f6a7b.0"):
        (directory / name).write_bytes(PEM)
    (directory / "ca-certificates.crt").symlink_to(bundle)
    paths = SimpleNamespace(cafile=str(bundle), capath=str(directory))
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    return bundle, directory


def test_the_hashed_directory_stands_in_for_the_system_bundle_it_matches(
    system_store: tuple[Path, Path],
) -> None:
    bundle, directory = system_store
    assert session._hashed_twin(str(bundle)) == str(directory)


def test_a_certificate_appended_to_the_bundle_by_hand_keeps_the_bundle_in_use(
    system_store: tuple[Path, Path],
) -> None:
    bundle, _directory = system_store
    with bundle.open("ab") as stream:  # e.g. a company proxy's CA, directory not rehashed
        stream.write(PEM)
    assert session._hashed_twin(str(bundle)) is None


def test_another_bundle_than_the_systems_is_used_as_it_is(
    system_store: tuple[Path, Path], tmp_path: Path
) -> None:
    other = tmp_path / "corporate.pem"
    other.write_bytes(PEM)
    assert session._hashed_twin(str(other)) is None
