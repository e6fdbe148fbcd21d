"""pip's own configuration: ``pip.conf`` files and ``PIP_*`` variables, read with pip's rules.

Where pip looks (Unix; Windows and macOS differ as pip's do):

* *global*: ``$XDG_CONFIG_DIRS/pip/pip.conf`` for each directory (default ``/etc/xdg``), then
  ``/etc/pip.conf``;
* *user*: the legacy ``~/.pip/pip.conf``, then ``$XDG_CONFIG_HOME/pip/pip.conf`` (default ``~/.config``);
  skipped in isolated mode and when ``PIP_CONFIG_FILE`` names an existing file;
* *site*: ``<prefix>/pip.conf`` of the environment (``VIRTUAL_ENV`` when set, else ``sys.prefix``);
* *env*: the file ``PIP_CONFIG_FILE`` names (``os.devnull`` turns every file off);
* *env-var*: ``PIP_<NAME>`` variables (not ``PIP_VERSION``/``PIP_HELP``), ignored in isolated mode.

Files are pooled by name in that order (a later file overrides an earlier one key by key); a command then
applies the ``[global]`` section, its own section and the variables, in that order, dropping empty values.
:class:`PipConfiguration` also implements what ``pip config`` needs: the file to modify, ``set``/``unset``
and saving (atomically, here).
"""

from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum

from pipcompat import envvars
from pipcompat.errors import ConfigurationError
from pipcompat.models import ConfigValue

# configparser, locale and tempfile are imported where they are used: reading configuration is on every
# command's start-up path, and most machines have no pip.conf to parse.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import configparser

WINDOWS = sys.platform == "win32"
CONFIG_BASENAME = "pip.ini" if WINDOWS else "pip.conf"
#: ``PIP_VERSION`` and ``PIP_HELP`` are not configuration.
IGNORED_ENV_NAMES = frozenset({"version", "help"})
#: The pseudo section (and pseudo file name) that ``PIP_*`` variables live in.
ENV_SECTION = ":env:"
GLOBAL_SECTION = "global"
#: The system directory pip reads on Unix after the XDG ones (a module attribute so tests can move it).
SYSTEM_CONFIG_DIR = "/etc"

#: Loading errors exit with pip's status for them.
LOAD_ERROR_STATUS = 2


class Kind(str, Enum):
    """Where a configuration value comes from; the names are pip's."""

    USER = "user"
    GLOBAL = "global"
    SITE = "site"
    ENV = "env"
    ENV_VAR = "env-var"

    def __str__(self) -> str:
        return self.value


#: Lowest precedence first.
OVERRIDE_ORDER = (Kind.GLOBAL, Kind.USER, Kind.SITE, Kind.ENV, Kind.ENV_VAR)
#: The kinds ``--user``, ``--global`` and ``--site`` select.
FILE_KINDS = (Kind.USER, Kind.GLOBAL, Kind.SITE)


def normalize_name(name: str) -> str:
    """A configuration name as pip compares it: lower case, ``-`` for ``_``, without a leading ``--``."""
    name = name.lower().replace("_", "-")
    return name.removeprefix("--")


def split_key(key: str) -> tuple[str, str]:
    """``"section.name"`` → ``("section", "name")``, with pip's message when there is no section."""
    section, dot, name = key.partition(".")
    if not dot:
        raise ConfigurationError(
            "Key does not contain dot separated section and key. "
            f"Perhaps you wanted to use 'global.{key}' instead?"
        )
    return section, name


# -- locations ----------------------------------------------------------------------------------------------
def home_dir(environ: Mapping[str, str]) -> str:
    """The home directory: ``HOME`` when set and non-empty, else the platform's idea of it."""
    home = environ.get(envvars.HOME, "")
    if home and not WINDOWS:
        return home
    return os.path.expanduser("~")


