"""User commands: one module per command, looked up lazily so start-up imports only what runs.

Every command module exposes ``run(settings, ctx) -> int`` and ``IMPLEMENTED_OPTIONS``, the option
destinations whose behaviour it honours, and ``OFFLINE = True`` when it reaches no index and no cache (it
then honours the network and cache options by having nothing to apply them to). An option spelled on the
command line that the command does not honour yet is refused with one line naming it (exit 2), never
silently ignored.
"""

from __future__ import annotations

import importlib
import os

from pipcompat.errors import NotImplementedOptionError, PipcompatError, redact
from pipcompat.ui import Printer

TYPE_CHECKING = False  # not typing's: importing typing costs start-up time
if TYPE_CHECKING:  # settings' typed families are not needed to import a command (start-up)
    from collections.abc import Mapping
    from pathlib import Path

    from pipcompat.settings import CommandSettings

#: Options every command honours: the command line itself handles them, or they change nothing pipcompat
#: does (``--disable-pip-version-check``: pipcompat never checks its version online;
#: ``--no-python-version-warning``: a no-op in pip too; ``--use-feature``: see :func:`_warn_features`).
ALWAYS_IMPLEMENTED = frozenset(
    {
        "help",
        "show_settings",
        "isolated_mode",
        "no_input",
        "no_color",
        "verbose",
        "quiet",
        "log",
        "disable_pip_version_check",
        "no_python_version_warning",
        "features_enabled",
    }
)

#: General options that change only how a command reaches an index or the network, where its cache is,
#: what a download does with a file already there, and whether an unexpected exception propagates
#: (``--debug``). pip accepts them on every command; a command that does none of these things (its module
#: says ``OFFLINE = True``) honours them by having nothing to apply them to, as pip's own commands do, so
#: ``pip freeze --no-cache-dir --timeout 60`` runs and prints what it prints without them.
OFFLINE_HONOURED = frozenset(
    {
        "debug_mode",
        "timeout",
        "retries",
        "resume_retries",
        "proxy",
        "no_proxy_env",
        "cert",
        "client_cert",
        "trusted_hosts",
        "keyring_provider",
        "cache_dir",
        "exists_action",
    }
)

#: ``"pip install"`` → the module that runs it. Commands not listed here are parsed but not available yet.
COMMAND_MODULES: dict[str, str] = {
    "pip hash": "pipcompat.commands.pip_hash",
    "pip config": "pipcompat.commands.pip_config",
    "pip compile": "pipcompat.commands.pip_compile",
    "venv": "pipcompat.commands.venv",
    "pip freeze": "pipcompat.commands.pip_freeze",
    "pip list": "pipcompat.commands.pip_list",
    "pip show": "pipcompat.commands.pip_show",
    "pip check": "pipcompat.commands.pip_check",
    "pip tree": "pipcompat.commands.pip_tree",
    "pip uninstall": "pipcompat.commands.pip_uninstall",
    "pip install": "pipcompat.commands.pip_install",
    "pip download": "pipcompat.commands.pip_download",
    "pip wheel": "pipcompat.commands.pip_wheel",
    "pip inspect": "pipcompat.commands.pip_inspect",
    "pip lock": "pipcompat.commands.pip_lock",
    "pip sync": "pipcompat.commands.pip_sync",
    "cache": "pipcompat.commands.cache",
    "pip cache": "pipcompat.commands.pip_cache",
    "pip index": "pipcompat.commands.pip_index",
}


class Context:
    """The side effects a command may use, passed in so tests can supply their own."""

    def __init__(
        self,
        printer: Printer | None = None,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.printer = printer if printer is not None else Printer()
        self.environ: Mapping[str, str] = dict(os.environ) if environ is None else environ
        if cwd is None:
            from pathlib import Path

            cwd = Path.cwd()
        self.cwd: Path = cwd


def is_available(command: str) -> bool:
    return command in COMMAND_MODULES


def run_command(settings: CommandSettings, ctx: Context) -> int:
    """Run the command *settings* describe, refusing options it does not honour yet."""
    module_name = COMMAND_MODULES.get(settings.command)
    if module_name is None:
        raise PipcompatError(
            f"'pipcompat {settings.command}' is not available yet",
            hint=f"run '{settings.command}' with the original tool for now",
            exit_code=2,
        )
    module = importlib.import_module(module_name)
    implemented = ALWAYS_IMPLEMENTED | frozenset(getattr(module, "IMPLEMENTED_OPTIONS", frozenset()))
    if getattr(module, "OFFLINE", False):
        implemented |= OFFLINE_HONOURED
    for dest, opt in settings.given.items():
        if dest not in implemented:
            raise NotImplementedOptionError(f"option {opt}", command=settings.command)
    status: int = module.run(settings, ctx)
    return status


def execute(settings: CommandSettings, *, environ: Mapping[str, str], cwd: Path) -> int:
    """Run a parsed command line: ``--show-settings`` shows, anything else runs its command module.

    With pip's ``--log`` (or ``PIP_LOG``…), everything the printer writes is also appended to that file,
    and so is the error that ends the command, before it propagates to be printed.
    """
    verbosity = int(settings.get("verbose") or 0) - int(settings.get("quiet") or 0)
    if settings.get("debug_mode"):
        verbosity = max(verbosity, 2)
    printer = Printer(verbosity=verbosity, colour=False if settings.get("no_color") else None)
    ctx = Context(printer=printer, environ=dict(environ), cwd=cwd)
    log_path = settings.get("log")
    if not log_path:
        return _run(settings, ctx)
    printer.start_log(str(log_path), redact=redact)
    try:
        return _run(settings, ctx)
    except PipcompatError as exc:
        printer.log_error(exc)
        raise
    except KeyboardInterrupt:
        printer.log_error(PipcompatError("operation cancelled by user"))
        raise
    except BrokenPipeError:
        raise
    except Exception:
        import traceback

        printer.log_traceback(traceback.format_exc())
        raise
    finally:
        printer.end_log()


def _warn_features(settings: CommandSettings, printer: Printer) -> None:
    """pip's warning for ``--use-feature`` values that are always on; the others (``fast-deps``,
    ``inprocess-build-deps``, ``venv-isolation``) change nothing here: metadata is always read lazily, and
    how build dependencies get installed does not change what is built."""
    from pipcompat.settings import ALWAYS_ENABLED_FEATURES

    features = settings.get("features_enabled") or ()
    always = sorted({str(f) for f in features} & set(ALWAYS_ENABLED_FEATURES))
    if always:
        printer.pip_warning(f"The following features are always enabled: {', '.join(always)}. ")


def _run(settings: CommandSettings, ctx: Context) -> int:
    _warn_features(settings, ctx.printer)
    if settings.get("show_settings"):
        from pipcompat.commands import show_settings

        return show_settings.run(settings, ctx)
    return run_command(settings, ctx)
