"""The lock's vendored wheels, unpacked once into the cache and linked into every staging.

Unpacking two dozen wheels with pypa/installer (which hashes and records every file) is most of
a warm build; the result depends only on the wheels' bytes and on how they are unpacked. So the
unpacked tree is kept in the cache under a key made of exactly those inputs
(``<cache>/vendor/<key>/vendor/``), written under a temporary name and renamed into place whole, and
every package of every build with the same vendored set hard-links its files from there (a copy
where links cannot be made). A miss fetches the wheels (each checked against the lock's sha256)
and unpacks them; a cache that cannot be written only costs a scratch unpack. A cached tree whose
files changed since (see :func:`tree_damage`) is unpacked again, not used.

Wheels are unpacked with pypa/installer: console scripts, headers and data files of vendored
libraries are not shipped (they would land outside the private directory).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib.metadata import version as installed_version
from pathlib import Path

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

from ayon_conda.build.vendored_wheels import fetch_wheels
from ayon_conda.cache import cache_dir
from ayon_conda.pin.headless import check_vendor_dir
from ayon_conda.pin.lock import Lock
from ayon_conda.progress import Progress

#: The ``*.dist-info/INSTALLER`` of every vendored distribution: ``conda``, what rattler-build
#: rewrites every such file in a package to (without touching ``RECORD``), so writing those bytes
#: here keeps each ``RECORD`` true and the payload the same whichever backend packages the tree.
INSTALLER = b"conda\n"
_LAYOUT = "vendor-tree-2"  # bump when the way wheels are unpacked changes
STAT_MANIFEST = "stat-manifest.json"  # beside vendor/: what tree_damage compares against


def install_wheel(wheel: Path, vendor: Path, scratch: Path) -> None:
    """Unpack a wheel's importable files into ``vendor`` (scripts, headers and data go to ``scratch``)."""
    discard = {key: str(scratch / key) for key in ("headers", "scripts", "data")}
    destination = SchemeDictionaryDestination(
        scheme_dict={"purelib": str(vendor), "platlib": str(vendor), **discard},
        interpreter="python",
        script_kind="posix",
        bytecode_optimization_levels=(),
    )
    with WheelFile.open(wheel) as source:
        install(source, destination, additional_metadata={"INSTALLER": INSTALLER})


def tree_key(lock: Lock) -> str:
    """The cache key of the lock's unpacked vendored set: every input of the unpacking."""
    digest = hashlib.sha256(f"{_LAYOUT}\n{installed_version('installer')}\n".encode() + INSTALLER)
    for dist in sorted(lock.vendored, key=lambda d: d.name):
        digest.update(f"{dist.name} {dist.file} {dist.sha256}\n".encode())
    return digest.hexdigest()


def _unpack(lock: Lock, wheels: dict[str, Path], root: Path) -> Path:
    """Unpack into ``root/vendor``; the discarded scheme dirs go to ``root/.discard`` and are
    removed. They sit beside the tree as ``ayon_publish/.discard`` sits beside
    ``ayon_publish/vendor`` in a package, so the RECORD files installer writes (which name the
    discarded scripts relative to the tree) are the same wherever the tree is unpacked."""
    vendor, scratch = root / "vendor", root / ".discard"
    vendor.mkdir(parents=True)
    try:
        for dist in lock.vendored:
            install_wheel(wheels[dist.name], vendor, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    check_vendor_dir(vendor)
    return vendor


def vendor_tree(lock: Lock, progress: Progress, scratch: Path, *, wheelhouse: Path | None = None,
                offline: bool = False, cache: Path | None = None) -> Path:
    """The unpacked vendored set of ``lock``: from the cache, else unpacked into it (or into
    ``scratch`` when the cache cannot be written)."""
    root = (cache or cache_dir()) / "vendor"
    final = root / tree_key(lock)
    if (final / "vendor").is_dir():
        damage = tree_damage(final)
        if damage is None:
            return final / "vendor"
        progress.step(f"warning: the cached vendored set {final} is damaged ({damage}): unpacking it again")
        _discard(final)
    progress.step(f"Wheels: unpacking {len(lock.vendored)} vendored distributions")
    wheels = fetch_wheels(lock, progress, wheelhouse=wheelhouse, offline=offline, cache=cache)
    try:
        root.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
    except OSError:
        return _unpack(lock, wheels, scratch / "unpacked")
    try:
        vendor = _unpack(lock, wheels, partial)
        (partial / STAT_MANIFEST).write_text(json.dumps(stat_manifest(vendor)), encoding="utf-8")
        try:
            os.replace(partial, final)
        except OSError:  # another build put the same tree there first
            if not (final / "vendor").is_dir():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final / "vendor"


def stat_manifest(vendor: Path) -> dict[str, list[int]]:
    """``relative path -> [size, mtime_ns]`` of every file of an unpacked vendored set."""
    found: dict[str, list[int]] = {}
    for directory, _, files in os.walk(vendor):
        rel_dir = Path(directory).relative_to(vendor).as_posix()
        for name in files:
            stat = os.lstat(os.path.join(directory, name))
            found[name if rel_dir == "." else f"{rel_dir}/{name}"] = [stat.st_size, stat.st_mtime_ns]
    return found


def tree_damage(tree: Path) -> str | None:
    """What changed in a cached vendored set since it was unpacked (a file written to, removed or
    added, e.g. through a hard link into a staged package), or None. Checked on every use, as a
    cached download is, by size and modification time: hashing every file (1,690 for real
    ayon-core) took 0.2-0.8 s of a 2 s build, the stat walk a few ms."""
    try:
        recorded = json.loads((tree / STAT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"no readable {STAT_MANIFEST}"
    present = stat_manifest(tree / "vendor")
    if present == recorded:
        return None
    odd = sorted(k for k in present.keys() | recorded.keys() if present.get(k) != recorded.get(k))[0]
    return f"{odd} {'was added' if odd not in recorded else 'is missing' if odd not in present else 'changed'}"


def _discard(tree: Path) -> None:
    """Move a damaged cached tree aside (one rename, so no build links from half of it) and delete it."""
    aside = tree.with_name(f".damaged-{tree.name}-{os.getpid()}")
    try:
        os.replace(tree, aside)
    except OSError:
        return  # another build moved it already
    shutil.rmtree(aside, ignore_errors=True)


def link_tree(source: Path, target: Path) -> None:
    """``target`` as a copy of ``source`` made of hard links (copies across file systems)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
            shutil.copymode(src, dst)

    shutil.copytree(source, target, copy_function=link)
