"""Filling a wheelhouse: every wheel and addon archive of a lock in one directory, verified.

``ayon-conda fetch`` fills one for offline builds; ``ayon-conda render`` fills the payload of
the conda recipes with it, so that their build scripts stage with ``--offline``. The layout is
the one :func:`ayon_conda.build.vendored_wheels.wheel_for` and :class:`ayon_conda.pin.addon_sources.Sources` read:
wheels under the file name the lock gives them, addon sources (archives, and path sources'
directories) under :func:`ayon_conda.pin.addon_sources.wheelhouse_name`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ayon_conda.build.stage import inside
from ayon_conda.build.vendored_wheels import fetch_wheels
from ayon_conda.pin.addon_sources import AyonServer, Sources, copy_source, wheelhouse_name
from ayon_conda.pin.lock import Lock
from ayon_conda.progress import Progress


def fill_wheelhouse(
    lock: Lock,
    target: Path,
    progress: Progress,
    *,
    server: AyonServer | None = None,
    wheelhouse: Path | None = None,
    offline: bool = False,
    cache: Path | None = None,
) -> list[str]:
    """Copy every wheel and addon source of ``lock`` into ``target``.

    Each file is checked against the lock's sha256 on the way (from ``wheelhouse``, the cache
    or the network). Returns the copied files, relative to ``target``.
    """
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    wheels = fetch_wheels(lock, progress, wheelhouse=wheelhouse, offline=offline, cache=cache)
    for path in wheels.values():
        _copy(path, inside(target, path.name, origin=str(lock.path)), path.name)
        copied.append(path.name)
    sources = Sources(progress, offline=offline, server=server, wheelhouse=wheelhouse, cache=cache)
    for addon in lock.addons:
        archive = sources.archive(addon)
        rel = wheelhouse_name(addon.name, addon.version, addon.source.location)
        origin = f"addon {addon.name} {addon.version} ({addon.source.location})"
        _copy(archive, inside(target, *rel.split("/"), origin=origin), origin)
        copied.append(rel)
    return copied


def _copy(src: Path, dest: Path, origin: str) -> None:
    """Copy a verified file or path source's directory into place (a stale or corrupt one of
    the same name is replaced)."""
    if dest.exists() and os.path.samefile(src, dest):
        return
    if dest.is_dir():
        shutil.rmtree(dest)
    copy_source(src, dest, origin)