def _absolute_xdg(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value if posixpath.isabs(value) else None


def user_config_home(environ: Mapping[str, str]) -> str:
    """The user configuration directory: ``$XDG_CONFIG_HOME`` if absolute, else ``~/.config``."""
    if WINDOWS:
        return environ.get(envvars.APPDATA) or os.path.join(home_dir(environ), "AppData", "Roaming")
    return _absolute_xdg(environ, envvars.XDG_CONFIG_HOME) or os.path.join(home_dir(environ), ".config")


def _user_pip_dir(environ: Mapping[str, str]) -> str:
    if sys.platform == "darwin":
        # pip prefers ~/Library/Application Support/pip when that directory exists.
        support = os.path.join(home_dir(environ), "Library", "Application Support", "pip")
        if os.path.isdir(support):
            return support
        return os.path.join(home_dir(environ), ".config", "pip")
    return os.path.join(user_config_home(environ), "pip")


def _global_pip_dirs(environ: Mapping[str, str]) -> list[str]:
    if WINDOWS or sys.platform == "darwin":
        import platformdirs

        if WINDOWS:
            return [platformdirs.site_config_dir("pip", appauthor=False)]
        return platformdirs.site_data_dir("pip", appauthor=False, multipath=True).split(os.pathsep)
    raw = environ.get(envvars.XDG_CONFIG_DIRS, "").split(os.pathsep)
    dirs = [part.strip() for part in raw if posixpath.isabs(part.strip())] or ["/etc/xdg"]
    return [os.path.join(path, "pip") for path in dirs] + [SYSTEM_CONFIG_DIR]


def default_site_prefix(environ: Mapping[str, str]) -> str:
    """The environment whose ``pip.conf`` is the *site* file: ``VIRTUAL_ENV`` when set, else ``sys.prefix``.

    pip uses the prefix of the interpreter running it; pipcompat runs outside the environment it manages,
    so the active virtual environment stands in for it until the target environment is known.
    """
    return environ.get(envvars.VIRTUAL_ENV) or sys.prefix


def config_file_locations(
    environ: Mapping[str, str], *, site_prefix: str | os.PathLike[str] | None = None
) -> dict[Kind, list[str]]:
    """Every file pip would consider for each kind, whether it exists or not, lowest precedence first."""
    prefix = os.fspath(site_prefix) if site_prefix is not None else default_site_prefix(environ)
    legacy = os.path.join(home_dir(environ), "pip" if WINDOWS else ".pip", CONFIG_BASENAME)
    return {
        Kind.GLOBAL: [os.path.join(path, CONFIG_BASENAME) for path in _global_pip_dirs(environ)],
        Kind.SITE: [os.path.join(prefix, CONFIG_BASENAME)],
        Kind.USER: [legacy, os.path.join(_user_pip_dir(environ), CONFIG_BASENAME)],
    }


# -- reading -------------------------------------------------------------------------------------------------
_parser_class: type[configparser.RawConfigParser] | None = None


def _new_parser() -> configparser.RawConfigParser:
    """A parser of pip's INI dialect: no interpolation, names normalised as they are read."""
    global _parser_class
    if _parser_class is None:
        import configparser

        class _Parser(configparser.RawConfigParser):
            def optionxform(self, optionstr: str) -> str:
                return normalize_name(optionstr)

        _parser_class = _Parser
    return _parser_class()


def _file_encoding() -> str:
    if sys.flags.utf8_mode:
        return "utf-8"
    import locale

    getencoding = getattr(locale, "getencoding", None)  # Python 3.11+
    return str(getencoding() if getencoding is not None else locale.getpreferredencoding(False))


def _parse_problem(exc: configparser.Error) -> str:
    import configparser

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno}: {exc.line.strip()!r} comes before any [section] header"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"line {exc.lineno}: {exc.option!r} appears twice in [{exc.section}]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {exc.lineno}: section [{exc.section}] appears twice"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno, line = exc.errors[0]
        return f"line {lineno}: cannot parse {line.strip()!r}"
    return str(exc).splitlines()[0]


