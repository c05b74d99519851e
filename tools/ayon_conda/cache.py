"""The download cache: content-addressed, so a file found there is the file the lock names.

``$AYON_CONDA_CACHE_DIR``, else the platform's user cache directory. Files live under
``downloads/<sha256>/<filename>`` and extracted addon trees under ``trees/<sha256>/``; both are
written to a temporary name first and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

_CHUNK = 1 << 20


def cache_dir() -> Path:
    env = os.environ.get("AYON_CONDA_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("ayon-conda"))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download_path(sha256: str, filename: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "downloads" / sha256 / filename


def tree_path(sha256: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "trees" / sha256
