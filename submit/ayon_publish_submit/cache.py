"""Where the submission side and the pipeline keep their cache: one directory per user.

``$AYON_CONDA_CACHE_DIR``, else the platform's user cache directory as platformdirs names it
(``user_cache_dir("ayon-conda")``; a test keeps the two equal), worked out with the standard
library because a DCC's Python may not have platformdirs.
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
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP / APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return Path(xdg if xdg.strip() else Path.home() / ".cache") / APP
