"""VCS requirements: parse ``git+…`` URLs as pip does, and check a revision out into the cache.

Only git is supported for real; ``hg+``, ``svn+`` and ``bzr+`` URLs parse (so messages can name them) and
:func:`checkout` refuses them with one clear error.

The ``git`` cache bucket holds, per repository, keyed by its URL without credentials (scheme and host in
lower case, no trailing ``/``):

- ``db/<repo key>/``: a bare mirror. Branches are fetched to ``refs/remotes/origin/*``, tags to
  ``refs/tags/*``, the remote's ``HEAD`` to ``refs/remotes/origin/HEAD``, and commits or refs fetched by
  name (``@refs/pull/1/head``, a commit no branch advertises) are kept under ``refs/pipcompat/``. The mirror
  is fetched only when the revision is not a full commit it already has, so a requirement pinned to a commit
  works offline after the first time. Every use holds the cache's lock on the mirror (concurrent processes
  take turns).
- ``checkouts/<repo key>/<commit>/``: the commit checked out, made once (in a temporary directory renamed
  into place) and never changed afterwards. It keeps its ``.git`` (a ``git clone --local`` of the mirror,
  objects hardlinked, ``origin`` set to the repository URL without credentials, detached at the commit,
  tags copied): builds with setuptools-scm, hatch-vcs or versioneer compute their version from git just as
  they do in pip's clone. Submodules are checked out as pip does (``git submodule update --init
  --recursive``). Builds must not write into a checkout: copy it first (:func:`copy_source`).

Resolution follows pip: with no revision, the remote's default branch; otherwise a branch of that name,
then a tag (annotated tags peeled to their commit), then a commit (full, or an abbreviation the mirror can
resolve), then the revision fetched by name (a ref such as ``refs/pull/1/head``, or a commit no branch or tag
reaches). :func:`resolved_url` gives ``git+<repo>@<commit>#subdirectory=…``: what compile output, install
reports and ``direct_url.json`` record.

Git runs with ``GIT_TERMINAL_PROMPT=0`` (and ssh in batch mode unless ``GIT_SSH``/``GIT_SSH_COMMAND`` is
set), so a repository that needs a password fails at once instead of waiting for one. Credentials in a URL
are passed to git but redacted in every message. Failures (git missing, repository not found or access
denied, an unknown revision) raise :class:`pipcompat.errors.PipcompatError`: one line and a hint, exit 1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipcompat.cache import Cache, atomic_directory, digest_key
from pipcompat.errors import PipcompatError
from pipcompat.requirements._forms import VCS_SCHEMES, egg_fragment

#: The VCS families pip knows and what they are called in messages.
VCS_LABELS: dict[str, str] = {"git": "git", "hg": "Mercurial", "svn": "Subversion", "bzr": "Bazaar"}

#: The git environment variables that would point git at another repository than the one asked for.
_GIT_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)

_FULL_COMMIT = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
_ABBREVIATED_COMMIT = re.compile(r"^[0-9a-fA-F]{4,64}$")
_SUBDIRECTORY_FRAGMENT = re.compile(r"[#&]subdirectory=([^&]*)")

#: Where branches, tags and the default branch of the remote land in a mirror.
_FETCH_REFSPECS = (
    "+refs/heads/*:refs/remotes/origin/*",
    "+refs/tags/*:refs/tags/*",
    "+HEAD:refs/remotes/origin/HEAD",
)

#: What git says when the repository is not there or refuses us; the rest of a failed fetch is reported as
#: it is.
_NOT_FOUND_SIGNS = (
    "not found",
    "does not appear to be a git repository",
    "does not exist",
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "permission denied",
    "access denied",
    "403",
    "401",
    "host key verification failed",
    "could not resolve host",
)


class VcsReporter(Protocol):
    """Where progress goes (``-v`` shows it)."""

    def detail(self, message: str) -> None: ...


@dataclass(frozen=True)
class VcsUrl:
    """A VCS requirement URL taken apart as pip does.

    ``repo_url`` is what the VCS is given: without the ``vcs+`` prefix, ``@revision`` and fragment, with any
    credentials kept (use :attr:`redacted_url` in messages).
    """

    vcs: str
    repo_url: str
    revision: str | None = None
    subdirectory: str | None = None
    egg: str | None = None

    @property
    def redacted_url(self) -> str:
        """``repo_url`` as messages show it (pip's rule: ``user:****@``, a lone user name as ``****@``)."""
        return redact_url(self.repo_url)

    @property
    def url(self) -> str:
        """The requirement URL again (``vcs+repo@rev#fragment``), credentials redacted: for messages."""
        text = f"{self.vcs}+{self.redacted_url}"
        if self.revision is not None:
            text += f"@{self.revision}"
        fragments = []
        if self.egg:
            fragments.append(f"egg={self.egg}")
        if self.subdirectory:
            fragments.append(f"subdirectory={self.subdirectory}")
        return text + ("#" + "&".join(fragments) if fragments else "")


@dataclass(frozen=True)
class VcsCheckout:
    """A revision of a repository checked out in the cache (never written to: see :func:`copy_source`)."""

    vcs: str
    repo_url: str
    """The repository URL as given (credentials kept; :attr:`redacted_url` for messages)."""
    requested_revision: str | None
    commit_id: str
    subdirectory: str | None
    checkout_dir: Path
    """The root of the checkout (with its ``.git``)."""
    mirror_dir: Path
    """The repository's bare mirror in the cache."""

    @property
    def source_dir(self) -> Path:
        """The project to build: the checkout, or its ``#subdirectory=``."""
        if self.subdirectory:
            return self.checkout_dir / self.subdirectory
        return self.checkout_dir

    @property
    def redacted_url(self) -> str:
        return redact_url(self.repo_url)


# -- URLs ------------------------------------------------------------------------------------------------


def _split_auth(netloc: str) -> tuple[str | None, str | None, str]:
    """``(user, password, host)`` of a netloc; user and password are still %-quoted."""
    if "@" not in netloc:
        return None, None, netloc
    auth, _, host = netloc.rpartition("@")
    user, sep, password = auth.partition(":")
    return user, (password if sep else None), host


def redact_url(url: str) -> str:
    """*url* with its credentials hidden as pip hides them: ``user:****@`` or, for a lone name, ``****@``."""
    parts = urllib.parse.urlsplit(url)
    user, password, host = _split_auth(parts.netloc)
    if user is None:
        return url
    shown = "****@" if password is None else f"{user}:****@"
    return urllib.parse.urlunsplit(parts._replace(netloc=shown + host))


def _pep610_url(url: str) -> str:
    """*url* as PEP 610 wants it recorded: credentials removed, unless they are ``${VARIABLES}`` or the
    user name ``git``."""
    parts = urllib.parse.urlsplit(url)
    user, password, host = _split_auth(parts.netloc)
    if user is None:
        return url
    if password is None and user == "git":
        return url
    if re.fullmatch(r"\$\{[A-Za-z0-9_-]+\}", user) and (
        password is None or re.fullmatch(r"\$\{[A-Za-z0-9_-]+\}", password)
    ):
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def _strip_credentials(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc=_split_auth(parts.netloc)[2]))


