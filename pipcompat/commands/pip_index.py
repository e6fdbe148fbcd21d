"""``pipcompat pip index versions NAME``: the versions the indexes offer for a project, as pip prints them.

Also home of :class:`LatestFinder`, pip's "best candidate" for a project on a target, shared with
``pip list --outdated/--uptodate``: files the target can use (wheel tags, ``Requires-Python``, format
control, upload-time cut-off), yanked files left out, pre-releases only when release control allows them
for the project (``--pre`` is ``--all-releases :all:``), and with ``--prefer-binary`` a wheel before a newer
sdist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from pipcompat.errors import ERROR, SUCCESS, PipcompatError

if TYPE_CHECKING:
    from pipcompat.commands import Context
    from pipcompat.models import TargetEnvironment
    from pipcompat.resolver.finder import ProjectFiles
    from pipcompat.settings import CommandSettings

#: The index and package-selection options every index-reading pip command honours.
INDEX_OPTIONS = frozenset(
    {
        "index_url",
        "extra_index_urls",
        "no_index",
        "find_links",
        "pre",
        "format_control",
        "release_control",
        "prefer_binary",
        "uploaded_prior_to",
        "trusted_hosts",
        "cert",
        "client_cert",
        "timeout",
        "retries",
        "proxy",
        "keyring_provider",
        "cache_dir",
        "disable_pip_version_check",
    }
)

#: ``--python-version/--platform/--implementation/--abi`` are not honoured yet (refused, exit 2).
#: pip ignores ``--require-virtualenv`` for this command (its ``ignore_require_venv``); so does pipcompat.
IMPLEMENTED_OPTIONS = INDEX_OPTIONS | frozenset(
    {
        "json",
        "ignore_requires_python",
        "python",
        "require_venv",
        "platforms",
        "python_version",
        "implementation",
        "abis",
    }
)


@dataclass(frozen=True)
class Latest:
    """The best candidate of a project: its version and pip's file type (``wheel`` or ``sdist``)."""

    version: Version
    filetype: str


def check_release_control(settings: CommandSettings, environ: Mapping[str, str]) -> None:
    """pip: ``--pre`` does not go with ``--all-releases``/``--only-final``."""
    from pipcompat.settings import IndexSettings

    index = IndexSettings.from_settings(settings, environ)
    if index.pre and (index.all_releases or index.only_final):
        raise PipcompatError("--pre cannot be used with --all-releases or --only-final.", exit_code=ERROR)


class LatestFinder:
    """What the indexes offer for projects, judged for one target with pip's selection preferences."""

    def __init__(
        self,
        settings: CommandSettings,
        target: TargetEnvironment,
        client: Any,
        *,
        environ: Mapping[str, str],
        ignore_requires_python: bool = False,
    ) -> None:
        from pipcompat.resolver import ResolveOptions
        from pipcompat.resolver.finder import LinkEvaluator
        from pipcompat.settings import IndexSettings

        index = IndexSettings.from_settings(settings, environ)
        self.client = client
        self.prefer_binary = index.prefer_binary
        self.all_releases = index.all_releases | ({":all:"} if index.pre else frozenset())
        self.only_final = index.only_final
        self.options = ResolveOptions(
            target=target,
            all_releases=self.all_releases,
            only_final=self.only_final,
            only_binary=index.only_binary,
            no_binary=index.no_binary,
            prefer_binary=index.prefer_binary,
            uploaded_prior_to=_cutoff(index.uploaded_prior_to),
            ignore_requires_python=ignore_requires_python,
        )
        self.evaluator = LinkEvaluator(target, self.options)

    def prefetch(self, names: Iterable[str]) -> None:
        self.client.prefetch([canonicalize_name(name) for name in names])

    def project(self, name: str) -> ProjectFiles:
        canonical = canonicalize_name(name)
        return self.evaluator.project(canonical, self.client.links(canonical))

    def excludes_prereleases(self, name: str) -> bool:
        from pipcompat.models import allows_prereleases

        allowed = allows_prereleases(
            canonicalize_name(name), all_releases=self.all_releases, only_final=self.only_final
        )
        return allowed is not True

    def versions(self, name: str) -> list[Version]:
        """Every version with a usable, not yanked file, newest first (pip's ``index versions``)."""
        project = self.project(name)
        found = [v for v, files in project.versions.items() if files.usable(allow_yanked=False)]
        if self.excludes_prereleases(name):
            found = [v for v in found if not v.is_prerelease]
        return sorted(set(found), reverse=True)

    def latest(self, name: str) -> Latest | None:
        """pip's best candidate for *name*, or ``None`` when nothing is usable."""
        project = self.project(name)
        exclude_pre = self.excludes_prereleases(name)
        best: tuple[tuple[Any, ...], Latest] | None = None
        for version, files in project.versions.items():
            if exclude_pre and version.is_prerelease:
                continue
            for choice in files.usable(allow_yanked=False):
                key = (choice.is_wheel if self.prefer_binary else 0, version, choice.is_wheel)
                if best is None or key > best[0]:
                    best = (key, Latest(version, "wheel" if choice.is_wheel else "sdist"))
        return None if best is None else best[1]


