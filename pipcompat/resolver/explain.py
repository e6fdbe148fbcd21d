"""Turn resolvelib's failure into one error a person can follow, never its raw state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pipcompat.errors import PipcompatError
from pipcompat.models import allows_prereleases
from pipcompat.resolver.finder import ProjectFiles, prerelease_versions, select
from pipcompat.resolver.provider import PYTHON, Candidate, Provider, Req


def _join_and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _versions(versions: Iterable[Version]) -> str:
    return ", ".join(str(v) for v in sorted(versions))


def _where(provider: Provider) -> str:
    urls = provider.options.index_urls
    if not urls:
        return ""
    return " in " + " or ".join(urls)


class Explainer:
    def __init__(self, provider: Provider, known_names: Iterable[str]) -> None:
        self.provider = provider
        self.known_names = sorted(set(known_names))

    # -- pieces ---------------------------------------------------------------------------------------

    @staticmethod
    def _who(parent: Candidate | None, req: Req) -> str:
        if parent is not None:
            return str(parent)
        return req.source or "the command line"

    def _statement(self, req: Req, parent: Candidate | None) -> str:
        if req.name == PYTHON:
            return f"{parent} requires Python {req.specifier}"
        if parent is None:
            return f"{self._who(parent, req)} requires {req.text}"
        return f"{parent} depends on {req.text}"

    @staticmethod
    def _party(req: Req, parent: Candidate | None) -> str:
        if parent is not None:
            return str(parent)
        return f"{req.text} ({req.source})" if req.source else req.text

    # -- whole messages -------------------------------------------------------------------------------

    def unknown_project(self, name: str) -> PipcompatError:
        candidates = [n for n in self.known_names if n != name]
        import difflib  # only for a name no index knows

        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        hint = f"did you mean '{close[0]}'?" if close else None
        return PipcompatError(f"no package named '{name}' was found{_where(self.provider)}", hint=hint)

    def error(self, causes: Sequence[tuple[Req, Candidate | None]]) -> PipcompatError:
        groups: dict[str, list[tuple[Req, Candidate | None]]] = {}
        for req, parent in causes:
            groups.setdefault(req.name, []).append((req, parent))
        # An unknown project explains everything by itself.
        for name in groups:
            if name != PYTHON:
                project = self.provider.projects.known(name)
                if project is not None and not project.exists:
                    return self.unknown_project(name)
        messages: list[str] = []
        hints: list[str] = []
        for name, infos in groups.items():
            message, hint = self._group(name, infos)
            messages.append(message)
            if hint and hint not in hints:
                hints.append(hint)
        return PipcompatError("; and ".join(messages), hint="; ".join(hints) or None)

    def _group(self, name: str, infos: list[tuple[Req, Candidate | None]]) -> tuple[str, str | None]:
        unique: dict[tuple[str, str], tuple[Req, Candidate | None]] = {}
        for req, parent in infos:
            unique.setdefault((req.text + str(req.specifier), str(parent)), (req, parent))
        infos = list(unique.values())
        if name == PYTHON:
            target = self.provider.target.python_version
            statements = [self._statement(req, parent) for req, parent in infos]
            who = _join_and([str(parent) for _, parent in infos if parent is not None])
            return (
                "; ".join(statements) + f"; so {who} cannot be used with Python {target}",
                "use an older version of the package, or target another Python with --python-version",
            )
        constraint = self.provider.constraints.get(name)
        statements = [self._statement(req, parent) for req, parent in infos]
        parties = [self._party(req, parent) for req, parent in infos]
        if constraint is not None and constraint.sources:
            for source, text in zip(constraint.sources, constraint.texts, strict=True):
                who = source.comes_from or "a constraint"
                statements.append(f"{who} constrains {text}")
                parties.append(f"{text} ({source.comes_from})" if source.comes_from else text)
        parties = list(dict.fromkeys(parties))
        specifier = SpecifierSet()
        for req, _ in infos:
            specifier &= req.specifier
        if constraint is not None:
            specifier &= constraint.specifier
        project = self.provider.projects.known(name)
        reasons = self._exclusions(name, project, specifier)
        alone = self._unsatisfiable(project, infos)
        if alone is not None or (len(parties) <= 1 and len(infos) == 1):
            req, parent = alone or infos[0]
            if alone is not None:
                reasons = self._exclusions(name, project, req.specifier)
            available = (
                sorted(v for v, entry in project.versions.items() if not entry.all_yanked) if project else []
            )
            origin = f" (required by {self._who(parent, req)})" if parent is not None or req.source else ""
            shown = _versions(available) if available else "none"
            message = f"no version of '{name}' satisfies {req.text}{origin}; available versions: {shown}"
            hint = reasons or (
                f"searched{_where(self.provider)}" if self.provider.options.index_urls else None
            )
            return message, hint
        message = "; ".join(statements) + f"; so {_join_and(parties)} cannot be installed together"
        hint = reasons or "loosen one of these requirements, or pin other versions of the packages involved"
        return message, hint

    def _unsatisfiable(
        self, project: ProjectFiles | None, infos: list[tuple[Req, Candidate | None]]
    ) -> tuple[Req, Candidate | None] | None:
        """The first requirement that no version meets even on its own (then it alone is the story)."""
        if project is None or len(infos) < 2:
            return None
        for req, parent in infos:
            if req.url is None and not select(project, req.specifier, self.provider.options).matches:
                return req, parent
        return None

    def _exclusions(self, name: str, project: ProjectFiles | None, specifier: SpecifierSet) -> str | None:
        """Why versions that would satisfy *specifier* were not used, if that is the story."""
        if project is None:
            return None
        options = self.provider.options
        allow_pre = allows_prereleases(name, all_releases=options.all_releases, only_final=options.only_final)
        if allow_pre is not True:
            pre = prerelease_versions(project, specifier)
            matched_final = [
                v for v in project.versions if not v.is_prerelease and specifier.contains(v, prereleases=True)
            ]
            if pre and (allow_pre is False or matched_final):
                shown = _versions(pre)
                return (
                    f"pre-release versions of '{name}' would satisfy it ({shown}); pass --pre to allow them"
                )
        yanked = [
            v for v, e in project.versions.items() if e.all_yanked and specifier.contains(v, prereleases=True)
        ]
        if yanked:
            verb = "was" if len(yanked) == 1 else "were"
            return f"{_versions(yanked)} of '{name}' {verb} yanked; pin it with == to use it anyway"
        labels = {
            "requires-python": f"need another Python than the target's {self.provider.target.python_version}",
            "platform": "have no file for the target platform",
            "upload-time": "were uploaded after the --exclude-newer / --uploaded-prior-to cut-off",
            "format": "have only files that --only-binary / --no-binary exclude",
        }
        for reason, label in labels.items():
            versions = [
                v for v in project.rejected.get(reason, ()) if specifier.contains(v, prereleases=True)
            ]
            versions = [v for v in versions if v not in project.versions]
            if versions:
                return f"{_versions(set(versions))} of '{name}' {label}"
        return None