def read_config_file(path: str, *, display: str | None = None) -> configparser.RawConfigParser:
    """Parse one INI file; a missing file is an empty configuration.

    Unlike pip, a file that exists but cannot be read is an error rather than silently skipped.
    """
    shown = display or path
    parser = _new_parser()
    if not os.path.exists(path):
        return parser
    import configparser

    encoding = _file_encoding()
    try:
        with open(path, encoding=encoding) as stream:
            parser.read_file(stream, source=shown)
    except UnicodeDecodeError:
        raise _load_error(shown, f"it contains invalid {encoding} characters") from None
    except configparser.Error as exc:
        raise _load_error(shown, _parse_problem(exc)) from None
    except OSError as exc:
        raise _load_error(shown, exc.strerror or str(exc)) from None
    return parser


def _load_error(path: str, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"configuration file {path} could not be loaded: {problem}",
        hint="fix the file, or set PIP_CONFIG_FILE=" + os.devnull + " to ignore every pip configuration file",
        exit_code=LOAD_ERROR_STATUS,
    )


def environ_items(environ: Mapping[str, str], prefix: str = envvars.PIP_PREFIX) -> list[tuple[str, str, str]]:
    """``(variable, name, value)`` for each ``<prefix><NAME>`` variable, in the environment's order.

    ``name`` is lower case with ``_`` kept (``index_url``); ``*_VERSION`` and ``*_HELP`` are skipped.
    """
    items = []
    for variable, value in environ.items():
        if variable.startswith(prefix):
            name = variable[len(prefix) :].lower()
            if name not in IGNORED_ENV_NAMES:
                items.append((variable, name, value))
    return items


def ordered_values(
    pools: Iterable[tuple[Mapping[str, str], Callable[[str], str]]], sections: Sequence[str]
) -> list[ConfigValue]:
    """pip's ordering: pool ``section.name`` keys per wanted section (later pools win), then emit the sections
    in the order given, dropping names whose final value is empty.

    Each pool is ``({"section.name": value}, origin_of_section)``.
    """
    sections = list(dict.fromkeys(sections))
    slots: dict[str, dict[str, tuple[str, str]]] = {section: {} for section in sections}
    for entries, origin_of in pools:
        for section_key, value in entries.items():
            section, _, name = section_key.partition(".")
            if section in slots:
                slots[section][name] = (value, origin_of(section))
    return [
        ConfigValue(name, value, origin)
        for section in sections
        for name, (value, origin) in slots[section].items()
        if value
    ]


