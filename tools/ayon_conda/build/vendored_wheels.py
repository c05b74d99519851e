"""The vendored wheels of a lock: from a wheelhouse, the cache or the index, always verified.

A wheelhouse is a plain directory of files named as the lock names them (``ayon-conda fetch``
fills one). With ``offline`` nothing is downloaded: every wheel must be in the wheelhouse or
the cache already.
"""

from __future__ import annotations

from pathlib import Path

from ayon_conda import download
from ayon_conda.cache import download_path, sha256_file
from ayon_conda.errors import AyonCondaError
from ayon_conda.pin.lock import Lock, VendoredDist
from ayon_conda.progress import Progress


def _checked(path: Path, dist: VendoredDist) -> Path:
    actual = sha256_file(path)
    if actual != dist.sha256:
        raise download.mismatch(str(path), dist.sha256, actual)
    return path


def wheel_for(dist: VendoredDist, progress: Progress, *, wheelhouse: Path | None, offline: bool, cache: Path | None) -> Path:
    if wheelhouse is not None and (wheelhouse / dist.file).is_file():
        return _checked(wheelhouse / dist.file, dist)
    cached = download_path(dist.sha256, dist.file, cache)
    if cached.is_file():
        if sha256_file(cached) == dist.sha256:
            return cached
        progress.step(f"Discarding a corrupt cached {dist.file}")
        cached.unlink()
    if offline:
        where = f"the wheelhouse {wheelhouse} or " if wheelhouse else ""
        raise AyonCondaError(
            dist.file, f"not in {where}the download cache and --offline is set",
            "fill a wheelhouse with ayon-conda fetch LOCK --wheelhouse DIR",
        )
    path, _ = download.fetch(dist.url, dist.file, dist.sha256, progress, cache)
    return path


def fetch_wheels(
    lock: Lock, progress: Progress, *, wheelhouse: Path | None = None, offline: bool = False, cache: Path | None = None
) -> dict[str, Path]:
    """Local, sha256-checked paths of every vendored wheel, by distribution name."""
    return {
        dist.name: wheel_for(dist, progress, wheelhouse=wheelhouse, offline=offline, cache=cache)
        for dist in lock.vendored
    }

