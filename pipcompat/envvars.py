"""Every environment variable pipcompat reads, as a named constant with a one-line description.

Code that reads the environment refers to these names, never to string literals, so :data:`DOCUMENTED`
is the complete list (``docs/configuration.md`` repeats it; a test keeps the two in step). Two entries are
*prefixes*: any ``PIP_<OPTION>`` or ``PIPCOMPAT_<OPTION>`` variable sets the long option ``--<option>``
(upper case, ``_`` for ``-``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Final

PIP_PREFIX: Final = "PIP_"
PIPCOMPAT_PREFIX: Final = "PIPCOMPAT_"
PIP_CONFIG_FILE: Final = "PIP_CONFIG_FILE"
PIPCOMPAT_CACHE_DIR: Final = "PIPCOMPAT_CACHE_DIR"
HOME: Final = "HOME"
XDG_CONFIG_HOME: Final = "XDG_CONFIG_HOME"
XDG_CONFIG_DIRS: Final = "XDG_CONFIG_DIRS"
XDG_CACHE_HOME: Final = "XDG_CACHE_HOME"
APPDATA: Final = "APPDATA"
VIRTUAL_ENV: Final = "VIRTUAL_ENV"
CONDA_PREFIX: Final = "CONDA_PREFIX"
NO_COLOR: Final = "NO_COLOR"
FORCE_COLOR: Final = "FORCE_COLOR"
VISUAL: Final = "VISUAL"
EDITOR: Final = "EDITOR"
PIP_TOOLS_CACHE_DIR: Final = "PIP_TOOLS_CACHE_DIR"
PIP_TOOLS_RESOLVER: Final = "PIP_TOOLS_RESOLVER"
LOCALAPPDATA: Final = "LOCALAPPDATA"
PATH: Final = "PATH"
PYENV_ROOT: Final = "PYENV_ROOT"
NETRC: Final = "NETRC"
REQUESTS_CA_BUNDLE: Final = "REQUESTS_CA_BUNDLE"
CURL_CA_BUNDLE: Final = "CURL_CA_BUNDLE"

#: Every variable (or prefix) above with its one-line description.
DOCUMENTED: Final[dict[str, str]] = {
    PIP_PREFIX: "`PIP_<OPTION>` sets pip's `--<option>` for every command, as in pip (`PIP_INDEX_URL`).",
    PIPCOMPAT_PREFIX: "`PIPCOMPAT_<OPTION>` sets `--<option>`, over `PIP_<OPTION>` and every config file.",
    PIP_CONFIG_FILE: "An extra pip configuration file, read last; `os.devnull` loads no configuration file.",
    PIPCOMPAT_CACHE_DIR: "pipcompat's cache directory (it is also the `cache-dir` option).",
    HOME: "The home directory, where `~/.pip/pip.conf`, `~/.config` and `~/.cache` are found.",
    XDG_CONFIG_HOME: "The user configuration directory (default `~/.config`): `pip/pip.conf`, `pipcompat/`.",
    XDG_CONFIG_DIRS: "System configuration directories, `:`-separated (default `/etc/xdg`): `pip/pip.conf`.",
    XDG_CACHE_HOME: "The user cache directory (default `~/.cache`); the default cache is its `pipcompat/`.",
    APPDATA: "Windows: the directory holding the user `pip\\pip.ini` and `pipcompat\\pipcompat.toml`.",
    VIRTUAL_ENV: "The active virtual environment; its `pip.conf` is the *site* configuration file.",
    CONDA_PREFIX: "The active conda environment, a target environment when no virtual environment is active.",
    NO_COLOR: "Set to anything to turn coloured output off.",
    FORCE_COLOR: "Set to a non-empty value to colour output even when it is not a terminal.",
    VISUAL: "The editor `pip config edit` runs when `--editor` is not given.",
    EDITOR: "The editor `pip config edit` runs when neither `--editor` nor `VISUAL` is given.",
    PIP_TOOLS_CACHE_DIR: "pip-tools' `--cache-dir` for `compile`/`sync`, as pip-tools reads it.",
    PIP_TOOLS_RESOLVER: "pip-tools' `--resolver` for `compile`/`sync`, as pip-tools reads it.",
    LOCALAPPDATA: "Windows: the local application-data directory (pip-tools' default cache lives there).",
    PATH: "Where interpreters named by `--python` (`python3.12`, `3.12`) are looked for.",
    PYENV_ROOT: "pyenv's root (default `~/.pyenv`): its `versions/*` interpreters answer `--python 3.12`.",
    NETRC: "The `.netrc` file index credentials are read from (default `~/.netrc`).",
    REQUESTS_CA_BUNDLE: "A CA bundle for HTTPS instead of the system's trust store (as requests reads it).",
    CURL_CA_BUNDLE: "Read like `REQUESTS_CA_BUNDLE` when that is not set.",
}