# -- the configuration -------------------------------------------------------------------------------------
class PipConfiguration:
    """pip's configuration state: which files exist and what they hold, plus ``PIP_*`` variables.

    ``load_only`` restricts loading to one kind of file (what ``pip config --user/--global/--site`` edits);
    ``cwd`` resolves a relative ``PIP_CONFIG_FILE`` (pip resolves it against its working directory).
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        isolated: bool = False,
        load_only: Kind | None = None,
        site_prefix: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        if load_only is not None and load_only not in FILE_KINDS:
            raise ValueError(f"load_only must be one of {', '.join(map(str, FILE_KINDS))}")
        self.environ = environ
        self.isolated = isolated
        self.load_only = load_only
        self.cwd = os.fspath(cwd) if cwd is not None else None
        self.locations = config_file_locations(environ, site_prefix=site_prefix)
        self.parsers: dict[Kind, list[tuple[str, configparser.RawConfigParser]]] = {
            kind: [] for kind in OVERRIDE_ORDER
        }
        #: kind → file name (``:env:`` for variables) → ``{"section.name": value}``.
        self.config: dict[Kind, dict[str, dict[str, str]]] = {kind: {} for kind in OVERRIDE_ORDER}
        #: normalised name → the ``PIP_*`` variable it came from.
        self.env_variables: dict[str, str] = {}
        self.warnings: list[str] = []
        self._modified: list[tuple[str, configparser.RawConfigParser]] = []
        self._redirected = False

    # -- which files ---------------------------------------------------------------------------------
    @property
    def env_config_file(self) -> str | None:
        return self.environ.get(envvars.PIP_CONFIG_FILE)

    def path_on_disk(self, fname: str) -> str:
        """Where *fname* is for this process (a relative ``PIP_CONFIG_FILE`` is relative to ``cwd``)."""
        if self.cwd is not None and fname and not os.path.isabs(fname):
            return os.path.join(self.cwd, fname)
        return fname

    def config_files(self) -> list[tuple[Kind, list[str]]]:
        """The files of each kind this configuration reads, in pip's display order."""
        env_file = self.env_config_file
        files = [(Kind.GLOBAL, list(self.locations[Kind.GLOBAL]))]
        env_file_exists = bool(env_file) and os.path.exists(self.path_on_disk(env_file or ""))
        if not self.isolated and not env_file_exists:
            files.append((Kind.USER, list(self.locations[Kind.USER])))
        files.append((Kind.SITE, list(self.locations[Kind.SITE])))
        files.append((Kind.ENV, [env_file] if env_file is not None else []))
        return files

    # -- loading ------------------------------------------------------------------------------------------
    def load(self) -> PipConfiguration:
        self._load_files()
        if not self.isolated:
            self._load_environment()
        return self

    def _load_files(self) -> None:
        files = self.config_files()
        env_file = self.env_config_file
        if env_file == os.devnull:
            return
        for kind, fnames in files:
            for fname in fnames:
                if self.load_only is not None and kind != self.load_only:
                    # `pip config --user` still reads PIP_CONFIG_FILE: it is where user edits go then.
                    redirect = kind == Kind.ENV and fname == env_file and self.load_only == Kind.USER
                    if not redirect:
                        continue
                self.parsers[kind].append((fname, self._load_file(kind, fname)))

    def _load_file(self, kind: Kind, fname: str) -> configparser.RawConfigParser:
        parser = read_config_file(self.path_on_disk(fname), display=fname)
        entries = self.config[kind].setdefault(fname, {})
        for section in parser.sections():
            for name, value in parser.items(section):
                entries[f"{section}.{normalize_name(name)}"] = value
        return parser

    def _load_environment(self) -> None:
        entries = self.config[Kind.ENV_VAR].setdefault(ENV_SECTION, {})
        for variable, name, value in environ_items(self.environ):
            key = normalize_name(name)
            entries[f"{ENV_SECTION}.{key}"] = value
            self.env_variables[key] = variable

    # -- reading values -----------------------------------------------------------------------------
    def merged(self) -> dict[str, dict[str, str]]:
        """File name (or ``:env:``) → its values, files of higher precedence later."""
        pooled: dict[str, dict[str, str]] = {}
        for kind in OVERRIDE_ORDER:
            pooled.update(self.config[kind])
        return pooled

    def values_in(self, kind: Kind) -> dict[str, dict[str, str]]:
        return self.config[kind]

    def get_value(self, key: str) -> str:
        wanted = normalize_name(key)
        flat: dict[str, str] = {}
        for entries in self.merged().values():
            flat.update(entries)
        if wanted in flat:
            return flat[wanted]
        split_key(wanted)  # the more helpful message when there is no section
        raise ConfigurationError(f"No such key - {key}")

    def command_values(self, sections: Sequence[str]) -> list[ConfigValue]:
        """The values a command with these sections (e.g. ``global``, ``install``, ``:env:``) applies."""
        pools: list[tuple[Mapping[str, str], Callable[[str], str]]] = []
        for fname, entries in self.merged().items():
            if fname == ENV_SECTION:
                for section_key, value in entries.items():
                    variable = self.env_variables.get(section_key.partition(".")[2], section_key)
                    pools.append(({section_key: value}, _constant(variable)))
            else:
                pools.append((entries, _in_file(fname)))
        return ordered_values(pools, sections)

    # -- modifying ----------------------------------------------------------------------------------
    def _require_load_only(self) -> Kind:
        if self.load_only is None:
            raise ConfigurationError("Needed a specific file to be modifying.")
        return self.load_only

    def _parser_to_modify(self, key: str | None = None) -> tuple[str, configparser.RawConfigParser]:
        kind = self._require_load_only()
        parsers = self.parsers[kind]
        if not parsers:
            env_file = self.env_config_file
            if env_file == os.devnull:
                raise ConfigurationError(f"Cannot write to PIP_CONFIG_FILE when it is set to {env_file}")
            if env_file and kind in (Kind.USER, Kind.GLOBAL):
                parser = read_config_file(self.path_on_disk(env_file), display=env_file)
                parsers.append((env_file, parser))
                self._redirected = True
                self.warnings.append(
                    f"Because PIP_CONFIG_FILE is set, changes will be applied to '{env_file}', not to "
                    f"'{kind}'. To restore normal behavior, unset PIP_CONFIG_FILE."
                )
                return env_file, parser
            raise ConfigurationError(f"there is no {kind} configuration file to modify in isolated mode")
        if key is None:
            return parsers[-1]
        section, name = split_key(key)
        for fname, parser in reversed(parsers):
            if parser.has_section(section) and parser.has_option(section, name):
                return fname, parser
        return parsers[-1]

    def file_to_edit(self) -> str | None:
        """The file ``pip config edit`` opens, or ``None`` when there is none."""
        try:
            return self._parser_to_modify()[0]
        except ConfigurationError:
            return None

    def set_value(self, key: str, value: str) -> None:
        kind = self._require_load_only()
        key = normalize_name(key)
        fname, parser = self._parser_to_modify()
        section, name = split_key(key)
        if not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, name, value)
        self.config[kind].setdefault(fname, {})[key] = value
        self._mark_modified(fname, parser)

    def unset_value(self, key: str) -> None:
        kind = self._require_load_only()
        original, key = key, normalize_name(key)
        fname, parser = self._parser_to_modify(key)
        entries = self.config[Kind.ENV if self._redirected else kind].get(fname, {})
        if key not in entries:
            raise ConfigurationError(f"No such key - {original}")
        section, name = split_key(key)
        if not (parser.has_section(section) and parser.remove_option(section, name)):
            raise ConfigurationError(f"{fname}: {key} is not in the file any more")
        if not parser.items(section):
            parser.remove_section(section)
        self._mark_modified(fname, parser)
        del entries[key]

    def _mark_modified(self, fname: str, parser: configparser.RawConfigParser) -> None:
        if not any(fname == name and parser is known for name, known in self._modified):
            self._modified.append((fname, parser))

    def save(self, report: Callable[[str], None] | None = None) -> list[str]:
        """Write every modified file (atomically); return their names. ``report`` hears each name first."""
        self._require_load_only()
        written = []
        for fname, parser in self._modified:
            if report is not None:
                report(fname)
            write_config_file(self.path_on_disk(fname), parser, display=fname)
            written.append(fname)
        self._modified = []
        return written


def _constant(text: str) -> Callable[[str], str]:
    return lambda section: text


def _in_file(fname: str) -> Callable[[str], str]:
    return lambda section: f"{fname} [{section}]"


def write_config_file(path: str, parser: configparser.RawConfigParser, *, display: str | None = None) -> None:
    """Replace *path* with *parser*'s content: a temporary file in the same directory, then a rename.

    A symbolic link is followed (its target is replaced); an existing file's permissions are kept.
    """
    import io

    from pipcompat.fsutil import replace_file

    text = io.StringIO()
    parser.write(text)
    try:
        replace_file(path, text.getvalue().encode(_file_encoding()), keep_mode=True)
    except OSError as exc:
        raise ConfigurationError(
            f"An error occurred while writing to the configuration file {display or path}: "
            f"{exc.strerror or exc}"
        ) from None
