"""Checking that a cache entry is whole (see :mod:`pipcompat.dist.unpack`), in this process or another.

Every file of an entry's manifest must be there, a regular file with its size and modification time (one
``lstat`` each). :func:`first_problem` is what :mod:`pipcompat.dist.unpack` runs before using an entry.

The same check also runs as a script, in a separate interpreter, so that an install can check the
entries it will most likely use while it resolves (:class:`pipcompat.dist.prepare.EntryPrecheck`): in
another process the ``lstat`` calls of thousands of files take no turns of this process's interpreter
lock away from the resolver. This module therefore imports nothing outside the standard library and
uses nothing newer than Python 3.8: ``python -I -S entry_check.py ROOT...`` prints one JSON line per
entry root, ``[root, problem]``, ``problem`` being ``null`` for a whole entry.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any, List, Optional

MANIFEST = "manifest.json"
TREE = "tree"


def first_problem(tree: str, rows: List[List[Any]], mtimes: List[Any]) -> Optional[str]:  # noqa: UP006, UP045
    """The first file of *rows* (paths relative to *tree*, which ends with a separator) whose kind, size
    or modification time is not what the manifest says (*mtimes*: ``None`` where unknown), in words."""
    lstat = os.lstat
    is_reg = stat.S_ISREG
    for row, mtime in zip(rows, mtimes):
        try:
            info = lstat(tree + row[0])
        except OSError:
            return "{} is missing".format(row[0])
        if not is_reg(info.st_mode) or info.st_size != int(row[2]):
            return "{} has changed size".format(row[0])
        if mtime is not None and info.st_mtime_ns != mtime:
            return "{} was modified".format(row[0])
    return None


def entry_problem(root: str) -> Optional[str]:  # noqa: UP045
    """What is wrong with the entry at *root* (``None``: whole, as far as sizes and times tell)."""
    try:
        with open(os.path.join(root, MANIFEST), "rb") as stream:
            data = json.loads(stream.read())
        rows = data["files"]
        mtimes = data.get("mtimes")
        if not isinstance(mtimes, list) or len(mtimes) != len(rows):
            mtimes = [None] * len(rows)
        return first_problem(os.path.join(root, TREE) + os.sep, rows, mtimes)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        return "its manifest is unreadable ({})".format(exc.__class__.__name__)


def main(roots: List[str]) -> int:  # noqa: UP006
    out = sys.stdout
    for root in roots:  # one complete line per entry, written at once: a reader may stop this any time
        out.write(json.dumps([root, entry_problem(root)]) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
