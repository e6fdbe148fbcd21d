"""``pipcompat pip hash``: print the ``--hash`` line a requirements file needs for local archives."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pipcompat.errors import ERROR, SUCCESS, PipcompatError

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.settings import CommandSettings

#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = frozenset({"algorithm", "require_venv"})
#: Reaches no index and no cache (see :data:`pipcompat.commands.OFFLINE_HONOURED`).
OFFLINE = True

_CHUNK = 1 << 20


def hash_of_file(path: str, algorithm: str) -> str:
    """The hex digest of the file at *path*, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def run(settings: CommandSettings, ctx: Context) -> int:
    algorithm = str(settings.get("algorithm") or "sha256")
    if not settings.args:
        ctx.printer.info("usage: pipcompat pip hash [options] <file> ...")
        return ERROR
    for path in settings.args:
        try:
            digest = hash_of_file(path, algorithm)
        except OSError as exc:
            # pip fails here with exit status 2 as well.
            raise PipcompatError(f"cannot read {path}: {exc.strerror or exc}", exit_code=2) from None
        ctx.printer.data(f"{path}:\n--hash={algorithm}:{digest}")
    return SUCCESS
