"""AYON version ranges, evaluated as the AYON server means its addons' ranges.

An addon's ``package.py`` declares ``ayon_server_version = ">=1.8.4,<2.0.0"``; a package records
the intersection over its baked addons in ``about.json`` (``extra.compatibility``). ayon-backend
checks a version against such a range by splitting it on commas and matching every condition
with python-semver's ``match``. This module does the same with :class:`SemVer`, a standard-library
implementation of semantic versions (semver.org 2.0.0), written here because the submission code
runs in a DCC, whose Python need not have semver. It parses, orders and matches exactly as
python-semver 3.1 does (a property test compares the two on generated input); semver 3.0, which
ayon-backend 1.15 ships, also accepts a trailing newline and non-ASCII digits, which no AYON
version has. Versions are semver (``1.8.4``, ``1.10.0-dev.1``: a pre-release sorts before its
release; build metadata is ignored in order).

>>> in_range("1.10.0-dev.1", ">=1.8.4,<2.0.0")
True
>>> in_range("1.8.3", ">=1.8.4,<2.0.0")
False
>>> in_range("1.8.3", None)  # no recorded range: no restriction
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .errors import UserError

_NUMBER = r"0|[1-9][0-9]*"
_PRERELEASE_PART = r"0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*"
_BUILD_PART = r"[0-9a-zA-Z-]+"
_SEMVER = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<prerelease>(?:{_PRERELEASE_PART})(?:\.(?:{_PRERELEASE_PART}))*))?"
    rf"(?:\+(?P<build>{_BUILD_PART}(?:\.{_BUILD_PART})*))?"
)
#: Operators of a condition, longest first, and which comparison results satisfy each.
_OPERATORS = {">=": (0, 1), "<=": (-1, 0), "==": (0,), "!=": (-1, 1), ">": (1,), "<": (-1,)}



@dataclass(frozen=True)
class SemVer:
    """A semantic version.

    >>> SemVer.parse("1.10.0-rc.2+build.5")
    SemVer(major=1, minor=10, patch=0, prerelease='rc.2', build='build.5')
    >>> SemVer.parse("1.9.0-rc.10") > SemVer.parse("1.9.0-rc.9") and SemVer.parse("1.9.0") > SemVer.parse("1.9.0-rc.10")
    True
    >>> SemVer.parse("1.9.0").match("<1.10.0")
    True
    """

    major: int
    minor: int
    patch: int
    prerelease: Optional[str] = None
    build: Optional[str] = None

    @classmethod
    def parse(cls, text: str) -> SemVer:
        """Raises ValueError when ``text`` is not a semantic version (``1.8.4``)."""
        found = _SEMVER.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"{text!r} is not a semantic version")
        return cls(int(found["major"]), int(found["minor"]), int(found["patch"]), found["prerelease"], found["build"])

    @property
    def key(self) -> tuple:
        """The sort key: a release after its pre-releases; pre-release identifiers compared one by
        one, numbers by value and before words, and more identifiers after fewer."""
        if self.prerelease is None:
            return (self.major, self.minor, self.patch, (1,))
        # a numeric identifier has no leading zeros: (length, digits) orders it by value
        parts = tuple((0, len(p), p) if p.isdigit() else (1, 0, p) for p in self.prerelease.split("."))
        return (self.major, self.minor, self.patch, (0, parts))

    def compare(self, other: SemVer) -> int:
        """-1, 0 or 1 as ``self`` sorts before, with, or after ``other``."""
        return (self.key > other.key) - (self.key < other.key)

    def __lt__(self, other: SemVer) -> bool:
        return self.key < other.key

    def __gt__(self, other: SemVer) -> bool:
        return self.key > other.key

    def match(self, condition: str) -> bool:
        """Whether this version meets ``condition``: an operator (``>= <= == != > <``) and a
        version, or a bare version (meaning ``==``). Raises ValueError for anything else."""
        op = next((op for op in _OPERATORS if condition.startswith(op)), None)
        if op is None:
            if not condition or condition[0] not in "0123456789":
                raise ValueError(f"{condition!r} is not an operator (< > == <= >= !=) and a version")
            op, version = "==", condition
        else:
            version = condition[len(op):]
        return self.compare(SemVer.parse(version)) in _OPERATORS[op]


def parse_version(version: str, subject: str) -> SemVer:
    """``version`` parsed; ``subject`` names where it came from, for the error."""
    try:
        return SemVer.parse(version)
    except ValueError:
        raise UserError(subject, f"'{version}' is not a semantic version (e.g. 1.8.4)",
                        "pass the AYON server's version as it reports it") from None


def in_range(version: str, spec: str | None, subject: str = "AYON server version") -> bool:
    """Whether ``version`` satisfies every comma-separated condition of ``spec`` (None: any)."""
    parsed = parse_version(version, subject)
    for condition in (spec or "").split(","):
        condition = condition.strip()
        if not condition:
            continue
        try:
            if not parsed.match(condition):
                return False
        except ValueError:
            raise UserError(f"range '{spec}'", f"'{condition}' is not a semver condition",
                            "the package records its addons' package.py ranges; fix the addon and rebuild") from None
    return True


def check_range(spec: str, subject: str) -> str:
    """``spec`` when every comma-separated condition in it is one :func:`in_range` understands.

    >>> check_range(">=1.8.4,<2.0.0", "ayon_server_version")
    '>=1.8.4,<2.0.0'
    """
    conditions = [c.strip() for c in spec.split(",")]
    if not all(conditions):
        raise UserError(subject, f"'{spec}' has an empty condition", "write conditions like '>=1.8.4,<2.0.0'")
    for condition in conditions:
        try:
            SemVer.parse("0.0.0").match(condition)
        except ValueError:
            raise UserError(subject, f"'{condition}' is not a semver condition",
                            "write conditions like '>=1.8.4,<2.0.0'") from None
    return spec


def version_key(conda_version: str) -> tuple:
    """Sort key for package versions: semver order, unparsable versions last by text.

    Package versions are AYON versions with ``-`` written as ``_`` (see ``pin_scheme.conda_version``).

    >>> sorted(["1.10.0", "1.9.0", "1.9.0_rc.1", "weird"], key=version_key)
    ['1.9.0_rc.1', '1.9.0', '1.10.0', 'weird']
    """
    try:
        return (0, SemVer.parse(conda_version.replace("_", "-")).key, "")
    except ValueError:
        return (1, (), conda_version)
