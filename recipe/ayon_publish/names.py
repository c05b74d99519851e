"""Names and versions that come from outside, checked in one place before they are used.

Bundle, addon and project names and addon versions arrive from bundle files, AYON servers,
component configs, locks, S3 manifests and the environment, and end up in directory names, S3
keys, conda file names and recipes. Every one is checked here, where it enters, with the AYON
server's own rules (ayon-backend ``ayon_server/types.py``: ``NAME_REGEX`` for bundles,
``ADDON_NAME_REGEX``, ``PROJECT_NAME_REGEX``, ``SEMVER_REGEX``), plus length limits that keep
``{name}_{version}`` a valid file name and the S3 keys short. The whole value must match
(``fullmatch``: a trailing newline is refused), in ASCII only.

The ayon-core version is also the conda package's version (``-`` becomes ``_``), so it must be a
semantic version whose pre-release and build identifiers are letters and digits with single
inner hyphens, and numbers of at most 18 digits: ``1.0.0--x`` is semver but its conda form
``1.0.0__x`` is not a conda version.

It lives in the shipped package because the worker-side addon sync needs it (bundle names from
the environment, addon names and versions from S3 manifests), shipped code may import nothing
from the pipeline, and the pipeline may import shipped code. The submission side needs none of
it: it only turns a bundle into a match spec. Python 3.9 compatible, standard library only.

>>> version("0.2.0")
'0.2.0'
>>> version("0.2.0/../../../x")
Traceback (most recent call last):
...
ayon_publish.names.InvalidName: version '0.2.0/../../../x' is not valid: a semantic version is MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (e.g. 1.9.0, 1.10.0-rc.1)
>>> bundle_name("production\\n")
Traceback (most recent call last):
...
ayon_publish.names.InvalidName: bundle name 'production\\n' is not valid: letters, digits, '_', and '.' or '-' inside
>>> print(shown("x" * 10_013))
'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (10013 characters)
"""

from __future__ import annotations

import re
from typing import Any, Callable, Pattern

#: Bundle, addon and project names; a directory name ``{name}_{version}`` stays far below 255.
MAX_NAME = 128
MAX_VERSION = 64
_SHOWN = 60

_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"  # a semver pre-release identifier
_SEMVER = (r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
           rf"(?:-{_ID}(?:\.{_ID})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?")
_CONDA_ID = r"[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*"  # no empty conda version component once '-' is '_'
_CORE = rf"[0-9]+\.[0-9]+\.[0-9]+(?:-{_CONDA_ID}(?:\.{_CONDA_ID})*)?(?:\+{_CONDA_ID}(?:\.{_CONDA_ID})*)?"

_LONG_NUMBER = re.compile(r"[0-9]{19,}")  # conda tools read each number of a version as a 64-bit integer

SEMVER_RULE = "a semantic version is MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (e.g. 1.9.0, 1.10.0-rc.1)"


class InvalidName(ValueError):
    """A name or version that breaks its rule; ``str()`` is one line naming it."""

    def __init__(self, kind: str, value: Any, rule: str) -> None:
        self.kind = kind
        self.value = value
        self.rule = rule
        super().__init__(f"{kind} {shown(value)} is not valid: {rule}")


def shown(value: Any) -> str:
    """``value`` quoted for a one-line message: control characters escaped, long values cut."""
    text = repr(value) if isinstance(value, str) else f"{repr(value)[:_SHOWN]} ({type(value).__name__})"
    if isinstance(value, str) and len(text) > _SHOWN:
        text = f"{text[:_SHOWN - 3]}...{text[0]} ({len(value)} characters)"
    return text


def one_line(text: str) -> str:
    """``text`` with every line break and control character shown escaped (messages, env values)."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


def _checker(name: str, pattern: str, rule: str, limit: int, kind: str, doc: str) -> Callable[..., str]:
    """A check: ``check(value, kind=...)`` returns ``value`` when it fully matches ``pattern``
    within ``limit`` characters, else raises :class:`InvalidName` naming it as ``kind``."""
    compiled: Pattern[str] = re.compile(pattern, re.ASCII)

    def check(value: Any, kind: str = kind) -> str:
        if not isinstance(value, str):
            raise InvalidName(kind, value, "it must be text")
        if len(value) > limit:
            raise InvalidName(kind, value, f"at most {limit} characters")
        if not compiled.fullmatch(value):
            raise InvalidName(kind, value, rule)
        return value

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return check


bundle_name = _checker(
    "bundle_name", r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?", "letters, digits, '_', and '.' or '-' inside",
    MAX_NAME, "bundle name", "An AYON bundle name (the server's ``NAME_REGEX``); also a file name and an S3 key part.")
addon_name = _checker(
    "addon_name", r"[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]", "two or more letters, digits, '_', and '.' or '-' inside",
    MAX_NAME, "addon name", "An AYON addon name (``ADDON_NAME_REGEX``).")
project_name = _checker(
    "project_name", r"[A-Za-z0-9_]+", "letters, digits and '_'", MAX_NAME, "project name",
    "An AYON project name (``PROJECT_NAME_REGEX``).")
version = _checker(
    "version", _SEMVER, SEMVER_RULE, MAX_VERSION, "version",
    "An addon version: a semantic version, as the AYON server requires in bundles.")
_core = _checker(
    "_core", _CORE, "ayon-core's version is the conda package's version: a semantic version whose pre-release and "
    "build parts are letters and digits with single '-' inside (e.g. 1.9.0-rc.1)", MAX_VERSION, "ayon-core version",
    "The conda-safe shape of a core version (see :func:`core_version`).")
client_dir = _checker(
    "client_dir", r"[A-Za-z_][A-Za-z0-9_]*", "a Python package name (letters, digits, '_')", MAX_NAME, "client_dir",
    "An addon's client package name: a directory under ``{name}_{version}``.")
package_name = _checker(
    "package_name", r"[a-z0-9_][a-z0-9_.-]*", "a conda package name (lower-case letters, digits, '_', '.', '-')",
    MAX_NAME, "package name", "A conda package name (the component config's ``package.name``).")
file_name = _checker(
    "file_name", r"[A-Za-z0-9_][A-Za-z0-9_.+!-]*", "one file name (letters, digits, '_', '.', '+', '!', '-')", 255,
    "file name", "One path component, never ``.`` or ``..`` (a wheel's file name from a lock).")
distribution = _checker(
    "distribution", r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", "a normalized PyPI name (lower-case letters, digits, "
    "'.' and '-' inside)", MAX_NAME, "distribution name", "A Python distribution's PEP 503 normalized name.")
dist_version = _checker(
    "dist_version", r"[0-9][0-9A-Za-z.+!_-]*", "a Python version (PEP 440: digits first, then letters, digits, "
    "'.', '+', '!', '_', '-')", MAX_VERSION, "distribution version", "A Python distribution's version.")
sha256 = _checker("sha256", r"[0-9a-f]{64}", "64 lower-case hex digits", 64, "sha256", "A sha256 in lower-case hex.")


def core_version(value: Any, kind: str = "ayon-core version") -> str:
    """ayon-core's version, which must also make a valid conda version (see the module docstring)."""
    value = _core(version(value, kind), kind)
    if _LONG_NUMBER.search(value):
        raise InvalidName(kind, value, "conda versions hold numbers of at most 18 digits")
    return value