def _cutoff(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PipcompatError(
            f"invalid --uploaded-prior-to value {text!r}", hint="use an ISO 8601 date", exit_code=2
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def run(settings: CommandSettings, ctx: Context) -> int:
    from pipcompat.commands.cache import command_cache
    from pipcompat.env.probe import probe_interpreter
    from pipcompat.index import IndexClient
    from pipcompat.install.target import installed_distributions, locate_target

    check_release_control(settings, ctx.environ)
    args = list(settings.args)
    if not args or args[0] != "versions":
        raise PipcompatError("Need an action (versions) to perform.", exit_code=ERROR)
    if len(args) != 2:
        raise PipcompatError("You need to specify exactly one argument", exit_code=ERROR)
    query = args[1]
    located = locate_target(settings.get("python"), environ=ctx.environ, cwd=ctx.cwd)
    with command_cache(settings, ctx) as cache:
        interpreter = probe_interpreter(located.executable, cache)
        target = interpreter.target_environment()
        if any(settings.get(name) for name in ("python_version", "platforms", "abis", "implementation")):
            from pipcompat.resolver.target import restricted_target

            target = restricted_target(
                target,
                version_info=settings.get("python_version"),
                platforms=settings.get("platforms"),
                implementation=settings.get("implementation"),
                abis=settings.get("abis"),
            )
        client = IndexClient.from_settings(settings, cache=cache, environ=ctx.environ)
        try:
            finder = LatestFinder(
                settings,
                target,
                client,
                environ=ctx.environ,
                ignore_requires_python=bool(settings.get("ignore_requires_python")),
            )
            versions = finder.versions(query)
        finally:
            client.close()
    if not versions:
        raise PipcompatError(f"No matching distribution found for {query}", exit_code=ERROR)
    shown = [str(v) for v in versions]
    latest = shown[0]
    wanted = canonicalize_name(query)
    dists = installed_distributions(located)
    installed = next((d for d in dists if d.canonical_name == wanted), None)
    # pip writes these lines at its info level, which -q silences
    if settings.get("json"):
        data: dict[str, Any] = {"name": query, "versions": shown, "latest": latest}
        if installed is not None:
            data["installed_version"] = str(installed.version)
        ctx.printer.info_out(json.dumps(data))
        return SUCCESS
    ctx.printer.info_out(f"{query} ({latest})")
    ctx.printer.info_out(f"Available versions: {', '.join(shown)}")
    if installed is not None:
        ctx.printer.info_out(f"  INSTALLED: {installed.version}")
        if Version(latest).pre:
            ctx.printer.info_out(f"  LATEST:    {latest} (pre-release; install with `pip install --pre`)")
        else:
            ctx.printer.info_out(f"  LATEST:    {latest}")
    return SUCCESS
