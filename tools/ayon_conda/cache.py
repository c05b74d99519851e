"""The download cache: content-addressed, so a file found there is the file the lock names.

The root is :func:`ayon_publish_submit.cache.cache_dir` (``$AYON_CONDA_CACHE_DIR``, else the
platform's user cache directory), shared with the submission side. Files live under
``downloads/<sha256>/<filename>`` and extracted addon trees under ``trees/<sha256>/``; both are
written to a temporary name first and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ayon_publish_submit.cache import cache_dir

__all__ = ["cache_dir", "sha256_file", "download_path", "tree_path"]

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download_path(sha256: str, filename: str, root: Path | None = None) -> Path:
    """Where a download of that sha256 is kept; ``filename`` is used only when it is one plain name.

    >>> download_path("ab12", "core-1.9.0.zip", Path("/cache")).as_posix()
    '/cache/downloads/ab12/core-1.9.0.zip'
    >>> download_path("ab12", "../../etc/passwd", Path("/cache")).as_posix()
    '/cache/downloads/ab12/download'
    """
    plain = filename not in ("", ".", "..") and Path(filename).name == filename and "\\" not in filename
    return (root or cache_dir()) / "downloads" / sha256 / (filename if plain else "download")


def tree_path(sha256: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "trees" / sha256
