"""Activation scripts for the shells: bash/zsh/sh (``activate``), fish, csh/tcsh, PowerShell and nushell.

Each script, once sourced (``source .venv/bin/activate``, ``overlay use .venv/bin/activate.nu``...), sets
``VIRTUAL_ENV`` and ``VIRTUAL_ENV_PROMPT``, puts the environment's scripts directory first on ``PATH``,
unsets ``PYTHONHOME``, prefixes the prompt with ``(prompt) `` unless ``VIRTUAL_ENV_DISABLE_PROMPT`` is set,
and defines ``deactivate``, which puts all of that back. That is what ``python -m venv``'s and
virtualenv's scripts do. The texts are templates with ``@NAME@`` placeholders, filled in per shell with
values quoted for that shell.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

BASH = r"""# Source this file from bash, zsh or another POSIX shell: `source <env>/bin/activate`.
# Running it as a program does nothing useful: it must change the shell that sources it.

deactivate () {
    if [ -n "${_OLD_VIRTUAL_PATH:-}" ] ; then
        PATH="${_OLD_VIRTUAL_PATH:-}"
        export PATH
        unset _OLD_VIRTUAL_PATH
    fi
    if [ -n "${_OLD_VIRTUAL_PYTHONHOME:-}" ] ; then
        PYTHONHOME="${_OLD_VIRTUAL_PYTHONHOME:-}"
        export PYTHONHOME
        unset _OLD_VIRTUAL_PYTHONHOME
    fi
    # Forget remembered command locations, so PATH's change takes effect.
    hash -r 2> /dev/null
    if [ -n "${_OLD_VIRTUAL_PS1:-}" ] ; then
        PS1="${_OLD_VIRTUAL_PS1:-}"
        export PS1
        unset _OLD_VIRTUAL_PS1
    fi
    unset VIRTUAL_ENV
    unset VIRTUAL_ENV_PROMPT
    if [ ! "${1:-}" = "nondestructive" ] ; then
        unset -f deactivate
    fi
}

# Leave any environment that is active now.
deactivate nondestructive

VIRTUAL_ENV=@VIRTUAL_ENV@
if [ "${OSTYPE:-}" = "cygwin" ] || [ "${OSTYPE:-}" = "msys" ] ; then
    # Windows shells see the environment through a POSIX path.
    VIRTUAL_ENV=$(cygpath "$VIRTUAL_ENV")
fi
export VIRTUAL_ENV

_OLD_VIRTUAL_PATH="$PATH"
PATH="$VIRTUAL_ENV/"@BIN_NAME@":$PATH"
export PATH

VIRTUAL_ENV_PROMPT=@PROMPT@
export VIRTUAL_ENV_PROMPT

if [ -n "${PYTHONHOME:-}" ] ; then
    _OLD_VIRTUAL_PYTHONHOME="${PYTHONHOME:-}"
    unset PYTHONHOME
fi

if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT:-}" ] ; then
    _OLD_VIRTUAL_PS1="${PS1:-}"
    PS1="(${VIRTUAL_ENV_PROMPT}) ${PS1:-}"
    export PS1
fi

hash -r 2> /dev/null
"""

FISH = r"""# Source this file from fish: `source <env>/bin/activate.fish`.

function deactivate -d "Leave the virtual environment and restore the shell as it was"
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if set -q _OLD_FISH_PROMPT_OVERRIDE
        set -e _OLD_FISH_PROMPT_OVERRIDE
        if functions -q _old_fish_prompt
            functions -e fish_prompt
            functions -c _old_fish_prompt fish_prompt
            functions -e _old_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != "nondestructive"
        functions -e deactivate
    end
end

deactivate nondestructive

set -gx VIRTUAL_ENV @VIRTUAL_ENV@
set -gx _OLD_VIRTUAL_PATH $PATH
set -gx PATH "$VIRTUAL_ENV/"@BIN_NAME@ $PATH
set -gx VIRTUAL_ENV_PROMPT @PROMPT@

