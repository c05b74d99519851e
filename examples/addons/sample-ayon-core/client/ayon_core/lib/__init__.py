"""Small helpers of the SAMPLE core addon (not AYON code).

The real ``ayon_core.lib`` imports ``semver``, ``platformdirs``, ``arrow`` and
``attrs`` at run time. On a workstation the AYON launcher provides them; a
packaged publish environment has to vendor them. This sample imports them at
module level on purpose, so that a missing one fails at import time.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional

import arrow
import attrs
import platformdirs
import semver

__all__ = (
    "AddonInfo",
    "Logger",
    "get_addons_dir",
    "get_local_site_id",
    "get_timestamp",
    "get_user_log_dir",
    "is_headless_mode_enabled",
    "parse_addon_version",
    "version_satisfies",
)


def get_user_log_dir() -> str:
    """Directory for log files: ``AYON_LOG_DIR`` or the platform default."""
    return os.getenv("AYON_LOG_DIR") or platformdirs.user_log_dir("AYON", "Ynput")


class Logger:
    """Thin wrapper around :mod:`logging`, shaped like ``ayon_core.lib.Logger``."""

    log_level = logging.DEBUG if os.getenv("AYON_DEBUG") == "1" else logging.INFO
    _configured = False

    @classmethod
    def _configure(cls) -> None:
        if cls._configured:
            return
        root = logging.getLogger("ayon")
        root.setLevel(cls.log_level)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        # Writing a log file is opt-in, so that the sample leaves no files behind.
        if os.getenv("AYON_SAMPLE_LOG_TO_FILE") == "1":
            log_dir = get_user_log_dir()
            os.makedirs(log_dir, exist_ok=True)
            root.addHandler(logging.FileHandler(os.path.join(log_dir, "ayon-sample.log")))
        root.propagate = False
        cls._configured = True

    @classmethod
    def get_logger(cls, name: Optional[str] = None) -> logging.Logger:
        cls._configure()
        return logging.getLogger(f"ayon.{name}" if name else "ayon")


def is_headless_mode_enabled() -> bool:
    """True when ``AYON_HEADLESS_MODE`` is ``"1"`` (farm workers, CI)."""
    return os.getenv("AYON_HEADLESS_MODE") == "1"


def get_local_site_id() -> str:
    """Site id of this machine, from ``AYON_SITE_ID`` (the launcher sets it)."""
    site_id = os.getenv("AYON_SITE_ID")
    if not site_id:
        raise RuntimeError(
            "AYON_SITE_ID is not set. The AYON launcher sets it; a packaged publish "
            "environment must set it too (any stable name of the worker will do)."
        )
    return site_id


def get_addons_dir() -> str:
    """Directory holding the addons, from ``AYON_ADDONS_DIR``."""
    addons_dir = os.getenv("AYON_ADDONS_DIR")
    if not addons_dir:
        raise RuntimeError(
            "AYON_ADDONS_DIR is not set. It must point to a directory of "
            "'{name}_{version}' addon directories, e.g. "
            "'core_1.9.0-sample.1/ayon_core'."
        )
    return addons_dir


def get_timestamp() -> str:
    """Current UTC time as an ISO 8601 string."""
    return arrow.utcnow().isoformat()


def parse_addon_version(version: str) -> semver.Version:
    """Parse an addon version (semantic version, e.g. ``1.9.0-sample.1``)."""
    return semver.Version.parse(version)


def version_satisfies(version: str, requirement: str) -> bool:
    """Whether ``version`` meets a comma separated requirement like ``>=1.0,<2``."""
    parsed = parse_addon_version(version)
    return all(parsed.match(part.strip()) for part in requirement.split(",") if part.strip())


@attrs.define(frozen=True)
class AddonInfo:
    """One entry of ``AYON_ADDONS_DIR``: a ``{name}_{version}`` directory."""

    name: str
    version: str = attrs.field()
    path: str

    @version.validator
    def _check_version(self, _attribute: attrs.Attribute, value: str) -> None:
        parse_addon_version(value)  # raises ValueError when not a semantic version

    @property
    def semver(self) -> semver.Version:
        return parse_addon_version(self.version)

    @classmethod
    def from_dir(cls, path: str) -> AddonInfo:
        dirname = os.path.basename(os.path.normpath(path))
        # Addon names may contain underscores ("deadline_cloud"), versions may not.
        name, sep, version = dirname.rpartition("_")
        if not sep or not name or not version:
            raise ValueError(f"Not an addon directory name '{{name}}_{{version}}': {dirname!r}")
        return cls(name=name, version=version, path=os.path.abspath(path))
