"""AYON version ranges, evaluated exactly as the AYON server evaluates an addon's ranges.

An addon's ``package.py`` declares ``ayon_server_version = ">=1.8.4,<2.0.0"``; a package records
the intersection over its baked addons in ``about.json`` (``extra.compatibility``). ayon-backend
checks a version against such a range by splitting it on commas and matching every condition
with python-semver (``semver.match``); this module does the same with the same library, so a
package is refused here exactly when the server would refuse its addons. Versions are semver
(``1.8.4``, ``1.10.0-dev.1``: a pre-release sorts before its release).

semver is imported on first use: the submission code imports this module inside a DCC, where
AYON's launcher provides semver anyway.

>>> in_range("1.10.0-dev.1", ">=1.8.4,<2.0.0")
True
>>> in_range("1.8.3", ">=1.8.4,<2.0.0")
False
>>> in_range("1.8.3", None)  # no recorded range: no restriction
True
"""

from __future__ import annotations

from .errors import UserError


def parse_version(version: str, subject: str) -> object:
    """A ``semver.Version``; ``subject`` names where the version came from, for the error."""
    import semver

    try:
        return semver.Version.parse(version)
    except (TypeError, ValueError):
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
            if not parsed.match(condition):  # type: ignore[attr-defined]
                return False
        except ValueError:
            raise UserError(f"range '{spec}'", f"'{condition}' is not a semver condition",
                                 "the package records its addons' package.py ranges; fix the addon and rebuild") from None
    return True


def version_key(conda_version: str) -> tuple:
    """Sort key for package versions: semver order, unparsable versions last by text.

    Package versions are AYON versions with ``-`` written as ``_`` (see ``pin.conda_version``).

    >>> sorted(["1.10.0", "1.9.0", "1.9.0_rc.1", "weird"], key=version_key)
    ['1.9.0_rc.1', '1.9.0', '1.10.0', 'weird']
    """
    import semver

    try:
        return (0, semver.Version.parse(conda_version.replace("_", "-")), "")
    except ValueError:
        return (1, None, conda_version)
