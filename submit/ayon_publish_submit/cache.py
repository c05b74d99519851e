"""Where the submission side and the pipeline keep their cache: one directory per user.

``$AYON_CONDA_CACHE_DIR``, else the platform's user cache directory: platformdirs' answer when
it is importable (the pipeline has it), else the same directory worked out with the standard
library, since a DCC's Python may not have platformdirs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "ayon-conda"


def cache_dir() -> Path:
    """The cache root.

    >>> import os; saved = os.environ.get("AYON_CONDA_CACHE_DIR"); os.environ["AYON_CONDA_CACHE_DIR"] = "/tmp/c"
    >>> str(cache_dir())
    '/tmp/c'
    >>> _ = os.environ.pop("AYON_CONDA_CACHE_DIR") if saved is None else os.environ.update(AYON_CONDA_CACHE_DIR=saved)
    """
    env = os.environ.get("AYON_CONDA_CACHE_DIR")
    if env:
        return Path(env)
    try:
        import platformdirs
    except ImportError:
        return _user_cache_dir()
    return Path(platformdirs.user_cache_dir(APP))


def _user_cache_dir() -> Path:
    """platformdirs' ``user_cache_dir(APP)`` (appauthor defaulting to the app name), stdlib only."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP / APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(xdg if xdg else Path.home() / ".cache") / APP
