"""``pipcompat pip wheel``: a wheel for every requirement and dependency, into ``-w`` (pip wheel 26.3).

The requirements are resolved as ``pip download`` resolves them (:func:`pipcompat.commands.pip_download.
resolved`). A wheel the index (or a link) has is saved as it is, with pip's ``Saved ./dir/file`` (or ``File
was already downloaded …``); an sdist, a local directory or a VCS checkout is built by the builder installs
use (its ``built`` cache included) and the wheel copied into the directory, with pip's ``Created wheel for
…`` line, then ``Successfully built …``. Every downloaded file is hash-checked (hash-checking mode included)
before anything is built or saved.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipcompat.commands.pip_download import IMPLEMENTED_OPTIONS as _DOWNLOAD_OPTIONS
from pipcompat.commands.pip_download import (
    WORKERS,
    _already_there,
    display_path,
    file_requests,
    resolved,
)
from pipcompat.errors import SUCCESS

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.commands.pip_download import Resolved
    from pipcompat.dist.prepare import WheelRequest
    from pipcompat.dist.sources import SourceTree
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = (
    _DOWNLOAD_OPTIONS - {"download_dir", "platforms", "python_version", "implementation", "abis"}
) | frozenset({"wheel_dir", "editables", "config_settings", "no_verify"})


def _copy_into(wheel: Path, directory: Path) -> Path:
    """*wheel* copied into *directory* (through a temporary file renamed into place)."""
    final = directory / wheel.name
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{wheel.name}.", suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(wheel, temp)
        os.replace(temp, final)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return final


def _created_line(name: str, wheel: Path) -> str:
    data = wheel.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return f"  Created wheel for {name}: filename={wheel.name} size={len(data)} sha256={digest}"


def make_wheels(found: Resolved, directory: Path, ctx: Context) -> list[str]:
    """Save or build a wheel of every package of the plan into *directory*; the names built."""
    from pipcompat.dist.prepare import check_archives
    from pipcompat.dist.unpack import file_sha256

    client, source = found.client, found.source
    tree_for = getattr(source, "tree_for", None)
    kept: list[Path] = []
    fetch: list[WheelRequest] = []
    trees: list[tuple[WheelRequest, SourceTree]] = []
    for wanted in file_requests(found.planned, found.request):
        tree = tree_for(wanted.link.url) if tree_for is not None else None
        if tree is not None:
            trees.append((wanted, tree))
            continue
        there = directory / os.path.basename(wanted.link.filename)
        if wanted.link.filename.endswith(".whl") and _already_there(
            there, wanted.link, wanted.allowed_hashes
        ):
            kept.append(there)
            continue
        fetch.append(wanted)
    directory.mkdir(parents=True, exist_ok=True)
    built: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(dir=directory, prefix=".pipcompat-wheel-") as temp:
        with ThreadPoolExecutor(max_workers=min(WORKERS, max(1, len(fetch)))) as pool:
            fetched = list(pool.map(lambda w: client.download(w.link, Path(temp)), fetch))
        check_archives(list(zip(fetch, fetched, strict=True)))
        saved: list[Path] = []
        for wanted, path in zip(fetch, fetched, strict=True):
            if path.name.endswith(".whl"):
                final = directory / path.name
                os.replace(path, final)
                saved.append(final)
                continue
            built.append((wanted.name, source.build_wheel(wanted, path, file_sha256(path))))
        for wanted, tree in trees:
            if tree.editable:  # pip wheel builds a regular wheel of an editable's project
                builder = source.builder_for(wanted.link.url)
                regular = replace(tree, editable=False, _key=None)
                built.append((wanted.name, builder.build_tree_wheel(regular, wanted.name)))
            else:
                built.append((wanted.name, source.tree_wheel(wanted.link.url, wanted.name)))
        for path in kept:
            ctx.printer.info_out(f"  File was already downloaded {os.path.abspath(path)}")
        for path in saved:
            ctx.printer.info_out(f"Saved {display_path(path, ctx.cwd)}")
    if built:
        ctx.printer.info_out(f"Building wheels for collected packages: {', '.join(n for n, _ in built)}")
        for name, wheel in built:
            ctx.printer.info_out(_created_line(name, _copy_into(wheel, directory)))
    return [name for name, _ in built]


def run(settings: CommandSettings, ctx: Context) -> int:
    directory = Path(ctx.cwd, str(settings.get("wheel_dir") or "."))
    with resolved(settings, ctx, command="wheel") as found:
        names = make_wheels(found, directory, ctx)
    if names:
        ctx.printer.info_out(f"Successfully built {' '.join(names)}")
    return SUCCESS