def repository_key(repo_url: str) -> str:
    """The cache key of a repository: its URL without credentials, scheme and host in lower case, no
    trailing ``/``."""
    parts = urllib.parse.urlsplit(_strip_credentials(repo_url))
    normal = urllib.parse.urlunsplit(
        (
            parts.scheme.lower(),
            parts.netloc.lower(),
            urllib.parse.unquote(parts.path).rstrip("/"),
            parts.query,
            "",
        )
    )
    return digest_key("git-repository", normal)


def _looks_like_scp(url: str) -> bool:
    """``git+git@host:path``: git's scp-like shorthand behind a ``git+`` prefix (no ``://``)."""
    return (
        url.lower().startswith("git+")
        and "://" not in url
        and re.match(r"^git\+[\w.-]+@[^/:]+:", url) is not None
    )


def parse_vcs_url(url: str) -> VcsUrl:
    """Take a ``vcs+scheme://…[@rev][#egg=…&subdirectory=…]`` URL apart, with pip's rules.

    pip 26 refuses git's scp-like form (``git+git@github.com:user/repo.git``) in every kind of requirement
    (an invalid requirement, or a URL no adapter handles); so does this, pointing at the ``git+ssh://`` form.
    """
    url = url.strip()
    if _looks_like_scp(url):
        scp = url[len("git+") :].split("#", 1)[0]
        user_host, _, path = scp.partition(":")
        shown = redact_url(f"ssh://{user_host}")[len("ssh://") :]
        raise PipcompatError(
            f"{shown}:{path}: scp-style git URLs ('git+user@host:path') are not supported, as in pip",
            hint=f"write it as git+ssh://{shown}/{path.lstrip('/')}",
        )
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    vcs, plus, transport = scheme.partition("+")
    if not plus or scheme not in VCS_SCHEMES:
        raise PipcompatError(
            f"{redact_url(url)} is not a VCS URL pip understands",
            hint="write it as <vcs>+<protocol>://<url>, like git+https://github.com/user/project.git@v1.0",
        )
    path = parts.path
    if transport == "file":
        # pip turns the path into a local path and back (so %-escapes in it are undone before the '@').
        leading = path[: len(path) - len(path.lstrip("/"))]
        path = leading + urllib.parse.unquote(path).lstrip("/")
    revision: str | None = None
    if "@" in path:
        path, revision = path.rsplit("@", 1)
        if not revision:
            raise PipcompatError(
                f"The URL {redact_url(url)!r} has an empty revision (after @) which is not supported.",
                hint="include a revision after @ or remove @ from the URL",
            )
        revision = urllib.parse.unquote(revision)
        if revision.startswith("-"):
            raise PipcompatError(
                f"{redact_url(url)}: {revision!r} is not a revision",
                hint="a revision is a branch, a tag or a commit; it cannot start with '-'",
            )
    repo_url = urllib.parse.urlunsplit((transport, parts.netloc, path, parts.query, ""))
    fragment = "#" + parts.fragment if parts.fragment else ""
    subdirectory = None
    match = _SUBDIRECTORY_FRAGMENT.search(fragment)
    if match and match.group(1):
        subdirectory = match.group(1)
    try:
        egg = egg_fragment(fragment) if fragment else None
    except PipcompatError as error:
        raise PipcompatError(redact_url(error.message), hint=error.hint) from None
    return VcsUrl(vcs=vcs, repo_url=repo_url, revision=revision, subdirectory=subdirectory, egg=egg)


