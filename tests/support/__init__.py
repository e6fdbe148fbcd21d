"""The test harness: on-the-fly dists, a local simple index server, and a subprocess ``TestContext``."""

from .context import Result, TestContext, venv_python
from .index_server import IndexServer, IndexServerFactory, write_file_index, write_find_links_page
from .packages import DistFactory, PackageSpec, build_all

__all__ = [
    "DistFactory",
    "IndexServer",
    "IndexServerFactory",
    "PackageSpec",
    "Result",
    "TestContext",
    "build_all",
    "venv_python",
    "write_file_index",
    "write_find_links_page",
]