if set -q PYTHONHOME
    set -gx _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    # Keep the current prompt as _old_fish_prompt and show the environment's name before it.
    functions -c fish_prompt _old_fish_prompt
    function fish_prompt
        set -l last_status $status
        printf "(%s) " $VIRTUAL_ENV_PROMPT
        # Give the old prompt the exit status it would have seen.
        echo "exit $last_status" | .
        _old_fish_prompt
    end
    set -gx _OLD_FISH_PROMPT_OVERRIDE "$VIRTUAL_ENV"
end
"""

CSH = r"""# Source this file from csh or tcsh: `source <env>/bin/activate.csh`.

alias deactivate '@CSH_DEACTIVATE@'

deactivate nondestructive

setenv VIRTUAL_ENV @VIRTUAL_ENV@

set _OLD_VIRTUAL_PATH="$PATH:q"
setenv PATH "$VIRTUAL_ENV:q/"@BIN_NAME@":$PATH:q"

setenv VIRTUAL_ENV_PROMPT @PROMPT@

set _OLD_VIRTUAL_PROMPT="$prompt:q"

if (! "$?VIRTUAL_ENV_DISABLE_PROMPT") then
    set prompt = "($VIRTUAL_ENV_PROMPT:q) $prompt:q"
endif

rehash
"""

_CSH_DEACTIVATE = "; ".join(
    (
        'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH:q" && unset _OLD_VIRTUAL_PATH',
        "rehash",
        'test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt="$_OLD_VIRTUAL_PROMPT:q" && unset _OLD_VIRTUAL_PROMPT',
        "unsetenv VIRTUAL_ENV",
        "unsetenv VIRTUAL_ENV_PROMPT",
        'test "\\!:*" != "nondestructive" && unalias deactivate',
    )
)
CSH = CSH.replace("@CSH_DEACTIVATE@", _CSH_DEACTIVATE)

POWERSHELL = r"""<#
.SYNOPSIS
Activate the virtual environment this script belongs to, in the current PowerShell session.

.DESCRIPTION
Puts the environment's scripts directory first on PATH, sets VIRTUAL_ENV and VIRTUAL_ENV_PROMPT, shows
the environment's name before the prompt (unless VIRTUAL_ENV_DISABLE_PROMPT is set), and defines
`deactivate`, which undoes all of that. Run it dot-sourced or directly: `. <env>\Scripts\Activate.ps1`.

.PARAMETER Prompt
Show this name in the prompt instead of the one chosen when the environment was made.
#>
Param(
    [Parameter(Mandatory = $false)]
    [String]
    $Prompt
)

function global:deactivate([Switch] $NonDestructive) {
    if (Test-Path -Path Function:_OLD_VIRTUAL_PROMPT) {
        Copy-Item -Path Function:_OLD_VIRTUAL_PROMPT -Destination Function:prompt
        Remove-Item -Path Function:_OLD_VIRTUAL_PROMPT
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PYTHONHOME) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME -Destination Env:PYTHONHOME
        Remove-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PATH) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PATH -Destination Env:PATH
        Remove-Item -Path Env:_OLD_VIRTUAL_PATH
    }
    if (Test-Path -Path Env:VIRTUAL_ENV) {
        Remove-Item -Path Env:VIRTUAL_ENV
    }
    if (Test-Path -Path Env:VIRTUAL_ENV_PROMPT) {
        Remove-Item -Path Env:VIRTUAL_ENV_PROMPT
    }
    if (-not $NonDestructive) {
        Remove-Item -Path Function:deactivate
    }
}

deactivate -NonDestructive

# The environment is the folder above this script's, wherever it has been moved to.
$VenvDir = Split-Path -Path (Split-Path -Path $MyInvocation.MyCommand.Definition -Parent) -Parent
if (-not $Prompt) {
    $Prompt = @PROMPT@
}

$env:VIRTUAL_ENV = $VenvDir
$env:VIRTUAL_ENV_PROMPT = $Prompt

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {
    Copy-Item -Path Function:prompt -Destination Function:_OLD_VIRTUAL_PROMPT
    function global:prompt {
        Write-Host -NoNewline -ForegroundColor Green "($env:VIRTUAL_ENV_PROMPT) "
        _OLD_VIRTUAL_PROMPT
    }
}

if (Test-Path -Path Env:PYTHONHOME) {
    Copy-Item -Path Env:PYTHONHOME -Destination Env:_OLD_VIRTUAL_PYTHONHOME
    Remove-Item -Path Env:PYTHONHOME
}

