"""Environment changes made by activation, undone by deactivation, as code for each shell.

``etc/conda/activate.d`` scripts are *sourced* by the shell that activates the environment, so
the Python sync running as a child process cannot change that shell's environment itself. It
prints the changes as code of that shell, and the thin script applies them:

* bash/sh: ``export NAME='value'`` / ``unset NAME`` lines, applied with ``eval``;
* PowerShell: ``$Env:NAME = 'value'`` / ``Remove-Item Env:NAME`` lines, ``Invoke-Expression``;
* cmd.exe: ``NAME=value`` lines (``NAME=`` unsets), applied by ``for /f ... do set "%%L"``.

Activation remembers what it replaces (``AYON_ADDONS_SYNC_BACKUP_<NAME>``) and which names it
changed (``AYON_ADDONS_SYNC_ACTIVE``), so that deactivation restores exactly what was there,
including "was not set". A second activation without a deactivation keeps the first backup.
Python 3.9 compatible.

>>> changes = activation_changes({"AYON_ADDONS_DIR": "/old"}, {"AYON_ADDONS_DIR": "/cache/addons"})
>>> print(render(changes, "bash"))
export AYON_ADDONS_DIR='/cache/addons'
export AYON_ADDONS_SYNC_ACTIVE='AYON_ADDONS_DIR'
export AYON_ADDONS_SYNC_BACKUP_AYON_ADDONS_DIR='/old'
>>> after = {"AYON_ADDONS_DIR": "/cache/addons", "AYON_ADDONS_SYNC_ACTIVE": "AYON_ADDONS_DIR",
...          "AYON_ADDONS_SYNC_BACKUP_AYON_ADDONS_DIR": "/old"}
>>> print(render(deactivation_changes(after), "powershell"))
$Env:AYON_ADDONS_DIR = '/old'
Remove-Item -ErrorAction SilentlyContinue Env:AYON_ADDONS_SYNC_ACTIVE
Remove-Item -ErrorAction SilentlyContinue Env:AYON_ADDONS_SYNC_BACKUP_AYON_ADDONS_DIR
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional

SHELLS = ("bash", "cmd", "powershell")
ACTIVE = "AYON_ADDONS_SYNC_ACTIVE"  # comma-separated names the activation changed
BACKUP_PREFIX = "AYON_ADDONS_SYNC_BACKUP_"
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: name -> new value, or None to unset
Changes = Dict[str, Optional[str]]


def activation_changes(environ: Mapping[str, str], wanted: Mapping[str, Optional[str]]) -> Changes:
    """The changes that apply ``wanted`` and remember, for deactivation, what they replace."""
    active = [n for n in environ.get(ACTIVE, "").split(",") if n]
    changes: Changes = {}
    for name, value in wanted.items():
        if name not in active:
            changes[BACKUP_PREFIX + name] = environ.get(name)
        changes[name] = value
    changes[ACTIVE] = ",".join(sorted(set(active) | set(wanted)))
    return changes


def deactivation_changes(environ: Mapping[str, str]) -> Changes:
    """The changes that restore what the activation replaced (nothing if it changed nothing)."""
    changes: Changes = {}
    for name in (n for n in environ.get(ACTIVE, "").split(",") if n):
        changes[name] = environ.get(BACKUP_PREFIX + name)
        changes[BACKUP_PREFIX + name] = None
    if ACTIVE in environ:
        changes[ACTIVE] = None
    return changes


def render(changes: Mapping[str, Optional[str]], shell: str) -> str:
    """``changes`` as code for ``shell`` (one of :data:`SHELLS`), sorted by name."""
    line = {"bash": _bash, "cmd": _cmd, "powershell": _powershell}[shell]
    lines = []
    for name in sorted(changes):
        value = changes[name]
        if not _VAR_NAME.match(name):
            raise ValueError(f"not an environment variable name: {name!r}")
        if value is not None and ("\n" in value or "\r" in value or "\0" in value):
            raise ValueError(f"{name}: a value cannot span lines")
        lines.append(line(name, value))
    return "\n".join(lines)


def _bash(name: str, value: Optional[str]) -> str:
    if value is None:
        return f"unset {name}"
    return f"export {name}='" + value.replace("'", "'\\''") + "'"


def _powershell(name: str, value: Optional[str]) -> str:
    if value is None:
        return f"Remove-Item -ErrorAction SilentlyContinue Env:{name}"
    return f"$Env:{name} = '" + value.replace("'", "''") + "'"


def _cmd(name: str, value: Optional[str]) -> str:
    # applied as: set "NAME=value" (cmd.exe deletes a variable set to nothing)
    return f"{name}={value or ''}"
