"""Installed distributions as candidates: pip's resolver keeps what is installed when it satisfies.

:class:`InstalledAwareSource` wraps a package source (the index client) and adds, to the files of every
project that is installed, one file standing for the installed distribution (a ``file:`` URL of its
metadata directory, named like a ``py3-none-any`` wheel of its version, marked by :data:`INSTALLED_FRAGMENT`)
whose metadata is the installed ``METADATA``. A resolution that prefers installed versions (pip without
``--upgrade``) then keeps them even when the index no longer has them, and reads their dependencies from the
environment, as pip does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from packaging.utils import canonicalize_name

from pipcompat.env.installed import InstalledDistribution
from pipcompat.models import Link

#: The fragment that marks a link standing for an installed distribution.
INSTALLED_FRAGMENT = "#pipcompat-installed"


class _Source(Protocol):
    def links(self, name: str) -> list[Link]: ...

    def metadata(self, link: Link) -> bytes: ...

    def prefetch(self, names: Iterable[str]) -> None: ...

    def prefetch_metadata(self, links: Iterable[Link]) -> None: ...


def is_installed_link(link: Link) -> bool:
    """Whether *link* stands for an installed distribution rather than a file to download."""
    return link.url.endswith(INSTALLED_FRAGMENT)


def _installed_link(dist: InstalledDistribution) -> Link | None:
    version = dist.version_text
    if not version or (version == dist.raw_version and "-" in version):
        return None
    stem = canonicalize_name(dist.raw_name).replace("-", "_")
    return Link(
        filename=f"{stem}-{version}-py3-none-any.whl",
        url=dist.info_path.resolve().as_uri() + INSTALLED_FRAGMENT,
        index_url="installed",
    )


class InstalledAwareSource:
    """*source*'s files plus one per installed distribution in *installed* (canonical name → dist)."""

    def __init__(self, source: _Source, installed: Mapping[str, InstalledDistribution]) -> None:
        self.source = source
        self.installed = dict(installed)
        self._links: dict[str, Link] = {}
        self._by_url: dict[str, InstalledDistribution] = {}
        for key, dist in self.installed.items():
            link = _installed_link(dist)
            if link is not None:
                self._links[key] = link
                self._by_url[link.url] = dist

    def links(self, name: str) -> list[Link]:
        found = list(self.source.links(name))
        extra = self._links.get(name)
        if extra is not None:
            found.append(extra)
        return found

    def derived(self, name: str, kind: str) -> bytes | None:
        """The source's data derived from *name*'s pages, unless an installed copy adds a link to them."""
        get = getattr(self.source, "derived", None)
        if get is None or name in self._links:
            return None
        return get(name, kind)  # type: ignore[no-any-return]

    def store_derived(self, name: str, kind: str, data: bytes | Callable[[], bytes]) -> None:
        store = getattr(self.source, "store_derived", None)
        if store is not None and name not in self._links:
            store(name, kind, data)

    def metadata(self, link: Link) -> bytes:
        dist = self._by_url.get(link.url)
        if dist is None:
            return self.source.metadata(link)
        text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
        return text.encode("utf-8", "surrogateescape")

    def prefetch(self, names: Iterable[str]) -> None:
        self.source.prefetch(names)

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        self.source.prefetch_metadata([link for link in links if not is_installed_link(link)])

    def __getattr__(self, name: str) -> object:
        return getattr(self.source, name)