Copy-Item -Path Env:PATH -Destination Env:_OLD_VIRTUAL_PATH
$env:PATH = (Join-Path -Path $VenvDir -ChildPath @BIN_NAME@) + [System.IO.Path]::PathSeparator + $env:PATH
"""

NUSHELL = r"""# Use this file from nushell: `overlay use <env>/bin/activate.nu`; leave with `deactivate`.

export-env {
    let venv_dir = @VIRTUAL_ENV@
    let venv_bin = ($venv_dir | path join @BIN_NAME@)
    let venv_prompt = @PROMPT@
    # Windows calls it Path, everyone else PATH.
    let path_name = if ('Path' in $env) { 'Path' } else { 'PATH' }
    let old_path = ($env | get $path_name)
    let old_path_list = if (($old_path | describe) == 'string') {
        $old_path | split row (char esep)
    } else {
        $old_path
    }
    let new_path = ($old_path_list | prepend $venv_bin)
    let show_prompt = not ('VIRTUAL_ENV_DISABLE_PROMPT' in $env)
        or ($env.VIRTUAL_ENV_DISABLE_PROMPT | is-empty)
    let env_changes = {
        VIRTUAL_ENV: $venv_dir
        VIRTUAL_ENV_PROMPT: $venv_prompt
    } | insert $path_name $new_path
    let env_changes = if $show_prompt {
        let prefix = $"\(($venv_prompt)\) "
        let old_prompt = if ('PROMPT_COMMAND' in $env) { $env.PROMPT_COMMAND } else { '' }
        let new_prompt = if (($old_prompt | describe) | str starts-with 'closure') {
            {|| $prefix + (do $old_prompt) }
        } else {
            {|| $prefix + $old_prompt }
        }
        $env_changes | insert PROMPT_COMMAND $new_prompt
    } else {
        $env_changes
    }
    hide-env -i PYTHONHOME
    load-env $env_changes
}

export alias pydoc = python -m pydoc
export alias deactivate = overlay hide activate
"""


#: What :func:`shlex.quote` leaves unquoted (``[\w@%+=:,./-]`` in ASCII); a test holds the two equal.
_POSIX_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def _quote_posix(value: str) -> str:
    """:func:`shlex.quote`, without importing :mod:`shlex` (and :mod:`re`) at start-up."""
    if not value:
        return "''"
    if all(char in _POSIX_SAFE for char in value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _quote_fish(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quote_csh(value: str) -> str:
    # Single quotes protect everything in csh but the history character and newlines.
    return "'" + value.replace("'", "'\\''").replace("!", "\\!") + "'"


def _quote_powershell(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote_nushell(value: str) -> str:
    hashes = "#"
    while f"'{hashes}" in value:
        hashes += "#"
    return f"r{hashes}'{value}'{hashes}"


class ActivationScript:
    """One script: its file name, its template and how its shell quotes a string."""

    __slots__ = ("name", "quote", "template")

    def __init__(self, name: str, template: str, quote: Callable[[str], str]) -> None:
        self.name = name
        self.template = template
        self.quote = quote

    def __repr__(self) -> str:
        return f"ActivationScript({self.name!r})"


SCRIPTS: tuple[ActivationScript, ...] = (
    ActivationScript("activate", BASH, _quote_posix),
    ActivationScript("activate.fish", FISH, _quote_fish),
    ActivationScript("activate.csh", CSH, _quote_csh),
    ActivationScript("activate.nu", NUSHELL, _quote_nushell),
    ActivationScript("Activate.ps1", POWERSHELL, _quote_powershell),
)


def render(script: ActivationScript, values: Mapping[str, str]) -> str:
    """*script*'s text with each ``@NAME@`` replaced by the quoted value of ``NAME``."""
    text = script.template
    for name, value in values.items():
        text = text.replace(f"@{name}@", script.quote(value))
    return text


def activation_scripts(*, venv_dir: str, bin_name: str, prompt: str) -> dict[str, str]:
    """File name → text for every shell's script of the environment at *venv_dir*."""
    values = {"VIRTUAL_ENV": venv_dir, "BIN_NAME": bin_name, "PROMPT": prompt}
    return {script.name: render(script, values) for script in SCRIPTS}
