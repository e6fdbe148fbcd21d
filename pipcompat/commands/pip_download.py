"""``pipcompat pip download``: the files an install would use, saved into a directory (pip download 26.3).

The requirements are resolved as ``pip install --ignore-installed`` would resolve them for the target
interpreter (or for ``--platform``/``--python-version``/``--implementation``/``--abi``, which need
``--only-binary=:all:`` or ``--no-deps``, as in pip). Each chosen file is saved as it is, wheel or sdist,
into ``-d`` (default: the working directory): downloads go to a temporary directory there, every hash is
checked (the index's while streaming, the user's ``--hash`` values in hash-checking mode), and only then
are the files renamed into place, so a failed check saves nothing. A file already there is kept when its
hash is right (pip's ``File was already downloaded /abs/path``) and fetched again otherwise. Local
directories are resolved but not saved, as pip leaves them; a VCS checkout is refused.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipcompat.commands.cache import command_cache
from pipcompat.commands.pip_install import (
    GENERAL_OPTIONS,
    INDEX_OPTIONS,
    Destination,
    Planned,
    Request,
    ResolvePolicy,
    _check_option_combinations,
    _count,
    _described,
    _elapsed,
    attach_sources,
    building_source,
    check_dist_restriction,
    find_destination,
    gather,
    make_client,
    plan_install,
    resolve_request,
    restricted_target_for,
    src_dir,
    uploaded_prior_to,
)
from pipcompat.errors import SUCCESS, PipcompatError

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.dist.prepare import WheelRequest
    from pipcompat.models import Link
    from pipcompat.settings import CommandSettings

IMPLEMENTED_OPTIONS = (
    GENERAL_OPTIONS
    | INDEX_OPTIONS
    | frozenset(
        {
            "requirements",
            "constraints",
            "ignore_dependencies",
            "only_dependencies",
            "src_dir",
            "download_dir",
            "ignore_requires_python",
            "require_hashes",
            "no_require_hashes",
            "build_isolation",
            "build_constraints",
            "check_build_deps",
            "use_pep517",
            "dependency_groups",
            "requirements_from_scripts",
            "platforms",
            "python_version",
            "implementation",
            "abis",
        }
    )
)

#: Files downloaded at once.
WORKERS = 8


def display_path(path: Path, cwd: Path) -> str:
    """pip's ``display_path``: ``./`` and the part below the working directory, else the absolute path."""
    text = os.path.abspath(path)
    base = os.path.abspath(cwd) + os.sep
    return "." + text[len(base) - 1 :] if text.startswith(base) else text


def _already_there(path: Path, link: Link, allowed: Mapping[str, Sequence[str]]) -> bool:
    """pip's check of a file already in the directory: kept unless a known sha256 says it is another."""
    if not path.is_file():
        return False
    wanted = {d.lower() for d in allowed.get("sha256", ())}
    if "sha256" in link.hashes:
        wanted.add(link.hashes["sha256"].lower())
    from pipcompat.dist.unpack import file_sha256

    return not wanted or file_sha256(path) in wanted


def file_requests(planned: Planned, request: Request) -> list[WheelRequest]:
    """What each file must satisfy in hash-checking mode (the same rules as an install's)."""
    from pipcompat.dist.prepare import WheelRequest

    roots = {r.key: r for r in request.requirements}
    constraints = {r.key: r for r in request.roots if r.is_constraint}
    hashes: dict[str, dict[str, list[str]]] = {}
    for item in request.roots:
        for algorithm, digests in {**item.link_hashes, **item.hashes}.items():
            hashes.setdefault(item.key, {}).setdefault(algorithm, []).extend(digests)
    wanted = []
    for plan_item in planned.plan.installs:
        key = plan_item.key
        package = planned.packages[key]
        link = planned.links[key]
        root = roots.get(key) or constraints.get(key)
        pinned = roots[key].pinned if key in roots and not roots[key].is_direct else True
        wanted.append(
            WheelRequest(
                name=package.display_name,
                version=str(package.version),
                link=link,
                allowed_hashes=hashes.get(key, {}),
                require_hashes=request.require_hashes,
                described_as=_described(root, package.display_name, str(package.version), link),
                pinned=pinned,
            )
        )
    return wanted