def resolved_url(checkout: VcsCheckout) -> str:
    """``git+<repo>@<commit>[#subdirectory=…]``, credentials removed as PEP 610 asks: what compile output,
    reports and ``direct_url.json`` record."""
    text = f"{checkout.vcs}+{_pep610_url(checkout.repo_url)}@{checkout.commit_id}"
    if checkout.subdirectory:
        text += f"#subdirectory={checkout.subdirectory}"
    return text


def direct_url_record(checkout: VcsCheckout) -> dict[str, object]:
    """The PEP 610 ``direct_url.json`` content for an install from *checkout* (pip's form)."""
    vcs_info: dict[str, object] = {"vcs": checkout.vcs, "commit_id": checkout.commit_id}
    if checkout.requested_revision is not None:
        vcs_info["requested_revision"] = checkout.requested_revision
    record: dict[str, object] = {"url": _pep610_url(checkout.repo_url), "vcs_info": vcs_info}
    if checkout.subdirectory:
        record["subdirectory"] = checkout.subdirectory
    return record


# -- git -------------------------------------------------------------------------------------------------


class _Git:
    """Runs git for one repository URL, hiding its credentials in everything it reports."""

    def __init__(self, vcs_url: VcsUrl, environ: Mapping[str, str] | None) -> None:
        self.url = vcs_url
        env = dict(os.environ if environ is None else environ)
        for name in _GIT_LOCATION_VARIABLES:
            env.pop(name, None)
        env["GIT_TERMINAL_PROMPT"] = "0"
        if "GIT_SSH" not in env and "GIT_SSH_COMMAND" not in env:
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        self.env = env
        secrets = []
        user, password, _host = _split_auth(urllib.parse.urlsplit(vcs_url.repo_url).netloc)
        for secret in (password, user if password is None else None):
            if secret:
                secrets += [secret, urllib.parse.unquote(secret)]
        self._secrets = sorted({s for s in secrets if len(s) > 2}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        text = text.replace(self.url.repo_url, self.url.redacted_url)
        for secret in self._secrets:
            text = text.replace(secret, "****")
        return text

    def run(
        self, args: Sequence[str], *, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        try:
            proc = subprocess.run(
                ["git", *args],
                cwd=cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError:
            raise PipcompatError(
                f"cannot check out {self.url.url}: git is not installed (no 'git' command on PATH)",
                hint="install git (https://git-scm.com) and make sure 'git' is on PATH",
            ) from None
        if check and proc.returncode != 0:
            raise PipcompatError(
                f"git {args[0]} failed for {self.url.url}: {self._last_line(proc.stderr)}",
                hint="run the same git command yourself to see why",
            )
        return proc

    def _last_line(self, stderr: str) -> str:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        return self.redact(lines[-1]) if lines else "no output"

    def fetch(self, mirror: Path, refspecs: Sequence[str], *, explicit: str | None = None) -> bool:
        """Fetch *refspecs* from the repository into *mirror*. For an *explicit* revision a failure is
        ``False`` (the revision is unknown); otherwise it raises with what went wrong."""
        proc = self.run(
            ["fetch", "--force", "--prune", "--no-tags", "--quiet", "--", self.url.repo_url, *refspecs],
            cwd=mirror,
            check=False,
        )
        if proc.returncode == 0:
            return True
        if explicit is not None and self._reachable(mirror):
            return False
        text = proc.stderr.lower()
        reason = self._last_line(proc.stderr)
        if any(sign in text for sign in _NOT_FOUND_SIGNS):
            raise PipcompatError(
                f"cannot fetch {self.url.url}: repository not found or access denied ({reason})",
                hint="check the URL; for a private repository set up credentials for git (a credential "
                "helper, an ssh key or a token in the URL): pipcompat never asks for a password",
            )
        raise PipcompatError(
            f"cannot fetch {self.url.url}: {reason}", hint="check the URL and your network connection"
        )

    def _reachable(self, mirror: Path) -> bool:
        proc = self.run(["ls-remote", "--", self.url.repo_url, "HEAD"], cwd=mirror, check=False)
        return proc.returncode == 0

    def commit_of(self, mirror: Path, revision: str) -> str | None:
        proc = self.run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
            cwd=mirror,
            check=False,
        )
        out = proc.stdout.strip()
        return out if proc.returncode == 0 and _FULL_COMMIT.match(out) else None


def _mirror_dir(cache: Cache, key: str) -> Path:
    return cache.bucket("git") / "db" / key


def _checkout_dir(cache: Cache, key: str, commit: str) -> Path:
    return cache.bucket("git") / "checkouts" / key / commit


def _ensure_mirror(git: _Git, mirror: Path) -> None:
    if (mirror / "HEAD").is_file():
        return
    with atomic_directory(mirror) as temp:
        git.run(["init", "--bare", "--quiet", str(temp)])
        # a mirror is only read by pipcompat: never let an automatic gc run in the middle of a fetch
        git.run(["config", "gc.auto", "0"], cwd=temp)


def _resolve(git: _Git, mirror: Path, revision: str | None, report: VcsReporter | None) -> str:
    """The full commit *revision* names, fetching only when it is not a commit the mirror already has."""
    if revision is not None and _FULL_COMMIT.match(revision):
        found = git.commit_of(mirror, revision)
        if found is not None:
            return found
    if report is not None:
        report.detail(f"fetching {git.url.redacted_url}")
    git.fetch(mirror, _FETCH_REFSPECS)
    if revision is None:
        found = git.commit_of(mirror, "refs/remotes/origin/HEAD")
        if found is None:
            raise PipcompatError(
                f"{git.url.url}: the repository has no default branch to check out",
                hint="name a branch, tag or commit after '@'",
            )
        return found
    for ref in (f"refs/remotes/origin/{revision}", f"refs/tags/{revision}"):
        found = git.commit_of(mirror, ref)
        if found is not None:
            return found
    if _ABBREVIATED_COMMIT.match(revision):
        found = git.commit_of(mirror, revision)
        if found is not None:
            return found
    # A ref the remote does not advertise as a branch or tag, or a commit none of them reaches: ask for it.
    if git.fetch(mirror, [revision], explicit=revision):
        found = git.commit_of(mirror, "FETCH_HEAD")
        if found is not None:
            git.run(["update-ref", f"refs/pipcompat/commits/{found}", found], cwd=mirror)
            return found
    raise PipcompatError(
        f"{git.url.url}: no branch, tag or commit named {revision!r} in {git.url.redacted_url}",
        hint="check the revision after '@' ('git ls-remote <repository>' lists branches and tags)",
    )


def _make_checkout(git: _Git, mirror: Path, dest: Path, commit: str) -> None:
    with atomic_directory(dest) as temp:
        git.run(["clone", "--local", "--no-checkout", "--quiet", "--", str(mirror), str(temp)])
        git.run(["checkout", "--quiet", "--detach", commit], cwd=temp)
        public = _strip_credentials(git.url.repo_url)
        if (temp / ".gitmodules").is_file():
            # relative submodule URLs are relative to origin: the real repository
            git.run(["remote", "set-url", "origin", git.url.repo_url], cwd=temp)
            git.run(["submodule", "update", "--init", "--recursive", "--quiet"], cwd=temp)
        git.run(["remote", "set-url", "origin", public], cwd=temp)


def checkout(
    url: str | VcsUrl,
    cache: Cache,
    *,
    reporter: VcsReporter | None = None,
    environ: Mapping[str, str] | None = None,
) -> VcsCheckout:
    """Check the revision *url* names out into *cache*: mirror, resolve, export (see the module doc)."""
    vcs_url = url if isinstance(url, VcsUrl) else parse_vcs_url(url)
    if vcs_url.vcs != "git":
        label = VCS_LABELS.get(vcs_url.vcs, vcs_url.vcs)
        raise PipcompatError(
            f"{vcs_url.url}: {label} ({vcs_url.vcs}+) requirements are not supported by pipcompat, only git",
            hint="install this one with pip, or point the requirement at an archive of the project",
        )
    git = _Git(vcs_url, environ)
    key = repository_key(vcs_url.repo_url)
    mirror = _mirror_dir(cache, key)
    with cache.lock(mirror):
        _ensure_mirror(git, mirror)
        commit = _resolve(git, mirror, vcs_url.revision, reporter)
        dest = _checkout_dir(cache, key, commit)
        if not dest.is_dir():
            if reporter is not None:
                reporter.detail(f"checking out {vcs_url.redacted_url} at {commit}")
            _make_checkout(git, mirror, dest, commit)
    result = VcsCheckout(
        vcs=vcs_url.vcs,
        repo_url=vcs_url.repo_url,
        requested_revision=vcs_url.revision,
        commit_id=commit,
        subdirectory=vcs_url.subdirectory,
        checkout_dir=dest,
        mirror_dir=mirror,
    )
    if vcs_url.subdirectory and not result.source_dir.is_dir():
        raise PipcompatError(
            f"{vcs_url.url}: there is no directory {vcs_url.subdirectory!r} at commit {commit}",
            hint="check the #subdirectory= fragment",
        )
    return result


def copy_source(checkout: VcsCheckout, dest: Path) -> Path:
    """Copy *checkout* (with its ``.git``) to *dest*, a directory a build may write into; return the
    project directory in the copy (the ``#subdirectory=`` when there is one)."""
    shutil.copytree(checkout.checkout_dir, dest, symlinks=True)
    return dest / checkout.subdirectory if checkout.subdirectory else dest


def clone_editable(checkout: VcsCheckout, dest: Path, environ: Mapping[str, str] | None = None) -> Path:
    """pip's ``-e git+…`` clone: a working clone of the repository at *dest*, origin the repository's URL
    (credentials kept, as pip keeps them), checked out at the resolved commit (on the branch when the
    revision was one). Returns the project directory (the ``#subdirectory=`` when there is one).

    A clone of the same repository already at *dest* is updated as pip updates it: its objects fetched
    (from the mirror) and ``git reset --hard`` to the commit, on whatever branch it is. Any other non-empty
    directory is an error.
    """
    vcs_url = VcsUrl(checkout.vcs, checkout.repo_url, checkout.requested_revision, checkout.subdirectory)
    git = _Git(vcs_url, environ)
    project = dest / checkout.subdirectory if checkout.subdirectory else dest
    fetch = [
        "fetch",
        "--quiet",
        "--no-tags",
        "--",
        str(checkout.mirror_dir),
        "+refs/remotes/origin/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*",
        f"+{checkout.commit_id}:refs/pipcompat/editable",
    ]
    if dest.exists() and any(dest.iterdir()):
        origin = git.run(["remote", "get-url", "origin"], cwd=dest, check=False)
        same = (dest / ".git").exists() and origin.returncode == 0
        if same and repository_key(origin.stdout.strip()) == repository_key(checkout.repo_url):
            git.run(fetch, cwd=dest)
            git.run(["update-ref", "-d", "refs/pipcompat/editable"], cwd=dest)
            git.run(["reset", "--hard", "--quiet", checkout.commit_id], cwd=dest)
            if (dest / ".gitmodules").is_file():
                git.run(["submodule", "update", "--init", "--recursive", "--quiet"], cwd=dest)
            return project
        raise PipcompatError(
            f"cannot clone {vcs_url.url} into {dest}: the directory exists and is not a clone of it",
            hint="remove it, or choose another place with --src",
        )
    dest.mkdir(parents=True, exist_ok=True)
    git.run(["init", "--quiet"], cwd=dest)
    git.run(["remote", "add", "origin", checkout.repo_url], cwd=dest)
    git.run(fetch, cwd=dest)
    git.run(["update-ref", "-d", "refs/pipcompat/editable"], cwd=dest)
    branch = checkout.requested_revision
    on_branch = False
    if branch is not None and not _FULL_COMMIT.match(branch):
        shown = git.run(
            ["show-ref", "--verify", "--quiet", f"refs/remotes/origin/{branch}"], cwd=dest, check=False
        )
        on_branch = shown.returncode == 0
    if on_branch:
        git.run(["checkout", "--quiet", "-B", str(branch), checkout.commit_id], cwd=dest)
    else:
        git.run(["checkout", "--quiet", "--detach", checkout.commit_id], cwd=dest)
    if (dest / ".gitmodules").is_file():
        git.run(["submodule", "update", "--init", "--recursive", "--quiet"], cwd=dest)
    return project


def build_key(checkout: VcsCheckout) -> str:
    """What identifies the source a checkout builds from (for the ``built`` and ``metadata`` buckets, in
    place of an sdist's sha256): the commit and the subdirectory."""
    return digest_key("git-source", checkout.commit_id, checkout.subdirectory or "")
