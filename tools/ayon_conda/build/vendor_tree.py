"""The lock's vendored wheels, unpacked once into the cache and linked into every staging.

Unpacking two dozen wheels with pypa/installer (which hashes and records every file) is most of
a warm build; the result depends only on the wheels' bytes and on how they are unpacked. So the
unpacked tree is kept in the cache under a key made of exactly those inputs
(``<cache>/vendor/<key>/vendor/``), written under a temporary name and renamed into place whole, and
every package of every build with the same vendored set hard-links its files from there (a copy
where links cannot be made). A miss fetches the wheels (each checked against the lock's sha256)
and unpacks them; a cache that cannot be written only costs a scratch unpack.

Wheels are unpacked with pypa/installer: console scripts, headers and data files of vendored
libraries are not shipped (they would land outside the private directory).
"""

from __future__ import annotations

import base64
import csv
import hashlib
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
_LAYOUT = "vendor-tree-1"  # bump when the way wheels are unpacked changes


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
        damage = tree_damage(final / "vendor")
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
        _unpack(lock, wheels, partial)
        try:
            os.replace(partial, final)
        except OSError:  # another build put the same tree there first
            if not (final / "vendor").is_dir():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final / "vendor"


def tree_damage(vendor: Path) -> str | None:
    """What differs between an unpacked vendored set and the ``RECORD`` files installer wrote
    into it (a file changed, missing or added since), or None. A cached tree is checked on every
    use, as a cached download is: its files are linked into packages."""
    recorded: dict[str, str] = {}
    for record in vendor.glob("*.dist-info/RECORD"):
        for row in csv.reader(record.read_text(encoding="utf-8").splitlines()):
            if row and not row[0].startswith("../"):  # ../.discard/...: scripts and data not shipped
                recorded[row[0]] = row[1] if len(row) > 1 else ""
    present = {p.relative_to(vendor).as_posix() for p in vendor.rglob("*") if p.is_file() or p.is_symlink()}
    if present != set(recorded):
        odd = sorted(present ^ set(recorded))[0]
        return f"{odd} is {'not recorded' if odd in present else 'missing'}"
    for rel, digest in recorded.items():
        if digest:
            algorithm, _, expected = digest.partition("=")
            actual = base64.urlsafe_b64encode(hashlib.new(algorithm, (vendor / rel).read_bytes()).digest())
            if actual.rstrip(b"=").decode() != expected:
                return f"{rel} changed"
    return None


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