def save_files(found: Resolved, directory: Path, ctx: Context) -> list[str]:
    """Save the plan's files into *directory*; the names pip lists as downloaded, in the plan's order."""
    from pipcompat.dist.prepare import check_archives

    client, source = found.client, found.source
    tree_for = getattr(source, "tree_for", None)
    names: list[str] = []
    to_fetch: list[WheelRequest] = []
    kept: list[Path] = []
    for wanted in file_requests(found.planned, found.request):
        names.append(wanted.name)
        tree = tree_for(wanted.link.url) if tree_for is not None else None
        if tree is not None:
            if "vcs_info" in tree.direct_url:
                raise PipcompatError(
                    f"{wanted.name}: saving a VCS checkout is not available yet",
                    hint="download the other requirements, or run pip download for this one",
                    exit_code=2,
                )
            continue  # a local directory: resolved, not saved (pip leaves it where it is)
        there = directory / os.path.basename(wanted.link.filename)
        if _already_there(there, wanted.link, wanted.allowed_hashes):
            kept.append(there)
            continue
        if there.exists():
            ctx.printer.pip_warning(
                f"Previously-downloaded file {display_path(there, ctx.cwd)} has bad hash. Re-downloading."
            )
        to_fetch.append(wanted)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".pipcompat-download-") as temp:
        with ThreadPoolExecutor(max_workers=min(WORKERS, max(1, len(to_fetch)))) as pool:
            fetched = list(pool.map(lambda w: client.download(w.link, Path(temp)), to_fetch))
        check_archives(list(zip(to_fetch, fetched, strict=True)))
        for path in kept:
            ctx.printer.info_out(f"  File was already downloaded {os.path.abspath(path)}")
        for path in fetched:
            final = directory / path.name
            os.replace(path, final)
            ctx.printer.info_out(f"Saved {display_path(final, ctx.cwd)}")
    return names


@contextlib.contextmanager
def resolved(settings: CommandSettings, ctx: Context, *, command: str) -> Iterator[Resolved]:
    """The requirements of ``pip download``/``pip wheel`` (*command*) resolved as ``pip install
    --ignore-installed`` resolves them, with the index client and the building source open meanwhile."""
    from pipcompat.settings import IndexSettings

    _check_option_combinations(settings)
    index = IndexSettings.from_settings(settings, ctx.environ)
    check_dist_restriction(settings, index, check_target=False)
    requirement_files = [str(p) for p in settings.get("requirements") or ()]
    constraint_files = [str(p) for p in settings.get("constraints") or ()]
    args = [str(a) for a in settings.args]
    if not (args or requirement_files or settings.get("dependency_groups") or settings.get("editables")):
        raise PipcompatError(
            f'You must give at least one requirement to {command} (see "pip help {command}")'
        )
    request = gather(
        settings, ctx, args=args, requirement_files=requirement_files, constraint_files=constraint_files
    )
    policy = ResolvePolicy(
        ignore_installed=True,
        no_deps=bool(settings.get("ignore_dependencies")),
        ignore_requires_python=bool(settings.get("ignore_requires_python")),
    )
    with command_cache(settings, ctx) as cache:
        found = find_destination(settings, ctx, cache, installing=False)
        nothing = Destination(found.target, found.scheme, [], None, found.kind)
        client = make_client(settings, ctx, request.options, cache)
        source, fetcher = building_source(settings, ctx, cache, client, request=request, destination=found)
        with client, contextlib.closing(fetcher):
            start = time.perf_counter()
            attach_sources(request, source, src=src_dir(settings, nothing, ctx))
            resolution = resolve_request(
                request,
                source,
                nothing,
                policy,
                index_url=index.index_url,
                cutoff=uploaded_prior_to(index.uploaded_prior_to),
                target=restricted_target_for(settings, found),
            )
            planned = plan_install(
                resolution, request, nothing, policy, only_deps=bool(settings.get("only_dependencies"))
            )
            ctx.printer.info(f"Resolved {_count(planned.count)} in {_elapsed(start)}")
            yield Resolved(planned, request, client, source)


@dataclass(frozen=True)
class Resolved:
    """What :func:`resolved` yields: the plan, the request, and the open client and building source."""

    planned: Planned
    request: Request
    client: Any
    source: Any


def run(settings: CommandSettings, ctx: Context) -> int:
    directory = Path(ctx.cwd, str(settings.get("download_dir") or "."))
    with resolved(settings, ctx, command="download") as found:
        names = save_files(found, directory, ctx)
    if names:
        ctx.printer.info_out(f"Successfully downloaded {' '.join(names)}")
    return SUCCESS
