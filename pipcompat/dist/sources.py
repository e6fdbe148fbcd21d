"""Local source trees: what a direct reference to a directory is, and when it must be built again.

A :class:`SourceTree` is a project directory to build (a local path, a ``file://`` URL to a directory, an
editable, or a VCS checkout made by :mod:`pipcompat.dist.vcs`) together with the PEP 610
``direct_url.json`` data that says where it came from. The builder (:mod:`pipcompat.dist.build`) turns it
into metadata and a wheel; the install writes :attr:`SourceTree.direct_url`.

pip builds a local directory again on every explicit install. pipcompat does too, unless nothing in the
tree changed: :func:`tree_key` is a digest of every file's relative path, size and modification time
(nanoseconds), leaving out version-control and tool directories and build outputs (:data:`EXCLUDED_DIRS`
anywhere in the tree, :data:`EXCLUDED_TOP_DIRS` at its top, ``*.egg-info`` and ``*.dist-info``
directories, and compiled ``*.pyc``/``*.pyo`` files). Editing, adding, removing or touching any other file
changes the key, and the tree is built again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipcompat.errors import PipcompatError

#: Directories never part of a tree's content key, wherever they are.
EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".tox",
        ".nox",
        ".venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
    }
)
#: Directories left out only at the top of the tree: build outputs of setuptools and most backends.
EXCLUDED_TOP_DIRS = frozenset({"build", "dist"})
#: File suffixes left out of the key.
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
_EXCLUDED_DIR_SUFFIXES = (".egg-info", ".dist-info")

#: File names of source archives (sdists) a direct reference may point at.
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")


def is_source_archive(name: str) -> bool:
    """Whether *name* (a file name or URL path) is an archive pipcompat builds from source."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def is_project_dir(path: Path) -> bool:
    """pip's test for an installable directory: it has ``pyproject.toml`` or ``setup.py``."""
    return (path / "pyproject.toml").is_file() or (path / "setup.py").is_file()


def check_project_dir(path: Path, shown: str) -> None:
    """Raise pip's error for a directory that is not a project."""
    if not is_project_dir(path):
        raise PipcompatError(
            f"Directory {shown!r} is not installable. Neither 'setup.py' nor 'pyproject.toml' found."
        )


def tree_key(directory: Path) -> str:
    """The content key of the tree at *directory* (see the module docstring for what it covers)."""
    digest = hashlib.sha256()
    root = str(directory)
    for current, dirs, files in os.walk(root):
        top = current == root
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in EXCLUDED_DIRS
            and not d.endswith(_EXCLUDED_DIR_SUFFIXES)
            and not (top and d in EXCLUDED_TOP_DIRS)
        )
        rel_dir = os.path.relpath(current, root)
        for name in sorted(files):
            if name.endswith(EXCLUDED_SUFFIXES):
                continue
            path = os.path.join(current, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


@dataclass
class SourceTree:
    """A project directory to build, and where it came from.

    ``direct_url`` is the PEP 610 ``direct_url.json`` content to install with it (``dir_info`` for local
    directories, ``vcs_info`` for checkouts). ``editable`` trees are built with ``build_editable`` and
    never cached; the others are cached by :meth:`key` (computed once, when first asked).
    """

    directory: Path
    direct_url: Mapping[str, Any]
    editable: bool = False
    cache_key: str | None = None
    """A fixed cache key (a VCS checkout's commit); ``None`` means the content key of the tree."""
    _key: str | None = field(default=None, repr=False)

    def key(self) -> str:
        if self._key is None:
            self._key = self.cache_key or tree_key(self.directory)
        return self._key


def local_tree(directory: Path, *, editable: bool = False) -> SourceTree:
    """A local project directory, as pip records it (``file://`` URL of the absolute path)."""
    directory = Path(os.path.normpath(os.path.abspath(directory)))
    info: dict[str, Any] = {"editable": True} if editable else {}
    return SourceTree(directory, {"url": directory.as_uri(), "dir_info": info}, editable=editable)


__all__ = [
    "ARCHIVE_SUFFIXES",
    "EXCLUDED_DIRS",
    "EXCLUDED_SUFFIXES",
    "EXCLUDED_TOP_DIRS",
    "SourceTree",
    "check_project_dir",
    "is_project_dir",
    "is_source_archive",
    "local_tree",
    "tree_key",
]
